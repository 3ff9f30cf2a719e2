"""Dates and times in the citizen's language, via Babel's locale data (no word lists here)."""

from __future__ import annotations

from datetime import date, time

from babel.dates import format_date, get_day_names, get_month_names

LOCALES = {"de": "de_DE", "en": "en_GB"}
_DAY_PATTERN = {"de": "EEEE, d. MMMM y", "en": "EEEE, d MMMM y"}
_SHORT_DAY_PATTERN = {"de": "EE, dd.MM.y", "en": "EE d MMM y"}
_AS_OF_PATTERN = {"de": "dd.MM.y", "en": "d MMMM y"}


def _locale(language: str) -> str:
    return LOCALES.get(language, LOCALES["de"])


def day(value: date, language: str) -> str:
    """'Samstag, 10. Juni 2023' / 'Saturday, 10 June 2023'."""
    return format_date(value, _DAY_PATTERN.get(language, _DAY_PATTERN["de"]),
                       locale=_locale(language))


def short_day(value: date, language: str) -> str:
    """'Sa., 10.06.2023' / 'Sat 10 Jun 2023' for lists."""
    return format_date(value, _SHORT_DAY_PATTERN.get(language, _SHORT_DAY_PATTERN["de"]),
                       locale=_locale(language))


def as_of(value: date, language: str) -> str:
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
    return value.strftime("%H:%M")


def month_names(language: str) -> dict[int, str]:
    return dict(get_month_names("wide", locale=_locale(language)))


def day_names(language: str) -> dict[int, str]:
    return dict(get_day_names("wide", locale=_locale(language)))
