"""Facebook Messenger channel (bot/plugins/facebook_channel.py) on Messenger's real wire format,
without internet: webhook events as Meta posts them (``object: page``, ``entry[].messaging[]``,
the raw body signed with the app secret in ``X-Hub-Signature-256`` and ``X-Hub-Signature``),
and the bot's Send API calls captured by a loopback stand-in of the Graph API, to which the
channel's ``graph_url`` points fbmessenger.

- In process (no model): the channel's blueprint (tests/test_telegram.ChannelServer) with a
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
import subprocess
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
import yaml
from rasa.shared.exceptions import RasaException

from bot.plugins.facebook_channel import FacebookInput
from bot.services import channels
from bot.services.processes import free_port, wait_for
from tests.stack import MODEL, ROOT, VENV_BIN, ActionServer
from tests.test_telegram import ChannelServer

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


class FakeGraphApi:
    """A loopback Graph API: answers the Send API (``POST .../me/messages``) and records each
    call's query (the page token) and JSON body."""

    def __init__(self) -> None:
        self.calls: list[dict[str, Any]] = []
        api = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802
                url = urlsplit(self.path)
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                api.calls.append({"path": url.path, "query": parse_qs(url.query),
                                  "json": json.loads(body or b"{}")})
                data = json.dumps({"recipient_id": "x", "message_id": "mid.1"}).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, format: str, *args: object) -> None:  # noqa: A002
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.base = f"http://127.0.0.1:{self.server.server_address[1]}/v2.12"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def messages(self, psid: str | None = None) -> list[dict]:
        """The messages sent (not the typing/seen sender actions), to ``psid`` if given."""
        return [call["json"] for call in self.calls
                if "message" in call["json"]
                and (psid is None or call["json"]["recipient"]["id"] == psid)]

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def text_of(messages: list[dict]) -> str:
    """The text a person reads: plain messages and button templates."""
    parts = []
    for message in messages:
        body = message["message"]
        parts.append(body.get("text") or body["attachment"]["payload"].get("text", ""))
    return "\n".join(parts)


@pytest.fixture(scope="module")
def graph() -> Iterator[FakeGraphApi]:
    api = FakeGraphApi()
    yield api
    api.close()


@pytest.fixture(scope="module")
def facebook(graph: FakeGraphApi) -> Iterator[ChannelServer]:
    """The project's Facebook channel in process, from credentials as channels.py writes them."""
    env = {"FACEBOOK_VERIFY": VERIFY, "FACEBOOK_SECRET": APP_SECRET,
           "FACEBOOK_PAGE_ACCESS_TOKEN": PAGE_TOKEN, "FACEBOOK_GRAPH_URL": graph.base}
    credentials, warnings = channels.build(ROOT / "credentials.yml", env)
    assert warnings == []
    server = ChannelServer(FacebookInput.from_credentials(credentials[channels.FACEBOOK]),
                           reply="Servicezeiten")
    yield server
    server.close()


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
    answer = requests.get(f"{facebook.url}/", timeout=10)
    assert answer.status_code == 200 and answer.json() == {"status": "ok"}


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
        from tests.test_rocketchat import TOKEN, FakeRocketChat

        self.graph = FakeGraphApi()
        self.chat = FakeRocketChat()
        self.actions = ActionServer(log_dir)
        self.actions.start(NOW)
        self.port = free_port()
        env = {"FACEBOOK_VERIFY": VERIFY, "FACEBOOK_SECRET": APP_SECRET,
               "FACEBOOK_PAGE_ACCESS_TOKEN": PAGE_TOKEN, "FACEBOOK_GRAPH_URL": self.graph.base,
               "ROCKETCHAT_USER": "gera_bot", "ROCKETCHAT_PASSWORD": "pw",
               "ROCKETCHAT_SERVER_URL": self.chat.url, "ROCKETCHAT_WEBHOOK_TOKEN": TOKEN}
        sections, warnings = channels.messenger_sections(env)
        assert warnings == [] and set(sections) == {channels.FACEBOOK, channels.ROCKETCHAT}
        credentials = log_dir / f"credentials-messengers-{self.port}.yml"
        credentials.write_text(yaml.safe_dump({"rest": None, **sections}))
        endpoints = log_dir / f"endpoints-messengers-{self.port}.yml"
        endpoints.write_text(
            f'action_endpoint:\n  url: "http://127.0.0.1:{self.actions.port}/webhook"\n')
        log = open(log_dir / f"rasa-messengers-{self.port}.log", "w")  # noqa: SIM115
        self.process = subprocess.Popen(
            [str(VENV_BIN / "rasa"), "run", "--model", str(MODEL), "--port", str(self.port),
             "--credentials", str(credentials), "--endpoints", str(endpoints), "--enable-api"],
            cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)
        try:
            wait_for(f"http://127.0.0.1:{self.port}/webhooks/facebook/", 600, self.process)
        except BaseException:
            self.stop()
            raise

    def url(self, channel: str) -> str:
        return f"http://127.0.0.1:{self.port}/webhooks/{channel}/webhook"

    def conversation(self, sender_id: str) -> list[tuple[str, str | None]]:
        """The user and bot turns of a conversation in Rasa's tracker."""
        answer = requests.get(f"http://127.0.0.1:{self.port}/conversations/{sender_id}/tracker",
                              timeout=30)
        answer.raise_for_status()
        return [(e["event"], e.get("text")) for e in answer.json()["events"]
                if e["event"] in ("user", "bot")]

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=60)
        self.actions.stop()
        self.graph.close()
        self.chat.close()


_STACK: MessengerStack | None = None


def messenger_stack(request: pytest.FixtureRequest, stack_dir: Path) -> MessengerStack:
    """The one MessengerStack of the test session, started by the first module that needs
    it and stopped when the session ends."""
    global _STACK
    if _STACK is None or _STACK.process.poll() is not None:
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
    before = messengers.conversation(psid)
    calls = len(messengers.graph.calls)
    body = webhook_body(event(psid, "Wann ist der nächste Rundgang?", mid="m_9"))
    for headers in forged(body):
        response = requests.post(messengers.url("facebook"), data=body, headers=headers,
                                 timeout=60)
        assert response.status_code == 403
    assert messengers.graph.calls[calls:] == []
    assert messengers.conversation(psid) == before
