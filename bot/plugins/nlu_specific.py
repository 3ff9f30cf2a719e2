"""Rasa NLU component: a question that names one day is read as a question about that day.

"Hat das Büro am 3. Oktober geöffnet?" shares most of its words with the week's opening hours,
and "Kann ich am 20. September im SMARTCity-Büro vorbeikommen?" leaves the classifier unsure
between three office intents. A person at the counter hears the date and answers for that
day. ``NamedDayReading`` runs after the context prior and before the scope gate: when the
message names one day (the same date reading the action uses, bot/logic/dates.py), a general
office reading becomes the day's (``DAY_READING``), and an unsure reading whose candidates are
mostly about the office (together at least ``minimum_confidence``, the fallback threshold's
bar) becomes the day's as well.
"""

from __future__ import annotations

from typing import Any

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import INTENT, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.logic.clock import now
from bot.logic.dates import names_one_day
from bot.logic.intents import DAY_INTENT, DAY_READING, FALLBACK_INTENT, topic_of


def day_reading(intent: str, ranking: list[dict[str, Any]], minimum: float
                ) -> dict[str, Any] | None:
    """The day's reading of a message that names one day, or None to keep the reading."""
    if intent in DAY_READING:
        return {"name": DAY_READING[intent]}
    if intent != FALLBACK_INTENT:
        return None
    topic = topic_of(DAY_INTENT)
    mass = sum(float(r.get("confidence") or 0.0) for r in ranking
               if r.get("name") != FALLBACK_INTENT and topic_of(str(r.get("name"))) == topic)
    if mass < minimum:
        return None
    return {"name": DAY_INTENT, "confidence": mass}


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=False)
class NamedDayReading(GraphComponent):
    """After the context prior: a named day makes an office question that day's."""

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        return {"minimum_confidence": 0.5}

    def __init__(self, minimum_confidence: float) -> None:
        self.minimum_confidence = minimum_confidence

    @classmethod
    def create(cls, config: dict[str, Any], model_storage: ModelStorage, resource: Resource,
               execution_context: ExecutionContext) -> NamedDayReading:
        return cls(float(config["minimum_confidence"]))

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        return training_data

    def process(self, messages: list[Message]) -> list[Message]:
        for message in messages:
            intent = (message.get(INTENT) or {}).get("name") or ""
            if intent not in DAY_READING and intent != FALLBACK_INTENT:
                continue
            if not names_one_day(message.get(TEXT) or "", now().date()):
                continue
            reading = day_reading(intent, message.get(INTENT_RANKING_KEY) or [],
                                  self.minimum_confidence)
            if reading is not None:
                confidence = reading.get("confidence",
                                         (message.get(INTENT) or {}).get("confidence"))
                message.set(INTENT, {"name": reading["name"], "confidence": confidence},
                            add_to_output=True)
        return messages
