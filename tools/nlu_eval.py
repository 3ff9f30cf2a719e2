"""NLU cross-validation, per language: the report in docs/ and the benchmark's NLU part.

Rasa's own ``rasa test nlu --cross-validation`` reports over all examples; citizens write
German or English, so this splits the project's data into stratified folds (fixed seed, the
same folds for every pipeline compared), trains each fold in-process and scores the
predictions per language (the folder data/nlu/de or data/nlu/en an example comes from).

    .venv/bin/python -m tools.nlu_eval --folds 5        # writes docs/nlu-cross-validation.md
"""

from __future__ import annotations

import argparse
import asyncio
import json
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from bot import ROOT
from bot.logic.intents import FALLBACK_INTENT, OUT_OF_SCOPE_INTENT, is_factual
from bot.logic.language import labelled_examples

if TYPE_CHECKING:  # Rasa is imported where it is used: `--help` stays fast
    from rasa.shared.nlu.training_data.training_data import TrainingData

NLU_DATA = ROOT / "data" / "nlu"
# Realistic citizen questions written apart from the training data and never trained on.
HELDOUT_DATA = ROOT / "bench" / "heldout"
# Questions written apart from both, for choosing between variants; never reported as results.
DEV_DATA = ROOT / "bench" / "dev"
HELDOUT_FOLD = -1
SEED = 42
# A wrong answer costs a citizen more than a "did you mean ...?" with topic buttons.
WRONG_ANSWER_COST = 2.0


@dataclass(frozen=True)
class Prediction:
    fold: int
    text: str
    language: str  # "de" | "en" | "other"
    expected: str
    predicted: str  # best intent other than nlu_fallback
    confidence: float
    fallback: bool  # did the pipeline's FallbackClassifier fire?


def load_training_data(path: Path = NLU_DATA) -> TrainingData:
    from rasa.shared.nlu.training_data.loading import load_data

    return load_data(str(path))


def folds(training_data: TrainingData, n_folds: int,
          seed: int = SEED) -> Iterator[tuple[TrainingData, TrainingData]]:
    """Stratified (train, test) TrainingData pairs; same seed -> same folds."""
    from rasa.shared.nlu.training_data.training_data import TrainingData
    from sklearn.model_selection import StratifiedKFold

    examples = training_data.intent_examples
    labels = [example.get("intent") for example in examples]
    splitter = StratifiedKFold(n_splits=n_folds, shuffle=True, random_state=seed)
    for train_index, test_index in splitter.split(examples, labels):
        def subset(indices: Iterable[int]) -> TrainingData:
            return TrainingData(
                training_examples=[examples[i] for i in indices],
                entity_synonyms=training_data.entity_synonyms,
                regex_features=training_data.regex_features,
                lookup_tables=training_data.lookup_tables,
            )

        yield subset(train_index), subset(test_index)


def _train(config: Path, training_data: TrainingData, workdir: Path) -> str:
    from rasa.model_training import train_nlu
    from rasa.shared.nlu.training_data.formats.rasa_yaml import RasaYAMLWriter

    data_file = workdir / "train.yml"
    data_file.write_text(RasaYAMLWriter().dumps(training_data), encoding="utf-8")
    model = train_nlu(str(config), str(data_file), str(workdir / "models"),
                      fixed_model_name="fold")
    if not model:
        raise RuntimeError(f"training with {config} failed")
    return model


async def _predict(model_path: str, texts: list[str]) -> list[dict]:
    from rasa.core.agent import Agent

    agent = Agent.load(model_path)
    return [await agent.parse_message(text) for text in texts]


def to_prediction(fold: int, text: str, language: str, expected: str,
                result: dict) -> Prediction:
    """The reading the dialogue acts on: the pipeline's final intent. Components after the
    classifier (topic prior, named day, subject evidence, courtesy) may change the intent
    without reordering the ranking; only for a fallback is the ranking's best the guess."""
    intent = result.get("intent") or {}
    ranking = [r for r in result.get("intent_ranking") or [] if r.get("name") != FALLBACK_INTENT]
    fallback = intent.get("name") == FALLBACK_INTENT
    best = (ranking[0] if ranking else {"name": None, "confidence": 0.0}) if fallback else intent
    return Prediction(
        fold=fold, text=text, language=language, expected=expected,
        predicted=best.get("name") or "", confidence=float(best.get("confidence") or 0.0),
        fallback=fallback,
    )


def heldout_examples(root: Path = HELDOUT_DATA) -> list[tuple[str, str, str]]:
    """(text, intent, language) from bench/heldout/<language>.yml; empty if there are none."""
    from rasa.shared.nlu.training_data.loading import load_data

    examples = []
    for language in ("de", "en"):
        path = root / f"{language}.yml"
        if path.exists():
            examples += [(example.get("text"), example.get("intent"), language)
                         for example in load_data(str(path)).intent_examples]
    return examples


