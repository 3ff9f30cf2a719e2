"""Glue shared by the topic actions: language, repository, domain wording, source lines.

Wording stays in domain.yml: when an action needs a phrase inside a variable (a topic label,
the reason the office is closed) it reads that response from the domain it is sent.

Easy-read German (Leichte Sprache, slot ``register``) is handled here once, so the topic
actions stay as they are: :func:`language_of` puts the conversation's register in effect for
the action asking, and then :func:`phrase` picks the easy-read variation, the repository hands
out records with their easy-read texts (``records.in_easy_read``) and bot.logic.formatting
writes dates and times the easy-read way (bot/logic/easy_read.py, docs/easy-read.md).
"""

from __future__ import annotations

import logging
from abc import ABC, abstractmethod
from collections.abc import Awaitable, Callable, Sized
from dataclasses import is_dataclass
from functools import lru_cache, wraps
from typing import Any, ClassVar, TypeVar, cast

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from bot.kb import Contact, Fact, KnowledgeBaseError, Repository
from bot.kb.records import in_easy_read
from bot.logic import easy_read, formatting, intents
from bot.logic.language import DEFAULT_LANGUAGE, normalise

logger = logging.getLogger(__name__)
DomainDict = dict[str, Any]
Events = list[dict[str, Any]]
Run = Callable[[Any, CollectingDispatcher, Tracker, DomainDict], Awaitable[Events]]
T = TypeVar("T")
# The slot that says what the conversation is about (domain.yml); follow-up rules read it.
TOPIC_SLOT = "topic"
# Easy-read German or the standard register (domain.yml, decided with the language by NLU).
REGISTER_SLOT = "register"


def language_of(tracker: Tracker) -> str:
    """The reply's language; also puts the conversation's register in effect for the rest of
    this action (every action asks for its language first, so none inherits another's)."""
    language = normalise(tracker.get_slot("language")) or DEFAULT_LANGUAGE
    easy_read.activate(register_of(tracker, language) == easy_read.EASY)
    return language


def register_of(tracker: Tracker, language: str) -> str:
    """'easy' for easy-read German replies, else 'standard' (English has no easy register)."""
    register = easy_read.normalise_register(tracker.get_slot(REGISTER_SLOT))
    if language == easy_read.LANGUAGE and register == easy_read.EASY:
        return easy_read.EASY
    return easy_read.STANDARD


class Reading:
    """The repository as the reply being built reads it: in easy-read German every record
    comes with its easy-read texts in place of the German ones (``records.in_easy_read``)."""

    def __init__(self, store: Repository) -> None:
        self._store = store

    def __getattr__(self, name: str) -> Any:
        found = getattr(self._store, name)
        if not callable(found):
            return found

        @wraps(found)
        def read(*args: Any, **kwargs: Any) -> Any:
            result = found(*args, **kwargs)
            return _in_register(result) if easy_read.in_effect() else result

        return read


def _in_register(result: Any) -> Any:
    if isinstance(result, list | tuple):
        return type(result)(_in_register(item) for item in result)
    return in_easy_read(result) if is_dataclass(result) else result


@lru_cache(maxsize=1)
def repository() -> Repository:
    return cast(Repository, Reading(Repository()))


def is_follow_up(tracker: Tracker) -> bool:
    """Was the message an elliptical follow-up ("und wo?"), to be read in context?"""
    return intents.is_follow_up(tracker.get_intent_of_latest_message() or "")


def phrase(domain: DomainDict, response: str, language: str, *, register: str | None = None,
           **variables: Any) -> str:
    """The text of a domain response in ``language`` with variables filled, chosen as Rasa
    chooses: a variation whose conditions all hold (language, and ``register``, by default
    the one in effect), else the unconditioned German one."""
    if register is None:
        register = easy_read.EASY if easy_read.in_effect() else easy_read.STANDARD
    slots = {"language": language,
             REGISTER_SLOT: register if language == easy_read.LANGUAGE else easy_read.STANDARD}
    variations = domain.get("responses", {}).get(response, [])
    matching = [variation for variation in variations if variation.get("condition") and all(
        slots.get(c.get("name")) == c.get("value") for c in variation["condition"])]
    if not matching and language == DEFAULT_LANGUAGE:  # German: the unconditioned variation
        matching = [variation for variation in variations if not variation.get("condition")]
    if not matching:
        raise KeyError(f"response {response!r} has no {language!r} variation in domain.yml")
    text = matching[0].get("text", "")
    return text.format(**variables) if variables else text


def source_vars(record: Any, language: str) -> dict[str, str]:
    return {"source": record.source, "as_of": formatting.as_of(record.as_of, language)}


def fact_vars(fact: Fact, language: str) -> dict[str, str]:
    """A fact's text and its source line, as every response quoting a fact ({fact}) wants."""
    return {"fact": fact.text_en if language == "en" else fact.text_de,
            **source_vars(fact, language)}


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
        offer_further_questions(dispatcher, tracker)
        topic = getattr(self, "topic", None)
        return [*events, SlotSet(TOPIC_SLOT, topic)] if topic else events

    return wrapper


def offer_further_questions(dispatcher: CollectingDispatcher, tracker: Tracker) -> None:
    """After answering the first of several questions in one message, offer the others as
    buttons that send them as they were typed (read in this answer's context)."""
    further = tracker.latest_message.get(intents.FURTHER_QUESTIONS) or []
    questions = [q.lstrip("/").strip()[:200] for q in further if isinstance(q, str)]
    buttons = [{"title": q, "payload": q} for q in questions if q]
    if buttons:
        dispatcher.utter_message(response="utter_offer_further_questions", buttons=buttons)


class KnowledgeAction(Action, ABC):
    """An answer from the knowledge base, in the conversation's language.

    The shared frame of the topic actions: ``run`` (wrapped in :func:`answer_safely`) hands
    :meth:`answer` the language and turns :class:`NotOnFile` into the honest "I don't know"
    with the contact. Rasa SDK skips this class itself, as it is abstract.

    A subclass declares ``action_name``, the name domain.yml and the stories call it by, and
    may declare ``topic``, what the conversation is about after its answer.
    """

    action_name: ClassVar[str]

    def name(self) -> str:
        return self.action_name

    @answer_safely
    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: DomainDict) -> Events:
        before = easy_read.activate(False)
        try:
            language = language_of(tracker)
            try:
                return self.answer(dispatcher, tracker, domain, language)
            except NotOnFile:
                utter_unknown(dispatcher, language)
                return []
        finally:
            easy_read.deactivate(before)  # the register was this answer's only

    @abstractmethod
    def answer(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict,
               language: str) -> Events:
        """Send the reply to ``dispatcher``; return the events (slots) it sets."""


class OfficeAction(KnowledgeAction, ABC):
    """An answer about the office (hours, contact, a person to talk to): each makes the office
    the conversation's topic."""

    topic = "office"
