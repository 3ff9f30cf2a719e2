"""Telegram channel without internet; the bot's outgoing Bot API calls go to a local fake API
server (the project's Telegram channel, bot/plugins/telegram_channel.py, takes the API base URL
as ``api_base``), which records them.

- In process (no model): the channel's Sanic blueprint, mounted as Rasa mounts it, with a
  recording ``on_new_message`` in place of Rasa's agent. Forged updates (no or a wrong
  ``X-Telegram-Bot-Api-Secret-Token``) get 403 and never reach it: Rasa would neither change a
  tracker nor reply. ``ChannelServer`` is shared with tests/test_rocketchat.py.
- End to end (``stack``): Rasa with the trained model answers a recorded update
  (tests/data/telegram_update_de.json) in German; forged ones leave the tracker as it was.
"""

from __future__ import annotations

import asyncio
import json
import socket
import subprocess
import threading
import time
import uuid
from collections.abc import Iterator
from email.parser import BytesParser
from email.policy import HTTP
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urljoin

import pytest
import requests
from rasa.core.channels.channel import InputChannel, UserMessage
from rasa.shared.exceptions import RasaException
from sanic import Sanic

from bot.plugins.telegram_channel import TelegramInput
from bot.services.processes import free_port, wait_for
from tests.stack import MODEL, ROOT, VENV_BIN, ActionServer

TOKEN = "123456:TEST-token-for-the-local-fake"
BOT_NAME = "gera_test_bot"
SECRET = "gera-test_webhook-secret-0123456789"
WEBHOOK_URL = "https://assistant.example.invalid/webhooks/telegram/webhook"
#: The header in which Telegram sends the webhook secret (Bot API, setWebhook).
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
UPDATE = ROOT / "tests" / "data" / "telegram_update_de.json"


def parse_form(content_type: str, body: bytes) -> dict[str, str]:
    """Form fields of an aiogram request (urlencoded or multipart)."""
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


class FakeTelegramApi:
    """A local Telegram Bot API: answers getMe/setWebhook/sendMessage and records calls."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, dict[str, str]]] = []
        api = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802
                _, bot, method = self.path.split("/", 2)
                assert bot == f"bot{TOKEN}", self.path
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                fields = parse_form(self.headers.get("Content-Type", ""), body)
                api.calls.append((method, fields))
                self._reply(api.result(method, fields))

            do_GET = do_POST  # noqa: N815

            def _reply(self, result: object) -> None:
                data = json.dumps({"ok": True, "result": result}).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, format: str, *args: object) -> None:  # noqa: A002
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.base = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    @staticmethod
    def result(method: str, fields: dict[str, str]) -> object:
        if method == "getMe":
            return {"id": 123456, "is_bot": True, "first_name": "Gera", "username": BOT_NAME}
        if method == "sendMessage":
            return {"message_id": 7, "date": int(time.time()), "text": fields.get("text", ""),
                    "chat": {"id": int(fields["chat_id"]), "type": "private"}}
        return True

    def sent(self) -> list[dict[str, str]]:
        return [fields for method, fields in self.calls if method == "sendMessage"]

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


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

    def close(self) -> None:
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(30)


def secret_headers(secret: str) -> dict[str, str]:
    return {SECRET_HEADER: secret}


@pytest.fixture(scope="module")
def fake_api() -> Iterator[FakeTelegramApi]:
    api = FakeTelegramApi()
    yield api
    api.close()


@pytest.fixture(scope="module")
def telegram(fake_api: FakeTelegramApi) -> Iterator[ChannelServer]:
    """The project's Telegram channel in process, started from credentials as Rasa does."""
    channel = TelegramInput.from_credentials({
        "access_token": TOKEN, "verify": BOT_NAME, "webhook_url": WEBHOOK_URL,
        "secret_token": SECRET, "api_base": fake_api.base,
    })
    server = ChannelServer(channel)
    yield server
    server.close()


