"""The web page server (bot/services/web.py) over real sockets: which hosts it serves, the
erasure endpoint behind the page's "Delete this conversation", and its limits against
clients that never finish a request. No Rasa needed: the server runs in a thread (to
monkeypatch the erasure) or, where threads and sockets are counted, in a subprocess."""

from __future__ import annotations

import asyncio
import json
import logging
import os
import re
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager, suppress
from pathlib import Path
from typing import Any

import pytest
import requests

from bot.services import retention, web
from bot.services.processes import free_port, terminate, wait_for
from tests.stack import ROOT

SENDER = "0123456789abcdef0123456789abcdef"


def make_config(**changes: Any) -> web.PageConfig:
    settings: dict[str, Any] = {
        "allowed_hosts": web.allowed_hosts(web.DEFAULT_ALLOWED_HOSTS),
        "retention_days": 30, "rasa_port": 5005,
        "endpoints": Path("/nonexistent/endpoints.yml"),
        "forget_again_after": 3600.0,  # the repetition has a test of its own
    }
    settings.update(changes)
    return web.PageConfig(**settings)


@pytest.fixture(autouse=True, scope="module")
def no_knowledge_base() -> Iterator[None]:
    """config.json's facts come from the knowledge base (tested in test_web_channels.py);
    here the server alone is under test."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(web, "page_facts", dict)
        yield


@contextmanager
def page_server(config: web.PageConfig, **limits: Any) -> Iterator[web.PageServer]:
    """A PageServer on a free loopback port, its event loop in a thread."""
    loop = asyncio.new_event_loop()
    server = web.PageServer(config, **limits)
    started = threading.Event()

    def run() -> None:
        asyncio.set_event_loop(loop)
        loop.run_until_complete(server.start(["127.0.0.1"], 0))
        started.set()
        loop.run_forever()

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    assert started.wait(10), "page server did not start"
    try:
        yield server
    finally:
        asyncio.run_coroutine_threadsafe(server.close(), loop).result(10)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(10)
        loop.close()


def exchange(port: int, data: bytes, timeout: float = 10) -> bytes:
    """Send raw bytes, return everything the server sends until it closes."""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as sock:
        sock.sendall(data)
        chunks = []
        while chunk := sock.recv(65536):
            chunks.append(chunk)
    return b"".join(chunks)


def request(port: int, method: str = "GET", path: str = "/", host: bytes | None = None,
            headers: dict[str, str] | None = None, body: bytes = b"") -> bytes:
    host = f"127.0.0.1:{port}".encode() if host is None else host
    lines = [f"{method} {path} HTTP/1.1".encode(), b"Host: " + host]
    lines += [f"{name}: {value}".encode() for name, value in (headers or {}).items()]
    if body or method == "POST":
        lines.append(f"Content-Length: {len(body)}".encode())
    return exchange(port, b"\r\n".join(lines) + b"\r\n\r\n" + body)


def status_of(response: bytes) -> int:
    match = re.match(rb"HTTP/1\.1 (\d{3}) ", response)
    assert match, response[:200]
    return int(match[1])


def header(response: bytes, name: str) -> str | None:
    head = response.split(b"\r\n\r\n", 1)[0].decode("latin-1")
    for line in head.split("\r\n")[1:]:
        key, _, value = line.partition(":")
        if key.lower() == name.lower():
            return value.strip()
    return None


def body_of(response: bytes) -> bytes:
    return response.split(b"\r\n\r\n", 1)[1]


# ---------------------------------------------------------------------------------------
# Hosts

HOSTILE_HOSTS = {
    "semicolon": b"x; script-src *",
    "semicolon after an allowed host": b"localhost; script-src *",
    "source list after a port": b"localhost:8080 'unsafe-inline' evil.example",
    "double quotes": b'"localhost"',
    "single quote": b"localhost'",
    "bare CR": b"localhost\rscript-src *",
    "bare LF": b"localhost\nscript-src *",
    "CRLF and a line without a colon": b"localhost\r\n; script-src *",
    "CRLF and a folded line": b"localhost\r\n script-src *",
    "4 KiB": b"a" * 4096,
    "4 KiB of labels": b"evil." * 820 + b"localhost",
    "IPv6 literal not configured": b"[2001:db8::66]:8080",
    "IPv6 literal unbracketed": b"::1:8080",
    "IPv6 literal unclosed": b"[::1:8080",
    "IPv6 zone id": b"[fe80::1%25eth0]:8080",
    "unicode": "bücher.example".encode(),
    "unicode look-alike": "lоcalhost".encode(),  # Cyrillic o
    "unicode line separator": "localhost\u2028script-src *".encode(),
    "empty": b"",
    "port out of range": b"localhost:99999",
    "user info": b"localhost@evil.example",
    "path": b"localhost/evil",
    "other host": b"evil.example",
}


@pytest.fixture(scope="module")
def served() -> Iterator[web.PageServer]:
    with page_server(make_config()) as server:
        yield server


@pytest.mark.parametrize("path", ["/", "/config.json"])
@pytest.mark.parametrize("name", list(HOSTILE_HOSTS))
def test_hostile_hosts_get_400_and_are_never_echoed(served: web.PageServer, name: str,
                                                    path: str) -> None:
    hostile = HOSTILE_HOSTS[name]
    response = request(served.ports[0], path=path, host=hostile)
    assert status_of(response) == 400, (name, response[:300])
    csp = header(response, "Content-Security-Policy")
    assert csp and "connect-src 'self';" in csp, csp
    for fragment in (hostile, b"script-src *", b"unsafe-inline", b"evil", b"2001:db8",
                     "bücher".encode(), b"socketUrl"):
        if fragment:
            assert fragment not in response, (name, fragment)


def test_missing_or_repeated_host_gets_400(served: web.PageServer) -> None:
    port = served.ports[0]
    assert status_of(exchange(port, b"GET / HTTP/1.1\r\n\r\n")) == 400
    assert status_of(exchange(port, b"GET / HTTP/1.0\r\n\r\n")) == 400
    twice = f"GET / HTTP/1.1\r\nHost: localhost:{port}\r\nHost: evil.example\r\n\r\n"
    response = exchange(port, twice.encode())
    assert status_of(response) == 400 and b"evil" not in response
    absolute = f"GET http://evil.example/ HTTP/1.1\r\nHost: localhost:{port}\r\n\r\n"
    assert status_of(exchange(port, absolute.encode())) == 400


@pytest.mark.parametrize(("host", "rasa"), [
    (b"localhost:8080", "http://localhost:5005"),
    (b"LOCALHOST", "http://localhost:5005"),
    (b"127.0.0.1:8080", "http://127.0.0.1:5005"),
    (b"[::1]:8080", "http://[::1]:5005"),
    (b"[0:0::1]", "http://[::1]:5005"),
])
def test_the_local_names_are_served_by_default(served: web.PageServer, host: bytes,
                                               rasa: str) -> None:
    port = served.ports[0]
    page = request(port, host=host)
    assert status_of(page) == 200 and b"<html" in body_of(page)
    csp = header(page, "Content-Security-Policy")
    assert f"connect-src 'self' {rasa} {rasa.replace('http', 'ws')};" in csp
    config = request(port, path="/config.json", host=host)
    assert json.loads(body_of(config))["socketUrl"] == rasa


def test_operator_names_the_hosts_and_the_public_url_host_is_added() -> None:
    config = make_config(
        allowed_hosts=web.allowed_hosts("chat.gera.de, 10.0.0.7,::1",
                                        "https://Bot.Gera.de/rasa/"),
        rasa_public_url="https://Bot.Gera.de/rasa/")
    assert config.allowed_hosts == {"chat.gera.de", "10.0.0.7", "::1", "bot.gera.de"}
    with page_server(config) as server:
        port = server.ports[0]
        for host in (b"chat.gera.de", b"bot.gera.de", b"10.0.0.7:8080", b"[::1]"):
            response = request(port, path="/config.json", host=host)
            assert status_of(response) == 200, host
            assert json.loads(body_of(response))["socketUrl"] == "https://bot.gera.de"
            assert "connect-src 'self' https://bot.gera.de wss://bot.gera.de;" in header(
                response, "Content-Security-Policy")
        for host in (b"localhost", b"127.0.0.1", b"evil.gera.de", b"gera.de"):
            assert status_of(request(port, host=host)) == 400, host


@pytest.mark.parametrize("spec", ["localhost:8080", "*", "x;y", "evil.example/", ",", "",
                                  "[::1]:80", "bücher.de"])
def test_allowed_hosts_setting_rejects_what_is_not_a_host(spec: str) -> None:
    with pytest.raises(ValueError):
        web.allowed_hosts(spec)


def test_public_url_must_be_an_http_origin() -> None:
    for url in ("ftp://bot.gera.de", "https://user:pw@bot.gera.de", "bot.gera.de"):
        with pytest.raises(ValueError):
            web.allowed_hosts("localhost", url)


def test_config_json_states_the_configured_retention_period() -> None:
    with page_server(make_config(retention_days=7)) as server:
        response = request(server.ports[0], path="/config.json")
    assert json.loads(body_of(response))["retentionDays"] == 7


# ---------------------------------------------------------------------------------------
# POST /api/forget


class FakeForget:
    """Stands in for retention.forget (the storage is tested in tests/test_retention.py)."""

    def __init__(self, deleted: int = 3, error: Exception | None = None) -> None:
        self.calls: list[tuple[str, Path]] = []
        self.deleted, self.error = deleted, error

    def __call__(self, sender_id: str, endpoints: Path = ROOT / "endpoints.yml") -> int:
        self.calls.append((sender_id, endpoints))
        if self.error:
            raise self.error
        return self.deleted


@pytest.fixture
def fake_forget(monkeypatch: pytest.MonkeyPatch) -> FakeForget:
    fake = FakeForget()
    monkeypatch.setattr(retention, "forget", fake, raising=False)
    return fake


def forget(port: int, body: object = None, *, raw: bytes | None = None,
           origin: str | None = "same", content_type: str | None = "application/json",
           host: bytes | None = None, extra: dict[str, str] | None = None,
           method: str = "POST") -> bytes:
    headers: dict[str, str] = {}
    if origin is not None:
        headers["Origin"] = f"http://localhost:{port}" if origin == "same" else origin
    if content_type is not None:
        headers["Content-Type"] = content_type
    headers.update(extra or {})
    payload = raw if raw is not None else json.dumps(
        {"sender": SENDER} if body is None else body).encode()
    return request(port, method, web.FORGET_PATH, host=host or f"localhost:{port}".encode(),
                   headers=headers, body=payload)


def test_forget_erases_the_conversation_it_names(served: web.PageServer,
                                                 fake_forget: FakeForget) -> None:
    port = served.ports[0]
    response = forget(port, extra={"Sec-Fetch-Site": "same-origin"})
    assert status_of(response) == 200
    assert header(response, "Content-Type").startswith("application/json")
    assert json.loads(body_of(response)) == {"deleted": 3}
    assert fake_forget.calls == [(SENDER, served.config.endpoints)]
    charset = forget(port, content_type="application/json; charset=utf-8")
    assert status_of(charset) == 200


def test_forget_is_repeated_for_a_turn_that_was_still_running(
        fake_forget: FakeForget) -> None:
    with page_server(make_config(forget_again_after=0.2)) as server:
        assert status_of(forget(server.ports[0])) == 200
        deadline = time.monotonic() + 5
        while len(fake_forget.calls) < 2 and time.monotonic() < deadline:
            time.sleep(0.05)
    assert [sender for sender, _ in fake_forget.calls] == [SENDER, SENDER]


@pytest.mark.parametrize(("origin", "extra"), [
    (None, {}),  # no Origin: not a request the page makes
    ("null", {}),
    ("http://evil.example", {}),
    ("http://evil.example:{port}", {}),
    ("http://127.0.0.1:{port}", {}),  # allowed host, but not the page's origin
    ("http://localhost:1", {}),
    ("http://localhost:{port}/", {}),
    ("http://localhost:{port}; script-src *", {}),
    ("same", {"Sec-Fetch-Site": "cross-site"}),
    ("same", {"Sec-Fetch-Site": "same-site"}),
])
def test_forget_refuses_other_origins(served: web.PageServer, fake_forget: FakeForget,
                                      origin: str | None, extra: dict[str, str]) -> None:
    port = served.ports[0]
    origin = origin.format(port=port) if origin else origin
    response = forget(port, origin=origin, extra=extra)
    assert status_of(response) == 403, response
    assert fake_forget.calls == []


def test_forget_behind_a_tls_proxy_compares_default_ports(fake_forget: FakeForget) -> None:
    config = make_config(allowed_hosts=web.allowed_hosts("chat.gera.de"))
    with page_server(config) as server:
        port = server.ports[0]
        ok = forget(port, origin="https://chat.gera.de", host=b"chat.gera.de")
        other_port = forget(port, origin="https://chat.gera.de:8443", host=b"chat.gera.de")
        hostile = forget(port, origin="https://chat.gera.de", host=b"x; script-src *")
    assert status_of(ok) == 200
    assert status_of(other_port) == 403
    assert status_of(hostile) == 400
    assert len(fake_forget.calls) == 1


@pytest.mark.parametrize(("body", "status"), [
    ({"sender": "abc"}, 400),
    ({"sender": SENDER.upper()}, 400),
    ({"sender": SENDER + "0"}, 400),
    ({"sender": SENDER[:-1] + "\n"}, 400),
    ({"sender": "../" + SENDER[3:]}, 400),
    ({"sender": 12345}, 400),
    ({"sender": [SENDER]}, 400),
    ({"sender": SENDER, "also": "x"}, 400),
    ({}, 400),
    ([SENDER], 400),
    ("sender", 400),
])
def test_forget_validates_the_sender_id(served: web.PageServer, fake_forget: FakeForget,
                                        body: object, status: int) -> None:
    assert status_of(forget(served.ports[0], body)) == status
    assert fake_forget.calls == []


@pytest.mark.parametrize(("kwargs", "status"), [
    ({"content_type": None}, 415),
    ({"content_type": "text/plain"}, 415),
    ({"content_type": "application/x-www-form-urlencoded"}, 415),
    ({"content_type": "multipart/form-data; boundary=x"}, 415),
    ({"raw": b"sender=" + SENDER.encode()}, 400),
    ({"raw": b"{\"sender\": "}, 400),
    ({"raw": b"\xff\xfe{}"}, 400),
    ({"raw": b""}, 400),
    ({"method": "GET"}, 405),
    ({"method": "PUT"}, 405),
    ({"method": "DELETE"}, 405),
    ({"method": "OPTIONS"}, 405),
])
def test_forget_refuses_what_the_page_does_not_send(served: web.PageServer,
                                                    fake_forget: FakeForget,
                                                    kwargs: dict[str, Any],
                                                    status: int) -> None:
    response = forget(served.ports[0], **kwargs)
    assert status_of(response) == status, response
    if status == 405:
        assert header(response, "Allow") == "POST"
    assert fake_forget.calls == []


def test_forget_body_is_capped(served: web.PageServer, fake_forget: FakeForget) -> None:
    port = served.ports[0]
    head = (f"POST {web.FORGET_PATH} HTTP/1.1\r\nHost: localhost:{port}\r\n"
            f"Origin: http://localhost:{port}\r\nContent-Type: application/json\r\n")
    big = exchange(port, (head + "Content-Length: 5000\r\n\r\n").encode())
    assert status_of(big) == 413
    chunked = exchange(port, (head + "Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n").encode())
    assert status_of(chunked) == 411
    assert fake_forget.calls == []


def test_other_paths_take_no_post(served: web.PageServer, fake_forget: FakeForget) -> None:
    port = served.ports[0]
    response = request(port, "POST", "/", headers={"Origin": f"http://127.0.0.1:{port}"})
    assert status_of(response) == 405 and header(response, "Allow") == "GET, HEAD"
    assert fake_forget.calls == []


def test_forget_logs_no_sender_and_fails_closed(monkeypatch: pytest.MonkeyPatch,
                                               caplog: pytest.LogCaptureFixture) -> None:
    failing = FakeForget(error=RuntimeError(f"database said no about {SENDER}"))
    monkeypatch.setattr(retention, "forget", failing, raising=False)
    caplog.set_level(logging.DEBUG, logger=web.__name__)
    with page_server(make_config()) as server:
        response = forget(server.ports[0])
    assert status_of(response) == 500
    assert SENDER.encode() not in response and b"database" not in response
    assert failing.calls and "RuntimeError" in caplog.text
    assert SENDER not in caplog.text


def test_forget_success_logs_no_sender(served: web.PageServer, fake_forget: FakeForget,
                                       caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG, logger=web.__name__)
    assert status_of(forget(served.ports[0])) == 200
    assert "erased a conversation" in caplog.text and SENDER not in caplog.text


# ---------------------------------------------------------------------------------------
# Limits: the server in a subprocess, where its threads and sockets can be counted


class ServerProcess:
    def __init__(self, *args: str, env: dict[str, str] | None = None) -> None:
        self.port = free_port()
        environment = {key: value for key, value in os.environ.items()
                       if key not in ("WEB_HOST", web.ALLOWED_HOSTS_VARIABLE,
                                      "RASA_PUBLIC_URL", retention.DAYS_VARIABLE)}
        environment.update(env or {})
        self.process = subprocess.Popen(
            [sys.executable, "-m", "bot.services.web", "--port", str(self.port), *args],
            cwd=ROOT, env=environment, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        try:
            wait_for(f"http://127.0.0.1:{self.port}/healthz", 30, self.process)
        except BaseException:
            self.stop()
            raise

    def threads(self) -> int:
        status = Path(f"/proc/{self.process.pid}/status").read_text()
        return int(re.search(r"^Threads:\s+(\d+)", status, re.MULTILINE)[1])

    def sockets(self) -> int:
        fds = Path(f"/proc/{self.process.pid}/fd")
        count = 0
        for fd in fds.iterdir():
            with suppress(FileNotFoundError):
                count += os.readlink(fd).startswith("socket:")
        return count

    def listening(self) -> set[str]:
        """Local addresses with a listening socket on our port (from /proc/net/tcp*)."""
        found = set()
        for table, width in (("tcp", 8), ("tcp6", 32)):
            for line in Path(f"/proc/{self.process.pid}/net/{table}").read_text().splitlines()[1:]:
                local, state = line.split()[1], line.split()[3]
                address, port = local.split(":")
                if state == "0A" and int(port, 16) == self.port:
                    raw = bytes.fromhex(address)
                    if width == 8:
                        found.add(socket.inet_ntop(socket.AF_INET, raw[::-1]))
                    else:
                        words = b"".join(raw[i:i + 4][::-1] for i in range(0, 16, 4))
                        found.add(socket.inet_ntop(socket.AF_INET6, words))
        return found

    def stop(self) -> None:
        terminate(self.process, grace=10)


@contextmanager
def server_process(*args: str, env: dict[str, str] | None = None) -> Iterator[ServerProcess]:
    server = ServerProcess(*args, env=env)
    try:
        yield server
    finally:
        server.stop()


HALF_REQUEST = b"GET / HTTP/1.1\r\nHost: localhost\r\nUser-Agent: half"


def test_half_sent_request_is_closed_within_the_timeout() -> None:
    with server_process("--request-timeout", "1") as server, \
            socket.create_connection(("127.0.0.1", server.port), timeout=10) as sock:
        sock.sendall(HALF_REQUEST)
        started = time.monotonic()
        answer = sock.recv(65536)
        while chunk := sock.recv(65536):
            answer += chunk
        elapsed = time.monotonic() - started
    assert answer.startswith(b"HTTP/1.1 408 "), answer[:100]
    assert elapsed < 2.5, f"held {elapsed:.1f} s with a 1 s timeout"


def test_trickled_request_is_closed_at_its_deadline() -> None:
    """A byte every 0.2 s never lets a per-read timeout fire; the request's deadline does."""
    with server_process("--request-timeout", "1") as server, \
            socket.create_connection(("127.0.0.1", server.port), timeout=10) as sock:
        started = time.monotonic()
        with pytest.raises(OSError):  # the server closed: EPIPE / ECONNRESET
            for byte in HALF_REQUEST * 10:
                sock.sendall(bytes([byte]))
                time.sleep(0.2)
                if time.monotonic() - started > 5:
                    break
        elapsed = time.monotonic() - started
    assert elapsed < 3, f"trickling client held for {elapsed:.1f} s"


