"""Rasa NLU component that decides the reply language (and register) while the message is parsed.

Why here and not in an action: a custom slot mapping action costs one more round trip to the
action server (tracker serialised, sent, answered, validated) on every single message, and
under load that round trip was a third of the latency the full stack adds over a bare Rasa
bot. Rasa hands NLU components that ask for ``tracker`` the conversation so far, which is all
the decision needs (current language, first message or not). The result leaves as an entity
``language``; the slot of the same name is filled from it (domain.yml), so every response
and action sees the language of the message they answer.

Button and typed "/intent{...}" payloads do not pass through the NLU pipeline at all, so
they never change the language; whatever a payload puts into the slot, replies fall back to
German (domain.yml keeps German as the unconditioned variation) and actions normalise it.

The register (easy-read German or standard, bot/logic/easy_read.py) is the other half of the
same decision and needs the same inputs: a spoken request ("Bitte in Leichter Sprache",
intent ``switch_register``), the web page's switch (metadata ``register``) and the language
just decided (English switches back to standard), over the session's messages. It leaves as
an entity ``register`` only when it differs from the slot, so a question replayed after a
switch (action_repeat_answer) usually carries none and cannot switch back.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from rasa.engine.graph import ExecutionContext
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.model import InvalidModelError
from rasa.shared.core.events import Restarted, SessionStarted, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.shared.nlu.constants import ENTITIES, INTENT, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot import ROOT
from bot.logic import easy_read
from bot.logic.language import (
    ProjectClassifier,
    choose_language,
    labelled_examples,
    warm_up,
)
from bot.plugins.nlu_guard import FULL_TEXT
from bot.plugins.nlu_ngrams import StoredModel

LANGUAGE_ENTITY = "language"
SWITCH_INTENT = "switch_language"
REQUESTED_ENTITY = "target_language"
REGISTER_ENTITY = "register"
REGISTER_INTENT = "switch_register"
REQUESTED_REGISTER_ENTITY = "target_register"


def is_first_message(tracker: DialogueStateTracker | None) -> bool:
    """True when the conversation has no user message yet (since the last restart)."""
    if tracker is None:
        return True
    for event in reversed(tracker.events):
        if isinstance(event, UserUttered):
            return False
        if isinstance(event, Restarted):
            return True
    return True


def requested_language(message: Message) -> Any:
    """The language a "please answer in English" message asks for, if it is one."""
    if (message.get(INTENT) or {}).get("name") != SWITCH_INTENT:
        return None
    for entity in message.get(ENTITIES) or []:
        if entity.get("entity") == REQUESTED_ENTITY:
            return entity.get("value")
    return None


def page_language(message: Message) -> Any:
    metadata = message.get("metadata")
    return metadata.get("language") if isinstance(metadata, dict) else None


def requested_register(intent: Any, entities: Any) -> str | None:
    """The register a "Bitte in Leichter Sprache" / "normale Sprache bitte" message asks for;
    a request that names none ("Geht das einfacher?") asks for easy-read German, one that
    names two ("statt normaler Sprache Leichte Sprache") for the last named."""
    if (intent or {}).get("name") != REGISTER_INTENT:
        return None
    named = [easy_read.normalise_register(entity.get("value")) for entity in entities or []
             if entity.get("entity") == REQUESTED_REGISTER_ENTITY]
    return next((register for register in reversed(named) if register), easy_read.EASY)


def page_register(metadata: Any) -> Any:
    return metadata.get(REGISTER_ENTITY) if isinstance(metadata, dict) else None


def earlier_turns(tracker: DialogueStateTracker | None) -> list[easy_read.Turn]:
    """The session's messages so far, for the register: also those Rasa took back (a
    fallback's unclear message still carried the page's switch)."""
    turns: list[easy_read.Turn] = []
    for event in reversed(tracker.events if tracker is not None else []):
        if isinstance(event, (SessionStarted, Restarted)):
            break
        if isinstance(event, UserUttered):
            data = event.parse_data or {}
            entities = data.get(ENTITIES) or []
            turns.append(easy_read.Turn(
                language=next((e.get("value") for e in entities
                               if e.get("entity") == LANGUAGE_ENTITY), None),
                requested=requested_register(data.get(INTENT), entities),
                page=page_register(event.metadata)))
    return turns[::-1]


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR, is_trainable=True)
class LanguageDecider(StoredModel):
    """Last in the pipeline: adds the entity ``language`` ('de' or 'en') to every message.

    Its own classifier is trained with the model from the German and English NLU files
    (``examples``: the folder holding ``de/`` and ``en/``) and stored in the archive; a model
    whose archive lacks it does not load (the assistant must not quietly lose English).
    """

    FILE = "language_classifier.joblib"

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        return {"examples": "data/nlu"}

    def __init__(self, config: dict[str, Any], model_storage: ModelStorage | None = None,
                 resource: Resource | None = None,
                 classifier: ProjectClassifier | None = None) -> None:
        super().__init__(config, model_storage, resource, classifier)
        self._examples = config.get("examples") or self.get_default_config()["examples"]

    @property
    def classifier(self) -> ProjectClassifier | None:
        """The stored model: the language classifier."""
        return self.model  # type: ignore[no-any-return]

    @classmethod
    def load(cls, config: dict[str, Any], model_storage: ModelStorage, resource: Resource,
             execution_context: ExecutionContext, **kwargs: Any) -> LanguageDecider:
        try:
            classifier = cls.read(model_storage, resource)
        except (ValueError, OSError) as error:
            raise InvalidModelError(
                f"{cls.__name__}: the model archive holds no language classifier ({error}); "
                "retrain the model") from error
        warm_up(classifier)  # load lingua now, not on the first citizen's message
        return cls(config, model_storage, resource, classifier)

    @staticmethod
    def from_file(path: Path) -> ProjectClassifier:
        return ProjectClassifier.load(path)

    @staticmethod
    def to_file(model: ProjectClassifier, path: Path) -> None:
        model.save(path)

    def train(self, training_data: TrainingData) -> Resource:
        root = Path(self._examples)
        root = root if root.is_absolute() else ROOT / root
        return self.store(ProjectClassifier.fit(labelled_examples(root)))

    def process(self, messages: list[Message],
                tracker: DialogueStateTracker | None = None) -> list[Message]:
        if self.classifier is None:
            raise InvalidModelError(f"{type(self).__name__} is used before it was trained")
        current = tracker.get_slot(LANGUAGE_ENTITY) if tracker is not None else None
        register_so_far = easy_read.normalise_register(
            tracker.get_slot(REGISTER_ENTITY) if tracker is not None else None
        ) or easy_read.STANDARD
        before = earlier_turns(tracker)
        first = is_first_message(tracker)
        for message in messages:
            wanted = requested_register(message.get(INTENT), message.get(ENTITIES))
            language = choose_language(
                current,
                message.get(FULL_TEXT) or message.get(TEXT) or "",
                # "Leichte Sprache, bitte" in English asks for German too
                requested=requested_language(message)
                or (easy_read.LANGUAGE if wanted == easy_read.EASY else None),
                page_language=page_language(message),
                first_message=first,
                classifier=self.classifier,
            )
            register = easy_read.choose_register([*before, easy_read.Turn(
                language, wanted, page_register(message.get("metadata")))])
            entities = [entity for entity in message.get(ENTITIES) or []
                        if entity.get("entity") not in (LANGUAGE_ENTITY, REGISTER_ENTITY)]
            entities.append(self._decided(LANGUAGE_ENTITY, language))
            if register != register_so_far:
                entities.append(self._decided(REGISTER_ENTITY, register))
            message.set(ENTITIES, entities, add_to_output=True)
        return messages

    def _decided(self, entity: str, value: str) -> dict[str, Any]:
        return {"entity": entity, "value": value, "start": 0, "end": 0, "confidence": 1.0,
                "extractor": type(self).__name__}
