"""Easy-read German (Leichte Sprache): when the assistant answers in it, and what it looks like.

The *register* is the second half of the reply's voice, beside the language: ``standard`` or
``easy``. It exists for German only; an English reply is always standard. The NLU plug-in
that decides the language decides the register too (:func:`choose_register`), the slot
``register`` holds it, and every response in domain.yml has an easy-read variation for
language ``de`` with register ``easy``.

While an action builds an easy-read reply, :func:`speaking` puts the register *in effect*
for that action (a context variable, so concurrent actions do not see each other's): the
formatting of dates and times (bot/logic/formatting.py), the domain wording the actions look
up and the knowledge-base texts they are given then follow it without each action passing it.

The second half is a small linter (:func:`problems`): the checkable rules of the Netzwerk
Leichte Sprache rule book and BITV 2.0 (docs/easy-read.md names the source of each rule). It
cannot judge whether a text is easy to understand, only catch what a rule forbids; people
still read the texts.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar, Token
from dataclasses import dataclass

STANDARD = "standard"
EASY = "easy"
REGISTERS = (STANDARD, EASY)
#: The only language with an easy-read register.
LANGUAGE = "de"

_ALIASES = {
    "standard": STANDARD, "normal": STANDARD, "normale sprache": STANDARD,
    "standardsprache": STANDARD, "plain": STANDARD, "default": STANDARD,
    "easy": EASY, "easy-read": EASY, "leicht": EASY, "leichte sprache": EASY,
    "einfach": EASY, "einfache sprache": EASY,
}


def normalise_register(value: object) -> str | None:
    """'standard' or 'easy' for anything that names one of them, else None.

    The payload guard, like ``language.normalise``: whatever a page sends as metadata or a
    typed "/intent{...}" payload holds, only these two values come out.
    """
    if not isinstance(value, str):
        return None
    return _ALIASES.get(" ".join(value.strip().lower()[:30].split()))


@dataclass(frozen=True)
class Turn:
    """One citizen message, as far as the register goes: the reply language decided for it
    (None: not decided, e.g. a button), the register a spoken request asked for, and the
    web page's switch sent with it."""

    language: str | None = None
    requested: object = None
    page: object = None


def choose_register(turns: Iterable[Turn]) -> str:
    """The register to answer in after the session's messages ``turns`` (oldest first, the
    current one last). The last instruction wins: a spoken request, or the page's switch when
    it was flipped (its first value in the session counts as a flip); a message answered in
    another language switches back to the standard register.

    Decided from the session's messages rather than from the slot alone, so a register lost
    with a message that Rasa takes back (the two-stage fallback replaces the unclear message)
    comes back with the next one.
    """
    register, switch = STANDARD, None
    for turn in turns:
        page = normalise_register(turn.page)
        if page is not None and page != switch:
            register = page
        switch = page if page is not None else switch
        register = normalise_register(turn.requested) or register
        if turn.language is not None and turn.language != LANGUAGE:
            register = STANDARD
    return register


# ------------------------------------------------------------------ register in effect

_EASY_IN_EFFECT: ContextVar[bool] = ContextVar("easy_read_in_effect", default=False)


def in_effect() -> bool:
    """Is the reply being built right now in easy-read German?"""
    return _EASY_IN_EFFECT.get()


def activate(easy: bool) -> Token[bool]:
    """Put easy-read German in effect (or not) for the current task; see :func:`speaking`."""
    return _EASY_IN_EFFECT.set(bool(easy))


def deactivate(token: Token[bool]) -> None:
    _EASY_IN_EFFECT.reset(token)


@contextmanager
def speaking(easy: bool) -> Iterator[None]:
    """``with speaking(True): ...`` builds that reply in easy-read German."""
    token = activate(easy)
    try:
        yield
    finally:
        deactivate(token)


_WEB_ADDRESS = re.compile(
    r"(?:https?://)?(?:[\w-]+\.)+(?:de|com|org|net|eu|info)(?:/[\w./%-]*[\w/])?", re.UNICODE)


def easy_source(source: str) -> str:
    """Where a fact comes from, as an easy-read reply names it: the web address of the first
    source (editors cite pages, articles and ids; a reader needs the place to look)."""
    for part in source.split(";"):
        found = _WEB_ADDRESS.search(part)
        if found:
            return found.group().removeprefix("https://").removeprefix("http://")
    return re.sub(r"\s*\([^)]*\)", "", source.split(";")[0]).strip() or source


# ------------------------------------------------------------------ linter

MAX_WORDS = 12  # per sentence
MAX_LETTERS = 12  # per word, or per part of a word joined with hyphens

