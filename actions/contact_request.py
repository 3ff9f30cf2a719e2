"""Handoff to the office: the contact with the office's state now, and a contact request.

The contact request is the form ``contact_request_form``: the question (prefilled with the
message the assistant could not answer, ``request_draft``), an e-mail address for the reply
(asked again once when it is not one) and explicit consent. Every step takes free text
(``from_text``), so the validation below decides: "abbrechen" / "cancel" at any step ends
the form with nothing stored, as does a refused consent or a second invalid address.
``action_submit_contact_request`` then says what happened, stores the request (bot/kb) and,
when mail is configured, mails it to the office in the background: a failing mail server is
logged and the stored request stays.
"""

from __future__ import annotations

import logging
import re
import smtplib
from concurrent.futures import Future, ThreadPoolExecutor
from functools import lru_cache
from typing import Any

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.common import (
    DomainDict,
    Events,
    OfficeAction,
    contact_vars,
    language_of,
    repository,
)
from actions.hours import calendar
from bot.kb import ContactRequest, KnowledgeBaseError, OfficeRecords
from bot.logic import formatting
from bot.logic.clock import now
from bot.logic.handoff import (
    MailConfigError,
    MailSettings,
    email_address,
    office_message,
    send,
)

logger = logging.getLogger(__name__)

FORM = "contact_request_form"
DRAFT = "request_draft"
QUESTION, EMAIL, CONSENT = "request_question", "request_email", "request_consent"
EMAIL_FAILURES = "request_email_failures"
OUTCOME = "request_outcome"  # set when the form ends early: "cancelled" | "email_invalid"
FORM_SLOTS = (DRAFT, QUESTION, EMAIL, CONSENT, EMAIL_FAILURES, OUTCOME)
CANCEL, AFFIRM, DENY, SWITCH_LANGUAGE = "cancel", "affirm", "deny", "switch_language"
LANGUAGE = "language"
#: A reply this short that says yes to the draft takes it; a longer one is a new question.
MAX_CONFIRM_WORDS = 4
MIN_QUESTION_CHARS = 3
MAX_QUESTION_CHARS = 2000
#: Invalid addresses before the form gives up ("re-asked once").
MAX_EMAIL_FAILURES = 2

# One mail at a time, off the action server's event loop: the citizen's reply never waits
# for the mail server.
_MAILER = ThreadPoolExecutor(max_workers=1, thread_name_prefix="office-mail")


@lru_cache(maxsize=1)
def office_records() -> OfficeRecords:
    return OfficeRecords()


def utter_office_status(dispatcher: CollectingDispatcher, language: str) -> None:
    """Whether the office is open now and until when, or when it opens next."""
    status = calendar().status_at(now(), language)
    if status.is_open:
        dispatcher.utter_message(response="utter_office_open_now_hint",
                                 closes=formatting.clock(status.today.closes))
    elif status.next_opening is not None:
        dispatcher.utter_message(
            response="utter_office_closed_now_hint",
            next_day=formatting.day(status.next_opening.date(), language),
            next_opens=formatting.clock(status.next_opening.timetz()))
    else:
        dispatcher.utter_message(response="utter_office_next_unknown_hint")


class ActionHandoff(OfficeAction):
    """"Ich möchte mit einem Menschen sprechen": the contact and the office's state now
    (a rule then offers the contact request)."""

    action_name = "action_handoff"

    def answer(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict,
               language: str) -> Events:
        dispatcher.utter_message(response="utter_handoff_contact",
                                 **contact_vars(repository().contact(), language))
        utter_office_status(dispatcher, language)
        return []


def _intent(tracker: Tracker) -> str:
    """The intent NLU gave the latest message, also when that is nlu_fallback (the SDK's
    helper would then return the runner-up, which could be "cancel")."""
    return str(((tracker.latest_message or {}).get("intent") or {}).get("name") or "")


def _text(value: Any) -> str:
    return " ".join(str(value or "").split())


def language_before_latest_message(tracker: Tracker) -> str | None:
    """The conversation's language before the latest message changed it, if it did."""
    language = None
    events = tracker.events or []
    last_user = max((i for i, e in enumerate(events) if e.get("event") == "user"), default=-1)
    for event in events[:max(last_user, 0)]:
        if event.get("event") == "slot" and event.get("name") == LANGUAGE:
            language = event.get("value")
    current = tracker.get_slot(LANGUAGE)
    return language if language and language != current else None


def _only_an_address(text: str) -> bool:
    """The message is an e-mail address and nothing else (no words to tell a language by)."""
    return not any(char.isalpha() for char in re.sub(r"\S+@\S+", " ", text))


