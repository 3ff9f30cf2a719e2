"""Facebook Messenger channel (bot/plugins/facebook_channel.py) on Messenger's real wire format,
without internet: webhook events as Meta posts them (``object: page``, ``entry[].messaging[]``,
the raw body signed with the app secret in ``X-Hub-Signature-256`` and ``X-Hub-Signature``),
and the bot's Send API calls captured by a loopback stand-in of the Graph API, to which the
channel's ``graph_url`` points fbmessenger.

- In process (no model): the channel's blueprint (tests/fakes.ChannelServer) with a
  recording ``on_new_message``; forged calls get 403 and reach nothing.
- ``stack``: Rasa with the trained model answers a German question (and a button tapped in
  Messenger, a postback) and an English one; a wrongly signed call changes no conversation.
  The Rasa started here serves the Rocket.Chat channel too (``messenger_stack``, shared with
  tests/test_rocketchat.py, so the model is loaded once for both).
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import pytest
import requests
from rasa.shared.exceptions import RasaException

from bot.plugins.facebook_channel import FacebookInput
from bot.services import channels
from tests.fakes import ChannelServer, FakeGraphApi, FakeRocketChat
from tests.stack import ROOT, running_rasa

APP_SECRET = "3f1c0ffee-app-secret-for-the-tests"
VERIFY = "gera-verify-token"
PAGE_TOKEN = "EAAGpage-access-token"
PAGE_ID = "108000000000001"
NOW = "2023-06-21T10:30"  # Wednesday, office open, next tour 24.06.2023


def event(psid: str, text: str | None = None, postback: str | None = None,
          mid: str = "m_1") -> dict:
    """One messaging event as Meta sends it: a typed message or a tapped button."""
    item: dict[str, Any] = {"sender": {"id": psid}, "recipient": {"id": PAGE_ID},
                            "timestamp": 1687336200000}
    if postback is not None:
        item["postback"] = {"title": "Button", "payload": postback, "mid": mid}
    else:
        item["message"] = {"mid": mid, "text": text}
    return item


def webhook_body(*events: dict) -> bytes:
    """The POST body: Meta escapes non-ASCII characters, and signs exactly these bytes."""
    payload = {"object": "page",
               "entry": [{"id": PAGE_ID, "time": 1687336200000, "messaging": list(events)}]}
    return json.dumps(payload, ensure_ascii=True).encode("ascii")


def signatures(body: bytes, secret: str = APP_SECRET) -> dict[str, str]:
    key = secret.encode("utf-8")
    return {"X-Hub-Signature-256": "sha256=" + hmac.new(key, body, hashlib.sha256).hexdigest(),
            "X-Hub-Signature": "sha1=" + hmac.new(key, body, hashlib.sha1).hexdigest(),
            "Content-Type": "application/json"}


def text_of(messages: list[dict]) -> str:
    """The text a person reads: plain messages and button templates."""
    parts = []
    for message in messages:
        body = message["message"]
        parts.append(body.get("text") or body["attachment"]["payload"].get("text", ""))
    return "\n".join(parts)


@pytest.fixture(scope="module")
def graph() -> Iterator[FakeGraphApi]:
    with FakeGraphApi() as api:
        yield api


@pytest.fixture(scope="module")
def facebook(graph: FakeGraphApi) -> Iterator[ChannelServer]:
    """The project's Facebook channel in process, from credentials as channels.py writes them."""
    env = {"FACEBOOK_VERIFY": VERIFY, "FACEBOOK_SECRET": APP_SECRET,
           "FACEBOOK_PAGE_ACCESS_TOKEN": PAGE_TOKEN, "FACEBOOK_GRAPH_URL": graph.base}
    credentials, warnings = channels.build(ROOT / "credentials.yml", env)
    assert warnings == []
    with ChannelServer(FacebookInput.from_credentials(credentials[channels.FACEBOOK]),
                       reply="Servicezeiten") as server:
        yield server


def forged(body: bytes) -> list[dict[str, str]]:
    good = signatures(body)
    other = signatures(body, "another-app-secret")
    sha1_only = {"X-Hub-Signature": good["X-Hub-Signature"]}
    md5 = "md5=" + hmac.new(APP_SECRET.encode(), body, hashlib.md5).hexdigest()
    return [
        {},
        other,
        {"X-Hub-Signature-256": other["X-Hub-Signature-256"]},
        {**good, "X-Hub-Signature-256": other["X-Hub-Signature-256"]},  # sha-256 decides
        {**sha1_only, "X-Hub-Signature": other["X-Hub-Signature"]},
        {"X-Hub-Signature-256": good["X-Hub-Signature-256"].upper()},
        {"X-Hub-Signature-256": good["X-Hub-Signature-256"][:-1]},
        {"X-Hub-Signature-256": good["X-Hub-Signature-256"].removeprefix("sha256=")},
        {"X-Hub-Signature": md5},
        {"X-Hub-Signature": "new=" + good["X-Hub-Signature"][5:]},  # a 500 in Rasa's check
        signatures(body + b" "),  # the signature of another body
    ]


