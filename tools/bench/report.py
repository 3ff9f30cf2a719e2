"""docs/benchmarks.md, docs/benchmarks.json and the latency plot, from one run's result."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from pathlib import Path

from tools.bench.stats import LANGUAGES, LEVELS, STACKS, ratio


def _num(value: object, digits: int | None = None) -> str:
    """Fixed decimals; by default 3 for ratios and scores, 1 for seconds and megabytes."""
    if value is None:
        return "–"
    if isinstance(value, float):
        if digits is None:
            digits = 1 if abs(value) >= 100 else 3
        return f"{value:.{digits}f}"
    return str(value)


def _met(met: bool | None) -> str:
    return {True: "met", False: "**missed**", None: "not measured"}[met]


def markdown(result: Mapping) -> str:
    """The human-readable report: tables, the exact command, cores, date, targets."""
    run_s = result.get("run_s")
    took = "an unrecorded time" if run_s is None else f"{_num(run_s, 0)} s"
    lines = [
        "# Benchmarks",
        "",
        f"Made by `{result.get('command', 'make bench')}` on {result.get('date', '?')}, "
        f"{result['cores']} cores; the run took {took}. "
        "Numbers are written by the run (`python -m tools.bench`), nothing is typed in; the "
        "raw figures are in `docs/benchmarks.json`.",
        *_resumed_line(result),
        "",
        "## Targets",
        "",
        "| target | wanted | measured | |",
        "|---|---|---|---|",
    ]
    for row in result["targets"]:
        lines.append(f"| {row['target']} | {row['wanted']} | {_num(row['value'])} | "
                     f"{_met(row['met'])} |")

    nlu = result.get("nlu")
    lines += ["", "## NLU quality", ""]
    if nlu:
        folds = result.get("folds", "?")
        lines += [
            f"{folds}-fold stratified cross-validation (fixed seed, the same folds for both "
            "pipelines) on the project's NLU data (`data/nlu`), scored per language by "
            "`tools/nlu_eval.py`. *project* = `config.yml` (German spaCy pipeline); *default* "
            "= Rasa 3.6's default pipeline (`bench/default_pipeline.yml`, whitespace "
            "tokenizer).",
            "",
            "| language | metric | project | default | project/default |",
            "|---|---|---|---|---|",
        ]
        ratio_table = result["ratios"].get("nlu_project_over_default")
        for language in LANGUAGES:
            for metric in ("macro_f1", "accuracy"):
                default = nlu["default"][language][metric] if nlu["default"] else None
                lines.append(
                    f"| {language} | {metric} | {_num(nlu['project'][language][metric])} | "
                    f"{_num(default)} | "
                    f"{_num(ratio_table[language][metric] if ratio_table else None)} |")
        if not nlu["default"]:
            lines += ["", "The default pipeline was not cross-validated in this run (about 35 "
                      "minutes per training here; `python -m tools.bench --baseline-cv` does); "
                      "the two pipelines are compared on the held-out questions below."]
    else:
        lines.append("Not measured in this run.")
    heldout = result.get("nlu_heldout")
    if heldout:
        lines += [
            "",
            "Held-out questions (`bench/heldout/`, written apart from the training data and "
            "never trained on; both pipelines trained on all of `data/nlu`):",
            "",
            "| language | questions | metric | project | default | project/default |",
            "|---|---|---|---|---|---|",
        ]
        for language in LANGUAGES:
            for metric in ("macro_f1", "accuracy"):
                project, default = (heldout[name][language][metric]
                                    for name in ("project", "default"))
                lines.append(
                    f"| {language} | {heldout['project'][language]['examples']} | {metric} | "
                    f"{_num(project)} | {_num(default)} | {_num(ratio(project, default))} |")

    scope = result.get("scope")
    if scope:
        default_scope = result.get("scope_default_pipeline") or {}
        lines += [
            "",
            "## Scope: answering what is in scope, refusing what is not",
            "",
            "Held-out sets, never trained on: in-scope citizen questions (`bench/heldout/"
            "{de,en}.yml`) and out-of-scope questions from many other domains, other city "
            "services and questions sharing words with SMARTCity (`bench/heldout/oos/`). "
            "*accuracy*: final intent (after the fallback threshold) is the expected one; "
            "*fallback share*: in-scope questions that end in \"did you mean ...?\"; *wrong-"
            "answer rate*: out-of-scope questions answered with SMARTCity facts. Targets: "
            "accuracy >= 0.95, fallback <= 0.03, wrong answers <= 0.02.",
            "",
            "| language | pipeline | in-scope n | accuracy | fallback share | out-of-scope n | "
            "wrong-answer rate |",
            "|---|---|---|---|---|---|---|",
        ]
        for language in LANGUAGES:
            for name, figures in (("project", scope.get(language)),
                                  ("default", default_scope.get(language))):
                if figures:
                    lines.append(
                        f"| {language} | {name} | {figures['inscope_n']} | "
                        f"{_num(figures['inscope_accuracy'])} | "
                        f"{_num(figures['fallback_share'])} | {figures['oos_n']} | "
                        f"{_num(figures['oos_wrong_rate'])} |")
    followup = result.get("followups")
    if followup:
        lines += [
            "",
            "## Follow-up conversations",
            "",
            "Held-out conversations (`bench/heldout/followups/`), sent over REST to the full "
            "stack with the clock each one names (`python -m tools.bench.followups`). A turn is "
            "right when the reply holds the expected facts, none of the rejected ones, and is "
            "not a \"did you mean\" or ask-back. Target: follow-up share >= 0.9.",
            "",
            "| language | conversations | follow-up turns | follow-ups right | first turns right |",
            "|---|---|---|---|---|",
        ]
        for language in LANGUAGES:
            if language in followup:
                row = followup[language]
                lines.append(f"| {language} | {row['conversations']} | {row['followup_n']} | "
                             f"{_num(row['followup_accuracy'])} | "
                             f"{_num(row['first_turn_accuracy'])} |")

    latency = result.get("latency")
    lines += ["", "## Latency and throughput (REST channel)", ""]
    if latency:
        setup = result.get("load_setup", {})
        lines += [
            "*full* = the stack as `make run` serves it (action server + Rasa with "
            "`models/smartcity.tar.gz`, SQL tracker store on SQLite); *bare* = a bare Rasa bot "
            "(`bench/bare/`: default config, five intents, static responses, no action "
            "server) served the same way. Both run at the same time on loopback; rounds "
            f"alternate full/bare ({setup.get('rounds', '?')} rounds per stack and level, the "
            "order swapped every round) so that other load on the machine falls on both. "
            f"c1 = one conversation, c20 = {setup.get('c20_conversations', 20)} concurrent "
            "conversations, each with its own sender id, messages back-to-back. Latency is "
            "per message (request to reply), pooled over the rounds.",
            "",
            "| level | stack | p50 ms | p95 ms | p99 ms | msg/s | messages | errors |",
            "|---|---|---|---|---|---|---|---|",
        ]
        for level in LEVELS:
            for stack in STACKS:
                row = result.get("latency_detail", {}).get(level, {}).get(stack, {})
                values = latency[level][stack]
                lines.append(
                    f"| {level} | {stack} | {_num(values['p50_ms'], 1)} | "
                    f"{_num(values['p95_ms'], 1)} | {_num(values['p99_ms'], 1)} | "
                    f"{_num(values['msg_per_s'], 2)} | {_num(row.get('messages'))} | "
                    f"{_num(row.get('errors'))} |")
        ratio_table = result["ratios"]["latency_full_over_bare"]
        lines += ["", "| level | p50 full/bare | p95 full/bare | p99 full/bare | "
                      "msg/s full/bare |", "|---|---|---|---|---|"]
        for level in LEVELS:
            r = ratio_table[level]
            lines.append(f"| {level} | {_num(r['p50_ms'], 2)} | {_num(r['p95_ms'], 2)} | "
                         f"{_num(r['p99_ms'], 2)} | {_num(r['msg_per_s'], 2)} |")
        lines += ["", "![latency distributions](benchmarks-latency.png)"]
    else:
        lines.append("Not measured in this run.")
    lines += _scaling_section(result.get("scaling"))

    rss = result.get("rss_mb") or {}
    lines += [
        "",
        "## Cost",
        "",
        "| what | value |",
        "|---|---|",
        f"| training the project's model (`rasa train`, empty cache), s | "
        f"{_num(result.get('train_s'), 1)} |",
        f"| peak RSS of the Rasa server (after the c20 load), MB | {_num(rss.get('rasa'), 1)} |",
        f"| peak RSS of the action server (after the c20 load), MB | "
        f"{_num(rss.get('actions'), 1)} |",
        f"| model size on disk (`models/smartcity.tar.gz`), MB | "
        f"{_num(result.get('model_mb'), 1)} |",
    ]
    bare_rss = result.get("bare_rss_mb")
    if bare_rss is not None:
        lines.append(f"| peak RSS of the bare bot's Rasa server, MB | {_num(bare_rss, 1)} |")
    notes = result.get("notes") or []
    if notes:
        lines += ["", "## Notes", ""] + [f"- {note}" for note in notes]
    return "\n".join(lines) + "\n"


def _resumed_line(result: Mapping) -> list[str]:
    """A run finished with --resume says so: which phases ran later, on which commit."""
    resumed = result.get("resumed")
    if not resumed:
        return []
    return ["", f"Started on commit {str(result.get('commit'))[:7]}; finished by "
                f"`{resumed.get('command')}` on {resumed.get('date')} (phases "
                f"{', '.join(resumed.get('phases') or [])}, commit "
                f"{str(resumed.get('commit'))[:7]}; nothing the benchmark measures changed "
                f"between the two; the resumed part took {_num(resumed.get('run_s'), 0)} s)."]


def _scaling_section(scaling: Mapping | None) -> list[str]:
    """Issue 16's figures: conversation length, knowledge-base size, 50 conversations."""
    lines = ["", "## Scaling", ""]
    if not scaling:
        return [*lines, "Not measured in this run."]
    factor = scaling.get("kb_factor", 100)
    lines += [
        "Measured in the same run as the load rounds (`tools/bench/scaling.py`). *message 10 / "
        "200*: median latency of messages 1-20 and 181-200 of conversations of 200 messages "
        "sent one after the other (each window holds every bench question once). *KB*: p95 at "
        f"20 concurrent conversations against the shipped knowledge base and one {factor} times "
        "larger (projects, tours, programme facts; `tools/bench/kb_scale.py`), with its own "
        "model trained on the larger lookup table; alternating rounds.",
        "",
        "| figure | value | ratio |",
        "|---|---|---|",
        f"| message 10 of a conversation, ms | {_num(scaling['msg10_ms'], 1)} | |",
        f"| message 200 of a conversation, ms | {_num(scaling['msg200_ms'], 1)} | "
        f"{_num(ratio(scaling['msg200_ms'], scaling['msg10_ms']), 2)} |",
        f"| c20 p95 with the shipped knowledge base, ms | {_num(scaling['kb1x_p95_ms'], 1)} | |",
        f"| c20 p95 with the knowledge base x{factor}, ms | "
        f"{_num(scaling['kb100x_p95_ms'], 1)} | "
        f"{_num(ratio(scaling['kb100x_p95_ms'], scaling['kb1x_p95_ms']), 2)} |",
    ]
    c50 = scaling.get("c50") or {}
    if c50:
        lines += ["", "| c50 | p50 ms | p95 ms | p99 ms | msg/s |", "|---|---|---|---|---|"]
        for stack, values in c50.items():
            lines.append(f"| {stack} | {_num(values['p50_ms'], 1)} | "
                         f"{_num(values['p95_ms'], 1)} | {_num(values['p99_ms'], 1)} | "
                         f"{_num(values['msg_per_s'], 2)} |")
        lines.append(f"| full/bare | {_num(ratio(c50['full']['p50_ms'], c50['bare']['p50_ms']), 2)}"
                     f" | {_num(ratio(c50['full']['p95_ms'], c50['bare']['p95_ms']), 2)} | "
                     f"{_num(ratio(c50['full']['p99_ms'], c50['bare']['p99_ms']), 2)} | "
                     f"{_num(ratio(c50['full']['msg_per_s'], c50['bare']['msg_per_s']), 2)} |")
    return [*lines, "", "![scaling](benchmarks-scaling.png)"]


