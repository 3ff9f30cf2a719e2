"""Matrix channel (bot/plugins/matrix_channel.py).

- Without a homeserver: rendering (HTML lists and links, numbered options as ButtonChoice
  counts them), ids, notices, credentials, and the sync loop against a scripted client (what
  reaches Rasa, what gets a notice, gaps, repeated batches, when the position is saved).
- ``stack``: a real homeserver, matrix-synapse from PyPI in its own venv
  (scripts/matrix-synapse.sh), SQLite, loopback only, no federation, users registered with
  the shared secret. A citizen (mautrix's client API, as a Matrix client would) opens a direct
  room with the assistant.
  * The channel alone, with a recording handler in place of Rasa: stopped and started again,
    it answers what arrived meanwhile and nothing twice; a position rewound as by a crash
    repeats no answer (Rasa's tracker, or the homeserver's transaction ids).
  * Rasa with the trained model: a German and an English conversation (programme, choice by
    number, next tour against SMARTCITY_NOW, opening hours, out of scope); the homeserver is
    restarted in the middle and the next message is answered with the slots intact.
"""

from __future__ import annotations

import asyncio
import json
import re
import secrets
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
import requests
import yaml
from mautrix.client import ClientAPI
from mautrix.errors import MatrixConnectionError
from mautrix.types import (
    Event,
    EventType,
    MessageType,
    PaginatedMessages,
    PaginationDirection,
    TextMessageEventContent,
)
from rasa.core.channels.channel import UserMessage
from rasa.shared.exceptions import RasaException

from bot.plugins import matrix_channel
from bot.plugins.matrix_channel import (
    MatrixBridge,
    MatrixInput,
    MatrixOutput,
    SyncState,
    conversation_id,
    notice,
    render,
    transaction_id,
)
from bot.plugins.nlu_choice import chosen_button
from bot.services import channels
from bot.services.processes import free_port, wait_for
from tests.stack import ROOT, RasaServer, running_rasa, stop_process

ASSISTANT = "@assistent:gera.test"
CITIZEN = "@buerger:gera.test"
ROOM = "!raum:gera.test"
NOW = "2023-06-21T10:30"  # Wednesday, office open, next tour 24.06.2023
SYNAPSE = ROOT / "var" / "matrix" / "synapse"
SYNAPSE_VERSION = re.search(r"SYNAPSE_VERSION=(\S+)",
                            (ROOT / "scripts" / "matrix-synapse.sh").read_text())[1]


# ------------------------------------------------------------------ without a homeserver


def test_lists_and_links_are_matrix_html_with_a_plain_body() -> None:
    text = ("Die Projekte:\n• Cockpit https://cockpit.gera.de.\n• Kontakt smartcity@gera.de\n"
            "Quelle: <Stadt> & Co")
    plain, formatted = render(text, [])
    assert plain == text
    assert formatted == (
        'Die Projekte:<ul><li>Cockpit <a href="https://cockpit.gera.de">'
        'https://cockpit.gera.de</a>.</li><li>Kontakt <a href="mailto:smartcity@gera.de">'
        "smartcity@gera.de</a></li></ul>Quelle: &lt;Stadt&gt; &amp; Co")


def test_buttons_are_numbered_options_counted_as_button_choice_counts() -> None:
    client = FakeClient()
    output = MatrixOutput(client, ROOM, "$frage")  # type: ignore[arg-type]
    first = [{"title": "Förderung", "payload": "/programme_funding"},
             {"title": "Phasen", "payload": "/programme_phases"}]
    second = [{"title": "Pilotprojekte", "payload": "/pilots_overview"}]
    run(output.send_text_with_buttons("x", "Möchten Sie mehr wissen?", first))
    run(output.send_text_with_buttons("x", "Oder:", second))
    (_, one, txn_one), (_, two, txn_two) = client.sent
    assert one["body"] == "Möchten Sie mehr wissen?\n\n1. Förderung\n2. Phasen"
    assert one["format"] == "org.matrix.custom.html"
    assert one["formatted_body"].endswith("<ol><li>Förderung</li><li>Phasen</li></ol>")
    assert two["body"] == "Oder:\n\n3. Pilotprojekte"
    assert '<ol start="3"><li>Pilotprojekte</li></ol>' in two["formatted_body"]
    # "3" typed by the citizen is the button Rasa offered third in this turn
    assert chosen_button("3", first + second) == second[0]
    assert (txn_one, txn_two) == (transaction_id("$frage", 1), transaction_id("$frage", 2))


def test_transaction_ids_are_the_same_on_every_attempt() -> None:
    assert transaction_id("$abc:x", 1) == transaction_id("$abc:x", 1)
    ids = {transaction_id(event, n) for event in ("$abc:x", "$abd:x") for n in (1, 2)}
    assert len(ids) == 4
    assert all(re.fullmatch(r"[A-Za-z0-9._~-]+", txn) for txn in ids)


