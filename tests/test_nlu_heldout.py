"""The trained model on realistic questions it never saw (bench/heldout/): a regression floor.

The numbers the project reports come from `make bench`; this only catches a change to the
data or the pipeline that makes the assistant clearly worse at understanding citizens.
"""

from __future__ import annotations

import pytest

from tools.bench.scope import predict
from tools.nlu_eval import heldout_examples, oos_examples, scope_scores, scores

# Measured 0.851 (de) and 0.897 (en) when the set was written; a drop below this is a bug.
ACCURACY_FLOOR = 0.8
# Scope floors, a little below what `python -m tools.bench.scope` measured on the trained
# model (docs/nlu-experiments.md, "Scope"):
# final-intent accuracy and fallback share on the in-scope set, wrong answers (SMARTCity
# facts) on the out-of-scope set.
SCOPE_FLOORS = {
    # Measured on 2026-12-01 (stop 18: about 960 new in-scope examples per language written
    # apart from the held-out sets, thresholds again by tools.nlu_gate, docs/nlu-experiments.md):
    # de 0.949 / 0.023 / 0.010, en 0.943 / 0.029 / 0.011; with the second round of examples
    # de 0.954 / 0.029 / 0.010, en 0.960 / 0.011 / 0.010. The classifier trains
    # deterministically (lbfgs), but edited examples move these; each floor sits about 0.025
    # beyond the measurement (the wrong-answer floor 0.015), so it catches a real regression,
    # not a few edited examples.
    "de": {"inscope_accuracy": 0.929, "fallback_share": 0.054, "oos_wrong_rate": 0.025},
    "en": {"inscope_accuracy": 0.935, "fallback_share": 0.036, "oos_wrong_rate": 0.025},
}


@pytest.fixture(scope="module")
def heldout_predictions(trained_model):
    return predict(trained_model, heldout_examples())


@pytest.fixture(scope="module")
def oos_predictions(trained_model):
    return predict(trained_model, oos_examples())


@pytest.mark.parametrize("language", ["de", "en"])
def test_scope_stays_above_the_floors(heldout_predictions, oos_predictions, language):
    measured = scope_scores(heldout_predictions, oos_predictions, language)
    floor = SCOPE_FLOORS[language]
    assert measured["oos_n"] >= 300 and measured["inscope_n"] >= 150
    assert measured["inscope_accuracy"] >= floor["inscope_accuracy"], measured
    assert measured["fallback_share"] <= floor["fallback_share"], measured
    assert measured["oos_wrong_rate"] <= floor["oos_wrong_rate"], measured


# Out-of-scope questions read as elliptical follow-ups: asked back without a conversation, but
# answered with the topic's facts inside one. 7 of the held-out set's on 2026-12-01, stop 18
# (4 before its second round of examples; 9 at stop 17, 18 before follow-ups were gated).
FOLLOW_UP_READINGS_MAX = 9


def test_few_out_of_scope_questions_pass_for_follow_ups(oos_predictions):
    from bot.logic.intents import is_follow_up
    from tools.bench.scope import final_intent

    read_as_follow_ups = [p.text for p in oos_predictions
                          if p.expected == "out_of_scope" and is_follow_up(final_intent(p))]
    assert len(read_as_follow_ups) <= FOLLOW_UP_READINGS_MAX, read_as_follow_ups


@pytest.mark.parametrize("language", ["de", "en"])
def test_held_out_accuracy_stays_above_the_floor(heldout_predictions, language):
    result = scores(heldout_predictions, language)
    assert result["examples"] >= 150
    assert result["accuracy"] >= ACCURACY_FLOOR, result["accuracy"]


def test_held_out_questions_are_answered_in_their_language(heldout_predictions):
    """The language component, run without a conversation, on every held-out question."""
    from bot.logic.language import choose_language

    wrong = [p.text for p in heldout_predictions
             if len(p.text.split()) >= 3
             and choose_language(None, p.text, first_message=True) != p.language]
    assert len(wrong) <= 0.02 * len(heldout_predictions), wrong