RULES: dict[str, str] = {
    "one-statement": "one statement per sentence: no second clause joined with a comma",
    "sentence-length": f"at most {MAX_WORDS} words per sentence",
    "abbreviation": 'no abbreviations ("z. B.", "ca.", "bzw.", "usw.", "d. h.", "Tel.", "BMWSB")',
    "parentheses": "no parentheses or brackets",
    "semicolon": "no semicolons",
    "date": 'dates written out with the weekday: "Samstag, 10. Juni 2023"',
    "time": 'times as "14 Uhr" (or "16:30 Uhr"), always with "Uhr", no leading zero',
    "long-word": f"words of more than {MAX_LETTERS} letters split with a hyphen",
    "foreign-word": "foreign words explained where they are first used",
}

#: Long words without parts to split at. Kept short on purpose: prefer a shorter word.
LONG_WORDS: frozenset[str] = frozenset()

#: Foreign words the texts use, with how to explain them (for editors; the linter only
#: checks that the sentence using one, or the next, explains it).
FOREIGN_WORDS: dict[str, str] = {
    "App": "ein Programm für das Handy",
    "Workshop": "ein Treffen: Man lernt dort etwas und macht selbst mit",
    "Portal": "eine Internet-Seite mit vielen Angeboten",
    "Sensor": "ein kleines Mess-Gerät",
    "Open Data": "Daten für alle Menschen",
    "online": "im Internet",
    "Cockpit": "hier: eine Internet-Seite mit Daten",
    "Smart City": "eine Stadt mit moderner Technik",
    "Strategie": "ein Plan",
    "Charta": "ein Text mit gemeinsamen Regeln und Zielen",
    "Prototyp": "ein erstes Muster",
    "Plattform": "eine Internet-Seite zum Mit-Machen",
    "Budget": "Geld für einen bestimmten Zweck",
}


def _foreign_pattern(word: str) -> re.Pattern[str]:
    """The word alone or as part of a hyphenated one, with plural endings ("Sensoren")."""
    spelled = r"[- ]".join(re.escape(part) for part in word.split())
    return re.compile(rf"(?<!\w)({spelled}(?:s|e|en|n)?)(?!\w)",
                      re.IGNORECASE if word.islower() else 0)


_FOREIGN = {word: _foreign_pattern(word) for word in FOREIGN_WORDS}
_EXPLAINS = re.compile(r"\b(?:ist|sind)\s+(?:ein|eine|einer|so|hier)\b|\bDas sind\b"
                       r"|\b(?:heißt|heißen|bedeutet|bedeuten)\b")

_WEEKDAYS = ("Montag", "Dienstag", "Mittwoch", "Donnerstag", "Freitag", "Samstag", "Sonntag")
_MONTHS = ("Januar", "Februar", "März", "April", "Mai", "Juni", "Juli", "August",
           "September", "Oktober", "November", "Dezember")

