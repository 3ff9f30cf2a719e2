"""Retention purge and erasure (GDPR Art. 17) on the tracker store endpoints.yml configures.

The tracker tables are made by Rasa itself (its SQLTrackerStore built from the same
endpoints file, saving real trackers), on SQLite and on a throw-away PostgreSQL server.
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from rasa.core.tracker_store import SQLTrackerStore, TrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, BotUttered, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.utils.endpoints import read_endpoint_config
from sqlalchemy import Column, DateTime, Integer, MetaData, String, Table, create_engine, select
from sqlalchemy.engine import make_url

from bot import ROOT
from bot.kb import OfficeRecords
from bot.kb.models import operational_metadata
from bot.services import retention
from bot.services.cli import main
from bot.services.retention import (
    CitizenTable,
    RetentionError,
    describe,
    forget,
    purge,
    register,
    retention_days,
    tracker_store_url,
)
from tests.kb_fixtures import PostgresServer, emptied_postgres_kb

DAY = 86400
NOW = time.time()
EVENTS = SQLTrackerStore.SQLEvent.__table__


SQLITE_ENDPOINTS = """\
action_endpoint:
  url: "http://localhost:5055/webhook"
tracker_store:
  type: SQL
  dialect: "sqlite"
  db: "var/trackers.db"
"""

# As a deployment would write it: host, port and user from the environment (Rasa's ${...}).
POSTGRES_ENDPOINTS = """\
tracker_store:
  type: SQL
  dialect: postgresql
  url: ${RETENTION_TEST_PG_HOST}
  port: ${RETENTION_TEST_PG_PORT}
  db: kbtest
  username: ${RETENTION_TEST_PG_USER}
"""


@pytest.fixture(autouse=True)
def private_knowledge_base(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """The office records (contact requests, unanswered questions) are purged and erased with
    the conversations: every test here uses a private knowledge-base database for them."""
    url = f"sqlite:///{tmp_path / 'kb.sqlite3'}"
    monkeypatch.setenv("SMARTCITY_DB_URL", url)
    return url


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def endpoints(request: pytest.FixtureRequest, tmp_path: Path,
              monkeypatch: pytest.MonkeyPatch) -> Path:
    """An endpoints.yml in tmp_path naming the store; the working directory is tmp_path,
    as `rasa run` resolves the relative SQLite path against it."""
    monkeypatch.chdir(tmp_path)
    path = tmp_path / "endpoints.yml"
    if request.param == "sqlite":
        (tmp_path / "var").mkdir()
        path.write_text(SQLITE_ENDPOINTS, encoding="utf-8")
    else:
        server: PostgresServer = request.getfixturevalue("postgres_server")
        monkeypatch.setenv("RETENTION_TEST_PG_HOST", "127.0.0.1")
        monkeypatch.setenv("RETENTION_TEST_PG_PORT", str(server.port))
        monkeypatch.setenv("RETENTION_TEST_PG_USER", "postgres")
        path.write_text(POSTGRES_ENDPOINTS, encoding="utf-8")
        # The knowledge base on the same server, as a PostgreSQL deployment has it.
        monkeypatch.setenv("SMARTCITY_DB_URL", emptied_postgres_kb(server, operational_metadata))
    return path


@pytest.fixture
def store(endpoints: Path) -> Iterator[SQLTrackerStore]:
    """Rasa's tracker store, built by Rasa from the same endpoints file; starts empty."""
    created = TrackerStore.create(read_endpoint_config(str(endpoints), "tracker_store"),
                                  Domain.empty())
    assert isinstance(created, SQLTrackerStore)
    with created.engine.begin() as connection:
        connection.execute(EVENTS.delete())
    yield created
    created.engine.dispose()


def save(store: SQLTrackerStore, sender: str, turns: list[tuple[str, float]]) -> None:
    """Save a conversation: per (text, time) the citizen's message, a reply and a listen."""
    tracker = DialogueStateTracker.from_events(sender, [])
    for text, stamp in turns:
        tracker.update(UserUttered(text, timestamp=stamp))
        tracker.update(BotUttered(f"re: {text}", timestamp=stamp))
        tracker.update(ActionExecuted("action_listen", timestamp=stamp))
    asyncio.run(store.save(tracker))


def rows(store: SQLTrackerStore, sender: str) -> list[str]:
    """The stored event data of one sender, in order."""
    with store.engine.connect() as connection:
        query = select(EVENTS.c.data).where(EVENTS.c.sender_id == sender).order_by(EVENTS.c.id)
        return [row[0] for row in connection.execute(query)]


def texts(store: SQLTrackerStore, sender: str) -> list[str]:
    tracker = asyncio.run(store.retrieve_full_tracker(sender))
    if tracker is None:
        return []
    return [event.text for event in tracker.events if isinstance(event, UserUttered)]


