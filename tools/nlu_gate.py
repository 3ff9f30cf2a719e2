"""The scope gate's C and threshold, chosen on the training data only (never the held-out sets).

5-fold stratified out-of-fold predictions (seed 42) of the intent classifier (as configured)
and of the scope gate for each C given; for each C the threshold is the lowest that blocks at
most 1 % of the in-scope examples whose intent would be answered with facts, and the
follow-up threshold the same for the in-scope examples read as elliptical follow-ups. Printed per
language: right / fallback / wrong / net (right - 2 x wrong) after the fallback threshold and
the gate, and the share of out-of-scope examples still answered with facts. The texts are
trimmed of courtesies as the pipeline trims them, but not cleaned, so the figures are a little
below the full pipeline's.

    .venv/bin/python -m tools.nlu_gate --C 4 10 30
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from pathlib import Path

import yaml

from bot import ROOT
from bot.logic.intents import FALLBACK_INTENT, OUT_OF_SCOPE_INTENT, is_factual, is_follow_up
from tools.nlu_eval import NLU_DATA, SEED, WRONG_ANSWER_COST

CONFIG = ROOT / "config.yml"
MAX_BLOCKED = 0.01
THRESHOLDS = [round(0.30 + 0.02 * step, 2) for step in range(33)]


def component(name: str) -> dict:
    pipeline = yaml.safe_load(CONFIG.read_text(encoding="utf-8"))["pipeline"]
    return next(item for item in pipeline if item["name"].endswith(name))


def main(argv: list[str] | None = None) -> int:
    import numpy as np
    from rasa.shared.nlu.training_data.loading import load_data
    from sklearn.model_selection import StratifiedKFold

    from bot.plugins.nlu_guard import learn_courtesies, trim_courtesy
    from bot.plugins.nlu_ngrams import ngram_model
    from bot.plugins.nlu_scope import gate_threshold, scope_model

    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--C", type=float, nargs="+", default=[float(component("ScopeGate")["C"])])
    parser.add_argument("--data", type=Path, default=NLU_DATA)
    args = parser.parse_args(argv)

    data = load_data(str(args.data))
    examples = [e for e in data.intent_examples if e.get("text")]
    courtesies = learn_courtesies(examples)
    raw = [e.get("text") for e in examples]
    texts = [trim_courtesy(text, courtesies) for text in raw]  # what the pipeline learns from
    intents = [e.get("intent") for e in examples]
    language_of = {e.get("text"): language for language in ("de", "en")
                   for e in load_data(str(args.data / language)).intent_examples}
    names = tuple(name for table in data.lookup_tables for name in table["elements"])
    out = [int(intent == OUT_OF_SCOPE_INTENT) for intent in intents]
    splits = list(StratifiedKFold(5, shuffle=True, random_state=SEED).split(texts, intents))
    fallback_threshold = float(component("FallbackClassifier")["threshold"])

    probabilities, classes = None, []
    for train, test in splits:
        model = ngram_model(float(component("NgramIntentClassifier")["C"])).fit(
            [texts[i] for i in train], [intents[i] for i in train])
        fold = model.predict_proba([texts[i] for i in test])
        if probabilities is None:
            probabilities, classes = np.zeros((len(texts), fold.shape[1])), list(model.classes_)
        probabilities[test] = fold
    predicted = [classes[i] for i in probabilities.argmax(1)]
    confidence = probabilities.max(1)

    for c in args.C:
        gate = np.zeros(len(texts))
        for train, test in splits:
            model = scope_model(c, names).fit([texts[i] for i in train], [out[i] for i in train])
            gate[test] = model.predict_proba([texts[i] for i in test])[:, 1]
        def lowest_threshold(kind: Callable[[str], bool], gate: np.ndarray = gate) -> float:
            rows = [i for i in range(len(texts)) if not out[i] and kind(predicted[i])]
            limits = {i: gate_threshold(predicted[i], texts[i], 0.0, 0.0) for i in rows}
            return next(t for t in THRESHOLDS
                        if np.mean([limits[i] is not None and gate[i] >= t
                                    for i in rows]) <= MAX_BLOCKED)

        threshold, follow_up_threshold = (lowest_threshold(is_factual),
                                          lowest_threshold(is_follow_up))

        def final(i: int, threshold: float = threshold, gate: np.ndarray = gate,
                  follow_up_threshold: float = follow_up_threshold) -> str:
            if confidence[i] < fallback_threshold:
                return FALLBACK_INTENT
            limit = gate_threshold(predicted[i], texts[i], threshold, follow_up_threshold)
            if limit is not None and gate[i] >= limit:
                return OUT_OF_SCOPE_INTENT
            return predicted[i]

        print(f"C={c:g}: threshold {threshold:.2f}, follow-up threshold "
              f"{follow_up_threshold:.2f}")
        for language in ("de", "en"):
            rows = [i for i in range(len(texts)) if language_of.get(raw[i]) == language]
            answers = {i: final(i) for i in rows}
            right = np.mean([answers[i] == intents[i] for i in rows])
            fallback = np.mean([answers[i] == FALLBACK_INTENT for i in rows])
            wrong = 1 - right - fallback
            facts = np.mean([is_factual(answers[i]) for i in rows if out[i]])
            print(f"  {language}: right {right:.3f} fallback {fallback:.3f} wrong {wrong:.3f} "
                  f"net {right - WRONG_ANSWER_COST * wrong:.3f} "
                  f"out-of-scope answered with facts {facts:.3f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