FORGED_IDS = ["none", "other-secret", "other-secret-256", "bad-256-good-1", "bad-1",
              "upper-case", "truncated", "no-prefix", "md5", "hashlib-new", "other-body"]


@pytest.mark.parametrize("case", range(len(FORGED_IDS)), ids=FORGED_IDS)
def test_wrongly_signed_call_is_refused_unprocessed(
    facebook: ChannelServer, graph: FakeGraphApi, case: int
) -> None:
    body = webhook_body(event("7001", "Wann haben Sie geöffnet?"))
    received, calls = len(facebook.received), len(graph.calls)
    response = facebook.post("webhook", data=body, headers=forged(body)[case])
    assert response.status_code == 403
    assert facebook.received[received:] == []  # nothing reached Rasa's agent
    assert graph.calls[calls:] == []  # no typing indicator, no reply


def test_signed_call_is_answered_through_the_send_api(
    facebook: ChannelServer, graph: FakeGraphApi
) -> None:
    body = webhook_body(event("7002", "Wann haben Sie geöffnet?"))
    received, calls = len(facebook.received), len(graph.calls)
    response = facebook.post("webhook", data=body, headers=signatures(body))
    assert response.status_code == 200 and response.text == "success"
    [message] = facebook.received[received:]
    assert (message.text, message.sender_id, message.input_channel) == (
        "Wann haben Sie geöffnet?", "7002", "facebook")
    sent = graph.calls[calls:]
    assert {call["path"] for call in sent} == {"/v2.12/me/messages"}
    assert all(call["query"]["access_token"] == [PAGE_TOKEN] for call in sent)
    actions = [call["json"].get("sender_action") for call in sent]
    assert actions[0] == "mark_seen" and actions[-1] == "typing_off"
    assert graph.messages("7002") == [{
        "messaging_type": "RESPONSE", "notification_type": "REGULAR",
        "recipient": {"id": "7002"}, "message": {"text": "Servicezeiten"}}]


def test_sha1_signature_alone_still_counts(facebook: ChannelServer) -> None:
    body = webhook_body(event("7003", "Hallo"))
    received = len(facebook.received)
    headers = {"X-Hub-Signature": signatures(body)["X-Hub-Signature"],
               "Content-Type": "application/json"}
    assert facebook.post("webhook", data=body, headers=headers).status_code == 200
    assert [m.text for m in facebook.received[received:]] == ["Hallo"]


def test_every_event_of_a_batch_is_handled_in_order(facebook: ChannelServer) -> None:
    body = webhook_body(event("7004", "Hallo", mid="m_a"),
                        event("7005", postback="/hours_week", mid="m_b"),
                        event("7004", "Danke", mid="m_c"))
    received = len(facebook.received)
    assert facebook.post("webhook", data=body, headers=signatures(body)).status_code == 200
    assert [(m.sender_id, m.text) for m in facebook.received[received:]] == [
        ("7004", "Hallo"), ("7005", "/hours_week"), ("7004", "Danke")]


def test_subscription_check_needs_the_verify_token(facebook: ChannelServer) -> None:
    query = {"hub.mode": "subscribe", "hub.challenge": "1158201444"}
    answer = requests.get(f"{facebook.url}/webhook", timeout=10,
                          params={**query, "hub.verify_token": VERIFY})
    assert (answer.status_code, answer.text) == (200, "1158201444")
    for token in ("wrong", "", VERIFY.upper()):
        answer = requests.get(f"{facebook.url}/webhook", timeout=10,
                              params={**query, "hub.verify_token": token})
        assert answer.status_code == 403 and "1158201444" not in answer.text
    assert requests.get(f"{facebook.url}/webhook", params=query, timeout=10).status_code == 403


def test_health_check_stays_open(facebook: ChannelServer) -> None:
    assert facebook.health() == (200, {"status": "ok"})


@pytest.mark.parametrize("missing", ["verify", "secret", "page-access-token"])
def test_channel_does_not_start_without_its_secrets(missing: str) -> None:
    credentials = {"verify": VERIFY, "secret": APP_SECRET, "page-access-token": PAGE_TOKEN,
                   missing: ""}
    with pytest.raises(RasaException, match="Facebook channel"):
        FacebookInput.from_credentials(credentials)


