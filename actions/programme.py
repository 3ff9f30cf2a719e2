"""Programme facts: intent programme_<key> (or programme_topic + entity) -> fact <key>."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.common import answer_safely, language_of, repository, source_vars, utter_unknown

INTENT_PREFIX = "programme_"
TOPIC_INTENT = "programme_topic"
# Elliptical follow-ups while the conversation is about the programme ("und wie lange?").
FOLLOW_UP_FACTS = {
    "followup_how_long": "duration",
    "followup_status": "phases",
    "followup_more": "about",
}
# The first answer about the programme offers the details (buttons) after the essentials.
RESPONSE_FOR_FACT = {"about": "utter_fact_about"}


def fact_key(intent: str | None, topic: str | None) -> str | None:
    """Which knowledge-base fact answers this intent."""
    if intent == TOPIC_INTENT:
        return topic
    if intent in FOLLOW_UP_FACTS:
        return FOLLOW_UP_FACTS[intent]
    if intent and intent.startswith(INTENT_PREFIX):
        return intent[len(INTENT_PREFIX):]
    return None


class ActionProgramme(Action):
    topic = "programme"

    def name(self) -> str:
        return "action_programme"

    @answer_safely
    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: dict[str, Any]) -> list[dict[str, Any]]:
        language = language_of(tracker)
        intent = tracker.get_intent_of_latest_message()
        topic = next(tracker.get_latest_entity_values("programme_topic"), None)
        key = fact_key(intent, topic)
        fact = repository().fact(key) if key else None
        if fact is None:
            utter_unknown(dispatcher, language)
            return []
        dispatcher.utter_message(
            response=RESPONSE_FOR_FACT.get(key, "utter_fact"),
            fact=fact.text_en if language == "en" else fact.text_de,
            **source_vars(fact, language),
        )
        return []
