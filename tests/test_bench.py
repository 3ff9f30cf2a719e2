"""The benchmark's non-timing logic: percentiles, the JSON shape, targets, report writer,
and that the baselines really are Rasa's defaults. Fast: no servers, no training."""

from __future__ import annotations

import json
import os
import subprocess
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
import yaml

from bot import ROOT
from bot.kb.loader import load_directory
from tools.bench import load, report, scaling
from tools.bench.kb_scale import write_scaled
from tools.bench.stats import Round, build_result, percentile, ratio, summarise, targets


def test_percentile_interpolates_like_numpy() -> None:
    values = [4.0, 1.0, 3.0, 2.0]  # unsorted on purpose
    assert percentile(values, 0) == 1.0
    assert percentile(values, 100) == 4.0
    assert percentile(values, 50) == pytest.approx(2.5)
    assert percentile(values, 95) == pytest.approx(3.85)
    assert percentile([7.0], 99) == 7.0
    assert percentile(list(range(1, 101)), 99) == pytest.approx(99.01)


@pytest.mark.parametrize("q", [-1, 101])
def test_percentile_rejects_out_of_range(q: float) -> None:
    with pytest.raises(ValueError):
        percentile([1.0], q)


def test_percentile_of_nothing_is_an_error() -> None:
    with pytest.raises(ValueError):
        percentile([], 50)


def test_summarise_pools_rounds_and_counts_throughput_over_wall_time() -> None:
    rounds = [Round(latencies=[0.1, 0.2], wall_s=1.0, errors=1),
              Round(latencies=[0.3, 0.4], wall_s=3.0)]
    summary = summarise(rounds)
    assert summary["p50_ms"] == pytest.approx(250.0)
    assert summary["p99_ms"] == pytest.approx(397.0)
    assert summary["msg_per_s"] == pytest.approx(1.0)  # 4 messages in 4 s
    assert summary["messages"] == 4 and summary["errors"] == 1 and summary["rounds"] == 2


def test_summarise_refuses_rounds_without_answers() -> None:
    with pytest.raises(ValueError):
        summarise([Round(latencies=[], wall_s=2.0, errors=5)])


def test_ratio_handles_missing_and_zero() -> None:
    assert ratio(3.0, 2.0) == 1.5
    assert ratio(None, 2.0) is None
    assert ratio(1.0, 0) is None


def _latency(p95_full: float, p95_bare: float) -> dict:
    def row(p95: float) -> dict:
        return {"p50_ms": p95 / 2, "p95_ms": p95, "p99_ms": p95 * 1.2, "msg_per_s": 10.0,
                "messages": 100}

    return {level: {"full": row(p95_full), "bare": row(p95_bare)} for level in ("c1", "c20")}


def _nlu(project_f1: float, default_f1: float) -> dict:
    def scores(f1: float) -> dict:
        return {lang: {"macro_f1": f1, "accuracy": f1, "examples": 10} for lang in ("de", "en")}

    return {"project": scores(project_f1), "default": scores(default_f1)}


def _result(**overrides: object) -> dict:
    arguments: dict = {"cores": 2, "nlu": _nlu(0.97, 0.9), "latency": _latency(130.0, 100.0),
                       "train_s": 170.0, "rss_mb": {"rasa": 1200.0, "actions": 300.0},
                       "model_mb": 40.0}
    arguments.update(overrides)
    return build_result(**arguments)


def test_result_has_exactly_the_shape_of_issue_6() -> None:
    result = _result(extra={"date": "2026-01-01", "cores": 99})
    assert {"cores", "nlu", "latency", "train_s", "rss_mb", "model_mb"} <= set(result)
    assert result["cores"] == 2  # extra keys never overwrite measured ones
    assert set(result["nlu"]) == {"project", "default"}
    for pipeline in ("project", "default"):
        assert set(result["nlu"][pipeline]) == {"de", "en"}
        for language in ("de", "en"):
            assert set(result["nlu"][pipeline][language]) == {"macro_f1", "accuracy"}
    assert set(result["latency"]) == {"c1", "c20"}
    for level in ("c1", "c20"):
        assert set(result["latency"][level]) == {"full", "bare"}
        for stack in ("full", "bare"):
            assert set(result["latency"][level][stack]) == {"p50_ms", "p95_ms", "p99_ms",
                                                            "msg_per_s"}
    assert set(result["rss_mb"]) == {"rasa", "actions"}
    assert result["date"] == "2026-01-01"
    json.dumps(result)  # serialisable as it is