def test_purge_deletes_old_events_and_keeps_recent(store, endpoints):
    save(store, "citizen-a", [("forty days", NOW - 40 * DAY), ("thirty-one", NOW - 31 * DAY),
                              ("twenty-nine", NOW - 29 * DAY), ("a minute", NOW - 60)])
    save(store, "citizen-b", [("old b", NOW - 90 * DAY)])

    assert purge(endpoints, days=30, now=NOW) == 3 * 3
    assert texts(store, "citizen-a") == ["twenty-nine", "a minute"]
    assert rows(store, "citizen-b") == []


def test_purge_default_period_comes_from_the_environment(store, endpoints, monkeypatch, capsys):
    save(store, "citizen-a", [("eleven days", NOW - 11 * DAY), ("nine days", NOW - 9 * DAY)])
    monkeypatch.setenv("SMARTCITY_RETENTION_DAYS", "10")

    assert main(["trackers", "purge", "--endpoints", str(endpoints)]) == 0
    assert "deleted 3 records" in capsys.readouterr().out
    assert texts(store, "citizen-a") == ["nine days"]


def test_forget_erases_one_sender_and_nothing_else(store, endpoints):
    save(store, "citizen-a", [("my name is Erika Muster", NOW - 5 * DAY), ("bye", NOW - 60)])
    save(store, "citizen-b", [("Wann haben Sie geöffnet?", NOW - 60)])
    kept = rows(store, "citizen-b")

    assert forget("citizen-a", endpoints) == 2 * 3
    assert rows(store, "citizen-a") == []
    assert rows(store, "citizen-b") == kept
    assert forget("citizen-a", endpoints) == 0


def test_after_forget_a_new_message_starts_afresh(store, endpoints):
    """A running Rasa keeps its SQLTrackerStore; it reads the tracker from the database on
    every message (no cache), so nothing of the erased conversation comes back."""
    save(store, "citizen-a", [("secret", NOW - 60)])
    assert asyncio.run(store.retrieve("citizen-a")) is not None

    forget("citizen-a", endpoints)

    assert asyncio.run(store.retrieve("citizen-a")) is None
    tracker = asyncio.run(store.get_or_create_tracker("citizen-a"))
    tracker.update(UserUttered("hello again", timestamp=NOW))
    asyncio.run(store.save(tracker))
    assert texts(store, "citizen-a") == ["hello again"]
    assert not any("secret" in data for data in rows(store, "citizen-a"))


def test_forget_command(store, endpoints, capsys):
    save(store, "citizen-a", [("hello", NOW - 60)])
    save(store, "citizen-b", [("hi", NOW - 60)])

    assert main(["forget", "citizen-a", "--endpoints", str(endpoints)]) == 0
    assert "erased 3 records of sender 'citizen-a'" in capsys.readouterr().out
    assert rows(store, "citizen-a") == []
    assert len(rows(store, "citizen-b")) == 3


def test_forget_command_takes_a_telegram_group_id(store, endpoints, capsys):
    """Telegram group chats have negative ids; argparse must not read them as options."""
    save(store, "-1001234567890", [("hallo", NOW - 60)])
    assert main(["forget", "-1001234567890", "--endpoints", str(endpoints)]) == 0
    assert "erased 3 records" in capsys.readouterr().out
    assert rows(store, "-1001234567890") == []


@pytest.mark.parametrize("sender", ["", "   ", "a\nb", "a\x00b"])
def test_forget_refuses_an_invalid_sender(tmp_path, sender, capsys):
    path = tmp_path / "endpoints.yml"
    path.write_text(SQLITE_ENDPOINTS, encoding="utf-8")
    with pytest.raises(ValueError):
        forget(sender, path)
    assert main(["forget", sender, "--endpoints", str(path)]) == 2
    assert "sender id" in capsys.readouterr().err


def test_forget_command_exit_codes_as_staff_see_them(tmp_path):
    """The real entry point: `python -m bot forget ...`."""
    path = tmp_path / "endpoints.yml"
    path.write_text(SQLITE_ENDPOINTS, encoding="utf-8")

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "bot", *args], cwd=tmp_path, text=True,
                              capture_output=True, timeout=120, env=os.environ)

    empty = run("forget", "", "--endpoints", str(path))
    assert empty.returncode == 2, empty.stderr
    assert "sender id is empty" in empty.stderr
    nothing = run("forget", "nobody", "--endpoints", str(path))
    assert nothing.returncode == 0, nothing.stderr
    assert "erased 0 records" in nothing.stdout
    assert "Warning" not in nothing.stderr


