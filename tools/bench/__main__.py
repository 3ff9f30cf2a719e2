"""`make bench`: NLU quality, latency/throughput against a bare bot, training time and memory.

    .venv/bin/python -m tools.bench            # the real run -> docs/benchmarks.{md,json,png}
    .venv/bin/python -m tools.bench --quick    # 2 folds, few messages -> var/bench/quick/
    .venv/bin/python -m tools.bench --baseline-cv  # + Rasa's default pipeline's 5 folds (~3 h)

Everything is measured in one run, side by side, so that machine noise falls on both sides
of each comparison.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from tqdm import tqdm

from bot import ROOT
from bot.services.processes import free_port
from tools.bench import followups, load, nlu, report, scaling
from tools.bench.stats import LOAD_LEVELS, STACKS, Round, build_result, summarise

MODEL = load.MODEL
BARE = ROOT / "bench" / "bare"
WORK = ROOT / "var" / "bench"
# Rasa's training cache for every training of the bench except the timed one, kept in
# var/bench rather than ~/.rasa. Each of the default pipeline's trainings leaves 70-90 MB
# there; at Rasa's default limit (1000 MB) any training (the bare bot's, the x100 knowledge
# base's, the folds) would drop the least recently used, so the next run would repeat them.
BENCH_CACHE = {"RASA_CACHE_DIRECTORY": str(WORK / "cache"), "RASA_MAX_CACHE_SIZE": "8000"}
PHASES = ("train", "load", "followups", "nlu")  # in the order they run


@dataclass(frozen=True)
class Plan:
    """How much to measure; --quick shrinks it for development, never for the report."""

    folds: int
    rounds: int
    c1_messages: int
    c20_conversations: int
    c20_messages: int  # per conversation
    c50_messages: int  # per conversation, 50 conversations
    long_conversations: int  # of scaling.LONG_MESSAGES messages each
    round_limit_s: float

    def level(self, level: str) -> tuple[int, int]:
        """(conversations, messages per conversation) of a load level."""
        return {"c1": (1, self.c1_messages), "c20": (self.c20_conversations, self.c20_messages),
                "c50": (50, self.c50_messages)}[level]


FULL_PLAN = Plan(folds=5, rounds=6, c1_messages=20, c20_conversations=20, c20_messages=10,
                 c50_messages=10, long_conversations=3, round_limit_s=120)
QUICK_PLAN = Plan(folds=2, rounds=1, c1_messages=6, c20_conversations=20, c20_messages=2,
                  c50_messages=2, long_conversations=1, round_limit_s=30)


def _waiting_bar(process: subprocess.Popen, description: str) -> None:
    """A seconds counter while a subprocess runs (its own output goes to a log)."""
    with tqdm(desc=description, unit="s", bar_format="{desc}: {n_fmt}s elapsed") as bar:
        while process.poll() is None:
            time.sleep(1)
            bar.update(1)


def train_project(log_dir: Path) -> tuple[float, float]:
    """Trains the project's model from scratch (empty Rasa cache); returns (seconds, MB)."""
    with tempfile.TemporaryDirectory(prefix="bench-train-") as tmp:
        env = load.service_env()
        env["RASA_CACHE_DIRECTORY"] = str(Path(tmp) / "cache")  # no cached components
        command = [str(ROOT / ".venv" / "bin" / "rasa"), "train", "--data", "data/nlu",
                   "data/dialogue", "--config", "config.yml", "--domain", "domain.yml",
                   "--out", str(Path(tmp) / "models"), "--fixed-model-name", "smartcity"]
        with open(log_dir / "train.log", "w") as log:
            started = time.monotonic()
            process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log,
                                       stderr=subprocess.STDOUT)
            _waiting_bar(process, "training the project's model")
            seconds = time.monotonic() - started
        if process.returncode != 0:
            raise RuntimeError(f"rasa train failed, see {log_dir / 'train.log'}")
        model = Path(tmp) / "models" / "smartcity.tar.gz"
        return seconds, model.stat().st_size / 1e6


