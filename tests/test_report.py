"""The contact office's report on a tracker store written by Rasa's own SQLTrackerStore with
conversations of known shape, and office records with known times: every figure is an exact
number. On SQLite and on a throw-away PostgreSQL server."""

from __future__ import annotations

import asyncio
import csv
import re
from datetime import date, datetime
from pathlib import Path

import pytest
from rasa.core.tracker_store import SQLTrackerStore, TrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import (
    ActionExecuted,
    ActiveLoop,
    BotUttered,
    SessionStarted,
    UserUtteranceReverted,
    UserUttered,
)
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.utils.endpoints import read_endpoint_config

from bot.kb import OfficeRecords
from bot.kb.models import operational_metadata
from bot.logic.clock import BERLIN
from bot.logic.report import UnansweredGroup, conversations, figures
from bot.services.cli import main
from bot.services.report import collect, render_html, write_report
from tests.kb_fixtures import emptied_postgres_kb

D0, D1, D2 = date(2024, 3, 3), date(2024, 3, 4), date(2024, 3, 5)
SQLITE_ENDPOINTS = "tracker_store:\n  type: SQL\n  dialect: sqlite\n  db: var/trackers.db\n"
POSTGRES_ENDPOINTS = ("tracker_store:\n  type: SQL\n  dialect: postgresql\n  url: 127.0.0.1\n"
                      "  port: {port}\n  db: kbtest\n  username: postgres\n")


def at(day: date, hour: int, minute: int = 0) -> float:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=BERLIN).timestamp()


def said(text: str, intent: str, language: str, stamp: float, message_id: str | None):
    entities = [{"entity": "language", "value": language}]
    return UserUttered(text, {"name": intent, "confidence": 0.9}, entities,
                       {"intent": {"name": intent, "confidence": 0.9}, "entities": entities,
                        "text": text}, timestamp=stamp, message_id=message_id)


def answered(action: str, stamp: float) -> list:
    return [ActionExecuted(action, timestamp=stamp), BotUttered("...", timestamp=stamp),
            ActionExecuted("action_listen", timestamp=stamp)]


def session(stamp: float) -> list:
    return [ActionExecuted("action_session_start", timestamp=stamp),
            SessionStarted(timestamp=stamp), ActionExecuted("action_listen", timestamp=stamp)]


