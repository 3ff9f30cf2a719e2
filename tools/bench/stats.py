"""Pure functions of the benchmark: percentiles, summaries, the JSON shape and the targets.

Kept free of servers and Rasa imports so that tests/test_bench.py checks them in
milliseconds; timings themselves are never asserted.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

LANGUAGES = ("de", "en")
LEVELS = ("c1", "c20")  # the `latency` block of docs/benchmarks.json (issue 6)
LOAD_LEVELS = (*LEVELS, "c50")  # measured in the load rounds; c50 is reported under `scaling`
STACKS = ("full", "bare")
LATENCY_KEYS = ("p50_ms", "p95_ms", "p99_ms", "msg_per_s")

# Targets of issue 6 (the benchmark reports them; tests never assert times).
F1_RATIO_MIN = 1.0
F1_ABSOLUTE_MIN = 0.95
P95_RATIO_MAX_C20 = 1.3
# Issue 16: faster than the bare bot, flat as conversations and the knowledge base grow.
P95_RATIO_GOAL_C20 = 1.0
THROUGHPUT_RATIO_MIN_C20 = 1.0
LONG_CONVERSATION_RATIO_MAX = 1.2  # message 200 / message 10
LARGE_KB_RATIO_MAX = 1.2  # p95 with the 100x knowledge base / the shipped one
TRAIN_S_MAX = 180.0
RASA_RSS_MB_MAX = 1536.0


def percentile(values: Sequence[float], q: float) -> float:
    """The q-th percentile (0..100) with linear interpolation, as numpy's default.

    Written out so the benchmark's numbers do not depend on a numpy default changing.
    """
    if not values:
        raise ValueError("percentile of no values")
    if not 0 <= q <= 100:
        raise ValueError(f"q must be within 0..100, not {q}")
    ordered = sorted(values)
    rank = (len(ordered) - 1) * q / 100
    low, high = math.floor(rank), math.ceil(rank)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


@dataclass
class Round:
    """One measured round: per-message latencies (s) and the round's wall time (s)."""

    latencies: list[float]
    wall_s: float
    errors: int = 0


def summarise(rounds: Sequence[Round]) -> dict:
    """p50/p95/p99 over all messages of all rounds; throughput = messages / wall time.

    Pooling the rounds (rather than averaging per-round percentiles) keeps p99 meaningful
    when a single round has few messages.
    """
    latencies = [value for r in rounds for value in r.latencies]
    wall = sum(r.wall_s for r in rounds)
    if not latencies or wall <= 0:
        raise ValueError("no successful messages to summarise")
    return {
        "p50_ms": round(percentile(latencies, 50) * 1000, 1),
        "p95_ms": round(percentile(latencies, 95) * 1000, 1),
        "p99_ms": round(percentile(latencies, 99) * 1000, 1),
        "msg_per_s": round(len(latencies) / wall, 2),
        "messages": len(latencies),
        "errors": sum(r.errors for r in rounds),
        "rounds": len(rounds),
    }


def ratio(a: float | None, b: float | None) -> float | None:
    """a / b rounded for the report; None when either side was not measured."""
    if a is None or b is None or b == 0:
        return None
    return round(float(a) / float(b), 3)  # plain floats: numpy scalars break json (bool_)


def build_result(*, cores: int, nlu: Mapping[str, Mapping[str, Mapping[str, float]]] | None,
                 latency: Mapping[str, Mapping[str, Mapping[str, float]]] | None,
                 train_s: float | None, rss_mb: Mapping[str, float | None] | None,
                 model_mb: float | None, extra: Mapping[str, object] | None = None) -> dict:
    """The JSON of issue 6, exactly its keys (None where a phase was skipped), plus ratios.

    nlu: {"project"|"default": {"de"|"en": {"macro_f1", "accuracy", ...}}};
    latency: {"c1"|"c20": {"full"|"bare": {"p50_ms", "p95_ms", "p99_ms", "msg_per_s", ...}}}.
    """
    nlu_out: dict | None = None
    if nlu is not None:
        nlu_out = {
            pipeline: None if nlu.get(pipeline) is None else {
                language: {"macro_f1": round(float(nlu[pipeline][language]["macro_f1"]), 4),
                           "accuracy": round(float(nlu[pipeline][language]["accuracy"]), 4)}
                for language in LANGUAGES
            }
            for pipeline in ("project", "default")
        }
    latency_out: dict | None = None
    if latency is not None:
        latency_out = {
            level: {stack: {key: latency[level][stack][key] for key in LATENCY_KEYS}
                    for stack in STACKS}
            for level in LEVELS
        }
    result: dict = {
        "cores": cores,
        "nlu": nlu_out,
        "latency": latency_out,
        "train_s": None if train_s is None else round(train_s, 1),
        "rss_mb": None if rss_mb is None else {"rasa": rss_mb.get("rasa"),
                                               "actions": rss_mb.get("actions")},
        "model_mb": None if model_mb is None else round(model_mb, 1),
    }
    for key, value in (extra or {}).items():
        result.setdefault(key, value)
    result["ratios"] = ratios(result)
    result["targets"] = targets(result)
    return result


