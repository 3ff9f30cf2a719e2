"""The fallback's "did you mean" buttons and its honest last answer, without a server."""

import asyncio
from pathlib import Path

import pytest
import yaml
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions import common, contact_request, handoff
from bot.logic.intents import is_factual

DOMAIN = yaml.safe_load((Path(__file__).resolve().parent.parent / "domain.yml").read_text())


class Log:
    """Stands in for the office records: keeps what would be logged."""

    def __init__(self) -> None:
        self.logged: list[dict] = []

    def log_unanswered(self, **values):
        self.logged.append(values)


@pytest.fixture(autouse=True)
def unanswered_log(monkeypatch) -> Log:
    """No test here writes to the real knowledge-base database."""
    log = Log()
    monkeypatch.setattr(handoff, "office_records", lambda: log)
    return log


class Contact:
    """The office's contact record, as the answers read it."""

    office_de = office_en = "Amt"
    email, phone, street, postcode, city, head = "e@x", "1", "s", "p", "c", "h"


class ContactRepository:
    """Stands in for the knowledge base: its contact record, nothing else."""

    def contact(self) -> Contact:
        return Contact()


def tracker(language: str, ranking: list[dict] | None = None) -> Tracker:
    latest = {"text": "hm", "intent": {"name": "nlu_fallback"},
              "intent_ranking": ranking or []}
    return Tracker("test", {"language": language}, latest, [], False, None, {}, "")


def test_suggestions_follow_the_ranking_and_skip_what_is_not_a_question():
    ranking = [{"name": "nlu_fallback"}, {"name": "greet"}, {"name": "tour_next"},
               {"name": "tours_by_date"}, {"name": "hours_week"}]
    assert handoff.suggested_intents(ranking, {}) == ["tour_next", "tours_remaining"]
    assert handoff.suggested_intents([], {}) == ["programme_about", "tour_next"]


def test_a_question_that_needs_an_entity_keeps_it_or_becomes_general():
    ranking = [{"name": "pilot_detail"}, {"name": "hours_day"}]
    assert handoff.suggested_intents(ranking, {}) == ["pilots_overview", "hours_week"]
    assert handoff.suggested_intents(ranking, {"weekday": "Freitag"}) == [
        "pilots_overview", "hours_day"]
    button = handoff.question_button(DOMAIN, "hours_day", "de", {"weekday": "Freitag"})
    assert button == {"title": "Wann ist das Büro am Freitag geöffnet?",
                      "payload": '/hours_day{"weekday": "Freitag"}'}


@pytest.mark.parametrize(("language", "title"), [("de", "Wann ist der nächste Stadtrundgang?"),
                                                 ("en", "When is the next tour?")])
def test_did_you_mean_offers_concrete_questions_in_the_users_language(language, title):
    dispatcher = CollectingDispatcher()
    action = handoff.ActionDefaultAskAffirmation()
    ranking = [{"name": "tour_next"}, {"name": "contact"}]
    asyncio.run(action.run(dispatcher, tracker(language, ranking), DOMAIN))
    message = dispatcher.messages[0]
    assert message["response"] == "utter_did_you_mean"
    titles = [button["title"] for button in message["buttons"]]
    assert titles[0] == title and len(titles) == 3
    assert [b["payload"] for b in message["buttons"]] == ["/tour_next", "/contact", "/deny"]


@pytest.mark.parametrize("intent", sorted(handoff.FOLLOW_UP_CANDIDATES))
def test_a_follow_up_without_context_is_asked_back(intent):
    dispatcher = CollectingDispatcher()
    latest = {"text": "und?", "intent": {"name": intent}, "entities": []}
    tracker_ = Tracker("t", {"language": "en"}, latest, [], False, None, {}, "")
    asyncio.run(handoff.ActionClarifyFollowup().run(dispatcher, tracker_, DOMAIN))
    message = dispatcher.messages[0]
    assert message["response"] == "utter_clarify_followup"
    assert len(message["buttons"]) == 2
    assert all(b["title"].endswith("?") for b in message["buttons"])


def test_last_stage_gives_contact_logs_the_question_and_offers_a_request(monkeypatch,
                                                                        unanswered_log):
    class Status:
        is_open = False
        next_opening = None

    class Calendar:
        def status_at(self, *args):
            return Status()

    monkeypatch.setattr(handoff, "repository", lambda: ContactRepository())
    monkeypatch.setattr(contact_request, "calendar", lambda: Calendar())
    dispatcher = CollectingDispatcher()
    ranking = [{"name": "nlu_fallback", "confidence": 0.6}, {"name": "tour_next"}]
    latest = {"text": "Mein Name ist Erika Muster, gibt es Parkplätze?",
              "intent": {"name": "nlu_fallback"}, "intent_ranking": ranking}
    tracker_ = Tracker("t", {"language": "en"}, latest, [], False, None, {}, "")
    events = asyncio.run(handoff.ActionDefaultFallback().run(dispatcher, tracker_, DOMAIN))
    assert [m["response"] for m in dispatcher.messages] == ["utter_cannot_answer",
                                                            "utter_office_next_unknown_hint"]
    assert dispatcher.messages[0]["email"] == "e@x"
    assert events == [
        {"event": "rewind", "timestamp": None},
        {"event": "slot", "timestamp": None, "name": "language", "value": "en"},
        {"event": "slot", "timestamp": None, "name": "request_draft",
         "value": "Mein Name ist Erika Muster, gibt es Parkplätze?"},
        {"event": "followup", "timestamp": None, "name": "utter_offer_contact_request"},
    ]
    assert unanswered_log.logged == [{"text": "Mein Name ist [name], gibt es Parkplätze?",
                                      "kind": "fallback", "language": "en",
                                      "intent_guess": "tour_next"}]


