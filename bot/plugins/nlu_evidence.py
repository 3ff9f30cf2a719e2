"""Rasa NLU component: a question about one named thing must name it.

"Was ist agiles Projektmanagement?" and "What is Pythagoras' theorem?" have the shape of the
project question "Was ist der Mängelmelder?", and the classifier reads the shape. The project
question can only be answered when a project is named, or at least asked about as a project
("Was ist das Projekt Seilbahn?" gets the honest "I know no such project"). ``SubjectEvidence``
learns the names from the lookup tables at training time (generated from the knowledge base)
and, for the intents in ``NEEDS_SUBJECT``, turns a reading without its subject into
``out_of_scope``, unless the conversation is already about that topic (then the question is
about the thing last named). Names are matched with the actions' own fuzzy matcher.

The same evidence counts the other way: a message the classifier was unsure about ("What are
smart bins?" ended in "did you mean") that names a project found by the lookup tables, and
has the project question among its ``CANDIDATES`` likeliest readings, is the project
question. Out of fold on the training data, all 8 such messages were.
"""

from __future__ import annotations

from typing import Any

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.shared.nlu.constants import ENTITIES, INTENT, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.logic.intents import FALLBACK_INTENT, NEEDS_SUBJECT, topic_of
from bot.logic.matching import mentions_any, names_one_of
from bot.plugins.nlu_context import TOPIC_SLOT
from bot.plugins.nlu_ngrams import StoredModel
from bot.plugins.nlu_scope import rule_out_of_scope


def names_subject(text: str, entities: list[dict[str, Any]], table: str,
                  names: list[str], kind_words: tuple[str, ...]) -> bool:
    if any(entity.get("entity") == table for entity in entities):
        return True
    return mentions_any(text, kind_words) or names_one_of(text, names)


#: How far down the ranking a named subject's question may be and still be taken.
CANDIDATES = 3


def subject_reading(ranking: list[dict[str, Any]],
                    entities: list[dict[str, Any]]) -> dict[str, Any] | None:
    """The question about the subject the message names (its ranking entry), if the
    classifier had it among its ``CANDIDATES`` likeliest readings; for a message that ended
    in "did you mean"."""
    likeliest = [r for r in ranking if r.get("name") != FALLBACK_INTENT][:CANDIDATES]
    named = {entity.get("entity") for entity in entities}
    return next(({"name": r["name"], "confidence": r.get("confidence")} for r in likeliest
                 if r.get("name") in NEEDS_SUBJECT and NEEDS_SUBJECT[r["name"]][0] in named),
                None)


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=True)
class SubjectEvidence(StoredModel):
    """After the entity extractor: a reading that needs a named subject and has none
    becomes ``out_of_scope``; an unsure one that names it becomes the subject's question."""

    FILE = "subject_names.joblib"

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        return {}

    def train(self, training_data: TrainingData) -> Resource:
        tables = {table for table, _ in NEEDS_SUBJECT.values()}
        names = {table["name"]: list(table["elements"])
                 for table in training_data.lookup_tables if table["name"] in tables}
        return self.store(names)

    def process(self, messages: list[Message],
                tracker: DialogueStateTracker | None = None) -> list[Message]:
        topic = tracker.get_slot(TOPIC_SLOT) if tracker is not None else None
        for message in messages:
            intent = (message.get(INTENT) or {}).get("name") or ""
            if intent == FALLBACK_INTENT:
                reading = subject_reading(message.get(INTENT_RANKING_KEY) or [],
                                          message.get(ENTITIES) or [])
                if reading:
                    message.set(INTENT, reading, add_to_output=True)
                continue
            if intent not in NEEDS_SUBJECT or topic_of(intent) == topic:
                continue
            table, kind_words = NEEDS_SUBJECT[intent]
            if names_subject(message.get(TEXT) or "", message.get(ENTITIES) or [], table,
                             (self.model or {}).get(table, []), kind_words):
                continue
            rule_out_of_scope(message, 1.0)
        return messages
