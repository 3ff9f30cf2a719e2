"""Which language (German or English) a citizen writes in, and which one to answer in.

Two detectors vote: lingua (general language ID, restricted to German and English) and a
small character n-gram classifier trained on the project's own labelled NLU examples (the
files under data/nlu/de and data/nlu/en). lingua alone gets domain phrases wrong ("Hallo"
looks English to it, "Where is the Hauptbahnhof meeting point?" German); the project's
examples know the domain vocabulary. A message switches the language only when the vote is
clear; short or ambiguous messages keep the current one.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from bot import ROOT

SUPPORTED = ("de", "en")
DEFAULT_LANGUAGE = "de"
NLU_ROOT = ROOT / "data" / "nlu"

# Weight of the project's own classifier in the vote (on log-odds); lingua gets the rest.
# lingua reads German compounds in English sentences as German, so it weighs less.
PROJECT_WEIGHT = 0.75
# A vote must reach this probability for one language to switch.
SWITCH_CONFIDENCE = 0.7
# Messages with fewer words only set the language at the start of a conversation, and only
# when both detectors agree on their own ("Hello" yes; "Hi", used in German too, and
# "Hallo", which lingua calls English, no).
MIN_WORDS_TO_SWITCH = 2
SHORT_AGREEMENT = 0.75

_ANNOTATION = re.compile(r"\[([^\]]*)\](?:\([^)]*\)|\{[^}]*\})")
_WORD = re.compile(r"[^\W\d_]+", re.UNICODE)


@dataclass(frozen=True)
class Guess:
    """A language guess with the probability of that language (0.5 = no idea)."""

    language: str
    probability: float
    agreed: bool = True  # did each detector alone give this language >= SHORT_AGREEMENT?

    @property
    def confident(self) -> bool:
        return self.probability >= SWITCH_CONFIDENCE


def normalise(value: object) -> str | None:
    """Return 'de' or 'en' for anything that names one of them, else None.

    This is the payload guard: whatever a user types into a "/intent{...}" payload or a web
    page sends as metadata, only these two values can come out.
    """
    if not isinstance(value, str):
        return None
    value = value.strip().lower()[:20]
    aliases = {
        "de": "de", "deu": "de", "ger": "de", "german": "de", "deutsch": "de",
        "de-de": "de", "de_de": "de", "de-at": "de", "de-ch": "de",
        "en": "en", "eng": "en", "english": "en", "englisch": "en",
        "en-gb": "en", "en-us": "en", "en_gb": "en", "en_us": "en",
    }
    return aliases.get(value)


def labelled_examples(root: Path = NLU_ROOT) -> list[tuple[str, str]]:
    """(text, language) pairs from the project's NLU files, entity markup removed."""
    pairs: list[tuple[str, str]] = []
    for language in SUPPORTED:
        for path in sorted((root / language).glob("*.yml")):
            document = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
            for block in document.get("nlu", []) or []:
                if "intent" not in block or not isinstance(block.get("examples"), str):
                    continue
                for line in block["examples"].splitlines():
                    text = line.strip()
                    if text.startswith("- "):
                        pairs.append((_ANNOTATION.sub(r"\1", text[2:]).strip(), language))
    return pairs


