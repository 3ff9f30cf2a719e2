"""Fills the ``language`` slot on every user message (custom slot mapping)."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from bot.language import choose_language

SWITCH_INTENT = "switch_language"


def _is_first_message(tracker: Tracker) -> bool:
    user_messages = [event for event in tracker.events if event.get("event") == "user"]
    return len(user_messages) <= 1


class ActionDetectLanguage(Action):
    """Decides the reply language from the message, an explicit request and page metadata."""

    def name(self) -> str:
        return "action_detect_language"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        message = tracker.latest_message or {}
        intent = (message.get("intent") or {}).get("name")
        requested = None
        if intent == SWITCH_INTENT:
            requested = next(tracker.get_latest_entity_values("target_language"), None)
        metadata = message.get("metadata") or {}
        language = choose_language(
            tracker.get_slot("language"),
            message.get("text") or "",
            requested=requested,
            page_language=metadata.get("language") if isinstance(metadata, dict) else None,
            first_message=_is_first_message(tracker),
        )
        return [SlotSet("language", language)]
