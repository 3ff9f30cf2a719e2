"""Opening-hours arithmetic with the published hours (Mon-Thu 9-17, Fri 9-15)."""

from dataclasses import dataclass
from datetime import date, datetime, time

import pytest

from bot.clock import BERLIN
from bot.hours import OfficeCalendar, holiday_name


@dataclass(frozen=True)
class Hours:
    weekday: int
    opens: time
    closes: time


@dataclass(frozen=True)
class Closure:
    date: date
    reason_de: str
    reason_en: str


HOURS = [Hours(d, time(9), time(17)) for d in range(4)] + [Hours(4, time(9), time(15))]


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=BERLIN)


@pytest.fixture
def office() -> OfficeCalendar:
    return OfficeCalendar(HOURS, [Closure(date(2023, 12, 27), "Betriebsruhe", "office closed")])


def test_open_on_a_weekday_morning(office):
    status = office.status_at(at("2023-06-07T10:00"))  # Wednesday
    assert status.is_open and status.today.closes == time(17)


def test_friday_closes_at_three(office):
    assert office.status_at(at("2023-06-09T14:59")).is_open
    status = office.status_at(at("2023-06-09T15:00"))
    assert not status.is_open and status.reason == "after_closing"
    assert status.next_opening == at("2023-06-12T09:00")  # Monday


def test_before_opening_opens_same_day(office):
    status = office.status_at(at("2023-06-07T07:30"))
    assert status.reason == "before_opening" and status.next_opening == at("2023-06-07T09:00")


def test_weekend(office):
    status = office.status_at(at("2023-06-10T11:00"))  # Saturday
    assert not status.is_open and status.reason == "weekend"
    assert status.next_opening == at("2023-06-12T09:00")


def test_holiday_weltkindertag(office):
    status = office.status_at(at("2023-09-20T10:00"), "de")
    assert status.reason == "holiday" and status.detail == "Weltkindertag"
    assert status.next_opening == at("2023-09-21T09:00")
    assert office.status_at(at("2023-09-20T10:00"), "en").detail == "World Children's Day"


def test_next_opening_across_easter_weekend(office):
    # Good Friday 7 April 2023, weekend, Easter Monday 10 April: next is Tuesday 9:00.
    status = office.status_at(at("2023-04-06T17:30"))  # Maundy Thursday after closing
    assert status.next_opening == at("2023-04-11T09:00")


def test_closure_day_from_knowledge_base(office):
    status = office.status_at(at("2023-12-27T10:00"), "en")
    assert status.reason == "closure" and status.detail == "office closed"
    # 28 Dec (Thursday) is an ordinary day again
    assert status.next_opening == at("2023-12-28T09:00")


def test_reformation_day_is_a_thuringian_holiday():
    assert holiday_name(date(2023, 10, 31)) == "Reformationstag"
    assert holiday_name(date(2023, 10, 30)) is None


def test_day_status_names_the_day(office):
    assert office.day_status(date(2023, 6, 9)).closes == time(15)
    assert office.day_status(date(2023, 6, 11)).reason == "weekend"
