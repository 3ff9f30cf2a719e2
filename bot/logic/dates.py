"""Date phrases in German and English questions -> a period of days.

dateparser handles explicit dates and "heute/morgen/tomorrow"; its German relative dates
are patchy ("nächsten Samstag" gives None, "im September" gives today's day in September),
so weekdays, months, weekends and weeks are resolved here from Babel's locale names.
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import lru_cache

import dateparser

from bot.logic.formatting import day_names, month_names
from bot.logic.hours import holidays_named


@dataclass(frozen=True)
class Period:
    first: date
    last: date
    kind: str  # "day" | "month" | "range"


def _fold(text: str) -> str:
    return (text.lower().replace("ä", "ae").replace("ö", "oe").replace("ü", "ue")
            .replace("ß", "ss"))


def _name_words(names: Callable[[str], dict[int, str]], **variants: int) -> dict[str, int]:
    """Folded German and English names -> number, plus spellings Babel does not give."""
    words = {_fold(name): number for language in ("de", "en")
             for number, name in names(language).items()}
    return {**words, **variants}


@lru_cache(maxsize=1)
def _weekday_words() -> dict[str, int]:
    return _name_words(day_names, sonnabend=5)


@lru_cache(maxsize=1)
def _month_words() -> dict[str, int]:
    return _name_words(month_names, maerz=3, marz=3)


# Entity values from NLU ("saturday", "september") -> numbers. From Babel's English names,
# not the calendar module's, whose names follow the machine's locale (LC_TIME).
WEEKDAY_VALUES = {name.lower(): number for number, name in day_names("en").items()}
MONTH_VALUES = {name.lower(): number for number, name in month_names("en").items()}

_TOKEN = re.compile(r"[a-zäöüß]+|\d{1,4}", re.IGNORECASE)
_NUMERIC_DATE = re.compile(r"\b(\d{1,2})\.(\d{1,2})\.(\d{2,4})?")
_DAY_MONTH = re.compile(r"\b(\d{1,2})\.?\s+([a-zäöü]+)(?:\s+(\d{4}))?", re.IGNORECASE)
_MONTH_DAY = re.compile(r"\b([a-z]+)\s+(\d{1,2})(?:st|nd|rd|th)?\b(?:,?\s+(\d{4}))?",
                        re.IGNORECASE)
_NEXT = {"naechste", "naechsten", "naechstes", "naechster", "kommende", "kommenden",
         "kommendes", "next", "coming"}
_WEEKEND = {"wochenende", "weekend"}
_WEEK = {"woche", "week"}
_ENGLISH_MAY_CONTEXT = {"in", "of", "during", "im", "until", "till", "end", "early", "late"}
# "the day after" / "am Tag danach" / "einen Tag später" / "the day before": a day counted from
# the day the conversation is about, not from today (see day_offset).
_DAY = {"day", "tag", "tags"}
_LATER = {"after", "danach", "darauf", "drauf", "spaeter", "later", "next", "naechsten",
          "naechste", "folgenden", "following"}
_EARLIER = {"before", "davor", "vorher", "frueher", "earlier", "previous", "vorigen", "zuvor"}


def _coming_weekday(today: date, weekday: int, strictly_after: bool = False) -> date:
    days = (weekday - today.weekday()) % 7
    if days == 0 and strictly_after:
        days = 7
    return today + timedelta(days=days)


def _month_period(today: date, month_number: int, year: int | None) -> Period:
    if year is None:
        year = today.year if month_number >= today.month else today.year + 1
    last_day = calendar.monthrange(year, month_number)[1]
    return Period(date(year, month_number, 1), date(year, month_number, last_day), "month")


def _safe_date(year: int, month_number: int, day_number: int) -> date | None:
    try:
        return date(year, month_number, day_number)
    except ValueError:
        return None


def _explicit_date(text: str, today: date) -> date | None:
    match = _NUMERIC_DATE.search(text)
    if match:
        day_number, month_number = int(match.group(1)), int(match.group(2))
        year = match.group(3)
        if year:
            year_number = int(year) + (2000 if len(year) == 2 else 0)
            return _safe_date(year_number, month_number, day_number)
        candidate = _safe_date(today.year, month_number, day_number)
        if candidate and candidate < today - timedelta(days=180):
            candidate = _safe_date(today.year + 1, month_number, day_number)
        return candidate
    months = _month_words()
    for pattern, month_group in ((_DAY_MONTH, 2), (_MONTH_DAY, 1)):
        for match in pattern.finditer(text):
            month_number = months.get(_fold(match.group(month_group)))
            if month_number is None:
                continue
            parsed = dateparser.parse(
                match.group(0), languages=["de", "en"],
                settings={"PREFER_DATES_FROM": "future",
                          "RELATIVE_BASE": datetime.combine(today, datetime.min.time())},
            )
            if parsed:
                return parsed.date()
    return None


def _relative_day(tokens: list[str], today: date) -> date | None:
    for phrase in ("uebermorgen", "heute", "morgen", "today", "tomorrow"):
        if phrase in tokens:
            # "day after tomorrow" / "übermorgen" / "morgen" / "today": dateparser knows them.
            word = {"uebermorgen": "übermorgen"}.get(phrase, phrase)
            parsed = dateparser.parse(
                word, languages=["de", "en"],
                settings={"RELATIVE_BASE": datetime.combine(today, datetime.min.time())},
            )
            if parsed:
                return parsed.date()
    return None


def find_period(text: str, today: date, weekday: str | None = None,
                month: str | None = None) -> Period | None:
    """The period a question refers to, or None when it names none.

    ``weekday`` / ``month`` are entity values from NLU ("saturday", "september") and take
    precedence over what is found in the text.
    """
    text = text[:500]
    tokens = [_fold(token) for token in _TOKEN.findall(text)]
    wants_next = any(token in _NEXT for token in tokens)

    explicit = _explicit_date(text, today)
    if explicit:
        return Period(explicit, explicit, "day")

    if "day" in tokens and "after" in tokens and "tomorrow" in tokens:
        target = today + timedelta(days=2)
        return Period(target, target, "day")
    relative = _relative_day(tokens, today)
    if relative:
        return Period(relative, relative, "day")

    if any(token in _WEEKEND for token in tokens):
        saturday = _coming_weekday(today, 5)
        if today.weekday() == 6:
            saturday = today - timedelta(days=1)
        if wants_next and today.weekday() >= 5:
            saturday = _coming_weekday(today, 5, strictly_after=True)
        first = max(saturday, today)
        return Period(first, saturday + timedelta(days=1), "range")

    if any(token in _WEEK for token in tokens):
        monday = today - timedelta(days=today.weekday())
        if wants_next:
            monday += timedelta(days=7)
            return Period(monday, monday + timedelta(days=6), "range")
        return Period(today, monday + timedelta(days=6), "range")

    weekday_number = WEEKDAY_VALUES.get((weekday or "").lower())
    if weekday_number is None:
        words = _weekday_words()
        for token in tokens:
            for name, number in words.items():
                if token == name or (token.startswith(name) and token[len(name):] in {"s"}):
                    weekday_number = number
                    break
            if weekday_number is not None:
                break
    if weekday_number is not None:
        target = _coming_weekday(today, weekday_number, strictly_after=wants_next)
        return Period(target, target, "day")

    month_number = MONTH_VALUES.get((month or "").lower())
    year = None
    if month_number is None:
        words = _month_words()
        for index, token in enumerate(tokens):
            number = words.get(token)
            if number is None:
                continue
            if token == "may" and not (index and tokens[index - 1] in _ENGLISH_MAY_CONTEXT):
                continue
            month_number = number
            break
    if month_number is not None:
        years = [int(token) for token in tokens if len(token) == 4 and token.isdigit()]
        year = years[0] if years else None
        return _month_period(today, month_number, year)
    return None


def names_one_day(text: str, today: date) -> bool:
    """Does the text name one day ("am 3. Oktober", "tomorrow", "am Weltkindertag"), not a
    week or a month? Then a question about the office is a question about that day."""
    if holidays_named(text, today, _fold):
        return True
    period = find_period(text, today)
    return period is not None and period.kind == "day"


def day_offset(text: str) -> int | None:
    """+1 for "the day after" / "einen Tag später", -1 for "the day before" / "am Tag davor";
    None when the text does not count days from another day. The caller adds it to the day
    the conversation asked about (a follow-up), where "today" would be the wrong base."""
    tokens = {_fold(token) for token in _TOKEN.findall(text[:500])}
    if not tokens & _DAY or tokens & {"tomorrow", "morgen", "uebermorgen", "today", "heute"}:
        return None
    if tokens & _LATER:
        return 1
    if tokens & _EARLIER:
        return -1
    return None


def resolve_day(text: str, today: date, weekday: str | None = None) -> date | None:
    """One day named in the text (for office hours); the first day of a longer period; the
    next public holiday named ("am Reformationstag")."""
    named = holidays_named(text, today, _fold)
    if named:
        return named[0]
    period = find_period(text, today, weekday=weekday)
    if period is None or period.kind == "month":
        return None
    return period.first