def oos_examples(root: Path = HELDOUT_DATA / "oos") -> list[tuple[str, str, str]]:
    """(text, "out_of_scope", language) from bench/heldout/oos/<language>.yml."""
    import yaml

    examples = []
    for language in ("de", "en"):
        path = root / f"{language}.yml"
        if path.exists():
            data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
            examples += [(str(text), OUT_OF_SCOPE_INTENT, language)
                         for block in data.get("questions") or []
                         for text in block.get("examples") or []]
    return examples


def dev_examples(root: Path = DEV_DATA) -> tuple[list[tuple[str, str, str]],
                                                   list[tuple[str, str, str]]]:
    """(in-scope, out-of-scope) (text, intent, language) from bench/dev/<language>.yml."""
    examples = heldout_examples(root)
    return ([e for e in examples if e[1] != OUT_OF_SCOPE_INTENT],
            [e for e in examples if e[1] == OUT_OF_SCOPE_INTENT])


def answers_with_facts(intent: str) -> bool:
    """Would this intent, as a first message, be answered with SMARTCity facts?"""
    return is_factual(intent)


def scope_scores(inscope: list[Prediction], out_of_scope: list[Prediction],
                 language: str) -> dict:
    """The trust figures: in-scope accuracy and fallback share, out-of-scope wrong answers.

    In scope, a question is right when the final intent (after the fallback threshold) is
    the expected one. Out of scope, it is a wrong answer when the final intent is one that
    is answered with SMARTCity facts (a refusal, fallback, greeting or "which do you mean?"
    is not).
    """
    chosen = [p for p in inscope if p.language == language]
    oos = [p for p in out_of_scope if p.language == language]

    def final(prediction: Prediction) -> str:
        return FALLBACK_INTENT if prediction.fallback else prediction.predicted

    return {
        "inscope_accuracy": (sum(final(p) == p.expected for p in chosen) / len(chosen)
                             if chosen else None),
        "fallback_share": (sum(p.fallback for p in chosen) / len(chosen) if chosen else None),
        "oos_wrong_rate": (sum(answers_with_facts(final(p)) for p in oos) / len(oos)
                           if oos else None),
        "inscope_n": len(chosen),
        "oos_n": len(oos),
    }


def evaluate_heldout(config: Path, progress: Callable[[str], None] = print,
                     examples: list[tuple[str, str, str]] | None = None) -> list[Prediction]:
    """Train on all of data/nlu, predict the held-out questions."""
    examples = heldout_examples() if examples is None else examples
    if not examples:
        return []
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="heldout-") as tmp:
        model = _train(config, load_training_data(), Path(tmp))
        parsed = asyncio.run(_predict(model, [text for text, _, _ in examples]))
    progress(f"held-out set with {config.name}: {time.monotonic() - started:.0f}s")
    return [to_prediction(HELDOUT_FOLD, text, language, intent, result)
            for (text, intent, language), result in zip(examples, parsed, strict=True)]


def cross_validate(config: Path, n_folds: int = 5, seed: int = SEED,
                   progress: Callable[[str], None] = print) -> list[Prediction]:
    languages = {text: language for text, language in labelled_examples()}
    data = load_training_data()
    predictions: list[Prediction] = []
    for fold, (train, test) in enumerate(folds(data, n_folds, seed)):
        started = time.monotonic()
        with tempfile.TemporaryDirectory(prefix="cv-") as tmp:
            model = _train(config, train, Path(tmp))
            texts = [example.get("text") for example in test.intent_examples]
            parsed = asyncio.run(_predict(model, texts))
        for example, result in zip(test.intent_examples, parsed, strict=True):
            predictions.append(to_prediction(
                fold, example.get("text"), languages.get(example.get("text"), "other"),
                example.get("intent"), result))
        progress(f"fold {fold + 1}/{n_folds} of {config.name}: "
                 f"{time.monotonic() - started:.0f}s")
    return predictions


def scores(predictions: list[Prediction], language: str) -> dict:
    """Accuracy, macro-F1 and per-intent F1 of the top intent (fallback ignored)."""
    from sklearn.metrics import accuracy_score, classification_report, f1_score

    chosen = [p for p in predictions if p.language == language]
    expected = [p.expected for p in chosen]
    predicted = [p.predicted for p in chosen]
    labels = sorted(set(expected))
    report = classification_report(expected, predicted, labels=labels, output_dict=True,
                                   zero_division=0)
    return {
        "examples": len(chosen),
        "accuracy": accuracy_score(expected, predicted),
        "macro_f1": f1_score(expected, predicted, labels=labels, average="macro",
                             zero_division=0),
        "per_intent": {label: {"f1": report[label]["f1-score"],
                               "support": int(report[label]["support"])} for label in labels},
    }


