"""Tour selection against the clock: always by date and time, never by file order."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, time
from typing import Protocol

from bot.logic.clock import BERLIN


class TourLike(Protocol):
    date: date
    start: time
    end: time
    mode: str


def starts_at(tour: TourLike) -> datetime:
    return datetime.combine(tour.date, tour.start, tzinfo=BERLIN)


def chronological(tours: Iterable[TourLike], mode: str | None = None) -> list[TourLike]:
    """Tours sorted by start, optionally only one mode ("foot" / "bike")."""
    chosen = [tour for tour in tours if mode is None or tour.mode == mode]
    return sorted(chosen, key=starts_at)


def remaining(tours: Iterable[TourLike], now: datetime, mode: str | None = None
              ) -> list[TourLike]:
    """Tours that have not started yet at ``now``."""
    return [tour for tour in chronological(tours, mode) if starts_at(tour) > now]


def next_tour(tours: Iterable[TourLike], now: datetime, mode: str | None = None
              ) -> TourLike | None:
    ahead = remaining(tours, now, mode)
    return ahead[0] if ahead else None


def last_tour(tours: Iterable[TourLike], now: datetime, mode: str | None = None
              ) -> TourLike | None:
    """The most recent tour that has started by ``now`` (for "none ahead" answers)."""
    past = [tour for tour in chronological(tours, mode) if starts_at(tour) <= now]
    return past[-1] if past else None


def between(tours: Iterable[TourLike], first: date, last: date, mode: str | None = None
            ) -> list[TourLike]:
    """Tours on the days ``first`` to ``last`` inclusive."""
    return [tour for tour in chronological(tours, mode) if first <= tour.date <= last]


def after(tours: Iterable[TourLike], current: TourLike, mode: str | None = None
          ) -> TourLike | None:
    """The tour that follows ``current`` ("und der danach?"), by date, not by file order."""
    later = [tour for tour in chronological(tours, mode)
             if starts_at(tour) > starts_at(current)]
    return later[0] if later else None


def in_focus(tours: Iterable[TourLike], now: datetime, key_of_last: str | None
             ) -> TourLike | None:
    """The tour a follow-up refers to: the one last named, else the next, else the last one."""
    tours = list(tours)
    named = next((tour for tour in tours
                  if key_of_last and getattr(tour, "key", None) == key_of_last), None)
    return named or next_tour(tours, now) or last_tour(tours, now)
