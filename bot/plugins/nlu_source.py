"""The NLU code as part of Rasa's training cache keys.

Rasa keys a cached trained component by its class's source and config. The helpers the
component calls (other plug-in modules, ``bot/logic``) are not part of that key, so after a
change there `rasa train` would reuse a component trained with the old code. Trainable
plug-ins add the digest of all NLU code (``fingerprint_addon``); the Makefile lists the same
files as prerequisites of the model (``NLU_CODE``, checked by tests/test_nlu_source.py).
"""

from __future__ import annotations

import hashlib
from functools import lru_cache
from typing import Any

from bot import ROOT

NLU_CODE = ("bot/plugins/nlu_*.py", "bot/logic/*.py")


@lru_cache(maxsize=1)
def nlu_code_digest() -> str:
    """16 hex digits over the paths and contents of the NLU_CODE files. All of bot/logic is
    included, also what only the actions use: an edit there retrains the NLU plug-ins
    (about two minutes) rather than risk a stale one."""
    digest = hashlib.sha256()
    for path in sorted({path for pattern in NLU_CODE for path in ROOT.glob(pattern)}):
        digest.update(path.relative_to(ROOT).as_posix().encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


class CodeFingerprinted:
    """Mixin for trainable plug-ins: retrained when any NLU code changes, not only their class."""

    @classmethod
    def fingerprint_addon(cls, config: dict[str, Any]) -> str | None:
        return nlu_code_digest()
