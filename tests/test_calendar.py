"""Tour dates as calendar files: bot/services/calendar.py (events from tour records), the
page server's /tours.ics, /tours/<key>.ics and /tours.json, the calendar link in the tour
answers, and the public URL it starts with.

Every calendar is checked twice: parsed by icalendar, and by a structural RFC 5545 check
written here (CRLF line ends, lines folded at 75 octets, BEGIN/END nesting, the required
VERSION/PRODID/UID/DTSTAMP/DTSTART, every TZID defined by a VTIMEZONE). The local times are
checked across both daylight-saving changes of 2024 on a temporary knowledge base, once
with the time-zone database and once from the file's own VTIMEZONE rules.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import icalendar
import pytest
import yaml

from actions import common, tours
from bot.kb import Repository
from bot.kb.cli import load
from bot.logic import calendar_links
from bot.logic.clock import BERLIN
from bot.services import calendar, web
from tests.action_replies import one_reply
from tests.kb_fixtures import copy_kb, edit, sqlite_url
from tests.stack import ActionServer, Conversation, RasaServer
from tests.test_web_server import body_of, header, page_server, request, status_of

FRIDAY_MORNING = "2023-06-09T10:30"  # first tour (by bike) tomorrow
AFTER_LAST_TOUR = "2023-09-17T11:00"
PUBLIC = "https://assistant.example.org"

# ---------------------------------------------------------------------------------------
# A structural RFC 5545 check, independent of the icalendar package

_NAME = r"[A-Za-z0-9-]+"
_PARAM = rf';{_NAME}=(?:"[^"\x00-\x1f]*"|[^";:,\x00-\x1f]*)(?:,(?:"[^"]*"|[^";:,]*))*'
_CONTENT_LINE = re.compile(rf"(?P<name>{_NAME})(?P<params>(?:{_PARAM})*):(?P<value>.*)")
_UTC_DATE_TIME = re.compile(r"\d{8}T\d{6}Z")
_LOCAL_DATE_TIME = re.compile(r"\d{8}T\d{6}")
_OFFSET = re.compile(r"[+-]\d{4}")


class NotRFC5545(AssertionError):
    """The text breaks a rule of RFC 5545 that the check below knows."""


@dataclass
class Component:
    name: str
    properties: list[tuple[str, dict[str, str], str]] = field(default_factory=list)
    children: list[Component] = field(default_factory=list)

    def values(self, name: str) -> list[str]:
        return [value for key, _, value in self.properties if key == name]

    def one(self, name: str) -> str:
        found = self.values(name)
        if len(found) != 1:
            raise NotRFC5545(f"{self.name} needs exactly one {name}, has {len(found)}")
        return found[0]

    def params(self, name: str) -> dict[str, str]:
        return next(params for key, params, _ in self.properties if key == name)

    def all(self, name: str) -> list[Component]:
        return [child for child in self.children if child.name == name]


def unfolded_lines(data: bytes) -> list[str]:
    """Content lines of an iCalendar stream (RFC 5545 3.1), checking the framing."""
    if not data.endswith(b"\r\n"):
        raise NotRFC5545("the stream does not end with CRLF")
    physical = data[:-2].split(b"\r\n")
    lines: list[str] = []
    for number, raw in enumerate(physical, 1):
        if b"\r" in raw or b"\n" in raw:
            raise NotRFC5545(f"line {number}: a bare CR or LF (lines end with CRLF)")
        if len(raw) > 75:
            raise NotRFC5545(f"line {number}: {len(raw)} octets, folded lines have at most 75")
        try:
            text = raw.decode("utf-8")  # folding must not split a UTF-8 sequence
        except UnicodeDecodeError as error:
            raise NotRFC5545(f"line {number}: not UTF-8 on its own ({error})") from error
        if text[:1] in (" ", "\t"):
            if not lines:
                raise NotRFC5545("the stream starts with a continuation line")
            lines[-1] += text[1:]
        elif not text:
            raise NotRFC5545(f"line {number}: empty")
        else:
            lines.append(text)
    return lines


def parse_structure(data: bytes) -> Component:
    """The VCALENDAR of ``data`` with BEGIN/END nesting and the required properties checked."""
    stack: list[Component] = []
    top: list[Component] = []
    for line in unfolded_lines(data):
        match = _CONTENT_LINE.fullmatch(line)
        if match is None:
            raise NotRFC5545(f"not a content line: {line!r}")
        name, value = match["name"].upper(), match["value"]
        params = dict(part.split("=", 1) for part in match["params"].split(";")[1:])
        if name == "BEGIN":
            component = Component(value.upper())
            (stack[-1].children if stack else top).append(component)
            stack.append(component)
        elif name == "END":
            if not stack or stack[-1].name != value.upper():
                raise NotRFC5545(f"END:{value} does not close "
                                 f"{stack[-1].name if stack else 'anything'}")
            stack.pop()
        elif not stack:
            raise NotRFC5545(f"property outside any component: {line!r}")
        else:
            stack[-1].properties.append((name, params, value))
    if stack:
        raise NotRFC5545(f"{stack[-1].name} is never closed")
    if [c.name for c in top] != ["VCALENDAR"]:
        raise NotRFC5545(f"expected one VCALENDAR, got {[c.name for c in top]}")
    cal = top[0]
    if cal.one("VERSION") != "2.0":
        raise NotRFC5545("VERSION must be 2.0")
    cal.one("PRODID")
    if not cal.children:
        raise NotRFC5545("a calendar holds at least one component")
    zones = {}
    for zone in cal.all("VTIMEZONE"):
        rules = zone.all("STANDARD") + zone.all("DAYLIGHT")
        if not rules:
            raise NotRFC5545("a VTIMEZONE needs a STANDARD or DAYLIGHT rule")
        for rule in rules:
            if not _LOCAL_DATE_TIME.fullmatch(rule.one("DTSTART")):
                raise NotRFC5545(f"{rule.name} DTSTART must be a local date-time")
            for offset in ("TZOFFSETFROM", "TZOFFSETTO"):
                if not _OFFSET.fullmatch(rule.one(offset)):
                    raise NotRFC5545(f"{rule.name} {offset} is not an offset")
        zones[zone.one("TZID")] = zone
    uids = []
    for event in cal.all("VEVENT"):
        uids.append(event.one("UID"))
        if not _UTC_DATE_TIME.fullmatch(event.one("DTSTAMP")):
            raise NotRFC5545("DTSTAMP must be a UTC date-time")
        event.one("DTSTART")
        for key in ("DTSTART", "DTEND"):
            for _, params, _value in (p for p in event.properties if p[0] == key):
                if "TZID" in params and params["TZID"] not in zones:
                    raise NotRFC5545(f"{key} names TZID {params['TZID']} without a VTIMEZONE")
    if len(set(uids)) != len(uids):
        raise NotRFC5545(f"UIDs repeat: {uids}")
    return cal


def utc_offset(zone: Component, local: datetime) -> timedelta:
    """The offset a VTIMEZONE's own rules give for a local time (its latest rule onset at or
    before ``local``; the rules here are plain DTSTARTs, as the files carry no RRULE)."""
    onsets = sorted(
        (datetime.strptime(rule.one("DTSTART"), "%Y%m%dT%H%M%S"), rule.one("TZOFFSETTO"))
        for rule in zone.all("STANDARD") + zone.all("DAYLIGHT")
    )
    assert all(not rule.values("RRULE") for rule in zone.children), "RRULE not handled here"
    offset = [to for onset, to in onsets if onset <= local][-1]
    sign = 1 if offset[0] == "+" else -1
    return sign * timedelta(hours=int(offset[1:3]), minutes=int(offset[3:5]))


def check(data: bytes) -> tuple[Component, icalendar.Calendar]:
    """Both readings of a calendar file (the structural one and icalendar's)."""
    structure = parse_structure(data)
    parsed = icalendar.Calendar.from_ical(data)
    assert parsed.get("VERSION") == "2.0"
    return structure, parsed


def events(parsed: icalendar.Calendar) -> list[icalendar.Event]:
    return list(parsed.walk("VEVENT"))


GOOD = (b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//x//y//DE\r\nBEGIN:VEVENT\r\n"
        b"UID:a@b\r\nDTSTAMP:20240101T000000Z\r\nDTSTART:20240102T100000Z\r\n"
        b"END:VEVENT\r\nEND:VCALENDAR\r\n")


@pytest.mark.parametrize(("name", "broken"), [
    ("LF line ends", GOOD.replace(b"\r\n", b"\n")),
    ("a 76-octet line", GOOD.replace(b"UID:a@b", b"UID:" + b"a" * 72)),
    ("END without BEGIN", GOOD.replace(b"BEGIN:VEVENT\r\n", b"")),
    ("unclosed component", GOOD.replace(b"END:VEVENT\r\n", b"")),
    ("crossed nesting", GOOD.replace(b"END:VEVENT\r\nEND:VCALENDAR",
                                     b"END:VCALENDAR\r\nEND:VEVENT")),
    ("no VERSION", GOOD.replace(b"VERSION:2.0\r\n", b"")),
    ("no PRODID", GOOD.replace(b"PRODID:-//x//y//DE\r\n", b"")),
    ("no UID", GOOD.replace(b"UID:a@b\r\n", b"")),
    ("no DTSTAMP", GOOD.replace(b"DTSTAMP:20240101T000000Z\r\n", b"")),
    ("local DTSTAMP", GOOD.replace(b"DTSTAMP:20240101T000000Z", b"DTSTAMP:20240101T000000")),
    ("no DTSTART", GOOD.replace(b"DTSTART:20240102T100000Z\r\n", b"")),
    ("no component", GOOD.split(b"BEGIN:VEVENT")[0] + b"END:VCALENDAR\r\n"),
    ("TZID without VTIMEZONE", GOOD.replace(b"DTSTART:20240102T100000Z",
                                            b"DTSTART;TZID=Europe/Berlin:20240102T100000")),
    ("fold inside a UTF-8 sequence", GOOD.replace(
        b"UID:a@b", b"UID:" + b"a" * 70 + "ä".encode()[:1] + b"\r\n " + "ä".encode()[1:])),
    ("no colon", GOOD.replace(b"UID:a@b", b"UID a@b")),
])
def test_the_structural_check_rejects_what_rfc_5545_forbids(name: str, broken: bytes) -> None:
    parse_structure(GOOD)  # the base is fine
    with pytest.raises(NotRFC5545):
        parse_structure(broken)


def test_the_structural_check_unfolds_lines() -> None:
    folded = GOOD.replace(b"UID:a@b", b"UID:" + b"a" * 71 + b"\r\n " + b"b" * 10)
    assert parse_structure(folded).all("VEVENT")[0].one("UID") == "a" * 71 + "b" * 10


# ---------------------------------------------------------------------------------------
# Temporary knowledge bases

DST_TOURS = [  # 2024: summer time from 31 March 02:00, winter time from 27 October 03:00
    ("tour-2024-03-30", date(2024, 3, 30), "bike", timedelta(hours=1)),  # CET
    ("tour-2024-03-31", date(2024, 3, 31), "foot", timedelta(hours=2)),  # CEST, same day
    ("tour-2024-10-26", date(2024, 10, 26), "foot", timedelta(hours=2)),  # CEST
    ("tour-2024-10-27", date(2024, 10, 27), "bike", timedelta(hours=1)),  # CET, same day
]


def load_kb(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, change=None) -> str:
    """A copy of data/kb (changed by ``change(tours_document)``) loaded into a SQLite file
    that the repository, the page server and the actions read."""
    directory = copy_kb(tmp_path)
    if change is not None:
        edit(directory, "tours.yml", change)
    url = sqlite_url(tmp_path)
    load(directory, url)
    monkeypatch.setenv("SMARTCITY_DB_URL", url)
    common.repository.cache_clear()
    return url


def dst_tours(document: dict) -> None:
    template = document["tours"][0]
    document["tours"] = [
        {**template, "key": key, "date": day.isoformat(), "mode": mode}
        for key, day, mode, _ in DST_TOURS
    ]


@pytest.fixture(autouse=True)
def _fresh_repository():
    yield
    common.repository.cache_clear()  # the next test must not see this test's database


@pytest.fixture(scope="module")
def kb_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    """data/kb as it is, loaded once into a file of this module's own."""
    base = tmp_path_factory.mktemp("kb")
    url = sqlite_url(base)
    load(copy_kb(base), url)
    return url


@pytest.fixture
def kb(kb_url: str, monkeypatch: pytest.MonkeyPatch) -> Repository:
    """The published tours, for the repository, the page server and the actions."""
    monkeypatch.setenv("SMARTCITY_DB_URL", kb_url)
    common.repository.cache_clear()
    return Repository(kb_url)


@pytest.fixture
def wording() -> calendar.Wording:
    return calendar.Wording.from_domain()


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=BERLIN)


