"""Repository and loading against SQLite and a real PostgreSQL server on loopback.

Every test here runs twice: on a SQLite file and on a throwaway PostgreSQL cluster that the
test run starts (tests/kb_fixtures.py). Set SMARTCITY_TEST_PG_URL to use an existing server,
or SMARTCITY_REQUIRE_POSTGRES=1 (CI) to fail instead of skipping when PostgreSQL is missing.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Iterator
from datetime import date, time
from pathlib import Path

import pytest
from sqlalchemy import inspect, text

from bot.kb import KnowledgeBaseError, Project, Repository
from bot.kb.cli import load
from bot.kb.database import dispose_engines, drop_tables, get_engine, is_current, store
from bot.kb.loader import content_hash, load_directory, to_documents, write_directory
from bot.kb.models import TABLES
from bot.kb.records import SECTIONS
from tests.kb_fixtures import (
    KB_DIR,
    PostgresServer,
    copy_kb,
    edit,
    find_pg_bin,
    read_doc,
    sqlite_url,
)


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """A database on a private PostgreSQL server, started once per test session."""
    existing = os.environ.get("SMARTCITY_TEST_PG_URL")
    if existing:
        yield existing
        return
    bin_dir = find_pg_bin()
    if bin_dir is None:
        reason = (
            "PostgreSQL server binaries not found (/usr/lib/postgresql/*/bin/initdb): "
            "run scripts/test-deps.sh"
        )
        if os.environ.get("SMARTCITY_REQUIRE_POSTGRES"):
            pytest.fail(reason)
        pytest.skip(reason)
    server = PostgresServer(bin_dir)
    try:
        yield server.start()
    finally:
        dispose_engines()
        server.stop()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return sqlite_url(tmp_path)
    url = request.getfixturevalue("postgres_url")
    drop_tables(url)  # each test starts from an empty database
    return url


def project_by_key(repository: Repository, key: str) -> Project | None:
    return next((p for p in repository.projects() if p.key == key), None)


@pytest.fixture
def loaded(db_url: str) -> Repository:
    load(KB_DIR, db_url)
    return Repository(db_url)


def test_url_is_postgres_or_sqlite(db_url: str) -> None:
    backend = get_engine(db_url).dialect.name
    assert backend in {"sqlite", "postgresql"}
    assert db_url.startswith(backend)


def test_facts(loaded: Repository) -> None:
    about = loaded.fact("about")
    assert about is not None and "SMARTCity Gera" in about.text_de and about.text_en
    assert loaded.fact("nonexistent") is None
    assert loaded.fact("'; DROP TABLE kb_fact; --") is None
    assert [f.key for f in loaded.facts()] == [f.key for f in load_directory(KB_DIR).facts]
    funding = loaded.fact("funding")
    assert funding is not None and "7,5" in funding.text_de and funding.as_of == date(2023, 6, 1)


def test_projects_ordered_by_kind_then_number(loaded: Repository) -> None:
    projects = loaded.projects()
    assert [p.kind for p in projects] == ["pilot"] * 14 + ["implementation"] * 8
    assert [p.number for p in projects[:14]] == list(range(1, 15))
    implementation = loaded.projects("implementation")
    names = [p.name_de.casefold() for p in implementation]
    assert names == sorted(names) and len(implementation) == 8
    assert loaded.projects("pilot") == projects[:14]
    lights = project_by_key(loaded, "solar-street-lights")
    assert lights is not None and lights.number == 10 and lights.kind == "pilot"
    assert "Solarlaternen" in lights.synonyms and isinstance(lights.synonyms, tuple)
    cockpit = project_by_key(loaded, "smart-city-cockpit")
    assert cockpit is not None and cockpit.links == ("https://cockpit.gera.de",)
    assert project_by_key(loaded, "unknown-project") is None


def test_tours_sorted_by_date_not_file_order(loaded: Repository) -> None:
    tours = loaded.tours()
    assert [t.date for t in tours] == sorted(t.date for t in load_directory(KB_DIR).tours)
    assert [t.date.isoformat() for t in tours][3:5] == ["2023-08-12", "2023-08-22"]
    assert all(t.start == time(14) and t.end == time(16, 30) for t in tours)
    assert [t.mode for t in tours].count("bike") == 2


def test_hours_closures_contact(loaded: Repository) -> None:
    hours = loaded.opening_hours()
    assert [(h.weekday, h.opens, h.closes) for h in hours] == [
        (0, time(9), time(17)),
        (1, time(9), time(17)),
        (2, time(9), time(17)),
        (3, time(9), time(17)),
        (4, time(9), time(15)),
    ]
    assert loaded.closures() == []
    contact = loaded.contact()
    assert contact is not None
    assert (contact.office_de, contact.office_en) == (
        "Amt für Zentrale Steuerung",
        "Office for Central Control",
    )
    assert (contact.street, contact.postcode, contact.city) == ("Kornmarkt 12", "07545", "Gera")
    assert (contact.phone, contact.email, contact.head) == (
        "0365 838-1200",
        "smartcity@gera.de",
        "Rico Trost",
    )


def test_records_are_frozen_and_detached(loaded: Repository, db_url: str) -> None:
    tour = loaded.tours()[0]
    project = project_by_key(loaded, "smart-city-cockpit")
    dispose_engines()  # no session or connection left behind them
    assert tour.meeting_point_de and project is not None and project.synonyms
    with pytest.raises(dataclasses.FrozenInstanceError):
        tour.mode = "car"  # type: ignore[misc]


def test_round_trip_export_equals_files(loaded: Repository, tmp_path: Path) -> None:
    source = load_directory(KB_DIR)
    stored = loaded.snapshot()
    assert stored == source
    out = tmp_path / "export"
    write_directory(stored, out)
    assert load_directory(out) == source
    for name in ("programme.yml", "projects.yml", "tours.yml", "hours.yml", "contact.yml"):
        assert read_doc(out, name) == read_doc(KB_DIR, name), name
    assert to_documents(load_directory(out)) == to_documents(source)


def test_changed_file_changes_answers_without_restart(db_url: str, tmp_path: Path) -> None:
    kb = copy_kb(tmp_path)
    load(kb, db_url)
    repository = Repository(db_url)
    assert repository.tours()[0].meeting_point_de == "Marktplatz vor dem Rathausturm"

    def move(document: dict) -> None:
        document["tours"][0]["meeting_point_de"] = "Vor der Orangerie"
        document["tours"].append(
            {**document["tours"][1], "key": "tour-2023-10-07", "date": date(2023, 10, 7)}
        )

    edit(kb, "tours.yml", move)
    edit(kb, "hours.yml", lambda d: d["opening_hours"][4].update(closes="14:00"))
    load(kb, db_url)
    assert repository.tours()[0].meeting_point_de == "Vor der Orangerie"
    assert repository.tours()[-1].date == date(2023, 10, 7)
    assert repository.opening_hours()[4].closes == time(14)


HOSTILE = [
    "<script>alert('x')</script>",
    "'; DROP TABLE tours; --",
    'Robert"); DROP TABLE kb_tour;-- %s %(x)s {0} \\ \\n',
    "x" * 10_000,
    "Ünïcödé ß ẞ 😀 \u202eRTL\u202c \u200bzero-width e\u0301 𝔊𝔢𝔯𝔞 東京 \U0010fffd",
    "  leading and trailing spaces  ",
    "line one\nline two\r\n\ttab",
    "ä" * 10_000,
]


def test_hostile_values_come_back_unchanged(db_url: str, tmp_path: Path) -> None:
    kb = copy_kb(tmp_path)

    def programme(document: dict) -> None:
        for i, value in enumerate(HOSTILE):
            document["facts"][i]["text_de"] = value
            document["facts"][i]["note"] = value

    edit(kb, "programme.yml", programme)
    edit(kb, "projects.yml", lambda d: d["projects"][0].update(synonyms=HOSTILE, note=HOSTILE[1]))
    edit(kb, "tours.yml", lambda d: d["tours"][0].update(meeting_point_en=HOSTILE[0]))
    edit(kb, "contact.yml", lambda d: d["contact"].update(head=HOSTILE[3]))
    load(kb, db_url)
    repository = Repository(db_url)
    facts = repository.facts()
    assert [f.text_de for f in facts[: len(HOSTILE)]] == HOSTILE
    assert [f.note for f in facts[: len(HOSTILE)]] == HOSTILE
    project = project_by_key(repository, "citizen-service-portal")
    assert project is not None and project.synonyms == tuple(HOSTILE)
    assert project.note == HOSTILE[1]
    assert repository.tours()[0].meeting_point_en == HOSTILE[0]
    contact = repository.contact()
    assert contact is not None and contact.head == HOSTILE[3]
    assert len(repository.tours()) == 7  # nothing was dropped
    assert repository.fact(HOSTILE[1]) is None
    out = tmp_path / "export"
    write_directory(repository.snapshot(), out)
    assert load_directory(out) == load_directory(kb)


def test_if_changed_skips_when_unchanged_and_reloads_when_changed(
    db_url: str, tmp_path: Path
) -> None:
    kb = copy_kb(tmp_path)
    assert not is_current(content_hash(kb), db_url)
    assert load(kb, db_url, if_changed=True).startswith("loaded")
    assert is_current(content_hash(kb), db_url)
    assert "unchanged" in load(kb, db_url, if_changed=True)
    edit(kb, "contact.yml", lambda d: d["contact"].update(head="Neue Leitung"))
    assert load(kb, db_url, if_changed=True).startswith("loaded")
    contact = Repository(db_url).contact()
    assert contact is not None and contact.head == "Neue Leitung"


def test_failed_validation_leaves_previous_content(db_url: str, tmp_path: Path) -> None:
    kb = copy_kb(tmp_path)
    load(kb, db_url)
    before = Repository(db_url).snapshot()
    edit(kb, "tours.yml", lambda d: d["tours"][0].update(mode="car"))
    edit(kb, "programme.yml", lambda d: d["facts"][0].update(text_de="geändert"))
    with pytest.raises(KnowledgeBaseError):
        load(kb, db_url)
    assert Repository(db_url).snapshot() == before


def test_database_error_rolls_back_the_whole_load(db_url: str) -> None:
    load(KB_DIR, db_url)
    repository = Repository(db_url)
    before = repository.snapshot()
    good = load_directory(KB_DIR)
    # Bypass validation: a duplicate primary key fails inside the write transaction,
    # after the old rows were already deleted in it.
    broken = dataclasses.replace(good, facts=(*good.facts, good.facts[0]))
    with pytest.raises(KnowledgeBaseError, match="nothing was changed"):
        store(broken, "broken", db_url)
    assert repository.snapshot() == before


def test_schema_version_change_rebuilds_tables(db_url: str) -> None:
    load(KB_DIR, db_url)
    engine = get_engine(db_url)
    with engine.begin() as connection:  # simulate a database written by an older schema
        connection.execute(text("UPDATE kb_meta SET value = '0' WHERE name = 'schema_version'"))
        connection.execute(text("DROP TABLE kb_contact"))
    assert not is_current(content_hash(KB_DIR), db_url)
    assert load(KB_DIR, db_url, if_changed=True).startswith("loaded")
    assert Repository(db_url).contact() is not None
    assert is_current(content_hash(KB_DIR), db_url)


def test_database_columns_are_the_record_fields(loaded: Repository, db_url: str) -> None:
    """The tables are derived from the records: one column per pydantic field, plus position."""
    inspector = inspect(get_engine(db_url))
    for section in SECTIONS:
        columns = inspector.get_columns(TABLES[section.record].name)
        fields = section.record.__pydantic_model__.__fields__
        assert {column["name"] for column in columns} == {"position", *fields}, section.name


def test_tables_of_an_older_schema_do_not_block_the_rebuild(db_url: str) -> None:
    """Schema 1 had child tables referencing kb_project (PostgreSQL refuses to drop that)."""
    engine = get_engine(db_url)
    with engine.begin() as connection:
        for statement in (
            "CREATE TABLE kb_meta (name VARCHAR(64) PRIMARY KEY, value TEXT NOT NULL)",
            "INSERT INTO kb_meta VALUES ('schema_version', '1')",
            "CREATE TABLE kb_project (key VARCHAR(200) PRIMARY KEY, place TEXT)",
            "CREATE TABLE kb_project_synonym (id INTEGER PRIMARY KEY, "
            "project_key VARCHAR(200) NOT NULL REFERENCES kb_project (key), text TEXT)",
            "INSERT INTO kb_project VALUES ('solar-street-lights', 'Ufer-Elster-Park')",
            "INSERT INTO kb_project_synonym VALUES (1, 'solar-street-lights', 'Solarlaternen')",
        ):
            connection.execute(text(statement))
    assert not is_current(content_hash(KB_DIR), db_url)
    assert load(KB_DIR, db_url, if_changed=True).startswith("loaded")
    assert "kb_project_synonym" not in inspect(engine).get_table_names()
    assert Repository(db_url).snapshot() == load_directory(KB_DIR)


def test_empty_database_gives_a_clear_error(db_url: str) -> None:
    with pytest.raises(KnowledgeBaseError, match="kb load"):
        Repository(db_url).tours()


def test_unchanged_content_is_read_once_and_each_caller_gets_its_own_list(
        loaded: Repository, monkeypatch: pytest.MonkeyPatch) -> None:
    import bot.kb.repository as repository_module

    expected = loaded.projects()
    reads: list[type] = []
    select_rows = repository_module._select

    def counting(session, record, order, **equal):  # noqa: ANN001, ANN202 - a spy
        reads.append(record)
        return select_rows(session, record, order, **equal)

    monkeypatch.setattr(repository_module, "_select", counting)
    fresh = Repository(loaded.url)
    first = fresh.projects()
    first.clear()  # the caller's list, not the kept one
    assert fresh.projects() == expected != []
    assert fresh.tours() == fresh.tours()
    assert reads.count(Project) == 1 and len(reads) == 2  # projects once, tours once