def test_ratios_are_project_over_default_and_full_over_bare() -> None:
    result = _result()
    assert result["ratios"]["nlu_project_over_default"]["de"]["macro_f1"] == pytest.approx(
        0.97 / 0.9, abs=1e-3)
    assert result["ratios"]["latency_full_over_bare"]["c20"]["p95_ms"] == pytest.approx(1.3)


def _trust(accuracy: float, fallback: float, wrong: float, followups: float) -> dict:
    scope = {"inscope_accuracy": accuracy, "fallback_share": fallback,
             "oos_wrong_rate": wrong, "inscope_n": 175, "oos_n": 300}
    return {"scope": {"de": scope, "en": scope},
            "followups": {language: {"followup_accuracy": followups, "followup_n": 60,
                                     "first_turn_accuracy": 1.0, "conversations": 30}
                          for language in ("de", "en")}}


def _scaling(msg200_ms: float, kb100x_p95_ms: float) -> dict:
    long_run = [0.05] * 20 + [0.07] * 160 + [msg200_ms / 1000] * 20
    c50 = {stack: {"p50_ms": 1.0, "p95_ms": 2.0, "p99_ms": 3.0, "msg_per_s": 4.0,
                   "messages": 9} for stack in ("full", "bare")}
    return {"scaling": scaling.scaling_result([long_run], {"kb1x": 100.0,
                                                           "kb100x": kb100x_p95_ms}, c50)}


def test_targets_met_at_the_limits_and_missed_beyond() -> None:
    met = {row["target"]: row["met"] for row in _result(
        latency=_latency(100.0, 100.0),
        extra=_trust(0.95, 0.03, 0.02, 0.9) | _scaling(60.0, 120.0))["targets"]}
    assert len(met) == 19 and all(met.values()), met
    missed = {row["target"]: row["met"] for row in _result(
        nlu=_nlu(0.94, 0.96), latency=_latency(131.0, 100.0) | {
            "c20": {"full": {"p50_ms": 1.0, "p95_ms": 131.0, "p99_ms": 1.0, "msg_per_s": 9.9},
                    "bare": {"p50_ms": 1.0, "p95_ms": 100.0, "p99_ms": 1.0, "msg_per_s": 10.0}}},
        train_s=181.0, rss_mb={"rasa": 1600.0, "actions": 1.0},
        extra=_trust(0.94, 0.031, 0.021, 0.89) | _scaling(61.0, 121.0))["targets"]}
    assert not any(missed.values()), missed


def test_scaling_windows_compare_message_10_with_message_200() -> None:
    runs = [[0.010] * 20 + [0.5] * 160 + [0.030] * 20, [0.020] * 20 + [0.5] * 160 + [0.040] * 20]
    assert scaling.window_median_ms(runs, scaling.EARLY_WINDOW) == 15.0
    assert scaling.window_median_ms(runs, scaling.LATE_WINDOW) == 35.0
    assert scaling.per_message_ms(runs)[0] == 15.0 and len(scaling.per_message_ms(runs)) == 200
    with pytest.raises(ValueError):
        scaling.window_median_ms([[0.01] * 5], scaling.LATE_WINDOW)


