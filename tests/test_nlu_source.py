"""The trained model follows the NLU code: `make` retrains and Rasa's cache does not reuse
components trained with older helpers (bot/plugins/nlu_source.py)."""

import re

from bot import ROOT
from bot.plugins.nlu_guard import CourtesyTrimmer
from bot.plugins.nlu_lookup import LookupEntityExtractor
from bot.plugins.nlu_ngrams import NgramIntentClassifier
from bot.plugins.nlu_source import NLU_CODE, nlu_code_digest


def test_the_makefile_retrains_when_the_nlu_code_changes():
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    listed = re.search(r"^NLU_CODE := \$\(wildcard (.+)\)$", makefile, re.M)
    assert listed and tuple(listed.group(1).split()) == NLU_CODE
    assert re.search(r"^\$\(MODEL\):.*\$\(NLU_CODE\)", makefile, re.M)


def test_trainable_plugins_carry_the_code_digest_in_their_cache_key():
    digest = nlu_code_digest()
    assert re.fullmatch(r"[0-9a-f]{16}", digest)
    for component in (CourtesyTrimmer, LookupEntityExtractor, NgramIntentClassifier):
        assert component.fingerprint_addon({}) == digest


def test_the_digest_covers_the_helpers_components_call():
    helpers = {path.relative_to(ROOT).as_posix() for pattern in NLU_CODE
               for path in ROOT.glob(pattern)}
    assert {"bot/plugins/nlu_guard.py", "bot/logic/intents.py"} <= helpers
