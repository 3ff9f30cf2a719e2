"""uvicorn, hardened for a public page: the limits its own options do not give.

The web app (bot/services/web.py: the chat page and the office console) is served by uvicorn
with :func:`protocol`, a subclass of uvicorn's h11 protocol, per server:

- every connection must deliver its complete request (head and body) within
  ``request_timeout`` seconds of connecting, however slowly it trickles: then it gets 408
  (nothing if it sent nothing) and is closed;
- the header block is at most ``max_header_bytes`` (431, also for one that never ends);
- at most ``max_connections`` are open; at the cap the oldest one that has not finished its
  request is closed to make room (a new one is refused only if every open one is served);
- one request per connection (the app says ``Connection: close``), and a response the client
  is not taking is given up (checked every ``request_timeout`` seconds after the request);
- requests h11 cannot parse get the app's plain 400 with its security headers.

Body size and hosts are the application's (Starlette middleware in bot/services/web.py).
Blocking work runs in anyio's thread pool, limited to ``workers`` threads.
"""

from __future__ import annotations

import asyncio
import logging
import socket
from collections.abc import Callable
from dataclasses import dataclass
from http import HTTPStatus
from typing import Any

import uvicorn
from uvicorn.protocols.http.h11_impl import H11Protocol

LOG = logging.getLogger(__name__)

REQUEST_TIMEOUT = 5.0
MAX_CONNECTIONS = 256
MAX_HEADER_BYTES = 8192
WORKERS = 8

#: A complete response for a status the app did not produce (408, 431, 400 from h11).
Refusal = Callable[[HTTPStatus], bytes]


@dataclass(frozen=True)
class Limits:
    request_timeout: float = REQUEST_TIMEOUT
    max_connections: int = MAX_CONNECTIONS
    max_header_bytes: int = MAX_HEADER_BYTES
    workers: int = WORKERS


class HardenedProtocol(H11Protocol):
    """uvicorn's h11 protocol with a deadline per request, a header-block cap and a
    connection cap. :func:`protocol` makes a subclass per server (its own registry)."""

    limits: Limits = Limits()
    refusal: Refusal
    #: Open connections; those still receiving their request, oldest first (dicts keep order).
    open: set[HardenedProtocol]
    unfinished: dict[HardenedProtocol, None]

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        cls = type(self)
        if len(cls.open) >= self.limits.max_connections:
            if not cls.unfinished:
                transport.abort()
                return
            oldest = next(iter(cls.unfinished))
            oldest.forget()
            oldest.transport.abort()
        super().connection_made(transport)
        cls.open.add(self)
        cls.unfinished[self] = None
        self.head = bytearray()  # the header block until its end was seen
        self.head_done = False
        self.seen = False
        self.timer: asyncio.TimerHandle | None = self.loop.call_later(
            self.limits.request_timeout, self.deadline)

    def forget(self) -> None:
        type(self).open.discard(self)
        self.finished()

    def finished(self) -> None:
        """The request is complete (or given up): no longer a candidate for eviction."""
        type(self).unfinished.pop(self, None)
        if self.timer is not None:
            self.timer.cancel()
            self.timer = None

    def connection_lost(self, exc: Exception | None) -> None:
        if self.transport is None:  # refused in connection_made
            return
        self.forget()
        super().connection_lost(exc)

    def data_received(self, data: bytes) -> None:
        self.seen = True
        if not self.head_done:
            self.head += data
            end = self.head.find(b"\r\n\r\n")
            if (end if end >= 0 else len(self.head)) > self.limits.max_header_bytes:
                self.refuse(HTTPStatus.REQUEST_HEADER_FIELDS_TOO_LARGE)
                return
            if end >= 0:
                self.head_done, self.head = True, bytearray()
        super().data_received(data)
        if self.cycle is not None:
            self.cycle.keep_alive = False  # one request per connection
            if not self.cycle.more_body and self in type(self).unfinished:
                self.finished()
                self.timer = self.loop.call_later(self.limits.request_timeout,
                                                  self.response_deadline)

    def deadline(self) -> None:
        """The request was not complete in time: 408 (if it began) and close."""
        self.timer = None
        if self.transport.is_closing():
            return
        LOG.debug("closing a connection that sent no complete request in time")
        if self.seen and (self.cycle is None or not self.cycle.response_started):
            self.refuse(HTTPStatus.REQUEST_TIMEOUT)
        else:
            self.transport.close()

    def response_deadline(self) -> None:
        """Every ``request_timeout`` seconds after the request: a response the client is not
        taking (writing blocked, or closing with data left) is given up."""
        self.timer = None
        transport = self.transport
        if transport.get_write_buffer_size() and (self.flow.write_paused
                                                  or transport.is_closing()):
            transport.abort()
        elif not transport.is_closing():  # still being computed or written
            self.timer = self.loop.call_later(self.limits.request_timeout,
                                              self.response_deadline)

    def refuse(self, status: HTTPStatus) -> None:
        """Answer ``status`` (never anything from the request) and close."""
        self.finished()
        if self.cycle is not None:  # the app waits for a body that will not come
            self.cycle.disconnected = True
            self.cycle.message_event.set()
        self.transport.write(self.refusal(status))
        self.transport.close()

    def send_400_response(self, msg: str) -> None:
        self.refuse(HTTPStatus.BAD_REQUEST)


