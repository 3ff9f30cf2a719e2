"""SMARTCity tours: what they are, next, by date, remaining, meeting point, booking."""

from __future__ import annotations

from abc import ABC

from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.common import (
    DomainDict,
    Events,
    KnowledgeAction,
    contact_vars,
    fact_vars,
    on_file,
    phrase,
    repository,
    source_vars,
)
from bot.kb import Tour
from bot.logic import calendar_links, formatting
from bot.logic import tours as tour_logic
from bot.logic.clock import now
from bot.logic.dates import Period, find_period

MODES = ("foot", "bike")
LAST_TOUR_SLOT = "last_tour"


class TourAction(KnowledgeAction, ABC):
    """An answer about the tours: each makes the tours the conversation's topic."""

    topic = "tours"


def mode_label(domain: DomainDict, mode: str, language: str) -> str:
    """' zu Fuß' / ' by bike' (with the leading space the sentences expect)."""
    return phrase(domain, f"utter_tour_mode_{mode}", language)


def calendar_line(tour: Tour, domain: DomainDict, language: str) -> str:
    """The link to the tour's calendar file on the page server, for a tour ahead of the
    clock; nothing for one that has begun."""
    if tour_logic.starts_at(tour) <= now():
        return ""
    return phrase(domain, "utter_tour_calendar_line", language,
                  calendar_url=calendar_links.tour_url(tour.key, language))


def tour_vars(tour: Tour, domain: DomainDict, language: str) -> dict[str, str]:
    return {
        "title": phrase(domain, "utter_tour_title", language,
                        mode=mode_label(domain, tour.mode, language)),
        "date": formatting.day(tour.date, language),
        "start": formatting.clock(tour.start),
        "end": formatting.clock(tour.end),
        "meeting_point": tour.meeting_point_en if language == "en" else tour.meeting_point_de,
        "calendar_line": calendar_line(tour, domain, language),
        **source_vars(tour, language),
    }


def utter_tour(dispatcher: CollectingDispatcher, response: str, tour: Tour,
               domain: DomainDict, language: str, **more: str) -> Events:
    """Reply about ``tour`` and put it in focus, so that a follow-up ("und wie lange dauert
    die?", "und der danach?") is about it; ``more`` adds to or overrides its variables."""
    dispatcher.utter_message(response=response, **{**tour_vars(tour, domain, language), **more})
    return [SlotSet(LAST_TOUR_SLOT, tour.key)]


def tour_list(tours: list[Tour], domain: DomainDict, language: str) -> str:
    return "\n".join(
        f"• {formatting.short_day(tour.date, language)}, {formatting.clock(tour.start)}–"
        f"{formatting.clock(tour.end)}:{mode_label(domain, tour.mode, language)} – "
        f"{tour.meeting_point_en if language == 'en' else tour.meeting_point_de}"
        for tour in tours
    )


def requested_mode(tracker: Tracker) -> str | None:
    mode = next(tracker.get_latest_entity_values("tour_mode"), None)
    return mode if mode in MODES else None


def named_period(tracker: Tracker) -> Period | None:
    """The days the latest message names ("am 8. Juli", "in August"), entities included."""
    return find_period((tracker.latest_message or {}).get("text") or "", now().date(),
                       weekday=next(tracker.get_latest_entity_values("weekday"), None),
                       month=next(tracker.get_latest_entity_values("month"), None))


def tour_on_named_day(tours: list[Tour], tracker: Tracker, mode: str | None) -> Tour | None:
    """"Wo beginnt der Rundgang am 8. Juli?": the tour on the one day the message names."""
    period = named_period(tracker)
    if period is None or period.kind != "day":
        return None
    found = tour_logic.between(tours, period.first, period.last, mode)
    return found[0] if found else None


def named_tour(tours: list[Tour], tracker: Tracker) -> Tour | None:
    """The tour the conversation is about (last named, else the next, else the last one)."""
    return tour_logic.in_focus(tours, now(), tracker.get_slot(LAST_TOUR_SLOT))


def period_phrase(period: Period, domain: DomainDict, language: str) -> str:
    if period.kind == "month":
        return phrase(domain, "utter_period_month", language,
                      month=formatting.month(period.first.year, period.first.month, language))
    if period.first == period.last:
        return phrase(domain, "utter_period_day", language,
                      day=formatting.day(period.first, language))
    return phrase(domain, "utter_period_range", language,
                  first=formatting.day(period.first, language),
                  last=formatting.day(period.last, language))


def utter_next_or_none(dispatcher: CollectingDispatcher, domain: DomainDict,
                       language: str, mode: str | None) -> Events:
    """The next tour, or plainly that none is ahead, the last one, and whom to ask
    (NotOnFile when no tour is on file at all)."""
    tours = repository().tours()
    upcoming = tour_logic.next_tour(tours, now(), mode)
    if upcoming is not None:
        return utter_tour(dispatcher, "utter_tour_next", upcoming, domain, language)
    last = on_file(tour_logic.last_tour(tours, now(), mode))
    return utter_tour(dispatcher, "utter_tour_none_ahead", last, domain, language,
                      mode_suffix=mode_label(domain, mode, language) if mode else "",
                      **contact_vars(repository().contact(), language))


class ActionToursAbout(TourAction):
    action_name = "action_tours_about"

    def answer(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict,
               language: str) -> Events:
        fact = on_file(repository().fact("tours"))
        dispatcher.utter_message(response="utter_fact", **fact_vars(fact, language))
        return []