def test_one_conversation_per_room_and_sender() -> None:
    assert conversation_id(ROOM, CITIZEN) == f"{ROOM}+{CITIZEN}"
    assert conversation_id(ROOM, CITIZEN) != conversation_id("!anderer:gera.test", CITIZEN)
    long_id = conversation_id("!" + "r" * 200 + ":gera.test", "@" + "u" * 100 + ":gera.test")
    assert re.fullmatch(r"matrix-[0-9a-f]{64}", long_id)


@pytest.mark.parametrize("name", ["matrix_encrypted", "matrix_text_only"])
def test_notices_are_formal_german_then_english(name: str) -> None:
    texts = yaml.safe_load(matrix_channel.NOTICES.read_text(encoding="utf-8"))[name]
    assert set(texts) == {"de", "en"}
    assert notice(name) == f"{texts['de']}\n\n{texts['en']}"
    german = f" {texts['de'].lower()} "
    assert " sie " in german or " ihre " in german
    assert not any(word in german for word in (" du ", " dich ", " dir ", " dein"))


@pytest.mark.parametrize(("homeserver", "user_id", "secrets_"), [
    (None, ASSISTANT, {"password": "pw"}),
    ("matrix.gera.test", ASSISTANT, {"password": "pw"}),
    ("https://matrix.gera.test", "assistent", {"password": "pw"}),
    ("https://matrix.gera.test", "@assistent", {"password": "pw"}),
    ("https://matrix.gera.test", ASSISTANT, {}),
], ids=["no-homeserver", "no-scheme", "bare-name", "no-server", "no-secret"])
def test_channel_does_not_start_half_configured(
    homeserver: str | None, user_id: str, secrets_: dict[str, str]
) -> None:
    with pytest.raises(RasaException, match="Matrix channel"):
        MatrixInput.from_credentials({"homeserver": homeserver, "user_id": user_id, **secrets_})


MATRIX_ENV = {"MATRIX_HOMESERVER": "https://matrix.gera.test", "MATRIX_USER_ID": ASSISTANT}


def test_credentials_only_when_configured() -> None:
    base = ROOT / "credentials.yml"
    credentials, warnings = channels.build(base, {**MATRIX_ENV, "MATRIX_PASSWORD": "pw"})
    assert credentials[channels.MATRIX] == {
        "homeserver": "https://matrix.gera.test", "user_id": ASSISTANT, "password": "pw"}
    assert warnings == []
    credentials, _ = channels.build(base, {**MATRIX_ENV, "MATRIX_ACCESS_TOKEN": "syt_x"})
    assert credentials[channels.MATRIX]["access_token"] == "syt_x"
    credentials, warnings = channels.build(base, MATRIX_ENV)
    assert channels.MATRIX not in credentials
    assert warnings == [f"{channels.MATRIX} is off: MATRIX_ACCESS_TOKEN or MATRIX_PASSWORD "
                        "not set"]
    credentials, warnings = channels.build(base, {"MATRIX_PASSWORD": "pw"})
    assert channels.MATRIX not in credentials
    assert "MATRIX_HOMESERVER, MATRIX_USER_ID not set" in warnings[0]
    assert channels.build(base, {})[1] == []
    # what the generated file names, Rasa's registry loads
    channel = MatrixInput.from_credentials(
        channels.build(base, {**MATRIX_ENV, "MATRIX_PASSWORD": "pw"})[0][channels.MATRIX])
    assert channel.name() == "matrix" and channel.user_id == ASSISTANT


def test_only_one_process_syncs_an_account(tmp_path: Path) -> None:
    first = SyncState(tmp_path, "https://matrix.gera.test", ASSISTANT)
    assert first.acquire()
    second = SyncState(tmp_path, "https://matrix.gera.test", ASSISTANT)
    assert not second.acquire()  # it stands by
    first.save("s42")
    assert oct(first.path.stat().st_mode & 0o777) == "0o600"
    first.release()
    assert second.acquire()  # and takes over, from where the first one got to
    assert second.next_batch == "s42"
    second.release()


def test_a_second_process_stands_by_until_the_first_ends(tmp_path: Path,
                                                          monkeypatch: pytest.MonkeyPatch
                                                          ) -> None:
    monkeypatch.setattr(matrix_channel, "STANDBY_RETRY_S", 0.05)
    first = SyncState(tmp_path, "https://matrix.gera.test", ASSISTANT)
    assert first.acquire()
    first.save("s7")
    bridge, client, _ = make_bridge(tmp_path, next_batch=None)
    client.syncs = [asyncio.CancelledError()]

    async def scenario() -> None:
        task = asyncio.create_task(bridge.run())
        await asyncio.sleep(0.3)
        assert bridge.standby and client.since == []  # not syncing while the other one is
        first.release()
        with pytest.raises(asyncio.CancelledError):
            await task

    run(scenario())
    assert not bridge.standby and client.since == ["s7"]


