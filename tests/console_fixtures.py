"""A console on throw-away data for the console tests: a copy of data/kb loaded into a SQLite
file, an empty SQLite tracker store, two accounts (editor anna, office otto), and Starlette's
TestClient (in process, no server)."""

from __future__ import annotations

import re
import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from bot import ROOT
from bot.console.accounts import Accounts
from bot.console.app import create_app
from bot.console.settings import ConsoleSettings
from bot.kb.cli import load
from bot.kb.database import dispose_engines

PASSWORD = "correct horse battery"
SECRET = "s" * 48
MAX_FAILED = 3
_TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')


@dataclass
class ConsoleSite:
    settings: ConsoleSettings
    db_url: str
    kb_dir: Path
    endpoints: Path

    def client(self) -> TestClient:
        return TestClient(create_app(self.settings), base_url="http://localhost")

    def logged_in(self, name: str = "anna", password: str = PASSWORD) -> TestClient:
        client = self.client()
        answer = login(client, name, password)
        assert answer.status_code == 303, answer.text
        return client


def token(html: str) -> str:
    """The first CSRF token of a page."""
    match = _TOKEN.search(html)
    assert match, "no CSRF token on the page"
    return match.group(1)


def login(client: TestClient, name: str, password: str):  # type: ignore[no-untyped-def]
    page = client.get("/login")
    return client.post("/login", data={"csrf_token": token(page.text), "name": name,
                                       "password": password, "next": ""},
                       follow_redirects=False)


def post(client: TestClient, page: str, path: str, data: dict | None = None):  # type: ignore[no-untyped-def]
    """POST ``data`` to ``path`` with the token ``page`` shows (as the browser would)."""
    form = {"csrf_token": token(client.get(page).text), **(data or {})}
    return client.post(path, data=form, follow_redirects=False)


@pytest.fixture
def site(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> ConsoleSite:
    url = f"sqlite:///{tmp_path / 'kb.sqlite3'}"
    monkeypatch.setenv("SMARTCITY_DB_URL", url)
    monkeypatch.delenv("SMARTCITY_NOW", raising=False)
    kb_dir = tmp_path / "kb"
    shutil.copytree(ROOT / "data" / "kb", kb_dir)
    load(kb_dir, url)
    endpoints = tmp_path / "endpoints.yml"
    endpoints.write_text("tracker_store:\n  type: SQL\n  dialect: sqlite\n"
                         f"  db: {tmp_path / 'trackers.db'}\n", encoding="utf-8")
    accounts = Accounts(url)
    accounts.add("anna", "editor", PASSWORD, "test")
    accounts.add("otto", "office", PASSWORD, "test")
    settings = ConsoleSettings.from_environment(
        secret=SECRET, kb_dir=kb_dir, endpoints=endpoints, db_url=url,
        max_failed_logins=MAX_FAILED)
    yield ConsoleSite(settings, url, kb_dir, endpoints)
    dispose_engines()
