"""The web app: the chat page (``web/public``) on ``WEB_PORT`` (default 8080), and the console.

Serves only the page's own files plus the socket.io client from ``web/node_modules`` (no
directory listing, no CDN), ``/config.json`` (where Rasa's socket.io server is, the retention
period, the page's facts), the tour dates as calendar files (``/tours.ics``,
``/tours/<key>.ics``, ``?lang=en`` for English) and the page's list of them (``/tours.json``;
see bot/services/calendar.py), ``POST /api/forget`` (a citizen erases their own
conversation) and security headers with a Content-Security-Policy that allows connections
only to this origin and the Rasa origin. Started by ``scripts/run.sh``::

    python -m bot.services.web --port 8080 --rasa-port 5005

Trust at the edges:

- Only the hosts the operator named are served (``SMARTCITY_ALLOWED_HOSTS``, plus the hosts of
  ``RASA_PUBLIC_URL`` and ``SMARTCITY_PUBLIC_URL``); a request for any other ``Host`` gets 400
  and the value is never echoed, so it cannot reach the CSP or ``config.json``.
- The page is a Starlette application (:func:`page_app`): hosts, the body cap (1 KiB) and the
  security headers are middleware, shared with the office console (bot/console/app.py).
- uvicorn serves it with bot/services/hardening.py: a connection must deliver its complete
  request within ``--request-timeout`` seconds, the header block is capped, at most
  ``--max-connections`` are open (at the cap the oldest one still waiting for its request
  makes room) and every response closes the connection. Blocking work (files, knowledge
  base, erasure) runs in a small thread pool, so threads stay bounded whatever clients do.
- One web app: with ``--console`` the same server, in this process, serves the office console
  on its own port (``SMARTCITY_CONSOLE_PORT``); :class:`ByPort` picks the app by the port.
- It binds to ``WEB_HOST`` (default ``localhost``: loopback only).
"""

from __future__ import annotations

import argparse
import asyncio
import ipaddress
import json
import logging
import os
import re
import socket
import sys
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from email.utils import formatdate
from http import HTTPStatus
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import Headers
from starlette.middleware import Middleware
from starlette.requests import ClientDisconnect, Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from bot import ROOT
from bot.logic import calendar_links
from bot.logic.language import DEFAULT_LANGUAGE, normalise
from bot.services.hardening import (
    MAX_CONNECTIONS,
    REQUEST_TIMEOUT,
    HardenedServer,
    Limits,
    bind,
)
from bot.services.hardening import (
    WORKERS as WORKERS,  # the thread pool's size, for the tests
)

LOG = logging.getLogger(__name__)

PUBLIC = ROOT / "web" / "public"
NODE_MODULES = ROOT / "web" / "node_modules"

# URL path -> file outside web/public that the page needs (vendored from npm at set-up).
VENDOR: dict[str, Path] = {
    "/vendor/socket.io.min.js": NODE_MODULES / "socket.io-client" / "dist" / "socket.io.min.js",
}

CONTENT_TYPES: dict[str, str] = {
    ".html": "text/html; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".mjs": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".json": "application/json; charset=utf-8",
    ".svg": "image/svg+xml",
    ".png": "image/png",
    ".ico": "image/x-icon",
    ".txt": "text/plain; charset=utf-8",
    ".ics": "text/calendar; charset=utf-8",
}

ALLOWED_HOSTS_VARIABLE = "SMARTCITY_ALLOWED_HOSTS"
#: The names a browser on the machine running `make run` uses; nothing else by default.
DEFAULT_ALLOWED_HOSTS = "localhost,127.0.0.1,::1"
BIND_VARIABLE = "WEB_HOST"
DEFAULT_BIND = "localhost"

FORGET_PATH = "/api/forget"
#: Session ids as the socket.io channel hands them to the page (``uuid4().hex``).
SENDER_ID = re.compile(r"[0-9a-f]{32}")
#: Seconds after an erasure when it is repeated: a turn Rasa was still processing for that
#: sender saves its events afterwards (and Rasa's SQL store then re-writes the whole session).
FORGET_AGAIN_AFTER = 10.0

MAX_BODY_BYTES = 1024

_LABEL = r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?"
_AUTHORITY = re.compile(
    rf"(?:(?P<name>{_LABEL}(?:\.{_LABEL})*)|\[(?P<ipv6>[0-9a-f:.]{{2,45}})\])"
    r"(?::(?P<port>[0-9]{1,5}))?",
    re.ASCII | re.IGNORECASE,
)
_ORIGIN = re.compile(r"(?P<scheme>https?)://(?P<authority>[^/?#]+)", re.ASCII | re.IGNORECASE)