# ---------------------------------------------------------------------------------------
# Events from tour records


def test_local_times_are_right_across_both_daylight_saving_changes(tmp_path, monkeypatch,
                                                                     wording):
    url = load_kb(tmp_path, monkeypatch, dst_tours)
    data = calendar.upcoming_ics(Repository(url).tours(), at("2024-03-01T10:00"), "de",
                                 wording)
    structure, parsed = check(data)
    zone = structure.all("VTIMEZONE")[0]
    assert zone.one("TZID") == "Europe/Berlin"
    found = {event["UID"]: event for event in events(parsed)}
    lines = {event.one("UID"): event for event in structure.all("VEVENT")}
    assert list(found) == [f"{key}@{calendar.UID_DOMAIN}" for key, *_ in DST_TOURS]
    for key, day, _, offset in DST_TOURS:
        uid = f"{key}@{calendar.UID_DOMAIN}"
        start, end = found[uid].DTSTART, found[uid].DTEND
        # icalendar (time-zone database): 14:00 local, at the right UTC instant.
        assert start.tzinfo is not None and str(start.tzinfo) == "Europe/Berlin"
        assert (start.date(), start.hour, start.minute) == (day, 14, 0)
        assert (end.hour, end.minute) == (16, 30)
        assert start.utcoffset() == offset, key
        assert start.astimezone(timezone.utc).hour == 14 - offset.seconds // 3600
        # The file itself: local time with TZID, and its VTIMEZONE gives the same offset.
        event = lines[uid]
        assert event.params("DTSTART") == {"TZID": "Europe/Berlin"}
        local = datetime.strptime(event.one("DTSTART"), "%Y%m%dT%H%M%S")
        assert local == datetime(day.year, day.month, day.day, 14)
        assert utc_offset(zone, local) == offset, key
    # The VTIMEZONE read back by icalendar alone (not by its name) agrees too.
    own = parsed.timezones[0].to_tz(lookup_tzid=False)
    for _, day, _, offset in DST_TOURS:
        assert datetime(day.year, day.month, day.day, 14, tzinfo=own).utcoffset() == offset


