"""Rasa NLU components that keep bad input and noise away from the model.

``InputCleaner`` runs first: it removes control and bidi-override characters, markup, links,
emoji and repeated punctuation, normalises Unicode and cuts the text to what the model needs,
so a 100 kB paste costs microseconds instead of half a minute and "<b>Wann haben Sie
geöffnet?</b> 😊" is understood as the question it is. ``CourtesyTrimmer`` drops a greeting
or thanks in front of a question ("Hallo, wann ...", "Danke! Und die Telefonnummer?"), so the
question is answered; it learns those phrases from the greet/thank training examples.
``CourtesyReading`` gives such a message back its courtesy when the few words after it were
not understood: "Guten Tag, ich bräuchte eine Auskunft" is a greeting, not a "did you mean".
``QuestionSplitter`` lets the model read the first of two questions in one message and
passes the others on, to be offered back. ``InputVerdict`` runs last: for a message with no
words or one far too long, it sets the intent ``bad_input`` (answered calmly by a rule;
nothing else changes).
"""

from __future__ import annotations

import html
import json
import re
import unicodedata
from collections.abc import Iterable, Mapping
from typing import Any

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import ENTITIES, INTENT, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.logic.intents import FALLBACK_INTENT, FURTHER_QUESTIONS
from bot.plugins.nlu_source import CodeFingerprinted

# Longer messages are not questions a citizen types; they get the bad-input reply.
MAX_MESSAGE_CHARS = 2000
PROBLEM = "input_problem"
# The cleaned message before courtesies were trimmed ("thanks, bye" is English; "bye" alone
# would be too short to tell).
FULL_TEXT = "text_with_courtesies"
# The intent of the courtesy trimmed in front of the message (greet or thank), if any.
TRIMMED_COURTESY = "trimmed_courtesy"
BAD_INPUT_INTENT = "bad_input"
MAX_OFFERED_QUESTIONS = 2
MIN_QUESTION_WORDS = 2
_QUESTION_END = re.compile(r"(?<=\?)\s+")
_WORDS = re.compile(r"[^\W\d_]+")
# Noise around a question: script/style blocks with their content, other tags, links.
_MARKUP_BLOCK = re.compile(r"<(script|style)\b[^>]*>.*?(</\1\s*>|$)", re.I | re.S)
_TAG = re.compile(r"</?[a-zA-Z!][^<>]{0,500}>")
_LINK = re.compile(r"\b(?:https?://|www\.)\S+", re.I)
_REPEATED_PUNCTUATION = re.compile(r"([!?.,;:])[!?.,;:]+")
# Emoji and pictographs (Unicode "other symbol"), variation selectors are format characters.
_DROPPED_CATEGORIES = ("Cc", "Cf", "Cs", "Co", "Cn", "So")


def strip_noise(text: str) -> str:
    """Markup, links and repeated punctuation out; the words of the question stay."""
    text = html.unescape(text)
    text = _MARKUP_BLOCK.sub(" ", text)
    text = _TAG.sub(" ", text)
    text = _LINK.sub(" ", text)
    return _REPEATED_PUNCTUATION.sub(r"\1", text)


def clean_text(text: str) -> tuple[str, str | None]:
    """(cleaned text, problem) where problem is None, "empty" or "too_long"."""
    text = text or ""
    too_long = len(text) > MAX_MESSAGE_CHARS
    text = unicodedata.normalize("NFC", text[: MAX_MESSAGE_CHARS * 2])
    kept = []
    for char in text:
        category = unicodedata.category(char)
        if category in _DROPPED_CATEGORIES:
            kept.append(" ")
        else:
            kept.append(char)
    text = strip_noise("".join(kept))
    kept = list(text)
    cleaned = " ".join("".join(kept).split())[:MAX_MESSAGE_CHARS]
    if too_long:
        return cleaned, "too_long"
    if not any(char.isalpha() for char in cleaned):
        return cleaned, "empty"
    return cleaned, None


class _Stateless(GraphComponent):
    @classmethod
    def create(cls, config: dict[str, Any], model_storage: ModelStorage, resource: Resource,
               execution_context: ExecutionContext) -> _Stateless:
        return cls()


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.MESSAGE_FEATURIZER, is_trainable=False)
class InputCleaner(_Stateless):
    """First in the pipeline: clean and shorten the text before tokenising."""

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        return training_data

    def process(self, messages: list[Message]) -> list[Message]:
        for message in messages:
            cleaned, problem = clean_text(message.get(TEXT) or "")
            message.set(TEXT, cleaned)
            if problem:
                message.set(PROBLEM, problem)
        return messages