# ---------------------------------------------------------------------------------------
# Hosts and origins


@dataclass(frozen=True)
class Host:
    """A validated ``Host`` header: a host name or IP literal (lower case, IPv6 without
    brackets) and an optional port."""

    name: str
    port: int | None = None

    @property
    def url_host(self) -> str:
        """The name as it appears in a URL (IPv6 in brackets)."""
        return f"[{self.name}]" if ":" in self.name else self.name

    def __str__(self) -> str:
        return self.url_host if self.port is None else f"{self.url_host}:{self.port}"


def parse_host(value: str | None) -> Host | None:
    """``host[:port]`` as a Host, or None for anything else (lists, paths, spaces, quotes,
    control or non-ASCII characters, bad ports, malformed IP literals)."""
    if value is None or len(value) > 260:
        return None
    match = _AUTHORITY.fullmatch(value)
    if match is None:
        return None
    port = int(match["port"]) if match["port"] else None
    if port is not None and not 0 < port < 65536:
        return None
    if match["ipv6"]:
        try:
            name = ipaddress.IPv6Address(match["ipv6"]).compressed
        except ValueError:
            return None
    else:
        name = match["name"].lower()
        if len(name) > 253:
            return None
    return Host(name, port)


def allowed_hosts(spec: str, *public_urls: str | None) -> frozenset[str]:
    """The host names served: the comma-separated ``spec`` plus the hosts of the public
    URLs (Rasa's, the page's). Raises ValueError for an entry that is not a bare host name
    or IP address, or a URL that is not http(s)://host[:port][/path]."""
    names: set[str] = set()
    for entry in (part.strip() for part in spec.split(",")):
        if not entry:
            continue
        literal = f"[{entry}]" if ":" in entry and not entry.startswith("[") else entry
        host = parse_host(literal)
        if host is None or host.port is not None:
            raise ValueError(f"{ALLOWED_HOSTS_VARIABLE}: not a host name or IP address: "
                             f"{entry!r}")
        names.add(host.name)
    for public_url in public_urls:
        if public_url:
            names.add(_public_host(public_url).name)
    if not names:
        raise ValueError(f"{ALLOWED_HOSTS_VARIABLE} names no host")
    return frozenset(names)


def _public_host(public_url: str) -> Host:
    parts = urlsplit(public_url)
    host = parse_host(parts.netloc)
    if parts.scheme not in ("http", "https") or host is None:
        raise ValueError(f"RASA_PUBLIC_URL and SMARTCITY_PUBLIC_URL must be "
                         f"http(s)://host[:port][/path], not {public_url!r}")
    return host


def rasa_origin(host: Host, rasa_port: int, public_url: str | None) -> str:
    """Origin of the Rasa server as the browser sees it: ``RASA_PUBLIC_URL`` if set, else
    the (validated) host the page was requested from with Rasa's port."""
    if public_url:
        return f"{urlsplit(public_url).scheme}://{_public_host(public_url)}"
    return f"http://{host.url_host}:{rasa_port}"


def same_origin(origin_header: str | None, host: Host) -> bool:
    """True if ``Origin`` names the page's own origin (``host`` as the request reached us;
    behind a TLS proxy the scheme is only known from the Origin, so ports are compared with
    that scheme's default)."""
    match = _ORIGIN.fullmatch(origin_header or "")
    origin = parse_host(match["authority"]) if match else None
    if match is None or origin is None:
        return False
    default = 443 if match["scheme"].lower() == "https" else 80
    return origin.name == host.name and (origin.port or default) == (host.port or default)


def security_headers(rasa: str | None) -> dict[str, str]:
    """Headers sent with every response; ``rasa`` is the Rasa origin for connect-src (None
    when the request named no host we serve)."""
    connect = "'self'"
    if rasa:
        ws = rasa.replace("http://", "ws://", 1).replace("https://", "wss://", 1)
        connect = f"'self' {rasa} {ws}"
    csp = (
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        f"connect-src {connect}; base-uri 'none'; form-action 'self'; "
        "frame-ancestors 'none'"
    )
    return {
        "Content-Security-Policy": csp,
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "no-referrer",
        "X-Frame-Options": "DENY",
        "Permissions-Policy": "camera=(), microphone=(), geolocation=()",
        "Cross-Origin-Opener-Policy": "same-origin",
        "Cache-Control": "no-cache",
    }


