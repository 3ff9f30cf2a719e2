"""Opening-hours arithmetic with the published hours (Mon-Thu 9-17, Fri 9-15), and the office
actions when no opening can be named (no hours on file, a long closure)."""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from pathlib import Path

import pytest

from actions import common, hours
from bot.kb.cli import load
from bot.logic.clock import BERLIN
from bot.logic.hours import HOURS_UNKNOWN, SEARCH_DAYS, OfficeCalendar, holiday_name
from tests.action_replies import one_reply
from tests.kb_fixtures import copy_kb, edit, sqlite_url


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


# ---------------------------------------------------------------- no opening to name

def test_with_no_hours_on_file_an_ordinary_day_is_unknown_not_closed():
    empty = OfficeCalendar([])
    monday = empty.day_status(date(2023, 6, 12))
    assert not monday.is_open_day and not monday.is_known and monday.reason == HOURS_UNKNOWN
    assert not empty.day_status(date(2023, 6, 10)).is_known  # not "weekend" either
    status = empty.status_at(at("2023-06-07T10:00"))
    assert not status.is_open and not status.today.is_known and status.next_opening is None


def test_with_no_hours_on_file_holidays_and_closures_are_still_known():
    empty = OfficeCalendar([], [Closure(date(2023, 12, 27), "Betriebsruhe", "office closed")])
    unity = empty.day_status(date(2023, 10, 3))
    assert unity.is_known and unity.reason == "holiday"
    assert unity.detail == "Tag der Deutschen Einheit"
    assert empty.day_status(date(2023, 12, 27)).reason == "closure"
    assert empty.next_opening(at("2023-10-03T00:00")) is None


def test_a_closure_longer_than_the_search_has_no_next_opening():
    long_closure = [Closure(date(2023, 7, 1) + timedelta(days=n), "Umbau", "refurbishment")
                    for n in range(SEARCH_DAYS + 10)]
    office = OfficeCalendar(HOURS, long_closure)
    status = office.status_at(at("2023-06-30T16:00"))  # Friday after closing
    assert status.today.is_known and not status.is_open and status.next_opening is None


# The actions against a knowledge base loaded from a temporary copy of data/kb.
CONTACT = ("smartcity@gera.de", "0365 838-1200")  # from data/kb/contact.yml


def kb_with(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, change) -> None:
    """Load a copy of data/kb changed by ``change(hours_document)``; actions read it."""
    directory = copy_kb(tmp_path)
    edit(directory, "hours.yml", change)
    url = sqlite_url(tmp_path)
    load(directory, url)
    monkeypatch.setenv("SMARTCITY_DB_URL", url)
    common.repository.cache_clear()


@pytest.fixture(autouse=True)
def _fresh_repository():
    yield
    common.repository.cache_clear()  # the next test must not see this test's database


def reply(action, text: str, language: str, now: str,
          monkeypatch: pytest.MonkeyPatch) -> tuple[dict, str]:
    """(the one message the action sent, its text rendered from domain.yml)."""
    return one_reply(action, language, now, monkeypatch, intent="hours_day", text=text)


def no_hours(document: dict) -> None:
    document["opening_hours"] = []


@pytest.mark.parametrize("language", ["de", "en"])
@pytest.mark.parametrize(("action", "text"), [
    (hours.ActionOpenNow(), "Haben Sie gerade geöffnet?"),
    (hours.ActionHoursDay(), "Haben Sie am Montag geöffnet?"),
    (hours.ActionHoursDay(), "Haben Sie am Samstag geöffnet?"),
    (hours.ActionHoursWeek(), "Wann haben Sie geöffnet?"),
])
def test_no_hours_on_file_says_so_with_the_contact(action, text, language, tmp_path,
                                                   monkeypatch):
    kb_with(tmp_path, monkeypatch, no_hours)
    message, rendered = reply(action, text, language, "2023-06-07T10:00", monkeypatch)
    assert message["response"] == "utter_hours_unknown"
    assert all(part in rendered for part in CONTACT), rendered
    assert "?" not in rendered and "{" not in rendered, rendered


@pytest.mark.parametrize(("language", "holiday"), [("de", "Reformationstag"),
                                                   ("en", "Reformation Day")])
def test_a_holiday_with_no_hours_on_file_is_closed_and_the_next_opening_unknown(
        language, holiday, tmp_path, monkeypatch):
    kb_with(tmp_path, monkeypatch, no_hours)
    message, rendered = reply(hours.ActionHoursDay(), "Haben Sie am Reformationstag offen?",
                              language, "2023-06-07T10:00", monkeypatch)
    assert message["response"] == "utter_hours_day_closed_next_unknown"
    assert holiday in rendered and all(part in rendered for part in CONTACT), rendered
    assert "?" not in rendered and "{" not in rendered, rendered
    message, rendered = reply(hours.ActionOpenNow(), "Haben Sie offen?", language,
                              "2023-10-31T10:00", monkeypatch)
    assert message["response"] == "utter_open_now_no_next_unknown"
    assert holiday in rendered and all(part in rendered for part in CONTACT), rendered
    assert "?" not in rendered and "{" not in rendered, rendered


def test_closed_for_longer_than_the_search_gives_the_contact_not_a_date(tmp_path,
                                                                       monkeypatch):
    def long_closure(document: dict) -> None:
        document["closures"] = [
            {"date": date(2023, 7, 1) + timedelta(days=n), "reason_de": "Umbau",
             "reason_en": "refurbishment", "source": "gera.de/SMARTCity",
             "as_of": date(2023, 6, 1)}
            for n in range(SEARCH_DAYS + 10)]

    kb_with(tmp_path, monkeypatch, long_closure)
    message, rendered = reply(hours.ActionHoursDay(), "Haben Sie am 3. Juli geöffnet?", "de",
                              "2023-06-30T16:00", monkeypatch)
    assert message["response"] == "utter_hours_day_closed_next_unknown"
    assert "Umbau" in rendered and all(part in rendered for part in CONTACT), rendered
    assert "?" not in rendered, rendered


def test_with_hours_on_file_a_closed_day_still_names_the_next_opening(tmp_path, monkeypatch):
    kb_with(tmp_path, monkeypatch, lambda document: None)
    message, rendered = reply(hours.ActionHoursDay(), "Haben Sie am Samstag geöffnet?", "de",
                              "2023-06-07T10:00", monkeypatch)
    assert message["response"] == "utter_hours_day_closed"
    assert rendered == ("Am Samstag, 10. Juni 2023 ist das Büro geschlossen (Wochenende). "
                        "Nächste Servicezeit: Montag, 12. Juni 2023 ab 09:00 Uhr.")