def write(result: Mapping, out_dir: Path) -> tuple[Path, Path]:
    """Writes benchmarks.json and benchmarks.md into out_dir; returns both paths."""
    out_dir.mkdir(parents=True, exist_ok=True)
    json_path = out_dir / "benchmarks.json"
    md_path = out_dir / "benchmarks.md"
    json_path.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n",
                         encoding="utf-8")
    md_path.write_text(markdown(result), encoding="utf-8")
    return json_path, md_path


def plot(samples: Mapping[str, Mapping[str, Sequence[float]]], path: Path) -> Path:
    """Box plots of per-message latency (ms), full vs bare, at c1 and c20 (Agg backend)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, len(LEVELS), figsize=(10, 4.5))
    for axis, level in zip(axes, LEVELS, strict=True):
        data = [[value * 1000 for value in samples.get(level, {}).get(stack, [])] or [0.0]
                for stack in STACKS]
        axis.boxplot(data, labels=list(STACKS), whis=(5, 95), showfliers=True,
                     flierprops={"markersize": 2, "alpha": 0.4})
        axis.set_title(f"{level}: per-message latency")
        axis.set_ylabel("ms")
        axis.set_yscale("log")
        axis.grid(axis="y", alpha=0.3)
    fig.suptitle("REST latency, full stack vs bare Rasa bot (whiskers p5–p95)")
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path
