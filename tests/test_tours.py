"""Tour selection with the published dates, including the out-of-order 22.08.2023."""

from dataclasses import dataclass
from datetime import date, datetime, time

from bot import tours
from bot.clock import BERLIN


@dataclass(frozen=True)
class Tour:
    date: date
    mode: str
    start: time = time(14)
    end: time = time(16, 30)


# In the order the city's page lists them.
PUBLISHED = [
    Tour(date(2023, 6, 10), "bike"), Tour(date(2023, 6, 24), "foot"),
    Tour(date(2023, 7, 8), "foot"), Tour(date(2023, 8, 22), "foot"),
    Tour(date(2023, 8, 12), "foot"), Tour(date(2023, 9, 2), "bike"),
    Tour(date(2023, 9, 16), "foot"),
]


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=BERLIN)


def test_next_tour_is_sorted_by_date_not_file_order():
    assert tours.next_tour(PUBLISHED, at("2023-07-09T10:00")).date == date(2023, 8, 12)


def test_next_tour_by_mode():
    assert tours.next_tour(PUBLISHED, at("2023-06-11T10:00"), "bike").date == date(2023, 9, 2)
    assert tours.next_tour(PUBLISHED, at("2023-06-11T10:00"), "foot").date == date(2023, 6, 24)


def test_a_tour_that_has_started_is_not_next():
    assert tours.next_tour(PUBLISHED, at("2023-06-10T14:30")).date == date(2023, 6, 24)
    assert tours.next_tour(PUBLISHED, at("2023-06-10T13:59")).date == date(2023, 6, 10)


def test_by_month_is_chronological():
    august = tours.between(PUBLISHED, date(2023, 8, 1), date(2023, 8, 31))
    assert [t.date.day for t in august] == [12, 22]


def test_none_left():
    now = at("2023-09-17T09:00")
    assert tours.next_tour(PUBLISHED, now) is None
    assert tours.remaining(PUBLISHED, now) == []
    assert tours.last_tour(PUBLISHED, now).date == date(2023, 9, 16)


def test_remaining_counts():
    assert len(tours.remaining(PUBLISHED, at("2023-08-15T12:00"))) == 3
    assert len(tours.remaining(PUBLISHED, at("2023-01-01T00:00"))) == 7