def test_an_event_carries_the_tour_in_the_requested_language(kb, wording):
    tour = next(t for t in kb.tours() if t.key == "tour-2023-06-10")
    stamp = at(FRIDAY_MORNING)
    german = calendar.tour_event(tour, "de", wording, stamp)
    english = calendar.tour_event(tour, "en", wording, stamp)
    assert german["SUMMARY"] == "SMARTCity-Stadtrundgang mit dem Rad"
    assert english["SUMMARY"] == "SMARTCity tour by bike"
    assert german["LOCATION"] == tour.meeting_point_de
    assert english["LOCATION"] == tour.meeting_point_en
    assert "Samstag, 10. Juni 2023" in german["DESCRIPTION"]
    assert tour.meeting_point_de in german["DESCRIPTION"]
    assert "Saturday, 10 June 2023" in english["DESCRIPTION"]
    assert "{" not in german["DESCRIPTION"] + english["DESCRIPTION"]
    assert german["UID"] == english["UID"] == "tour-2023-06-10@smartcity.gera.de"
    stamped: datetime = german.DTSTAMP
    assert stamped == stamp.astimezone(timezone.utc) and stamped.tzinfo is not None


def test_the_uid_is_stable_across_downloads_languages_and_clocks(kb, wording):
    all_tours = kb.tours()
    first = calendar.tour_ics(all_tours, "tour-2023-08-12", at("2023-06-01T09:00"), "de",
                              wording)
    later = calendar.tour_ics(all_tours, "tour-2023-08-12", at("2023-08-01T17:00"), "en",
                              wording)
    assert first is not None and later is not None
    uids = [parse_structure(data).all("VEVENT")[0].one("UID") for data in (first, later)]
    assert uids == ["tour-2023-08-12@smartcity.gera.de"] * 2
    assert calendar.tour_ics(all_tours, "no-such-tour", at(FRIDAY_MORNING), "de",
                             wording) is None


