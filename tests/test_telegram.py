"""Telegram channel end to end without internet: a recorded Telegram update is posted to
Rasa's Telegram webhook; the bot's outgoing Bot API calls go to a local fake API server
(the project's Telegram channel, bot/telegram_channel.py, takes the API base URL as
``api_base``), which records them."""

from __future__ import annotations

import json
import subprocess
import threading
import time
from collections.abc import Iterator
from email.parser import BytesParser
from email.policy import HTTP
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs

import pytest
import requests

from bot.processes import free_port, wait_for
from tests.stack import MODEL, ROOT, VENV_BIN, ActionServer

pytestmark = pytest.mark.stack

TOKEN = "123456:TEST-token-for-the-local-fake"
BOT_NAME = "gera_test_bot"
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


@pytest.fixture(scope="module")
def telegram_rasa(trained_model: str, stack_dir: Path) -> Iterator[tuple[int, FakeTelegramApi]]:
    api = FakeTelegramApi()
    actions = ActionServer(stack_dir)
    actions.start()
    port = free_port()
    credentials = stack_dir / f"credentials-telegram-{port}.yml"
    credentials.write_text(
        "rest:\n"
        "bot.telegram_channel.TelegramInput:\n"
        f'  access_token: "{TOKEN}"\n'
        f'  verify: "{BOT_NAME}"\n'
        '  webhook_url: "https://assistant.example.invalid/webhooks/telegram/webhook"\n'
        f'  api_base: "{api.base}"\n'
    )
    endpoints = stack_dir / f"endpoints-telegram-{port}.yml"
    endpoints.write_text(f'action_endpoint:\n  url: "http://127.0.0.1:{actions.port}/webhook"\n')
    log = open(stack_dir / f"rasa-telegram-{port}.log", "w")  # noqa: SIM115
    process = subprocess.Popen(
        [str(VENV_BIN / "rasa"), "run", "--model", str(MODEL), "--port", str(port),
         "--endpoints", str(endpoints), "--credentials", str(credentials)],
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


def test_start_up_sets_the_webhook(telegram_rasa: tuple[int, FakeTelegramApi]) -> None:
    _, api = telegram_rasa
    hooks = [fields for method, fields in api.calls if method == "setWebhook"]
    assert hooks and hooks[0]["url"].endswith("/webhooks/telegram/webhook")


def test_recorded_update_gets_a_german_reply(telegram_rasa: tuple[int, FakeTelegramApi]) -> None:
    port, api = telegram_rasa
    update = json.loads(UPDATE.read_text(encoding="utf-8"))
    already = len(api.sent())
    response = requests.post(f"http://127.0.0.1:{port}/webhooks/telegram/webhook",
                             json=update, timeout=120)
    assert response.status_code == 200 and response.text == "success"
    replies = api.sent()[already:]
    assert replies, f"no sendMessage call; calls: {api.calls}"
    assert {r["chat_id"] for r in replies} == {str(update["message"]["chat"]["id"])}
    text = "\n".join(r["text"] for r in replies)
    assert "Servicezeiten (" in text, text  # utter_hours_week, German


def test_update_from_another_bot_name_is_refused(
    telegram_rasa: tuple[int, FakeTelegramApi], monkeypatch: pytest.MonkeyPatch
) -> None:
    port, api = telegram_rasa
    monkeypatch.setattr(FakeTelegramApi, "result", staticmethod(
        lambda method, fields: {"id": 1, "is_bot": True, "first_name": "x", "username": "other"}
        if method == "getMe" else True))
    already = len(api.sent())
    update = json.loads(UPDATE.read_text(encoding="utf-8"))
    response = requests.post(f"http://127.0.0.1:{port}/webhooks/telegram/webhook",
                             json=update, timeout=60)
    assert response.text == "failed"
    assert api.sent()[already:] == []