def test_webhook_is_registered_with_the_secret(
    telegram: ChannelServer, fake_api: FakeTelegramApi
) -> None:
    hooks = [fields for method, fields in fake_api.calls if method == "setWebhook"]
    assert hooks == [{"url": WEBHOOK_URL, "secret_token": SECRET}]


@pytest.mark.parametrize("headers", [
    {},
    secret_headers(""),
    secret_headers("wrong-secret"),
    secret_headers(SECRET[:-1]),
    secret_headers(SECRET + "x"),
    secret_headers(SECRET.upper()),
    {"X-Telegram-Bot-Api-Secret": SECRET},  # not the header Telegram sends
], ids=["none", "empty", "wrong", "prefix", "longer", "case", "other-header"])
def test_forged_update_is_refused_unprocessed(
    telegram: ChannelServer, fake_api: FakeTelegramApi, headers: dict[str, str]
) -> None:
    update = json.loads(UPDATE.read_text(encoding="utf-8"))
    received, calls = len(telegram.received), len(fake_api.calls)
    response = telegram.post("webhook", json=update, headers=headers)
    assert response.status_code == 403
    assert telegram.received[received:] == []  # nothing reached Rasa's agent
    assert fake_api.calls[calls:] == []  # not even getMe; no sendMessage


def test_set_webhook_route_needs_the_secret(
    telegram: ChannelServer, fake_api: FakeTelegramApi
) -> None:
    calls = len(fake_api.calls)
    assert telegram.post("set_webhook").status_code == 403
    assert fake_api.calls[calls:] == []
    response = telegram.post("set_webhook", headers=secret_headers(SECRET))
    assert response.status_code == 200
    assert fake_api.calls[calls:] == [
        ("setWebhook", {"url": WEBHOOK_URL, "secret_token": SECRET})]


def test_health_check_stays_open(telegram: ChannelServer) -> None:
    response = requests.get(f"{telegram.url}/", timeout=10)
    assert response.status_code == 200 and response.json() == {"status": "ok"}


def test_update_with_the_secret_is_processed_and_answered(
    telegram: ChannelServer, fake_api: FakeTelegramApi
) -> None:
    update = json.loads(UPDATE.read_text(encoding="utf-8"))
    received, sent = len(telegram.received), len(fake_api.sent())
    response = telegram.post("webhook", json=update, headers=secret_headers(SECRET))
    assert response.status_code == 200 and response.text == "success"
    [message] = telegram.received[received:]
    assert message.text == update["message"]["text"]
    assert message.sender_id == str(update["message"]["chat"]["id"])
    [reply] = fake_api.sent()[sent:]
    assert reply["chat_id"] == str(update["message"]["chat"]["id"])


@pytest.mark.parametrize("secret", [None, "", "has space", "ä" * 8, "x" * 257])
def test_channel_does_not_start_without_a_valid_secret(secret: str | None) -> None:
    credentials = {"access_token": TOKEN, "verify": BOT_NAME, "webhook_url": WEBHOOK_URL,
                   "secret_token": secret}
    with pytest.raises(RasaException, match="secret_token"):
        TelegramInput.from_credentials(credentials)


@pytest.fixture(scope="module")
def telegram_rasa(trained_model: str, stack_dir: Path) -> Iterator[tuple[int, FakeTelegramApi]]:
    api = FakeTelegramApi()
    actions = ActionServer(stack_dir)
    actions.start()
    port = free_port()
    credentials = stack_dir / f"credentials-telegram-{port}.yml"
    credentials.write_text(
        "rest:\n"
        "bot.plugins.telegram_channel.TelegramInput:\n"
        f'  access_token: "{TOKEN}"\n'
        f'  verify: "{BOT_NAME}"\n'
        f'  webhook_url: "{WEBHOOK_URL}"\n'
        f'  secret_token: "{SECRET}"\n'
        f'  api_base: "{api.base}"\n'
    )
    endpoints = stack_dir / f"endpoints-telegram-{port}.yml"
    endpoints.write_text(f'action_endpoint:\n  url: "http://127.0.0.1:{actions.port}/webhook"\n')
    log = open(stack_dir / f"rasa-telegram-{port}.log", "w")  # noqa: SIM115
    process = subprocess.Popen(
        # --enable-api: the tests read the conversation's tracker over Rasa's HTTP API.
        [str(VENV_BIN / "rasa"), "run", "--model", str(MODEL), "--port", str(port),
         "--endpoints", str(endpoints), "--credentials", str(credentials), "--enable-api"],
        cwd=ROOT, stdout=log, stderr=subprocess.STDOUT,
    )
    try:
        wait_for(f"http://127.0.0.1:{port}/webhooks/telegram/", 300, process)
        yield port, api
    finally:
        if process.poll() is None:
            process.terminate()
            process.wait(timeout=30)
        actions.stop()
        api.close()


