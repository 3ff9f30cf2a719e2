"""The office console in Chromium (headless, the browser test's set-up: playwright-core from
web/node_modules, Debian's chromium, axe-core): the acceptance list of issue 19.

The console runs as ``python -m bot.console`` on a spare port, on a copy of data/kb and a
SQLite database of its own, with a contact request (and its conversation in a SQLite tracker
store) and unanswered questions in it; Rasa and the action server run with the trained model
on the same database, the clock pinned after the last published tour. web/tests/console.mjs
drives the browser: every URL without a session leads to the login; a wrong password is
refused and the account locked after the configured number of tries; an office user gets
403 on editor pages; a form without its CSRF token is refused; a request is marked done; a
group of unanswered questions is labelled and the training file downloaded; an editor adds a
tour; axe-core finds nothing on every page; screenshots. Then this test checks the
downloaded file holds exactly the labelled examples, redacted, and asks Rasa over REST: the
answer names the new tour, without retraining.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from datetime import datetime, timezone
from pathlib import Path

import pytest
import yaml

from bot.kb import OfficeRecords
from bot.kb.database import dispose_engines
from bot.services.processes import free_port, wait_for
from tests.console_fixtures import PASSWORD, log_questions, save_conversation, seeded
from tests.stack import ROOT, VENV_BIN, Conversation, running_rasa, stop_process
from tests.test_browser import CHROMIUM

pytestmark = [pytest.mark.stack, pytest.mark.model]

OUT_DIR = ROOT / "var" / "results" / "console"
MAX_FAILED = 3
#: After the last published tour (16.09.2023): without the new one there is none ahead.
NOW = "2025-03-01T10:00"
NEW_TOUR = {"key": "tour-2025-03-15", "date": "2025-03-15", "start": "14:00", "end": "16:30",
            "mode": "bike", "meeting_point_de": "Marktplatz vor dem Rathausturm",
            "meeting_point_en": "Market square in front of the town hall tower",
            "source": "gera.de/SMARTCity", "as_of": "2025-02-20"}
#: (method, path) of every page the browser checks for the redirect to the login.
GUARDED = ["/", "/requests", "/requests/1", "/unanswered", "/unanswered/export/de.yml",
           "/report", "/report/summary.csv", "/kb", "/kb/tours/new",
           "/kb/tours/tour-2023-06-10/edit", "/kb/closures/new", "/audit", "/no/such/page"]


@pytest.fixture(scope="module")
def console_site(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    """The console on seeded data, on a spare port; (url, database, kb dir, ids)."""
    if not (ROOT / "web" / "node_modules" / "playwright-core").is_dir():
        pytest.fail("web/node_modules is missing: run `make web` (npm ci in web/)")
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing: run scripts/test-deps.sh (Debian package chromium)")
    OUT_DIR.mkdir(parents=True, exist_ok=True)
    tmp = tmp_path_factory.mktemp("console")
    url, kb_dir, endpoints = seeded(tmp, {"anna": "editor", "otto": "office", "lena": "office"})
    created = datetime.now(timezone.utc)
    save_conversation(endpoints, "web-7", [
        ("user", "Ich möchte mit einem Menschen sprechen"),
        ("bot", "Das SMARTCity-Büro erreichen Sie unter smartcity@gera.de."),
        ("user", "Mein Name ist Erika Muster, rufen Sie mich an: 0171 2345678")],
        created.timestamp() - 60)
    office = OfficeRecords(url)
    for number, (question, email, language) in enumerate((
            ("Wann wird der Sensor am Mühlgraben eingebaut?", "erika@example.org", "de"),
            ("Can I join the digital town hall meeting?", "john@example.org", "en"))):
        office.add_request(question=question, email=email, language=language,
                           sender_id=f"web-{7 + number}", created=created)
    ids = log_questions(url)
    dispose_engines()
    port = free_port()
    env = dict(os.environ, SMARTCITY_DB_URL=url, SMARTCITY_CONSOLE_SECRET="c" * 48,
               SMARTCITY_CONSOLE_MAX_FAILED_LOGINS=str(MAX_FAILED))
    env.pop("SMARTCITY_NOW", None)
    log = (OUT_DIR / "console.log").open("w")
    process = subprocess.Popen(
        [str(VENV_BIN / "python"), "-m", "bot.console", "--port", str(port), "--kb-dir",
         str(kb_dir), "--endpoints", str(endpoints)],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        wait_for(f"http://localhost:{port}/login", 60, process)
        yield f"http://localhost:{port}", url, kb_dir, ids
    finally:
        stop_process(process, timeout=20)


def test_the_acceptance_list_in_chromium(console_site, trained_model: str) -> None:
    base, url, kb_dir, ids = console_site
    with running_rasa(OUT_DIR, now=NOW, extra_env={"SMARTCITY_DB_URL": url}) as (rasa, _):
        before = Conversation(rasa).say("Wann ist der nächste Rundgang?")
        assert "16. September 2023" in before and "15. März 2025" not in before, before
        summary = run_browser(base)
        after = Conversation(rasa).say("Wann ist der nächste Rundgang?")
    assert "15. März 2025" in after and "14:00" in after, after
    assert summary["ok"], summary
    pages = summary["axe"]
    assert len(pages) >= 12, sorted(pages)
    assert {name: result["violations"] for name, result in pages.items()
            if result["violations"]} == {}
    assert summary["redirects"] == {path: "/login" for path in GUARDED}
    assert summary["locked"]["afterLimit"] and summary["forbidden"] == {"/kb": 403,
                                                                        "/audit": 403}
    assert summary["csrf"] == {"status": 403, "stillOpen": True}
    assert OfficeRecords(url).request(1).status == "done"
    assert OfficeRecords(url).request(2).status == "open"
    check_exported_file(OUT_DIR / summary["export"], ids)
    for name in ("requests", "unanswered", "report"):  # docs/screenshots holds copies
        assert (OUT_DIR / f"console-{name}.png").stat().st_size > 20_000, name
    dispose_engines()


def check_exported_file(path: Path, ids: dict[str, list[int]]) -> None:
    """Exactly the labelled group's questions, redacted, each naming its source."""
    from rasa.shared.nlu.training_data.formats.rasa_yaml import RasaYAMLReader

    text = path.read_text(encoding="utf-8")
    found = sorted((m.get("intent"), m.get("text"))
                   for m in RasaYAMLReader().reads(text).intent_examples)
    assert found == [("tour_next", "Gibt es eine Fahrradtour durch Gera?"),
                     ("tour_next", "Gibt es eine Fahrradtour durch Gera? Ruf mich an: [phone]"),
                     ("tour_next", "gibt es eine fahrradtour durch gera")], text
    sources = " ".join(example["metadata"]["source"]
                       for block in yaml.safe_load(text)["nlu"] for example in block["examples"])
    assert all(f"unanswered question #{number} " in sources for number in ids["bike"])
    assert "2345678" not in text


def run_browser(base: str) -> dict:
    node = shutil.which("node")
    assert node, "node is not installed"
    env = dict(os.environ, CONSOLE_URL=base, OUT_DIR=str(OUT_DIR), CHROMIUM=str(CHROMIUM),
               PASSWORD=PASSWORD, MAX_FAILED=str(MAX_FAILED), GUARDED=json.dumps(GUARDED),
               NEW_TOUR=json.dumps(NEW_TOUR))
    result = subprocess.run([node, "tests/console.mjs"], cwd=ROOT / "web", env=env,
                            capture_output=True, text=True, timeout=600)
    print(result.stdout, result.stderr)
    assert result.returncode == 0, f"console browser test failed:\n{result.stdout}\n" \
                                   f"{result.stderr}"
    return json.loads((OUT_DIR / "summary.json").read_text(encoding="utf-8"))
