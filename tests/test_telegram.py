"""Telegram channel without internet; the bot's outgoing Bot API calls go to a local fake API
server (the project's Telegram channel, bot/plugins/telegram_channel.py, takes the API base URL
as ``api_base``), which records them.

- In process (no model): the channel's Sanic blueprint, mounted as Rasa mounts it, with a
  recording ``on_new_message`` in place of Rasa's agent. Forged updates (no or a wrong
  ``X-Telegram-Bot-Api-Secret-Token``) get 403 and never reach it: Rasa would neither change a
  tracker nor reply. ``ChannelServer`` and the fake API are in tests/fakes.py.
- End to end (``stack``): Rasa with the trained model answers a recorded update
  (tests/data/telegram_update_de.json) in German; forged ones leave the tracker as it was.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
from rasa.shared.exceptions import RasaException

from bot.plugins.telegram_channel import TelegramInput
from tests.fakes import ChannelServer, FakeTelegramApi
from tests.stack import ROOT, RasaServer, running_rasa

TOKEN = "123456:TEST-token-for-the-local-fake"
BOT_NAME = "gera_test_bot"
SECRET = "gera-test_webhook-secret-0123456789"
WEBHOOK_URL = "https://assistant.example.invalid/webhooks/telegram/webhook"
#: The header in which Telegram sends the webhook secret (Bot API, setWebhook).
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
UPDATE = ROOT / "tests" / "data" / "telegram_update_de.json"
#: Rasa serving the Telegram channel, and the fake Bot API it talks to.
TelegramRasa = tuple[RasaServer, FakeTelegramApi]


def recorded_update() -> dict[str, Any]:
    """A German question as Telegram posts it (tests/data/telegram_update_de.json)."""
    return json.loads(UPDATE.read_text(encoding="utf-8"))


def secret_headers(secret: str) -> dict[str, str]:
    return {SECRET_HEADER: secret}


def channel_credentials(api: FakeTelegramApi) -> dict[str, str]:
    """The channel's section of credentials.yml, its Bot API the local fake."""
    return {"access_token": TOKEN, "verify": BOT_NAME, "webhook_url": WEBHOOK_URL,
            "secret_token": SECRET, "api_base": api.base}


@pytest.fixture(scope="module")
def fake_api() -> Iterator[FakeTelegramApi]:
    with FakeTelegramApi(TOKEN, BOT_NAME) as api:
        yield api


@pytest.fixture(scope="module")
def telegram(fake_api: FakeTelegramApi) -> Iterator[ChannelServer]:
    """The project's Telegram channel in process, started from credentials as Rasa does."""
    channel = TelegramInput.from_credentials(channel_credentials(fake_api))
    with ChannelServer(channel) as server:
        yield server


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
    update = recorded_update()
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
    assert telegram.health() == (200, {"status": "ok"})


def test_update_with_the_secret_is_processed_and_answered(
    telegram: ChannelServer, fake_api: FakeTelegramApi
) -> None:
    update = recorded_update()
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
def telegram_rasa(trained_model: str, stack_dir: Path
                  ) -> Iterator[TelegramRasa]:
    with FakeTelegramApi(TOKEN, BOT_NAME) as api:
        credentials = {"rest": None,
                       "bot.plugins.telegram_channel.TelegramInput": channel_credentials(api)}
        # enable_api: the tests read the conversation's tracker over Rasa's HTTP API.
        with running_rasa(stack_dir, name="rasa-telegram", credentials=credentials,
                          enable_api=True, ready="/webhooks/telegram/", seconds=300
                          ) as (rasa, _):
            yield rasa, api


def post_update(rasa: RasaServer, update: dict, secret: str | None = SECRET
                ) -> requests.Response:
    headers = secret_headers(secret) if secret is not None else {}
    return requests.post(f"{rasa.url}/webhooks/telegram/webhook",
                         json=update, headers=headers, timeout=120)


@pytest.mark.stack
def test_start_up_sets_the_webhook_with_the_secret(telegram_rasa: TelegramRasa) -> None:
    _, api = telegram_rasa
    hooks = [fields for method, fields in api.calls if method == "setWebhook"]
    assert hooks == [{"url": WEBHOOK_URL, "secret_token": SECRET}]


@pytest.mark.stack
def test_recorded_update_gets_a_german_reply(telegram_rasa: TelegramRasa) -> None:
    rasa, api = telegram_rasa
    update = recorded_update()
    already = len(api.sent())
    response = post_update(rasa, update)
    assert response.status_code == 200 and response.text == "success"
    replies = api.sent()[already:]
    assert replies, f"no sendMessage call; calls: {api.calls}"
    assert {r["chat_id"] for r in replies} == {str(update["message"]["chat"]["id"])}
    text = "\n".join(r["text"] for r in replies)
    assert "Servicezeiten (" in text, text  # utter_hours_week, German
    chat = update["message"]["chat"]["id"]
    assert ("user", update["message"]["text"]) in rasa.turns(chat)


@pytest.mark.stack
def test_forged_updates_change_no_conversation(telegram_rasa: TelegramRasa) -> None:
    rasa, api = telegram_rasa
    update = recorded_update()
    known = update["message"]["chat"]["id"]
    stranger = json.loads(json.dumps(update))
    stranger["message"]["chat"]["id"] = stranger["message"]["from"]["id"] = 5559876543
    before = rasa.turns(known)
    already = len(api.sent())
    for forged in (update, stranger):
        for secret in (None, "wrong-secret"):
            assert post_update(rasa, forged, secret).status_code == 403
    assert api.sent()[already:] == []
    assert rasa.turns(known) == before
    assert rasa.turns(5559876543) == []


@pytest.mark.stack
def test_update_from_another_bot_name_is_refused(
    telegram_rasa: TelegramRasa, monkeypatch: pytest.MonkeyPatch
) -> None:
    rasa, api = telegram_rasa
    monkeypatch.setattr(api, "result", (
        lambda method, fields: {"id": 1, "is_bot": True, "first_name": "x", "username": "other"}
        if method == "getMe" else True))
    already = len(api.sent())
    update = recorded_update()
    response = post_update(rasa, update)
    assert response.text == "failed"
    assert api.sent()[already:] == []
