"""Office hours: the week, one day, and "is it open now?" (Berlin time, holidays, closures)."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.common import (
    DomainDict,
    Events,
    OfficeAction,
    contact_vars,
    is_follow_up,
    phrase,
    repository,
    source_vars,
)
from bot.logic import formatting
from bot.logic.clock import now
from bot.logic.dates import day_offset, resolve_day
from bot.logic.hours import DayStatus, OfficeCalendar

LAST_DAY_SLOT = "last_day"
NEXT_FOLLOW_UP = "followup_next"  # about the office: the day after the one asked about
# A closed office: (the response naming the next opening, the one for when none is known).
CLOSED_DAY = ("utter_hours_day_closed", "utter_hours_day_closed_next_unknown")
CLOSED_NOW = ("utter_open_now_no", "utter_open_now_no_next_unknown")


def remembered_day(tracker: Tracker) -> date | None:
    """The office day the conversation asked about last (ISO date in a slot)."""
    try:
        return date.fromisoformat(tracker.get_slot(LAST_DAY_SLOT) or "")
    except ValueError:
        return None


def calendar() -> OfficeCalendar:
    return OfficeCalendar(repository().opening_hours(), repository().closures())


def hours_list(language: str) -> str:
    return "\n".join(
        f"{formatting.weekday_name(entry.weekday, language)}: "
        f"{formatting.clock(entry.opens)}–{formatting.clock(entry.closes)}"
        for entry in repository().opening_hours()
    )


def reason_phrase(domain: DomainDict, language: str, reason: str | None,
                  detail: str | None, today: DayStatus | None = None) -> str:
    """Why the office is closed, in domain wording ("Feiertag: Weltkindertag")."""
    variables: dict[str, str] = {"holiday": detail or "", "closure": detail or ""}
    if today is not None and today.is_open_day:
        variables["opens"] = formatting.clock(today.opens)
        variables["closes"] = formatting.clock(today.closes)
    return phrase(domain, f"utter_reason_{reason or 'no_hours'}", language, **variables)


def utter_closed(dispatcher: CollectingDispatcher, responses: tuple[str, str], language: str,
                 next_opening: datetime | None, **variables: str) -> None:
    """A closed office and when it opens next (``responses``: CLOSED_DAY or CLOSED_NOW).
    Without a next opening (no hours on file, or closed for longer than the calendar
    looks ahead) the reply says that it is not known and gives the contact."""
    known, unknown = responses
    if next_opening is None:
        dispatcher.utter_message(response=unknown, **variables,
                                 **contact_vars(repository().contact(), language))
        return
    dispatcher.utter_message(response=known, **variables,
                             next_day=formatting.day(next_opening.date(), language),
                             next_opens=formatting.clock(next_opening.timetz()))


def utter_hours_unknown(dispatcher: CollectingDispatcher, language: str) -> None:
    """No weekly hours on file: neither open nor closed can be said, only whom to ask."""
    dispatcher.utter_message(response="utter_hours_unknown",
                             **contact_vars(repository().contact(), language))


class ActionHoursWeek(OfficeAction):
    action_name = "action_hours_week"

    def answer(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict,
               language: str) -> Events:
        hours = repository().opening_hours()
        if not hours:
            utter_hours_unknown(dispatcher, language)
            return []
        dispatcher.utter_message(
            response="utter_hours_week", hours_list=hours_list(language),
            **{**contact_vars(repository().contact(), language),
               **source_vars(hours[0], language)},
        )
        return []


class ActionHoursDay(OfficeAction):
    action_name = "action_hours_day"

    def answer(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict,
               language: str) -> Events:
        text = (tracker.latest_message or {}).get("text") or ""
        current = now()
        day = resolve_day(text, current.date(),
                          weekday=next(tracker.get_latest_entity_values("weekday"), None))
        if day is None:  # no day named: in a follow-up the day asked about before, else today
            day = (remembered_day(tracker) if is_follow_up(tracker) else None) or current.date()
            offset = day_offset(text)  # "und am Tag danach?", "and the day before?"
            if offset is None and tracker.get_intent_of_latest_message() == NEXT_FOLLOW_UP:
                offset = 1
            day += timedelta(days=offset or 0)
        office = calendar()
        status = office.day_status(day, language)
        if not status.is_known:
            utter_hours_unknown(dispatcher, language)
        elif status.is_open_day:
            dispatcher.utter_message(response="utter_hours_day_open",
                                     day=formatting.day(day, language),
                                     opens=formatting.clock(status.opens),
                                     closes=formatting.clock(status.closes))
        else:
            start_of_day = datetime.combine(day, datetime.min.time(), tzinfo=current.tzinfo)
            utter_closed(dispatcher, CLOSED_DAY, language,
                         office.next_opening(start_of_day, language),
                         day=formatting.day(day, language),
                         reason=reason_phrase(domain, language, status.reason, status.detail))
        return [SlotSet(LAST_DAY_SLOT, day.isoformat())]


class ActionOpenNow(OfficeAction):
    action_name = "action_open_now"

    def answer(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict,
               language: str) -> Events:
        status = calendar().status_at(now(), language)
        if not status.today.is_known:
            utter_hours_unknown(dispatcher, language)
        elif status.is_open:
            dispatcher.utter_message(response="utter_open_now_yes",
                                     closes=formatting.clock(status.today.closes),
                                     **contact_vars(repository().contact(), language))
        else:
            utter_closed(dispatcher, CLOSED_NOW, language, status.next_opening,
                         reason=reason_phrase(domain, language, status.reason, status.detail,
                                              status.today))
        return []