# ---------------------------------------------------------------------------------------
# What is served


@dataclass(frozen=True)
class PageConfig:
    """What the operator configured; fixed for the life of the server."""

    allowed_hosts: frozenset[str]
    retention_days: int
    rasa_port: int = 5005
    rasa_public_url: str | None = None
    endpoints: Path = ROOT / "endpoints.yml"
    socketio_path: str = "/socket.io"
    forget_again_after: float = FORGET_AGAIN_AFTER


def resolve(url_path: str, public: Path = PUBLIC) -> Path | None:
    """The file served for ``url_path``, or None (outside web/public, hidden or missing)."""
    if url_path in VENDOR:
        path = VENDOR[url_path]
        return path if path.is_file() else None
    if url_path.endswith("/"):
        url_path += "index.html"
    parts = [p for p in url_path.split("/") if p]
    if any(p.startswith(".") or "\\" in p or "\0" in p for p in parts):
        return None
    path = (public / Path(*parts)).resolve() if parts else public / "index.html"
    if not path.is_relative_to(public.resolve()) or not path.is_file():
        return None
    if path.suffix not in CONTENT_TYPES:
        return None
    return path


def page_facts() -> dict[str, Any]:
    """The page's facts from the knowledge base (none when it is not loaded yet)."""
    from bot.kb import KnowledgeBaseError, Repository

    try:
        repository = Repository()
        about, contact = repository.fact("about"), repository.contact()
    except KnowledgeBaseError:
        return {}
    facts: dict[str, Any] = {}
    if about is not None:
        facts["about"] = {"de": about.text_de, "en": about.text_en}
    if contact is not None:
        facts["contact"] = {"email": contact.email, "phone": contact.phone}
    return facts


def page_config(rasa: str, config: PageConfig) -> dict[str, Any]:
    """``/config.json``: where Rasa is, how long conversations are kept, the page's facts."""
    return {"socketUrl": rasa, "socketPath": config.socketio_path,
            "retentionDays": config.retention_days, **page_facts()}


def requested_language(target: str) -> str:
    """``?lang=en`` -> 'en'; German for anything else (no, several, unknown values)."""
    query = target.split("#", 1)[0].partition("?")[2]
    try:
        values = parse_qs(query, max_num_fields=8).get(calendar_links.LANGUAGE_PARAMETER, [])
    except ValueError:  # more fields than any link of ours has
        values = []
    return (normalise(values[0]) if len(values) == 1 else None) or DEFAULT_LANGUAGE


# ---------------------------------------------------------------------------------------
# Responses


def plain(status: HTTPStatus) -> Response:
    """A short text response that says only the status (never anything from the request)."""
    return PlainTextResponse(f"{status.value} {status.phrase}\n", status.value)


def refusal(status: HTTPStatus) -> bytes:
    """:func:`plain` as bytes on the wire, for what the transport refuses before the app sees a
    request (bot/services/hardening.py: 400, 408, 431)."""
    body = f"{status.value} {status.phrase}\n".encode()
    lines = [f"HTTP/1.1 {status.value} {status.phrase}", f"Date: {formatdate(usegmt=True)}",
             f"Content-Type: {CONTENT_TYPES['.txt']}", f"Content-Length: {len(body)}",
             "Connection: close", *(f"{k}: {v}" for k, v in security_headers(None).items())]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body


def _json(status: HTTPStatus, payload: dict[str, Any]) -> Response:
    return JSONResponse(payload, status.value)


# ---------------------------------------------------------------------------------------
# Middleware, shared by the page and the console


class SecurityHeaders:
    """``headers(scope)`` on every response (replacing the app's own of the same names), and
    ``Connection: close``: one request per connection (bot/services/hardening.py)."""

    def __init__(self, app: ASGIApp, headers: Callable[[Scope], dict[str, str]]) -> None:
        self.app = app
        self.headers = headers

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                ours = [(k.lower().encode(), v.encode()) for k, v in
                        {**self.headers(scope), "Connection": "close"}.items()]
                names = {name for name, _ in ours}
                message["headers"] = [(k, v) for k, v in message.get("headers", [])
                                      if k.lower() not in names] + ours
            await send(message)

        await self.app(scope, receive, with_headers)