#: Conversations of known shape; the figures they give are asserted below.
CONVERSATIONS = {
    # German, asks for the next tour and thanks: deflected.
    "a": [*session(at(D1, 10)), said("Wann ist der nächste Rundgang?", "tour_next", "de",
                                      at(D1, 10), "a1"), *answered("action_tour_next", at(D1, 10)),
          said("Danke", "thank", "de", at(D1, 10, 1), "a2"),
          *answered("utter_you_are_welcome", at(D1, 10, 1)),
          # the same sender after a pause: a second conversation, now in English, deflected
          *session(at(D2, 15)), said("What is SMARTCity?", "programme_about", "en", at(D2, 15),
                                     "a3"), *answered("action_programme", at(D2, 15))],
    # English: an answer, then two unclear messages and the final fallback (whose
    # clarification copy of the message is not counted again).
    "b": [*session(at(D1, 11)), said("Is the office open?", "open_now", "en", at(D1, 11), "b1"),
          *answered("action_open_now", at(D1, 11)),
          said("blorp", "nlu_fallback", "en", at(D1, 11, 1), "b2"),
          *answered("action_two_stage_fallback", at(D1, 11, 1)),
          said("blorp blorp", "nlu_fallback", "en", at(D1, 11, 2), "b3"),
          # Rasa's two-stage fallback runs action_default_fallback inside its own action:
          # the tracker shows that action and the final reply.
          ActionExecuted("action_two_stage_fallback", timestamp=at(D1, 11, 2)),
          BotUttered("I'm afraid I can't answer that.", metadata={
              "utter_action": "utter_cannot_answer"}, timestamp=at(D1, 11, 2)),
          UserUtteranceReverted(timestamp=at(D1, 11, 2)),
          ActionExecuted("action_listen", timestamp=at(D1, 11, 2)),
          said("blorp blorp", "nlu_fallback", "en", at(D1, 11, 2), "b3")],
    # German: asks for a person and starts a contact request: handoff.
    "c": [*session(at(D2, 9)), said("Ich möchte mit einem Menschen sprechen", "human_handoff",
                                     "de", at(D2, 9), "c1"), *answered("action_handoff", at(D2, 9)),
          said("ja", "affirm", "de", at(D2, 9, 1), "c2"),
          ActionExecuted("contact_request_form", timestamp=at(D2, 9, 1)),
          ActiveLoop("contact_request_form", timestamp=at(D2, 9, 1)),
          ActionExecuted("action_listen", timestamp=at(D2, 9, 1)),
          # an answer inside the form: "handoff", whatever NLU made of the address
          said("erika@example.org", "out_of_scope", "de", at(D2, 9, 2), "c3"),
          ActionExecuted("contact_request_form", timestamp=at(D2, 9, 2)),
          ActiveLoop(None, timestamp=at(D2, 9, 2))],
    # German, then "in English": the replayed question (no message id) is not a message.
    "d": [*session(at(D2, 12)), said("Wer fördert das?", "programme_funding", "de", at(D2, 12),
                                      "d1"), *answered("action_programme", at(D2, 12)),
          said("in English please", "switch_language", "en", at(D2, 12, 1), "d2"),
          said("Wer fördert das?", "programme_funding", "en", at(D2, 12, 1), None),
          *answered("action_programme", at(D2, 12, 1))],
    # The day before the period: not in the report.
    "e": [*session(at(D0, 10)), said("Hallo", "greet", "de", at(D0, 10), "e1")],
}


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def stores(request, tmp_path, monkeypatch) -> tuple[Path, str]:
    """(endpoints file naming the tracker store, knowledge-base URL), both empty."""
    monkeypatch.chdir(tmp_path)
    endpoints = tmp_path / "endpoints.yml"
    if request.param == "sqlite":
        (tmp_path / "var").mkdir()
        endpoints.write_text(SQLITE_ENDPOINTS, encoding="utf-8")
        url = f"sqlite:///{tmp_path / 'kb.sqlite3'}"
    else:
        server = request.getfixturevalue("postgres_server")
        endpoints.write_text(POSTGRES_ENDPOINTS.format(port=server.port), encoding="utf-8")
        url = emptied_postgres_kb(server, operational_metadata)
    monkeypatch.setenv("SMARTCITY_DB_URL", url)
    store = TrackerStore.create(read_endpoint_config(str(endpoints), "tracker_store"),
                                Domain.empty())
    assert isinstance(store, SQLTrackerStore)
    with store.engine.begin() as connection:
        connection.execute(SQLTrackerStore.SQLEvent.__table__.delete())
    for sender, events in CONVERSATIONS.items():
        asyncio.run(store.save(DialogueStateTracker.from_events(sender, events)))
    store.engine.dispose()
    office = OfficeRecords(url)
    moment = lambda day, hour: datetime(day.year, day.month, day.day, hour, tzinfo=BERLIN)  # noqa: E731
    first = office.add_request(question="q1", email="a@example.org", language="de",
                               sender_id="c", created=moment(D1, 10))
    office.mark_done(first.id, at=moment(D2, 8))
    office.add_request(question="q2", email="b@example.org", language="en", sender_id="x",
                       created=moment(D2, 10))
    old = office.add_request(question="q0", email="c@example.org", language="de",
                             sender_id="y", created=moment(D0, 10))
    office.mark_done(old.id, at=moment(D1, 9))
    for text, day, language in (("Gibt es Parkplätze am Kornmarkt?", D1, "de"),
                                ("gibt es parkplätze beim Kornmarkt", D2, "de"),
                                ("How do I apply for an ID card?", D2, "en"),
                                ("Wo ist das Bürgeramt?", D0, "de")):
        office.log_unanswered(text=text, kind="out_of_scope", language=language,
                              intent_guess="out_of_scope", asked=moment(day, 12))
    return endpoints, url


def test_the_figures_are_exact(stores):
    endpoints, url = stores
    data = collect(D1, D2, endpoints, url)

    assert (data.conversations, data.messages) == (5, 11)
    assert data.conversations_per_day == {(D1, "de"): 1, (D1, "en"): 1, (D2, "de"): 2,
                                          (D2, "en"): 1}
    assert data.messages_per_day == {(D1, "de"): 2, (D1, "en"): 3, (D2, "de"): 4,
                                     (D2, "en"): 2}
    assert data.topics == {"conversation": 3, "programme": 2, "not understood": 2,
                           "handoff": 2, "tours": 1, "office": 1}
    assert (data.unclear_messages, data.fallbacks, data.handoffs, data.deflected) == (2, 1, 1, 3)
    assert (data.fallback_rate, data.handoff_rate, data.deflection_rate) == (0.2, 0.2, 0.6)
    assert data.unclear_rate == 2 / 11
    assert (data.requests_opened, data.requests_done, data.requests_open_now) == (2, 2, 1)
    assert data.requests_per_day == {D1: (1, 1), D2: (1, 1)}
    assert data.unanswered_total == 3
    assert [(g.count, g.example, g.languages) for g in data.unanswered] == [
        (2, "Gibt es Parkplätze am Kornmarkt?", ("de",)),
        (1, "How do I apply for an ID card?", ("en",)),
    ]


