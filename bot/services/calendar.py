"""Tour dates as iCalendar files (RFC 5545), made from the knowledge base for the page server.

One VEVENT per tour, built with the icalendar package:

- start and end as local Berlin times (``DTSTART;TZID=Europe/Berlin``) plus a VTIMEZONE with
  the daylight-saving rules of the years concerned, from the time-zone database, so a
  calendar program that does not know the zone by name still puts the tour at 14:00 local
  time in March and in October;
- the meeting point as LOCATION, summary and description in the requested language;
- a UID that stays the same for a tour (``<key>@`` :data:`UID_DOMAIN`), so importing the
  file again updates the entry instead of duplicating it;
- DTSTAMP from the project's clock (``bot.logic.clock.now``, SMARTCITY_NOW in tests).

A calendar always holds the Berlin VTIMEZONE, so one without tours ahead is still a valid
calendar (RFC 5545 wants at least one component) with no events.

The wording is domain.yml's, as everywhere: the summary is the tour's title as the chat
says it (``utter_tour_title`` with ``utter_tour_mode_<mode>``), the description the chat's
meeting-point answer (``utter_tour_meeting_point``). The functions taking tours are pure;
``*_from_kb`` read the repository and the clock for the page server.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timezone
from pathlib import Path
from typing import Any

import yaml
from icalendar import Calendar, Event, Timezone

from bot import ROOT
from bot.kb import Repository, Tour
from bot.logic import calendar_links, formatting
from bot.logic import tours as tour_logic
from bot.logic.clock import BERLIN, now
from bot.logic.language import SUPPORTED

#: Fixed domain part of every tour's UID (RFC 5545 3.8.4.7: globally unique, stable).
UID_DOMAIN = "smartcity.gera.de"
PRODID = "-//SMARTCity Gera//Digital assistant//DE"
MEDIA_TYPE = "text/calendar; charset=utf-8"
DOMAIN_FILE = ROOT / "domain.yml"


# ---------------------------------------------------------------------------------------
# Wording from domain.yml


def _language_of(variation: Mapping[str, Any]) -> str | None:
    """'de' for the unconditioned variation, 'en' for the one conditioned on language: en;
    None for any other variation (another register, another slot)."""
    conditions = variation.get("condition") or []
    if not conditions:
        return "de"
    if len(conditions) == 1 and conditions[0].get("name") == "language":
        return conditions[0].get("value")
    return None


@dataclass(frozen=True)
class Wording:
    """The domain's responses, as far as calendar texts need them."""

    responses: Mapping[str, Sequence[Mapping[str, Any]]]

    @classmethod
    def from_domain(cls, path: Path = DOMAIN_FILE) -> Wording:
        """domain.yml's responses (re-read when the file changes)."""
        return _read_domain(path, path.stat().st_mtime_ns)

    def text(self, response: str, language: str, **variables: Any) -> str:
        for variation in self.responses.get(response, ()):
            if _language_of(variation) == language and "text" in variation:
                return str(variation["text"]).format(**variables)
        raise KeyError(f"response {response!r} has no {language!r} variation in domain.yml")


@functools.lru_cache(maxsize=2)
def _read_domain(path: Path, mtime_ns: int) -> Wording:
    domain = yaml.safe_load(path.read_text(encoding="utf-8"))
    return Wording(domain.get("responses") or {})


def tour_title(tour: Tour, language: str, wording: Wording) -> str:
    """'SMARTCity-Stadtrundgang mit dem Rad' / 'SMARTCity tour by bike'."""
    return wording.text("utter_tour_title", language,
                        mode=wording.text(f"utter_tour_mode_{tour.mode}", language))


def meeting_point(tour: Tour, language: str) -> str:
    return tour.meeting_point_en if language == "en" else tour.meeting_point_de


def tour_description(tour: Tour, language: str, wording: Wording) -> str:
    """The chat's meeting-point answer for this tour (without a calendar link)."""
    return wording.text(
        "utter_tour_meeting_point", language,
        title=tour_title(tour, language, wording), date=formatting.day(tour.date, language),
        start=formatting.clock(tour.start), end=formatting.clock(tour.end),
        meeting_point=meeting_point(tour, language), source=tour.source,
        as_of=formatting.as_of(tour.as_of, language), calendar_line="",
    )


