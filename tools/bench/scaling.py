"""How the cost grows with the work (issue 16): conversation length, knowledge-base size, load.

- message 10 vs message 200 of one conversation: Rasa reads the conversation from the tracker
  store and replays it for every message, so a cost that grows with length shows here;
- p95 at 20 concurrent conversations with the shipped knowledge base vs one `KB_FACTOR` times
  larger (tools/bench/kb_scale.py), with the NLU lookup table generated from it and a model
  trained on that table, so lookups, queries and fuzzy project matching all grow;
- 50 concurrent conversations (full and bare), measured in the load rounds.

The pure parts (windows, the JSON shape) are tested in tests/test_bench.py; times never are.
"""

from __future__ import annotations

import shutil
import statistics
import subprocess
from collections.abc import Mapping, Sequence
from pathlib import Path

from bot import ROOT
from tools.bench.kb_scale import write_scaled
from tools.bench.stats import LATENCY_KEYS

KB_FACTOR = 100
LONG_MESSAGES = 200
# Medians over 20-message windows: every window holds each of the 20 bench questions once,
# so the two windows differ only in how far into the conversation they are.
WINDOW = 20
EARLY_WINDOW = (0, WINDOW)  # messages 1-20, "message 10"
LATE_WINDOW = (LONG_MESSAGES - WINDOW, LONG_MESSAGES)  # messages 181-200, "message 200"


def window_median_ms(conversations: Sequence[Sequence[float]], window: tuple[int, int]) -> float:
    """Median latency (ms) of the messages in window [start, end) over all conversations."""
    start, end = window
    values = [latency for latencies in conversations for latency in latencies[start:end]]
    if not values:
        raise ValueError(f"no latencies in messages {start + 1}-{end}")
    return round(statistics.median(values) * 1000, 1)


def per_message_ms(conversations: Sequence[Sequence[float]]) -> list[float]:
    """Median latency (ms) at each message position, for the chart."""
    length = min((len(latencies) for latencies in conversations), default=0)
    return [round(statistics.median(c[i] for c in conversations) * 1000, 1)
            for i in range(length)]


def scaling_result(long_conversations: Sequence[Sequence[float]],
                   kb_p95: Mapping[str, float], c50: Mapping[str, Mapping]) -> dict:
    """The `scaling` block of docs/benchmarks.json (issue 16's keys)."""
    return {
        "msg10_ms": window_median_ms(long_conversations, EARLY_WINDOW),
        "msg200_ms": window_median_ms(long_conversations, LATE_WINDOW),
        "kb1x_p95_ms": kb_p95["kb1x"],
        "kb100x_p95_ms": kb_p95["kb100x"],
        "kb_factor": KB_FACTOR,
        "c50": {stack: {key: values[key] for key in LATENCY_KEYS} for stack, values in c50.items()},
        "long_conversation_ms": per_message_ms(long_conversations),
    }


def _run(command: list[str], env: dict[str, str], log: Path) -> None:
    with open(log, "a") as out:
        process = subprocess.run(command, cwd=ROOT, env=env, stdout=out,
                                 stderr=subprocess.STDOUT, check=False)
    if process.returncode != 0:
        raise RuntimeError(f"{' '.join(command[:4])} ... failed, see {log}")


def prepare_large_kb(work: Path, env: dict[str, str], log_dir: Path) -> tuple[Path, str]:
    """The KB_FACTOR-times knowledge base in its own SQLite file and a model trained on its
    lookup table (Rasa skips the training when nothing changed); returns (model, DB URL)."""
    base = work / f"kb{KB_FACTOR}x"
    shutil.rmtree(base / "kb", ignore_errors=True)
    write_scaled(ROOT / "data" / "kb", base / "kb", KB_FACTOR)
    database = base / "kb.sqlite3"
    database.unlink(missing_ok=True)
    db_url = f"sqlite:///{database}"
    python = str(ROOT / ".venv" / "bin" / "python")
    log = log_dir / f"kb{KB_FACTOR}x.log"
    _run([python, "-m", "bot", "kb", "load", str(base / "kb")],
         dict(env, SMARTCITY_DB_URL=db_url), log)
    nlu = base / "nlu"
    shutil.rmtree(nlu, ignore_errors=True)
    shutil.copytree(ROOT / "data" / "nlu", nlu)
    _run([python, "-m", "bot", "kb", "lookups", "--dir", str(base / "kb"),
          str(nlu / "generated" / "kb_lookups.yml")], env, log)
    _run([str(ROOT / ".venv" / "bin" / "rasa"), "train", "--data", str(nlu), "data/dialogue",
          "--config", "config.yml", "--domain", "domain.yml", "--out", str(work),
          "--fixed-model-name", f"kb{KB_FACTOR}x"],
         dict(env, RASA_CACHE_DIRECTORY=str(work / "cache")), log)
    return work / f"kb{KB_FACTOR}x.tar.gz", db_url


def plot(scaling: Mapping, c1_c20: Mapping[str, Mapping[str, Mapping]], path: Path) -> Path:
    """Latency by message position in one long conversation, and p95 by load level."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, (left, right) = plt.subplots(1, 2, figsize=(11, 4.5))
    series = scaling["long_conversation_ms"]
    left.plot(range(1, len(series) + 1), series, linewidth=0.8)
    for start, end in (EARLY_WINDOW, LATE_WINDOW):
        left.axvspan(start + 1, end, alpha=0.15)
    left.set_title("one conversation: latency by message (median of runs)")
    left.set_xlabel("message number")
    left.set_ylabel("ms")
    left.grid(alpha=0.3)
    levels = {"c1": c1_c20.get("c1"), "c20": c1_c20.get("c20"), "c50": scaling.get("c50")}
    names = [level for level, values in levels.items() if values]
    width = 0.38
    for offset, stack in ((-width / 2, "full"), (width / 2, "bare")):
        right.bar([i + offset for i in range(len(names))],
                  [levels[name][stack]["p95_ms"] for name in names], width, label=stack)
    right.bar([len(names) - width / 2, len(names) + width / 2],
              [scaling["kb1x_p95_ms"], scaling["kb100x_p95_ms"]], width,
              color=["tab:blue", "tab:green"], label=f"full, KB x{scaling['kb_factor']}")
    right.set_xticks(list(range(len(names) + 1)), names + ["c20: KB x1 | x100"])
    right.set_ylabel("p95 ms")
    right.set_title("p95 by concurrent conversations and KB size")
    right.legend()
    right.grid(axis="y", alpha=0.3)
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path
