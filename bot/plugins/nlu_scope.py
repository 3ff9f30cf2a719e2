"""Rasa NLU component: a second opinion on scope before a factual answer.

The intent classifier learns ``out_of_scope`` as one intent among many, and a question from
another domain that shares a word with SMARTCity ("In welcher Phase ist der Mond?", "funding
for my new heating") can still win a factual intent with high confidence. ``ScopeGate`` is a
separate binary classifier (character and word n-grams, logistic regression) trained on the
same NLU data: everything in scope against the ``out_of_scope`` examples. When the
classifier picks an intent that would be answered with SMARTCity facts and the gate says
"out of scope" with at least ``threshold`` probability, the message becomes
``out_of_scope``: a refusal with the right referral costs a citizen less than a confident
wrong fact. A message that names the programme (``PROGRAMME_NAMES``) is not gated: a long
message that tells who is asking before it asks about SMARTCity holds many words the domain
never uses, and no out-of-scope example names the programme. Elliptical follow-ups are gated
too, with their own ``follow_up_threshold``: in a conversation about the tours, "How long
does it take to get a passport?" reads as "and how long?" and would be answered with the
tour's length. Both thresholds come from cross-validation on the training data (`python -m
tools.nlu_gate`, docs/nlu-experiments.md), never from held-out sets."""

from __future__ import annotations

from typing import Any

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.shared.nlu.constants import INTENT, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.logic.intents import OUT_OF_SCOPE_INTENT, PROGRAMME_NAMES, is_factual, is_follow_up
from bot.logic.matching import mentions_any
from bot.logic.vocabulary import Vocabulary
from bot.plugins.nlu_ngrams import StoredModel, ngram_features

SCOPE_PROBABILITY = "scope_out_probability"
# The count of unknown words is cut here: a fourth stranger adds no evidence.
MAX_UNKNOWN_WORDS = 3


class UnknownWords:
    """scikit-learn transformer: how many of a message's content words the in-scope
    examples and the lookup tables (``known_texts``: the knowledge base's names and the words of
    its own texts, bot/kb/cli.py) never use (bot/logic/vocabulary.py).

    In training, an in-scope example's own words would always be known, so the model would
    learn that in-scope questions never hold a stranger. ``fit_transform`` therefore counts
    each training example against the vocabulary of the other folds, as a new question meets
    the vocabulary of all of them."""

    def __init__(self, known_texts: tuple[str, ...] = (), folds: int = 5) -> None:
        self.known_texts = known_texts
        self.folds = folds

    def get_params(self, deep: bool = True) -> dict[str, Any]:
        return {"known_texts": self.known_texts, "folds": self.folds}

    def set_params(self, **params: Any) -> UnknownWords:
        for key, value in params.items():
            setattr(self, key, value)
        return self

    def _vocabulary(self, texts: list[str], labels: list[int]) -> Vocabulary:
        in_scope = [text for text, label in zip(texts, labels, strict=True) if not label]
        return Vocabulary([*in_scope, *self.known_texts])

    def fit(self, texts: list[str], labels: list[int]) -> UnknownWords:
        self.vocabulary_ = self._vocabulary(list(texts), list(labels))
        return self

    def transform(self, texts: list[str]) -> Any:
        return self._counts(self.vocabulary_, list(texts))

    def fit_transform(self, texts: list[str], labels: list[int]) -> Any:
        import numpy as np

        texts, labels = list(texts), list(labels)
        self.fit(texts, labels)
        counts = np.zeros((len(texts), 2))
        for fold in range(self.folds):
            held = [i for i in range(len(texts)) if i % self.folds == fold]
            rest = [i for i in range(len(texts)) if i % self.folds != fold]
            vocabulary = self._vocabulary([texts[i] for i in rest], [labels[i] for i in rest])
            counts[held] = self._counts(vocabulary, [texts[i] for i in held])
        return counts

    @staticmethod
    def _counts(vocabulary: Vocabulary, texts: list[str]) -> Any:
        import numpy as np

        rows = []
        for text in texts:
            unknown = min(len(vocabulary.unknown_words(text)), MAX_UNKNOWN_WORDS)
            rows.append((unknown / MAX_UNKNOWN_WORDS, float(unknown > 0)))
        return np.array(rows, dtype=float).reshape(len(texts), 2)


def scope_model(c: float, known_texts: tuple[str, ...] = ()) -> Any:
    """The gate's model: the intent classifier's n-grams plus the unknown-word count."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline, make_union

    return make_pipeline(make_union(ngram_features(), UnknownWords(known_texts)),
                         LogisticRegression(C=c, max_iter=3000, class_weight="balanced"))


def scope_training_set(training_data: TrainingData) -> tuple[list[str], list[int]]:
    """(texts, 1 for out_of_scope / 0 for everything else) from the NLU examples."""
    texts, labels = [], []
    for example in training_data.intent_examples:
        texts.append(example.get(TEXT) or "")
        labels.append(int(example.get(INTENT) == OUT_OF_SCOPE_INTENT))
    return texts, labels


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=True)
class ScopeGate(StoredModel):
    """After the intent classifier and the FallbackClassifier: factual intents and follow-ups
    the gate calls out of scope become ``out_of_scope``."""

    FILE = "scope_gate.joblib"

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        return {"threshold": 0.58, "follow_up_threshold": 0.82, "C": 10.0}

    def train(self, training_data: TrainingData) -> Resource:
        texts, labels = scope_training_set(training_data)
        if 0 < sum(labels) < len(labels):
            names = tuple(name for table in training_data.lookup_tables
                          for name in table["elements"])
            return self.store(scope_model(float(self.config["C"]), names).fit(texts, labels))
        return self._resource

    def process(self, messages: list[Message]) -> list[Message]:
        if self.model is None:
            return messages
        for message in messages:
            intent = (message.get(INTENT) or {}).get("name") or ""
            threshold = gate_threshold(intent, message.get(TEXT) or "",
                                       float(self.config["threshold"]),
                                       float(self.config["follow_up_threshold"]))
            if threshold is None:  # meta intents, or SMARTCity asked about by name
                continue
            probability = float(self.model.predict_proba([message.get(TEXT) or ""])[0][1])
            message.set(SCOPE_PROBABILITY, probability, add_to_output=True)
            if probability >= threshold:
                rule_out_of_scope(message, probability)
        return messages


def gate_threshold(intent: str, text: str, factual: float, follow_up: float) -> float | None:
    """The gate's threshold for a reading: factual intents and elliptical follow-ups each
    have their own; None for meta intents (greet, help, ...) and for a message that names the
    programme, which are never gated. Also what tools/nlu_gate applies, so the rule it
    measures is the one that runs."""
    if mentions_any(text, PROGRAMME_NAMES):
        return None
    if is_factual(intent):
        return factual
    if is_follow_up(intent):
        return follow_up
    return None


def rule_out_of_scope(message: Message, confidence: float) -> None:
    """Make ``out_of_scope`` the message's intent, first in its ranking."""
    verdict = {"name": OUT_OF_SCOPE_INTENT, "confidence": confidence}
    ranking = [verdict] + [r for r in message.get(INTENT_RANKING_KEY) or []
                           if r.get("name") != OUT_OF_SCOPE_INTENT]
    message.set(INTENT, verdict, add_to_output=True)
    message.set(INTENT_RANKING_KEY, ranking, add_to_output=True)