# A scripted client in place of mautrix's ClientAPI: the bridge only calls these methods.
class FakeClient:
    def __init__(self) -> None:
        self.mxid = ASSISTANT
        self.api = SimpleNamespace(token="")
        self.sent: list[tuple[str, dict, str]] = []
        self.receipts: list[str] = []
        self.joined: list[str] = []
        self.left: list[str] = []
        self.history: list[Event] = []
        self.history_calls: list[dict[str, Any]] = []
        self.syncs: list[Any] = []
        self.since: list[str | None] = []
        self.fail_sends = 0

    async def send_message_event(self, room_id: str, event_type: EventType, content: Any,
                                 txn_id: str | None = None, **kwargs: Any) -> str:
        if self.fail_sends:
            self.fail_sends -= 1
            raise MatrixConnectionError("homeserver away")
        self.sent.append((room_id, content.serialize(), txn_id))
        return "$sent"

    async def send_receipt(self, room_id: str, event_id: str, *args: Any) -> None:
        self.receipts.append(event_id)

    async def join_room_by_id(self, room_id: str) -> str:
        self.joined.append(room_id)
        return room_id

    async def leave_room(self, room_id: str, *args: Any, **kwargs: Any) -> None:
        self.left.append(room_id)

    async def get_joined_members(self, room_id: str) -> dict:
        return {ASSISTANT: {}}

    async def get_messages(self, room_id: str, direction: PaginationDirection, **kwargs: Any
                           ) -> PaginatedMessages:
        self.history_calls.append(dict(kwargs, direction=direction))
        events, self.history = self.history, []
        return PaginatedMessages("p1", "p0" if events else None, events)

    async def login(self, **kwargs: Any) -> None:
        pass

    async def sync(self, since: str | None = None, **kwargs: Any) -> dict:
        self.since.append(since)
        step = self.syncs.pop(0)
        if isinstance(step, BaseException):
            raise step
        return step


def raw_message(event_id: str, body: str, sender: str = CITIZEN, msgtype: str = "m.text",
                **extra: Any) -> dict:
    return {"type": "m.room.message", "event_id": event_id, "sender": sender,
            "origin_server_ts": 1, "content": {"msgtype": msgtype, "body": body, **extra}}


def raw_encrypted(event_id: str) -> dict:
    return {"type": "m.room.encrypted", "event_id": event_id, "sender": CITIZEN,
            "origin_server_ts": 1, "content": {"algorithm": "m.megolm.v1.aes-sha2",
                                               "ciphertext": "x", "session_id": "s",
                                               "sender_key": "k", "device_id": "D"}}


def sync_response(next_batch: str, rooms: dict[str, list[dict]] | None = None,
                  invites: dict[str, bool] | None = None, limited: bool = False) -> dict:
    join = {room: {"timeline": {"events": events, "limited": limited, "prev_batch": "p1"}}
            for room, events in (rooms or {}).items()}
    invite = {room: {"invite_state": {"events": [
        {"type": "m.room.member", "state_key": ASSISTANT, "sender": CITIZEN,
         "content": {"membership": "invite", "is_direct": direct}}]}}
        for room, direct in (invites or {}).items()}
    return {"next_batch": next_batch, "rooms": {"join": join, "invite": invite}}


class Recorder:
    """Rasa's place: records messages and answers each one with one reply."""

    def __init__(self) -> None:
        self.messages: list[UserMessage] = []
        self.handled: set[str] = set()

    async def __call__(self, message: UserMessage) -> None:
        self.messages.append(message)
        await message.output_channel.send_text_message(message.sender_id,
                                                       f"Antwort auf {message.text}")
        self.handled.add(message.message_id)

    async def already_handled(self, sender_id: str, event_id: str) -> bool:
        return event_id in self.handled

    def seen(self) -> list[tuple[str, str, str]]:
        return [(m.sender_id, m.text, m.message_id) for m in self.messages]


def make_bridge(tmp_path: Path, next_batch: str | None = "s1"
                ) -> tuple[MatrixBridge, FakeClient, Recorder]:
    client, recorder = FakeClient(), Recorder()
    state = SyncState(tmp_path, "https://matrix.gera.test", ASSISTANT)
    if next_batch:
        state.path.parent.mkdir(parents=True, exist_ok=True)
        state.save(next_batch)
        state.next_batch = next_batch
    bridge = MatrixBridge(client, state, recorder, recorder.already_handled,  # type: ignore
                          password="pw")
    return bridge, client, recorder


def run(coroutine: Any) -> Any:
    return asyncio.run(coroutine)


