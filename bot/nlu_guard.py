"""Rasa NLU components that keep bad input away from the model.

``InputCleaner`` runs first: it removes control and bidi-override characters, normalises
Unicode and cuts the text to what the model needs, so a 100 kB paste costs microseconds
instead of half a minute. ``InputVerdict`` runs last: for a message with no words or one far
too long, it sets the intent ``bad_input`` (answered calmly by a rule; nothing else changes).
"""

from __future__ import annotations

import unicodedata
from typing import Any

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import ENTITIES, INTENT, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

# Longer messages are not questions a citizen types; they get the bad-input reply.
MAX_MESSAGE_CHARS = 2000
PROBLEM = "input_problem"
BAD_INPUT_INTENT = "bad_input"


def clean_text(text: str) -> tuple[str, str | None]:
    """(cleaned text, problem) where problem is None, "empty" or "too_long"."""
    text = text or ""
    too_long = len(text) > MAX_MESSAGE_CHARS
    text = unicodedata.normalize("NFC", text[: MAX_MESSAGE_CHARS * 2])
    kept = []
    for char in text:
        category = unicodedata.category(char)
        if category in ("Cc", "Cf", "Cs", "Co", "Cn"):
            kept.append(" ")
        else:
            kept.append(char)
    cleaned = " ".join("".join(kept).split())[:MAX_MESSAGE_CHARS]
    if too_long:
        return cleaned, "too_long"
    if not any(char.isalpha() for char in cleaned):
        return cleaned, "empty"
    return cleaned, None


class _Stateless(GraphComponent):
    @classmethod
    def create(cls, config: dict[str, Any], model_storage: ModelStorage, resource: Resource,
               execution_context: ExecutionContext) -> _Stateless:
        return cls()


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.MESSAGE_FEATURIZER, is_trainable=False)
class InputCleaner(_Stateless):
    """First in the pipeline: clean and shorten the text before tokenising."""

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        return training_data

    def process(self, messages: list[Message]) -> list[Message]:
        for message in messages:
            cleaned, problem = clean_text(message.get(TEXT) or "")
            message.set(TEXT, cleaned)
            if problem:
                message.set(PROBLEM, problem)
        return messages


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=False)
class InputVerdict(_Stateless):
    """Last in the pipeline: empty or oversized messages become intent ``bad_input``."""

    def process(self, messages: list[Message]) -> list[Message]:
        for message in messages:
            if message.get(PROBLEM):
                verdict = {"name": BAD_INPUT_INTENT, "confidence": 1.0}
                message.set(INTENT, verdict, add_to_output=True)
                message.set(INTENT_RANKING_KEY, [verdict], add_to_output=True)
                message.set(ENTITIES, [], add_to_output=True)
        return messages
