"""Builds the default German spaCy pipeline offline.

``de_core_news_sm`` ships from GitHub releases, which these machines cannot reach. spaCy's
own German language data (tokenizer exceptions, stop words) plus the lookup lemmatizer
tables of ``spacy-lookups-data`` give tokens and lemmas, which is all Rasa's SpacyTokenizer
and the count-vector featurizers use; the small model has no word vectors either.
"""

from __future__ import annotations

from pathlib import Path

DEFAULT_PIPELINE_PATH = Path("var/spacy/de_gera")


def build(target: Path = DEFAULT_PIPELINE_PATH) -> Path:
    """Build the pipeline into ``target`` (replacing it) and return the path."""
    import shutil

    import spacy

    nlp = spacy.blank("de")
    nlp.add_pipe("lemmatizer", config={"mode": "lookup"})
    nlp.initialize()  # loads the lemma tables from spacy-lookups-data, no network
    nlp.meta["name"] = "de_gera"
    nlp.meta["description"] = "German tokenizer + lookup lemmatizer (offline build)"
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = target.with_name(target.name + ".tmp")
    if staging.exists():
        shutil.rmtree(staging)
    nlp.to_disk(staging)
    if target.exists():
        shutil.rmtree(target)
    staging.rename(target)
    return target