def test_out_of_scope_is_logged_redacted_and_becomes_the_draft(monkeypatch, unanswered_log):
    class Repository:
        def contact(self):
            return None

        def fact(self, key):
            return None

    monkeypatch.setattr(handoff, "repository", lambda: Repository())
    latest = {"text": "Ich brauche einen Termin, Tel. 0176 98765432",
              "intent": {"name": "out_of_scope"},
              "intent_ranking": [{"name": "out_of_scope"}, {"name": "contact"}]}
    tracker_ = Tracker("t", {"language": "de"}, latest, [], False, None, {}, "")
    dispatcher = CollectingDispatcher()
    events = asyncio.run(handoff.ActionOutOfScope().run(dispatcher, tracker_, DOMAIN))
    assert dispatcher.messages[0]["response"] == "utter_out_of_scope_short"
    assert unanswered_log.logged == [{"text": "Ich brauche einen Termin, Tel. [phone]",
                                      "kind": "out_of_scope", "language": "de",
                                      "intent_guess": "out_of_scope"}]
    assert {"event": "slot", "timestamp": None, "name": "request_draft",
            "value": "Ich brauche einen Termin, Tel. 0176 98765432"} in events


def test_a_button_payload_is_not_logged_as_a_question(unanswered_log):
    latest = {"text": "/deny", "intent": {"name": "deny"}, "intent_ranking": []}
    tracker_ = Tracker("t", {"language": "de"}, latest, [], False, None, {}, "")
    handoff.record_unanswered(tracker_, "fallback", "de")
    assert unanswered_log.logged == [] and handoff.draft_events(tracker_) == []


def test_a_failing_log_does_not_change_the_answer(monkeypatch, caplog):
    class Broken:
        def log_unanswered(self, **values):
            raise RuntimeError("disk full")

    monkeypatch.setattr(handoff, "office_records", lambda: Broken())
    latest = {"text": "Meine IBAN ist DE89370400440532013000", "intent_ranking": []}
    tracker_ = Tracker("t", {"language": "de"}, latest, [], False, None, {}, "")
    handoff.record_unanswered(tracker_, "fallback", "de")
    assert "disk full" in caplog.text and "DE89" not in caplog.text


def test_every_question_that_can_be_offered_is_worded_in_the_domain():
    factual = [intent for intent in DOMAIN["intents"]
               if isinstance(intent, str) and is_factual(intent)]
    offered = {handoff.suggested_intents([{"name": intent}], {"project": "x", "weekday": "y"})[0]
               for intent in factual}
    offered |= {handoff.suggested_intents([{"name": intent}], {})[0] for intent in factual}
    offered |= {c for candidates in handoff.FOLLOW_UP_CANDIDATES.values() for c in candidates}
    missing = [intent for intent in offered
               if f"utter_question_{intent}" not in DOMAIN["responses"]]
    assert not missing and len(offered) >= 20, missing


def test_the_answer_to_repeat_is_the_one_before_the_language_request():
    events = [
        {"event": "action", "name": "action_session_start"},
        {"event": "user", "text": "Wer fördert das?", "parse_data": {"intent": {"name": "x"}}},
        {"event": "action", "name": "action_programme"},
        {"event": "slot", "name": "topic", "value": "programme"},
        {"event": "user", "text": "and in English?"},
        {"event": "action", "name": "utter_language_switched"},
    ]
    question, action = handoff.last_answered(events)
    assert question["text"] == "Wer fördert das?" and action == "action_programme"
    assert handoff.last_answered(events[:2] + events[4:]) is None  # nothing answered before
    fallback = events[:2] + [{"event": "action", "name": "action_two_stage_fallback"}] + events[4:]
    assert handoff.last_answered(fallback) is None


def test_last_stage_with_the_database_down_logs_the_fault_not_the_message(monkeypatch, caplog):
    class Repository:
        def contact(self):
            raise RuntimeError("database is down")

    monkeypatch.setattr(handoff, "repository", lambda: Repository())
    question = "Meine Steuernummer ist 123/456/78901"
    latest = {"text": question, "intent": {"name": "nlu_fallback"}, "intent_ranking": []}
    tracker_ = Tracker("t", {"language": "de"}, latest, [], False, None, {}, "")
    dispatcher = CollectingDispatcher()
    with caplog.at_level("DEBUG"):
        events = asyncio.run(handoff.ActionDefaultFallback().run(dispatcher, tracker_, DOMAIN))
    assert [m["response"] for m in dispatcher.messages] == ["utter_service_unavailable"]
    assert events == [{"event": "rewind", "timestamp": None}]
    logged = [r for r in caplog.records if r.name == handoff.__name__]
    assert len(logged) == 1 and logged[0].levelname == "ERROR", caplog.records
    assert logged[0].exc_info and "database is down" in caplog.text  # the fault, with traceback
    assert "Steuernummer" not in caplog.text  # never the citizen's words


@pytest.mark.parametrize("missing", [None, []])
def test_an_answer_lacking_its_record_is_the_honest_unknown_with_the_contact(missing,
                                                                             monkeypatch):
    class Lacking(common.KnowledgeAction):
        topic = "tours"

        def name(self) -> str:
            return "action_test_lacking"

        def answer(self, dispatcher, tracker, domain, language):
            common.on_file(missing)
            raise AssertionError("on_file let a missing record through")

    monkeypatch.setattr(common, "repository", lambda: ContactRepository())
    dispatcher = CollectingDispatcher()
    events = asyncio.run(Lacking().run(dispatcher, tracker("en"), DOMAIN))
    assert [(m["response"], m["email"]) for m in dispatcher.messages] == [("utter_unknown",
                                                                          "e@x")]
    assert events == [{"event": "slot", "timestamp": None, "name": "topic", "value": "tours"}]
