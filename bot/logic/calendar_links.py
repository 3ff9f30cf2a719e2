"""Where the tour calendar files are: their paths on the page server and the public URL.

Declared here, once, because two sides need the same answer: the page server routes the
paths (``bot/services/web.py``) and the tour actions put the full URL into their replies
(``actions/tours.py``); both may import ``bot.logic``, neither may import the other.
"""

from __future__ import annotations

import os
import re
from urllib.parse import urlsplit

from bot.logic.language import DEFAULT_LANGUAGE

PUBLIC_URL_VARIABLE = "SMARTCITY_PUBLIC_URL"
WEB_PORT_VARIABLE = "WEB_PORT"
#: The page server's port when WEB_PORT is not set (scripts/run.sh uses the same default).
DEFAULT_WEB_PORT = 8080

#: Every tour ahead of the clock, as one calendar.
ALL_TOURS_PATH = "/tours.ics"
#: The upcoming tours as JSON for the web page's list.
TOURS_JSON_PATH = "/tours.json"
_TOUR_PREFIX, _SUFFIX = "/tours/", ".ics"
# A knowledge-base key (bot/kb/fields.py: [a-z0-9][a-z0-9_-]*, at most 200 characters).
_TOUR_PATH = re.compile(rf"{_TOUR_PREFIX}(?P<key>[a-z0-9][a-z0-9_-]{{0,199}}){_SUFFIX}")
#: The query parameter that asks for English (German is the default).
LANGUAGE_PARAMETER = "lang"


class PublicUrlError(ValueError):
    """SMARTCITY_PUBLIC_URL is not an http(s) URL the links could start with."""


def web_port() -> int:
    """The page server's port: WEB_PORT, else the default."""
    value = os.environ.get(WEB_PORT_VARIABLE, "").strip()
    return int(value) if value.isdigit() else DEFAULT_WEB_PORT


def public_url(value: str | None = None) -> str:
    """The page server's address as citizens reach it, without a trailing slash:
    ``value`` or SMARTCITY_PUBLIC_URL, else the page's own address on this machine."""
    if value is None:
        value = os.environ.get(PUBLIC_URL_VARIABLE, "").strip()
    if not value:
        return f"http://localhost:{web_port()}"
    parts = urlsplit(value)
    if (parts.scheme not in ("http", "https") or not parts.hostname or parts.username
            or parts.password or parts.query or parts.fragment or any(c.isspace() for c in value)):
        raise PublicUrlError(f"{PUBLIC_URL_VARIABLE} must be http(s)://host[:port][/path], "
                             f"not {value!r}")
    return value.rstrip("/")


def tour_path(key: str) -> str:
    """``/tours/<key>.ics``: the calendar file of one tour."""
    path = f"{_TOUR_PREFIX}{key}{_SUFFIX}"
    if not _TOUR_PATH.fullmatch(path):
        raise ValueError(f"not a tour key: {key!r}")
    return path


def tour_key(path: str) -> str | None:
    """The tour key a ``/tours/<key>.ics`` path names, or None for any other path."""
    match = _TOUR_PATH.fullmatch(path)
    return match["key"] if match else None


def with_language(path: str, language: str) -> str:
    """``path`` asking for ``language`` (German, the default, needs no parameter)."""
    return path if language == DEFAULT_LANGUAGE else f"{path}?{LANGUAGE_PARAMETER}={language}"


def tour_url(key: str, language: str, base: str | None = None) -> str:
    """The full URL of a tour's calendar file in ``language``, for replies."""
    return (base or public_url()) + with_language(tour_path(key), language)
