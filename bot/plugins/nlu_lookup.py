"""Rasa's RegexEntityExtractor for lookup tables, with the same matches found by table lookups.

Rasa turns a lookup table into one regular expression ``(\\bname1\\b|\\bname2\\b|...)`` and
the regex engine tries every name at every position: with the project names generated from a
knowledge base 100 times larger (20,000 names) that was 11 ms of every message (issue 16).
This subclass stores the names with the patterns and finds the same matches with one
dictionary lookup per (word boundary, name length): the first name in table order that fits
at the leftmost position, then on after it, case-insensitively, at word boundaries, exactly
as ``re.finditer`` reads Rasa's pattern (tests/test_nlu_lookup.py compares the two on every
training and held-out text). Regex features (no names) still go through the regex.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.nlu.extractors.regex_entity_extractor import RegexEntityExtractor
from rasa.shared.nlu.constants import (
    ENTITY_ATTRIBUTE_END,
    ENTITY_ATTRIBUTE_START,
    ENTITY_ATTRIBUTE_TYPE,
    ENTITY_ATTRIBUTE_VALUE,
    TEXT,
)
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.plugins.nlu_source import CodeFingerprinted

ELEMENTS = "elements"


def fold(text: str) -> str:
    """Lower case, one character for one, so positions in the folded text are the text's."""
    return "".join(lower if len(lower := char.lower()) == 1 else char for char in text)


def is_word_char(char: str) -> bool:
    """What ``\\w`` matches in a str pattern (``\\b`` is where this changes)."""
    return char.isalnum() or char == "_"


@dataclass(frozen=True)
class NameIndex:
    """The names of one lookup table: folded name -> its first position in the table."""

    order: dict[str, int]
    lengths: tuple[int, ...]

    @classmethod
    def of(cls, names: list[str], case_sensitive: bool) -> NameIndex:
        order: dict[str, int] = {}
        for index, name in enumerate(names):
            if name:
                order.setdefault(name if case_sensitive else fold(name), index)
        return cls(order, tuple(sorted({len(name) for name in order})))

    def matches(self, text: str, case_sensitive: bool) -> list[tuple[int, int]]:
        """(start, end) of each match, as re.finditer finds ``(\\bn1\\b|\\bn2\\b|...)``."""
        folded = text if case_sensitive else fold(text)
        words = [is_word_char(char) for char in text]

        def boundary(position: int) -> bool:
            before = position > 0 and words[position - 1]
            after = position < len(text) and words[position]
            return before != after

        found: list[tuple[int, int]] = []
        position = 0
        while position < len(text):
            best: tuple[int, int] | None = None  # (table position, end)
            if boundary(position):
                for length in self.lengths:
                    end = position + length
                    if end > len(text):
                        break
                    index = self.order.get(folded[position:end])
                    if index is not None and boundary(end) and (best is None or index < best[0]):
                        best = (index, end)
            if best is None:
                position += 1
            else:
                found.append((position, best[1]))
                position = best[1]
        return found


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR, is_trainable=True)
class LookupEntityExtractor(CodeFingerprinted, RegexEntityExtractor):
    """RegexEntityExtractor whose lookup tables are matched by name index (module docstring)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._indexes: dict[int, NameIndex] = {}

    def train(self, training_data: TrainingData) -> Resource:
        """Rasa's patterns, each lookup table's with its names beside the expression."""
        resource = super().train(training_data)
        if self._config["use_word_boundaries"] and self._config["use_lookup_tables"]:
            # extract_patterns puts one pattern per lookup table (same filter, same order)
            # after the regex features
            tables = [table for table in training_data.lookup_tables
                      if table["name"] in training_data.entities]
            lookup_patterns = self.patterns[len(self.patterns) - len(tables):]
            for pattern, table in zip(lookup_patterns, tables, strict=True):
                if pattern["name"] == table["name"] and isinstance(table[ELEMENTS], list):
                    pattern[ELEMENTS] = list(table[ELEMENTS])
            self.persist()
        return resource

    def _extract_entities(self, message: Message) -> list[dict[str, Any]]:
        text = message.get(TEXT) or ""
        entities: list[dict[str, Any]] = []
        for number, pattern in enumerate(self.patterns):
            if ELEMENTS not in pattern:
                entities += self._regex_entities(pattern, text)
                continue
            index = self._indexes.get(number)
            if index is None:
                index = self._indexes[number] = NameIndex.of(pattern[ELEMENTS],
                                                             self.case_sensitive)
            entities += [{ENTITY_ATTRIBUTE_TYPE: pattern["name"], ENTITY_ATTRIBUTE_START: start,
                          ENTITY_ATTRIBUTE_END: end, ENTITY_ATTRIBUTE_VALUE: text[start:end]}
                         for start, end in index.matches(text, self.case_sensitive)]
        return entities

    def _regex_entities(self, pattern: dict[str, Any], text: str) -> list[dict[str, Any]]:
        """One pattern the way RegexEntityExtractor reads all of them."""
        saved = self.patterns
        self.patterns = [pattern]
        try:
            return super()._extract_entities(Message(data={TEXT: text}))
        finally:
            self.patterns = saved