def test_what_reaches_rasa_and_what_gets_a_notice(tmp_path: Path) -> None:
    bridge, client, recorder = make_bridge(tmp_path)
    other_room = "!zwei:gera.test"
    data = sync_response("s2", rooms={
        ROOM: [
            raw_message("$1", "Hallo"),
            raw_message("$2", "Guten Tag! Ich bin ...", sender=ASSISTANT),  # its own
            raw_message("$3", "Ich bin ein anderer Bot", msgtype="m.notice"),
            raw_message("$4", "foto.jpg", msgtype="m.image", url="mxc://gera.test/x"),
            raw_message("$5", "* Hallo!", **{"m.new_content": {"msgtype": "m.text",
                                                                "body": "Hallo!"},
                                             "m.relates_to": {"rel_type": "m.replace",
                                                              "event_id": "$1"}}),
            raw_encrypted("$6"),
            raw_message("$7", "Wann haben Sie geöffnet?"),
        ],
        other_room: [raw_message("$8", "Hello", sender="@visitor:other.test")],
    })
    run(bridge.process(data))
    assert recorder.seen() == [
        (f"{ROOM}+{CITIZEN}", "Hallo", "$1"),
        (f"{ROOM}+{CITIZEN}", "Wann haben Sie geöffnet?", "$7"),
        (f"{other_room}+@visitor:other.test", "Hello", "$8"),
    ]
    assert all(m.input_channel == "matrix" for m in recorder.messages)
    bodies = {txn: (content["msgtype"], content["body"]) for _, content, txn in client.sent}
    assert bodies[transaction_id("$4", 1)] == ("m.notice", notice("matrix_text_only"))
    assert bodies[transaction_id("$6", 1)] == ("m.notice", notice("matrix_encrypted"))
    assert bodies[transaction_id("$1", 1)] == ("m.text", "Antwort auf Hallo")
    assert len(client.sent) == 5  # $1, $4, $6, $7, $8; nothing for $2, $3, $5
    assert sorted(client.receipts) == ["$1", "$4", "$6", "$7", "$8"]


def test_first_sync_accepts_direct_invitations_and_answers_no_history(tmp_path: Path) -> None:
    bridge, client, recorder = make_bridge(tmp_path, next_batch=None)
    data = sync_response("s1", rooms={ROOM: [raw_message("$alt", "Alte Frage")]},
                         invites={"!direkt:gera.test": True, "!gruppe:gera.test": False})
    run(bridge.process(data))
    assert client.joined == ["!direkt:gera.test"]
    assert client.left == ["!gruppe:gera.test"]
    assert recorder.messages == [] and client.sent == []


def test_events_from_before_the_start_are_checked_against_rasa(tmp_path: Path) -> None:
    bridge, client, recorder = make_bridge(tmp_path)
    recorder.handled.add("$1")  # an earlier run answered it, then stopped before saving
    checked: list[str] = []
    tracker_check = recorder.already_handled

    async def already_handled(sender_id: str, event_id: str) -> bool:
        checked.append(event_id)
        return await tracker_check(sender_id, event_id)

    bridge.already_handled = already_handled
    new = {"origin_server_ts": bridge.started_ms + matrix_channel.CLOCK_MARGIN_MS}
    batch = sync_response("s2", rooms={ROOM: [raw_message("$1", "Hallo"),
                                              raw_message("$2", "Und?"),
                                              {**raw_message("$3", "Neu"), **new}]})
    run(bridge.process(batch))
    assert [text for _, text, _ in recorder.seen()] == ["Und?", "Neu"]
    assert checked == ["$1", "$2"]  # nothing newer than the start is looked up
    run(bridge.process(batch))  # the same batch again (it failed): this run knows its answers
    assert [text for _, text, _ in recorder.seen()] == ["Und?", "Neu"]


def test_a_gap_is_filled_from_the_room_history(tmp_path: Path) -> None:
    bridge, client, recorder = make_bridge(tmp_path)
    client.history = [Event.deserialize({**raw_message(f"${n}", f"Frage {n}"), "room_id": ROOM})
                      for n in (3, 2)]  # newest first, as /messages backwards returns them
    run(bridge.process(sync_response("s2", rooms={ROOM: [raw_message("$4", "Frage 4")]},
                                     limited=True)))
    assert [text for _, text, _ in recorder.seen()] == ["Frage 2", "Frage 3", "Frage 4"]
    assert client.history_calls[0]["from_token"] == "p1"
    assert client.history_calls[0]["to_token"] == "s1"  # back to the saved position only


