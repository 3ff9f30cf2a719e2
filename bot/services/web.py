"""Server for the web chat page (``web/public``) on ``WEB_PORT`` (default 8080).

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
- The transport is asyncio streams, not a thread per connection: a connection must deliver its
  complete request within ``--request-timeout`` seconds, the header block is capped, at most
  ``--max-connections`` are open (at the cap the oldest one still waiting for its request makes
  room) and every response closes the connection. Blocking work (files, knowledge base,
  erasure) runs in a small thread pool, so threads stay bounded whatever clients do.
- It binds to ``WEB_HOST`` (default ``localhost``: loopback only).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import http.client
import io
import ipaddress
import json
import logging
import os
import re
import sys
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from email.utils import formatdate
from http import HTTPStatus
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

from bot import ROOT
from bot.logic import calendar_links
from bot.logic.language import DEFAULT_LANGUAGE, normalise

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

REQUEST_TIMEOUT = 5.0
MAX_CONNECTIONS = 256
MAX_HEADER_BYTES = 8192
MAX_BODY_BYTES = 1024
WORKERS = 8

_LABEL = r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?"
_AUTHORITY = re.compile(
    rf"(?:(?P<name>{_LABEL}(?:\.{_LABEL})*)|\[(?P<ipv6>[0-9a-f:.]{{2,45}})\])"
    r"(?::(?P<port>[0-9]{1,5}))?",
    re.ASCII | re.IGNORECASE,
)
_ORIGIN = re.compile(r"(?P<scheme>https?)://(?P<authority>[^/?#]+)", re.ASCII | re.IGNORECASE)
_METHOD = re.compile(r"[A-Z]{1,16}")
_FIELD = re.compile(rb"[!#$%&'*+.^_`|~0-9A-Za-z-]+:")


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


@dataclass
class Request:
    method: str
    target: str
    headers: http.client.HTTPMessage
    body: bytes = b""

    @property
    def path(self) -> str:
        return self.target.split("?", 1)[0].split("#", 1)[0]


@dataclass
class Response:
    status: HTTPStatus
    body: bytes = b""
    content_type: str = CONTENT_TYPES[".txt"]
    headers: dict[str, str] = field(default_factory=dict)
    #: Work for the server to run in its thread pool ``after[0]`` seconds later.
    after: tuple[float, Callable[[], object]] | None = None

    def encode(self, head_only: bool = False) -> bytes:
        lines = [f"HTTP/1.1 {self.status.value} {self.status.phrase}",
                 f"Date: {formatdate(usegmt=True)}", "Server: smartcity-web",
                 f"Content-Type: {self.content_type}",
                 f"Content-Length: {len(self.body)}", "Connection: close"]
        lines += [f"{name}: {value}" for name, value in self.headers.items()]
        head = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")
        return head if head_only else head + self.body


def plain(status: HTTPStatus) -> Response:
    """A short text response that says only the status (never anything from the request)."""
    return Response(status, f"{status.value} {status.phrase}\n".encode(),
                    headers=security_headers(None))


def _json(status: HTTPStatus, payload: dict[str, Any]) -> Response:
    return Response(status, json.dumps(payload).encode(), CONTENT_TYPES[".json"])


def resolve(url_path: str, public: Path = PUBLIC) -> Path | None:
    """The file served for ``url_path``, or None (outside web/public, hidden or missing)."""
    if url_path in VENDOR:
        path = VENDOR[url_path]
        return path if path.is_file() else None
    if url_path.endswith("/"):
        url_path += "index.html"
    parts = [p for p in url_path.split("/") if p]
    if any(p.startswith(".") or "\\" in p for p in parts):
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


def tours_response(request: Request) -> Response | None:
    """The tour calendars (``/tours.ics``, ``/tours/<key>.ics``) and the page's tour list
    (``/tours.json``) from the knowledge base; None for any other path. 503 while the
    knowledge base cannot be read (never an empty list that would claim "no tours")."""
    path = request.path
    key = calendar_links.tour_key(path)
    if path not in (calendar_links.ALL_TOURS_PATH, calendar_links.TOURS_JSON_PATH) and not key:
        return None
    from bot.kb import KnowledgeBaseError
    from bot.services import calendar  # icalendar and the knowledge base, only when asked

    language = requested_language(request.target)
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
    return Response(HTTPStatus.OK, body, CONTENT_TYPES[".ics"],
                    {"Content-Disposition": f'attachment; filename="{name}"'})


def forget_request(request: Request, host: Host, config: PageConfig) -> Response:
    """``POST /api/forget {"sender": "<session id>"}``: erase that conversation. Only from
    the page itself (same origin), as JSON, with a session id of the page's format."""
    site = request.headers.get("Sec-Fetch-Site")
    if not same_origin(request.headers.get("Origin"), host) or site not in (None, "same-origin"):
        return _json(HTTPStatus.FORBIDDEN, {"error": "same-origin requests only"})
    if (request.headers.get("Content-Type") is None
            or request.headers.get_content_type() != "application/json"):
        return _json(HTTPStatus.UNSUPPORTED_MEDIA_TYPE, {"error": "application/json only"})
    try:
        payload = json.loads(request.body.decode("utf-8"))
    except ValueError:  # includes UnicodeDecodeError and JSONDecodeError
        return _json(HTTPStatus.BAD_REQUEST, {"error": "body is not JSON"})
    sender = payload.get("sender") if isinstance(payload, dict) else None
    if (not isinstance(sender, str) or set(payload) != {"sender"}
            or not SENDER_ID.fullmatch(sender)):
        return _json(HTTPStatus.BAD_REQUEST, {"error": "expected {\"sender\": session id}"})
    from bot.services import retention  # the erasure itself (and its storage) lives there

    deleted = retention.forget(sender, config.endpoints)
    LOG.info("erased a conversation on request (%d records)", deleted)

    def again() -> None:
        late = retention.forget(sender, config.endpoints)
        if late:
            LOG.info("erased %d late records of an erased conversation", late)

    return Response(HTTPStatus.OK, json.dumps({"deleted": deleted}).encode(),
                    CONTENT_TYPES[".json"], after=(config.forget_again_after, again))


