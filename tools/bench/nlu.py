"""NLU quality: the project's pipeline against Rasa's default pipeline on the same folds.

Reuses tools.nlu_eval (stratified folds with a fixed seed, in-process training per fold,
per-language scores), so `make cv` and `make bench` can never disagree on how they score.
"""

from __future__ import annotations

from collections.abc import Callable

from bot import ROOT
from tools.bench.stats import LANGUAGES

PROJECT_CONFIG = ROOT / "config.yml"
DEFAULT_CONFIG = ROOT / "bench" / "default_pipeline.yml"


PIPELINES = (("project", PROJECT_CONFIG), ("default", DEFAULT_CONFIG))


def _summary(predictions: list, language: str) -> dict:
    from tools.nlu_eval import scores

    result = scores(predictions, language)
    return {key: result[key] for key in ("macro_f1", "accuracy", "examples")}


def compare(n_folds: int, progress: Callable[[str], None], baseline: bool) -> dict:
    """{"project"|"default": {"de"|"en": {"macro_f1", "accuracy", "examples"}}}; "default"
    is None unless `baseline`: Rasa's default pipeline costs about 35 minutes per training
    on this machine's 7,000 examples (docs/benchmarks-history.md), so its five folds are an
    opt-in (`--baseline-cv`) and a plain run compares the pipelines on the held-out set."""
    from tools.nlu_eval import cross_validate

    out: dict = {"default": None}
    for name, config in PIPELINES if baseline else PIPELINES[:1]:
        predictions = cross_validate(config, n_folds, progress=progress)
        out[name] = {language: _summary(predictions, language) for language in LANGUAGES}
    return out


def compare_heldout(progress: Callable[[str], None]) -> tuple[dict, dict] | None:
    """The same for bench/heldout (both pipelines trained on all of data/nlu), plus the scope
    figures of each pipeline on the in-scope and out-of-scope held-out sets; None if absent.

    Returns ({"project"|"default": {language: summary}},
             {"project"|"default": {language: scope scores}}).
    """
    from tools.nlu_eval import (
        OUT_OF_SCOPE_INTENT,
        evaluate_heldout,
        heldout_examples,
        oos_examples,
        scope_scores,
    )

    examples = heldout_examples()
    if not examples:
        return None
    out_of_scope = oos_examples()
    summary: dict = {}
    scope: dict = {}
    for name, config in PIPELINES:
        predictions = evaluate_heldout(config, progress, examples + out_of_scope)
        inscope = predictions[:len(examples)]
        oos = [p for p in predictions[len(examples):] if p.expected == OUT_OF_SCOPE_INTENT]
        summary[name] = {language: _summary(inscope, language) for language in LANGUAGES}
        scope[name] = {language: scope_scores(inscope, oos, language)
                       for language in LANGUAGES}
    return summary, scope