def test_header_block_is_capped() -> None:
    with server_process() as server:
        big = b"GET / HTTP/1.1\r\nHost: localhost\r\nX-Big: " + b"a" * 9000 + b"\r\n\r\n"
        response = exchange(server.port, big)
        endless = exchange(server.port, b"GET / HTTP/1.1\r\nX: " + b"a" * 20000)
    assert status_of(response) == 431
    assert status_of(endless) == 431


def test_500_half_sent_requests_neither_pile_up_nor_block_a_page_load() -> None:
    cap = 64
    with server_process("--request-timeout", "30", "--max-connections", str(cap)) as server, \
            ExitStack() as stack:
        baseline = server.threads(), server.sockets()
        held = []
        for _ in range(500):
            sock = stack.enter_context(
                socket.create_connection(("127.0.0.1", server.port), timeout=10))
            sock.sendall(HALF_REQUEST)
            held.append(sock)
        time.sleep(1)
        threads, sockets = server.threads(), server.sockets()
        started = time.monotonic()
        page = requests.get(f"http://127.0.0.1:{server.port}/", timeout=2)
        elapsed = time.monotonic() - started
        after = server.threads(), server.sockets()
    assert page.status_code == 200 and "<html" in page.text
    assert elapsed < 2
    print(f"threads {baseline[0]} -> {threads}, {after[0]}; "
          f"sockets {baseline[1]} -> {sockets}, {after[1]}")
    assert threads <= baseline[0] + web.WORKERS, (baseline, threads)
    assert max(threads, after[0]) < cap
    # Sockets: the listening one and the event loop's self-pipe, plus at most `cap` clients.
    assert sockets <= baseline[1] + cap, (baseline, sockets)
    assert after[1] <= baseline[1] + cap, (baseline, after)


