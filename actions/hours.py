"""Office hours: the week, one day, and "is it open now?" (Berlin time, holidays, closures)."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.common import (
    answer_safely,
    contact_vars,
    is_follow_up,
    language_of,
    phrase,
    repository,
    source_vars,
    utter_unknown,
)
from bot import formatting
from bot.clock import now
from bot.dates import resolve_day
from bot.hours import DayStatus, OfficeCalendar

LAST_DAY_SLOT = "last_day"
NEXT_FOLLOW_UP = "followup_next"  # about the office: the day after the one asked about


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


def reason_phrase(domain: dict[str, Any], language: str, reason: str | None,
                  detail: str | None, today: DayStatus | None = None) -> str:
    """Why the office is closed, in domain wording ("Feiertag: Weltkindertag")."""
    variables: dict[str, str] = {"holiday": detail or "", "closure": detail or ""}
    if today is not None and today.is_open_day:
        variables["opens"] = formatting.clock(today.opens)
        variables["closes"] = formatting.clock(today.closes)
    return phrase(domain, f"utter_reason_{reason or 'no_hours'}", language, **variables)


def next_opening_vars(moment: datetime | None, language: str) -> dict[str, str]:
    if moment is None:
        return {"next_day": "?", "next_opens": "?"}
    return {"next_day": formatting.day(moment.date(), language),
            "next_opens": formatting.clock(moment.timetz())}


class ActionHoursWeek(Action):
    topic = "office"

    def name(self) -> str:
        return "action_hours_week"

    @answer_safely
    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: dict[str, Any]) -> list[dict[str, Any]]:
        language = language_of(tracker)
        hours = repository().opening_hours()
        if not hours:
            utter_unknown(dispatcher, language)
            return []
        dispatcher.utter_message(
            response="utter_hours_week", hours_list=hours_list(language),
            **{**contact_vars(repository().contact(), language),
               **source_vars(hours[0], language)},
        )
        return []


class ActionHoursDay(Action):
    topic = "office"

    def name(self) -> str:
        return "action_hours_day"

    @answer_safely
    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: dict[str, Any]) -> list[dict[str, Any]]:
        language = language_of(tracker)
        text = (tracker.latest_message or {}).get("text") or ""
        current = now()
        day = resolve_day(text, current.date(),
                          weekday=next(tracker.get_latest_entity_values("weekday"), None))
        if day is None:  # no day named: in a follow-up the day asked about before, else today
            day = (remembered_day(tracker) if is_follow_up(tracker) else None) or current.date()
            if tracker.get_intent_of_latest_message() == NEXT_FOLLOW_UP:  # "und am Tag danach?"
                day += timedelta(days=1)
        office = calendar()
        status = office.day_status(day, language)
        if status.is_open_day:
            dispatcher.utter_message(response="utter_hours_day_open",
                                     day=formatting.day(day, language),
                                     opens=formatting.clock(status.opens),
                                     closes=formatting.clock(status.closes))
            return [SlotSet(LAST_DAY_SLOT, day.isoformat())]
        start_of_day = datetime.combine(day, datetime.min.time(), tzinfo=current.tzinfo)
        dispatcher.utter_message(
            response="utter_hours_day_closed",
            day=formatting.day(day, language),
            reason=reason_phrase(domain, language, status.reason, status.detail),
            **next_opening_vars(office.next_opening(start_of_day, language), language),
        )
        return [SlotSet(LAST_DAY_SLOT, day.isoformat())]


class ActionOpenNow(Action):
    topic = "office"

    def name(self) -> str:
        return "action_open_now"

    @answer_safely
    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: dict[str, Any]) -> list[dict[str, Any]]:
        language = language_of(tracker)
        status = calendar().status_at(now(), language)
        contact = contact_vars(repository().contact(), language)
        if status.is_open:
            dispatcher.utter_message(response="utter_open_now_yes",
                                     closes=formatting.clock(status.today.closes), **contact)
            return []
        dispatcher.utter_message(
            response="utter_open_now_no",
            reason=reason_phrase(domain, language, status.reason, status.detail, status.today),
            **next_opening_vars(status.next_opening, language),
        )
        return []