# ---------------------------------------------------------------------------------------
# Calendars


def ends_at(tour: Tour) -> datetime:
    return datetime.combine(tour.date, tour.end, tzinfo=BERLIN)


def tour_uid(tour: Tour) -> str:
    return f"{tour.key}@{UID_DOMAIN}"


def tour_event(tour: Tour, language: str, wording: Wording, stamp: datetime) -> Event:
    """One tour as a VEVENT (times in Europe/Berlin, DTSTAMP in UTC)."""
    return Event.new(
        uid=tour_uid(tour),
        stamp=stamp.astimezone(timezone.utc),
        start=tour_logic.starts_at(tour),
        end=ends_at(tour),
        summary=tour_title(tour, language, wording),
        location=meeting_point(tour, language),
        description=tour_description(tour, language, wording),
    )


def calendar(tours: Iterable[Tour], language: str, wording: Wording, stamp: datetime
             ) -> Calendar:
    """A VCALENDAR with one event per tour (in date order) and the Berlin time zone for
    the years they fall in (the year of ``stamp`` when there are none)."""
    chosen = tour_logic.chronological(tours)
    years = [tour.date.year for tour in chosen] or [stamp.astimezone(BERLIN).year]
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    cal.add("x-wr-timezone", BERLIN.key)
    cal.add_component(Timezone.from_tzinfo(BERLIN, BERLIN.key, date(min(years), 1, 1),
                                           date(max(years) + 1, 1, 1)))
    for tour in chosen:
        cal.add_component(tour_event(tour, language, wording, stamp))  # type: ignore[arg-type]
    return cal


def upcoming_ics(tours: Iterable[Tour], at: datetime, language: str, wording: Wording
                 ) -> bytes:
    """``/tours.ics``: every tour that has not started at ``at``."""
    return calendar(tour_logic.remaining(tours, at), language, wording, at).to_ical()


def tour_ics(tours: Iterable[Tour], key: str, at: datetime, language: str, wording: Wording
             ) -> bytes | None:
    """``/tours/<key>.ics``: that tour (also once it is past, so a link keeps working), or
    None when no tour has that key."""
    tour = next((tour for tour in tours if tour.key == key), None)
    return None if tour is None else calendar([tour], language, wording, at).to_ical()


def upcoming_feed(tours: Iterable[Tour], at: datetime, wording: Wording) -> dict[str, Any]:
    """``/tours.json``: the tours ahead for the web page, in both languages, with the
    calendar files as paths relative to the page (the page formats the times itself)."""

    def link(path: str) -> dict[str, str]:
        return {language: calendar_links.with_language(path, language).lstrip("/")
                for language in SUPPORTED}

    return {
        "timeZone": BERLIN.key,
        "calendar": link(calendar_links.ALL_TOURS_PATH),
        "tours": [
            {
                "key": tour.key,
                "start": tour_logic.starts_at(tour).isoformat(),
                "end": ends_at(tour).isoformat(),
                "title": {lang: tour_title(tour, lang, wording) for lang in SUPPORTED},
                "meetingPoint": {lang: meeting_point(tour, lang) for lang in SUPPORTED},
                "calendar": link(calendar_links.tour_path(tour.key)),
            }
            for tour in tour_logic.remaining(tours, at)
        ],
    }


# ---------------------------------------------------------------------------------------
# From the knowledge base and the clock (the page server's calls)


def upcoming_ics_from_kb(language: str) -> bytes:
    return upcoming_ics(Repository().tours(), now(), language, Wording.from_domain())


def tour_ics_from_kb(key: str, language: str) -> bytes | None:
    return tour_ics(Repository().tours(), key, now(), language, Wording.from_domain())


def upcoming_feed_from_kb() -> dict[str, Any]:
    return upcoming_feed(Repository().tours(), now(), Wording.from_domain())