def train_bare(log_dir: Path) -> Path:
    """The bare bot's model in var/bench/ (Rasa skips training when nothing changed)."""
    env = {**load.service_env(), **BENCH_CACHE}
    command = [str(ROOT / ".venv" / "bin" / "rasa"), "train", "--data", str(BARE / "data"),
               "--config", str(BARE / "config.yml"), "--domain", str(BARE / "domain.yml"),
               "--out", str(WORK), "--fixed-model-name", "bare"]
    with open(log_dir / "train-bare.log", "w") as log:
        process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log,
                                   stderr=subprocess.STDOUT)
        _waiting_bar(process, "training the bare bot (skipped when unchanged)")
    model = WORK / "bare.tar.gz"
    if process.returncode != 0 or not model.exists():
        raise RuntimeError(f"training the bare bot failed, see {log_dir / 'train-bare.log'}")
    return model


def measure_load(plan: Plan, log_dir: Path, bare_model: Path, large_kb: tuple[Path, str]
                 ) -> dict:
    """Starts the stacks, warms them up, runs alternating rounds; latencies and peak RSS.

    Besides full and bare, a third stack answers from the large knowledge base (its own
    action server and model) for the scaling section.
    """
    with tempfile.TemporaryDirectory(prefix="bench-load-") as tmp_name:
        tmp = Path(tmp_name)
        env = load.service_env()
        env["SMARTCITY_NOW"] = load.BENCH_NOW
        actions_port, full_port, bare_port, kb_actions_port, kb_port = (
            free_port() for _ in range(5))
        full_endpoints = load.bench_endpoints(ROOT / "endpoints.yml", tmp / "full.yml",
                                              tmp / "full-trackers.db", actions_port)
        bare_endpoints = load.bench_endpoints(ROOT / "endpoints.yml", tmp / "bare.yml",
                                              tmp / "bare-trackers.db", None)
        kb_endpoints = load.bench_endpoints(ROOT / "endpoints.yml", tmp / "kb.yml",
                                            tmp / "kb-trackers.db", kb_actions_port)
        actions = load.actions_service(actions_port, log_dir, env)
        full = load.rasa_service("rasa-full", MODEL, full_endpoints, full_port, log_dir, env)
        bare = load.rasa_service("rasa-bare", bare_model, bare_endpoints, bare_port, log_dir,
                                 env)
        kb_model, kb_url = large_kb
        kb_actions = load.actions_service(kb_actions_port, log_dir,
                                          dict(env, SMARTCITY_DB_URL=kb_url), "actions-kb")
        kb_full = load.rasa_service("rasa-kb", kb_model, kb_endpoints, kb_port, log_dir, env)
        services = (actions, full, bare, kb_actions, kb_full)
        try:
            for service in services:
                service.launch()
            for service in tqdm(services, desc="starting servers"):
                service.wait_ready(240)
            urls = {"full": f"http://127.0.0.1:{full_port}/webhooks/rest/webhook",
                    "bare": f"http://127.0.0.1:{bare_port}/webhooks/rest/webhook",
                    "kb100x": f"http://127.0.0.1:{kb_port}/webhooks/rest/webhook"}
            messages = {"full": load.CITIZEN_MESSAGES, "bare": load.BARE_MESSAGES,
                        "kb100x": load.CITIZEN_MESSAGES}
            # Warm-up: every message once, then a short concurrent burst, on every stack.
            warm_errors: list[str] = []
            for stack in tqdm((*STACKS, "kb100x"), desc="warm-up"):
                replies: list = []
                _, errors = load.run_round(urls[stack], 1, len(messages[stack]),
                                           messages[stack], f"warm-{stack}", 120, replies)
                (log_dir / f"replies-{stack}.json").write_text(
                    json.dumps(replies, ensure_ascii=False, indent=1), encoding="utf-8")
                warm_errors += errors
                _, errors = load.run_round(urls[stack], plan.c20_conversations, 2,
                                           messages[stack], f"warm-{stack}", 120)
                warm_errors += errors
            rounds: dict[str, dict[str, list[Round]]] = {
                level: {stack: [] for stack in STACKS} for level in LOAD_LEVELS}
            errors_seen: list[str] = []
            steps = plan.rounds * len(LOAD_LEVELS) * len(STACKS)
            with tqdm(total=steps, desc="load rounds (alternating full/bare)") as bar:
                for index in range(plan.rounds):
                    order = STACKS if index % 2 == 0 else tuple(reversed(STACKS))
                    for level in LOAD_LEVELS:
                        conversations, per = plan.level(level)
                        for stack in order:
                            measured, errors = load.run_round(
                                urls[stack], conversations, per, messages[stack],
                                f"{level}-{stack}-{index}", plan.round_limit_s)
                            rounds[level][stack].append(measured)
                            errors_seen += errors
                            bar.update(1)
            rss = {"rasa": load.peak_rss_mb(full.pid), "actions": load.peak_rss_mb(actions.pid)}
            bare_rss = load.peak_rss_mb(bare.pid)
            # Scaling: one conversation of LONG_MESSAGES messages at a time, on the full stack.
            long_runs: list[list[float]] = []
            for index in tqdm(range(plan.long_conversations), desc="long conversations"):
                measured, errors = load.run_round(
                    urls["full"], 1, scaling.LONG_MESSAGES, messages["full"], f"long-{index}",
                    600)
                errors_seen += errors
                if not errors and len(measured.latencies) == scaling.LONG_MESSAGES:
                    long_runs.append(measured.latencies)
            # Scaling: shipped vs large knowledge base at c20, alternating rounds.
            kb_rounds: dict[str, list[Round]] = {"kb1x": [], "kb100x": []}
            kb_urls = {"kb1x": urls["full"], "kb100x": urls["kb100x"]}
            conversations, per = plan.level("c20")
            for index in tqdm(range(plan.rounds), desc="knowledge-base size rounds (c20)"):
                order = ("kb1x", "kb100x") if index % 2 == 0 else ("kb100x", "kb1x")
                for stack in order:
                    measured, errors = load.run_round(
                        kb_urls[stack], conversations, per, messages["full"],
                        f"{stack}-{index}", plan.round_limit_s)
                    kb_rounds[stack].append(measured)
                    errors_seen += errors
        finally:
            for service in services:
                service.stop()
    summary = {level: {stack: summarise(rounds[level][stack]) for stack in STACKS}
               for level in LOAD_LEVELS}
    samples = {level: {stack: [v for r in rounds[level][stack] for v in r.latencies]
                       for stack in STACKS} for level in LOAD_LEVELS}
    kb_p95 = {stack: summarise(measured)["p95_ms"] for stack, measured in kb_rounds.items()}
    scaled = (scaling.scaling_result(long_runs, kb_p95, summary["c50"]) if long_runs else None)
    return {"summary": summary, "samples": samples, "rss": rss, "bare_rss": bare_rss,
            "scaling": scaled, "errors": errors_seen[:20], "warm_errors": warm_errors[:20]}