def test_scaling_block_has_the_keys_of_issue_16(tmp_path: Path) -> None:
    block = _scaling(60.0, 120.0)["scaling"]
    assert {"msg10_ms", "msg200_ms", "kb1x_p95_ms", "kb100x_p95_ms", "c50"} <= set(block)
    assert block["msg10_ms"] == 50.0 and block["msg200_ms"] == 60.0
    assert set(block["c50"]) == {"full", "bare"}
    assert set(block["c50"]["full"]) == {"p50_ms", "p95_ms", "p99_ms", "msg_per_s"}
    result = _result(extra=block and {"scaling": block})
    _, md_path = report.write(result, tmp_path)
    text = md_path.read_text()
    assert "| message 200 of a conversation, ms | 60.0 | 1.20 |" in text
    assert "| c20 p95 with the knowledge base x100, ms | 120.0 | 1.20 |" in text
    image = scaling.plot(block, _latency(100.0, 100.0), tmp_path / "scaling.png")
    assert image.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_scaled_knowledge_base_is_valid_and_factor_times_larger(tmp_path: Path) -> None:
    shipped = load_directory(ROOT / "data" / "kb")
    scaled = load_directory(write_scaled(ROOT / "data" / "kb", tmp_path / "kb", 3))
    assert len(scaled.projects) == 3 * len(shipped.projects)
    assert len(scaled.tours) == 3 * len(shipped.tours)
    assert len(scaled.facts) == 3 * len(shipped.facts)
    assert scaled.opening_hours == shipped.opening_hours
    with pytest.raises(ValueError):
        write_scaled(ROOT / "data" / "kb", tmp_path / "none", 0)


def test_without_baseline_cv_the_pipelines_are_compared_on_the_heldout_set(
        tmp_path: Path) -> None:
    nlu = _nlu(0.97, 0.9) | {"default": None}
    heldout = _nlu(np.float64(0.9), np.float64(0.95))  # as tools.nlu_eval scores them
    result = _result(nlu=nlu, extra={"nlu_heldout": heldout})
    assert result["nlu"]["default"] is None
    assert "nlu_project_over_default" not in result["ratios"]
    rows = {row["target"]: row for row in result["targets"]}
    compared = rows["NLU macro-F1 ratio project/default (de, held-out)"]
    assert compared["value"] == pytest.approx(0.9 / 0.95, abs=1e-3)
    assert compared["met"] is False
    json.dumps(result)  # no numpy scalar reaches the JSON
    _, md_path = report.write(result, tmp_path)
    text = md_path.read_text()
    assert "| de | macro_f1 | 0.970 | – | – |" in text
    assert "not cross-validated in this run" in text
    # Cross-validated baseline: the folds decide, not the held-out set.
    rows = {row["target"]: row for row in _result(extra={"nlu_heldout": heldout})["targets"]}
    assert rows["NLU macro-F1 ratio project/default (de)"]["met"] is True


def test_skipped_phases_are_not_measured_rather_than_met() -> None:
    result = _result(nlu=None, latency=None, train_s=None, rss_mb=None, model_mb=None)
    assert result["nlu"] is None and result["latency"] is None
    assert {row["met"] for row in targets(result)} == {None}


def test_report_writes_json_and_markdown_with_command_cores_and_targets(tmp_path: Path) -> None:
    result = _result(train_s=200.0, extra={"command": "make bench", "date": "2026-01-01",
                                           "run_s": 900, "folds": 5})
    json_path, md_path = report.write(result, tmp_path)
    assert json.loads(json_path.read_text()) == result
    text = md_path.read_text()
    assert "`make bench`" in text and "2 cores" in text
    assert "| training time (s) | <= 180 | 200.0 | **missed** |" in text
    assert "| de | macro_f1 | 0.970 | 0.900 | 1.078 |" in text
    assert "| c20 | full | 65.0 | 130.0 | 156.0 | 10.00 |" in text


def test_report_of_a_partial_run_says_not_measured(tmp_path: Path) -> None:
    result = _result(nlu=None, latency=None)
    _, md_path = report.write(result, tmp_path)
    text = md_path.read_text()
    assert text.count("Not measured in this run.") == 3  # NLU, latency, scaling
    assert "not measured" in text


def test_plot_writes_a_png(tmp_path: Path) -> None:
    samples = {level: {"full": [0.1, 0.2, 0.3], "bare": [0.05, 0.06]} for level in ("c1", "c20")}
    path = report.plot(samples, tmp_path / "plot.png")
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def _bench_endpoints(tmp_path: Path, endpoints: str) -> tuple[dict, dict]:
    """(full, bare) endpoints the bench writes from this endpoints.yml text."""
    source = tmp_path / "endpoints.yml"
    source.write_text(endpoints)
    return tuple(yaml.safe_load(load.bench_endpoints(source, tmp_path / f"{stack}.yml",
                                                     tmp_path / f"{stack}.db", port).read_text())
                 for stack, port in (("full", 40123), ("bare", None)))


