"""The web chat page in a real browser: starts the stack exactly as `make run` does
(scripts/run.sh, on spare ports, with a retention period other than the default) and runs
web/tests/browser.mjs with Debian's chromium (keyboard-only German and English questions, a
quick reply, the privacy notice with the configured period, "Delete this conversation" and a
reload, axe-core WCAG 2.1 A/AA, 200 % zoom reflow, screenshots in var/results/browser/, the
upcoming tours with their calendar files downloaded in both languages and the calendar link
in a tour answer, the "Leichte Sprache" toggle and an easy-read answer); then checks that the
tracker store holds nothing of the deleted conversation and that the downloaded calendar
files are valid."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.services.processes import free_port, wait_for
from tests.stack import ROOT

pytestmark = pytest.mark.stack

CHROMIUM = Path(os.environ.get("CHROMIUM", "/usr/bin/chromium"))
OUT_DIR = ROOT / "var" / "results" / "browser"
#: Not the default (30), so the page can only show it if it comes from the setting. Longer
#: than the default, so the start-up purge of the local store deletes no more than usual.
RETENTION_DAYS = 45
#: The stack's clock: the day before the first published tour, so the page lists tours.
NOW = "2023-06-09T10:30"
FIRST_TOUR = "tour-2023-06-10"


class RunScript:
    """`scripts/run.sh` as a subprocess in its own process group, on spare ports."""

    def __init__(self, log: Path) -> None:
        self.rasa_port, self.actions_port, self.web_port = free_port(), free_port(), free_port()
        self.console_port = free_port()
        env = dict(os.environ)
        env["SMARTCITY_NOW"] = NOW
        env.pop("SMARTCITY_PUBLIC_URL", None)  # the calendar links use the page's own address
        for name in ("TELEGRAM_TOKEN", "FACEBOOK_VERIFY", "ROCKETCHAT_USER"):
            env.pop(name, None)  # no messengers: they would call out to the internet
        env.update(
            RASA_PORT=str(self.rasa_port),
            ACTIONS_PORT=str(self.actions_port),
            WEB_PORT=str(self.web_port),
            WEB_ORIGIN=f"http://localhost:{self.web_port}",
            SMARTCITY_CONSOLE_PORT=str(self.console_port),
            SMARTCITY_RETENTION_DAYS=str(RETENTION_DAYS),
        )
        for name in ("WEB_HOST", "SMARTCITY_ALLOWED_HOSTS", "RASA_PUBLIC_URL"):
            env.pop(name, None)  # the defaults of `make run`
        self.log = log
        self.process = subprocess.Popen(
            [str(ROOT / "scripts" / "run.sh")], cwd=ROOT, env=env,
            stdout=log.open("w"), stderr=subprocess.STDOUT, start_new_session=True,
        )

    @property
    def page_url(self) -> str:
        return f"http://localhost:{self.web_port}/"

    def wait(self) -> None:
        wait_for(f"http://127.0.0.1:{self.web_port}/healthz", 60, self.process)
        wait_for(f"http://127.0.0.1:{self.actions_port}/health", 180, self.process)
        wait_for(f"http://127.0.0.1:{self.rasa_port}/", 300, self.process)

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()


@pytest.fixture(scope="module")
def running_stack(trained_model: str) -> Iterator[RunScript]:
    if not (ROOT / "web" / "node_modules" / "playwright-core").is_dir():
        pytest.fail("web/node_modules is missing: run `make web` (npm ci in web/)")
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing: run scripts/test-deps.sh (Debian package chromium)")
    OUT_DIR.mkdir(parents=True, exist_ok=True)
    stack = RunScript(OUT_DIR / "run.log")
    try:
        stack.wait()
        yield stack
    finally:
        stack.stop()


def test_page_security_headers(running_stack: RunScript) -> None:
    import requests

    response = requests.get(running_stack.page_url, timeout=10)
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp
    assert f"connect-src 'self' http://localhost:{running_stack.rasa_port}" in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    config = requests.get(running_stack.page_url + "config.json", timeout=10).json()
    assert config["socketUrl"] == f"http://localhost:{running_stack.rasa_port}"
    assert config["retentionDays"] == RETENTION_DAYS
    hostile = requests.get(running_stack.page_url + "config.json",
                           headers={"Host": "x; script-src *"}, timeout=10)
    assert hostile.status_code == 400 and "script-src *" not in hostile.text
    assert "script-src *" not in hostile.headers["Content-Security-Policy"]
    listing = requests.get(running_stack.page_url + "vendor/", timeout=10)
    assert listing.status_code == 404


def test_the_run_script_starts_the_office_console(running_stack: RunScript) -> None:
    import requests

    console = f"http://localhost:{running_stack.console_port}"
    wait_for(f"{console}/login", 60, running_stack.process)
    answer = requests.get(f"{console}/requests", allow_redirects=False, timeout=10)
    assert answer.status_code == 303 and answer.headers["location"].startswith("/login")


def test_chat_page_in_chromium(running_stack: RunScript) -> None:
    node = shutil.which("node")
    assert node, "node is not installed"
    env = dict(os.environ, PAGE_URL=running_stack.page_url, OUT_DIR=str(OUT_DIR),
               CHROMIUM=str(CHROMIUM), RETENTION_DAYS=str(RETENTION_DAYS),
               FIRST_TOUR=FIRST_TOUR)
    result = subprocess.run(
        [node, "tests/browser.mjs"], cwd=ROOT / "web", env=env,
        capture_output=True, text=True, timeout=900,
    )
    print(result.stdout)
    print(result.stderr)
    assert result.returncode == 0, (
        f"browser test failed (log: {running_stack.log}):\n{result.stdout}\n{result.stderr}"
    )
    summary = json.loads((OUT_DIR / "summary.json").read_text())
    assert summary["ok"] and summary["axe"]["violations"] == []
    assert summary["axeConfirm"]["violations"] == []
    assert summary["axeEasy"]["violations"] == []  # with "Leichte Sprache" on
    assert "Das Büro ist zu diesen Zeiten offen" in summary["easy"]
    assert (OUT_DIR / "chat.png").stat().st_size > 10_000
    sessions = summary["sessions"]
    assert sessions["deleted"] != sessions["new"]
    assert tracker_events(sessions["deleted"]) == 0, "the deleted conversation is still stored"
    assert tracker_events(sessions["new"]) > 0, "the new conversation was not stored at all"
    calendars = summary["calendars"]
    assert calendars["link"] == f"{running_stack.page_url}tours/{FIRST_TOUR}.ics"
    for language, title in (("de", "SMARTCity-Stadtrundgang mit dem Rad"),
                            ("en", "SMARTCity tour by bike")):
        check_downloaded_calendar(OUT_DIR / calendars[language]["file"], title)


def check_downloaded_calendar(path: Path, title: str) -> None:
    """The .ics the page downloaded: valid (icalendar and the RFC 5545 structure check of
    tests/test_calendar.py), the first tour at 14:00 Berlin summer time, in its language."""
    from datetime import datetime, timedelta

    from tests.test_calendar import check

    structure, parsed = check(path.read_bytes())
    [event] = list(parsed.walk("VEVENT"))
    assert event["UID"] == f"{FIRST_TOUR}@smartcity.gera.de"
    assert event["SUMMARY"] == title
    assert event.DTSTART.replace(tzinfo=None) == datetime(2023, 6, 10, 14, 0)
    assert event.DTSTART.utcoffset() == timedelta(hours=2)
    assert structure.all("VTIMEZONE")[0].one("TZID") == "Europe/Berlin"


def tracker_events(sender_id: str) -> int:
    """Events stored for ``sender_id`` in the tracker store endpoints.yml configures."""
    from sqlalchemy import MetaData, Table, create_engine, func, select

    from bot.services.retention import tracker_store_url

    engine = create_engine(tracker_store_url(ROOT / "endpoints.yml"), future=True)
    try:
        events = Table("events", MetaData(), autoload_with=engine)  # Rasa's SQLTrackerStore
        with engine.connect() as connection:
            return connection.execute(
                select(func.count()).select_from(events).where(events.c.sender_id == sender_id)
            ).scalar_one()
    finally:
        engine.dispose()
