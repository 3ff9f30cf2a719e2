"""The offline German pipeline gives real lemmas (what SpacyTokenizer passes on to Rasa)."""

from pathlib import Path

import pytest

from tests.stack import ROOT

PIPELINE = ROOT / "var" / "spacy" / "de_gera"


@pytest.fixture(scope="module")
def nlp():
    import spacy

    if not (PIPELINE / "meta.json").exists():
        pytest.fail("German pipeline missing: `make test` builds it")
    return spacy.load(PIPELINE)


def test_german_lemmas(nlp):
    doc = nlp("Ist das Büro heute geöffnet? Wir sind da.")
    lemmas = {token.text: token.lemma_ for token in doc}
    assert lemmas["geöffnet"] == "öffnen"
    assert lemmas["sind"] == "sein"
    assert lemmas["Ist"] == "sein"


def test_build_is_reproducible(tmp_path: Path):
    from bot.services.spacy_pipeline import build

    target = build(tmp_path / "de_gera")
    assert (target / "meta.json").exists()
    assert not (tmp_path / "de_gera.tmp").exists()