def test_only_tours_ahead_of_the_clock_and_in_date_order(kb, wording):
    # 12.08. is listed after 22.08. in the file; a tour that has begun is not ahead.
    data = calendar.upcoming_ics(kb.tours(), at("2023-07-08T14:30"), "de", wording)
    structure, _ = check(data)
    starts = [event.one("DTSTART") for event in structure.all("VEVENT")]
    assert starts == ["20230812T140000", "20230822T140000", "20230902T140000",
                      "20230916T140000"]


def test_no_tour_ahead_gives_a_valid_calendar_without_events(kb, wording):
    data = calendar.upcoming_ics(kb.tours(), at(AFTER_LAST_TOUR), "de", wording)
    structure, parsed = check(data)
    assert structure.all("VEVENT") == [] and events(parsed) == []
    assert [c.name for c in structure.children] == ["VTIMEZONE"]


def test_long_and_non_ascii_texts_are_folded_at_75_octets(tmp_path, monkeypatch, wording):
    place = "Haupteingang des Hauptbahnhofes, gegenüber der Straßenbahnhaltestelle „Süd“ " * 3

    def long_place(document: dict) -> None:
        for tour in document["tours"]:
            tour["meeting_point_de"] = place.strip()

    url = load_kb(tmp_path, monkeypatch, long_place)
    data = calendar.upcoming_ics(Repository(url).tours(), at(FRIDAY_MORNING), "de", wording)
    assert max(len(line) for line in data.split(b"\r\n")) <= 75
    assert b"\r\n " in data  # folded at all
    structure, parsed = check(data)
    assert events(parsed)[0]["LOCATION"] == place.strip()