def test_the_position_is_saved_only_after_every_answer(tmp_path: Path) -> None:
    bridge, client, recorder = make_bridge(tmp_path)
    batch = sync_response("s2", rooms={ROOM: [raw_message("$1", "Hallo")]})
    client.fail_sends = 1  # the homeserver goes away while the answer is being sent
    client.syncs = [batch, batch, asyncio.CancelledError()]
    checked: list[str] = []

    async def already_handled(sender_id: str, event_id: str) -> bool:
        checked.append(event_id)
        return False  # Rasa stopped before it saved the message

    bridge.already_handled = already_handled
    with pytest.raises(asyncio.CancelledError):
        run(bridge.run())
    assert client.since == ["s1", "s1", "s2"]  # the failed batch was fetched again
    # an event from before the start: checked against Rasa's tracker on every attempt
    assert checked == ["$1", "$1"]
    assert [txn for _, _, txn in client.sent] == [transaction_id("$1", 1)]
    assert json.loads(bridge.state.path.read_text())["next_batch"] == "s2"


# ------------------------------------------------------------------ a real homeserver


class Homeserver:
    """matrix-synapse on a loopback port with SQLite, no federation, no open registration."""

    def __init__(self, directory: Path, log_dir: Path) -> None:
        subprocess.run([str(ROOT / "scripts" / "matrix-synapse.sh")], check=True,
                       timeout=900)
        self.directory = directory
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = log_dir / "homeserver.log"
        self.config = directory / "homeserver.yaml"
        self.process: subprocess.Popen | None = None
        secret = secrets.token_hex(16)
        self.config.write_text(yaml.safe_dump({
            "server_name": "gera.test",
            "pid_file": str(directory / "homeserver.pid"),
            "listeners": [{"port": self.port, "bind_addresses": ["127.0.0.1"], "type": "http",
                           "tls": False, "x_forwarded": False,
                           "resources": [{"names": ["client"], "compress": False}]}],
            "database": {"name": "sqlite3", "args": {"database": str(directory / "hs.db")}},
            "log_config": str(directory / "log.yaml"),
            "media_store_path": str(directory / "media"),
            "signing_key_path": str(directory / "signing.key"),
            "registration_shared_secret": secret,
            "macaroon_secret_key": secrets.token_hex(16),
            "form_secret": secrets.token_hex(16),
            "report_stats": False,
            "bcrypt_rounds": 4,  # test accounts: hashing their passwords need not be slow
            "enable_registration": False,
            "federation_domain_whitelist": [],
            "trusted_key_servers": [],
            "suppress_key_server_warning": True,
            "presence": {"enabled": False},
            "url_preview_enabled": False,
            "rc_message": {"per_second": 100, "burst_count": 200},
            "rc_login": {kind: {"per_second": 100, "burst_count": 200}
                         for kind in ("address", "account", "failed_attempts")},
            "rc_joins": {"local": {"per_second": 100, "burst_count": 200}},
            "rc_invites": {kind: {"per_second": 100, "burst_count": 200}
                           for kind in ("per_room", "per_user", "per_issuer")},
        }))
        (directory / "log.yaml").write_text(yaml.safe_dump({
            "version": 1, "disable_existing_loggers": False,
            "formatters": {"plain": {"format": "%(asctime)s %(name)s %(levelname)s %(message)s"}},
            "handlers": {"file": {"class": "logging.FileHandler", "formatter": "plain",
                                  "filename": str(self.log)}},
            "root": {"level": "INFO", "handlers": ["file"]},
        }))
        self.synapse([str(SYNAPSE / "bin" / "python"), "-m", "synapse.app.homeserver",
                      "--config-path", str(self.config), "--generate-keys"])

    @staticmethod
    def synapse(command: list[str]) -> None:
        result = subprocess.run(command, capture_output=True, text=True, timeout=120)
        assert result.returncode == 0, result.stdout + result.stderr

    def start(self) -> None:
        output = open(self.directory / "stdout.log", "a")  # noqa: SIM115
        self.process = subprocess.Popen(
            [str(SYNAPSE / "bin" / "python"), "-m", "synapse.app.homeserver",
             "--config-path", str(self.config)], stdout=output, stderr=subprocess.STDOUT)
        wait_for(f"{self.url}/_matrix/client/versions", 120, self.process)

    def stop(self) -> None:
        stop_process(self.process)
        self.process = None

    def register(self, localpart: str, password: str) -> str:
        self.synapse([str(SYNAPSE / "bin" / "register_new_matrix_user"), "-u", localpart,
                      "-p", password, "--no-admin", "-c", str(self.config), self.url])
        return f"@{localpart}:gera.test"

    def version(self) -> str:
        answer = requests.get(f"{self.url}/_synapse/admin/v1/server_version", timeout=10)
        return answer.json()["server_version"]


@pytest.fixture(scope="module")
def homeserver(tmp_path_factory: pytest.TempPathFactory, stack_dir: Path
               ) -> Iterator[Homeserver]:
    log_dir = stack_dir / "matrix"
    log_dir.mkdir(parents=True, exist_ok=True)
    server = Homeserver(tmp_path_factory.mktemp("synapse"), log_dir)
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="module")
def loop() -> Iterator[asyncio.AbstractEventLoop]:
    """One event loop for the clients of a module (their HTTP sessions live on it)."""
    event_loop = asyncio.new_event_loop()
    yield event_loop
    event_loop.close()


