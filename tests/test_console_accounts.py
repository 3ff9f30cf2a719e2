"""Staff accounts: ``python -m bot staff add|remove|list|password|unlock``, argon2id hashes,
the lockout rule, the audit log, and tables that ``kb load`` never touches."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from sqlalchemy import create_engine, inspect

from bot.console.accounts import AccountError, Accounts, Outcome
from bot.kb.cli import load
from bot.kb.database import dispose_engines
from bot.kb.models import console_metadata, metadata, operational_metadata
from bot.kb.staff import StaffRecords
from bot.services.cli import main
from tests.kb_fixtures import KB_DIR, emptied_postgres_kb

PASSWORD = "correct horse battery"


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def url(request, tmp_path, monkeypatch) -> str:
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'kb.sqlite3'}"
    else:
        url = emptied_postgres_kb(request.getfixturevalue("postgres_server"), console_metadata,
                                  operational_metadata, metadata)
    monkeypatch.setenv("SMARTCITY_DB_URL", url)
    yield url
    dispose_engines()


def staff(monkeypatch, capsys, *args: str, stdin: str = "") -> tuple[int, str, str]:
    monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
    status = main(["staff", *args])
    out = capsys.readouterr()
    return status, out.out, out.err


def test_accounts_from_the_command_line(url, monkeypatch, capsys):
    assert staff(monkeypatch, capsys, "add", "anna", "--role", "editor",
                 stdin=PASSWORD + "\n")[:2] == (0, "added anna (editor)\n")
    assert staff(monkeypatch, capsys, "add", "otto", "--role", "office", stdin=PASSWORD)[0] == 0
    status, out, _ = staff(monkeypatch, capsys, "list")
    assert status == 0 and "anna" in out and "editor" in out and "2 accounts" in out
    assert "never" in out  # no login yet
    stored = StaffRecords(url).account("anna")
    assert stored.password_hash.startswith("$argon2id$") and PASSWORD not in stored.password_hash
    # taken name, short password, unknown role, malformed name: refused, nothing stored
    assert "already an account" in staff(monkeypatch, capsys, "add", "anna", "--role",
                                         "office", stdin=PASSWORD)[2]
    assert "at least 12 characters" in staff(monkeypatch, capsys, "add", "kurt", "--role",
                                             "office", stdin="short\n")[2]
    assert "malformed account name" in staff(monkeypatch, capsys, "add", "Kurt Meier",
                                             "--role", "office", stdin=PASSWORD)[2]
    with pytest.raises(SystemExit):
        staff(monkeypatch, capsys, "add", "kurt", "--role", "admin", stdin=PASSWORD)
    assert [a.name for a in StaffRecords(url).accounts()] == ["anna", "otto"]
    # a new password ends the sessions (epoch) and works
    epoch = StaffRecords(url).account("otto").session_epoch
    assert staff(monkeypatch, capsys, "password", "otto", stdin="another long password")[0] == 0
    assert StaffRecords(url).account("otto").session_epoch == epoch + 1
    assert Accounts(url).login("otto", "another long password").outcome is Outcome.OK
    assert staff(monkeypatch, capsys, "remove", "otto")[0] == 0
    assert staff(monkeypatch, capsys, "remove", "otto")[0] == 1
    assert Accounts(url).login("otto", "another long password").outcome is Outcome.WRONG
    log = [(e.who.split(":")[0], e.action, e.target) for e in StaffRecords(url).audit_log()]
    assert ("cli", "account removed", "otto") in log
    assert ("cli", "account added", "anna") in log and ("cli", "password changed", "otto") in log


def test_the_lockout_counts_failures_in_a_row(url):
    accounts = Accounts(url, max_failed=3, lockout=timedelta(minutes=15))
    accounts.add("anna", "office", PASSWORD, "test")
    assert accounts.login("anna", "wrong").outcome is Outcome.WRONG
    assert accounts.login("anna", PASSWORD).outcome is Outcome.OK  # a success resets the count
    assert [accounts.login("anna", "wrong").outcome for _ in range(3)] == [
        Outcome.WRONG, Outcome.WRONG, Outcome.LOCKED]
    assert accounts.login("anna", PASSWORD).outcome is Outcome.LOCKED
    assert accounts.unlock("anna", "test")
    assert accounts.login("anna", PASSWORD).outcome is Outcome.OK


def test_a_lockout_ends_after_its_time(url):
    accounts = Accounts(url, max_failed=1, lockout=timedelta(seconds=-1))  # already over
    accounts.add("anna", "office", PASSWORD, "test")
    assert accounts.login("anna", "wrong").outcome is Outcome.WRONG
    assert accounts.login("anna", PASSWORD).outcome is Outcome.OK


def test_passwords_are_checked(url):
    accounts = Accounts(url)
    with pytest.raises(AccountError):
        accounts.add("anna", "office", "x" * 11, "test")
    with pytest.raises(AccountError):
        accounts.add("anna", "office", "x" * 2000, "test")
    assert accounts.list() == []


def test_kb_load_keeps_the_console_tables(url):
    accounts = Accounts(url)
    accounts.add("anna", "editor", PASSWORD, "test")
    load(KB_DIR, url)
    load(KB_DIR, url)
    assert [a.name for a in accounts.list()] == ["anna"]
    tables = set(inspect(create_engine(url)).get_table_names())
    assert {t.name for t in console_metadata.sorted_tables} <= tables
    assert not any(name.startswith("kb_") for name in console_metadata.tables)