class HostCheck:
    """Only the hosts the operator named (``SMARTCITY_ALLOWED_HOSTS``), exactly one ``Host``
    and a target that is a path: else 400, and the value is never echoed. The validated host
    is left in ``request.state.host``. ``exempt`` paths (the health check) need none."""

    def __init__(self, app: ASGIApp, allowed: frozenset[str],
                 exempt: frozenset[str] = frozenset()) -> None:
        self.app = app
        self.allowed = allowed
        self.exempt = exempt

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["path"] not in self.exempt:
            hosts = [value for name, value in scope["headers"] if name == b"host"]
            host = parse_host(hosts[0].decode("latin-1")) if len(hosts) == 1 else None
            if (host is None or host.name not in self.allowed
                    or not scope["raw_path"].startswith(b"/")):
                await plain(HTTPStatus.BAD_REQUEST)(scope, receive, send)
                return
            scope.setdefault("state", {})["host"] = host
        await self.app(scope, receive, send)


class BodyLimit:
    """Request bodies of at most ``limit`` bytes, with a length: 413, 411 (chunked), 400."""

    def __init__(self, app: ASGIApp, limit: int) -> None:
        self.app = app
        self.limit = limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            headers = Headers(scope=scope)
            lengths = headers.getlist("content-length") or ["0"]
            status = None
            if "transfer-encoding" in headers:
                status = HTTPStatus.LENGTH_REQUIRED
            elif len(lengths) != 1 or not lengths[0].strip().isdigit():
                status = HTTPStatus.BAD_REQUEST
            elif int(lengths[0]) > self.limit:
                status = HTTPStatus.REQUEST_ENTITY_TOO_LARGE
            if status is not None:
                await plain(status)(scope, receive, send)
                return
        await self.app(scope, receive, send)


def _printable(text: str, limit: int = 200) -> str:
    """For logs: control characters escaped, length capped (paths come from clients)."""
    return "".join(c if c.isprintable() else f"\\x{ord(c):02x}" for c in text[:limit])


class Errors:
    """An exception is answered 500 and logged by its type only: its message may hold what a
    citizen sent (a session id, a database's words about it)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        started = False

        async def tracked(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, receive, tracked)
        except ClientDisconnect:  # the request was refused (408) or the client went away
            LOG.debug("client gone before its request was complete")
        except Exception as error:  # noqa: BLE001 (answered 500; no request data in logs)
            LOG.error("%s %s failed: %s", scope.get("method"),
                      _printable(scope.get("path", "")), type(error).__name__)
            if not started and scope["type"] == "http":
                await plain(HTTPStatus.INTERNAL_SERVER_ERROR)(scope, receive, send)


# ---------------------------------------------------------------------------------------
# The page's routes

Endpoint = Callable[[Request], Awaitable[Response]]


class _Only:
    """``endpoint`` for ``methods`` (e.g. "GET, HEAD"); 405 naming them for any other
    (an ASGI app, so that Starlette's routing passes every method on to it)."""

    def __init__(self, methods: str, endpoint: Endpoint) -> None:
        self.methods = methods
        self.endpoint = endpoint

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        request = Request(scope, receive)
        if request.method in self.methods.split(", "):
            response = await self.endpoint(request)
        else:
            response = plain(HTTPStatus.METHOD_NOT_ALLOWED)
            response.headers["Allow"] = self.methods
        await response(scope, receive, send)


def _config(request: Request) -> PageConfig:
    return request.app.state.page  # type: ignore[no-any-return]


def _rasa(request: Request) -> str:
    config = _config(request)
    return rasa_origin(request.state.host, config.rasa_port, config.rasa_public_url)


async def healthz(request: Request) -> Response:
    return PlainTextResponse("ok\n")


async def config_json(request: Request) -> Response:
    payload = await run_in_threadpool(page_config, _rasa(request), _config(request))
    return _json(HTTPStatus.OK, payload)


def tours_response(path: str, target: str) -> Response | None:
    """The tour calendars (``/tours.ics``, ``/tours/<key>.ics``) and the page's tour list
    (``/tours.json``) from the knowledge base; None for any other path. 503 while the
    knowledge base cannot be read (never an empty list that would claim "no tours")."""
    key = calendar_links.tour_key(path)
    if path not in (calendar_links.ALL_TOURS_PATH, calendar_links.TOURS_JSON_PATH) and not key:
        return None
    from bot.kb import KnowledgeBaseError
    from bot.services import calendar  # icalendar and the knowledge base, only when asked

    language = requested_language(target)
    try:
        if path == calendar_links.TOURS_JSON_PATH:
            return _json(HTTPStatus.OK, calendar.upcoming_feed_from_kb())
        body = (calendar.tour_ics_from_kb(key, language) if key
                else calendar.upcoming_ics_from_kb(language))
    except KnowledgeBaseError as error:
        LOG.error("tour calendar unavailable: %s", type(error).__name__)
        return plain(HTTPStatus.SERVICE_UNAVAILABLE)
    if body is None:
        return plain(HTTPStatus.NOT_FOUND)
    name = path.rsplit("/", 1)[1]
    return Response(body, media_type=CONTENT_TYPES[".ics"],
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})


