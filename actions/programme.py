"""Programme facts: intent programme_<key> (or programme_topic + entity) -> fact <key>."""

from __future__ import annotations

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.common import DomainDict, Events, KnowledgeAction, fact_vars, on_file, repository

INTENT_PREFIX = "programme_"
TOPIC_INTENT = "programme_topic"
# Elliptical follow-ups while the conversation is about the programme ("und wie lange?").
FOLLOW_UP_FACTS = {
    "followup_how_long": "duration",
    "followup_when": "since",
    "followup_cost": "funding",
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


class ActionProgramme(KnowledgeAction):
    action_name = "action_programme"
    topic = "programme"

    def answer(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict,
               language: str) -> Events:
        intent = tracker.get_intent_of_latest_message()
        topic = next(tracker.get_latest_entity_values("programme_topic"), None)
        key = fact_key(intent, topic)
        fact = on_file(repository().fact(key) if key else None)
        dispatcher.utter_message(
            response=RESPONSE_FOR_FACT.get(key, "utter_fact"),
            **fact_vars(fact, language),
        )
        return []