def threshold_table(predictions: list[Prediction],
                    thresholds: Iterable[float] = (0.3, 0.4, 0.5, 0.6, 0.7, 0.8)) -> list[dict]:
    """For each fallback threshold: share answered, and accuracy of what is answered."""
    rows = []
    for threshold in thresholds:
        answered = [p for p in predictions if p.confidence >= threshold]
        correct = sum(p.predicted == p.expected for p in answered)
        rows.append({
            "threshold": threshold,
            "answered": len(answered) / len(predictions),
            "accuracy_answered": correct / len(answered) if answered else 0.0,
            "wrong_answers": len(answered) - correct,
            "fallbacks_on_correct": sum(p.predicted == p.expected and p.confidence < threshold
                                        for p in predictions),
            "net_score": (correct - WRONG_ANSWER_COST * (len(answered) - correct))
            / len(predictions),
        })
    return rows


def best_threshold(predictions: list[Prediction]) -> float:
    """The threshold with the best net score (correct answers minus weighted wrong ones)."""
    return max(threshold_table(predictions), key=lambda row: row["net_score"])["threshold"]


def markdown_report(predictions: list[Prediction], command: str, config: Path) -> str:
    per_language = {language: scores(predictions, language) for language in ("de", "en")}
    lines = [
        "# NLU cross-validation",
        "",
        f"Made by `{command}` ({config.name}, {max(p.fold for p in predictions) + 1} "
        f"stratified folds, seed {SEED}). Scores are for the top intent; the fallback "
        "threshold is evaluated separately below.",
        "",
        "| language | examples | accuracy | macro-F1 |",
        "|---|---|---|---|",
    ]
    for language, result in per_language.items():
        lines.append(f"| {language} | {result['examples']} | {result['accuracy']:.3f} | "
                     f"{result['macro_f1']:.3f} |")
    lines += ["", "## F1 per intent", "", "| intent | F1 de | support de | F1 en | support en |",
              "|---|---|---|---|---|"]
    intents = sorted(set(per_language["de"]["per_intent"]) | set(per_language["en"]["per_intent"]))
    for intent in intents:
        cells = []
        for language in ("de", "en"):
            item = per_language[language]["per_intent"].get(intent)
            cells += [f"{item['f1']:.3f}", str(item["support"])] if item else ["–", "0"]
        lines.append(f"| {intent} | " + " | ".join(cells) + " |")
    lines += ["", "## Fallback threshold", "",
              "Share of messages answered and accuracy of those answers if the "
              "FallbackClassifier threshold were set to each value (all languages). Net score "
              f"= (correct answers - {WRONG_ANSWER_COST:g} x wrong answers) / messages: a wrong "
              "answer costs more than the \"did you mean ...?\" buttons of the fallback. "
              f"Best threshold by net score: **{best_threshold(predictions):.1f}**.", "",
              "| threshold | answered | accuracy of answered | wrong answers | "
              "correct ones sent to fallback | net score |", "|---|---|---|---|---|---|"]
    for row in threshold_table(predictions):
        lines.append(f"| {row['threshold']:.1f} | {row['answered']:.3f} | "
                     f"{row['accuracy_answered']:.3f} | {row['wrong_answers']} | "
                     f"{row['fallbacks_on_correct']} | {row['net_score']:.3f} |")
    confusions: dict[tuple[str, str], int] = defaultdict(int)
    for p in predictions:
        if p.predicted != p.expected:
            confusions[(p.expected, p.predicted)] += 1
    lines += ["", "## Most frequent confusions", "", "| expected | predicted | count |",
              "|---|---|---|"]
    for (expected, predicted), count in sorted(confusions.items(), key=lambda x: -x[1])[:15]:
        lines.append(f"| {expected} | {predicted} | {count} |")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--config", default="config.yml")
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--out", default="docs/nlu-cross-validation.md")
    parser.add_argument("--json", default="var/results/nlu-cross-validation.json")
    args = parser.parse_args(argv)
    config = Path(args.config)
    predictions = cross_validate(config, args.folds)
    command = f"python -m tools.nlu_eval --config {args.config} --folds {args.folds}"
    Path(args.out).write_text(markdown_report(predictions, command, config), encoding="utf-8")
    Path(args.json).parent.mkdir(parents=True, exist_ok=True)
    Path(args.json).write_text(json.dumps([asdict(p) for p in predictions], ensure_ascii=False,
                                          indent=1), encoding="utf-8")
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