# Masked before checking: they are one "word" each and contain dots and digits.
_MASKS = (
    (re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+"), "Adresse"),
    (re.compile(r"https?://\S+[\w/]|www\.\S+[\w/]"), "Adresse"),
    (_WEB_ADDRESS, "Adresse"),
    (re.compile(r"(?<!\d)0\d{2,5}[ /]\d{2,}(?:-\d+)?(?!\d)"), "Nummer"),
)
_QUOTED = re.compile(r"„[^“”\n]*[“”]|\"[^\"\n]*\"")
_ITEM = re.compile(r"^\s*(?:[•\-*]|\d{1,2}\.)\s+")
_SENTENCE_END = re.compile(r"(?<=[.!?])[\"“”»«]?\s+")
_ORDINAL_BEFORE = re.compile(r"(?:^|\s)\d{1,2}\.$")
_WORD = re.compile(r"[\w@]+(?:[-:.,'][\w@]+)*", re.UNICODE)
_LETTERS = re.compile(r"[^\W\d_]+", re.UNICODE)

_SECOND_CLAUSE = re.compile(
    r",\s+(?:und|oder|aber|sondern|denn|weil|da|dass|wenn|falls|ob|obwohl|als|damit|"
    r"sodass|nachdem|bevor|während|wo|wobei|was|wie|welche[rsnm]?|deren|dessen)\b")
_ABBREVIATIONS = (
    re.compile(r"(?<!\w)(?:[A-Za-zÄÖÜäöü]\.\s?){2,}"),  # z. B., d. h., u. a., e. V.
    re.compile(r"\b(?:ca|bzw|usw|etc|ggf|evtl|inkl|exkl|nr|tel|str|sog|vgl|bspw|bzgl|mio|"
               r"mrd|zzgl|hbf|jh|abs|std|min|max|mind|gem|lt|dt|allg|entspr)\.", re.IGNORECASE),
    re.compile(r"\b(?:Mo|Di|Mi|Do|Fr|Sa|So)\.,?\s*\d"),
    re.compile(r"(?<![\w-])[A-ZÄÖÜ]{2,}(?![\w])"),  # BMWSB, ISEK, QR-Code
    re.compile(r"\b[A-Z][a-z]?[A-Z]+\b"),  # IoT, ThULB
)
_NUMERIC_DATE = re.compile(r"(?<![\d.])\d{1,2}\.\d{1,2}\.(?:\d{2,4})?|\b\d{4}-\d{2}-\d{2}\b")
_WRITTEN_DATE = re.compile(rf"\b\d{{1,2}}\.\s+(?:{'|'.join(_MONTHS)})\b")
_FULL_DATE = re.compile(rf"\b(?:{'|'.join(_WEEKDAYS)}),\s+\d{{1,2}}\.\s+"
                        rf"(?:{'|'.join(_MONTHS)})\s+\d{{4}}\b")
_CLOCK = re.compile(r"(?<![\d.,:])(\d{1,2})[:.](\d{2})(?![\d.,:]?\d)(\s*Uhr\b)?")
_LEADING_ZERO = re.compile(r"(?<![\d.,:])0\d(?::\d{2})?\s*Uhr\b")


@dataclass(frozen=True)
class Problem:
    """One broken rule: the rule's id (see :data:`RULES`) and where in the text."""

    rule: str
    where: str

    def __str__(self) -> str:
        return f"{self.rule} ({RULES[self.rule]}): {self.where!r}"


def mask(text: str) -> str:
    """E-mail and web addresses and phone numbers as one plain word each."""
    for pattern, word in _MASKS:
        text = pattern.sub(word, text)
    return text


def sentences(text: str) -> list[str]:
    """The sentences of a (masked) text: every line on its own; a list item's fields
    ("• Samstag, 24. Juni 2023, 14 Uhr: zu Fuß – Haupt-Bahnhof") count as one each."""
    found: list[str] = []
    for line in text.splitlines():
        item = _ITEM.match(line)
        parts = [line]
        if item:
            parts = re.split(r"\s+[–-]\s+|:\s+", line[item.end():])
        for part in parts:
            start = 0
            for end in _SENTENCE_END.finditer(part):
                if _ORDINAL_BEFORE.search(part[start:end.start()]):
                    continue  # "am 10. Juni": an ordinal, not the end of a sentence
                found.append(part[start:end.start()].strip())
                start = end.end()
            found.append(part[start:].strip())
    return [sentence for sentence in found if _WORD.search(sentence)]


def words(sentence: str) -> list[str]:
    return [word for word in re.split(r"[\s–—/]+", sentence)
            if any(char.isalnum() for char in word)]


def _date_problems(text: str) -> list[Problem]:
    found = [Problem("date", match.group()) for match in _NUMERIC_DATE.finditer(text)]
    full = [match.span() for match in _FULL_DATE.finditer(text)]
    for match in _WRITTEN_DATE.finditer(text):
        if not any(start <= match.start() < end for start, end in full):
            found.append(Problem("date", text[max(0, match.start() - 12):match.end() + 5]))
    return found


def _time_problems(text: str) -> list[Problem]:
    found: list[Problem] = []
    for match in _CLOCK.finditer(text):
        hours, minutes, uhr = match.groups()
        if int(hours) > 24 or int(minutes) > 59:
            continue
        if not uhr or match.group()[len(hours)] == "." or minutes == "00":
            found.append(Problem("time", match.group()))
    found.extend(Problem("time", match.group()) for match in _LEADING_ZERO.finditer(text))
    return found


def _foreign_problems(text_sentences: list[str]) -> list[Problem]:
    found: list[Problem] = []
    for word, pattern in _FOREIGN.items():
        for index, sentence in enumerate(text_sentences):
            if pattern.search(sentence):
                context = " ".join(text_sentences[index:index + 2])
                if not _EXPLAINS.search(context):
                    found.append(Problem("foreign-word", f"{word}: {sentence}"))
                break  # only the first use must explain it
    return found


def problems(text: str) -> list[Problem]:
    """Every rule ``text`` breaks (empty: the checkable rules hold)."""
    masked = mask(text)
    found: list[Problem] = []
    if re.search(r"[()\[\]{}]", masked):
        found.append(Problem("parentheses", re.search(r".{0,20}[()\[\]{}].{0,20}",
                                                      masked).group()))
    found.extend(Problem("semicolon", m.group()) for m in re.finditer(r".{0,20};", masked))
    for pattern in _ABBREVIATIONS:
        found.extend(Problem("abbreviation", m.group().strip()) for m in pattern.finditer(masked))
    found.extend(_date_problems(masked))
    found.extend(_time_problems(masked))
    text_sentences = sentences(masked)
    for sentence in text_sentences:
        if len(words(sentence)) > MAX_WORDS:
            found.append(Problem("sentence-length", sentence))
        if _SECOND_CLAUSE.search(sentence):
            found.append(Problem("one-statement", sentence))
    for word in _LETTERS.findall(masked):
        if len(word) > MAX_LETTERS and word not in LONG_WORDS:
            found.append(Problem("long-word", word))
    # A name in quotation marks („Smart City Cockpit“) is a name, not a word to explain.
    found.extend(_foreign_problems(sentences(_QUOTED.sub("Name", masked))))
    return list(dict.fromkeys(found))  # one report per rule and place