class ProjectClassifier:
    """Character n-gram naive Bayes over the project's own German and English examples.

    Trained with the Rasa model and stored in its archive (bot.plugins.nlu_language), so a
    deployed model needs no source tree to tell the languages apart.
    """

    def __init__(self, model: Any) -> None:
        self._model = model
        self._german_column = list(model.classes_).index("de")

    @classmethod
    def fit(cls, examples: Iterable[tuple[str, str]]) -> ProjectClassifier:
        from sklearn.feature_extraction.text import TfidfVectorizer
        from sklearn.naive_bayes import MultinomialNB
        from sklearn.pipeline import make_pipeline, make_union

        pairs = list(examples)
        found = {language for _, language in pairs}
        if found != set(SUPPORTED):
            raise ValueError(f"language examples must cover {SUPPORTED}, found {sorted(found)}")
        texts, labels = zip(*pairs, strict=True)
        # Words carry the function words ("the", "is", "der", "ist") that decide mixed
        # sentences like "What is the Stadtratsbeschluss about?"; character n-grams cover
        # typos and words never seen in training.
        model = make_pipeline(
            make_union(
                TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 4), lowercase=True,
                                sublinear_tf=True),
                TfidfVectorizer(analyzer="word", lowercase=True, sublinear_tf=True,
                                token_pattern=r"(?u)\b\w+\b"),
            ),
            MultinomialNB(alpha=0.3),
        )
        return cls(model.fit(texts, labels))

    def save(self, path: Path) -> None:
        import joblib

        joblib.dump(self._model, path)

    @classmethod
    def load(cls, path: Path) -> ProjectClassifier:
        import joblib

        return cls(joblib.load(path))

    def probability_german(self, text: str) -> float:
        return float(self._model.predict_proba([text])[0][self._german_column])


@lru_cache(maxsize=1)
def source_classifier() -> ProjectClassifier:
    """The classifier fitted on the checkout's NLU files, for tests and tools; the running
    assistant uses the one stored in its model. Raises when the files are missing."""
    return ProjectClassifier.fit(labelled_examples())


@lru_cache(maxsize=1)
def _lingua():
    from lingua import Language, LanguageDetectorBuilder

    return LanguageDetectorBuilder.from_languages(Language.GERMAN, Language.ENGLISH).build()


def _lingua_probability_german(text: str) -> float:
    from lingua import Language

    for value in _lingua().compute_language_confidence_values(text):
        if value.language == Language.GERMAN:
            return float(value.value)
    return 0.5


def _logit(probability: float) -> float:
    probability = min(max(probability, 0.01), 0.99)
    return math.log(probability / (1 - probability))


def _expit(value: float) -> float:
    return 1 / (1 + math.exp(-value))


def words(text: str) -> list[str]:
    return _WORD.findall(text)


def detect(text: str, classifier: ProjectClassifier | None = None) -> Guess | None:
    """Vote on the language of ``text``; None when there is nothing to judge.

    ``classifier`` defaults to :func:`source_classifier`.
    """
    text = text[:1000]
    if not words(text):
        return None
    classifier = classifier or source_classifier()
    lingua_german = _lingua_probability_german(text)
    project_german = classifier.probability_german(text)
    german = _expit(PROJECT_WEIGHT * _logit(project_german)
                    + (1 - PROJECT_WEIGHT) * _logit(lingua_german))
    votes = (lingua_german, project_german)
    if german >= 0.5:
        return Guess("de", german, all(vote >= SHORT_AGREEMENT for vote in votes))
    return Guess("en", 1 - german, all(1 - vote >= SHORT_AGREEMENT for vote in votes))


def choose_language(
    current: object,
    text: str,
    *,
    requested: object = None,
    page_language: object = None,
    first_message: bool = False,
    classifier: ProjectClassifier | None = None,
) -> str:
    """The language to answer in after this message.

    ``requested`` is an explicit request ("auf Englisch bitte"), ``page_language`` the web
    page's language from message metadata, ``first_message`` whether this is the first
    message of the conversation. Only ever returns 'de' or 'en'.
    """
    explicit = normalise(requested)
    if explicit:
        return explicit
    language = normalise(current) or DEFAULT_LANGUAGE
    if first_message:
        language = normalise(page_language) or language
    if text.lstrip().startswith("/"):
        return language  # a button or typed payload: no language evidence
    guess = detect(text, classifier)
    if guess is None or not guess.confident:
        return language
    if len(words(text)) < MIN_WORDS_TO_SWITCH and (
        not first_message or not guess.agreed
    ):
        return language
    return guess.language


def warm_up(classifier: ProjectClassifier | None = None) -> None:
    """Load lingua's models now, so the first message of a conversation is not the slow one."""
    detect("Guten Tag", classifier)
