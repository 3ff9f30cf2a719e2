"""NLU quality: the project's pipeline against Rasa's default pipeline on the same folds.

Reuses bot.nlu_eval (stratified folds with a fixed seed, in-process training per fold,
per-language scores), so `make cv` and `make bench` can never disagree on how they score.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from bot.bench.stats import LANGUAGES

ROOT = Path(__file__).resolve().parents[2]
PROJECT_CONFIG = ROOT / "config.yml"
DEFAULT_CONFIG = ROOT / "bench" / "default_pipeline.yml"


def compare(n_folds: int, progress: Callable[[str], None]) -> dict:
    """{"project"|"default": {"de"|"en": {"macro_f1", "accuracy", "examples"}}}."""
    from bot.nlu_eval import cross_validate, scores

    out: dict = {}
    for name, config in (("project", PROJECT_CONFIG), ("default", DEFAULT_CONFIG)):
        predictions = cross_validate(config, n_folds, progress=progress)
        out[name] = {}
        for language in LANGUAGES:
            result = scores(predictions, language)
            out[name][language] = {key: result[key]
                                   for key in ("macro_f1", "accuracy", "examples")}
    return out