def test_bench_endpoints_move_actions_and_tracker_file(tmp_path: Path) -> None:
    full, bare = _bench_endpoints(
        tmp_path, 'action_endpoint:\n  url: "http://localhost:5055/webhook"\n'
                  "tracker_store:\n  type: SQL\n  dialect: sqlite\n  db: var/trackers.db\n")
    assert full["action_endpoint"]["url"] == "http://127.0.0.1:40123/webhook"
    assert full["tracker_store"] == {"type": "SQL", "dialect": "sqlite",
                                     "db": str(tmp_path / "full.db")}
    assert "action_endpoint" not in bare
    assert bare["tracker_store"]["type"] == "SQL"


def test_the_bare_bot_gets_rasas_own_tracker_store_on_the_same_medium(tmp_path: Path) -> None:
    full, bare = _bench_endpoints(
        tmp_path, "tracker_store:\n  type: bot.plugins.tracker_store.RecentTurnsTrackerStore"
                  "\n  dialect: sqlite\n  db: var/trackers.db\n  recent_turns: 5\n")
    assert full["tracker_store"]["type"] == "bot.plugins.tracker_store.RecentTurnsTrackerStore"
    assert full["tracker_store"]["recent_turns"] == 5
    assert bare["tracker_store"] == {"type": "SQL", "dialect": "sqlite",
                                     "db": str(tmp_path / "bare.db")}


def test_free_port_avoids_the_ports_of_make_run() -> None:
    from bot.services.processes import free_port

    assert free_port() not in {5005, 5055, 8080}


def test_peak_rss_reads_this_process() -> None:
    rss = load.peak_rss_mb(os.getpid())
    assert rss is not None and rss > 1


def _rasa_default_config() -> dict:
    import rasa

    path = Path(rasa.__file__).parent / "engine/recipes/config_files/default_config.yml"
    return yaml.safe_load(path.read_text())


def test_bare_bot_uses_rasas_default_config_unchanged() -> None:
    ours = yaml.safe_load((ROOT / "bench/bare/config.yml").read_text())
    default = _rasa_default_config()
    assert ours["pipeline"] == default["pipeline"]
    assert ours["policies"] == default["policies"]
    assert ours["language"] == "en"


def test_nlu_baseline_is_rasas_default_pipeline() -> None:
    ours = yaml.safe_load((ROOT / "bench/default_pipeline.yml").read_text())
    assert ours["pipeline"] == _rasa_default_config()["pipeline"]
    assert ours["pipeline"][0]["name"] == "WhitespaceTokenizer"


def test_citizen_messages_cover_both_languages_and_the_topics() -> None:
    text = " ".join(load.CITIZEN_MESSAGES).lower()
    for word in ("geöffnet", "tour", "gefördert", "pilotprojekte", "kontaktieren",
                 "opening hours", "funds", "pilot projects", "contact"):
        assert word in text


def test_report_has_the_held_out_table_when_the_run_measured_it(tmp_path: Path) -> None:
    result = _result(extra={"nlu_heldout": _nlu(0.8, 0.5)})
    _, md_path = report.write(result, tmp_path)
    assert "| de | 10 | macro_f1 | 0.800 | 0.500 | 1.600 |" in md_path.read_text()
    _, md_path = report.write(_result(), tmp_path)
    assert "Held-out" not in md_path.read_text()


def test_held_out_questions_are_labelled_with_domain_intents_and_never_trained_on() -> None:
    from tools.nlu_eval import heldout_examples, load_training_data

    examples = heldout_examples()
    assert {language for _, _, language in examples} == {"de", "en"}
    domain = yaml.safe_load((ROOT / "domain.yml").read_text(encoding="utf-8"))
    assert {intent for _, intent, _ in examples} <= set(domain["intents"])

    trained, read_as = _trained_forms(load_training_data())
    leaked = [text for text, _, _ in examples if read_as(text) in trained]
    assert not leaked, f"held-out questions that are also training examples: {leaked}"