def respond(request: Request, config: PageConfig) -> Response:
    """The response to one complete request (no sockets here: the page's own rules)."""
    if request.path == "/healthz" and request.method in ("GET", "HEAD"):
        return Response(HTTPStatus.OK, b"ok\n", headers=security_headers(None))
    hosts = request.headers.get_all("Host") or []
    host = parse_host(hosts[0]) if len(hosts) == 1 else None
    if host is None or host.name not in config.allowed_hosts:
        return plain(HTTPStatus.BAD_REQUEST)
    rasa = rasa_origin(host, config.rasa_port, config.rasa_public_url)
    path = request.path
    allowed = "POST" if path == FORGET_PATH else "GET, HEAD"
    if request.method not in allowed.split(", "):
        response = plain(HTTPStatus.METHOD_NOT_ALLOWED)
        response.headers["Allow"] = allowed
    elif path == FORGET_PATH:
        response = forget_request(request, host, config)
    elif path == "/config.json":
        response = _json(HTTPStatus.OK, page_config(rasa, config))
    elif (tours := tours_response(request)) is not None:
        response = tours
    elif (file := resolve(path)) is not None:
        response = Response(HTTPStatus.OK, file.read_bytes(), CONTENT_TYPES[file.suffix])
    else:
        response = plain(HTTPStatus.NOT_FOUND)
    response.headers.update(security_headers(rasa))
    return response


# ---------------------------------------------------------------------------------------
# Transport


class _Refused(Exception):
    """A request that is answered without being read further (and the connection closed)."""

    def __init__(self, status: HTTPStatus) -> None:
        super().__init__(status)
        self.response = plain(status)


