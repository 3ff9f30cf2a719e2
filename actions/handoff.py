"""When the assistant cannot help: out of scope, "did you mean ...?", follow-ups with no
context, details the sources lack, the honest fallback; and the start of a new session."""

from __future__ import annotations

import json
import logging
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import (
    ActionExecuted,
    FollowupAction,
    SessionStarted,
    SlotSet,
    UserUtteranceReverted,
    UserUttered,
)
from rasa_sdk.executor import CollectingDispatcher

from actions.common import (
    REGISTER_SLOT,
    DomainDict,
    Events,
    KnowledgeAction,
    contact_vars,
    language_of,
    phrase,
    repository,
    source_vars,
    utter_unknown,
)
from actions.contact_request import DRAFT, office_records, utter_office_status
from bot.logic.intents import FALLBACK_INTENT, is_factual
from bot.logic.language import normalise
from bot.logic.redaction import redact

logger = logging.getLogger(__name__)
LANGUAGE_SLOT = "language"

# Questions the assistant offers as buttons when it is unsure ("did you mean ...?") or when a
# follow-up has nothing to refer to. Each button sends an intent, so choosing it answers that
# question; the wording is the domain's `utter_question_<intent>`.
# Questions that need an entity to be asked concretely; without it, their topic's general one.
NEEDS_ENTITY = {"pilot_detail": ("project", "pilots_overview"),
                "hours_day": ("weekday", "hours_week")}
GENERAL_FORM = {"tours_by_date": "tours_remaining", "programme_topic": "programme_goals"}
# What an elliptical follow-up may have meant when the conversation has no topic yet.
FOLLOW_UP_CANDIDATES = {
    "followup_day": ("hours_week", "tours_remaining"),
    "followup_next": ("tour_next", "tours_remaining"),
    "followup_where": ("tour_meeting_point", "contact"),
    "followup_how_long": ("tours_about", "programme_duration"),
    "followup_mode": ("tour_next", "tours_remaining"),
    "followup_when": ("tour_next", "hours_week"),
    "followup_cost": ("tour_booking", "programme_funding"),
    "followup_status": ("programme_phases", "pilots_overview"),
    "followup_more": ("programme_about", "pilots_overview"),
}
MAX_SUGGESTIONS = 2
#: The unanswered-question log keeps this much of a message (redacted).
MAX_LOGGED_CHARS = 500
#: After the final fallback: the offer of a contact request (its "yes" starts the form).
OFFER = "utter_offer_contact_request"


def unanswered_text(tracker: Tracker) -> str:
    """The citizen's latest message as typed, on one line; "" for a button payload."""
    text = " ".join(str((tracker.latest_message or {}).get("text") or "").split())
    return "" if text.startswith("/") else text


def top_guess(ranking: list[dict[str, Any]]) -> str | None:
    """The intent NLU thought likeliest, other than "not understood"."""
    return next((str(c["name"]) for c in ranking or []
                 if c.get("name") and c.get("name") != FALLBACK_INTENT), None)


def record_unanswered(tracker: Tracker, kind: str, language: str) -> None:
    """Log the question for the office's report: redacted, without the sender id. A
    failing database is logged (never the text) and does not change the reply."""
    text = unanswered_text(tracker)
    if not text:
        return
    try:
        office_records().log_unanswered(
            text=redact(text)[:MAX_LOGGED_CHARS], kind=kind, language=language,
            intent_guess=top_guess((tracker.latest_message or {}).get("intent_ranking")))
    except Exception:  # the citizen's answer matters more than the statistics
        logger.exception("an unanswered question (%s) could not be logged", kind)


def draft_events(tracker: Tracker) -> list[dict[str, Any]]:
    """The unanswered message as the draft of a contact request (the form shows it)."""
    text = unanswered_text(tracker)
    return [SlotSet(DRAFT, text)] if text else []


