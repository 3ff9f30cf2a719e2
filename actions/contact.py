"""Contact: office, address, phone, e-mail, head, with the office hours."""

from __future__ import annotations

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.common import (
    DomainDict,
    Events,
    OfficeAction,
    contact_vars,
    repository,
    source_vars,
)
from actions.hours import hours_list


class ActionContact(OfficeAction):
    action_name = "action_contact"

    def answer(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict,
               language: str) -> Events:
        contact = repository().contact()
        if contact is None:
            dispatcher.utter_message(response="utter_service_unavailable")
            return []
        dispatcher.utter_message(response="utter_contact", hours_list=hours_list(language),
                                 **contact_vars(contact, language),
                                 **source_vars(contact, language))
        return []