def parse_head(head: bytes) -> Request:
    """Request line and header fields (without the blank line); strict about framing."""
    head = head.lstrip(b"\r\n")
    bare = head.replace(b"\r\n", b"")
    if b"\r" in bare or b"\n" in bare or b"\0" in head:
        raise _Refused(HTTPStatus.BAD_REQUEST)
    line, _, fields = head.partition(b"\r\n")
    parts = line.decode("latin-1").split(" ")
    if (len(parts) != 3 or not _METHOD.fullmatch(parts[0])
            or parts[2] not in ("HTTP/1.0", "HTTP/1.1") or not parts[1].startswith("/")):
        raise _Refused(HTTPStatus.BAD_REQUEST)
    # Every field line is "name: value" (no obsolete line folding, RFC 9112 5.2).
    if fields and not all(_FIELD.match(line) for line in fields.split(b"\r\n")):
        raise _Refused(HTTPStatus.BAD_REQUEST)
    try:
        headers = http.client.parse_headers(io.BytesIO(fields + b"\r\n\r\n" if fields
                                                       else b"\r\n"))
    except http.client.HTTPException as error:
        raise _Refused(HTTPStatus.REQUEST_HEADER_FIELDS_TOO_LARGE) from error
    return Request(parts[0], parts[1], headers)


def _content_length(headers: http.client.HTTPMessage) -> int:
    if headers.get("Transfer-Encoding") is not None:
        raise _Refused(HTTPStatus.LENGTH_REQUIRED)
    values = headers.get_all("Content-Length") or ["0"]
    if len(values) != 1 or not values[0].strip().isdigit():
        raise _Refused(HTTPStatus.BAD_REQUEST)
    length = int(values[0])
    if length > MAX_BODY_BYTES:
        raise _Refused(HTTPStatus.REQUEST_ENTITY_TOO_LARGE)
    return length


def _printable(text: str, limit: int = 200) -> str:
    """For logs: control characters escaped, length capped (paths come from clients)."""
    return "".join(c if c.isprintable() else f"\\x{ord(c):02x}" for c in text[:limit])


