"""``python -m bot kb ...`` end to end on SQLite, and the generated NLU lookup file."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from bot.kb import Repository
from bot.kb.cli import LOOKUPS_HEADER, render_lookups, write_if_changed
from bot.kb.database import ROOT, database_url
from bot.kb.loader import load_directory
from bot.logic.vocabulary import function_words
from bot.services.cli import main
from tests.kb_fixtures import KB_DIR, copy_kb, edit, sqlite_url

LOOKUPS = ROOT / "data" / "nlu" / "generated" / "kb_lookups.yml"


@pytest.fixture
def db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    url = sqlite_url(tmp_path)
    monkeypatch.setenv("SMARTCITY_DB_URL", url)
    return url


def test_database_url_default_and_override(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SMARTCITY_DB_URL", raising=False)
    assert database_url() == f"sqlite:///{ROOT / 'var' / 'kb.sqlite3'}"
    assert (ROOT / "var").is_dir()
    monkeypatch.setenv("SMARTCITY_DB_URL", "postgresql+psycopg2://u@127.0.0.1:1/x")
    assert database_url() == "postgresql+psycopg2://u@127.0.0.1:1/x"


def test_load_check_show_export(db: str, tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    assert main(["kb", "check", str(KB_DIR)]) == 0
    assert "valid" in capsys.readouterr().out
    assert main(["kb", "load", str(KB_DIR)]) == 0
    assert "22 projects, 7 tours" in capsys.readouterr().out
    assert main(["kb", "load", "--if-changed", str(KB_DIR)]) == 0
    assert "unchanged" in capsys.readouterr().out
    for topic, expected in [
        ("programme", "[about]"),
        ("projects", "Solarlaternen"),
        ("tours", "Tue 22.08.2023 14:00-16:30 foot"),
        ("hours", "friday    09:00-15:00"),
        ("contact", "Kornmarkt 12, 07545 Gera"),
    ]:
        assert main(["kb", "show", topic]) == 0
        assert expected in capsys.readouterr().out, topic
    tours = [line.split()[1] for line in _show_lines("tours", capsys)]
    assert tours.index("12.08.2023") < tours.index("22.08.2023")  # by date, not file order
    out = tmp_path / "export"
    assert main(["kb", "export", str(out)]) == 0
    assert load_directory(out) == load_directory(KB_DIR)


def _show_lines(topic: str, capsys: pytest.CaptureFixture) -> list[str]:
    main(["kb", "show", topic])
    return capsys.readouterr().out.splitlines()


def test_bad_file_exits_1_names_the_problem_and_changes_nothing(
    db: str, tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    kb = copy_kb(tmp_path)
    assert main(["kb", "load", str(kb)]) == 0
    capsys.readouterr()
    before = Repository(db).snapshot()
    edit(kb, "tours.yml", lambda d: d["tours"][3].update(mode="car"))
    assert main(["kb", "check", str(kb)]) == 1
    assert main(["kb", "load", str(kb)]) == 1
    err = capsys.readouterr().err
    assert (
        f'{kb}/tours.yml: tours[3] (key "tour-2023-08-22"): field "mode": '
        'unknown tour mode "car" (expected foot or bike)'
    ) in err
    assert "Traceback" not in err
    assert Repository(db).snapshot() == before


def test_show_before_load_is_a_clear_error(db: str, capsys: pytest.CaptureFixture) -> None:
    assert main(["kb", "show", "tours"]) == 1
    assert "kb load" in capsys.readouterr().err


def test_python_dash_m_bot_kb_runs(tmp_path: Path) -> None:
    env = {**os.environ, "SMARTCITY_DB_URL": sqlite_url(tmp_path)}
    result = subprocess.run(
        [sys.executable, "-m", "bot", "kb", "load", "--if-changed", str(KB_DIR)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("loaded")


def test_lookups_list_every_form_and_map_it_to_the_project_key() -> None:
    kb = load_directory(KB_DIR)
    text = render_lookups(kb)
    assert text.startswith(LOOKUPS_HEADER)
    data = yaml.safe_load(text)
    assert data["version"] == "3.1"
    lookup = [entry for entry in data["nlu"] if "lookup" in entry]
    assert [entry["lookup"] for entry in lookup] == ["project", "kb_vocabulary"]
    vocabulary = lookup[1]["examples"].splitlines()
    assert "- folge" in vocabulary and "- episode" in vocabulary  # the digital theatre's texts
    assert not any(line[2:] in function_words() for line in vocabulary)
    listed = [line[2:] for line in lookup[0]["examples"].splitlines()]
    synonyms = {
        entry["synonym"]: [line[2:] for line in entry["examples"].splitlines()]
        for entry in data["nlu"]
        if "synonym" in entry
    }
    assert set(synonyms) == {p.key for p in kb.projects}
    for project in kb.projects:
        for form in (project.name_de, project.name_en, *project.synonyms):
            assert form.casefold() in {item.casefold() for item in listed}
            assert form.casefold() in {s.casefold() for s in synonyms[project.key]}
    assert "open data dashboard" in synonyms["smart-city-cockpit"]
    assert "Solarlaternen" in synonyms["solar-street-lights"]
    assert render_lookups(kb) == text  # deterministic


def test_lookups_written_only_when_changed(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    out = tmp_path / "generated" / "kb_lookups.yml"
    assert main(["kb", "lookups", str(out)]) == 0
    assert "written" in capsys.readouterr().out
    os.utime(out, (1_000_000_000, 1_000_000_000))
    assert main(["kb", "lookups", str(out)]) == 0
    assert "unchanged" in capsys.readouterr().out
    assert out.stat().st_mtime == 1_000_000_000
    kb = copy_kb(tmp_path)
    edit(kb, "projects.yml", lambda d: d["projects"][0]["synonyms"].append("Rathaus online"))
    assert main(["kb", "lookups", str(out), "--dir", str(kb)]) == 0
    assert "Rathaus online" in out.read_text(encoding="utf-8")
    assert not write_if_changed(out, out.read_text(encoding="utf-8"))


def test_committed_lookup_file_is_up_to_date() -> None:
    expected = render_lookups(load_directory(KB_DIR))
    assert LOOKUPS.exists(), f"{LOOKUPS} is missing: run python -m bot kb lookups {LOOKUPS}"
    assert LOOKUPS.read_text(encoding="utf-8") == expected, (
        f"{LOOKUPS} is stale: run python -m bot kb lookups {LOOKUPS.relative_to(ROOT)}"
    )
