"""Rasa NLU component: the conversation's topic weighs in on what a message means.

"Und wie lange läuft das?" right after the funding answer is the programme's duration; "seit
wann gibt's die?" right after the tours is about the tours, not the programme's start. A
person at the counter reads a short question in the light of what was just said.
``ContextTieBreaker`` runs after the FallbackClassifier with the conversation Rasa hands in:
when the conversation has a topic (slot ``topic``, set by the action that answered last), the
intents that fit it (an intent of the topic, or an elliptical follow-up, which the dialogue
reads in the topic) count ``context_weight`` times as much as the others, as a prior would.
When the best reading after that fits the topic and reaches ``minimum_confidence``, it is
taken, also over a fallback. A clear question about something else keeps its reading (its
evidence outweighs the prior); messages without a topic are left alone, so first questions
and the held-out scope figures do not depend on it.
"""

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


def fits(intent: str, topic: str) -> bool:
    return is_follow_up(intent) or topic_of(intent) == topic


def in_context(ranking: list[dict[str, Any]], topic: str | None, weight: float,
               minimum: float) -> dict[str, Any] | None:
    """The best reading with the topic as a prior, if it fits the topic and is sure enough."""
    if not topic:
        return None
    weighted = [(float(r.get("confidence") or 0.0)
                 * (weight if fits(str(r.get("name")), topic) else 1.0), r)
                for r in ranking if r.get("name") != FALLBACK_INTENT]
    total = sum(score for score, _ in weighted)
    if not total:
        return None
    score, best = max(weighted, key=lambda pair: pair[0])
    if not fits(str(best.get("name")), topic) or score / total < minimum:
        return None
    return {"name": best["name"], "confidence": score / total}


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=False)
class ContextTieBreaker(GraphComponent):
    """After the FallbackClassifier: the topic as a prior over the intent ranking."""

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        return {"minimum_confidence": 0.3, "context_weight": 3.0}

    def __init__(self, minimum_confidence: float, context_weight: float) -> None:
        self.minimum_confidence = minimum_confidence
        self.context_weight = context_weight

    @classmethod
    def create(cls, config: dict[str, Any], model_storage: ModelStorage, resource: Resource,
               execution_context: ExecutionContext) -> ContextTieBreaker:
        return cls(float(config["minimum_confidence"]), float(config["context_weight"]))

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        return training_data

    def process(self, messages: list[Message],
                tracker: DialogueStateTracker | None = None) -> list[Message]:
        topic = tracker.get_slot(TOPIC_SLOT) if tracker is not None else None
        for message in messages:
            choice = in_context(message.get(INTENT_RANKING_KEY) or [], topic,
                                self.context_weight, self.minimum_confidence)
            if choice is not None and choice["name"] != (message.get(INTENT) or {}).get("name"):
                message.set(INTENT, {"name": choice["name"],
                                     "confidence": choice.get("confidence")},
                            add_to_output=True)
        return messages
