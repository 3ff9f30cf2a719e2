"""Rasa NLU component that decides the reply language while the message is parsed.

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
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.model import InvalidModelError
from rasa.shared.core.events import Restarted, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.shared.nlu.constants import ENTITIES, INTENT, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot import ROOT
from bot.logic.language import (
    ProjectClassifier,
    choose_language,
    labelled_examples,
    warm_up,
)
from bot.plugins.nlu_guard import FULL_TEXT

LANGUAGE_ENTITY = "language"
SWITCH_INTENT = "switch_language"
REQUESTED_ENTITY = "target_language"


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


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR, is_trainable=True)
class LanguageDecider(GraphComponent):
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
        self._examples = config.get("examples") or self.get_default_config()["examples"]
        self._model_storage = model_storage
        self._resource = resource
        self.classifier = classifier

    @classmethod
    def create(cls, config: dict[str, Any], model_storage: ModelStorage, resource: Resource,
               execution_context: ExecutionContext) -> LanguageDecider:
        return cls(config, model_storage, resource)

    @classmethod
    def load(cls, config: dict[str, Any], model_storage: ModelStorage, resource: Resource,
             execution_context: ExecutionContext, **kwargs: Any) -> LanguageDecider:
        try:
            with model_storage.read_from(resource) as directory:
                classifier = ProjectClassifier.load(directory / cls.FILE)
        except (ValueError, FileNotFoundError, OSError) as error:
            raise InvalidModelError(
                f"{cls.__name__}: the model archive holds no language classifier ({error}); "
                "retrain the model") from error
        warm_up(classifier)  # load lingua now, not on the first citizen's message
        return cls(config, model_storage, resource, classifier)

    def train(self, training_data: TrainingData) -> Resource:
        root = Path(self._examples)
        root = root if root.is_absolute() else ROOT / root
        self.classifier = ProjectClassifier.fit(labelled_examples(root))
        with self._model_storage.write_to(self._resource) as directory:
            self.classifier.save(directory / self.FILE)
        return self._resource

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        return training_data

    def process(self, messages: list[Message],
                tracker: DialogueStateTracker | None = None) -> list[Message]:
        if self.classifier is None:
            raise InvalidModelError(f"{type(self).__name__} is used before it was trained")
        current = tracker.get_slot(LANGUAGE_ENTITY) if tracker is not None else None
        first = is_first_message(tracker)
        for message in messages:
            language = choose_language(
                current,
                message.get(FULL_TEXT) or message.get(TEXT) or "",
                requested=requested_language(message),
                page_language=page_language(message),
                first_message=first,
                classifier=self.classifier,
            )
            entities = [entity for entity in message.get(ENTITIES) or []
                        if entity.get("entity") != LANGUAGE_ENTITY]
            entities.append({"entity": LANGUAGE_ENTITY, "value": language,
                             "start": 0, "end": 0, "confidence": 1.0,
                             "extractor": type(self).__name__})
            message.set(ENTITIES, entities, add_to_output=True)
        return messages