# Intents whose short examples are courtesies that may stand in front of a real question.
COURTESY_INTENTS = ("greet", "thank")
MAX_COURTESY_WORDS = 5
# Small talk after a courtesy ("ich bin neu hier", "anyone around?") is short; a longer rest
# the model did not understand is a question, and keeps "did you mean" and the honest
# fallback after it. Out of fold, 19 of the 20 courtesy readings had at most 6 words after it.
MAX_SMALL_TALK_WORDS = 6
_SEGMENT_END = re.compile(r"[,.!;:?]\s*")
_NOT_WORD = re.compile(r"[^\w\s]")


def courtesy_key(text: str) -> str:
    return " ".join(_NOT_WORD.sub(" ", text.casefold()).split())


def learn_courtesies(examples: Iterable[Message]) -> dict[str, str]:
    """The short greet/thank examples: courtesy key -> its intent."""
    courtesies: dict[str, str] = {}
    for example in examples:
        if example.get(INTENT) in COURTESY_INTENTS:
            key = courtesy_key(example.get(TEXT) or "")
            if key and len(key.split()) <= MAX_COURTESY_WORDS:
                courtesies.setdefault(key, example.get(INTENT))
    return courtesies


def split_courtesy(text: str, courtesies: Mapping[str, str]) -> tuple[str | None, str]:
    """(intent of the first courtesy dropped or None, the rest): greetings/thanks in front of
    a question go, "Hallo, wann ...?" -> ("greet", "wann ...?").

    A courtesy is removed only when it ends at punctuation and words follow, so "Hallo"
    alone stays a greeting and "Danke, tschüss" becomes the goodbye it is.
    """
    first, rest = None, text
    while True:
        boundary = _SEGMENT_END.search(rest)
        if boundary is None:
            return first, rest
        head, tail = rest[: boundary.start()], rest[boundary.end():]
        key = courtesy_key(head)
        if (not key or key not in courtesies or len(key.split()) > MAX_COURTESY_WORDS
                or not any(char.isalpha() for char in tail)):
            return first, rest
        first, rest = first or courtesies[key], tail


def trim_courtesy(text: str, courtesies: Mapping[str, str]) -> str:
    """The text without the greetings/thanks in front of it (see ``split_courtesy``)."""
    return split_courtesy(text, courtesies)[1]


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.MESSAGE_FEATURIZER, is_trainable=True)
class CourtesyTrimmer(CodeFingerprinted, GraphComponent):
    """After the cleaner: greetings/thanks in front of a question are dropped before NLU.

    The courtesies are the short greet/thank examples of the training data, so they are
    declared once, in the NLU files, in both languages.
    """

    FILE = "courtesies.json"

    def __init__(self, model_storage: ModelStorage, resource: Resource,
                 courtesies: dict[str, str] | None = None) -> None:
        self._model_storage = model_storage
        self._resource = resource
        self.courtesies = courtesies or {}

    @classmethod
    def create(cls, config: dict[str, Any], model_storage: ModelStorage, resource: Resource,
               execution_context: ExecutionContext) -> CourtesyTrimmer:
        return cls(model_storage, resource)

    @classmethod
    def load(cls, config: dict[str, Any], model_storage: ModelStorage, resource: Resource,
             execution_context: ExecutionContext, **kwargs: Any) -> CourtesyTrimmer:
        try:
            with model_storage.read_from(resource) as directory:
                courtesies = json.loads((directory / cls.FILE).read_text("utf-8"))
        except (ValueError, FileNotFoundError):
            courtesies = {}
        if isinstance(courtesies, list):  # a model from before the intents were kept:
            courtesies = dict.fromkeys(courtesies, "")  # it still trims, reads nothing back
        if not isinstance(courtesies, dict):
            courtesies = {}
        return cls(model_storage, resource, courtesies)

    def train(self, training_data: TrainingData) -> Resource:
        self.courtesies = learn_courtesies(training_data.intent_examples)
        with self._model_storage.write_to(self._resource) as directory:
            (directory / self.FILE).write_text(
                json.dumps(self.courtesies, sort_keys=True, ensure_ascii=False), "utf-8")
        return self._resource

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        """The examples are trimmed as messages will be, so the model learns what it will
        read: "Thank you, that answers my question" is learnt as thanks from "that answers my
        question", which is all the classifier sees of that message later."""
        for example in training_data.intent_examples:
            trim_example(example, self.courtesies)
        return training_data

    def process(self, messages: list[Message]) -> list[Message]:
        for message in messages:
            if not message.get(PROBLEM):
                text = message.get(TEXT) or ""
                message.set(FULL_TEXT, text)  # the language is decided on all of it
                courtesy, rest = split_courtesy(text, self.courtesies)
                message.set(TEXT, rest)
                if courtesy:
                    message.set(TRIMMED_COURTESY, courtesy)
        return messages


