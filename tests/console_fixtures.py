"""A console on throw-away data for the console tests: a copy of data/kb loaded into a SQLite
file, an empty SQLite tracker store, two accounts (editor anna, office otto), and Starlette's
TestClient (in process, no server)."""

from __future__ import annotations

import asyncio
import re
import shutil
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from bot import ROOT
from bot.console.accounts import Accounts
from bot.console.app import create_app
from bot.console.settings import ConsoleSettings
from bot.kb import OfficeRecords
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


def seeded(folder: Path, accounts: dict[str, str]) -> tuple[str, Path, Path]:
    """A copy of data/kb loaded into a SQLite file, an endpoints file naming an empty SQLite
    tracker store, and ``accounts`` (name -> role, all with PASSWORD), in ``folder``:
    (database URL, kb directory, endpoints file)."""
    url = f"sqlite:///{folder / 'kb.sqlite3'}"
    kb_dir = folder / "kb"
    shutil.copytree(ROOT / "data" / "kb", kb_dir)
    load(kb_dir, url)
    endpoints = folder / "endpoints.yml"
    endpoints.write_text("tracker_store:\n  type: SQL\n  dialect: sqlite\n"
                         f"  db: {folder / 'trackers.db'}\n", encoding="utf-8")
    for name, role in accounts.items():
        Accounts(url).add(name, role, PASSWORD, "test")
    return url, kb_dir, endpoints


@pytest.fixture
def site(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> ConsoleSite:
    monkeypatch.delenv("SMARTCITY_NOW", raising=False)
    monkeypatch.setenv("SMARTCITY_DB_URL", f"sqlite:///{tmp_path / 'kb.sqlite3'}")
    url, kb_dir, endpoints = seeded(tmp_path, {"anna": "editor", "otto": "office"})
    settings = ConsoleSettings.from_environment(
        secret=SECRET, kb_dir=kb_dir, endpoints=endpoints, db_url=url,
        max_failed_logins=MAX_FAILED)
    yield ConsoleSite(settings, url, kb_dir, endpoints)
    dispose_engines()


def save_conversation(endpoints, sender: str, turns: list[tuple[str, str]], start: float) -> None:
    from rasa.core.tracker_store import TrackerStore
    from rasa.shared.core.domain import Domain
    from rasa.shared.core.events import BotUttered, UserUttered
    from rasa.shared.core.trackers import DialogueStateTracker
    from rasa.utils.endpoints import read_endpoint_config

    store = TrackerStore.create(read_endpoint_config(str(endpoints), "tracker_store"),
                                Domain.empty())
    events = [UserUttered(text, timestamp=start + i, message_id=f"{sender}-{i}") if who == "user"
              else BotUttered(text, timestamp=start + i) for i, (who, text) in enumerate(turns)]
    asyncio.run(store.save(DialogueStateTracker.from_events(sender, events)))
    store.engine.dispose()


def log_questions(url: str) -> dict[str, list[int]]:
    office = OfficeRecords(url)
    now = datetime.now(timezone.utc)
    groups = {
        "bike": ["Gibt es eine Fahrradtour durch Gera?", "gibt es eine fahrradtour durch gera",
                 "Gibt es eine Fahrradtour durch Gera? Ruf mich an: 0171 2345678"],
        "parking": ["Wo kann ich am Rathaus parken?", "wo kann ich am rathaus parken"],
        "english": ["Is there a bike tour through Gera?"],
    }
    found: dict[str, list[int]] = {}
    for offset, (name, texts) in enumerate(groups.items()):
        for index, text in enumerate(texts):
            language = "en" if name == "english" else "de"
            question = office.log_unanswered(text=text, kind="fallback", language=language,
                                             asked=now - timedelta(hours=offset, minutes=index))
            found.setdefault(name, []).append(question.id)
    return found