def protocol(limits: Limits, refusal: Refusal) -> type[HardenedProtocol]:
    """A protocol class for one server, with its own connection registry."""
    namespace: dict[str, Any] = {"limits": limits, "refusal": staticmethod(refusal),
                                 "open": set(), "unfinished": {}}
    return type("Protocol", (HardenedProtocol,), namespace)


def bind(hosts: list[str], port: int) -> list[socket.socket]:
    """Listening sockets for every address of ``hosts`` on ``port`` (0: one free port for
    all, as asyncio's ``start_server`` does)."""
    sockets: list[socket.socket] = []
    try:
        for host in hosts:
            for family, kind, proto, _, address in socket.getaddrinfo(
                    host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE):
                if any(s.getsockname()[:2] == address[:2] for s in sockets):
                    continue
                sock = socket.socket(family, kind, proto)
                sockets.append(sock)
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
                if family == socket.AF_INET6:
                    sock.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
                sock.bind(address)
                sock.listen(2048)
                sock.setblocking(False)
                port = port or sock.getsockname()[1]
    except OSError:
        for sock in sockets:
            sock.close()
        raise
    return sockets


class HardenedServer:
    """uvicorn serving ``app`` on sockets bound by :func:`bind`, with :func:`protocol`."""

    def __init__(self, app: Any, refusal: Refusal, limits: Limits = Limits()) -> None:
        self.limits = limits
        config = uvicorn.Config(
            app, http=protocol(limits, refusal), ws="none", lifespan="off", log_config=None,
            server_header=False, proxy_headers=False, timeout_graceful_shutdown=5)
        config.load()
        self.protocol: type[HardenedProtocol] = config.http_protocol_class  # type: ignore
        self.server = uvicorn.Server(config)
        self.server.lifespan = config.lifespan_class(config)
        self.sockets: list[socket.socket] = []

    @property
    def ports(self) -> list[int]:
        return sorted({sock.getsockname()[1] for sock in self.sockets})

    @property
    def open_connections(self) -> int:
        return len(self.protocol.open)

    async def _threads(self) -> None:
        import anyio.to_thread

        anyio.to_thread.current_default_thread_limiter().total_tokens = self.limits.workers

    async def start_on(self, sockets: list[socket.socket]) -> None:
        """Serve on ``sockets`` (tests: in a running loop; see :meth:`serve` for a process)."""
        self.sockets = sockets
        await self._threads()
        await self.server.startup(sockets=sockets)

    async def close(self) -> None:
        await self.server.shutdown(sockets=self.sockets)

    async def serve(self, sockets: list[socket.socket]) -> None:
        """Serve until SIGINT or SIGTERM (uvicorn's signal handling)."""
        self.sockets = sockets
        await self._threads()
        await self.server.serve(sockets=sockets)