class ActionTourNext(TourAction):
    action_name = "action_tour_next"

    def answer(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict,
               language: str) -> Events:
        return utter_next_or_none(dispatcher, domain, language, requested_mode(tracker))


class ActionToursRemaining(TourAction):
    action_name = "action_tours_remaining"

    def answer(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict,
               language: str) -> Events:
        mode = requested_mode(tracker)
        ahead = tour_logic.remaining(repository().tours(), now(), mode)
        if not ahead:
            return utter_next_or_none(dispatcher, domain, language, mode)
        dispatcher.utter_message(response="utter_tours_remaining", count=len(ahead),
                                 tour_list=tour_list(ahead, domain, language),
                                 **source_vars(ahead[0], language))
        return [SlotSet(LAST_TOUR_SLOT, ahead[0].key)]


class ActionToursByDate(TourAction):
    action_name = "action_tours_by_date"

    def answer(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict,
               language: str) -> Events:
        mode = requested_mode(tracker)
        period = named_period(tracker)
        if period is None:  # no date named: the best answer is the next tour
            return utter_next_or_none(dispatcher, domain, language, mode)
        found = tour_logic.between(repository().tours(), period.first, period.last, mode)
        when = period_phrase(period, domain, language)
        if found:
            dispatcher.utter_message(response="utter_tours_in_period", period=when,
                                     tour_list=tour_list(found, domain, language),
                                     **source_vars(found[0], language))
            return [SlotSet(LAST_TOUR_SLOT, found[0].key)]
        dispatcher.utter_message(response="utter_tours_none_in_period", period=when,
                                 period_capitalised=when[:1].upper() + when[1:])
        return utter_next_or_none(dispatcher, domain, language, mode)


class ActionTourMeetingPoint(TourAction):
    action_name = "action_tour_meeting_point"

    def answer(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict,
               language: str) -> Events:
        tours = repository().tours()
        mode = requested_mode(tracker)
        # the tour on the day named; else the next one by the mode named; else the tour last
        # named; with none of them, all meeting points (they differ by mode)
        tour = tour_on_named_day(tours, tracker, mode)
        if tour is None and mode:
            tour = tour_logic.next_tour(tours, now(), mode)
        elif tour is None:
            last_key = tracker.get_slot(LAST_TOUR_SLOT)
            tour = next((t for t in tours if last_key and t.key == last_key), None)
        if tour is not None:
            return utter_tour(dispatcher, "utter_tour_meeting_point", tour, domain, language)
        points: dict[str, str] = {}
        for item in tour_logic.chronological(on_file(tours)):
            label = mode_label(domain, item.mode, language).strip()
            place = item.meeting_point_en if language == "en" else item.meeting_point_de
            points.setdefault(f"• {label}: {place}", "")
        dispatcher.utter_message(response="utter_tour_meeting_points",
                                 meeting_points="\n".join(points),
                                 **source_vars(tours[0], language))
        return []


class ActionTourLast(TourAction):
    """"Wann war der letzte Rundgang?": the latest tour that has taken place."""

    action_name = "action_tour_last"

    def answer(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict,
               language: str) -> Events:
        mode = requested_mode(tracker)
        tours = repository().tours()
        last = tour_logic.last_tour(tours, now(), mode)
        if last is None:
            dispatcher.utter_message(response="utter_tour_last_none",
                                     **source_vars(on_file(tours)[0], language))
            return []
        return utter_tour(dispatcher, "utter_tour_last", last, domain, language)


class ActionTourAfter(TourAction):
    """"Und der danach?": the tour after the one last named (or the next one)."""

    action_name = "action_tour_after"

    def answer(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict,
               language: str) -> Events:
        tours = repository().tours()
        # with no tour named yet ("Was sind die Rundgänge?" - "und wann ist der nächste?")
        # the next one is meant, not the one after it
        current = named_tour(tours, tracker) if tracker.get_slot(LAST_TOUR_SLOT) else None
        if current is None:
            return utter_next_or_none(dispatcher, domain, language, requested_mode(tracker))
        following = tour_logic.after(tours, current, requested_mode(tracker))
        if following is None:
            dispatcher.utter_message(
                response="utter_tour_none_after",
                **{**tour_vars(current, domain, language),
                   **contact_vars(repository().contact(), language)},
            )
            return []
        return utter_tour(dispatcher, "utter_tour_next", following, domain, language)


class ActionTourDuration(TourAction):
    """"Wie lange dauert die?": how long a tour takes, and the slot of the tour in focus."""

    action_name = "action_tour_duration"

    def answer(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict,
               language: str) -> Events:
        tour = on_file(named_tour(repository().tours(), tracker))
        fact = on_file(repository().fact("tour_duration"))
        return utter_tour(dispatcher, "utter_tour_duration", tour, domain, language,
                          **fact_vars(fact, language))


class ActionTourMode(TourAction):
    """"Zu Fuß oder mit dem Rad?": how the tour in focus is done."""

    action_name = "action_tour_mode"

    def answer(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict,
               language: str) -> Events:
        tour = on_file(named_tour(repository().tours(), tracker))
        return utter_tour(dispatcher, "utter_tour_mode", tour, domain, language)


class ActionTourBooking(TourAction):
    action_name = "action_tour_booking"

    def answer(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict,
               language: str) -> Events:
        dispatcher.utter_message(response="utter_tour_booking",
                                 **contact_vars(repository().contact(), language))
        return []