def test_the_page_feed_lists_the_tours_ahead_in_both_languages(kb, wording):
    feed = calendar.upcoming_feed(kb.tours(), at("2023-09-01T12:00"), wording)
    assert feed["timeZone"] == "Europe/Berlin"
    assert feed["calendar"] == {"de": "tours.ics", "en": "tours.ics?lang=en"}
    assert [tour["key"] for tour in feed["tours"]] == ["tour-2023-09-02", "tour-2023-09-16"]
    first = feed["tours"][0]
    assert first["start"] == "2023-09-02T14:00:00+02:00"
    assert first["title"] == {"de": "SMARTCity-Stadtrundgang mit dem Rad",
                              "en": "SMARTCity tour by bike"}
    assert first["calendar"] == {"de": "tours/tour-2023-09-02.ics",
                                 "en": "tours/tour-2023-09-02.ics?lang=en"}
    assert calendar.upcoming_feed(kb.tours(), at(AFTER_LAST_TOUR), wording)["tours"] == []


def test_the_wording_is_read_from_domain_yml_only(tmp_path):
    domain = tmp_path / "domain.yml"
    domain.write_text(yaml.safe_dump({"responses": {
        "utter_x": [{"text": "Hallo {name}"},
                    {"condition": [{"type": "slot", "name": "register", "value": "easy"}],
                     "text": "Hallo, {name}. Einfach."},
                    {"condition": [{"type": "slot", "name": "language", "value": "en"}],
                     "text": "Hello {name}"}]}}))
    wording = calendar.Wording.from_domain(domain)
    assert wording.text("utter_x", "de", name="A") == "Hallo A"
    assert wording.text("utter_x", "en", name="A") == "Hello A"
    with pytest.raises(KeyError):
        wording.text("utter_y", "de")


# ---------------------------------------------------------------------------------------
# Links and the public URL


def test_tour_paths_and_keys_round_trip() -> None:
    assert calendar_links.tour_path("tour-2023-06-10") == "/tours/tour-2023-06-10.ics"
    assert calendar_links.tour_key("/tours/tour-2023-06-10.ics") == "tour-2023-06-10"
    for path in ("/tours/.ics", "/tours/../x.ics", "/tours/A.ics", "/tours/x.ics/",
                 "/tours/x/y.ics", "/tours.ics", "/tours/x.ICS", "/tours/-x.ics"):
        assert calendar_links.tour_key(path) is None, path
    with pytest.raises(ValueError):
        calendar_links.tour_path("../x")


def test_public_url_defaults_to_the_page_and_follows_the_settings(monkeypatch) -> None:
    monkeypatch.delenv("SMARTCITY_PUBLIC_URL", raising=False)
    monkeypatch.delenv("WEB_PORT", raising=False)
    assert calendar_links.public_url() == f"http://localhost:{calendar_links.DEFAULT_WEB_PORT}"
    monkeypatch.setenv("WEB_PORT", "8123")
    assert calendar_links.public_url() == "http://localhost:8123"
    assert (calendar_links.tour_url("tour-2023-06-10", "en")
            == "http://localhost:8123/tours/tour-2023-06-10.ics?lang=en")
    monkeypatch.setenv("SMARTCITY_PUBLIC_URL", "https://Bot.Gera.de/assistant/")
    assert (calendar_links.tour_url("tour-2023-06-10", "de")
            == "https://Bot.Gera.de/assistant/tours/tour-2023-06-10.ics")
    for bad in ("ftp://x.de", "bot.gera.de", "https://user:pw@x.de", "https://x.de/?a=1",
                "https://x.de/#f", "https://x.de/a b", "https://"):
        with pytest.raises(calendar_links.PublicUrlError):
            calendar_links.public_url(bad)