def test_binds_loopback_unless_the_operator_says_otherwise() -> None:
    with server_process() as server:
        default = server.listening()
    assert default and default <= {"127.0.0.1", "::1"}, default
    with server_process(env={"WEB_HOST": "0.0.0.0"}) as server:
        everywhere = server.listening()
    assert everywhere == {"0.0.0.0"}


def test_settings_come_from_the_environment() -> None:
    env = {web.ALLOWED_HOSTS_VARIABLE: "chat.gera.de", retention.DAYS_VARIABLE: "7"}
    with server_process("--host", "127.0.0.1", env=env) as server:
        response = request(server.port, path="/config.json", host=b"chat.gera.de")
        local = request(server.port, path="/config.json", host=b"localhost")
    assert json.loads(body_of(response))["retentionDays"] == 7
    assert status_of(local) == 400


def test_bad_settings_stop_the_server() -> None:
    for env in ({web.ALLOWED_HOSTS_VARIABLE: "localhost;script-src *"},
                {retention.DAYS_VARIABLE: "a month"},
                {"RASA_PUBLIC_URL": "javascript:alert(1)"}):
        result = subprocess.run(
            [sys.executable, "-m", "bot.services.web", "--port", str(free_port())],
            cwd=ROOT, env={**os.environ, **env}, capture_output=True, text=True, timeout=30)
        assert result.returncode == 2, (env, result.stderr)


