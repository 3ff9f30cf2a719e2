"""The contact-request form's actions without a server: each step's validation (as Rasa's
form calls it), the questions it asks, and what the end of the form stores and says."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
import yaml
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions import contact_request
from actions.contact_request import (
    CONSENT,
    DRAFT,
    EMAIL,
    EMAIL_FAILURES,
    OUTCOME,
    QUESTION,
    ActionAskRequestConsent,
    ActionAskRequestEmail,
    ActionAskRequestQuestion,
    ActionSubmitContactRequest,
    ValidateContactRequestForm,
)
from bot.kb import KnowledgeBaseError, OfficeRecords

DOMAIN = yaml.safe_load((Path(__file__).resolve().parent.parent / "domain.yml").read_text())
CANCEL_WORDS = {"de": "Abbrechen", "en": "cancel"}


def form_turn(slot: str, text: str, intent: str, slots: dict | None = None,
              language: str = "de") -> tuple[list[dict], CollectingDispatcher]:
    """One answer to the form's question for ``slot``, validated as Rasa's form does it:
    the text was extracted into the slot (from_text) and the validation action runs."""
    values = {"language": language, "requested_slot": slot, **(slots or {}), slot: text}
    latest = {"text": text, "intent": {"name": intent, "confidence": 1.0}, "entities": []}
    events = [{"event": "user", "text": text, "parse_data": latest},
              {"event": "slot", "name": slot, "value": text}]
    tracker = Tracker("citizen-1", values, latest, events, False, None,
                      {"name": "contact_request_form"}, "action_listen")
    dispatcher = CollectingDispatcher()
    result = asyncio.run(ValidateContactRequestForm().run(dispatcher, tracker, DOMAIN))
    return result, dispatcher


def slot_values(events: list[dict]) -> dict:
    return {e["name"]: e["value"] for e in events if e["event"] == "slot"}


def test_a_question_is_taken_as_typed():
    events, _ = form_turn(QUESTION, "  Wann wird   der Sensor eingebaut? ", "nlu_fallback")
    assert slot_values(events) == {QUESTION: "Wann wird der Sensor eingebaut?"}


def test_yes_takes_the_draft_and_no_asks_without_it():
    draft = {DRAFT: "Gibt es Parkplätze am Kornmarkt?"}
    events, _ = form_turn(QUESTION, "Ja", "affirm", draft)
    assert slot_values(events) == {QUESTION: "Gibt es Parkplätze am Kornmarkt?"}
    events, _ = form_turn(QUESTION, "/affirm", "affirm", draft)
    assert slot_values(events)[QUESTION] == "Gibt es Parkplätze am Kornmarkt?"
    events, _ = form_turn(QUESTION, "Nein", "deny", draft)
    assert slot_values(events) == {QUESTION: None, DRAFT: None}
    # A longer answer is the new question, even when it starts with "ja".
    events, _ = form_turn(QUESTION, "Ja, und wann kommen die neuen Sensoren?", "affirm", draft)
    assert slot_values(events)[QUESTION] == "Ja, und wann kommen die neuen Sensoren?"


def test_an_empty_question_is_asked_again():
    events, _ = form_turn(QUESTION, "?!", "bad_input")
    assert slot_values(events) == {QUESTION: None}


def test_a_valid_address_is_kept_normalised():
    events, _ = form_turn(EMAIL, "Das ist Erika.Muster@Example.ORG", "nlu_fallback")
    assert slot_values(events) == {EMAIL: "Erika.Muster@example.org"}


def test_an_invalid_address_is_asked_again_once_then_the_form_ends():
    events, _ = form_turn(EMAIL, "erika at example", "nlu_fallback")
    assert slot_values(events) == {EMAIL: None, EMAIL_FAILURES: 1}
    assert {"event": "slot", "name": "requested_slot", "value": None,
            "timestamp": None} not in events  # asked again
    events, _ = form_turn(EMAIL, "erika(at)example.org", "nlu_fallback", {EMAIL_FAILURES: 1})
    assert slot_values(events) == {EMAIL: None, EMAIL_FAILURES: 2, OUTCOME: "email_invalid",
                                   "requested_slot": None}  # the form ends
    events, _ = form_turn(EMAIL, "erika@example.org", "nlu_fallback", {EMAIL_FAILURES: 1})
    assert slot_values(events) == {EMAIL: "erika@example.org"}  # the second try is fine


@pytest.mark.parametrize(("answer", "intent", "consent"), [
    ("Ja", "affirm", True), ("Yes, I agree", "affirm", True), ("/affirm", "affirm", True),
    ("Nein", "deny", False), ("no", "deny", False), ("vielleicht", "nlu_fallback", None),
])
def test_consent_only_from_a_clear_yes_or_no(answer, intent, consent):
    events, _ = form_turn(CONSENT, answer, intent)
    assert slot_values(events) == {CONSENT: consent}


@pytest.mark.parametrize("language", ["de", "en"])
@pytest.mark.parametrize("slot", [QUESTION, EMAIL, CONSENT])
def test_cancel_at_every_step_ends_the_form(slot, language):
    events, _ = form_turn(slot, CANCEL_WORDS[language], "cancel",
                          {DRAFT: "Eine Frage"}, language)
    assert slot_values(events) == {slot: None, OUTCOME: "cancelled", "requested_slot": None}


def test_switching_the_language_asks_the_same_step_again():
    for slot in (QUESTION, EMAIL):
        events, _ = form_turn(slot, "in English please", "switch_language")
        assert slot_values(events) == {slot: None}


def ask(action, slots: dict, language: str = "de") -> list[dict]:
    tracker = Tracker("citizen-1", {"language": language, **slots}, {}, [], False, None,
                      {"name": "contact_request_form"}, "action_listen")
    dispatcher = CollectingDispatcher()
    asyncio.run(action.run(dispatcher, tracker, DOMAIN))
    return dispatcher.messages


def test_the_questions_of_the_form():
    assert ask(ActionAskRequestQuestion(), {DRAFT: "Wo parke ich?"}) == [
        {**ask(ActionAskRequestQuestion(), {DRAFT: "Wo parke ich?"})[0],
         "response": "utter_request_question_draft", "draft": "Wo parke ich?"}]
    assert ask(ActionAskRequestQuestion(), {})[0]["response"] == "utter_request_question"
    assert ask(ActionAskRequestEmail(), {})[0]["response"] == "utter_request_email"
    assert ask(ActionAskRequestEmail(), {EMAIL_FAILURES: 1})[0]["response"] == (
        "utter_request_email_again")
    consent = ask(ActionAskRequestConsent(), {EMAIL: "erika@example.org"})[0]
    assert consent["response"] == "utter_request_consent"
    assert consent["address"] == "erika@example.org"


class Contact:
    office_de = office_en = "Amt für Zentrale Steuerung"
    email, phone, street, postcode, city, head = ("smartcity@gera.de", "0365 838-1200", "s",
                                                  "p", "c", "h")


@pytest.fixture
def office(tmp_path, monkeypatch) -> OfficeRecords:
    records = OfficeRecords(f"sqlite:///{tmp_path / 'kb.sqlite3'}")
    monkeypatch.setattr(contact_request, "office_records", lambda: records)

    class Repository:
        def contact(self):
            return Contact()

    monkeypatch.setattr(contact_request, "repository", lambda: Repository())
    for name in ("SMARTCITY_SMTP_HOST",):
        monkeypatch.delenv(name, raising=False)
    return records


def submit(slots: dict, language: str = "de") -> tuple[list[dict], list[dict]]:
    tracker = Tracker("citizen-7", {"language": language, **slots}, {}, [], False, None,
                      None, "contact_request_form")
    dispatcher = CollectingDispatcher()
    events = asyncio.run(ActionSubmitContactRequest().run(dispatcher, tracker, DOMAIN))
    return events, dispatcher.messages


def test_with_consent_the_request_is_stored(office):
    events, messages = submit({QUESTION: "Wann kommt der Sensor?", EMAIL: "erika@example.org",
                               CONSENT: True, DRAFT: "Wann kommt der Sensor?"}, "en")
    (stored,) = office.requests()
    assert (stored.question, stored.email, stored.language, stored.sender_id,
            stored.status) == ("Wann kommt der Sensor?", "erika@example.org", "en",
                               "citizen-7", "open")
    assert messages == [{**messages[0], "response": "utter_contact_request_stored",
                         "number": str(stored.id), "address": "erika@example.org"}]
    assert all(e["value"] is None for e in events)  # the form's slots are cleared
    assert {e["name"] for e in events} == set(contact_request.FORM_SLOTS)


@pytest.mark.parametrize(("slots", "response"), [
    ({CONSENT: False}, "utter_contact_request_no_consent"),
    ({OUTCOME: "cancelled"}, "utter_contact_request_cancelled"),
    ({OUTCOME: "email_invalid", EMAIL_FAILURES: 2}, "utter_contact_request_email_failed"),
    ({CONSENT: None}, "utter_contact_request_no_consent"),
])
def test_without_consent_nothing_is_stored_and_the_citizen_is_told(office, slots, response):
    values = {QUESTION: "Wann kommt der Sensor?", EMAIL: "erika@example.org", **slots}
    events, messages = submit(values)
    assert office.requests() == []
    assert [m["response"] for m in messages] == [response]
    assert all(e["value"] is None for e in events)


def test_a_database_that_is_down_is_said_and_logged_without_the_question(monkeypatch,
                                                                        office, caplog):
    class Broken:
        def add_request(self, **values):
            raise KnowledgeBaseError("cannot use the office tables: OperationalError")

    monkeypatch.setattr(contact_request, "office_records", lambda: Broken())
    _, messages = submit({QUESTION: "Meine geheime Frage", EMAIL: "erika@example.org",
                          CONSENT: True})
    assert [m["response"] for m in messages] == ["utter_contact_request_not_stored"]
    assert messages[0]["email"] == "smartcity@gera.de"
    assert "geheime" not in caplog.text and "erika@" not in caplog.text


def test_a_bare_address_keeps_the_conversations_language():
    """The NLU may take "erika.muster@example.org" for English; the conversation was German."""
    text = "erika.muster@example.org"
    latest = {"text": text, "intent": {"name": "nlu_fallback"}, "entities": []}
    events = [{"event": "slot", "name": "language", "value": "de"},
              {"event": "user", "text": "Wann kommt der Sensor?"},
              {"event": "user", "text": text, "parse_data": latest},
              {"event": "slot", "name": "language", "value": "en"},
              {"event": "slot", "name": EMAIL, "value": text}]
    tracker = Tracker("c", {"language": "en", "requested_slot": EMAIL, EMAIL: text}, latest,
                      events, False, None, {"name": "contact_request_form"}, "action_listen")
    result = asyncio.run(ValidateContactRequestForm().run(CollectingDispatcher(), tracker,
                                                          DOMAIN))
    assert slot_values(result) == {EMAIL: text, "language": "de"}
    # With words around it, the message's language stands.
    worded = "my address is erika.muster@example.org"
    latest = {**latest, "text": worded}
    tracker = Tracker("c", {"language": "en", "requested_slot": EMAIL, EMAIL: worded}, latest,
                      [*events[:2], {"event": "user", "text": worded, "parse_data": latest},
                       *events[3:4], {"event": "slot", "name": EMAIL, "value": worded}],
                      False, None, {"name": "contact_request_form"}, "action_listen")
    result = asyncio.run(ValidateContactRequestForm().run(CollectingDispatcher(), tracker,
                                                          DOMAIN))
    assert slot_values(result) == {EMAIL: text}
