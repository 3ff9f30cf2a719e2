"""Rocket.Chat channel (bot/plugins/rocketchat_channel.py) without internet: a local fake
Rocket.Chat REST API records the bot's log-ins and posted messages.

- In process (no model): its Sanic blueprint as Rasa mounts it (tests/fakes.ChannelServer,
  a recording ``on_new_message`` in place of Rasa's agent). A call without the
  webhook token gets 403 and reaches nothing: Rasa would change no tracker and post no reply.
- ``stack``: Rasa with the trained model (the Rasa of tests/test_facebook.messenger_stack,
  which serves both messengers) answers outgoing-webhook calls in German and English through
  ``chat.postMessage``; forged calls change no conversation.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
import requests
from rasa.shared.exceptions import RasaException

from bot.plugins.rocketchat_channel import RocketChatInput
from tests.fakes import ChannelServer, FakeRocketChat

if TYPE_CHECKING:
    from tests.test_facebook import MessengerStack

TOKEN = "rc-outgoing-webhook-token-0123456789"
BOT_USER = "gera_bot"
#: The header in which an Omnichannel webhook sends its secret token (Rocket.Chat docs).
LIVECHAT_HEADER = "X-RocketChat-Livechat-Token"

#: What a Rocket.Chat outgoing-webhook integration posts for a message in a channel.
OUTGOING = {
    "token": TOKEN,
    "bot": False,
    "channel_id": "ROOM42",
    "channel_name": "smartcity",
    "message_id": "m1",
    "timestamp": "2023-06-10T08:40:00.000Z",
    "user_id": "u1",
    "user_name": "buerger",
    "text": "Wann haben Sie geöffnet?",
}
#: What an Omnichannel (Livechat) webhook posts; its token travels in a header.
LIVECHAT = {
    "_id": "LIVEROOM7",
    "type": "Message",
    "visitor": {"_id": "v1", "token": "visitor-session-token", "username": "guest-3"},
    "messages": [{"username": "guest-3", "msg": "When are you open?"}],
}


@pytest.fixture(scope="module")
def fake_chat() -> Iterator[FakeRocketChat]:
    with FakeRocketChat() as chat:
        yield chat


@pytest.fixture(scope="module")
def rocketchat(fake_chat: FakeRocketChat) -> Iterator[ChannelServer]:
    """The project's Rocket.Chat channel in process, started from credentials as Rasa does."""
    channel = RocketChatInput.from_credentials({
        "user": BOT_USER, "password": "pw", "server_url": fake_chat.url, "webhook_token": TOKEN,
    })
    with ChannelServer(channel, reply="Servicezeiten") as server:
        yield server


def outgoing(**changes: object) -> dict:
    payload = dict(OUTGOING, **changes)
    return {key: value for key, value in payload.items() if value is not None}


@pytest.mark.parametrize("request_kwargs", [
    {"json": outgoing(token=None)},
    {"json": outgoing(token="")},
    {"json": outgoing(token="wrong-token")},
    {"json": outgoing(token=TOKEN[:-1])},
    {"json": outgoing(token=TOKEN + "x")},
    {"json": outgoing(token=TOKEN.upper())},
    {"json": outgoing(token=[TOKEN])},
    {"json": outgoing(token={"token": TOKEN})},
    {"json": outgoing(token=None), "headers": {"token": TOKEN}},  # not where it is sent
    {"json": outgoing(token=None), "params": {"token": TOKEN}},
    {"json": outgoing(token=None, visitor={"token": TOKEN})},  # a visitor's own token
    {"json": LIVECHAT},
    {"json": LIVECHAT, "headers": {LIVECHAT_HEADER: "wrong-token"}},
    {"data": "token=" + TOKEN, "headers": {"Content-Type": "application/x-www-form-urlencoded"}},
    {"data": b"{not json", "headers": {"Content-Type": "application/json"}},
    {"json": [OUTGOING]},
], ids=["missing", "empty", "wrong", "prefix", "longer", "case", "list", "object",
        "as-header", "in-query", "visitor-token", "livechat-no-header", "livechat-wrong-header",
        "form", "broken-json", "json-list"])
