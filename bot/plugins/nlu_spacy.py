"""Rasa's ``SpacyNLP`` with a default model, so the rasa CLI works without extra environment.

Rasa's own ``SpacyNLP`` needs ``model:`` in ``config.yml``; the project's default pipeline is a
path built at set-up (``var/spacy/de_gera``), and ``de_core_news_sm`` is an opt-in. Writing
``model: ${SPACY_MODEL}`` made every ``rasa`` command fail when the variable was not
exported. This component resolves the model itself:

1. ``model`` in ``config.yml``, when given;
2. else the environment variable ``SPACY_MODEL`` (the opt-in, e.g. ``de_core_news_sm``);
3. else the offline German pipeline the set-up builds, ``var/spacy/de_gera``.

A relative path is taken relative to the repository root (where this package lives), so
``rasa`` commands work from any working directory; a path that exists only relative to the
working directory is used from there. A name without a path separator is a spaCy package.

The class keeps the name ``SpacyNLP`` on purpose: Rasa's recipe connects SpacyTokenizer and
the spaCy featurizers to their model provider by the provider's class name
(``model_from="SpacyNLP"``), and its registry keys components by class name. Registered
under that name, this class takes the place of Rasa's (it behaves identically when a model is
configured), and ``config.yml`` names it by module path: ``bot.plugins.nlu_spacy.SpacyNLP``.

Training fingerprints include the chosen model (``fingerprint_addon``), so switching
``SPACY_MODEL`` retrains instead of reusing cached components of the other pipeline.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import Any

from rasa.engine.graph import ExecutionContext
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.model import InvalidModelError
from rasa.nlu.utils import spacy_utils
from rasa.nlu.utils.spacy_utils import SpacyModel

from bot import ROOT
from bot import SPACY_PIPELINE as DEFAULT_PIPELINE

ENV_VAR = "SPACY_MODEL"
logger = logging.getLogger(__name__)


def model_spec(configured: Any = None) -> str:
    """Which pipeline to use, as written (config, then ``SPACY_MODEL``, then the default)."""
    for candidate in (configured, os.environ.get(ENV_VAR)):
        if isinstance(candidate, str) and candidate.strip():
            return candidate.strip()
    return DEFAULT_PIPELINE


def _is_path(spec: str) -> bool:
    return "/" in spec or os.sep in spec or spec.startswith((".", "~"))


def resolve(spec: str) -> str:
    """What ``spacy.load`` gets: an absolute path for a path, the name for a package."""
    if not _is_path(spec):
        return spec
    path = Path(spec).expanduser()
    if path.is_absolute():
        return str(path)
    from_root = ROOT / path
    if from_root.exists():
        return str(from_root)
    from_cwd = Path.cwd() / path
    if from_cwd.exists():
        return str(from_cwd.resolve())
    return str(from_root)


def _missing_message(spec: str, location: str) -> str:
    if spec == DEFAULT_PIPELINE:
        return (
            f"The German spaCy pipeline is not built yet ({location} is missing). "
            "Run `make setup` once (or `.venv/bin/python -m bot spacy build`)."
        )
    if _is_path(spec):
        return f"spaCy pipeline '{spec}' not found ({location} is missing)."
    return (
        f"spaCy pipeline '{spec}' is not installed in this environment. Install it (e.g. "
        f"`.venv/bin/pip install de_core_news_sm-3.4.0.tar.gz`) or unset {ENV_VAR} to use "
        f"the default pipeline {DEFAULT_PIPELINE}."
    )


@DefaultV1Recipe.register(
    [
        DefaultV1Recipe.ComponentType.MODEL_LOADER,
        DefaultV1Recipe.ComponentType.MESSAGE_FEATURIZER,
    ],
    is_trainable=False,
    model_from="SpacyNLP",
)
class SpacyNLP(spacy_utils.SpacyNLP):
    """Rasa's SpacyNLP whose model defaults to ``SPACY_MODEL`` or the built German pipeline."""

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        return {**spacy_utils.SpacyNLP.get_default_config(), "model": None}

    @classmethod
    def fingerprint_addon(cls, config: dict[str, Any]) -> str | None:
        return model_spec(config.get("model"))

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> SpacyNLP:
        spec = model_spec(config.get("model"))
        location = resolve(spec)
        if _is_path(spec) and not (Path(location) / "meta.json").is_file():
            raise InvalidModelError(_missing_message(spec, location))
        language = _load(cls, spec, location)
        # The fingerprint (what later components' cache keys depend on) is the spec as
        # written, not the absolute path, so a moved checkout keeps its training cache.
        model = SpacyModel(model=language, model_name=spec)
        return cls(model, {**cls.get_default_config(), **config, "model": spec})


# Rasa creates the component twice per graph (the model provider and the node that parses
# messages), and each would load the pipeline again (~5 s for the lemma tables). One load
# per pipeline and process is enough: the Language object is only read.
_loaded: dict[tuple[str, float], Any] = {}


def _load(cls: type[SpacyNLP], spec: str, location: str) -> Any:
    meta = Path(location) / "meta.json"
    key = (location, meta.stat().st_mtime if meta.is_file() else 0.0)
    if key not in _loaded:
        logger.info(f"Loading the spaCy pipeline '{spec}' from {location}.")
        try:
            loaded = cls.load_model(location)
        except InvalidModelError as exc:
            if _is_path(spec):
                raise
            raise InvalidModelError(_missing_message(spec, location)) from exc
        cls.ensure_proper_language_model(loaded.model)
        _loaded[key] = loaded.model
    return _loaded[key]
