"""Per-part timings behind issue 16's levers, in one process (no servers):

    .venv/bin/python -m tools.bench.micro [--model models/smartcity.tar.gz]
        [--large-model var/bench/kb100x.tar.gz] [--large-db var/bench/kb100x/kb.sqlite3]

- knowledge-base reads (Repository) on the shipped and the 100x database, records kept per
  content hash vs read every time;
- NLU parse time per message (Rasa's Agent.parse_message, the bench's citizen messages), the
  shipped model vs the one trained on the 100x lookup table;
- the intent classifier's prediction with its weights in row and in column order.

The 100x files are what `make bench` leaves in var/bench/ (tools/bench/scaling.py).
Prints a Markdown table; the figures in docs/benchmarks-history.md come from it.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import time
from collections.abc import Callable
from pathlib import Path

from bot import ROOT
from tools.bench.load import CITIZEN_MESSAGES, DEFAULT_SPACY_MODEL, MODEL


def per_call_ms(function: Callable[[], object], repeat: int) -> float:
    function()  # warm
    started = time.perf_counter()
    for _ in range(repeat):
        function()
    return round((time.perf_counter() - started) / repeat * 1000, 3)


def repository_rows(url: str, label: str) -> list[str]:
    from bot.kb.repository import Repository

    kept = Repository(url)
    rows = []
    for method in ("projects", "tours", "facts"):
        fresh = per_call_ms(lambda m=method: getattr(Repository(url), m)(), 20)
        cached = per_call_ms(lambda m=method: getattr(kept, m)(), 200)
        rows.append(f"| `Repository.{method}()`, {label} | {fresh} | {cached} |")
    return rows


async def _parse_ms(model: Path) -> float:
    from rasa.core.agent import Agent

    agent = Agent.load(str(model))
    for text in CITIZEN_MESSAGES:
        await agent.parse_message(text)
    started = time.perf_counter()
    for _ in range(5):
        for text in CITIZEN_MESSAGES:
            await agent.parse_message(text)
    return round((time.perf_counter() - started) / (5 * len(CITIZEN_MESSAGES)) * 1000, 2)


def classifier_rows(model: Path) -> list[str]:
    import tarfile
    import tempfile

    import joblib
    import numpy as np

    with tempfile.TemporaryDirectory() as tmp, tarfile.open(model) as archive:
        member = next(m for m in archive.getmembers()
                      if "NgramIntentClassifier" in m.name and m.name.endswith(".joblib"))
        archive.extract(member, tmp)
        pipeline = joblib.load(Path(tmp) / member.name)
    linear = pipeline.steps[-1][1]
    texts = [CITIZEN_MESSAGES[1]]
    linear.coef_ = np.ascontiguousarray(linear.coef_)
    rows_order = per_call_ms(lambda: pipeline.predict_proba(texts), 50)
    linear.coef_ = np.asfortranarray(linear.coef_)
    columns_order = per_call_ms(lambda: pipeline.predict_proba(texts), 50)
    return [f"| intent classifier `predict_proba`, {linear.coef_.shape[0]} intents x "
            f"{linear.coef_.shape[1]} n-grams | {rows_order} (row order) | "
            f"{columns_order} (column order) |"]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", type=Path, default=MODEL)
    parser.add_argument("--large-model", type=Path,
                        default=ROOT / "var" / "bench" / "kb100x.tar.gz")
    parser.add_argument("--large-db", type=Path,
                        default=ROOT / "var" / "bench" / "kb100x" / "kb.sqlite3")
    args = parser.parse_args(argv)
    os.environ.setdefault("SPACY_MODEL", DEFAULT_SPACY_MODEL)
    from bot.kb.database import database_url

    lines = ["| what | before, ms | after, ms |", "|---|---|---|"]
    lines += repository_rows(database_url(), "shipped KB")
    if args.large_db.exists():
        lines += repository_rows(f"sqlite:///{args.large_db}", "KB x100")
    lines += classifier_rows(args.model)
    for label, model in (("shipped model", args.model), ("KB x100 model", args.large_model)):
        if model.exists():
            lines.append(f"| NLU parse per message, {label} | | {asyncio.run(_parse_ms(model))} |")
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
