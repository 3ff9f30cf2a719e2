"""The n-gram model's weights are laid out for prediction without changing a single score."""

from __future__ import annotations

import numpy as np

from bot.plugins.nlu_ngrams import ngram_model, prediction_ready


def test_prediction_ready_keeps_the_scores_and_needs_no_copy() -> None:
    texts = [f"Wann ist die nächste Tour {n}?" for n in range(6)] + \
            [f"Wie wird das Wetter am Strand {n}?" for n in range(6)] + \
            [f"Wer fördert das Projekt {n}?" for n in range(6)]
    labels = ["tour"] * 6 + ["weather"] * 6 + ["funding"] * 6
    model = ngram_model(10.0).fit(texts, labels)
    before = model.predict_proba(["wann ist die nächste tour", "Wetter morgen?"])
    assert not model.steps[-1][1].coef_.T.flags["C_CONTIGUOUS"]
    prediction_ready(model)
    assert model.steps[-1][1].coef_.T.flags["C_CONTIGUOUS"]
    assert np.array_equal(model.predict_proba(["wann ist die nächste tour", "Wetter morgen?"]),
                          before)
