"""Scope figures of one trained model, without retraining (what `make bench` computes after
training on all of data/nlu): in-scope held-out accuracy and fallback share, out-of-scope
held-out questions answered with SMARTCity facts.

    .venv/bin/python -m tools.bench.scope [--model M] [--errors] [--dev [FOLDER]]

--dev scores a development set (bench/dev/, or the folder named, e.g. bench/dev2) instead:
for choosing between variants, so that the held-out figures stay a measurement.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
from pathlib import Path

from tools.bench.load import DEFAULT_SPACY_MODEL, MODEL
from tools.nlu_eval import (
    DEV_DATA,
    FALLBACK_INTENT,
    HELDOUT_FOLD,
    OUT_OF_SCOPE_INTENT,
    Prediction,
    answers_with_facts,
    dev_examples,
    heldout_examples,
    oos_examples,
    scope_scores,
    to_prediction,
)


def predict(model: Path, examples: list[tuple[str, str, str]]) -> list[Prediction]:
    from rasa.core.agent import Agent

    agent = Agent.load(str(model))

    async def parse_all() -> list[dict]:
        return [await agent.parse_message(text) for text, _, _ in examples]

    return [to_prediction(HELDOUT_FOLD, text, language, intent, result)
            for (text, intent, language), result in zip(examples, asyncio.run(parse_all()),
                                                        strict=True)]


def final_intent(prediction: Prediction) -> str:
    return FALLBACK_INTENT if prediction.fallback else prediction.predicted


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", type=Path, default=MODEL)
    parser.add_argument("--errors", action="store_true",
                        help="also list the wrong answers and misunderstood questions")
    parser.add_argument("--dev", type=Path, nargs="?", const=DEV_DATA, default=None,
                        metavar="FOLDER", help="a development set (default bench/dev/; also "
                                               "bench/dev2/) instead of the held-out sets")
    args = parser.parse_args(argv)
    os.environ.setdefault("SPACY_MODEL", DEFAULT_SPACY_MODEL)
    inscope_set, oos_set = (dev_examples(args.dev) if args.dev
                            else (heldout_examples(), oos_examples()))
    inscope = predict(args.model, inscope_set)
    out_of_scope = predict(args.model, oos_set)
    print(json.dumps({language: scope_scores(inscope, out_of_scope, language)
                      for language in ("de", "en")}, indent=1))
    if args.errors:
        for p in out_of_scope:
            if answers_with_facts(final_intent(p)):
                print(f"out of scope, answered as {final_intent(p)} ({p.language}): {p.text}")
            elif final_intent(p) not in (OUT_OF_SCOPE_INTENT, FALLBACK_INTENT):
                # not a wrong answer, but not refused either (e.g. read as a greeting)
                print(f"out of scope, read as {final_intent(p)} ({p.language}): {p.text}")
        for p in inscope:
            if final_intent(p) != p.expected:
                print(f"in scope {p.expected}, got {final_intent(p)} ({p.language}): {p.text}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
