"""Contact: office, address, phone, e-mail, head, with the office hours."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.common import answer_safely, contact_vars, language_of, repository, source_vars
from actions.hours import hours_list


class ActionContact(Action):
    topic = "office"

    def name(self) -> str:
        return "action_contact"

    @answer_safely
    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: dict[str, Any]) -> list[dict[str, Any]]:
        language = language_of(tracker)
        contact = repository().contact()
        if contact is None:
            dispatcher.utter_message(response="utter_service_unavailable")
            return []
        dispatcher.utter_message(response="utter_contact", hours_list=hours_list(language),
                                 **contact_vars(contact, language),
                                 **source_vars(contact, language))
        return []