class Citizen:
    """A person in a Matrix client: opens a direct room with the assistant, writes, and reads
    what arrives until the assistant's read receipt says the message has been answered."""

    def __init__(self, loop: asyncio.AbstractEventLoop, homeserver: Homeserver,
                 user_id: str, password: str) -> None:
        self.loop = loop

        async def log_in() -> ClientAPI:  # the client's HTTP session belongs to the loop
            # retries, as a real client's: a connection kept open to a homeserver that was
            # restarted fails once (a message is sent again with the same transaction id)
            client = ClientAPI(user_id, base_url=homeserver.url, default_retry_count=3)
            await client.login(password=password)
            return client

        self.client = self.run(log_in())
        self.since = self.run(self.client.sync(timeout=0))["next_batch"]
        self.timeline: list[Event] = []  # every message seen in any room, in order
        self.receipts: set[tuple[str, str]] = set()  # (event id, reader)

    def run(self, coroutine: Any) -> Any:
        return self.loop.run_until_complete(coroutine)

    def open_room(self, assistant: str, **options: Any) -> str:
        room = self.run(self.client.create_room(is_direct=True, invitees=[assistant],
                                                **options))
        deadline = time.monotonic() + 60
        while assistant not in self.run(self.client.get_joined_members(room)):
            assert time.monotonic() < deadline, "the assistant did not join the direct room"
            time.sleep(0.3)
        return room

    def say(self, room: str, text: str, reader: str, timeout: float = 150) -> list[dict]:
        """Send ``text``; the contents of the replies once ``reader`` has marked it read."""
        content = TextMessageEventContent(msgtype=MessageType.TEXT, body=text)
        event_id = self.run(self.client.send_message_event(room, EventType.ROOM_MESSAGE,
                                                           content))
        deadline = time.monotonic() + timeout
        while (event_id, reader) not in self.receipts:
            assert time.monotonic() < deadline, f"no answer to {text!r} within {timeout}s"
            self.read(timeout_ms=5000)
        return self.replies(room, event_id, reader)

    def read(self, timeout_ms: int = 0) -> None:
        try:
            data = self.run(self.client.sync(since=self.since, timeout=timeout_ms))
        except MatrixConnectionError:  # sync itself is never retried by mautrix
            time.sleep(1)
            return
        self.since = data["next_batch"]
        for room_id, joined in (data.get("rooms") or {}).get("join", {}).items():
            for raw in (joined.get("timeline") or {}).get("events", []):
                if raw.get("type") == "m.room.message":
                    self.timeline.append(Event.deserialize({**raw, "room_id": room_id}))
            for raw in (joined.get("ephemeral") or {}).get("events", []):
                if raw.get("type") == "m.receipt":
                    for read_event, kinds in raw["content"].items():
                        for reader in (kinds.get("m.read") or {}):
                            self.receipts.add((read_event, reader))

    def replies(self, room: str, event_id: str, reader: str) -> list[dict]:
        ids = [event.event_id for event in self.timeline]
        assert event_id in ids, "the citizen's own message did not come back in the sync"
        after = self.timeline[ids.index(event_id) + 1:]
        return [event.content.serialize() for event in after
                if event.room_id == room and event.sender == reader]

    def history(self, room: str) -> list[tuple[str, str, str]]:
        """Every message in the room as the homeserver keeps it: (event id, sender, body)."""
        events: list[Event] = []
        token = None
        while True:
            page = self.run(self.client.get_messages(room, PaginationDirection.FORWARD,
                                                     from_token=token, limit=100))
            events.extend(page.events)
            if not page.events or not page.end:
                break
            token = page.end
        return [(e.event_id, e.sender, e.content.body) for e in events
                if e.type == EventType.ROOM_MESSAGE]

    def close(self) -> None:
        self.run(self.client.api.session.close())


def text_of(replies: list[dict]) -> str:
    return "\n".join(reply["body"] for reply in replies)


