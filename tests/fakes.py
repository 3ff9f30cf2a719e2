"""Stand-ins that the channel and mail tests share, none of them needing the internet:

- ``JsonApi`` and its three messengers' APIs on a loopback port (Telegram's Bot API, Meta's
  Graph API, Rocket.Chat's REST API), each recording the bot's calls;
- ``ChannelServer``: a Rasa input channel's Sanic blueprint served in this process, with a
  recording ``on_new_message`` in place of Rasa's agent;
- ``Inbox`` and ``smtp_server``: a local SMTP server (aiosmtpd) keeping every mail it gets.
"""

from __future__ import annotations

import asyncio
import json
import socket
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from email.parser import BytesParser
from email.policy import HTTP
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any, TypeVar
from urllib.parse import parse_qs, urljoin, urlsplit

import requests
from aiosmtpd.controller import Controller
from rasa.core.channels.channel import InputChannel, UserMessage
from sanic import Sanic

from bot.services.processes import free_port

Api = TypeVar("Api", bound="JsonApi")


def parse_form(content_type: str, body: bytes) -> dict[str, str]:
    """Form fields of a bot's API request (urlencoded, multipart or JSON)."""
    if content_type.startswith("multipart/"):
        message = BytesParser(policy=HTTP).parsebytes(
            f"Content-Type: {content_type}\r\n\r\n".encode() + body
        )
        return {
            part.get_param("name", header="content-disposition"): part.get_content()
            for part in message.iter_parts()
        }
    if content_type.startswith("application/json"):
        return {k: str(v) for k, v in json.loads(body or b"{}").items()}
    return {k: v[0] for k, v in parse_qs(body.decode()).items()}


class JsonApi:
    """A JSON API on a loopback port, served from a thread until ``close``: every request of
    one of ``methods`` is answered with status 200 and what ``answer`` returns as JSON."""

    methods: tuple[str, ...] = ("POST",)

    def __init__(self) -> None:
        api = self

        class Handler(BaseHTTPRequestHandler):
            def serve(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                result = api.answer(self.path, self.headers.get("Content-Type", ""), body)
                data = json.dumps(result).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, format: str, *args: object) -> None:  # noqa: A002
                pass

        for method in self.methods:
            setattr(Handler, f"do_{method}", Handler.serve)
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def answer(self, path: str, content_type: str, body: bytes) -> object:
        """Record the call and return the JSON answer."""
        raise NotImplementedError

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def __enter__(self: Api) -> Api:
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 trace: TracebackType | None) -> None:
        self.close()


class FakeTelegramApi(JsonApi):
    """A local Telegram Bot API: answers getMe/setWebhook/sendMessage and records calls."""

    methods = ("GET", "POST")

    def __init__(self, token: str, bot_name: str) -> None:
        self.token, self.bot_name = token, bot_name
        self.calls: list[tuple[str, dict[str, str]]] = []
        super().__init__()
        self.base = self.url

    def answer(self, path: str, content_type: str, body: bytes) -> object:
        _, bot, method = path.split("/", 2)
        assert bot == f"bot{self.token}", path
        fields = parse_form(content_type, body)
        self.calls.append((method, fields))
        return {"ok": True, "result": self.result(method, fields)}

    def result(self, method: str, fields: dict[str, str]) -> object:
        if method == "getMe":
            return {"id": 123456, "is_bot": True, "first_name": "Gera",
                    "username": self.bot_name}
        if method == "sendMessage":
            return {"message_id": 7, "date": int(time.time()), "text": fields.get("text", ""),
                    "chat": {"id": int(fields["chat_id"]), "type": "private"}}
        return True

    def sent(self) -> list[dict[str, str]]:
        return [fields for method, fields in self.calls if method == "sendMessage"]


class FakeGraphApi(JsonApi):
    """A loopback Graph API: answers the Send API (``POST .../me/messages``) and records each
    call's path, query (the page token) and JSON body."""

    def __init__(self) -> None:
        self.calls: list[dict[str, Any]] = []
        super().__init__()
        self.base = f"{self.url}/v2.12"

    def answer(self, path: str, content_type: str, body: bytes) -> object:
        url = urlsplit(path)
        self.calls.append({"path": url.path, "query": parse_qs(url.query),
                           "json": json.loads(body or b"{}")})
        return {"recipient_id": "x", "message_id": "mid.1"}

    def messages(self, psid: str | None = None) -> list[dict]:
        """The messages sent (not the typing/seen sender actions), to ``psid`` if given."""
        return [call["json"] for call in self.calls
                if "message" in call["json"]
                and (psid is None or call["json"]["recipient"]["id"] == psid)]


