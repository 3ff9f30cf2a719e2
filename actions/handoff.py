"""When the assistant cannot help: out of scope, "did you mean ...?", honest fallback."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import UserUtteranceReverted
from rasa_sdk.executor import CollectingDispatcher

from actions.common import answer_safely, contact_vars, language_of, phrase, repository
from actions.hours import calendar
from bot import formatting
from bot.clock import now

# Topic offered as a "did you mean" button for an intent, and the intent the button sends.
TOPICS = {
    "programme": "/programme_about",
    "projects": "/pilots_overview",
    "tours": "/tours_about",
    "office": "/hours_week",
}
INTENT_TOPIC_PREFIXES = {
    "programme_": "programme", "pilot": "projects", "implementation": "projects",
    "tour": "tours", "hours": "office", "open_now": "office", "contact": "office",
}
MAX_SUGGESTIONS = 2


def suggested_topics(intent_ranking: list[dict[str, Any]]) -> list[str]:
    """Topics of the best-ranked intents, best first, without repeats."""
    topics: list[str] = []
    for candidate in intent_ranking:
        name = candidate.get("name") or ""
        topic = next((t for prefix, t in INTENT_TOPIC_PREFIXES.items()
                      if name.startswith(prefix)), None)
        if topic and topic not in topics:
            topics.append(topic)
        if len(topics) == MAX_SUGGESTIONS:
            break
    return topics or list(TOPICS)[:MAX_SUGGESTIONS]


class ActionOutOfScope(Action):
    def name(self) -> str:
        return "action_out_of_scope"

    @answer_safely
    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: dict[str, Any]) -> list[dict[str, Any]]:
        language = language_of(tracker)
        dispatcher.utter_message(response="utter_out_of_scope",
                                 **contact_vars(repository().contact(), language))
        return []


class ActionDefaultAskAffirmation(Action):
    """First stage of the fallback: offer the likely topics as buttons."""

    def name(self) -> str:
        return "action_default_ask_affirmation"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: dict[str, Any]) -> list[dict[str, Any]]:
        language = language_of(tracker)
        ranking = (tracker.latest_message or {}).get("intent_ranking") or []
        ranking = [c for c in ranking if c.get("name") != "nlu_fallback"]
        buttons = [
            {"title": phrase(domain, f"utter_topic_{topic}", language),
             "payload": TOPICS[topic]}
            for topic in suggested_topics(ranking)
        ]
        buttons.append({"title": phrase(domain, "utter_topic_none", language),
                        "payload": "/deny"})
        dispatcher.utter_message(response="utter_did_you_mean", buttons=buttons)
        return []


class ActionDefaultFallback(Action):
    """Last stage: say plainly that this can't be answered, give the contact (and hours)."""

    def name(self) -> str:
        return "action_default_fallback"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: dict[str, Any]) -> list[dict[str, Any]]:
        language = language_of(tracker)
        try:
            contact = repository().contact()
            status = calendar().status_at(now(), language)
        except Exception:  # the honest answer must not depend on the database being up
            dispatcher.utter_message(response="utter_service_unavailable")
            return [UserUtteranceReverted()]
        dispatcher.utter_message(response="utter_cannot_answer",
                                 **contact_vars(contact, language))
        if status.is_open:
            dispatcher.utter_message(response="utter_office_open_now_hint",
                                     closes=formatting.clock(status.today.closes))
        return [UserUtteranceReverted()]
