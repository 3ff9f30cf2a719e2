"""Contact requests and unanswered questions in the knowledge-base database (bot/kb/office.py)
on SQLite and PostgreSQL; reloading the knowledge base keeps them; the staff commands."""

from __future__ import annotations

import csv
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import create_engine, inspect

from bot.kb import KnowledgeBaseError, OfficeRecords
from bot.kb.cli import load
from bot.kb.models import SCHEMA_VERSION, metadata, operational_metadata
from bot.services.cli import main
from tests.kb_fixtures import KB_DIR, emptied_postgres_kb


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def db_url(request, tmp_path, monkeypatch) -> str:
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'kb.sqlite3'}"
    else:
        url = emptied_postgres_kb(request.getfixturevalue("postgres_server"),
                                  operational_metadata, metadata)
    monkeypatch.setenv("SMARTCITY_DB_URL", url)
    return url


def test_requests_are_stored_listed_and_closed(db_url):
    office = OfficeRecords(db_url)
    first = office.add_request(question="Wann kommt der Sensor?\nUnd wo?",
                               email="Erika@Example.org", language="de", sender_id="-100123")
    second = office.add_request(question="When is the tour?", email="john@example.co.uk",
                                language="en", sender_id="abc")
    assert (first.id, second.id) == (1, 2)
    assert first.email == "Erika@example.org" and first.status == "open"
    assert first.created.tzinfo is not None and first.done_at is None
    assert office.request(1) == first and office.request(99) is None

    done = office.mark_done(1)
    assert done.status == "done" and done.done_at >= done.created
    assert office.mark_done(1).done_at == done.done_at  # the first closing time stays
    assert office.mark_done(99) is None
    assert office.requests(status="open") == [second]
    assert office.requests(status="done") == [done]
    assert office.requests() == [done, second]


def test_time_windows(db_url):
    office = OfficeRecords(db_url)
    start = datetime(2024, 3, 4, tzinfo=timezone.utc)
    for hours in (-1, 0, 23, 24):
        office.add_request(question=f"at {hours}", email="a@example.org", language="de",
                           sender_id="s", created=start + timedelta(hours=hours))
        office.log_unanswered(text=f"at {hours}", kind="fallback", language="de",
                              asked=start + timedelta(hours=hours))
    window = (start, start + timedelta(days=1))
    assert [r.question for r in office.requests(since=window[0], until=window[1])] == [
        "at 0", "at 23"]
    assert [q.text for q in office.unanswered(*window)] == ["at 0", "at 23"]
    office.mark_done(2, at=start + timedelta(hours=5))
    assert [r.question for r in office.done_between(*window)] == ["at 0"]


def test_what_is_not_valid_is_not_stored(db_url):
    office = OfficeRecords(db_url)
    with pytest.raises(KnowledgeBaseError) as caught:
        office.add_request(question="", email="no address", language="fr", sender_id="s")
    message = str(caught.value)
    assert "question" in message and "email" in message and "language" in message
    with pytest.raises(KnowledgeBaseError):
        office.log_unanswered(text="x\x00y", kind="fallback", language="de")
    with pytest.raises(KnowledgeBaseError):
        office.log_unanswered(text="x", kind="elsewhere", language="de")
    assert office.requests() == [] and office.unanswered() == []


def test_reloading_the_knowledge_base_keeps_every_request(db_url):
    """Requests are operational data, not editorial YAML: `kb load` rebuilds only kb_ tables."""
    load(KB_DIR, db_url)
    office = OfficeRecords(db_url)
    request = office.add_request(question="Bitte nicht verlieren", email="a@example.org",
                                 language="de", sender_id="s")
    office.log_unanswered(text="auch nicht", kind="out_of_scope", language="de")

    load(KB_DIR, db_url)  # same files: content replaced in one transaction
    engine = create_engine(db_url, future=True)
    with engine.begin() as connection:  # an older schema version: the rebuild path
        connection.exec_driver_sql(
            "UPDATE kb_meta SET value = 'older' WHERE name = 'schema_version'")
    engine.dispose()
    load(KB_DIR, db_url)

    assert office.requests() == [request]
    assert [q.text for q in office.unanswered()] == ["auch nicht"]
    engine = create_engine(db_url, future=True)
    tables = set(inspect(engine).get_table_names())
    engine.dispose()
    assert {"contact_requests", "unanswered_questions", "kb_meta"} <= tables
    assert SCHEMA_VERSION  # the office tables are not part of the knowledge base's version


def test_staff_commands(db_url, tmp_path, capsys):
    office = OfficeRecords(db_url)
    office.add_request(question="Wann kommt der Sensor in der Hauptstraße? " * 3,
                       email="erika@example.org", language="de", sender_id="conv-1")
    office.add_request(question="When is the tour?", email="john@example.org", language="en",
                       sender_id="conv-2")

    assert main(["requests", "list"]) == 0
    out = capsys.readouterr().out
    assert "#1" in out and "erika@example.org" in out and "..." in out
    assert out.rstrip().endswith("2 open requests")

    assert main(["requests", "show", "1"]) == 0
    out = capsys.readouterr().out
    assert "Contact request #1 (open)" in out and "Conversation: conv-1" in out
    assert "Reply to:     erika@example.org" in out

    assert main(["requests", "done", "1"]) == 0
    assert "#1: marked done" in capsys.readouterr().out
    assert main(["requests", "done", "1", "7"]) == 1
    captured = capsys.readouterr()
    assert "#1: already done" in captured.out and "no request #7" in captured.err
    assert main(["requests", "list", "--status", "done"]) == 0
    assert capsys.readouterr().out.rstrip().endswith("1 done request")
    assert main(["requests", "show", "9"]) == 1

    target = tmp_path / "requests.csv"
    assert main(["requests", "export", str(target)]) == 0
    with target.open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert [(r["id"], r["status"], r["email"], r["sender_id"]) for r in rows] == [
        ("1", "done", "erika@example.org", "conv-1"), ("2", "open", "john@example.org",
                                                       "conv-2")]
    assert rows[0]["done_at"] and rows[1]["done_at"] == ""


def test_a_database_that_cannot_be_reached_is_an_error_not_a_traceback(monkeypatch, capsys):
    monkeypatch.setenv("SMARTCITY_DB_URL", "postgresql+psycopg2://nobody@127.0.0.1:1/none")
    assert main(["requests", "list"]) == 1
    assert "cannot use the office tables" in capsys.readouterr().err
