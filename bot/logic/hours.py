"""Opening-hours arithmetic: is the office open at a moment, why not, when it opens next.

Closed days come from three places: the weekly hours (no hours on a weekday, e.g. the
weekend), Thuringia's public holidays (the ``holidays`` package, Germany subdiv TH, which
includes Weltkindertag and Reformationstag) and the knowledge base's closure days. With no
weekly hours on file at all, an ordinary day is neither open nor closed but unknown
(reason ``HOURS_UNKNOWN``): a missing record must not read as "closed every day".
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import lru_cache
from typing import Protocol

import holidays

from bot.logic.clock import BERLIN

HOLIDAY_LANGUAGES = {"de": "de", "en": "en_US"}
# How far ahead to look for the next opening (covers any run of holidays and closures).
SEARCH_DAYS = 60
# The reason of a day whose hours cannot be known: no weekly hours are on file.
HOURS_UNKNOWN = "hours_unknown"


class HoursLike(Protocol):
    weekday: int
    opens: time
    closes: time


class ClosureLike(Protocol):
    date: date
    reason_de: str
    reason_en: str


@dataclass(frozen=True)
class DayStatus:
    """The office on one calendar day."""

    day: date
    opens: time | None
    closes: time | None
    # not open: "weekend" | "holiday" | "closure" | "no_hours", or HOURS_UNKNOWN
    reason: str | None = None
    detail: str | None = None  # holiday name or closure reason, in the asked language

    @property
    def is_open_day(self) -> bool:
        return self.opens is not None

    @property
    def is_known(self) -> bool:
        """False when nothing on file says whether the office opens that day."""
        return self.reason != HOURS_UNKNOWN


@dataclass(frozen=True)
class MomentStatus:
    """The office at one moment: open or not, why not, and when it opens next.

    ``is_open`` is False as well when the day's hours are unknown (``today.is_known``).
    """

    moment: datetime
    is_open: bool
    today: DayStatus
    reason: str | None  # closed: DayStatus.reason, or "before_opening" / "after_closing"
    detail: str | None
    next_opening: datetime | None


@lru_cache(maxsize=16)
def _holiday_calendar(year: int, language: str) -> holidays.HolidayBase:
    return holidays.Germany(subdiv="TH", years=year,
                            language=HOLIDAY_LANGUAGES.get(language, "de"))


def holidays_named(text: str, today: date, fold: Callable[[str], str]) -> list[date]:
    """Thuringian public holidays named in ``text`` (German or English names), on or after
    ``today`` within a year: "Haben Sie am Reformationstag geöffnet?"."""
    folded = fold(text)
    return sorted(day for year in (today.year, today.year + 1) for language in HOLIDAY_LANGUAGES
                  for day, name in _holiday_calendar(year, language).items()
                  if 0 <= (day - today).days < 366 and fold(name) in folded)


def holiday_name(day: date, language: str = "de") -> str | None:
    """Name of the Thuringian public holiday on ``day`` in the language, or None."""
    return _holiday_calendar(day.year, language).get(day)


class OfficeCalendar:
    """Weekly hours plus holidays plus closure days."""

    def __init__(self, hours: Iterable[HoursLike], closures: Iterable[ClosureLike] = ()) -> None:
        self._hours = {entry.weekday: entry for entry in hours}
        self._closures = {closure.date: closure for closure in closures}

    def day_status(self, day: date, language: str = "de") -> DayStatus:
        closure = self._closures.get(day)
        if closure is not None:
            reason = closure.reason_en if language == "en" else closure.reason_de
            return DayStatus(day, None, None, "closure", reason)
        holiday = holiday_name(day, language)
        if holiday:
            return DayStatus(day, None, None, "holiday", holiday)
        entry = self._hours.get(day.weekday())
        if entry is None and not self._hours:
            return DayStatus(day, None, None, HOURS_UNKNOWN)
        if entry is None:
            return DayStatus(day, None, None, "weekend" if day.weekday() >= 5 else "no_hours")
        return DayStatus(day, entry.opens, entry.closes)

    def next_opening(self, after: datetime, language: str = "de") -> datetime | None:
        """First opening time strictly after ``after`` (Berlin time), within SEARCH_DAYS;
        None when there is none to name (no hours on file, or closed for that long)."""
        if not self._hours:
            return None
        after = after.astimezone(BERLIN)
        for offset in range(SEARCH_DAYS + 1):
            day = after.date() + timedelta(days=offset)
            status = self.day_status(day, language)
            if not status.is_open_day:
                continue
            opening = datetime.combine(day, status.opens, tzinfo=BERLIN)
            if opening > after:
                return opening
        return None

    def status_at(self, moment: datetime, language: str = "de") -> MomentStatus:
        moment = moment.astimezone(BERLIN)
        today = self.day_status(moment.date(), language)
        if today.is_open_day:
            current = moment.time().replace(tzinfo=None)
            if today.opens <= current < today.closes:
                return MomentStatus(moment, True, today, None, None, None)
            reason = "before_opening" if current < today.opens else "after_closing"
            return MomentStatus(moment, False, today, reason, None,
                                self.next_opening(moment, language))
        return MomentStatus(moment, False, today, today.reason, today.detail,
                            self.next_opening(moment, language))
