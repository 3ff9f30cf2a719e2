"""Builds the default German spaCy pipeline offline.

``de_core_news_sm`` ships from GitHub releases, which these machines cannot reach. spaCy's
own German language data (tokenizer exceptions, stop words) plus the lookup lemmatizer
tables of ``spacy-lookups-data`` give tokens and lemmas, which is all Rasa's SpacyTokenizer
and the count-vector featurizers use; the small model has no word vectors either.

The build is atomic: the pipeline is written to a private staging directory next to the
target, loaded once to check it, and only then renamed into place (an old pipeline is first
renamed aside, then deleted). An interrupted build therefore never leaves a half-written
pipeline at the target, and its leftovers are removed by the next build.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from bot import ROOT, SPACY_PIPELINE

# The default pipeline as written in settings (SPACY_MODEL, var/spacy-model.txt), relative to
# the repository root, and where it is.
DEFAULT_PIPELINE = SPACY_PIPELINE
DEFAULT_PIPELINE_PATH = ROOT / DEFAULT_PIPELINE


def is_complete(path: Path) -> bool:
    """A pipeline directory as ``build`` leaves it (meta.json and config.cfg present)."""
    return (path / "meta.json").is_file() and (path / "config.cfg").is_file()


def _running(pid_text: str) -> bool:
    if not pid_text.isdigit() or int(pid_text) == os.getpid():
        return False
    try:
        os.kill(int(pid_text), 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _leftovers(target: Path) -> list[Path]:
    """Staging and trash directories of earlier, interrupted builds of ``target``."""
    if not target.parent.is_dir():
        return []
    found = []
    for path in target.parent.iterdir():
        for prefix in (f".{target.name}.build-", f".{target.name}.old-"):
            if path.name.startswith(prefix) and not _running(path.name[len(prefix) :]):
                found.append(path)
        if path.name == f"{target.name}.tmp":  # staging name of earlier versions
            found.append(path)
    return found


def build(target: Path = DEFAULT_PIPELINE_PATH) -> Path:
    """Build the pipeline into ``target`` (replacing it) and return the path."""
    import spacy

    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    for leftover in _leftovers(target):
        shutil.rmtree(leftover, ignore_errors=True)

    nlp = spacy.blank("de")
    nlp.add_pipe("lemmatizer", config={"mode": "lookup"})
    nlp.initialize()  # loads the lemma tables from spacy-lookups-data, no network
    nlp.meta["name"] = "de_gera"
    nlp.meta["description"] = "German tokenizer + lookup lemmatizer (offline build)"

    staging = target.with_name(f".{target.name}.build-{os.getpid()}")
    try:
        nlp.to_disk(staging)
        check = spacy.load(staging)
        if not is_complete(staging) or check("geöffnet")[0].lemma_ != "öffnen":
            raise RuntimeError(f"the pipeline written to {staging} does not load correctly")
        if target.exists():
            # Rename aside first: the target is then either the old or the new pipeline,
            # never a partly deleted one.
            trash = target.with_name(f".{target.name}.old-{os.getpid()}")
            target.rename(trash)
            staging.rename(target)
            shutil.rmtree(trash, ignore_errors=True)
        else:
            staging.rename(target)
    finally:
        if staging.exists():
            shutil.rmtree(staging, ignore_errors=True)
    return target