def test_forged_call_is_refused_unprocessed(
    rocketchat: ChannelServer, fake_chat: FakeRocketChat, request_kwargs: dict
) -> None:
    received, calls = len(rocketchat.received), len(fake_chat.calls)
    response = rocketchat.post("webhook", **request_kwargs)
    assert response.status_code == 403
    assert rocketchat.received[received:] == []  # nothing reached Rasa's agent
    assert fake_chat.calls[calls:] == []  # no log-in, no posted reply


def test_health_check_stays_open(rocketchat: ChannelServer) -> None:
    assert rocketchat.health() == (200, {"status": "ok"})


def test_outgoing_webhook_with_the_token_is_processed_and_answered(
    rocketchat: ChannelServer, fake_chat: FakeRocketChat
) -> None:
    received, posted = len(rocketchat.received), len(fake_chat.posted())
    response = rocketchat.post("webhook", json=OUTGOING)
    assert response.status_code == 200
    [message] = rocketchat.received[received:]
    assert (message.text, message.sender_id) == (OUTGOING["text"], OUTGOING["channel_id"])
    [reply] = fake_chat.posted()[posted:]
    assert (reply["roomId"], reply["text"]) == (OUTGOING["channel_id"], "Servicezeiten")


def test_livechat_webhook_with_the_token_header_is_processed(
    rocketchat: ChannelServer,
) -> None:
    received = len(rocketchat.received)
    response = rocketchat.post("webhook", json=LIVECHAT, headers={LIVECHAT_HEADER: TOKEN})
    assert response.status_code == 200
    [message] = rocketchat.received[received:]
    assert (message.text, message.sender_id) == ("When are you open?", LIVECHAT["_id"])


@pytest.mark.parametrize("token", [None, ""])
def test_channel_does_not_start_without_a_token(token: str | None) -> None:
    credentials = {"user": BOT_USER, "password": "pw", "server_url": "http://127.0.0.1:9",
                   "webhook_token": token}
    with pytest.raises(RasaException, match="webhook_token"):
        RocketChatInput.from_credentials(credentials)


# ------------------------------------------------------------------ with Rasa


@pytest.fixture(scope="module")
def rocketchat_rasa(request: pytest.FixtureRequest, trained_model: str, stack_dir: Path
                    ) -> MessengerStack:
    from tests.test_facebook import messenger_stack

    return messenger_stack(request, stack_dir)


@pytest.mark.stack
@pytest.mark.parametrize(("room", "question", "wanted", "unwanted"), [
    ("ROOM_DE", "Wann ist der nächste Rundgang?", ["24. Juni 2023", "Quelle"], "June"),
    ("ROOM_EN", "When is the next tour?", ["24 June 2023", "Source"], "Juni"),
], ids=["german", "english"])
def test_outgoing_webhook_is_answered_in_the_room(
    rocketchat_rasa: MessengerStack, room: str, question: str, wanted: list[str],
    unwanted: str,
) -> None:
    chat = rocketchat_rasa.chat
    posted = len(chat.posted())
    response = requests.post(rocketchat_rasa.url("rocketchat"), timeout=120, json=outgoing(
        channel_id=room, text=question, message_id=f"m-{room}", user_name=f"buerger-{room}"))
    assert response.status_code == 200
    replies = chat.posted()[posted:]
    assert replies and {reply["roomId"] for reply in replies} == {room}
    text = "\n".join(reply["text"] for reply in replies)
    assert all(part in text for part in wanted) and unwanted not in text, text
    assert ("user", question) in rocketchat_rasa.rasa.turns(room)


@pytest.mark.stack
def test_forged_call_changes_no_conversation(rocketchat_rasa: MessengerStack) -> None:
    chat = rocketchat_rasa.chat
    calls = len(chat.calls)
    for payload in (outgoing(token=None, channel_id="ROOM_X"),
                    outgoing(token="wrong-token", channel_id="ROOM_X"), LIVECHAT):
        response = requests.post(rocketchat_rasa.url("rocketchat"), json=payload, timeout=60)
        assert response.status_code == 403
    assert chat.calls[calls:] == []
    assert rocketchat_rasa.rasa.turns("ROOM_X") == []
    assert rocketchat_rasa.rasa.turns(LIVECHAT["_id"]) == []
