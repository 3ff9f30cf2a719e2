"""Where the full stack spends its CPU under 20 concurrent conversations (py-spy).

    .venv/bin/python -m tools.bench.profile [--seconds 40]

Starts the action server and the Rasa server exactly as `make bench` does, warms them up,
then samples both with py-spy (`--nonblocking`, so the servers are never paused) while 20
conversations talk to Rasa over REST. Writes, under var/bench/profile/:
- rasa.folded, actions.folded: collapsed stacks (input for any flame-graph tool),
- summary.md: the share of sampled CPU time per part of the stack, and the functions with
  the most time of their own.
This is how the per-message costs that are ours were found (docs/benchmarks-history.md).
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import tempfile
import threading
from collections import Counter
from pathlib import Path

from bot.services.processes import free_port
from tools.bench import load
from tools.bench.load import MODEL, ROOT

OUT = ROOT / "var" / "bench" / "profile"
# (part of the stack, path fragments); a sample counts for the first part any frame matches.
PARTS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("NLU: language decision (ours: lingua + n-gram classifier)",
     ("bot/plugins/nlu_language.py", "bot/logic/language.py", "lingua")),
    ("NLU: input guard (ours)", ("bot/plugins/nlu_guard.py",)),
    ("NLU: spaCy tokenising", ("spacy/", "spacy_nlp", "spacy_tokenizer")),
    ("NLU: n-gram intent classifier and scope gate (ours)",
     ("bot/plugins/nlu_ngrams.py", "bot/plugins/nlu_scope.py", "sklearn/")),
    ("NLU: featurizers", ("rasa/nlu/featurizers/",)),
    ("NLU: entity extraction, fallback, other", ("rasa/nlu/",)),
    ("dialogue: TED policy", ("ted_policy",)),
    ("dialogue: rule and memoization policies", ("rule_policy", "memoization")),
    ("dialogue: tracker featurizing, ensemble", ("rasa/core/featurizers/",
                                                 "rasa/core/policies/")),
    ("action server call: reply schema check", ("jsonschema",)),
    # py-spy names frames "function (path:line)"; "(actions/" is ours, "rasa/core/actions/" not
    ("ours: actions, knowledge base, other bot/ code", ("(actions/", "(bot/")),
    ("action server call: HTTP client", ("rasa/utils/endpoints.py", "aiohttp/client")),
    ("tracker store (SQL) and lock store", ("tracker_store.py", "lock_store.py",
                                             "sqlalchemy")),
    ("HTTP server and REST channel", ("sanic", "rasa/core/channels/")),
    ("action server: rasa_sdk", ("rasa_sdk",)),
    ("TensorFlow (other)", ("tensorflow",)),
)


# A stack that ends in the event loop's wait is an idle thread py-spy could not tell apart
# (uvloop waits in C); it is counted apart, not as work.
IDLE_LEAVES = ("serve (sanic/server/runners.py", "run_forever (", "select (selectors.py")


def is_idle(stack: str) -> bool:
    return leaf(stack).startswith(IDLE_LEAVES)


def part_of(stack: str) -> str:
    for name, fragments in PARTS:
        if any(fragment in stack for fragment in fragments):
            return name
    return "other (event loop, logging, serialising events, ...)"


def read_folded(path: Path) -> Counter[str]:
    """{stack: samples} from py-spy's raw (collapsed) output."""
    stacks: Counter[str] = Counter()
    for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
        stack, _, count = line.rpartition(" ")
        if stack and count.isdigit():
            stacks[stack] += int(count)
    return stacks


def leaf(stack: str) -> str:
    return stack.rsplit(";", 1)[-1]