def test_the_public_url_host_is_served() -> None:
    hosts = web.allowed_hosts("localhost", None, "https://Tours.Gera.de/chat/")
    assert hosts == {"localhost", "tours.gera.de"}
    with pytest.raises(ValueError):
        web.allowed_hosts("localhost", None, "https://user:pw@tours.gera.de")


# ---------------------------------------------------------------------------------------
# The page server


def make_config() -> web.PageConfig:
    return web.PageConfig(allowed_hosts=web.allowed_hosts(web.DEFAULT_ALLOWED_HOSTS),
                          retention_days=30, endpoints=Path("/nonexistent/endpoints.yml"))


def test_the_page_server_serves_the_calendars(tmp_path, monkeypatch):
    load_kb(tmp_path, monkeypatch, dst_tours)
    monkeypatch.setenv("SMARTCITY_NOW", "2024-03-31T15:00")  # the first two have begun
    with page_server(make_config()) as server:
        port = server.ports[0]
        everything = request(port, path="/tours.ics")
        one = request(port, path="/tours/tour-2024-10-27.ics?lang=en")
        past = request(port, path="/tours/tour-2024-03-30.ics")
        head = request(port, "HEAD", path="/tours.ics")
        feed = request(port, path="/tours.json")
        missing = request(port, path="/tours/tour-1999-01-01.ics")
        post = request(port, "POST", path="/tours.ics")
        hostile = request(port, path="/tours.ics", host=b"evil.example")
    assert status_of(everything) == 200
    assert header(everything, "Content-Type") == "text/calendar; charset=utf-8"
    assert header(everything, "Content-Disposition") == 'attachment; filename="tours.ics"'
    assert "default-src 'none'" in header(everything, "Content-Security-Policy")
    assert header(everything, "X-Content-Type-Options") == "nosniff"
    structure, parsed = check(body_of(everything))
    assert [e["UID"] for e in events(parsed)] == [
        f"{key}@{calendar.UID_DOMAIN}" for key in ("tour-2024-10-26", "tour-2024-10-27")]
    assert events(parsed)[0]["SUMMARY"] == "SMARTCity-Stadtrundgang zu Fuß"
    _, parsed_one = check(body_of(one))
    assert [e["SUMMARY"] for e in events(parsed_one)] == ["SMARTCity tour by bike"]
    assert header(one, "Content-Disposition") == 'attachment; filename="tour-2024-10-27.ics"'
    assert status_of(past) == 200 and len(events(check(body_of(past))[1])) == 1
    assert status_of(head) == 200 and body_of(head) == b""
    assert int(header(head, "Content-Length")) == len(body_of(everything))
    assert [t["key"] for t in json.loads(body_of(feed))["tours"]] == [
        "tour-2024-10-26", "tour-2024-10-27"]
    assert status_of(missing) == 404
    assert status_of(post) == 405 and header(post, "Allow") == "GET, HEAD"
    assert status_of(hostile) == 400 and b"VCALENDAR" not in hostile


def test_tours_ics_is_empty_but_valid_when_no_tour_is_ahead(kb, monkeypatch):
    monkeypatch.setenv("SMARTCITY_NOW", AFTER_LAST_TOUR)
    with page_server(make_config()) as server:
        response = request(server.ports[0], path="/tours.ics")
        feed = request(server.ports[0], path="/tours.json")
    assert status_of(response) == 200
    structure, parsed = check(body_of(response))
    assert events(parsed) == [] and structure.all("VEVENT") == []
    assert b"BEGIN:VEVENT" not in body_of(response)
    assert json.loads(body_of(feed))["tours"] == []


