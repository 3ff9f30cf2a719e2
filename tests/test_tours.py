"""Tour selection with the published dates, including the out-of-order 22.08.2023."""

from dataclasses import dataclass
from datetime import date, datetime, time

from bot.logic import tours
from bot.logic.clock import BERLIN


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


def test_the_tour_after_one_is_by_date_not_file_order():
    july = next(t for t in PUBLISHED if t.date == date(2023, 7, 8))
    assert tours.after(PUBLISHED, july).date == date(2023, 8, 12)
    assert tours.after(PUBLISHED, july, "bike").date == date(2023, 9, 2)
    last = next(t for t in PUBLISHED if t.date == date(2023, 9, 16))
    assert tours.after(PUBLISHED, last) is None


@dataclass(frozen=True)
class KeyedTour(Tour):
    key: str = ""


def test_the_tour_in_focus_is_the_one_named_else_the_next_else_the_last():
    keyed = [KeyedTour(t.date, t.mode, key=t.date.isoformat()) for t in PUBLISHED]
    assert tours.in_focus(keyed, at("2023-06-21T10:00"), "2023-09-02").date == date(2023, 9, 2)
    assert tours.in_focus(keyed, at("2023-06-21T10:00"), None).date == date(2023, 6, 24)
    assert tours.in_focus(keyed, at("2023-06-21T10:00"), "gone").date == date(2023, 6, 24)
    assert tours.in_focus(keyed, at("2023-10-01T10:00"), None).date == date(2023, 9, 16)
    assert tours.in_focus([], at("2023-10-01T10:00"), None) is None