def ratios(result: Mapping) -> dict:
    """project/default macro-F1 and accuracy per language; full/bare latency per level."""
    out: dict = {}
    for key, nlu in (("nlu_project_over_default", result.get("nlu")),
                     ("nlu_heldout_project_over_default", result.get("nlu_heldout"))):
        if nlu and nlu.get("project") and nlu.get("default"):
            out[key] = {
                language: {metric: ratio(nlu["project"][language][metric],
                                         nlu["default"][language][metric])
                           for metric in ("macro_f1", "accuracy")}
                for language in LANGUAGES
            }
    latency = result.get("latency")
    if latency:
        out["latency_full_over_bare"] = {
            level: {key: ratio(latency[level]["full"][key], latency[level]["bare"][key])
                    for key in LATENCY_KEYS}
            for level in LEVELS
        }
    return out


# Issue 11's scope targets and issue 21's follow-up target.
SCOPE_TARGETS = (
    ("inscope_accuracy", "in-scope held-out accuracy", ">= 0.95", lambda v: v >= 0.95),
    ("fallback_share", "in-scope held-out ending in fallback", "<= 0.03", lambda v: v <= 0.03),
    ("oos_wrong_rate", "out-of-scope answered with facts", "<= 0.02", lambda v: v <= 0.02),
)
FOLLOWUP_MIN = 0.9


def targets(result: Mapping) -> list[dict]:
    """Issue 6's targets with the measured value and met (True/False, None = not measured)."""
    rows: list[dict] = []

    def add(name: str, target: str, value: float | None, met: bool | None) -> None:
        rows.append({"target": name, "wanted": target, "value": value, "met": met})

    nlu = result.get("nlu")
    # The pipelines compared on the cross-validation folds when the baseline was
    # cross-validated (--baseline-cv), else on the held-out set.
    ratio_table = result.get("ratios") or ratios(result)
    compared, where = ((ratio_table.get("nlu_project_over_default"), "")
                       if nlu and nlu.get("default") else
                       (ratio_table.get("nlu_heldout_project_over_default"), ", held-out"))
    for language in LANGUAGES:
        f1 = nlu["project"][language]["macro_f1"] if nlu and nlu.get("project") else None
        f1_ratio = compared[language]["macro_f1"] if compared else None
        add(f"NLU macro-F1 ratio project/default ({language}{where})", f">= {F1_RATIO_MIN}",
            f1_ratio, None if f1_ratio is None else f1_ratio >= F1_RATIO_MIN)
        add(f"NLU macro-F1 project ({language})", f">= {F1_ABSOLUTE_MIN}", f1,
            None if f1 is None else f1 >= F1_ABSOLUTE_MIN)
    latency = result.get("latency")
    p95 = (ratio(latency["c20"]["full"]["p95_ms"], latency["c20"]["bare"]["p95_ms"])
           if latency else None)
    add("p95 latency full/bare at 20 conversations", f"<= {P95_RATIO_MAX_C20}", p95,
        None if p95 is None else p95 <= P95_RATIO_MAX_C20)
    add("p95 latency full/bare at 20 conversations (issue 16)", f"<= {P95_RATIO_GOAL_C20}",
        p95, None if p95 is None else p95 <= P95_RATIO_GOAL_C20)
    throughput = (ratio(latency["c20"]["full"]["msg_per_s"], latency["c20"]["bare"]["msg_per_s"])
                  if latency else None)
    add("throughput full/bare at 20 conversations", f">= {THROUGHPUT_RATIO_MIN_C20}",
        throughput, None if throughput is None else throughput >= THROUGHPUT_RATIO_MIN_C20)
    scaling = result.get("scaling") or {}
    for name, numerator, denominator, limit in (
            ("message 200 / message 10 of one conversation", "msg200_ms", "msg10_ms",
             LONG_CONVERSATION_RATIO_MAX),
            ("c20 p95 with the 100x knowledge base / the shipped one", "kb100x_p95_ms",
             "kb1x_p95_ms", LARGE_KB_RATIO_MAX)):
        value = ratio(scaling.get(numerator), scaling.get(denominator))
        add(name, f"<= {limit}", value, None if value is None else value <= limit)
    train_s = result.get("train_s")
    add("training time (s)", f"<= {TRAIN_S_MAX:.0f}", train_s,
        None if train_s is None else train_s <= TRAIN_S_MAX)
    rss = (result.get("rss_mb") or {}).get("rasa")
    add("Rasa server peak RSS (MB)", f"<= {RASA_RSS_MB_MAX:.0f}", rss,
        None if rss is None else rss <= RASA_RSS_MB_MAX)
    scope = result.get("scope") or {}
    followups = result.get("followups") or {}
    for language in LANGUAGES:
        figures = scope.get(language) or {}
        for key, name, wanted, is_met in SCOPE_TARGETS:
            value = figures.get(key)
            add(f"{name} ({language})", wanted, value,
                None if value is None else is_met(value))
        value = (followups.get(language) or {}).get("followup_accuracy")
        add(f"follow-up conversations answered right ({language})",
            f">= {FOLLOWUP_MIN}", value, None if value is None else value >= FOLLOWUP_MIN)
    return rows