def test_the_files_written(stores, tmp_path):
    endpoints, url = stores
    out = tmp_path / "report"
    assert main(["report", "--since", D1.isoformat(), "--until", D2.isoformat(),
                 "--out", str(out), "--endpoints", str(endpoints)]) == 0

    def rows(name: str) -> list[list[str]]:
        with (out / name).open(encoding="utf-8") as handle:
            return list(csv.reader(handle))

    assert rows("daily.csv") == [["day", "language", "conversations", "messages"],
                                 ["2024-03-04", "de", "1", "2"], ["2024-03-04", "en", "1", "3"],
                                 ["2024-03-05", "de", "2", "4"], ["2024-03-05", "en", "1", "2"]]
    summary = dict(rows("summary.csv")[1:])
    assert summary["conversations"] == "5" and summary["deflection rate"] == "60.0 %"
    assert summary["contact requests opened"] == "2"
    assert rows("requests.csv")[1:] == [["2024-03-04", "1", "1"], ["2024-03-05", "1", "1"]]
    assert rows("unanswered.csv")[1][:3] == ["1", "2", "Gibt es Parkplätze am Kornmarkt?"]
    page = (out / "report.html").read_text(encoding="utf-8")
    assert page.count("data:image/png;base64,") == 5  # every chart inline
    assert not re.search(r"""(src|href)=["'](?!data:)""", page)  # nothing fetched
    assert "Gibt es Parkplätze am Kornmarkt?" in page and "60.0 %" in page


def test_an_empty_period(stores, tmp_path):
    endpoints, url = stores
    data = collect(date(2020, 1, 1), date(2020, 1, 2), endpoints, url)
    assert (data.conversations, data.messages, data.deflection_rate) == (0, 0, 0.0)
    assert data.requests_open_now == 1
    assert write_report(data, tmp_path / "empty")[0].exists()


def test_citizen_text_is_escaped_in_the_page():
    hostile = UnansweredGroup(1, "<script>alert(1)</script> & co", ("de",), ("fallback",),
                              (), datetime(2024, 3, 4, tzinfo=BERLIN))
    data = figures(D1, D1, [], [], [], 0, [])
    page = render_html(data.__class__(**{**data.__dict__, "unanswered": (hostile,),
                                         "unanswered_total": 1}),
                       datetime(2024, 3, 5, tzinfo=BERLIN))
    assert "<script>alert" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; co" in page


def test_until_before_since_is_refused(capsys):
    assert main(["report", "--since", "2024-03-05", "--until", "2024-03-04"]) == 2
    assert "--until is before --since" in capsys.readouterr().err


def test_conversations_split_at_sessions_and_skip_replays():
    rows = []
    for sender, events in CONVERSATIONS.items():
        for event in DialogueStateTracker.from_events(sender, events).events:
            data = event.as_dict()
            rows.append({"sender_id": sender, "type_name": event.type_name,
                         "timestamp": event.timestamp, "intent_name": data.get("parse_data", {}
                                                                               ).get("intent", {}
                                                                                     ).get("name"),
                         "action_name": data.get("name"), "data": data})
    found = {(c.sender, c.day): c for c in conversations(rows)}
    assert [len(c.messages) for c in found.values()] == [1, 2, 3, 3, 2, 1]  # e, a, b, c, d, a
    assert found[("a", D2)].language == "en" and found[("a", D1)].language == "de"
    assert found[("b", D1)].fallback and not found[("b", D1)].deflected
    assert found[("d", D2)].deflected


def test_the_core_fallback_counts_too():
    """When no policy is sure, Rasa runs action_default_fallback directly."""
    events = [said("hm hm", "greet", "de", at(D1, 9), "x1"),
              ActionExecuted("action_default_fallback", timestamp=at(D1, 9))]
    rows = [{"sender_id": "x", "type_name": e.type_name, "timestamp": e.timestamp,
             "intent_name": None, "action_name": e.as_dict().get("name"), "data": e.as_dict()}
            for e in DialogueStateTracker.from_events("x", events).events]
    (found,) = conversations(rows)
    assert found.fallback and not found.deflected