@pytest.mark.parametrize(("target", "language"), [
    ("/tours.ics", "de"), ("/tours.ics?lang=en", "en"), ("/tours.ics?lang=EN", "en"),
    ("/tours.ics?lang=fr", "de"), ("/tours.ics?lang=en&lang=de", "de"),
    ("/tours.ics?lang=en&" + "&".join(f"x{i}=1" for i in range(20)), "de"),
    ("/tours.ics?lang=%65n", "en"), ("/tours.ics?lang", "de"),
])
def test_requested_language(target: str, language: str) -> None:
    assert web.requested_language(target) == language


def test_an_unreadable_knowledge_base_is_a_503_not_an_empty_calendar(tmp_path, monkeypatch):
    monkeypatch.setenv("SMARTCITY_DB_URL", sqlite_url(tmp_path, "empty.sqlite3"))
    with page_server(make_config()) as server:
        for path in ("/tours.ics", "/tours.json", "/tours/tour-2023-06-10.ics"):
            assert status_of(request(server.ports[0], path=path)) == 503, path


# ---------------------------------------------------------------------------------------
# The tour answers


def reply(action, language: str, now: str, monkeypatch, slots: dict | None = None) -> str:
    """The text the action's one reply renders to (domain.yml, ``language``)."""
    return one_reply(action, language, now, monkeypatch, intent="tour_next", slots=slots)[1]


@pytest.mark.parametrize(("language", "line"), [
    ("de", f"\nTermin für Ihren Kalender: {PUBLIC}/tours/tour-2023-06-10.ics\n"),
    ("en", f"\nAdd it to your calendar: {PUBLIC}/tours/tour-2023-06-10.ics?lang=en\n"),
])
def test_the_next_tour_answer_links_its_calendar_file(language, line, kb, monkeypatch):
    monkeypatch.setenv("SMARTCITY_PUBLIC_URL", PUBLIC + "/")
    text = reply(tours.ActionTourNext(), language, FRIDAY_MORNING, monkeypatch)
    assert line in text, text


@pytest.mark.parametrize("action", [tours.ActionTourMeetingPoint(), tours.ActionTourMode(),
                                    tours.ActionTourDuration()])
def test_answers_about_one_tour_link_it_only_while_it_is_ahead(action, kb, monkeypatch):
    monkeypatch.setenv("SMARTCITY_PUBLIC_URL", PUBLIC)
    slots = {"last_tour": "tour-2023-06-24"}
    ahead = reply(action, "de", FRIDAY_MORNING, monkeypatch, slots)
    assert f"{PUBLIC}/tours/tour-2023-06-24.ics" in ahead, ahead
    begun = reply(action, "de", "2023-06-24T14:05", monkeypatch, slots)
    assert "24. Juni 2023" in begun and ".ics" not in begun and "Kalender" not in begun, begun


def test_no_tour_ahead_answer_has_no_calendar_link(kb, monkeypatch):
    text = reply(tours.ActionTourNext(), "en", AFTER_LAST_TOUR, monkeypatch)
    assert "16 September 2023" in text and ".ics" not in text, text


def test_without_settings_the_link_is_the_page_on_web_port(kb, monkeypatch):
    monkeypatch.delenv("SMARTCITY_PUBLIC_URL", raising=False)
    monkeypatch.setenv("WEB_PORT", "8123")
    text = reply(tours.ActionTourNext(), "de", FRIDAY_MORNING, monkeypatch)
    assert "http://localhost:8123/tours/tour-2023-06-10.ics" in text, text


# ---------------------------------------------------------------------------------------
# Over REST, with the trained model


@pytest.mark.stack
def test_a_tour_answer_over_rest_carries_the_calendar_link(rasa_server: RasaServer,
                                                           action_server: ActionServer):
    before = action_server.now
    try:
        action_server.start(FRIDAY_MORNING, extra_env={"SMARTCITY_PUBLIC_URL": PUBLIC})
        german = Conversation(rasa_server).say("Wann ist der nächste Rundgang?")
        assert "10. Juni 2023" in german
        assert f"Termin für Ihren Kalender: {PUBLIC}/tours/tour-2023-06-10.ics" in german
        citizen = Conversation(rasa_server)
        english = citizen.say("When is the next tour?")
        assert f"Add it to your calendar: {PUBLIC}/tours/tour-2023-06-10.ics?lang=en" in english
        follow_up = citizen.say("Where do we meet?")
        assert "Market square" in follow_up
        assert f"{PUBLIC}/tours/tour-2023-06-10.ics?lang=en" in follow_up
    finally:
        action_server.start(before)  # the other stack tests get the plain server back