UNSUPPORTED = {
    "in memory (no tracker_store)": "action_endpoint:\n  url: http://localhost:5055/webhook\n",
    "redis": "tracker_store:\n  type: redis\n  url: localhost\n",
    "mongod": "tracker_store:\n  type: mongod\n  url: mongodb://localhost:27017\n",
    "custom": "tracker_store:\n  type: some.module.Store\n",
    "in-memory SQLite": "tracker_store:\n  type: SQL\n  dialect: sqlite\n  db: ''\n",
}


@pytest.mark.parametrize("content", UNSUPPORTED.values(), ids=UNSUPPORTED.keys())
def test_a_store_we_cannot_purge_is_an_error(tmp_path, content, capsys):
    path = tmp_path / "endpoints.yml"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(RetentionError):
        purge(path, days=30)
    with pytest.raises(RetentionError):
        forget("citizen-a", path)
    assert main(["trackers", "purge", "--endpoints", str(path)]) == 1
    assert str(path) in capsys.readouterr().err


def test_missing_or_unreadable_endpoints_is_an_error(tmp_path, monkeypatch):
    with pytest.raises(RetentionError, match="not found"):
        purge(tmp_path / "missing.yml", days=30)
    path = tmp_path / "endpoints.yml"
    path.write_text(POSTGRES_ENDPOINTS, encoding="utf-8")
    monkeypatch.delenv("RETENTION_TEST_PG_HOST", raising=False)
    with pytest.raises(RetentionError, match="RETENTION_TEST_PG_HOST"):
        purge(path, days=30)


def test_the_store_is_built_as_rasa_builds_it(tmp_path, monkeypatch):
    path = tmp_path / "endpoints.yml"
    path.write_text(POSTGRES_ENDPOINTS.replace("username:", "password: ${PW}\n  username:"),
                    encoding="utf-8")
    monkeypatch.setenv("RETENTION_TEST_PG_HOST", "db.example.org")
    monkeypatch.setenv("RETENTION_TEST_PG_PORT", "6543")
    monkeypatch.setenv("RETENTION_TEST_PG_USER", "rasa")
    monkeypatch.setenv("PW", "s3cret")
    url = tracker_store_url(path)
    assert url == make_url("postgresql://rasa:s3cret@db.example.org:6543/kbtest")
    assert "s3cret" not in describe(url)
    # The shipped endpoints.yml, with `make run`'s working directory.
    monkeypatch.chdir(ROOT)
    assert describe(tracker_store_url()) == f"SQLite {ROOT / 'var' / 'trackers.db'}"


def test_purge_before_rasa_ever_ran(tmp_path, monkeypatch):
    """No tracker database yet: nothing to delete, and no empty file created."""
    monkeypatch.chdir(tmp_path)
    path = tmp_path / "endpoints.yml"
    path.write_text(SQLITE_ENDPOINTS, encoding="utf-8")
    (tmp_path / "var").mkdir()
    assert purge(path, days=30) == 0
    assert forget("citizen-a", path) == 0
    assert not (tmp_path / "var" / "trackers.db").exists()


def test_retention_days(monkeypatch, tmp_path, capsys):
    monkeypatch.delenv("SMARTCITY_RETENTION_DAYS", raising=False)
    assert retention_days() == 30
    monkeypatch.setenv("SMARTCITY_RETENTION_DAYS", "7")
    assert retention_days() == 7
    path = tmp_path / "endpoints.yml"
    path.write_text(SQLITE_ENDPOINTS, encoding="utf-8")
    for wrong in ("thirty", "0", "-5"):
        monkeypatch.setenv("SMARTCITY_RETENTION_DAYS", wrong)
        with pytest.raises(RetentionError):
            retention_days()
        assert main(["trackers", "purge", "--endpoints", str(path)]) == 1
        assert "SMARTCITY_RETENTION_DAYS" in capsys.readouterr().err
    with pytest.raises(RetentionError):
        purge(path, days=0)


def test_a_registered_table_is_erased_and_purged_too(store, endpoints, tmp_path, monkeypatch):
    """A later table holding citizen text (say, an unanswered-question log in another
    database, with a DateTime column) only needs to register itself."""
    monkeypatch.setattr(retention, "CITIZEN_TABLES", list(retention.CITIZEN_TABLES))
    url = make_url(f"sqlite:///{tmp_path / 'log.sqlite3'}")
    log = Table("unanswered", MetaData(), Column("id", Integer, primary_key=True),
                Column("conversation", String(255)), Column("text", String(2000)),
                Column("asked", DateTime))
    engine = create_engine(url, future=True)
    log.metadata.create_all(engine)
    asked = datetime.utcfromtimestamp(NOW)
    with engine.begin() as connection:
        connection.execute(log.insert(), [
            {"conversation": "citizen-a", "text": "old", "asked": asked - timedelta(days=40)},
            {"conversation": "citizen-a", "text": "new", "asked": asked - timedelta(days=1)},
            {"conversation": "citizen-b", "text": "b old", "asked": asked - timedelta(days=40)},
            {"conversation": "citizen-b", "text": "b new", "asked": asked - timedelta(days=1)},
        ])
    register(CitizenTable("a later log of questions", lambda: log, "conversation", lambda _: url,
                          time_column="asked"))
    save(store, "citizen-a", [("tracked", NOW - 60)])

    def left() -> list[tuple[str, str]]:
        with engine.connect() as connection:
            return sorted(connection.execute(select(log.c.conversation, log.c.text)).all())

    assert purge(endpoints, days=30, now=NOW) == 2
    assert left() == [("citizen-a", "new"), ("citizen-b", "b new")]
    assert forget("citizen-a", endpoints) == 3 + 1
    assert left() == [("citizen-b", "b new")]
    engine.dispose()


