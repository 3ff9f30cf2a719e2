"""Glue shared by the topic actions: language, repository, domain wording, source lines.

Wording stays in domain.yml: when an action needs a phrase inside a variable (a topic label,
the reason the office is closed) it reads that response from the domain it is sent.
"""

from __future__ import annotations

import logging
from abc import ABC, abstractmethod
from collections.abc import Awaitable, Callable, Sized
from functools import lru_cache, wraps
from typing import Any, TypeVar

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from bot.kb import Contact, KnowledgeBaseError, Repository
from bot.logic import formatting, intents
from bot.logic.language import DEFAULT_LANGUAGE, normalise

logger = logging.getLogger(__name__)
DomainDict = dict[str, Any]
Events = list[dict[str, Any]]
Run = Callable[[Any, CollectingDispatcher, Tracker, DomainDict], Awaitable[Events]]
T = TypeVar("T")
# The slot that says what the conversation is about (domain.yml); follow-up rules read it.
TOPIC_SLOT = "topic"


def language_of(tracker: Tracker) -> str:
    return normalise(tracker.get_slot("language")) or DEFAULT_LANGUAGE


@lru_cache(maxsize=1)
def repository() -> Repository:
    return Repository()


def is_follow_up(tracker: Tracker) -> bool:
    """Was the message an elliptical follow-up ("und wo?"), to be read in context?"""
    return intents.is_follow_up(tracker.get_intent_of_latest_message() or "")


def phrase(domain: DomainDict, response: str, language: str, **variables: Any) -> str:
    """The text of a domain response in ``language`` with variables filled."""
    for variation in domain.get("responses", {}).get(response, []):
        values = [c.get("value") for c in variation.get("condition") or []
                  if c.get("name") == "language"] or [DEFAULT_LANGUAGE]  # German: no condition
        if language in values:
            text = variation.get("text", "")
            return text.format(**variables) if variables else text
    raise KeyError(f"response {response!r} has no {language!r} variation in domain.yml")


def source_vars(record: Any, language: str) -> dict[str, str]:
    return {"source": record.source, "as_of": formatting.as_of(record.as_of, language)}


def contact_vars(contact: Contact | None, language: str) -> dict[str, str]:
    if contact is None:
        return {"office": "", "email": "", "phone": "", "street": "", "postcode": "",
                "city": "", "head": ""}
    return {
        "office": contact.office_en if language == "en" else contact.office_de,
        "email": contact.email,
        "phone": contact.phone,
        "street": contact.street,
        "postcode": contact.postcode,
        "city": contact.city,
        "head": contact.head,
    }


def utter_unknown(dispatcher: CollectingDispatcher, language: str) -> None:
    """Honest "I don't know" with the contact from the knowledge base."""
    dispatcher.utter_message(response="utter_unknown",
                             **contact_vars(repository().contact(), language))


class NotOnFile(Exception):
    """The knowledge base lacks what an answer needs: the honest "I don't know" follows."""


def on_file(value: T | None) -> T:
    """``value`` when the knowledge base has it (not None, not empty); else NotOnFile."""
    if value is None or (isinstance(value, Sized) and len(value) == 0):
        raise NotOnFile
    return value


def answer_safely(run: Run) -> Run:
    """Decorator for Action.run: a broken knowledge base gives a calm reply, not silence.

    An action class that declares ``topic`` ("tours", "office", ...) also records it in the
    conversation after answering, so an elliptical follow-up ("Und am Freitag?") is read in
    that topic: each action declares its topic once instead of setting the slot itself.
    """

    @wraps(run)
    async def wrapper(self: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
                      domain: DomainDict) -> Events:
        try:
            events = await run(self, dispatcher, tracker, domain)
        except KnowledgeBaseError:
            logger.exception("knowledge base unavailable in %s", self.name())
            dispatcher.utter_message(response="utter_service_unavailable")
            return []
        topic = getattr(self, "topic", None)
        return [*events, SlotSet(TOPIC_SLOT, topic)] if topic else events

    return wrapper


class KnowledgeAction(Action, ABC):
    """An answer from the knowledge base, in the conversation's language.

    The shared frame of the topic actions: ``run`` (wrapped in :func:`answer_safely`) hands
    :meth:`answer` the language and turns :class:`NotOnFile` into the honest "I don't know"
    with the contact. Rasa SDK skips this class itself, as it is abstract.
    """

    @answer_safely
    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: DomainDict) -> Events:
        language = language_of(tracker)
        try:
            return self.answer(dispatcher, tracker, domain, language)
        except NotOnFile:
            utter_unknown(dispatcher, language)
            return []

    @abstractmethod
    def answer(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict,
               language: str) -> Events:
        """Send the reply to ``dispatcher``; return the events (slots) it sets."""
