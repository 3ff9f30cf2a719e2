"""Validation of the editorial files: the real data, and one case per kind of error.

Each error test breaks a private copy of data/kb and checks that the message names the file,
the record (index and key) and the field, so editors can find the problem.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, time
from pathlib import Path
from typing import Any

import pytest

from bot.kb import KnowledgeBaseError
from bot.kb.loader import REQUIRED_FACT_KEYS, load_directory
from tests.kb_fixtures import KB_DIR, copy_kb, edit, errors_of, only_error


# -- the real knowledge base ---------------------------------------------------------------
def test_real_files_are_valid_and_complete() -> None:
    kb = load_directory(KB_DIR)
    keys = {fact.key for fact in kb.facts}
    assert set(REQUIRED_FACT_KEYS) <= keys
    pilots = [p for p in kb.projects if p.kind == "pilot"]
    assert sorted(p.number for p in pilots) == list(range(1, 15))
    assert all(p.name_de and p.name_en and p.description_de and p.description_en for p in pilots)
    assert len([p for p in kb.projects if p.kind == "implementation"]) == 8
    assert kb.contact is not None and kb.contact.email == "smartcity@gera.de"
    assert kb.contact.phone == "0365 838-1200" and kb.contact.postcode == "07545"
    assert kb.contact.head == "Rico Trost" and kb.contact.street == "Kornmarkt 12"
    every = [*kb.facts, *kb.projects, *kb.tours, *kb.opening_hours, *kb.closures, kb.contact]
    assert all(record.source and isinstance(record.as_of, date) for record in every)


def test_tours_are_kept_as_published_in_published_order() -> None:
    kb = load_directory(KB_DIR)
    published = [
        ("bike", date(2023, 6, 10)),
        ("foot", date(2023, 6, 24)),
        ("foot", date(2023, 7, 8)),
        ("foot", date(2023, 8, 22)),
        ("foot", date(2023, 8, 12)),
        ("bike", date(2023, 9, 2)),
        ("foot", date(2023, 9, 16)),
    ]
    assert [(t.mode, t.date) for t in kb.tours] == published
    assert kb.tours[3].date.weekday() == 1  # 22.08.2023 is a Tuesday, as published
    assert {(t.start, t.end) for t in kb.tours} == {(time(14), time(16, 30))}
    assert {t.meeting_point_de for t in kb.tours if t.mode == "bike"} == {
        "Marktplatz vor dem Rathausturm"
    }
    assert {t.meeting_point_de for t in kb.tours if t.mode == "foot"} == {
        "Haupteingang des Hauptbahnhofes"
    }


def test_hours_and_conflicts_as_in_the_seed() -> None:
    kb = load_directory(KB_DIR)
    hours = {h.weekday: (h.opens, h.closes) for h in kb.opening_hours}
    assert hours == {d: (time(9), time(17)) for d in range(4)} | {4: (time(9), time(15))}
    assert kb.closures == ()
    facts = {fact.key: fact for fact in kb.facts}
    assert "7,5 Millionen" in facts["funding"].text_de
    assert "8 million" in (facts["funding"].note or "")
    assert "Petra Raßmann" in (facts["lead"].note or "")
    assert "Juli 2019" in facts["since"].text_de
    synonyms = {s for p in kb.projects for s in p.surface_forms()}
    for form in (
        "Solarlaternen",
        "solar street lights",
        "Smart City Cockpit",
        "open data dashboard",
        "Datenportal",
    ):
        assert form in synonyms


# -- one case per validation error ---------------------------------------------------------
# Each case edits one file of a private copy and expects exactly one error: after "<copy>/<file>: "
# the message names where (the record by index and identity, the field), then what is wrong.
ONE_ERROR = [
    pytest.param(
        "programme.yml",
        lambda d: d["facts"][0].update(text_de="  "),
        'facts[0] (key "about"): field "text_de"',
        "missing German text",
        id="missing German text",
    ),
    pytest.param(
        "projects.yml",
        lambda d: d["projects"][9].update(description_en=""),
        'projects[9] (key "solar-street-lights"): field "description_en"',
        "missing English text",
        id="missing English text",
    ),
    pytest.param(
        "tours.yml",
        lambda d: d["tours"][2].pop("meeting_point_en"),
        'tours[2] (key "tour-2023-07-08"): field "meeting_point_en"',
        "missing required field",
        id="missing required field",
    ),
    pytest.param(
        "programme.yml",
        lambda d: d["facts"].pop(0),
        "facts",
        'missing required fact "about"',
        id="missing required fact",
    ),
    pytest.param(
        "tours.yml",
        lambda d: d["tours"][3].update(date="22.08.2023"),
        'tours[3] (key "tour-2023-08-22"): field "date"',
        'malformed date "22.08.2023" (expected YYYY-MM-DD, e.g. 2023-06-10)',
        id="malformed date",
    ),
    pytest.param(
        "programme.yml",
        lambda d: d["facts"][1].update(as_of="2023-02-30"),
        'facts[1] (key "since"): field "as_of"',
        'malformed date "2023-02-30" (no such date: February 2023 has 28 days, not 30; '
        "expected YYYY-MM-DD, e.g. 2023-06-10)",
        id="impossible date",
    ),
    pytest.param(
        "tours.yml",
        lambda d: d["tours"][0].update(start="2 pm"),
        'tours[0] (key "tour-2023-06-10"): field "start"',
        'malformed time "2 pm" (write times in quotes as "HH:MM", e.g. "14:00")',
        id="malformed time",
    ),
    pytest.param(
        "hours.yml",
        lambda d: d["opening_hours"][1].update(opens="18:00"),
        'opening_hours[1] (weekday "tuesday"): field "closes"',
        "closes (17:00) before it opens (18:00)",
        id="closes before it opens",
    ),
    pytest.param(
        "tours.yml",
        lambda d: d["tours"][5].update(end="13:00"),
        'tours[5] (key "tour-2023-09-02"): field "end"',
        "tour ends (13:00) before it starts (14:00)",
        id="tour ends before it starts",
    ),
    pytest.param(
        "hours.yml",
        lambda d: d["opening_hours"][0].update(weekday="Funday"),
        'opening_hours[0] (weekday "Funday"): field "weekday"',
        'unknown weekday "Funday" (expected monday ... sunday)',
        id="unknown weekday",
    ),
    pytest.param(
        "tours.yml",
        lambda d: d["tours"][3].update(mode="car"),
        'tours[3] (key "tour-2023-08-22"): field "mode"',
        'unknown tour mode "car" (expected foot or bike)',
        id="unknown tour mode",
    ),
    pytest.param(
        "projects.yml",
        lambda d: d["projects"][0].update(kind="dream"),
        'projects[0] (key "citizen-service-portal"): field "kind"',
        'unknown project kind "dream" (expected pilot or implementation)',
        id="unknown project kind",
    ),
    pytest.param(
        "tours.yml",
        lambda d: d["tours"][4].update(key="tour-2023-08-22"),
        'tours[4] (key "tour-2023-08-22"): field "key"',
        "duplicate key tour-2023-08-22 (already used by tours[3])",
        id="duplicate key",
    ),
    pytest.param(
        "hours.yml",
        lambda d: d["opening_hours"][4].update(weekday="monday"),
        'opening_hours[4] (weekday "monday"): field "weekday"',
        "duplicate weekday monday (already used by opening_hours[0])",
        id="duplicate weekday",
    ),
    pytest.param(
        "projects.yml",
        lambda d: d["projects"][1]["synonyms"].append("SOLARLATERNEN"),
        'projects[9] (key "solar-street-lights"): field "synonyms"',
        'name or synonym "Solarlaternen" already names project "mobility-island"',
        id="surface form may name only one project",
    ),
    pytest.param(
        "programme.yml",
        lambda d: d["facts"][0].update(note="a\x00b"),
        'facts[0] (key "about"): field "note"',
        "contains a NUL character",
        id="NUL character",
    ),
    pytest.param(
        "contact.yml",
        lambda d: d["contact"].update(fax="0365 000"),
        'contact: field "fax"',
        "unknown field (expected one of: office_de, office_en, street, postcode, city, phone, "
        "email, head, source, as_of)",
        id="unknown field",
    ),
]


@pytest.mark.parametrize(("file", "change", "where", "problem"), ONE_ERROR)
def test_one_broken_value_gives_one_message(
    tmp_path: Path, file: str, change: Callable[[Any], Any], where: str, problem: str
) -> None:
    kb = copy_kb(tmp_path)
    edit(kb, file, change)
    assert only_error(kb) == f"{kb}/{file}: {where}: {problem}"


def test_unquoted_time_read_as_number_is_rejected(tmp_path: Path) -> None:
    kb = copy_kb(tmp_path)
    path = kb / "hours.yml"
    path.write_text(path.read_text().replace('closes: "15:00"', "closes: 15:00"))
    message = only_error(kb)
    assert f'{kb}/hours.yml: opening_hours[4] (weekday "friday"): field "closes"' in message
    assert 'malformed time 900 (write times in quotes as "HH:MM"' in message


def test_german_weekday_names_are_accepted(tmp_path: Path) -> None:
    kb = copy_kb(tmp_path)
    edit(kb, "hours.yml", lambda d: d["opening_hours"][0].update(weekday="Montag"))
    assert load_directory(kb).opening_hours[0].weekday == 0


def test_wrong_type(tmp_path: Path) -> None:
    kb = copy_kb(tmp_path)
    edit(kb, "projects.yml", lambda d: d["projects"][3].update(number="four", synonyms="Cockpit"))
    errors = errors_of(kb)
    assert len(errors) == 2
    prefix = f'{kb}/projects.yml: projects[3] (key "smart-city-cockpit")'
    assert f'{prefix}: field "number": expected a whole number, got text "four"' in errors
    assert f'{prefix}: field "synonyms": expected a list of texts, got text "Cockpit"' in errors


def test_number_where_text_expected(tmp_path: Path) -> None:
    kb = copy_kb(tmp_path)
    path = kb / "contact.yml"
    path.write_text(path.read_text().replace("postcode: '07545'", "postcode: 7545"))
    assert only_error(kb) == (
        f'{kb}/contact.yml: contact: field "postcode": expected text, got number 7545 '
        "(put it in quotes)"
    )


def test_closure_is_validated_and_loaded(tmp_path: Path) -> None:
    kb = copy_kb(tmp_path)
    closure = {
        "date": "2024-12-27",
        "reason_de": "Brückentag",
        "reason_en": "Bridge day",
        "source": "test",
        "as_of": date(2024, 11, 1),
    }
    edit(kb, "hours.yml", lambda d: d["closures"].append(closure))
    loaded = load_directory(kb).closures
    assert [(c.date, c.reason_en) for c in loaded] == [(date(2024, 12, 27), "Bridge day")]
    edit(kb, "hours.yml", lambda d: d["closures"][0].update(reason_en=None, date="27.12."))
    errors = errors_of(kb)
    prefix = f'{kb}/hours.yml: closures[0] (date "27.12.")'
    assert f'{prefix}: field "reason_en": missing required field' in errors
    assert any(e.startswith(f'{prefix}: field "date": malformed date "27.12."') for e in errors)


def test_missing_file_invalid_yaml_and_unknown_section(tmp_path: Path) -> None:
    kb = copy_kb(tmp_path)
    (kb / "contact.yml").unlink()
    (kb / "tours.yml").write_text("tours: [unclosed\n")
    edit(kb, "hours.yml", lambda d: d.update(holidays=[]))
    errors = errors_of(kb)
    assert f"{kb}/contact.yml: file is missing" in errors
    assert any(e.startswith(f"{kb}/tours.yml: not valid YAML") for e in errors)
    assert any(e.startswith(f'{kb}/hours.yml: unknown section "holidays"') for e in errors)


def test_all_errors_are_reported_at_once(tmp_path: Path) -> None:
    kb = copy_kb(tmp_path)
    edit(kb, "tours.yml", lambda d: d["tours"][0].update(mode="car", start="25:00"))
    edit(kb, "programme.yml", lambda d: d["facts"][2].update(text_en=""))
    with pytest.raises(KnowledgeBaseError) as caught:
        load_directory(kb)
    assert len(caught.value.errors) == 3
    assert str(caught.value).startswith(f"3 errors in {kb}:")
    assert "tours[0]" in str(caught.value) and "facts[2]" in str(caught.value)


def test_dropped_fields_are_unknown(tmp_path: Path) -> None:
    """``place`` (projects) and ``notes_de`` (tours) were never read and left the schema."""
    kb = copy_kb(tmp_path)
    edit(kb, "projects.yml", lambda d: d["projects"][9].update(place="Ufer-Elster-Park"))
    edit(kb, "tours.yml", lambda d: d["tours"][0].update(notes_de="Bitte pünktlich"))
    assert errors_of(kb) == [
        f'{kb}/projects.yml: projects[9] (key "solar-street-lights"): field "place": '
        "unknown field (expected one of: key, kind, number, name_de, name_en, name_easy, "
        "synonyms, description_de, description_en, description_easy, status_de, status_en, "
        "status_easy, links, source, as_of, note)",
        f'{kb}/tours.yml: tours[0] (key "tour-2023-06-10"): field "notes_de": '
        "unknown field (expected one of: key, date, start, end, mode, meeting_point_de, "
        "meeting_point_en, meeting_point_easy, source, as_of)",
    ]


def test_null_counts_as_left_out(tmp_path: Path) -> None:
    kb = copy_kb(tmp_path)
    edit(kb, "projects.yml", lambda d: d["projects"][3].update(synonyms=None, number=None))
    project = load_directory(kb).projects[3]
    assert (project.key, project.synonyms, project.number) == ("smart-city-cockpit", (), None)