def post_update(port: int, update: dict, secret: str | None = SECRET) -> requests.Response:
    headers = secret_headers(secret) if secret is not None else {}
    return requests.post(f"http://127.0.0.1:{port}/webhooks/telegram/webhook",
                         json=update, headers=headers, timeout=120)


def conversation(port: int, chat_id: int) -> list[tuple[str, str | None]]:
    """The user and bot turns in Rasa's tracker of a Telegram chat."""
    response = requests.get(f"http://127.0.0.1:{port}/conversations/{chat_id}/tracker",
                            timeout=30)
    response.raise_for_status()
    return [(event["event"], event.get("text")) for event in response.json()["events"]
            if event["event"] in ("user", "bot")]


@pytest.mark.stack
def test_start_up_sets_the_webhook_with_the_secret(
    telegram_rasa: tuple[int, FakeTelegramApi]
) -> None:
    _, api = telegram_rasa
    hooks = [fields for method, fields in api.calls if method == "setWebhook"]
    assert hooks == [{"url": WEBHOOK_URL, "secret_token": SECRET}]


@pytest.mark.stack
def test_recorded_update_gets_a_german_reply(telegram_rasa: tuple[int, FakeTelegramApi]) -> None:
    port, api = telegram_rasa
    update = json.loads(UPDATE.read_text(encoding="utf-8"))
    already = len(api.sent())
    response = post_update(port, update)
    assert response.status_code == 200 and response.text == "success"
    replies = api.sent()[already:]
    assert replies, f"no sendMessage call; calls: {api.calls}"
    assert {r["chat_id"] for r in replies} == {str(update["message"]["chat"]["id"])}
    text = "\n".join(r["text"] for r in replies)
    assert "Servicezeiten (" in text, text  # utter_hours_week, German
    chat = update["message"]["chat"]["id"]
    assert ("user", update["message"]["text"]) in conversation(port, chat)


@pytest.mark.stack
def test_forged_updates_change_no_conversation(telegram_rasa: tuple[int, FakeTelegramApi]) -> None:
    port, api = telegram_rasa
    update = json.loads(UPDATE.read_text(encoding="utf-8"))
    known = update["message"]["chat"]["id"]
    stranger = json.loads(json.dumps(update))
    stranger["message"]["chat"]["id"] = stranger["message"]["from"]["id"] = 5559876543
    before = conversation(port, known)
    already = len(api.sent())
    for forged in (update, stranger):
        for secret in (None, "wrong-secret"):
            assert post_update(port, forged, secret).status_code == 403
    assert api.sent()[already:] == []
    assert conversation(port, known) == before
    assert conversation(port, 5559876543) == []


@pytest.mark.stack
def test_update_from_another_bot_name_is_refused(
    telegram_rasa: tuple[int, FakeTelegramApi], monkeypatch: pytest.MonkeyPatch
) -> None:
    port, api = telegram_rasa
    monkeypatch.setattr(FakeTelegramApi, "result", staticmethod(
        lambda method, fields: {"id": 1, "is_bot": True, "first_name": "x", "username": "other"}
        if method == "getMe" else True))
    already = len(api.sent())
    update = json.loads(UPDATE.read_text(encoding="utf-8"))
    response = post_update(port, update)
    assert response.text == "failed"
    assert api.sent()[already:] == []