def suggested_intents(intent_ranking: list[dict[str, Any]], entities: dict[str, str],
                      limit: int = MAX_SUGGESTIONS) -> list[str]:
    """The best-ranked factual intents, as questions that can be asked without more input."""
    chosen: list[str] = []
    for candidate in intent_ranking:
        name = candidate.get("name") or ""
        if not is_factual(name):
            continue
        name = GENERAL_FORM.get(name, name)
        entity, general = NEEDS_ENTITY.get(name, (None, None))
        if entity and entity not in entities:
            name = general or name
        if name not in chosen:
            chosen.append(name)
        if len(chosen) == limit:
            break
    return chosen or ["programme_about", "tour_next"][:limit]


def question_button(domain: dict[str, Any], intent: str, language: str,
                    entities: dict[str, str]) -> dict[str, str]:
    entity, _ = NEEDS_ENTITY.get(intent, (None, None))
    if entity:
        payload = f"/{intent}{json.dumps({entity: entities[entity]}, ensure_ascii=False)}"
        title = phrase(domain, f"utter_question_{intent}", language, **entities)
    else:
        payload, title = f"/{intent}", phrase(domain, f"utter_question_{intent}", language)
    return {"title": title, "payload": payload}


def latest_entities(tracker: Tracker) -> dict[str, str]:
    return {entity["entity"]: str(entity["value"])
            for entity in (tracker.latest_message or {}).get("entities") or []
            if entity.get("entity") in ("project", "weekday") and entity.get("value")}


class ActionOutOfScope(KnowledgeAction):
    """Says plainly that this is outside SMARTCity, and where the city's services are."""

    action_name = "action_out_of_scope"

    def answer(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict,
               language: str) -> Events:
        record_unanswered(tracker, "out_of_scope", language)
        contact = contact_vars(repository().contact(), language)
        services = repository().fact("city_services")
        if services is None:
            dispatcher.utter_message(response="utter_out_of_scope_short", **contact)
            return draft_events(tracker)
        dispatcher.utter_message(
            response="utter_out_of_scope",
            city_services=services.text_en if language == "en" else services.text_de,
            **{**contact, **source_vars(services, language)},
        )
        return draft_events(tracker)


class ActionDefaultAskAffirmation(Action):
    """First stage of the fallback: offer the two likeliest concrete questions as buttons."""

    def name(self) -> str:
        return "action_default_ask_affirmation"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: dict[str, Any]) -> list[dict[str, Any]]:
        language = language_of(tracker)
        ranking = (tracker.latest_message or {}).get("intent_ranking") or []
        entities = latest_entities(tracker)
        buttons = [question_button(domain, intent, language, entities)
                   for intent in suggested_intents(ranking, entities)]
        buttons.append({"title": phrase(domain, "utter_topic_none", language),
                        "payload": "/deny"})
        dispatcher.utter_message(response="utter_did_you_mean", buttons=buttons)
        return []


class ActionClarifyFollowup(Action):
    """A follow-up ("und wo?") with no topic to refer to: ask back instead of guessing."""

    def name(self) -> str:
        return "action_clarify_followup"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: dict[str, Any]) -> list[dict[str, Any]]:
        language = language_of(tracker)
        intent = tracker.get_intent_of_latest_message() or ""
        candidates = FOLLOW_UP_CANDIDATES.get(intent, ("programme_about", "tour_next"))
        buttons = [question_button(domain, candidate, language, {})
                   for candidate in candidates]
        dispatcher.utter_message(response="utter_clarify_followup", buttons=buttons)
        return []


class ActionFollowupUnknown(KnowledgeAction):
    """A detail the sources do not cover ("Kann ich meinen Hund mitnehmen?"): say so."""

    action_name = "action_followup_unknown"

    def answer(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict,
               language: str) -> Events:
        utter_unknown(dispatcher, language)
        return []