def _file(path: str, target: str) -> Response:
    if (tours := tours_response(path, target)) is not None:
        return tours
    if (file := resolve(path)) is not None:
        return Response(file.read_bytes(), media_type=CONTENT_TYPES[file.suffix])
    return plain(HTTPStatus.NOT_FOUND)


async def files(request: Request) -> Response:
    """The page's files, the vendored socket.io client and the tour calendars."""
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return await run_in_threadpool(_file, request.url.path, target)


async def forget_request(request: Request) -> Response:
    """``POST /api/forget {"sender": "<session id>"}``: erase that conversation. Only from
    the page itself (same origin), as JSON, with a session id of the page's format."""
    config, host = _config(request), request.state.host
    site = request.headers.get("sec-fetch-site")
    if not same_origin(request.headers.get("origin"), host) or site not in (None, "same-origin"):
        return _json(HTTPStatus.FORBIDDEN, {"error": "same-origin requests only"})
    content_type = request.headers.get("content-type")
    if content_type is None or content_type.split(";")[0].strip().lower() != "application/json":
        return _json(HTTPStatus.UNSUPPORTED_MEDIA_TYPE, {"error": "application/json only"})
    try:
        payload = json.loads((await request.body()).decode("utf-8"))
    except ValueError:  # includes UnicodeDecodeError and JSONDecodeError
        return _json(HTTPStatus.BAD_REQUEST, {"error": "body is not JSON"})
    sender = payload.get("sender") if isinstance(payload, dict) else None
    if (not isinstance(sender, str) or set(payload) != {"sender"}
            or not SENDER_ID.fullmatch(sender)):
        return _json(HTTPStatus.BAD_REQUEST, {"error": "expected {\"sender\": session id}"})
    from bot.services import retention  # the erasure itself (and its storage) lives there

    deleted = await run_in_threadpool(retention.forget, sender, config.endpoints)
    LOG.info("erased a conversation on request (%d records)", deleted)

    def again() -> None:
        late = retention.forget(sender, config.endpoints)
        if late:
            LOG.info("erased %d late records of an erased conversation", late)

    _later(config.forget_again_after, again)
    return _json(HTTPStatus.OK, {"deleted": deleted})


_LATER: set[asyncio.Task[None]] = set()


def _later(delay: float, work: Callable[[], object]) -> None:
    """Run ``work`` in the thread pool ``delay`` seconds from now (errors logged by type)."""
    loop = asyncio.get_running_loop()

    async def run() -> None:
        try:
            await run_in_threadpool(work)
        except Exception as error:  # noqa: BLE001
            LOG.error("deferred work failed: %s", type(error).__name__)

    def start() -> None:
        task = loop.create_task(run())
        _LATER.add(task)
        task.add_done_callback(_LATER.discard)

    loop.call_later(delay, start)


def page_app(config: PageConfig) -> Starlette:
    """The chat page as a Starlette application (every limit of the module docstring that
    is not the transport's)."""

    def headers(scope: Scope) -> dict[str, str]:
        host = scope.get("state", {}).get("host")
        return security_headers(rasa_origin(host, config.rasa_port, config.rasa_public_url)
                                if host else None)

    app = Starlette(
        routes=[
            Route("/healthz", _Only("GET, HEAD", healthz)),
            Route(FORGET_PATH, _Only("POST", forget_request)),
            Route("/config.json", _Only("GET, HEAD", config_json)),
            Route("/{path:path}", _Only("GET, HEAD", files)),
        ],
        middleware=[
            Middleware(SecurityHeaders, headers=headers),
            Middleware(HostCheck, allowed=config.allowed_hosts, exempt=frozenset({"/healthz"})),
            Middleware(BodyLimit, limit=MAX_BODY_BYTES),
            Middleware(Errors),
        ],
    )
    app.state.page = config
    return app


# ---------------------------------------------------------------------------------------
# One web app: the page and the console, one process