@pytest.mark.parametrize("folder", ["dev", "dev2"])
def test_development_questions_are_labelled_with_domain_intents_and_never_trained_on(
        folder: str) -> None:
    """bench/dev/ chooses between variants; trained on, it would choose the variant that
    memorised it."""
    from rasa.shared.nlu.training_data.loading import load_data

    from tools.nlu_eval import dev_examples, load_training_data

    domain = yaml.safe_load((ROOT / "domain.yml").read_text(encoding="utf-8"))
    trained, read_as = _trained_forms(load_training_data())
    for language in ("de", "en"):
        examples = load_data(str(ROOT / "bench" / folder / f"{language}.yml")).intent_examples
        assert len(examples) >= 120
        assert {example.get("intent") for example in examples} <= set(domain["intents"])
        leaked = [e.get("text") for e in examples if read_as(e.get("text")) in trained]
        assert not leaked, f"development questions that are also training examples: {leaked}"
    inscope, out_of_scope = dev_examples(ROOT / "bench" / folder)
    for language in ("de", "en"):
        assert sum(lang == language for _, _, lang in out_of_scope) >= 30
        assert sum(lang == language for _, _, lang in inscope) >= 90
    assert {intent for _, intent, _ in out_of_scope} == {"out_of_scope"}


def test_held_out_out_of_scope_and_follow_ups_are_broad_and_never_trained_on() -> None:
    from tools.bench.followups import load_conversations
    from tools.nlu_eval import load_training_data, oos_examples

    oos = oos_examples()
    data = yaml.safe_load((ROOT / "bench/heldout/oos/de.yml").read_text(encoding="utf-8"))
    assert len({block["domain"] for block in data["questions"]}) >= 30
    for language in ("de", "en"):
        assert sum(lang == language for _, _, lang in oos) >= 300
    conversations = load_conversations()
    for language in ("de", "en"):
        turns = [t for c in conversations if c.language == language for t in c.turns[1:]]
        assert len(turns) >= 40
    training_data = load_training_data()
    trained, read_as = _trained_forms(training_data)
    scored = [text for text, _, _ in oos] + [t.user for c in conversations for t in c.turns[1:]]
    leaked = [text for text in scored if read_as(text) in trained]
    # First turns only set the context (their score is for reference): a plain "What are
    # your opening hours?" may be what a trained "Hi, what are your opening hours?" is read
    # as, but not a training example itself.
    first = {_normal(c.turns[0].user) for c in conversations}
    leaked += [example.get("text") for example in training_data.intent_examples
               if _normal(example.get("text")) in first]
    assert not leaked, f"held-out texts that are also training examples: {leaked}"


def _normal(text: str) -> str:
    return " ".join("".join(c for c in text.lower() if c.isalnum() or c.isspace()).split())


def _trained_forms(training_data) -> tuple[set[str], Callable[[str], str]]:
    """The training examples as written and as the model learns them (courtesy trimmed),
    and how a held-out text is read: cleaned and trimmed the same way, then normalised."""
    from bot.plugins.nlu_guard import clean_text, learn_courtesies, trim_courtesy

    courtesies = learn_courtesies(training_data.intent_examples)

    def read_as(text: str) -> str:
        return _normal(trim_courtesy(clean_text(text)[0], courtesies))

    texts = [example.get("text") for example in training_data.intent_examples]
    return {_normal(text) for text in texts} | {read_as(text) for text in texts}, read_as