class FakeRocketChat(JsonApi):
    """A local Rocket.Chat REST API: answers login and chat.postMessage, records calls."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, dict[str, str]]] = []
        super().__init__()

    def answer(self, path: str, content_type: str, body: bytes) -> object:
        method = path.removeprefix("/api/v1/")
        self.calls.append((method, parse_form(content_type, body)))
        if method == "login":
            return {"status": "success", "data": {"authToken": "t", "userId": "b"}}
        return {"success": True}

    def posted(self) -> list[dict[str, str]]:
        return [fields for method, fields in self.calls if method == "chat.postMessage"]


class ChannelServer:
    """A Rasa input channel's Sanic blueprint served in this process, mounted as Rasa mounts it
    (``/webhooks/<name>/``), with a recording ``on_new_message`` in place of Rasa's agent.

    ``on_new_message`` is the only way into Rasa's processing (tracker, NLU, reply): a request
    that does not reach ``received`` changes no tracker and gets no reply. A message that does
    is answered with ``reply`` through the channel's own output channel, as the agent would."""

    def __init__(self, channel: InputChannel, reply: str = "Antwort") -> None:
        self.received: list[UserMessage] = []

        async def on_new_message(message: UserMessage) -> None:
            self.received.append(message)
            await message.output_channel.send_text_message(message.sender_id, reply)

        # Built here, outside the server's loop: Telegram registers its webhook with
        # asyncio.run when its blueprint is made, as in Rasa's start-up.
        # Test mode, as sanic-testing sets it: Sanic 21.12 rewrites its HTTP protocol class at
        # an app's start-up and fails on the second app of a process unless it is on.
        Sanic.test_mode = True
        app = Sanic(f"channel_test_{uuid.uuid4().hex}")
        app.blueprint(channel.blueprint(on_new_message),
                      url_prefix=urljoin("/webhooks/", channel.url_prefix()))
        sock = socket.socket()
        sock.bind(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{sock.getsockname()[1]}/webhooks/{channel.url_prefix()}"
        self.loop = asyncio.new_event_loop()
        started = threading.Event()

        def serve() -> None:
            asyncio.set_event_loop(self.loop)
            server = self.loop.run_until_complete(
                app.create_server(sock=sock, return_asyncio_server=True, access_log=False))
            self.loop.run_until_complete(server.startup())
            started.set()
            self.loop.run_forever()
            self.loop.run_until_complete(server.close())
            self.loop.close()

        self.thread = threading.Thread(target=serve, daemon=True)
        self.thread.start()
        assert started.wait(30), "the channel's Sanic server did not start"

    def post(self, path: str, **kwargs: Any) -> requests.Response:
        return requests.post(f"{self.url}/{path}", timeout=30, **kwargs)

    def health(self) -> tuple[int, Any]:
        """The status and JSON body of the channel's health check (``GET /webhooks/<name>/``)."""
        response = requests.get(f"{self.url}/", timeout=10)
        return response.status_code, response.json()

    def close(self) -> None:
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(30)

    def __enter__(self) -> ChannelServer:
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 trace: TracebackType | None) -> None:
        self.close()


class Inbox:
    """aiosmtpd handler that keeps every message it is given."""

    def __init__(self) -> None:
        self.envelopes: list = []

    async def handle_DATA(self, server, session, envelope) -> str:  # noqa: N802 (aiosmtpd)
        self.envelopes.append(envelope)
        return "250 Message accepted"

    def wait_for(self, count: int, timeout: float = 60) -> list:
        """The messages, once there are ``count`` of them or ``timeout`` seconds passed."""
        deadline = time.monotonic() + timeout
        while len(self.envelopes) < count and time.monotonic() < deadline:
            time.sleep(0.2)
        return self.envelopes


@contextmanager
def smtp_server() -> Iterator[tuple[Controller, Inbox]]:
    """A local SMTP server on a spare loopback port, and the inbox it delivers to."""
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    try:
        yield controller, inbox
    finally:
        controller.stop()