@pytest.mark.stack
def test_a_restarted_channel_answers_what_came_meanwhile_and_nothing_twice(
    homeserver: Homeserver, loop: asyncio.AbstractEventLoop, tmp_path: Path
) -> None:
    assistant = homeserver.register("echo", "echo-password")
    citizen = Citizen(loop, homeserver, homeserver.register("anna", "anna-pw"), "anna-pw")
    recorder = Recorder()
    state_dir = tmp_path / "state"

    def start(already_handled: Any = recorder.already_handled) -> MatrixInput:
        channel = MatrixInput(homeserver.url, assistant, password="echo-password",
                              state_dir=str(state_dir))
        citizen.run(channel.start(recorder, already_handled))
        deadline = time.monotonic() + 60
        while not (channel.bridge and channel.bridge.synced):
            assert time.monotonic() < deadline, "the channel did not sync"
            citizen.run(asyncio.sleep(0.2))
        return channel

    try:
        channel = start()
        room = citizen.open_room(assistant)
        assert text_of(citizen.say(room, "eins", assistant)) == "Antwort auf eins"
        citizen.run(channel.stop())
        [state_file] = state_dir.glob("*.json")
        after_one = state_file.read_text()

        # written while the assistant is down: answered once it is back, "eins" not again
        content = TextMessageEventContent(msgtype=MessageType.TEXT, body="zwei")
        zwei = citizen.run(citizen.client.send_message_event(room, EventType.ROOM_MESSAGE,
                                                             content))
        channel = start()
        deadline = time.monotonic() + 60
        while (zwei, assistant) not in citizen.receipts:
            assert time.monotonic() < deadline, "the message sent meanwhile was not answered"
            citizen.read(timeout_ms=2000)
        assert text_of(citizen.replies(room, zwei, assistant)) == "Antwort auf zwei"
        citizen.run(channel.stop())
        assert [text for _, text, _ in recorder.seen()] == ["eins", "zwei"]

        # a crash after "zwei" was answered, before the position was saved: Rasa's tracker
        # knows the message, nothing is handled again
        state_file.write_text(after_one)
        channel = start()
        citizen.run(channel.stop())
        assert [text for _, text, _ in recorder.seen()] == ["eins", "zwei"]

        # ... and a crash before Rasa saved it: answered again, but with the same
        # transaction id, which the homeserver takes only once (same device, new log-in)
        state_file.write_text(after_one)

        async def nothing_handled(sender_id: str, event_id: str) -> bool:
            return False

        channel = start(nothing_handled)
        citizen.run(channel.stop())
        assert [text for _, text, _ in recorder.seen()] == ["eins", "zwei", "zwei"]
        bodies = [body for _, sender, body in citizen.history(room) if sender == assistant]
        assert bodies == ["Antwort auf eins", "Antwort auf zwei"]
    finally:
        citizen.close()


@pytest.mark.stack
def test_encrypted_room_gets_a_notice_not_silence(
    homeserver: Homeserver, loop: asyncio.AbstractEventLoop, tmp_path: Path
) -> None:
    """A real encrypted room; the citizen's message is a (fake) megolm event, which is all a
    server or the assistant ever sees of an encrypted message."""
    assistant = homeserver.register("krypto", "krypto-password")
    citizen = Citizen(loop, homeserver, homeserver.register("berta", "berta-pw"), "berta-pw")
    recorder = Recorder()
    channel = MatrixInput(homeserver.url, assistant, password="krypto-password",
                          state_dir=str(tmp_path))
    try:
        citizen.run(channel.start(recorder, recorder.already_handled))
        while not channel.bridge.synced:
            citizen.run(asyncio.sleep(0.2))
        room = citizen.open_room(assistant, initial_state=[{
            "type": "m.room.encryption", "state_key": "",
            "content": {"algorithm": "m.megolm.v1.aes-sha2"}}])
        encrypted = citizen.run(citizen.client.send_message_event(
            room, EventType.ROOM_ENCRYPTED, raw_encrypted("$x")["content"]))
        deadline = time.monotonic() + 60
        while (encrypted, assistant) not in citizen.receipts:
            assert time.monotonic() < deadline, "no notice for the encrypted message"
            citizen.read(timeout_ms=2000)
        [reply] = [e.content.serialize() for e in citizen.timeline
                   if e.room_id == room and e.sender == assistant]
        assert reply["msgtype"] == "m.notice"
        assert reply["body"] == notice("matrix_encrypted")
        assert recorder.messages == []
    finally:
        citizen.run(channel.stop())
        citizen.close()


# ------------------------------------------------------------------ with Rasa


class AssistantProcess:
    """Rasa with the trained model and the Matrix channel (plus --enable-api, to read the
    conversation's slots), its tracker store a SQLite file, and the action server."""

    def __init__(self, rasa: RasaServer) -> None:
        self.rasa = rasa
        health = f"{rasa.url}/webhooks/matrix/"
        deadline = time.monotonic() + 120
        while not requests.get(health, timeout=10).json()["synced"]:
            assert time.monotonic() < deadline, "the Matrix channel did not sync"
            time.sleep(0.5)

    def slots(self, sender_id: str) -> dict[str, Any]:
        # as it is: Rasa does not decode the id in the path (conversation_id() keeps it
        # to characters a URL carries unencoded)
        tracker = self.rasa.tracker(sender_id)
        assert tracker["sender_id"] == sender_id
        assert any(event["event"] == "user" for event in tracker["events"]), "no such tracker"
        return tracker["slots"]


