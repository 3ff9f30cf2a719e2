"""Rasa NLU component: a second opinion on scope before a factual answer.

The intent classifier learns ``out_of_scope`` as one intent among many, and a question from
another domain that shares a word with SMARTCity ("In welcher Phase ist der Mond?", "funding
for my new heating") can still win a factual intent with high confidence. ``ScopeGate`` is a
separate binary classifier (character and word n-grams, logistic regression) trained on the
same NLU data: everything in scope against the ``out_of_scope`` examples. When the
classifier picks an intent that would be answered with SMARTCity facts and the gate says
"out of scope" with at least ``threshold`` probability, the message becomes
``out_of_scope``: a refusal with the right referral costs a citizen less than a confident
wrong fact. The threshold comes from cross-validation on the training data (docs/nlu-
experiments.md), never from held-out sets."""

from __future__ import annotations

from typing import Any

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.shared.nlu.constants import INTENT, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.logic.intents import OUT_OF_SCOPE_INTENT, is_factual
from bot.plugins.nlu_ngrams import StoredModel, ngram_model

SCOPE_PROBABILITY = "scope_out_probability"


def scope_training_set(training_data: TrainingData) -> tuple[list[str], list[int]]:
    """(texts, 1 for out_of_scope / 0 for everything else) from the NLU examples."""
    texts, labels = [], []
    for example in training_data.intent_examples:
        texts.append(example.get(TEXT) or "")
        labels.append(int(example.get(INTENT) == OUT_OF_SCOPE_INTENT))
    return texts, labels


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=True)
class ScopeGate(StoredModel):
    """After the intent classifier and the FallbackClassifier: factual intents the gate calls
    out of scope become ``out_of_scope``."""

    FILE = "scope_gate.joblib"

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        return {"threshold": 0.6, "C": 4.0}

    def train(self, training_data: TrainingData) -> Resource:
        texts, labels = scope_training_set(training_data)
        if 0 < sum(labels) < len(labels):
            return self.store(ngram_model(float(self.config["C"]), "balanced")
                              .fit(texts, labels))
        return self._resource

    def process(self, messages: list[Message]) -> list[Message]:
        if self.model is None:
            return messages
        for message in messages:
            intent = (message.get(INTENT) or {}).get("name") or ""
            if not is_factual(intent):  # meta intents and follow-ups are not gated
                continue
            probability = float(self.model.predict_proba([message.get(TEXT) or ""])[0][1])
            message.set(SCOPE_PROBABILITY, probability, add_to_output=True)
            if probability >= float(self.config["threshold"]):
                verdict = {"name": OUT_OF_SCOPE_INTENT, "confidence": probability}
                ranking = [verdict] + [r for r in message.get(INTENT_RANKING_KEY) or []
                                       if r.get("name") != OUT_OF_SCOPE_INTENT]
                message.set(INTENT, verdict, add_to_output=True)
                message.set(INTENT_RANKING_KEY, ranking, add_to_output=True)
        return messages