def trim_example(example: Message, courtesies: Mapping[str, str]) -> None:
    """trim_courtesy on a training example; its annotated entities move with the text."""
    text = example.get(TEXT) or ""
    trimmed = trim_courtesy(text, courtesies)
    if trimmed == text:
        return
    cut = len(text) - len(trimmed)
    example.set(FULL_TEXT, text)
    example.set(TEXT, trimmed)
    if entities := example.get(ENTITIES):
        example.set(ENTITIES, [{**entity, "start": entity["start"] - cut,
                                "end": entity["end"] - cut}
                               for entity in entities if entity["start"] >= cut])


def split_questions(text: str) -> tuple[str, list[str]]:
    """("Wann ist der Rundgang?", ["Und wo startet er?"]) for two questions in one message.

    Only a message of two or more questions that each end in "?" and have at least two words
    is split: a question with a clarifying clause ("SMARTCity? never heard of it, what is
    it") or a single word before the question ("Hallo? Wann ...") stays whole.
    """
    parts = [part.strip() for part in _QUESTION_END.split(text.strip()) if part.strip()]
    if len(parts) < 2 or not all(
        part.endswith("?") and len(_WORDS.findall(part)) >= MIN_QUESTION_WORDS for part in parts
    ):
        return text, []
    return parts[0], parts[1:]


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.MESSAGE_FEATURIZER, is_trainable=False)
class QuestionSplitter(_Stateless):
    """After the courtesy trimmer: of two questions in one message, the model reads the
    first; the others leave as ``further_questions`` in the parse data, and the answering
    action offers them as buttons (actions/common.py), so none is silently dropped."""

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        return training_data

    def process(self, messages: list[Message]) -> list[Message]:
        for message in messages:
            if message.get(PROBLEM):
                continue
            first, further = split_questions(message.get(TEXT) or "")
            if further:
                message.set(TEXT, first)
                message.set(FURTHER_QUESTIONS, further[:MAX_OFFERED_QUESTIONS],
                            add_to_output=True)
        return messages


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=False)
class CourtesyReading(_Stateless):
    """After the readers of the intent: a courtesy followed by a few words the model did not
    understand ("Hallo, ich bin neu hier", "Danke, verstanden") is read as the courtesy,
    as a person at the counter would hear it. Out of fold on the training data, 20 of the 21
    such messages that ended in "did you mean" were the courtesy (docs/nlu-experiments.md).
    """

    def process(self, messages: list[Message]) -> list[Message]:
        for message in messages:
            courtesy = message.get(TRIMMED_COURTESY)
            if (courtesy and (message.get(INTENT) or {}).get("name") == FALLBACK_INTENT
                    and len(_WORDS.findall(message.get(TEXT) or "")) <= MAX_SMALL_TALK_WORDS):
                message.set(INTENT, {"name": courtesy, "confidence": 1.0}, add_to_output=True)
        return messages


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=False)
class InputVerdict(_Stateless):
    """Last in the pipeline: empty or oversized messages become intent ``bad_input``."""

    def process(self, messages: list[Message]) -> list[Message]:
        for message in messages:
            if message.get(PROBLEM):
                verdict = {"name": BAD_INPUT_INTENT, "confidence": 1.0}
                message.set(INTENT, verdict, add_to_output=True)
                message.set(INTENT_RANKING_KEY, [verdict], add_to_output=True)
                message.set(ENTITIES, [], add_to_output=True)
        return messages