# ------------------------------------------------------------------ with Rasa


class MessengerStack:
    """Rasa with the trained model serving the Facebook and the Rocket.Chat channel (the
    project's classes, pointed at loopback stand-ins of their APIs), the REST API enabled to
    read trackers, and the action server with the clock at ``NOW``."""

    def __init__(self, log_dir: Path) -> None:
        from tests.test_rocketchat import TOKEN

        with ExitStack() as started:
            self.graph = started.enter_context(FakeGraphApi())
            self.chat = started.enter_context(FakeRocketChat())
            env = {"FACEBOOK_VERIFY": VERIFY, "FACEBOOK_SECRET": APP_SECRET,
                   "FACEBOOK_PAGE_ACCESS_TOKEN": PAGE_TOKEN,
                   "FACEBOOK_GRAPH_URL": self.graph.base,
                   "ROCKETCHAT_USER": "gera_bot", "ROCKETCHAT_PASSWORD": "pw",
                   "ROCKETCHAT_SERVER_URL": self.chat.url, "ROCKETCHAT_WEBHOOK_TOKEN": TOKEN}
            sections, warnings = channels.messenger_sections(env)
            assert warnings == [] and set(sections) == {channels.FACEBOOK, channels.ROCKETCHAT}
            self.rasa, _ = started.enter_context(running_rasa(
                log_dir, NOW, name="rasa-messengers", credentials={"rest": None, **sections},
                enable_api=True, ready="/webhooks/facebook/", seconds=600))
            self.started = started.pop_all()  # all running: stopped by stop()

    def url(self, channel: str) -> str:
        return f"{self.rasa.url}/webhooks/{channel}/webhook"

    def stop(self) -> None:
        self.started.close()


_STACK: MessengerStack | None = None


def messenger_stack(request: pytest.FixtureRequest, stack_dir: Path) -> MessengerStack:
    """The one MessengerStack of the test session, started by the first module that needs
    it and stopped when the session ends."""
    global _STACK
    if _STACK is None or _STACK.rasa.process.poll() is not None:
        _STACK = MessengerStack(stack_dir)
        request.session.addfinalizer(_STACK.stop)
    return _STACK


@pytest.fixture(scope="module")
def messengers(request: pytest.FixtureRequest, trained_model: str, stack_dir: Path
               ) -> MessengerStack:
    return messenger_stack(request, stack_dir)


def post_signed(stack: MessengerStack, *events: dict) -> requests.Response:
    body = webhook_body(*events)
    return requests.post(stack.url("facebook"), data=body, headers=signatures(body),
                         timeout=120)


@pytest.mark.stack
def test_german_question_and_a_tapped_button(messengers: MessengerStack) -> None:
    psid = "2400000000000001"
    graph = messengers.graph
    assert post_signed(messengers, event(psid, "Was ist SMARTCity Gera?")).text == "success"
    about = graph.messages(psid)
    assert "7,5 Millionen" in text_of(about) and "Quelle" in text_of(about)
    [template] = [m["message"]["attachment"]["payload"] for m in about
                  if "attachment" in m["message"]]
    assert template["template_type"] == "button"
    buttons = {button["title"]: button for button in template["buttons"]}
    assert buttons["Förderung"] == {"title": "Förderung", "payload": "/programme_funding",
                                    "type": "postback"}
    # the citizen taps "Förderung": Messenger posts the button's payload as a postback
    post_signed(messengers, event(psid, postback=buttons["Förderung"]["payload"], mid="m_2"))
    funding = text_of(graph.messages(psid)[len(about):])
    assert "7,5 Millionen" in funding and "Bundesministerium des Innern" in funding


@pytest.mark.stack
def test_english_question(messengers: MessengerStack) -> None:
    psid = "2400000000000002"
    assert post_signed(messengers, event(psid, "What are your office hours?")).text == "success"
    reply = text_of(messengers.graph.messages(psid))
    assert "Friday: 09:00–15:00" in reply and "Monday" in reply and "Montag" not in reply


@pytest.mark.stack
def test_wrongly_signed_call_changes_no_conversation(messengers: MessengerStack) -> None:
    psid = "2400000000000003"
    assert post_signed(messengers, event(psid, "Hallo")).status_code == 200
    before = messengers.rasa.turns(psid)
    calls = len(messengers.graph.calls)
    body = webhook_body(event(psid, "Wann ist der nächste Rundgang?", mid="m_9"))
    for headers in forged(body):
        response = requests.post(messengers.url("facebook"), data=body, headers=headers,
                                 timeout=60)
        assert response.status_code == 403
    assert messengers.graph.calls[calls:] == []
    assert messengers.rasa.turns(psid) == before