def test_one_process_serves_the_console_on_its_port_with_the_same_limits() -> None:
    console_port = free_port()
    env = {"SMARTCITY_CONSOLE_PORT": str(console_port), "SMARTCITY_CONSOLE_SECRET": "c" * 48}
    with server_process("--console", "--request-timeout", "1", env=env) as server:
        login = requests.get(f"http://127.0.0.1:{console_port}/login", timeout=10)
        not_the_console = requests.get(f"http://127.0.0.1:{server.port}/login", timeout=10)
        hostile = request(console_port, path="/login", host=b"evil.example")
        with socket.create_connection(("127.0.0.1", console_port), timeout=10) as sock:
            sock.sendall(HALF_REQUEST)
            started = time.monotonic()
            answer = b"".join(iter(lambda: sock.recv(65536), b""))
            elapsed = time.monotonic() - started
    assert login.status_code == 200 and 'name="csrf_token"' in login.text
    assert login.headers["Cache-Control"] == "no-store"
    assert "connect-src 'self';" in login.headers["Content-Security-Policy"]
    assert not_the_console.status_code == 404
    assert status_of(hostile) == 400 and b"evil" not in hostile
    assert answer.startswith(b"HTTP/1.1 408 ") and elapsed < 2.5, (answer[:100], elapsed)
