"""Rasa NLU components built on one linear model over character and word n-grams.

Citizens' questions are short, often misspelt, and German compounds carry the meaning in
their parts ("Stadtrundgangstermin"). Character n-grams within words plus words and word
pairs, weighted by TF-IDF, with a logistic regression on top, read such text well and train
in seconds; measured against DIET on the held-out sets in docs/nlu-experiments.md.
``NgramIntentClassifier`` names the intent; ``ScopeGate`` (bot/plugins/nlu_scope.py) uses the
same features for its in/out-of-scope opinion.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import joblib
from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import INTENT, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.plugins.nlu_source import CodeFingerprinted


def ngram_features() -> Any:
    """Character n-grams within words (typos, compounds) plus words and word pairs."""
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.pipeline import make_union

    return make_union(
        TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), sublinear_tf=True, min_df=2),
        TfidfVectorizer(analyzer="word", ngram_range=(1, 2), sublinear_tf=True),
    )


def ngram_model(c: float, class_weight: str | None = None) -> Any:
    """The n-gram features and one linear model over them."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline

    return make_pipeline(ngram_features(), LogisticRegression(C=c, max_iter=3000,
                                                              class_weight=class_weight))


def prediction_ready(model: Any) -> Any:
    """The model with each linear layer's weights in column order (same numbers).

    A linear model scores as ``X @ coef_.T``; scikit-learn stores ``coef_`` row by row, so
    for a sparse X scipy first copies ``coef_.T`` into row order, on every message: 51
    intents x 34,500 n-grams made that 8 of the intent classifier's 12 ms (issue 16). Kept
    in column order, ``coef_.T`` already is in row order and nothing is copied.
    """
    import numpy as np

    for step in getattr(model, "steps", [(None, model)]):
        estimator = step[1]
        if isinstance(getattr(estimator, "coef_", None), np.ndarray):
            estimator.coef_ = np.asfortranarray(estimator.coef_)
    return model


class StoredModel(CodeFingerprinted, GraphComponent):
    """A trainable component whose whole state is one fitted model, kept in Rasa's model
    storage as the file ``FILE`` (an archive without it loads as untrained). The model is a
    scikit-learn model written with joblib unless a subclass says otherwise in ``from_file``
    and ``to_file``."""

    FILE = "model.joblib"

    def __init__(self, config: dict[str, Any], model_storage: ModelStorage | None = None,
                 resource: Resource | None = None, model: Any = None) -> None:
        self.config = config
        self._model_storage = model_storage
        self._resource = resource
        self.model = model

    @classmethod
    def create(cls, config: dict[str, Any], model_storage: ModelStorage, resource: Resource,
               execution_context: ExecutionContext) -> StoredModel:
        return cls(config, model_storage, resource)

    @classmethod
    def load(cls, config: dict[str, Any], model_storage: ModelStorage, resource: Resource,
             execution_context: ExecutionContext, **kwargs: Any) -> StoredModel:
        try:
            model = cls.read(model_storage, resource)
        except (ValueError, FileNotFoundError):
            model = None
        return cls(config, model_storage, resource, model)

    @classmethod
    def read(cls, model_storage: ModelStorage, resource: Resource) -> Any:
        """The stored model; ValueError (no such resource) or OSError (no file) when the
        archive holds none."""
        with model_storage.read_from(resource) as directory:
            return cls.from_file(directory / cls.FILE)

    def store(self, model: Any) -> Resource:
        self.model = prediction_ready(model)
        with self._model_storage.write_to(self._resource) as directory:
            self.to_file(model, directory / self.FILE)
        return self._resource

    @staticmethod
    def from_file(path: Path) -> Any:
        return prediction_ready(joblib.load(path))

    @staticmethod
    def to_file(model: Any, path: Path) -> None:
        joblib.dump(model, path)

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        return training_data


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=True)
class NgramIntentClassifier(StoredModel):
    """The intent and a ranking of the best alternatives, from the message's n-grams."""

    FILE = "intent_model.joblib"

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        return {"C": 30.0, "ranking_length": 10}

    def train(self, training_data: TrainingData) -> Resource:
        examples = [e for e in training_data.intent_examples if e.get(TEXT)]
        if len({e.get(INTENT) for e in examples}) < 2:
            return self._resource
        return self.store(ngram_model(float(self.config["C"])).fit(
            [e.get(TEXT) for e in examples], [e.get(INTENT) for e in examples]))

    def process(self, messages: list[Message]) -> list[Message]:
        if self.model is None:
            return messages
        length = int(self.config["ranking_length"])
        for message in messages:
            probabilities = self.model.predict_proba([message.get(TEXT) or ""])[0]
            ranking = sorted(({"name": str(name), "confidence": float(p)}
                              for name, p in zip(self.model.classes_, probabilities, strict=True)),
                             key=lambda r: -r["confidence"])[:length]
            message.set(INTENT, ranking[0], add_to_output=True)
            message.set(INTENT_RANKING_KEY, ranking, add_to_output=True)
        return messages
