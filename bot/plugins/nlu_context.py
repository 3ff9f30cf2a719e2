"""Rasa NLU component: when unsure, the reading that fits the conversation wins.

"Und wie lange läuft das?" right after the funding answer is either the programme's duration
or an elliptical "how long?"; both mean the same there, but the intent classifier splits its
confidence between them and the FallbackClassifier answers "did you mean ...?". A person at
the counter would not ask back. ``ContextTieBreaker`` runs after the FallbackClassifier with
the conversation Rasa hands in: when the message fell to ``nlu_fallback``, the conversation
has a topic (slot ``topic``, set by the action that answered last), and one of the two best-
ranked intents fits that topic (an intent of the topic, or an elliptical follow-up, which
the dialogue reads in the topic), that intent is taken if the classifier gave it at least
``minimum_confidence`` (0.3). Messages without a topic, and out-of-scope questions, are left
alone."""

from __future__ import annotations

from typing import Any

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.shared.nlu.constants import INTENT, INTENT_RANKING_KEY
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.logic.intents import FALLBACK_INTENT, is_follow_up, topic_of

TOPIC_SLOT = "topic"
CANDIDATES = 2


def fits(intent: str, topic: str) -> bool:
    return is_follow_up(intent) or topic_of(intent) == topic


def contextual_choice(ranking: list[dict[str, Any]], topic: str | None,
                      minimum: float) -> dict[str, Any] | None:
    """Of the best-ranked intents, the first that fits the topic with enough confidence."""
    if not topic:
        return None
    candidates = [r for r in ranking if r.get("name") != FALLBACK_INTENT][:CANDIDATES]
    return next((r for r in candidates
                 if fits(str(r.get("name")), topic) and float(r.get("confidence", 0)) >= minimum),
                None)


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=False)
class ContextTieBreaker(GraphComponent):
    """After the FallbackClassifier: an unsure message takes the reading that fits the topic."""

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        return {"minimum_confidence": 0.3}

    def __init__(self, minimum_confidence: float) -> None:
        self.minimum_confidence = minimum_confidence

    @classmethod
    def create(cls, config: dict[str, Any], model_storage: ModelStorage, resource: Resource,
               execution_context: ExecutionContext) -> ContextTieBreaker:
        return cls(float(config["minimum_confidence"]))

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        return training_data

    def process(self, messages: list[Message],
                tracker: DialogueStateTracker | None = None) -> list[Message]:
        topic = tracker.get_slot(TOPIC_SLOT) if tracker is not None else None
        for message in messages:
            if (message.get(INTENT) or {}).get("name") != FALLBACK_INTENT:
                continue
            choice = contextual_choice(message.get(INTENT_RANKING_KEY) or [], topic,
                                       self.minimum_confidence)
            if choice is not None:
                message.set(INTENT, {"name": choice["name"],
                                     "confidence": choice.get("confidence")},
                            add_to_output=True)
        return messages