class ValidateContactRequestForm(FormValidationAction):
    """Reads each step's free text: cancel, yes to the draft, an address, consent."""

    def name(self) -> str:
        return "validate_contact_request_form"

    async def required_slots(self, domain_slots: list[str], dispatcher: CollectingDispatcher,
                             tracker: Tracker, domain: DomainDict) -> list[str]:
        # An outcome (cancelled, no valid address) ends the form: nothing more to ask.
        return [] if tracker.get_slot(OUTCOME) else domain_slots

    def validate_request_question(self, value: Any, dispatcher: CollectingDispatcher,
                                  tracker: Tracker, domain: DomainDict) -> dict[str, Any]:
        intent, text = _intent(tracker), _text(value)
        if intent == CANCEL:
            return {QUESTION: None, OUTCOME: "cancelled"}
        if intent == SWITCH_LANGUAGE:
            return {QUESTION: None}  # asked again, in the new language
        draft = tracker.get_slot(DRAFT)
        short = len(text.split()) <= MAX_CONFIRM_WORDS
        if draft and short and intent == AFFIRM:
            return {QUESTION: draft}
        if draft and short and intent == DENY:
            return {QUESTION: None, DRAFT: None}  # asked again, without the draft
        if len(text) < MIN_QUESTION_CHARS or not any(char.isalpha() for char in text):
            return {QUESTION: None}
        return {QUESTION: text[:MAX_QUESTION_CHARS]}

    def validate_request_email(self, value: Any, dispatcher: CollectingDispatcher,
                               tracker: Tracker, domain: DomainDict) -> dict[str, Any]:
        intent = _intent(tracker)
        if intent == CANCEL:
            return {EMAIL: None, OUTCOME: "cancelled"}
        if intent == SWITCH_LANGUAGE:
            return {EMAIL: None}
        text = _text(value)
        address = email_address(text)
        if address:
            # A bare address is no sign of a language (the NLU may have taken it for
            # English): the conversation keeps the language it had.
            previous = language_before_latest_message(tracker) if _only_an_address(text) else None
            return {EMAIL: address, **({LANGUAGE: previous} if previous else {})}
        failures = int(tracker.get_slot(EMAIL_FAILURES) or 0) + 1
        if failures >= MAX_EMAIL_FAILURES:
            return {EMAIL: None, EMAIL_FAILURES: failures, OUTCOME: "email_invalid"}
        return {EMAIL: None, EMAIL_FAILURES: failures}

    def validate_request_consent(self, value: Any, dispatcher: CollectingDispatcher,
                                 tracker: Tracker, domain: DomainDict) -> dict[str, Any]:
        intent = _intent(tracker)
        if intent == CANCEL:
            return {CONSENT: None, OUTCOME: "cancelled"}
        if intent in (AFFIRM, DENY):
            return {CONSENT: intent == AFFIRM}
        return {CONSENT: None}  # asked again: only a clear yes counts


class ActionAskRequestQuestion(Action):
    """The first question of the form: the unanswered message to confirm, or a blank one."""

    def name(self) -> str:
        return "action_ask_request_question"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: DomainDict) -> Events:
        draft = tracker.get_slot(DRAFT)
        if draft:
            dispatcher.utter_message(response="utter_request_question_draft", draft=draft)
        else:
            dispatcher.utter_message(response="utter_request_question")
        return []


class ActionAskRequestEmail(Action):
    """The address for the reply; after an invalid one, the same question saying so."""

    def name(self) -> str:
        return "action_ask_request_email"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: DomainDict) -> Events:
        again = bool(tracker.get_slot(EMAIL_FAILURES))
        dispatcher.utter_message(
            response="utter_request_email_again" if again else "utter_request_email")
        return []


class ActionAskRequestConsent(Action):
    """Consent, naming exactly what is stored (the address just given) and what for."""

    def name(self) -> str:
        return "action_ask_request_consent"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: DomainDict) -> Events:
        dispatcher.utter_message(response="utter_request_consent",
                                 address=tracker.get_slot(EMAIL) or "")
        return []


def _send_safely(request: ContactRequest, settings: MailSettings) -> bool:
    """Mail one stored request; a failure is logged (never the citizen's text), not raised."""
    try:
        send(office_message(request, settings), settings)
    except (OSError, smtplib.SMTPException) as error:
        logger.error("contact request #%s is stored, but mailing it to %s:%s failed: %s",
                     request.id, settings.host, settings.port, error)
        return False
    logger.info("contact request #%s mailed to the office", request.id)
    return True


def notify_office(request: ContactRequest) -> Future[bool] | None:
    """Mail ``request`` to the office in the background when SMARTCITY_SMTP_HOST is set."""
    try:
        settings = MailSettings.from_env()
    except MailConfigError as error:
        logger.error("contact request #%s is stored, but not mailed: %s", request.id, error)
        return None
    if settings is None:
        return None
    return _MAILER.submit(_send_safely, request, settings)


class ActionSubmitContactRequest(Action):
    """The form has ended: store the request (with consent) and say what happened."""

    def name(self) -> str:
        return "action_submit_contact_request"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: DomainDict) -> Events:
        language = language_of(tracker)
        reset: Events = [SlotSet(slot, None) for slot in FORM_SLOTS]
        outcome = tracker.get_slot(OUTCOME)
        if outcome == "cancelled":
            dispatcher.utter_message(response="utter_contact_request_cancelled")
            return reset
        if outcome == "email_invalid" or tracker.get_slot(CONSENT) is not True:
            response = ("utter_contact_request_email_failed" if outcome == "email_invalid"
                        else "utter_contact_request_no_consent")
            dispatcher.utter_message(response=response, **_contact(language))
            return reset
        try:
            request = office_records().add_request(
                question=tracker.get_slot(QUESTION), email=tracker.get_slot(EMAIL),
                language=language, sender_id=tracker.sender_id)
        except KnowledgeBaseError:
            # The fault is logged, never the citizen's question or address.
            logger.exception("a contact request could not be stored")
            dispatcher.utter_message(response="utter_contact_request_not_stored",
                                     **_contact(language))
            return reset
        notify_office(request)
        dispatcher.utter_message(response="utter_contact_request_stored",
                                 number=str(request.id), address=request.email)
        return reset


def _contact(language: str) -> dict[str, str]:
    """The office's contact for a reply; empty values when the knowledge base is down."""
    try:
        return contact_vars(repository().contact(), language)
    except KnowledgeBaseError:
        return contact_vars(None, language)
