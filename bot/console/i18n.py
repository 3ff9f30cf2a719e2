"""The console's own words, German and English (bot/console/messages.yml).

The assistant's wording lives in domain.yml; this file holds only what staff read in the
console. Every key has both languages (checked when the file is read, and by a test), so a
page can never show a key instead of a sentence.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from pathlib import Path

import yaml

MESSAGES = Path(__file__).with_name("messages.yml")
LANGUAGES = ("de", "en")
DEFAULT = "de"


@cache
def messages(path: Path = MESSAGES) -> dict[str, dict[str, str]]:
    table = yaml.safe_load(path.read_text(encoding="utf-8"))
    broken = [key for key, texts in table.items()
              if not isinstance(texts, dict) or set(texts) != set(LANGUAGES)
              or not all(isinstance(text, str) and text for text in texts.values())]
    if broken:
        raise ValueError(f"{path}: keys without exactly a German and an English text: {broken}")
    return table


def translator(language: str) -> Callable[..., str]:
    """``t(key, **values)`` in ``language``: the text with ``{name}`` filled in."""
    table = messages()

    def t(name: str, /, **values: object) -> str:
        text = table[name][language]
        return text.format(**values) if values else text

    return t


def preferred(accept_language: str | None) -> str:
    """The first of German or English the browser names, else German."""
    for part in (accept_language or "").split(","):
        code = part.split(";")[0].strip().lower()[:2]
        if code in LANGUAGES:
            return code
    return DEFAULT
