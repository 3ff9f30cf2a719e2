"""The fallback's "did you mean" buttons and its honest last answer, without a server."""

import asyncio
from pathlib import Path

import pytest
import yaml
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions import handoff

DOMAIN = yaml.safe_load((Path(__file__).resolve().parent.parent / "domain.yml").read_text())


def tracker(language: str, ranking: list[dict] | None = None) -> Tracker:
    latest = {"text": "hm", "intent": {"name": "nlu_fallback"},
              "intent_ranking": ranking or []}
    return Tracker("test", {"language": language}, latest, [], False, None, {}, "")


def test_suggested_topics_follow_the_ranking():
    ranking = [{"name": "tour_next"}, {"name": "tours_about"}, {"name": "hours_week"}]
    assert handoff.suggested_topics(ranking) == ["tours", "office"]
    assert handoff.suggested_topics([]) == ["programme", "projects"]


@pytest.mark.parametrize(("language", "title"), [("de", "Stadtrundgänge"),
                                                 ("en", "Guided tours")])
def test_did_you_mean_buttons_in_the_users_language(language, title):
    dispatcher = CollectingDispatcher()
    action = handoff.ActionDefaultAskAffirmation()
    ranking = [{"name": "tour_next"}, {"name": "contact"}]
    asyncio.run(action.run(dispatcher, tracker(language, ranking), DOMAIN))
    message = dispatcher.messages[0]
    assert message["response"] == "utter_did_you_mean"
    titles = [button["title"] for button in message["buttons"]]
    assert titles[0] == title and len(titles) == 3
    assert message["buttons"][-1]["payload"] == "/deny"


def test_last_stage_gives_contact_and_reverts(monkeypatch):
    class Contact:
        office_de = office_en = "Amt"
        email, phone, street, postcode, city, head = "e@x", "1", "s", "p", "c", "h"

    class Repository:
        def contact(self):
            return Contact()

    class Status:
        is_open = False

    class Calendar:
        def status_at(self, *args):
            return Status()

    monkeypatch.setattr(handoff, "repository", lambda: Repository())
    monkeypatch.setattr(handoff, "calendar", lambda: Calendar())
    dispatcher = CollectingDispatcher()
    events = asyncio.run(handoff.ActionDefaultFallback().run(dispatcher, tracker("en"), DOMAIN))
    assert dispatcher.messages[0]["response"] == "utter_cannot_answer"
    assert dispatcher.messages[0]["email"] == "e@x"
    assert events == [{"event": "rewind", "timestamp": None}]
