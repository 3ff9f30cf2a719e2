"""Which project a citizen means: by entity, by name or synonym, or fuzzily with typos."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Protocol

from rapidfuzz import fuzz

# A surface form must match at least this well (0-100) inside the message to count.
MATCH_THRESHOLD = 86
# Forms shorter than this are only matched exactly (as whole words).
MIN_FUZZY_LENGTH = 5


class ProjectLike(Protocol):
    key: str
    name_de: str
    name_en: str
    synonyms: tuple[str, ...]


@dataclass(frozen=True)
class Match:
    key: str
    score: float
    form: str


def fold(text: str) -> str:
    """Lowercase, umlauts spelled out, punctuation to spaces, for comparing forms."""
    text = text.lower().replace("ä", "ae").replace("ö", "oe").replace("ü", "ue").replace("ß", "ss")
    text = text.replace("@", " at ")  # "Thüringen@Home" is read "Thüringen at Home"
    return " ".join(re.sub(r"[^\w]+", " ", text).split())


def surface_forms(project: ProjectLike) -> list[str]:
    return [form for form in (project.name_de, project.name_en, *project.synonyms) if form]


def best_match(text: str, projects: Iterable[ProjectLike], entity: str | None = None
               ) -> Match | None:
    """The project meant in ``text``; None when no project is named well enough.

    An NLU entity value (already mapped to a project key by the synonym mapper) wins; then
    every name and synonym is compared with the message, tolerating typos.
    """
    projects = list(projects)
    keys = {project.key for project in projects}
    if entity and entity in keys:
        return Match(entity, 100.0, entity)
    message = fold(text[:500])
    if not message:
        return None
    padded = f" {message} "
    best: Match | None = None
    for project in projects:
        for form in surface_forms(project):
            folded = fold(form)
            if not folded:
                continue
            if len(folded) < MIN_FUZZY_LENGTH:
                score = 100.0 if f" {folded} " in padded else 0.0
            else:
                score = fuzz.partial_ratio(folded, message)
                if len(message) < len(folded):  # message is a fragment of a long name
                    score = min(score, fuzz.ratio(folded, message))
            if best is None or score > best.score or (
                score == best.score and len(folded) > len(fold(best.form))
            ):
                best = Match(project.key, score, form)
    if best is None or best.score < MATCH_THRESHOLD:
        return None
    return best


@dataclass(frozen=True)
class NamedForm:
    """A bare surface form (e.g. a lookup-table entry) in the shape ``best_match`` reads."""

    key: str
    name_de: str
    name_en: str = ""
    synonyms: tuple[str, ...] = ()


def names_one_of(text: str, forms: Iterable[str]) -> bool:
    """Does the message name one of ``forms``, tolerating typos as the actions do?"""
    return best_match(text, [NamedForm(form, form) for form in forms]) is not None


def mentions_any(text: str, words: Iterable[str]) -> bool:
    """Does the message contain one of ``words`` (folded, also inside a compound)?"""
    folded = fold(text)
    return any(word in folded for word in words)
