"""Personal data out of a citizen's message before it is kept for the office's statistics.

The unanswered-question log stores what citizens asked without a sender id, so that the
office learns which questions the assistant fails on. The text itself may still name a
person: this removes e-mail addresses, IBANs, street addresses (with or without postcode
and city), phone numbers and the name after "ich heiße" / "mein Name ist" / "my name is".
Each is replaced by a marker such as ``[email]``, so the question stays readable.

Over-redacting is the safe side: a long number that is not a phone number (a file number)
is removed too; dates, times, years and amounts written as such are kept.
"""

from __future__ import annotations

import re

EMAIL = "[email]"
IBAN = "[iban]"
ADDRESS = "[address]"
PHONE = "[phone]"
NAME = "[name]"

_EMAIL = re.compile(r"[\w.!#$%&'*+/=?^`{|}~-]+@[\w-]+(?:\.[\w-]+)+", re.UNICODE)
# Two letters, two check digits, then 11-30 letters/digits, in groups of four or not.
_IBAN = re.compile(r"\b[A-Za-z]{2}\d{2}(?:[ ]?[0-9A-Z]{4}){2,7}(?:[ ]?[0-9A-Z]{1,3})?\b")
_STREET_WORDS = (r"stra(?:ß|ss)e|str\.|weg|platz|gasse|allee|ring|damm|ufer|markt|chaussee"
                 r"|steig|pfad|berg|hof|graben|tor")
_HOUSE_NUMBER = r"\d{1,4}(?:\s?[a-zA-Z]\b)?(?:\s?[-/]\s?\d{1,4}(?:\s?[a-zA-Z]\b)?)?\b"
_POSTCODE_CITY = r"(?:,?\s*\d{5}\s+[A-ZÄÖÜ][\wäöüß-]+)?"
# "Kornmarkt 12", "Straße des Friedens 3a", "Am Steinweg 4, 07545 Gera".
_GERMAN_ADDRESS = re.compile(
    rf"\b(?:(?:am|an der|auf dem|im|in der|zum|zur)\s+)?[\wäöüßÄÖÜ.-]*(?:{_STREET_WORDS})"
    rf"(?:\s+(?:des|der|am|an der)\s+[\wäöüßÄÖÜ.-]+)?\s+{_HOUSE_NUMBER}{_POSTCODE_CITY}",
    re.IGNORECASE,
)
# "12 Main Street", "221b Baker St."
_ENGLISH_ADDRESS = re.compile(
    r"\b\d{1,5}[a-zA-Z]?\s+(?:[A-Z][\w'-]*\s+){1,3}"
    r"(?:Street|St\.|Road|Rd\.|Avenue|Ave\.|Lane|Way|Drive|Square|Place|Close|Court)\b"
)
_POSTCODE_ONLY = re.compile(r"\b\d{5}\s+[A-ZÄÖÜ][\wäöüß-]+\b")
# A run of digits with phone separators; checked by _is_phone before it is replaced.
_PHONE = re.compile(r"(?<![\w.])(?:\+|00)?\d[\d \t/().–-]{4,}\d(?![\w])")
_DATE = re.compile(r"\d{1,2}\.\d{1,2}\.(?:\d{2}|\d{4})|\d{4}-\d{2}-\d{2}|\d{1,2}/\d{1,2}/\d{2,4}")
_AMOUNT = re.compile(r"\d{1,3}(?:\.\d{3})+(?:,\d+)?|\d{1,3}(?:,\d{3})+(?:\.\d+)?")
_TIME_RANGE = re.compile(r"\d{1,2}[:.]\d{2}\s*[-–]\s*\d{1,2}[:.]\d{2}")
MIN_PHONE_DIGITS = 6

# The name follows these; up to three words of it are removed.
_NAME_INTRO = re.compile(r"\b(ich\s+hei(?:ß|ss)e|mein\s+name\s+ist|my\s+name\s+is)\s+",
                         re.IGNORECASE)
_WORD = re.compile(r"[^\W\d_][\w'’-]*")
# Titles are part of the name: "mein Name ist Dr. Müller".
_TITLE = re.compile(r"(?:dr|prof|mr|mrs|ms|hr|fr)\.\s*", re.IGNORECASE)
MAX_NAME_WORDS = 3
# Words that end a name typed in lower case ("mein name ist erika muster und ich ...").
_NOT_A_NAME = frozenset((
    "und", "oder", "aber", "ich", "wir", "sie", "er", "es", "bin", "bist", "ist", "sind", "habe",
    "hat", "haben", "wohne", "wohnt", "komme", "möchte", "moechte", "will", "würde", "wuerde",
    "wollte", "frage", "fragen", "aus", "von", "in", "bei", "mit", "wie", "was", "wann", "wo",
    "warum", "wer", "welche", "welcher", "welches", "nicht", "auch", "noch", "schon", "bitte",
    "danke", "and", "or", "but", "i", "we", "she", "he", "it", "am", "is", "are", "have", "has",
    "live", "come", "would", "want", "wanted", "like", "ask", "from", "in", "at", "with", "how",
    "what", "when", "where", "why", "who", "which", "not", "also", "please", "thanks", "thank",
))


def redact(text: str) -> str:
    """``text`` with e-mail addresses, IBANs, street addresses, phone numbers and
    introduced names replaced by markers."""
    text = _EMAIL.sub(EMAIL, text)
    text = _IBAN.sub(lambda m: IBAN if _looks_like_iban(m.group()) else m.group(), text)
    text = _GERMAN_ADDRESS.sub(ADDRESS, text)
    text = _ENGLISH_ADDRESS.sub(ADDRESS, text)
    text = _POSTCODE_ONLY.sub(ADDRESS, text)
    text = _PHONE.sub(lambda m: PHONE if _is_phone(m.group()) else m.group(), text)
    return _redact_names(text)


def _looks_like_iban(candidate: str) -> bool:
    """Country letters, check digits and at least one more digit: not an ordinary word."""
    compact = candidate.replace(" ", "")
    return compact[:2].isalpha() and compact[2:4].isdigit() and 15 <= len(compact) <= 34


def _is_phone(candidate: str) -> bool:
    """Enough digits, and not a date, an amount or a time range written with separators."""
    stripped = candidate.strip()
    if _DATE.fullmatch(stripped) or _AMOUNT.fullmatch(stripped) or _TIME_RANGE.fullmatch(
            stripped):
        return False
    return sum(char.isdigit() for char in stripped) >= MIN_PHONE_DIGITS


def _redact_names(text: str) -> str:
    out: list[str] = []
    position = 0
    for intro in _NAME_INTRO.finditer(text):
        if intro.start() < position:
            continue
        end = intro.end()
        words = 0
        cursor = end
        while words < MAX_NAME_WORDS:
            title = _TITLE.match(text, cursor)
            cursor = title.end() if title else cursor
            word = _WORD.match(text, cursor)
            if word is None or word.group().casefold().rstrip(".") in _NOT_A_NAME:
                break
            words += 1
            end = word.end()
            gap = re.match(r"[ \t]+", text[end:])
            if gap is None:
                break
            cursor = end + gap.end()
        if words:
            out.append(text[position:intro.end()])
            out.append(NAME)
            position = end
    out.append(text[position:])
    return "".join(out)