# Actions that answer a question and can answer it again (not the fallback stages).
NOT_REPEATABLE = {"action_listen", "action_repeat_answer", "action_extract_slots",
                  "action_session_start", "action_two_stage_fallback",
                  "action_default_ask_affirmation", "action_default_fallback",
                  "action_clarify_followup", "utter_language_switched"}


def last_answered(events: list[dict[str, Any]]) -> tuple[dict[str, Any], str] | None:
    """(the citizen's previous message, the action that answered it), before the latest."""
    users = [i for i, event in enumerate(events) if event.get("event") == "user"]
    if len(users) < 2:
        return None
    start, end = users[-2], users[-1]
    answers = [event.get("name") for event in events[start:end]
               if event.get("event") == "action" and event.get("name") not in NOT_REPEATABLE
               and str(event.get("name", "")).startswith("action_")]
    return (events[start], answers[-1]) if answers else None


class ActionRepeatAnswer(Action):
    """After "and in English, please?": the last answer again, in the new language.

    The previous question is put back as the latest message (so the answering action reads
    its text, intent and entities, not the language request) and that action runs next.
    The conversation record shows that question twice; that is the replay.
    """

    def name(self) -> str:
        return "action_repeat_answer"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: dict[str, Any]) -> list[dict[str, Any]]:
        found = last_answered(tracker.events)
        if found is None:
            return []
        question, action = found
        # Rasa fills slots from a returned message again: it must carry the new language and
        # register, not the ones the question was first asked in.
        now = {LANGUAGE_SLOT: normalise(tracker.get_slot(LANGUAGE_SLOT)),
               REGISTER_SLOT: tracker.get_slot(REGISTER_SLOT)}
        parse_data = dict(question.get("parse_data") or {})
        parse_data["entities"] = [
            {**entity, "value": now[entity["entity"]]} if entity.get("entity") in now else entity
            for entity in parse_data.get("entities") or []]
        # The listen before it makes the replayed turn look like any other to the rules.
        return [ActionExecuted("action_listen"),
                UserUttered(question.get("text"), parse_data=parse_data),
                FollowupAction(action)]


class ActionSessionStart(Action):
    """A new session starts without the old context, but in the language (and register)
    spoken so far."""

    def name(self) -> str:
        return "action_session_start"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: dict[str, Any]) -> list[dict[str, Any]]:
        events: list[dict[str, Any]] = [SessionStarted()]
        language = normalise(tracker.get_slot(LANGUAGE_SLOT))
        if language:
            events.append(SlotSet(LANGUAGE_SLOT, language))
        register = tracker.get_slot(REGISTER_SLOT)
        if register:  # a reader of easy-read German keeps it in the new session
            events.append(SlotSet(REGISTER_SLOT, register))
        events.append(ActionExecuted("action_listen"))
        return events


class ActionDefaultFallback(Action):
    """Last stage: say plainly that this can't be answered, give the contact with the
    office's state now, log the question (redacted) and offer a contact request with the
    message as its draft. The message is reverted, as Rasa's own fallback does; the draft
    and the offer come after the revert, so they stay."""

    def name(self) -> str:
        return "action_default_fallback"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: dict[str, Any]) -> list[dict[str, Any]]:
        language = language_of(tracker)
        record_unanswered(tracker, "fallback", language)
        replies = CollectingDispatcher()
        try:
            replies.utter_message(response="utter_cannot_answer",
                                  **contact_vars(repository().contact(), language))
            utter_office_status(replies, language)
        except Exception:  # the honest answer must not depend on the database being up
            # The traceback names the fault, never the citizen's message.
            logger.exception("%s could not read the contact or the office hours",
                             self.name())
            dispatcher.utter_message(response="utter_service_unavailable")
            return [UserUtteranceReverted()]
        dispatcher.messages.extend(replies.messages)
        # The revert can take the language back to what it was before the two-stage
        # fallback began; the offer and the rest of the conversation keep the citizen's.
        return [UserUtteranceReverted(), SlotSet(LANGUAGE_SLOT, language),
                *draft_events(tracker), FollowupAction(OFFER)]
