"""Which words of a message the assistant's own domain has never used.

A question from another domain that shares a frame with SMARTCity ("Hat das Hallenbad am
Montag geöffnet?", "What is Pythagoras' theorem?") reads like an in-scope question to a
classifier: the words it knows point to office hours or a project, and the word that gives
it away ("Hallenbad", "Pythagoras") carries no weight because the model has never seen it.
Counting such words is evidence of its own: a content word (not a function word, not a
number) that no in-scope example and no knowledge-base name contains, not even with a typo
or as part of a compound. The scope gate (bot/plugins/nlu_scope.py) learns how much that
evidence weighs.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache

from rapidfuzz import fuzz, process

# Shorter words are mostly function words, abbreviations or typos of either.
MIN_CONTENT_LENGTH = 4
# A word this close (0-100) to a known word is the known word misspelt.
TYPO_SIMILARITY = 85
# Verdicts on words outside the vocabulary kept at most (a running server meets new ones).
MAX_REMEMBERED = 10_000
# Compounds ("Samstagvormittag") count as known when both parts are known words this long.
MIN_PART_LENGTH = 4

_WORD = re.compile(r"[^\W\d_]+", re.UNICODE)


@lru_cache(maxsize=1)
def function_words() -> frozenset[str]:
    """German and English stop words, from spaCy's language data (no model needed)."""
    from spacy.lang.de.stop_words import STOP_WORDS as GERMAN
    from spacy.lang.en.stop_words import STOP_WORDS as ENGLISH

    return frozenset(word.lower() for word in GERMAN | ENGLISH)


def words(text: str) -> list[str]:
    return [word.lower() for word in _WORD.findall(text)]


def content_words(text: str) -> list[str]:
    stop = function_words()
    return [word for word in words(text) if len(word) >= MIN_CONTENT_LENGTH and word not in stop]


class Vocabulary:
    """The words a domain uses, with typo and compound tolerance when asked about one."""

    def __init__(self, texts: Iterable[str]) -> None:
        self.known = frozenset(word for text in texts for word in words(text))
        self._sorted = sorted(self.known)
        self._verdicts: dict[str, bool] = {}

    def knows(self, word: str) -> bool:
        if word in self.known:
            return True
        if word not in self._verdicts:
            if len(self._verdicts) >= MAX_REMEMBERED:
                self._verdicts.clear()
            self._verdicts[word] = self._compound(word) or process.extractOne(
                word, self._sorted, scorer=fuzz.ratio, score_cutoff=TYPO_SIMILARITY) is not None
        return self._verdicts[word]

    def _compound(self, word: str) -> bool:
        for cut in range(MIN_PART_LENGTH, len(word) - MIN_PART_LENGTH + 1):
            head, tail = word[:cut], word[cut:]
            if head in self.known and (tail in self.known or tail.lstrip("s") in self.known):
                return True
        return False

    def unknown_words(self, text: str) -> list[str]:
        return [word for word in content_words(text) if not self.knows(word)]
