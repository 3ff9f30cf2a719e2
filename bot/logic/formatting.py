"""Dates and times in the citizen's language, via Babel's locale data (no word lists here).

In easy-read German (bot/logic/easy_read.py, while an action builds such a reply) dates are
always written out with the weekday ("Samstag, 10. Juni 2023", also in lists and "as of"
lines) and times as "14 Uhr" / "16:30 Uhr", as the Leichte Sprache rules ask.
"""

from __future__ import annotations

from datetime import date, time

from babel.dates import format_date, format_time, get_day_names, get_month_names

from bot.logic import easy_read

LOCALES = {"de": "de_DE", "en": "en_GB"}
_DAY_PATTERN = {"de": "EEEE, d. MMMM y", "en": "EEEE, d MMMM y"}
_SHORT_DAY_PATTERN = {"de": "EE, dd.MM.y", "en": "EE d MMM y"}
_AS_OF_PATTERN = {"de": "dd.MM.y", "en": "d MMMM y"}


# Easy-read German: whole hours without minutes, no leading zero, always "Uhr".
_EASY_CLOCK = {True: "H 'Uhr'", False: "H:mm 'Uhr'"}


def _locale(language: str) -> str:
    return LOCALES.get(language, LOCALES["de"])


def _easy(language: str | None) -> bool:
    """Is this date or time part of an easy-read German reply?"""
    return easy_read.in_effect() and language in (None, easy_read.LANGUAGE)


def day(value: date, language: str) -> str:
    """'Samstag, 10. Juni 2023' / 'Saturday, 10 June 2023'."""
    return format_date(value, _DAY_PATTERN.get(language, _DAY_PATTERN["de"]),
                       locale=_locale(language))


def short_day(value: date, language: str) -> str:
    """'Sa., 10.06.2023' / 'Sat 10 Jun 2023' for lists (easy-read: written out)."""
    if _easy(language):
        return day(value, language)
    return format_date(value, _SHORT_DAY_PATTERN.get(language, _SHORT_DAY_PATTERN["de"]),
                       locale=_locale(language))


def as_of(value: date, language: str) -> str:
    """'01.06.2023' / '1 June 2023' (easy-read: written out)."""
    if _easy(language):
        return day(value, language)
    return format_date(value, _AS_OF_PATTERN.get(language, _AS_OF_PATTERN["de"]),
                       locale=_locale(language))


def month(year: int, month_number: int, language: str) -> str:
    """'September 2023'."""
    return format_date(date(year, month_number, 1), "MMMM y", locale=_locale(language))


def weekday_name(weekday: int, language: str) -> str:
    """Name of weekday 0=Monday in the language."""
    # Babel numbers days 0=Monday like Python.
    return get_day_names("wide", locale=_locale(language))[weekday]


def clock(value: time) -> str:
    """'14:00' (easy-read German: '14 Uhr', '9:30 Uhr', with the word the sentences leave out)."""
    if _easy(None):
        return easy_clock(value)
    return value.strftime("%H:%M")


def easy_clock(value: time) -> str:
    """'14 Uhr', '9 Uhr', '16:30 Uhr'."""
    return format_time(value, _EASY_CLOCK[value.minute == 0], locale=LOCALES["de"])


def month_names(language: str) -> dict[int, str]:
    return dict(get_month_names("wide", locale=_locale(language)))


def day_names(language: str) -> dict[int, str]:
    return dict(get_day_names("wide", locale=_locale(language)))