def test_profile_attributes_samples_to_the_most_specific_part(tmp_path: Path) -> None:
    from tools.bench.profile import part_of, read_folded, summary

    folded = tmp_path / "rasa.folded"
    folded.write_text(
        "handle (rasa/core/processor.py:10);process (bot/plugins/nlu_language.py:80);"
        "detect (bot/logic/language.py:150) 30\n"
        "handle (rasa/core/processor.py:10);process (bot/plugins/nlu_ngrams.py:9);"
        "transform (sklearn/pipeline.py:1) 50\n"
        "run (rasa/core/actions/action.py:700);validate (jsonschema/validators.py:3) 20\n"
        "run (sanic/app.py:1);serve (sanic/server/runners.py:155) 400\n"
        "bad line without a count\n", encoding="utf-8")
    stacks = read_folded(folded)
    assert sum(stacks.values()) == 500
    assert (part_of(next(s for s in stacks if "nlu_ngrams" in s))
            == "NLU: n-gram intent classifier and scope gate (ours)")
    text = "\n".join(summary("Rasa server", stacks))
    assert "100 samples at work (400 more waiting in the event loop" in text
    assert "| NLU: n-gram intent classifier and scope gate (ours) | 50.0% |" in text
    assert "| NLU: language decision (ours: lingua + n-gram classifier) | 30.0% |" in text
    assert "| action server call: reply schema check | 20.0% |" in text
    assert "`transform (sklearn/pipeline.py:1)` | 50.0%" in text


def test_a_run_is_resumed_only_on_unchanged_code_and_of_its_kind(tmp_path: Path) -> None:
    from tools.bench.__main__ import MEASURED_INPUTS, _commit, _measured_phases, _resumable

    head = _commit()
    assert head
    partial = tmp_path / "partial.json"
    partial.write_text(json.dumps({"commit": head, "quick": False, "train_s": 100.0,
                                   "latency": {"c1": {}}, "nlu": None}))
    # HEAD's measured inputs equal the work tree's unless someone is editing them right now
    unchanged = not subprocess.run(["git", "diff", "--quiet", "HEAD", "--", *MEASURED_INPUTS],
                                   cwd=ROOT, check=False).returncode
    assert (_resumable(partial, quick=False) is not None) == unchanged
    assert _resumable(partial, quick=True) is None  # another kind of run
    partial.write_text(json.dumps({"commit": "0" * 40, "quick": False}))
    assert _resumable(partial, quick=False) is None  # no such commit: nothing to compare
    assert _resumable(tmp_path / "missing.json", quick=False) is None
    assert _measured_phases({"train_s": 1.0, "latency": {}, "followups": None}) == {
        "train", "load"}


def test_a_resumed_run_says_so_in_the_report(tmp_path: Path) -> None:
    result = _result(extra={"commit": "a" * 40, "resumed": {
        "command": "python -m tools.bench --resume", "date": "2026-11-30T20:40:00+00:00",
        "commit": "b" * 40, "phases": ["nlu"], "run_s": 128}, "run_s": None})
    _, md_path = report.write(result, tmp_path)
    text = md_path.read_text()
    assert "Started on commit aaaaaaa; finished by `python -m tools.bench --resume`" in text
    assert "(phases nlu, commit bbbbbbb;" in text
    # the earlier part's time was not recorded: the report does not pass off the last part's
    assert "the run took an unrecorded time" in text and "the resumed part took 128 s" in text
    _, plain = report.write(_result(), tmp_path / "plain")
    assert "Started on commit" not in plain.read_text()


def test_scored_reading_is_the_final_intent_not_the_rankings_top() -> None:
    """A component after the classifier may change the intent without reordering the ranking
    (the topic prior, a named day, a courtesy); the dialogue acts on the intent, so the
    scores must too. Only for a fallback is the ranking's best the guess."""
    from tools.nlu_eval import to_prediction

    ranking = [{"name": "nlu_fallback", "confidence": 0.5}, {"name": "affirm", "confidence": 0.2}]
    rewritten = to_prediction(0, "Guten Tag, ich hätte eine Frage", "de", "greet",
                              {"intent": {"name": "greet", "confidence": 1.0},
                               "intent_ranking": ranking})
    assert (rewritten.predicted, rewritten.fallback) == ("greet", False)
    unsure = to_prediction(0, "hm", "de", "greet",
                           {"intent": {"name": "nlu_fallback", "confidence": 0.5},
                            "intent_ranking": ranking})
    assert (unsure.predicted, unsure.fallback) == ("affirm", True)