class PageServer:
    """The page's HTTP/1.1 server on asyncio streams, with the limits described above."""

    def __init__(self, config: PageConfig, *, request_timeout: float = REQUEST_TIMEOUT,
                 max_connections: int = MAX_CONNECTIONS,
                 max_header_bytes: int = MAX_HEADER_BYTES, workers: int = WORKERS) -> None:
        self.config = config
        self.request_timeout = request_timeout
        self.max_connections = max_connections
        self.max_header_bytes = max_header_bytes
        self._executor = ThreadPoolExecutor(workers, thread_name_prefix="web")
        self._open: set[asyncio.Task[Any]] = set()
        # Connections still waiting for their request, oldest first (dicts keep order).
        self._waiting: dict[asyncio.Task[Any], None] = {}
        self._server: asyncio.AbstractServer | None = None

    @property
    def open_connections(self) -> int:
        return len(self._open)

    @property
    def ports(self) -> list[int]:
        assert self._server is not None
        return sorted({sock.getsockname()[1] for sock in self._server.sockets})

    async def start(self, hosts: list[str], port: int) -> None:
        """Bind and start accepting (port 0: a free one, see ``ports``)."""
        asyncio.get_running_loop().set_default_executor(self._executor)
        self._server = await asyncio.start_server(self._connection, hosts, port,
                                                  reuse_address=True)

    async def close(self) -> None:
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
        for task in list(self._open):
            task.cancel()
        self._executor.shutdown(wait=False, cancel_futures=True)

    def _admit(self, task: asyncio.Task[Any]) -> bool:
        """Make room for a new connection: at the cap, close the oldest one that has not
        sent its request yet; refuse the new one if every open connection is being served."""
        if len(self._open) >= self.max_connections:
            if not self._waiting:
                return False
            oldest = next(iter(self._waiting))
            self._waiting.pop(oldest)
            self._open.discard(oldest)
            oldest.cancel()
        self._open.add(task)
        return True

    async def _read(self, reader: asyncio.StreamReader, seen: list[bool]) -> Request:
        buffer = bytearray()
        while (end := buffer.find(b"\r\n\r\n")) < 0:
            if len(buffer) > self.max_header_bytes:
                raise _Refused(HTTPStatus.REQUEST_HEADER_FIELDS_TOO_LARGE)
            chunk = await reader.read(65536)
            if not chunk:
                raise ConnectionResetError("closed before the request was complete")
            buffer += chunk
            seen[0] = True
        if end > self.max_header_bytes:
            raise _Refused(HTTPStatus.REQUEST_HEADER_FIELDS_TOO_LARGE)
        request = parse_head(bytes(buffer[:end]))
        length = _content_length(request.headers)
        body = bytes(buffer[end + 4:])
        while len(body) < length:
            chunk = await reader.read(length - len(body))
            if not chunk:
                raise ConnectionResetError("closed before the body was complete")
            body += chunk
        request.body = body[:length]
        return request

    async def _connection(self, reader: asyncio.StreamReader,
                          writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        if not self._admit(task):
            writer.transport.abort()
            return
        loop = asyncio.get_running_loop()
        seen = [False]
        request: Request | None = None
        response: Response | None = None
        try:
            self._waiting[task] = None
            try:
                request = await asyncio.wait_for(self._read(reader, seen), self.request_timeout)
            except asyncio.TimeoutError:
                LOG.debug("closing a connection that sent no complete request in time")
                response = plain(HTTPStatus.REQUEST_TIMEOUT) if seen[0] else None
            except _Refused as refused:
                response = refused.response
            finally:
                self._waiting.pop(task, None)
            if request is not None:
                response = await loop.run_in_executor(self._executor, self._respond, request)
            if response is None:
                return
            head_only = request is not None and request.method == "HEAD"
            writer.write(response.encode(head_only))
            await asyncio.wait_for(writer.drain(), self.request_timeout)
            LOG.info("%s %s %d", request.method if request else "-",
                     _printable(request.path) if request else "-", response.status.value)
            if response.after is not None:
                delay, work = response.after
                loop.call_later(delay, self._in_pool, work)
        except (asyncio.CancelledError, asyncio.TimeoutError, ConnectionError, OSError):
            pass
        finally:
            self._open.discard(task)
            self._waiting.pop(task, None)
            writer.close()

    def _respond(self, request: Request) -> Response:
        try:
            return respond(request, self.config)
        except Exception as error:  # noqa: BLE001 (answered 500; no request data in logs)
            LOG.error("%s %s failed: %s", request.method, _printable(request.path),
                      type(error).__name__)
            return plain(HTTPStatus.INTERNAL_SERVER_ERROR)

    def _in_pool(self, work: Callable[[], object]) -> None:
        def run() -> None:
            try:
                work()
            except Exception as error:  # noqa: BLE001
                LOG.error("deferred work failed: %s", type(error).__name__)

        with contextlib.suppress(RuntimeError):  # shutting down
            self._executor.submit(run)


async def serve(server: PageServer, hosts: list[str], port: int) -> None:
    """Run ``server`` until cancelled."""
    await server.start(hosts, port)
    LOG.info("serving web/public on http://localhost:%d/ (bound to %s; hosts served: %s; "
             "Rasa on port %d)", port, ", ".join(hosts),
             ", ".join(sorted(server.config.allowed_hosts)), server.config.rasa_port)
    try:
        await asyncio.Event().wait()
    finally:
        await server.close()


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
    except (ValueError, RetentionError) as error:
        parser.error(str(error))
    server = PageServer(config, request_timeout=args.request_timeout,
                        max_connections=args.max_connections)
    hosts = [h.strip() for h in args.host.split(",") if h.strip()]
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(serve(server, hosts, args.port))


if __name__ == "__main__":
    main()
