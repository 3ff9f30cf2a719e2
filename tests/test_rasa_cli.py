"""The rasa CLI works in the repository as in any Rasa project, with ``SPACY_MODEL`` unset.

``config.yml`` names ``bot.plugins.nlu_spacy.SpacyNLP``, which finds the German pipeline built at
set-up (``var/spacy/de_gera``) by itself. The subprocess tests run the real ``rasa`` commands
with ``SPACY_MODEL`` removed from the environment:

- ``rasa data validate`` exactly as a newcomer types it (no arguments, repository root);
- ``rasa train nlu`` + ``rasa test nlu`` on a small split (a few intents of each language,
  the project's NLU pipeline from ``config.yml`` as shipped), run
  from a temporary working directory, to show the pipeline path does not depend on the cwd.

The unit tests check how the model is chosen and that the choice is part of the training
fingerprint (switching ``SPACY_MODEL`` retrains instead of reusing the cache).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.stack import ROOT, VENV_BIN

PIPELINE = ROOT / "var" / "spacy" / "de_gera"
RASA = str(VENV_BIN / "rasa")
# Intents of the small split: distinct topics, so a 3-epoch model still tells them apart.
SPLIT_INTENTS = ("hours_week", "greet", "goodbye", "contact")
TRAIN_PER_INTENT = 12
TEST_PER_INTENT = 4


def _env_without_spacy_model() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "SPACY_MODEL"}
    env["TF_CPP_MIN_LOG_LEVEL"] = "2"
    return env


@pytest.fixture(scope="module")
def built_pipeline() -> Path:
    if not (PIPELINE / "meta.json").exists():
        pytest.fail("German pipeline missing: `make setup` builds it")
    return PIPELINE


def _run(args: list[str], cwd: Path, log: Path, timeout: int = 300) -> str:
    result = subprocess.run(
        args,
        cwd=cwd,
        env=_env_without_spacy_model(),
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    output = result.stdout + result.stderr
    log.write_text(output, encoding="utf-8")
    assert "expand the environment variables" not in output, output[-3000:]
    assert result.returncode == 0, f"{' '.join(args)} failed:\n{output[-3000:]}"
    return output


# -- the CLI as a newcomer uses it ---------------------------------------------------------
def test_rasa_data_validate_without_spacy_model(built_pipeline: Path, tmp_path: Path) -> None:
    output = _run([RASA, "data", "validate"], ROOT, tmp_path / "validate.log")
    assert "Traceback" not in output


def _examples(block: str) -> list[str]:
    return [line[2:].strip() for line in block.splitlines() if line.startswith("- ")]


def _small_split() -> tuple[dict[str, Any], dict[str, Any]]:
    """Train/test NLU data: a few intents of both languages from data/nlu."""
    by_intent: dict[str, list[str]] = {}
    for path in sorted((ROOT / "data" / "nlu").glob("*/*.yml")):
        if path.parent.name not in ("de", "en"):
            continue
        document = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        for item in document.get("nlu") or []:
            if item.get("intent") in SPLIT_INTENTS:
                by_intent.setdefault(f"{item['intent']}|{path.parent.name}", []).extend(
                    _examples(item.get("examples", ""))
                )
    train: list[dict[str, str]] = []
    test: list[dict[str, str]] = []
    merged: dict[str, tuple[list[str], list[str]]] = {}
    for key, examples in sorted(by_intent.items()):
        intent = key.split("|")[0]
        plain = [e for e in examples if "[" not in e]  # no entity annotations needed
        head, tail = merged.setdefault(intent, ([], []))
        head.extend(plain[:TRAIN_PER_INTENT])
        tail.extend(plain[TRAIN_PER_INTENT : TRAIN_PER_INTENT + TEST_PER_INTENT])
    for intent, (head, tail) in sorted(merged.items()):
        assert head and tail, f"intent {intent} has too few examples for the split"
        train.append({"intent": intent, "examples": "".join(f"- {e}\n" for e in head)})
        test.append({"intent": intent, "examples": "".join(f"- {e}\n" for e in tail)})
    return {"version": "3.1", "nlu": train}, {"version": "3.1", "nlu": test}


def _quick_config() -> dict[str, Any]:
    """config.yml's NLU pipeline as shipped (its n-gram intent classifier trains in seconds on
    the small split); policies are left out (NLU only)."""
    config = yaml.safe_load((ROOT / "config.yml").read_text(encoding="utf-8"))
    config.pop("policies", None)
    return config


def test_rasa_train_and_test_nlu_on_a_small_split(built_pipeline: Path, tmp_path: Path) -> None:
    config = _quick_config()
    assert "bot.plugins.nlu_spacy.SpacyNLP" in [c["name"] for c in config["pipeline"]]
    assert all("model" not in c for c in config["pipeline"] if "Spacy" in c["name"])
    train, test = _small_split()
    (tmp_path / "config.yml").write_text(yaml.safe_dump(config), encoding="utf-8")
    data = tmp_path / "train"
    data.mkdir()
    (data / "train.yml").write_text(yaml.safe_dump(train, allow_unicode=True), "utf-8")
    (tmp_path / "test.yml").write_text(yaml.safe_dump(test, allow_unicode=True), "utf-8")
    # The lookup tables the pipeline's regex featurizer and entity extractor use.
    lookups = [ROOT / "data/nlu/generated/kb_lookups.yml", *(ROOT / "data/nlu/lookups").glob("*")]
    for path in lookups:
        shutil.copy(path, data / f"lookup-{path.name}")

    # From a temporary directory: the pipeline is found relative to the repository.
    _run(
        [RASA, "train", "nlu", "--config", "config.yml", "--nlu", "train",
         "--out", "models", "--fixed-model-name", "small"],
        tmp_path,
        tmp_path / "train.log",
    )
    model = tmp_path / "models" / "small.tar.gz"
    assert model.exists()
    _run(
        [RASA, "test", "nlu", "--model", str(model), "--nlu", "test.yml", "--out", "results",
         "--no-plot"],
        tmp_path,
        tmp_path / "test.log",
    )
    report = json.loads((tmp_path / "results" / "intent_report.json").read_text())
    assert set(SPLIT_INTENTS) <= set(report)
    assert report["weighted avg"]["support"] == len(SPLIT_INTENTS) * 2 * TEST_PER_INTENT
    # Proof that the model really used the German pipeline: its stored schema names our
    # provider and the spec the component resolved (no environment variable involved).
    import tarfile

    with tarfile.open(model) as archive:
        member = archive.getmember("metadata.json")
        handle = archive.extractfile(member)
        assert handle is not None
        metadata = json.loads(handle.read())
    uses = {node["uses"] for node in metadata["predict_schema"]["nodes"].values()}
    assert "bot.plugins.nlu_spacy.SpacyNLP" in uses


# -- how the model is chosen ---------------------------------------------------------------
def test_model_spec_config_then_environment_then_default(monkeypatch) -> None:
    from bot.plugins.nlu_spacy import model_spec, resolve
    from bot.services.spacy_pipeline import DEFAULT_PIPELINE

    monkeypatch.delenv("SPACY_MODEL", raising=False)
    assert model_spec(None) == DEFAULT_PIPELINE == "var/spacy/de_gera"
    assert resolve(DEFAULT_PIPELINE) == str(PIPELINE)
    monkeypatch.setenv("SPACY_MODEL", "de_core_news_sm")
    assert model_spec(None) == "de_core_news_sm"
    assert resolve("de_core_news_sm") == "de_core_news_sm"  # a package name stays a name
    assert model_spec("other/path") == "other/path"  # config.yml wins
    monkeypatch.setenv("SPACY_MODEL", "  ")
    assert model_spec(None) == DEFAULT_PIPELINE


def test_relative_paths_resolve_from_the_repository(monkeypatch, tmp_path: Path) -> None:
    from bot.plugins.nlu_spacy import resolve

    monkeypatch.chdir(tmp_path)
    assert resolve("var/spacy/de_gera") == str(PIPELINE)
    (tmp_path / "mine").mkdir()
    assert resolve("./mine") == str(tmp_path / "mine")  # only in the cwd: taken from there
    assert resolve(str(tmp_path / "x")) == str(tmp_path / "x")


def test_switching_the_model_changes_the_training_fingerprint(monkeypatch) -> None:
    from rasa.engine.training import fingerprinting

    from bot.plugins.nlu_spacy import SpacyNLP

    def key() -> str:
        return fingerprinting.calculate_fingerprint_key(
            SpacyNLP, {**SpacyNLP.get_default_config(), "case_sensitive": False}, {}
        )

    monkeypatch.delenv("SPACY_MODEL", raising=False)
    default = key()
    monkeypatch.setenv("SPACY_MODEL", "var/spacy/de_gera")
    assert key() == default  # what make exports is the default: same cache
    monkeypatch.setenv("SPACY_MODEL", "de_core_news_sm")
    assert key() != default


def test_missing_pipeline_is_a_clear_error(monkeypatch, tmp_path: Path) -> None:
    from rasa.nlu.model import InvalidModelError

    from bot.plugins.nlu_spacy import SpacyNLP

    monkeypatch.setenv("SPACY_MODEL", str(tmp_path / "nowhere"))
    with pytest.raises(InvalidModelError, match="not found"):
        SpacyNLP.create(SpacyNLP.get_default_config(), None, None, None)  # type: ignore[arg-type]
    monkeypatch.setenv("SPACY_MODEL", "de_no_such_package_sm")
    with pytest.raises(InvalidModelError, match="not installed"):
        SpacyNLP.create(SpacyNLP.get_default_config(), None, None, None)  # type: ignore[arg-type]


def test_provider_is_recognised_by_rasa(monkeypatch) -> None:
    """The recipe wires SpacyTokenizer to our provider; graph validation accepts it."""
    from rasa.engine.recipes.default_recipe import DefaultV1Recipe
    from rasa.engine.validation import validate
    from rasa.shared.importers.importer import TrainingDataImporter

    monkeypatch.delenv("SPACY_MODEL", raising=False)
    importer = TrainingDataImporter.load_from_config(
        str(ROOT / "config.yml"), str(ROOT / "domain.yml"), [str(ROOT / "data" / "nlu")]
    )
    config = importer.get_config()
    model_config = DefaultV1Recipe().graph_config_for_recipe(config, {})
    nodes = model_config.train_schema.nodes
    provider = next(name for name, node in nodes.items() if node.uses.__name__ == "SpacyNLP")
    assert nodes[provider].uses.__module__ == "bot.plugins.nlu_spacy"
    parser = next(
        n for n in nodes.values() if n.uses.__name__ == "SpacyNLP" and n is not nodes[provider]
    )
    assert parser.needs["model"] == provider  # spaCy docs come from our provider's model
    tokenizer = next(n for n in nodes.values() if n.uses.__name__ == "SpacyTokenizer")
    assert nodes[tokenizer.needs["training_data"]] is parser
    validate(model_config)