# What the benchmark measures and how: a run can only be resumed while these are as they
# were (the orchestration here, the report and the targets are recomputed anyway).
MEASURED_INPUTS = ("bot", "actions", "data", "bench", "config.yml", "domain.yml",
                   "endpoints.yml", "credentials.yml", "tools/nlu_eval.py", "tools/bench/nlu.py",
                   "tools/bench/load.py", "tools/bench/followups.py", "tools/bench/scaling.py",
                   "tools/bench/kb_scale.py", "tools/bench/scope.py")
# Keys build_result computes; everything else in a partial result is carried over.
RESULT_KEYS = ("cores", "nlu", "latency", "train_s", "rss_mb", "model_mb", "ratios", "targets")


def _commit() -> str | None:
    try:
        return subprocess.run(["git", "rev-parse", "HEAD"], cwd=ROOT, capture_output=True,
                              text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return None


def _resumable(path: Path, quick: bool) -> dict | None:
    """The partial result at `path`, if it is of this kind and nothing it measured changed
    since its commit (work tree included)."""
    try:
        previous = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    commit = previous.get("commit")
    if not commit or bool(previous.get("quick")) != quick:
        return None
    unchanged = subprocess.run(["git", "diff", "--quiet", commit, "--", *MEASURED_INPUTS],
                               cwd=ROOT, check=False, capture_output=True)
    return previous if unchanged.returncode == 0 else None


def _measured_phases(result: dict) -> set[str]:
    found = {"train": result.get("train_s"), "load": result.get("latency"),
             "followups": result.get("followups"), "nlu": result.get("nlu")}
    return {phase for phase, value in found.items() if value is not None}


def _loadavg() -> list[float] | None:
    try:
        return [float(x) for x in Path("/proc/loadavg").read_text().split()[:3]]
    except OSError:
        return None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true",
                        help="2 folds and few messages, for development (not the report)")
    parser.add_argument("--phases", default=",".join(PHASES),
                        help=f"comma-separated subset of {','.join(PHASES)}")
    parser.add_argument("--out", type=Path, default=None,
                        help="output folder (default: docs/, or var/bench/quick with --quick)")
    parser.add_argument("--baseline-cv", action="store_true",
                        help="also cross-validate Rasa's default pipeline (five more "
                             "trainings of about 35 minutes each on this machine); without "
                             "it the pipelines are compared on the held-out set")
    parser.add_argument("--resume", action="store_true",
                        help="finish the run var/bench/partial.json holds: its measured phases "
                             "are kept, the others run now; refused when the code or data "
                             "measured changed since that run's commit")
    args = parser.parse_args(argv)
    phases = {p.strip() for p in args.phases.split(",") if p.strip()}
    if unknown := phases - set(PHASES):
        parser.error(f"unknown phases: {', '.join(sorted(unknown))}")
    plan = QUICK_PLAN if args.quick else FULL_PLAN
    previous = _resumable(WORK / "partial.json", args.quick) if args.resume else None
    if args.resume and previous is None:
        parser.error("nothing to resume: var/bench/partial.json is missing, of another kind "
                     f"(--quick), or {', '.join(MEASURED_INPUTS)} changed since its commit")
    done = _measured_phases(previous) if previous else set()
    out_dir = args.out or (WORK / "quick" if args.quick else ROOT / "docs")
    if out_dir.resolve() == (ROOT / "docs").resolve() and (
            args.quick or (phases | done) != set(PHASES)):
        parser.error("docs/ gets only complete real runs; use --out for partial or quick runs")
    phases -= done
    os.environ.setdefault("SPACY_MODEL", load.DEFAULT_SPACY_MODEL)  # config.yml needs it in-process
    if not MODEL.exists() and "load" in phases:
        parser.error(f"{MODEL} is missing: `make bench` trains it first")
    log_dir = WORK / "logs"
    shutil.rmtree(log_dir, ignore_errors=True)
    log_dir.mkdir(parents=True, exist_ok=True)

    started = time.monotonic()
    load_before = _loadavg()
    command = ("make bench" if os.environ.get("MAKELEVEL") else
               "python -m tools.bench " + " ".join(argv if argv is not None else sys.argv[1:]))
    nlu_result = latency = rss = None
    train_s = None
    extra: dict = {
        "date": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "command": command.strip(),
        "commit": _commit(),
        "quick": args.quick,
        "folds": plan.folds,
        "baseline_cv": args.baseline_cv,
        "load_setup": {"rounds": plan.rounds, "c1_messages_per_round": plan.c1_messages,
                       "c20_conversations": plan.c20_conversations,
                       "c20_messages_per_conversation": plan.c20_messages,
                       "c50_messages_per_conversation": plan.c50_messages,
                       "long_conversations": plan.long_conversations,
                       "round_limit_s": plan.round_limit_s,
                       "smartcity_now": load.BENCH_NOW},
    }

    if previous is not None:
        # The run being finished: its own date, command, commit and measured phases.
        train_s, rss = previous.get("train_s"), previous.get("rss_mb")
        latency = previous.get("latency_detail") or previous.get("latency")
        extra = {key: value for key, value in previous.items() if key not in RESULT_KEYS}
        extra["resumed"] = {"date": datetime.now(timezone.utc).isoformat(timespec="seconds"),
                            "command": command.strip(), "commit": _commit(),
                            "phases": sorted(phases)}

    if "train" in phases:
        train_s, trained_mb = train_project(log_dir)
        extra["trained_model_mb"] = round(trained_mb, 1)
    # Seconds of the run so far, a resumed run's earlier part included when it was recorded.
    earlier_s = previous.get("run_s") if previous is not None else 0

    def elapsed() -> int | None:
        part = round(time.monotonic() - started)
        return None if earlier_s is None else earlier_s + part

    def checkpoint() -> None:
        """What is measured so far, in var/bench/, so a later failure loses no phase."""
        extra["run_s"] = elapsed()
        partial = build_result(cores=os.cpu_count() or 0, nlu=nlu_result, latency=latency,
                               train_s=train_s, rss_mb=rss, model_mb=None, extra=extra)
        (WORK / "partial.json").write_text(json.dumps(partial, indent=2, ensure_ascii=False),
                                           encoding="utf-8")

    checkpoint()
    if "load" in phases:
        bare_model = train_bare(log_dir)
        large_kb = scaling.prepare_large_kb(WORK, {**load.service_env(), **BENCH_CACHE},
                                               log_dir)
        measured = measure_load(plan, log_dir, bare_model, large_kb)
        latency = measured["summary"]
        rss = measured["rss"]
        extra["bare_rss_mb"] = measured["bare_rss"]
        extra["latency_detail"] = latency
        extra["load_errors"] = measured["errors"]
        extra["warmup_errors"] = measured["warm_errors"]
        report.plot(measured["samples"], out_dir / "benchmarks-latency.png")
        if measured["scaling"]:
            extra["scaling"] = measured["scaling"]
            scaling.plot(measured["scaling"], latency, out_dir / "benchmarks-scaling.png")
        checkpoint()

    if "followups" in phases:
        summary, rows = followups.measure(MODEL, log_dir)
        extra["followups"] = summary
        (WORK / "followups-turns.json").write_text(
            json.dumps(rows, ensure_ascii=False, indent=1), encoding="utf-8")
        checkpoint()

    # NLU last: the load rounds should not follow right after ten in-process trainings.
    if "nlu" in phases:
        for name, value in BENCH_CACHE.items():
            os.environ.setdefault(name, value)
        heldout = 0 if plan is QUICK_PLAN else 2
        pipelines = 2 if args.baseline_cv else 1
        with tqdm(total=pipelines * plan.folds + heldout,
                  desc="NLU cross-validation and held-out set (project, default)") as bar:
            def progress(message: str) -> None:
                bar.set_postfix_str(message)
                bar.update(1)

            nlu_result = nlu.compare(plan.folds, progress, args.baseline_cv)
            if heldout and (compared := nlu.compare_heldout(progress)):
                extra["nlu_heldout"], scope_by_pipeline = compared
                extra["scope"] = scope_by_pipeline["project"]
                extra["scope_default_pipeline"] = scope_by_pipeline["default"]
        extra["nlu_examples"] = {lang: nlu_result["project"][lang]["examples"]
                                 for lang in ("de", "en")}
        checkpoint()
    extra["run_s"] = elapsed()
    if previous is not None:
        extra["resumed"]["run_s"] = round(time.monotonic() - started)
    extra["loadavg_before_after"] = [load_before, _loadavg()]
    extra["notes"] = [
        "Load generator (aiohttp) runs on the same machine as the servers.",
        "Other work on the machine (load average before/after in the JSON) may add noise; "
        "alternating full/bare rounds spread it over both stacks.",
        "Peak RSS is the kernel's high-water mark (VmHWM) of the process and its children, "
        "read after the 20-conversation rounds; it includes model loading.",
    ]
    result = build_result(cores=os.cpu_count() or 0, nlu=nlu_result, latency=latency,
                          train_s=train_s, rss_mb=rss,
                          model_mb=MODEL.stat().st_size / 1e6 if MODEL.exists() else None,
                          extra=extra)
    json_path, md_path = report.write(result, out_dir)
    print(f"wrote {md_path} and {json_path} ({result['run_s']} s in all)")
    for row in result["targets"]:
        print(f"  {row['target']}: {row['value']} ({row['wanted']}) -> "
              f"{ {True: 'met', False: 'MISSED', None: 'not measured'}[row['met']] }")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