def summary(name: str, stacks: Counter[str], top: int = 12) -> list[str]:
    idle = sum(count for stack, count in stacks.items() if is_idle(stack))
    busy = {stack: count for stack, count in stacks.items() if not is_idle(stack)}
    total = sum(busy.values()) or 1
    parts: Counter[str] = Counter()
    own: Counter[str] = Counter()
    for stack, count in busy.items():
        parts[part_of(stack)] += count
        own[leaf(stack)] += count
    lines = [f"## {name}: {total} samples at work ({idle} more waiting in the event loop, "
             "left out)", "",
             "| part of the stack | share of CPU samples |", "|---|---|"]
    lines += [f"| {part} | {count / total:.1%} |" for part, count in parts.most_common()]
    lines += ["", f"Top {top} functions by own time:", "", "| function | share |", "|---|---|"]
    lines += [f"| `{function}` | {count / total:.1%} |"
              for function, count in own.most_common(top)]
    return lines + [""]


def record(pid: int, seconds: int, out: Path) -> subprocess.Popen:
    py_spy = shutil.which("py-spy", path=str(ROOT / ".venv" / "bin")) or shutil.which("py-spy")
    if py_spy is None:
        raise SystemExit("py-spy is not installed: `make setup` installs the dev tools")
    return subprocess.Popen([py_spy, "record", "--pid", str(pid), "--duration", str(seconds),
                             "--rate", "200", "--nonblocking", "--format", "raw",
                             "--output", str(out)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=int, default=40)
    parser.add_argument("--summary-only", action="store_true",
                        help="rewrite summary.md from the last recording, without a new one")
    args = parser.parse_args(argv)
    OUT.mkdir(parents=True, exist_ok=True)
    if args.summary_only:
        return write_summary(args.seconds, answered=None)
    env = load.service_env()
    env["SMARTCITY_NOW"] = load.BENCH_NOW
    with tempfile.TemporaryDirectory(prefix="bench-profile-") as tmp_name:
        tmp = Path(tmp_name)
        actions_port, rasa_port = free_port(), free_port()
        endpoints = load.bench_endpoints(ROOT / "endpoints.yml", tmp / "endpoints.yml",
                                         tmp / "trackers.db", actions_port)
        actions = load.actions_service(actions_port, OUT, env)
        rasa = load.rasa_service("rasa-full", MODEL, endpoints, rasa_port, OUT, env)
        try:
            for service in (actions, rasa):
                service.launch()
            for service in (actions, rasa):
                service.wait_ready(240)
            url = f"http://127.0.0.1:{rasa_port}/webhooks/rest/webhook"
            messages = load.CITIZEN_MESSAGES
            load.run_round(url, 20, 2 * len(messages), messages, "profile-warm", 120)
            recorders = [record(rasa.pid, args.seconds, OUT / "rasa.folded"),
                         record(actions.pid, args.seconds, OUT / "actions.folded")]
            done = threading.Event()
            measured: list = []

            def keep_talking() -> None:
                while not done.is_set():
                    measured.append(load.run_round(url, 20, 10, messages, "profile", 60)[0])

            talker = threading.Thread(target=keep_talking)
            talker.start()
            for recorder in recorders:
                _, errors = recorder.communicate(timeout=args.seconds + 120)
                if recorder.returncode != 0:
                    done.set()
                    raise SystemExit(f"py-spy failed: {errors.strip()[-500:]}")
            done.set()
            talker.join()
        finally:
            for service in (rasa, actions):
                service.stop()
    return write_summary(args.seconds, sum(len(r.latencies) for r in measured))


def write_summary(seconds: int, answered: int | None) -> int:
    answered_text = "" if answered is None else f"; {answered} messages answered while sampling"
    lines = ["# Profile of the full stack under 20 conversations", "",
             f"Made by `python -m tools.bench.profile --seconds {seconds}`: py-spy, 200 "
             f"samples/s, non-blocking, threads that py-spy saw running{answered_text}.", ""]
    lines += summary("Rasa server", read_folded(OUT / "rasa.folded"))
    lines += summary("Action server", read_folded(OUT / "actions.folded"))
    (OUT / "summary.md").write_text("\n".join(lines), encoding="utf-8")
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