class ByPort:
    """The page and the console in one application: each request goes to the app of the
    port it came in on (the console keeps an origin of its own, see README "Office
    console")."""

    def __init__(self, apps: dict[int, ASGIApp]) -> None:
        self.apps = apps

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        server = scope.get("server")
        app = self.apps.get(server[1]) if server else None
        if app is None:
            await plain(HTTPStatus.NOT_FOUND)(scope, receive, send)
            return
        await app(scope, receive, send)


class PageServer(HardenedServer):
    """The page alone, served in a running event loop (tests)."""

    def __init__(self, config: PageConfig, **limits: Any) -> None:
        self.config = config
        super().__init__(page_app(config), refusal, Limits(**limits))

    async def start(self, hosts: list[str], port: int) -> None:
        """Bind and start accepting (port 0: a free one, see ``ports``)."""
        await self.start_on(bind(hosts, port))


def serve(served: list[tuple[list[socket.socket], ASGIApp]],
          limits: Limits | None = None) -> None:
    """Serve each app on its sockets, in this process, until SIGINT or SIGTERM."""
    apps = {sock.getsockname()[1]: app for sockets, app in served for sock in sockets}
    server = HardenedServer(ByPort(apps), refusal, limits or Limits())
    asyncio.run(server.serve([sock for sockets, _ in served for sock in sockets]))


def hosts_of(spec: str) -> list[str]:
    """Addresses to bind, from a comma-separated list."""
    return [h.strip() for h in spec.split(",") if h.strip()]


def main(argv: list[str] | None = None) -> None:
    """Parse arguments and serve until interrupted."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default=os.environ.get(BIND_VARIABLE) or DEFAULT_BIND,
                        help="address(es) to bind, comma-separated (default: loopback)")
    parser.add_argument("--port", type=int, default=calendar_links.web_port())
    parser.add_argument("--rasa-port", type=int,
                        default=int(os.environ.get("RASA_PORT", "5005")))
    parser.add_argument("--rasa-public-url", default=os.environ.get("RASA_PUBLIC_URL") or None,
                        help="Rasa's URL as browsers reach it (behind a proxy)")
    parser.add_argument("--public-url",
                        default=os.environ.get(calendar_links.PUBLIC_URL_VARIABLE) or None,
                        help="this page's URL as citizens reach it (the calendar links in "
                             "the assistant's answers start with it); its host is served")
    parser.add_argument("--allowed-hosts",
                        default=os.environ.get(ALLOWED_HOSTS_VARIABLE) or DEFAULT_ALLOWED_HOSTS,
                        help="host names the page is served for, comma-separated")
    parser.add_argument("--endpoints", type=Path, default=ROOT / "endpoints.yml",
                        help="Rasa's endpoints.yml (its tracker store is erased from)")
    parser.add_argument("--console", action="store_true",
                        help="serve the office console too, on SMARTCITY_CONSOLE_HOST and "
                             "SMARTCITY_CONSOLE_PORT (python -m bot.console: it alone)")
    parser.add_argument("--request-timeout", type=float, default=REQUEST_TIMEOUT)
    parser.add_argument("--max-connections", type=int, default=MAX_CONNECTIONS)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="web: %(message)s", stream=sys.stderr)
    if not VENDOR["/vendor/socket.io.min.js"].is_file():
        sys.exit("web: web/node_modules is missing: run `make web` (npm ci in web/)")
    from bot.services.retention import RetentionError, retention_days

    try:
        if args.public_url:
            calendar_links.public_url(args.public_url)
        config = PageConfig(
            allowed_hosts=allowed_hosts(args.allowed_hosts, args.rasa_public_url,
                                        args.public_url),
            retention_days=retention_days(), rasa_port=args.rasa_port,
            rasa_public_url=args.rasa_public_url, endpoints=args.endpoints,
        )
        served = [(bind(hosts_of(args.host), args.port), page_app(config))]
        if args.console:
            from bot.console.__main__ import console

            served.append(console(endpoints=args.endpoints))
    except (ValueError, RetentionError) as error:
        parser.error(str(error))
    LOG.info("serving web/public on http://localhost:%d/ (bound to %s; hosts served: %s; "
             "Rasa on port %d)", args.port, args.host,
             ", ".join(sorted(config.allowed_hosts)), config.rasa_port)
    serve(served, Limits(request_timeout=args.request_timeout,
                         max_connections=args.max_connections))


if __name__ == "__main__":
    main()