def ago(days: float) -> datetime:
    return datetime.fromtimestamp(NOW - days * DAY, timezone.utc)


def office_rows(office: OfficeRecords) -> tuple[list[str], list[str]]:
    return ([r.question for r in office.requests()], [q.text for q in office.unanswered()])


def test_purge_removes_exactly_what_is_older_from_every_table(store, endpoints):
    """Tracker events by time, contact requests once they have been done for longer than the
    period (open ones stay), unanswered questions by the time they were asked."""
    office = OfficeRecords()
    save(store, "citizen-a", [("old", NOW - 31 * DAY), ("new", NOW - 29 * DAY)])
    for question, created, done in (("done long ago", 100, 40), ("done lately", 100, 20),
                                    ("open for long", 100, None), ("done just now", 1, 0)):
        request = office.add_request(question=question, email="a@example.org", language="de",
                                     sender_id="citizen-a", created=ago(created))
        if done is not None:
            office.mark_done(request.id, at=ago(done))
    for text, asked in (("asked 31 days ago", 31), ("asked 29 days ago", 29)):
        office.log_unanswered(text=text, kind="fallback", language="de", asked=ago(asked))

    assert retention.purge_by_table(endpoints, days=30, now=NOW) == {
        "tracker store events": 3, "contact requests": 1, "unanswered questions": 1,
        "unanswered question labels": 0}
    assert texts(store, "citizen-a") == ["new"]
    assert office_rows(office) == (["done lately", "open for long", "done just now"],
                                   ["asked 29 days ago"])
    assert purge(endpoints, days=30, now=NOW) == 0  # nothing older is left


def test_forget_erases_the_contact_requests_of_the_conversation(store, endpoints):
    """A request holds the citizen's question and address; the unanswered log names nobody."""
    office = OfficeRecords()
    save(store, "citizen-a", [("hello", NOW - 60)])
    for sender in ("citizen-a", "citizen-a", "citizen-b"):
        office.add_request(question=f"from {sender}", email="a@example.org", language="de",
                           sender_id=sender)
    office.log_unanswered(text="kept: no sender id", kind="fallback", language="de")

    assert forget("citizen-a", endpoints) == 3 + 2
    assert office_rows(office) == (["from citizen-b"], ["kept: no sender id"])


def test_purge_command_with_an_age(store, endpoints, capsys):
    save(store, "citizen-a", [("91 days", NOW - 91 * DAY), ("89 days", NOW - 89 * DAY)])
    OfficeRecords().log_unanswered(text="old", kind="fallback", language="en", asked=ago(95))

    assert main(["purge", "--older-than", "90d", "--endpoints", str(endpoints)]) == 0
    out = capsys.readouterr().out
    assert "deleted 4 records older than 90 days" in out
    assert "tracker store events: 3, contact requests: 0, unanswered questions: 1" in out
    assert texts(store, "citizen-a") == ["89 days"]


@pytest.mark.parametrize(("age", "days"), [("90d", 90), ("90", 90), ("12w", 84), (" 7 days", 7)])
def test_ages(age, days):
    assert retention.parse_age(age) == days


@pytest.mark.parametrize("age", ["", "0d", "ninety", "-5d", "3m"])
def test_a_wrong_age_is_refused_and_nothing_purged(tmp_path, age, capsys):
    path = tmp_path / "endpoints.yml"
    path.write_text(SQLITE_ENDPOINTS, encoding="utf-8")
    with pytest.raises(ValueError):
        retention.parse_age(age)
    assert main(["purge", f"--older-than={age}", "--endpoints", str(path)]) == 2
    assert "purge:" in capsys.readouterr().err


def test_the_start_script_purges_with_the_new_command():
    script = (ROOT / "scripts" / "run.sh").read_text(encoding="utf-8")
    purges = [line for line in script.splitlines() if "-m bot" in line and "purge" in line]
    assert len(purges) == 2 and all("-m bot purge " in line for line in purges), purges