@pytest.fixture(scope="module")
def assistant(trained_model: str, homeserver: Homeserver, stack_dir: Path,
              tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, AssistantProcess]]:
    password = "assistent-password"
    user_id = homeserver.register("assistent", password)
    work = tmp_path_factory.mktemp("assistant")
    credentials = {
        "rest": None,
        channels.MATRIX: {"homeserver": homeserver.url, "user_id": user_id,
                          "password": password, "state_dir": str(work / "matrix")},
    }
    trackers = {"type": "SQL", "dialect": "sqlite", "db": str(work / "trackers.db")}
    with running_rasa(stack_dir / "matrix", NOW, name="rasa-matrix", credentials=credentials,
                      endpoints={"tracker_store": trackers}, enable_api=True,
                      ready="/webhooks/matrix/", seconds=600) as (rasa, _):
        yield user_id, AssistantProcess(rasa)


@pytest.fixture(scope="module")
def citizen(homeserver: Homeserver, loop: asyncio.AbstractEventLoop, stack_dir: Path
            ) -> Iterator[Citizen]:
    person = Citizen(loop, homeserver, homeserver.register("buerger", "buerger-pw"),
                     "buerger-pw")
    yield person
    # what the citizen saw, for a person to read: var/results/stack/matrix/transcript.json
    (stack_dir / "matrix" / "transcript.json").write_text(json.dumps(
        [{"room": event.room_id, "sender": event.sender, **event.content.serialize()}
         for event in person.timeline], ensure_ascii=False, indent=1), encoding="utf-8")
    person.close()


def expect(replies: list[dict], *wanted: str, absent: tuple[str, ...] = ()) -> str:
    text = text_of(replies)
    assert replies, "no reply"
    for part in wanted:
        assert part in text, f"{part!r} not in {text!r}"
    for part in absent:
        assert part not in text, f"{part!r} in {text!r}"
    return text


@pytest.mark.stack
def test_german_conversation_survives_a_homeserver_restart(
    assistant: tuple[str, AssistantProcess], citizen: Citizen, homeserver: Homeserver
) -> None:
    bot, rasa = assistant
    room = citizen.open_room(bot)
    sender_id = conversation_id(room, citizen.client.mxid)

    about = citizen.say(room, "Was ist SMARTCity Gera?", bot)
    expect(about, "7,5 Millionen", "Quelle")
    [offer] = [reply for reply in about if "<ol>" in reply.get("formatted_body", "")]
    assert offer["format"] == "org.matrix.custom.html"
    assert offer["body"].endswith("1. Förderung\n2. Phasen\n3. Pilotprojekte")
    expect(citizen.say(room, "3", bot), "Pilotprojekte", "Smart City Cockpit")  # by number
    expect(citizen.say(room, "Wann ist der nächste Rundgang?", bot), "24. Juni 2023")
    hours = citizen.say(room, "Wann haben Sie geöffnet?", bot)
    expect(hours, "Servicezeiten", "Montag")
    before = rasa.slots(sender_id)
    assert (before["topic"], before["language"]) == ("office", "de")
    answered_before = [body for _, sender, body in citizen.history(room) if sender == bot]

    homeserver.stop()
    homeserver.start()

    friday = citizen.say(room, "Und am Freitag?", bot)  # needs the topic slot
    expect(friday, "15:00", absent=("24.06.2023",))
    assert rasa.slots(sender_id)["language"] == "de"
    outside = citizen.say(room, "Wie beantrage ich einen neuen Personalausweis?", bot)
    expect(outside, "StadtService H35", "smartcity@gera.de")
    assert any('href="mailto:smartcity@gera.de"' in reply.get("formatted_body", "")
               for reply in outside)

    answered = [body for _, sender, body in citizen.history(room) if sender == bot]
    after_restart = answered[len(answered_before):]
    assert answered[:len(answered_before)] == answered_before
    assert after_restart == [reply["body"] for reply in friday + outside]  # nothing again
    assert not set(after_restart) & set(answered_before)


@pytest.mark.stack
def test_english_conversation_in_its_own_room(
    assistant: tuple[str, AssistantProcess], citizen: Citizen
) -> None:
    bot, rasa = assistant
    room = citizen.open_room(bot)
    about = citizen.say(room, "What is SMARTCity Gera?", bot)
    expect(about, "7.5 million", "Source")
    assert any(reply["body"].endswith("1. Funding\n2. Phases\n3. Pilot projects")
               for reply in about)
    expect(citizen.say(room, "2", bot), "phase", absent=("Phasen",))
    expect(citizen.say(room, "When is the next tour?", bot), "24 June 2023")
    expect(citizen.say(room, "What are your office hours?", bot),
           "Friday: 09:00–15:00", "Monday")
    expect(citizen.say(room, "Where do I register my new address?", bot), "StadtService H35")
    slots = rasa.slots(conversation_id(room, citizen.client.mxid))
    assert slots["language"] == "en"
    answered = [body for _, sender, body in citizen.history(room) if sender == bot]
    assert len(answered) == len(set(answered))  # every reply once
