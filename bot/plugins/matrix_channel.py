"""Matrix channel: the assistant as a Matrix user (BundesMessenger, Element, any Matrix client).

Design: a client that syncs, inside Rasa's server, built on mautrix's client API. A Matrix
application service would suit Rasa's webhook model better, but it has to be registered in
the homeserver's own configuration, which a city on a hosted homeserver (BundesMessenger)
cannot do; an ordinary account can be had on any homeserver. The sync loop starts and stops
with Rasa's server (listeners of the channel's blueprint) and hands every citizen message to
Rasa exactly like a webhook channel does.

- Direct rooms only: an invitation marked ``is_direct`` is accepted, any other is declined.
  One conversation per room and sender (Rasa sender id ``<room id>+<user id>``).
- Replies: lists ("• ...") and links as ``org.matrix.custom.html`` with a plain-text body;
  buttons become numbered options, and ButtonChoice (bot/plugins/nlu_choice.py) maps a reply
  "1", "2" ... to the button, numbered across all messages of one turn as it counts them.
- Never twice, none lost: the sync position is stored (``var/matrix/``) only after every
  event of a batch has been answered, so a restart resumes where the answers stopped. After a
  crash, events from before the start may come again: Rasa's tracker holds each message's
  event id, those are skipped; and each reply is sent with a transaction id derived from the
  event it answers, so a reply the homeserver already took is not posted again. A timeline
  gap (the assistant was down for long) is filled from the room's history.
- Encrypted rooms are not supported (no device keys, no verification): an encrypted message
  is answered with a plain notice saying so (messenger_notices.yml), never with silence.

In credentials (bot/services/channels.py writes this from the environment)::

    bot.plugins.matrix_channel.MatrixInput:
      homeserver: https://matrix.example.org
      user_id: "@assistent:example.org"
      access_token: ...          # or password: ...
      state_dir: var/matrix      # optional
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import hashlib
import html
import json
import logging
import os
import re
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import yaml
from mautrix.client import ClientAPI
from mautrix.errors import (
    MatrixConnectionError,
    MatrixError,
    MatrixRequestError,
    MUnknownToken,
)
from mautrix.types import (
    EncryptedEvent,
    Event,
    EventType,
    Format,
    Membership,
    MessageEvent,
    MessageType,
    PaginationDirection,
    SerializerError,
    StateEvent,
    TextMessageEventContent,
)
from rasa.core.channels.channel import InputChannel, OutputChannel, UserMessage
from rasa.shared.core.events import UserUttered
from rasa.shared.exceptions import RasaException
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot import ROOT

logger = logging.getLogger(__name__)

CHANNEL = "matrix"
#: The channel's fixed texts (German and English); Rasa's wording is in domain.yml.
NOTICES = ROOT / "messenger_notices.yml"
#: Where the sync position is kept, one file per homeserver and account.
STATE_DIR = ROOT / "var" / "matrix"
#: The assistant's device: transaction ids are scoped to it, so it must stay the same
#: across log-ins for the homeserver to recognise a reply it already took.
DEVICE_ID = "SMARTCITY_GERA"
SYNC_TIMEOUT_MS = 30_000
#: Events per room in one sync; more missed events are fetched from the room's history.
TIMELINE_LIMIT = 50
#: At most this many missed events per room are fetched after a long outage.
GAP_LIMIT = 1000
#: Retries of one reply (4 s, 8 s, ... 128 s): a restarting homeserver loses no reply.
SEND_RETRIES = 6
MAX_BACKOFF_S = 10.0
#: How often a standing-by process tries to take over the account.
STANDBY_RETRY_S = 15.0
#: Homeserver and assistant clocks may differ by this much (events "from before the start").
CLOCK_MARGIN_MS = 5 * 60 * 1000
#: Event ids of answered messages kept in memory (one batch's worth is what matters).
REMEMBERED = 10_000
#: Conversations answered at the same time (each one strictly in order).
PARALLEL_CONVERSATIONS = 4
#: Rasa's SQL tracker store keeps sender ids of up to 255 characters.
MAX_SENDER_ID = 255
#: What reaches Rasa; ``m.notice`` is what bots send and is never answered (no bot loops).
TEXT_TYPES = (MessageType.TEXT, MessageType.EMOTE)
IGNORED_TYPES = (MessageType.NOTICE,)
USER_ID = re.compile(r"@[^:\s]+:\S+")

#: Only what the loop uses: messages, encrypted messages and memberships; no presence,
#: receipts or account data.
SYNC_FILTER = json.dumps({
    "presence": {"not_types": ["*"]},
    "account_data": {"not_types": ["*"]},
    "room": {
        "timeline": {"limit": TIMELINE_LIMIT, "lazy_load_members": True,
                     "types": ["m.room.message", "m.room.encrypted", "m.room.member"]},
        "state": {"not_types": ["*"]},
        "ephemeral": {"not_types": ["*"]},
        "account_data": {"not_types": ["*"]},
    },
})
HISTORY_FILTER = {"types": ["m.room.message", "m.room.encrypted", "m.room.member"]}

_LINK = re.compile(r"https?://[^\s<>\"]+|www\.[^\s<>\"]+|[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_TRAILING = re.compile(r"[.,;:!?)\]}»“\"']+$")
BULLET = "•"


def notice(name: str, path: Path = NOTICES) -> str:
    """A fixed text of messenger_notices.yml: German, a blank line, English."""
    texts = yaml.safe_load(path.read_text(encoding="utf-8"))[name]
    return f"{texts['de'].strip()}\n\n{texts['en'].strip()}"


def conversation_id(room_id: str, user_id: str) -> str:
    """Rasa's sender id of one citizen in one room (a hash when it would be too long). Only
    characters that URLs carry as they are, so Rasa's HTTP API (which does not decode
    ``/conversations/<id>/...``) can address it: ``!room:server+@user:server``."""
    key = f"{room_id}+{user_id}"
    if len(key) <= MAX_SENDER_ID:
        return key
    return "matrix-" + hashlib.sha256(key.encode("utf-8")).hexdigest()


def linkify(text: str) -> str:
    """``text`` as HTML: escaped, with URLs and e-mail addresses as links (as the web page)."""
    parts: list[str] = []
    last = 0
    for match in _LINK.finditer(text):
        raw = _TRAILING.sub("", match.group(0))
        if not raw:
            continue
        if "@" in raw and not raw.lower().startswith(("http://", "https://", "www.")):
            href = "mailto:" + raw
        else:
            href = raw if raw.lower().startswith(("http://", "https://")) else "https://" + raw
        parts.append(html.escape(text[last:match.start()], quote=False))
        parts.append(f'<a href="{html.escape(href)}">{html.escape(raw, quote=False)}</a>')
        last = match.start() + len(raw)
    parts.append(html.escape(text[last:], quote=False))
    return "".join(parts)


def render(text: str, options: list[str], first: int = 1) -> tuple[str, str]:
    """(plain body, HTML) of a reply: "•" lines become a list, line breaks stay, and the
    buttons' titles follow as options numbered from ``first``."""
    text = (text or "").strip()
    blocks: list[str] = []
    lines: list[str] = []
    items: list[str] = []

    def flush() -> None:
        if lines:
            blocks.append("<br>".join(lines))
            lines.clear()
        if items:
            blocks.append("<ul>" + "".join(f"<li>{item}</li>" for item in items) + "</ul>")
            items.clear()

    for line in text.split("\n"):
        stripped = line.strip()
        if stripped.startswith(BULLET):
            if lines:
                flush()
            items.append(linkify(stripped[len(BULLET):].strip()))
        else:
            if items:
                flush()
            lines.append(linkify(stripped))
    flush()
    plain = text
    if options:
        numbered = [f"{number}. {title}" for number, title in enumerate(options, first)]
        plain = "\n\n".join(part for part in (text, "\n".join(numbered)) if part)
        items_html = "".join(f"<li>{html.escape(title, quote=False)}</li>" for title in options)
        blocks.append(f'<ol start="{first}">{items_html}</ol>' if first != 1
                      else f"<ol>{items_html}</ol>")
    return plain, "".join(blocks)


def message_content(text: str, options: list[str] | None = None, first: int = 1,
                    msgtype: MessageType = MessageType.TEXT) -> TextMessageEventContent:
    plain, formatted = render(text, options or [], first)
    return TextMessageEventContent(msgtype=msgtype, body=plain, format=Format.HTML,
                                   formatted_body=formatted)


def transaction_id(event_id: str, number: int) -> str:
    """The id of the ``number``-th reply to ``event_id``: the same on every attempt, so the
    homeserver drops a repeat of a reply it already took."""
    return f"gera.{hashlib.sha256(event_id.encode('utf-8')).hexdigest()[:40]}.{number}"


class MatrixOutput(OutputChannel):
    """Sends the replies to one citizen message into its room."""

    @classmethod
    def name(cls) -> str:
        return CHANNEL

    def __init__(self, client: ClientAPI, room_id: str, answering: str) -> None:
        self.client = client
        self.room_id = room_id
        self.answering = answering
        self.sent = 0
        self.offered = 0  # buttons offered in this turn so far: numbering continues

    async def send_content(self, content: TextMessageEventContent) -> None:
        self.sent += 1
        await self.client.send_message_event(
            self.room_id, EventType.ROOM_MESSAGE, content,
            txn_id=transaction_id(self.answering, self.sent), retry_count=SEND_RETRIES)

    async def send_text_message(self, recipient_id: str, text: str, **kwargs: Any) -> None:
        await self.send_content(message_content(text))

    async def send_text_with_buttons(self, recipient_id: str, text: str,
                                     buttons: list[dict[str, Any]], **kwargs: Any) -> None:
        titles = [str(button.get("title", "")) for button in buttons]
        await self.send_content(message_content(text, titles, first=self.offered + 1))
        self.offered += len(titles)

    async def send_quick_replies(self, recipient_id: str, text: str,
                                 quick_replies: list[dict[str, Any]], **kwargs: Any) -> None:
        await self.send_text_with_buttons(recipient_id, text, quick_replies)

    async def send_image_url(self, recipient_id: str, image: str, **kwargs: Any) -> None:
        await self.send_content(message_content(image))

    async def send_attachment(self, recipient_id: str, attachment: str, **kwargs: Any) -> None:
        await self.send_content(message_content(str(attachment)))

    async def send_custom_json(self, recipient_id: str, json_message: Any, **kwargs: Any) -> None:
        logger.warning("matrix: a custom payload has no Matrix form; not sent")


class SyncState:
    """The sync position of one account, in a file only this process writes (locked)."""

    def __init__(self, state_dir: Path, homeserver: str, user_id: str) -> None:
        name = hashlib.sha256(f"{homeserver}|{user_id}".encode()).hexdigest()[:16]
        self.path = state_dir / f"{name}.json"
        self.lock_path = state_dir / f"{name}.lock"
        self.next_batch: str | None = None
        self._lock: int | None = None

    def acquire(self) -> bool:
        """Take the account, or False while another process has it: two processes syncing
        one account would answer every message twice."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        descriptor = os.open(self.lock_path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            os.close(descriptor)
            return False
        self._lock = descriptor
        if self.path.exists():
            self.next_batch = json.loads(self.path.read_text(encoding="utf-8")).get("next_batch")
        return True

    def release(self) -> None:
        if self._lock is not None:
            os.close(self._lock)
            self._lock = None

    def save(self, next_batch: str) -> None:
        """Written to a temporary file and renamed: a crash leaves the old or the new one."""
        temporary = self.path.with_suffix(".tmp")
        descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
            json.dump({"next_batch": next_batch}, handle)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, self.path)
        self.next_batch = next_batch


Handler = Callable[[UserMessage], Awaitable[Any]]
AlreadyHandled = Callable[[str, str], Awaitable[bool]]


class MatrixBridge:
    """The sync loop: invitations, citizen messages to Rasa, the position saved after each
    batch was answered."""

    def __init__(self, client: ClientAPI, state: SyncState, handle: Handler,
                 already_handled: AlreadyHandled, password: str | None = None) -> None:
        self.client = client
        self.state = state
        self.handle = handle
        self.already_handled = already_handled
        self.password = password
        self.notices = {name: notice(name) for name in ("matrix_encrypted", "matrix_text_only")}
        self.synced = False
        self.standby = False
        # Events this run has answered (a failed batch comes again); older events may have
        # been answered by an earlier run, whose saved position may lag behind its answers.
        self.answered: OrderedDict[str, None] = OrderedDict()
        self.started_ms = int(time.time() * 1000)

    async def log_in(self) -> None:
        """With an access token: check whose it is. Without one (or once it is revoked): a
        password log-in on the assistant's fixed device."""
        if self.client.api.token:
            try:
                whoami = await self.client.whoami()
            except MUnknownToken:
                if not self.password:
                    raise
                self.client.api.token = ""
            else:
                if whoami.user_id != self.client.mxid:
                    raise RasaException(f"Matrix channel: the access token belongs to "
                                        f"{whoami.user_id}, not {self.client.mxid}")
                self.client.device_id = whoami.device_id
                return
        await self.client.login(password=self.password, device_id=DEVICE_ID,
                                device_name="SMARTCity Gera assistant")

    async def run(self) -> None:
        """Wait for the account (another Rasa process may be syncing it: this one stands by
        and takes over when that one ends), log in and sync until cancelled; failures are
        retried with a growing pause."""
        if not self.state.acquire():
            logger.warning("matrix: another process syncs %s (%s is locked); standing by",
                           self.client.mxid, self.state.lock_path)
            self.standby = True
            while not self.state.acquire():
                await asyncio.sleep(STANDBY_RETRY_S)
            self.standby = False
            logger.info("matrix: taking over %s", self.client.mxid)
        backoff = 1.0
        logged_in = False
        while True:
            try:
                if not logged_in:
                    await self.log_in()
                    logged_in = True
                data = await self.client.sync(since=self.state.next_batch,
                                              timeout=SYNC_TIMEOUT_MS, filter_id=SYNC_FILTER)
                await self.process(data)
                self.state.save(data["next_batch"])
                self.synced = True
                backoff = 1.0
            except asyncio.CancelledError:
                raise
            except MUnknownToken:
                if not self.password:
                    logger.error("matrix: the access token was rejected; channel stopped")
                    raise
                logger.warning("matrix: the access token was rejected; logging in again")
                self.client.api.token = ""
                logged_in = False
            except Exception as error:  # noqa: BLE001 - the loop must outlive any failure
                if isinstance(error, (MatrixConnectionError, MatrixRequestError, OSError)):
                    logger.warning("matrix: sync failed (%s); retrying in %.0f s", error, backoff)
                else:
                    logger.exception("matrix: sync failed; retrying in %.0f s", backoff)
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, MAX_BACKOFF_S)

    async def process(self, data: dict[str, Any]) -> None:
        """One sync response: invitations first, then each conversation's messages in order."""
        rooms = data.get("rooms") or {}
        for room_id, invited in (rooms.get("invite") or {}).items():
            await self.answer_invite(room_id, invited)
        if self.state.next_batch is None:
            # The account's first sync: what is in its rooms already is history, not questions.
            return
        conversations: dict[str, list[Event]] = {}
        for room_id, joined in (rooms.get("join") or {}).items():
            timeline = joined.get("timeline") or {}
            events = [event for raw in timeline.get("events") or []
                      if (event := self.parse(raw, room_id)) is not None]
            if timeline.get("limited") and timeline.get("prev_batch"):
                events = await self.missed(room_id, timeline["prev_batch"]) + events
            for event in events:
                if event.sender == self.client.mxid:
                    continue
                if isinstance(event, StateEvent):
                    await self.member_changed(event)
                elif isinstance(event, (MessageEvent, EncryptedEvent)):
                    key = conversation_id(room_id, event.sender)
                    conversations.setdefault(key, []).append(event)
        logger.debug("matrix: batch after %s: %s", self.state.next_batch,
                     {key: [event.event_id for event in events]
                      for key, events in conversations.items()})
        limit = asyncio.Semaphore(PARALLEL_CONVERSATIONS)

        async def converse(key: str, events: list[Event]) -> None:
            async with limit:
                for event in events:
                    if await self.answered_before(key, event):
                        continue
                    try:
                        await self.answer(key, event)
                    except MatrixConnectionError:
                        raise  # the homeserver is away: the batch is tried again
                    except Exception:  # noqa: BLE001 - one bad event must not stop the room
                        logger.exception("matrix: could not answer %s", event.event_id)

        # Every conversation finishes (none is left running into the retry), then the first
        # failure, if any, fails the batch: its position is not saved and it comes again.
        results = await asyncio.gather(
            *(converse(key, events) for key, events in conversations.items()),
            return_exceptions=True)
        for result in results:
            if isinstance(result, BaseException):
                raise result

    async def answered_before(self, key: str, event: Event) -> bool:
        """Whether this run answered ``event`` already, or (for an event from before this
        run, give or take the clocks' difference) Rasa's tracker holds it."""
        if event.event_id in self.answered:
            return True
        if event.timestamp >= self.started_ms + CLOCK_MARGIN_MS:
            return False
        return await self.already_handled(key, event.event_id)

    def remember(self, event_id: str) -> None:
        self.answered[event_id] = None
        while len(self.answered) > REMEMBERED:
            self.answered.popitem(last=False)

    @staticmethod
    def parse(raw: dict[str, Any], room_id: str) -> Event | None:
        try:
            return Event.deserialize({**raw, "room_id": room_id})
        except (SerializerError, KeyError, ValueError, TypeError):
            logger.warning("matrix: skipped an event that does not parse: %s", raw.get("type"))
            return None

    async def missed(self, room_id: str, prev_batch: str) -> list[Event]:
        """Events between the stored position and the sync's timeline, oldest first."""
        found: list[Event] = []
        token = prev_batch
        while len(found) < GAP_LIMIT:
            page = await self.client.get_messages(
                room_id, PaginationDirection.BACKWARD, from_token=token,
                to_token=self.state.next_batch, limit=100, filter_json=HISTORY_FILTER)
            found.extend(page.events)
            if not page.events or not page.end or page.end == token:
                break
            token = page.end
        return list(reversed(found))

    async def answer_invite(self, room_id: str, invited: dict[str, Any]) -> None:
        """Join a direct room the assistant is invited to; decline any other."""
        mine = [event for event in (invited.get("invite_state") or {}).get("events") or []
                if event.get("type") == "m.room.member"
                and event.get("state_key") == self.client.mxid]
        direct = bool(mine and (mine[0].get("content") or {}).get("is_direct"))
        try:
            if direct:
                await self.client.join_room_by_id(room_id)
                logger.info("matrix: joined direct room %s", room_id)
                return
            logger.info("matrix: declined the invitation to %s (not a direct room)", room_id)
        except MatrixRequestError as error:
            logger.warning("matrix: could not join %s (%s); declining", room_id, error)
        with contextlib.suppress(MatrixRequestError):
            await self.client.leave_room(room_id)

    async def member_changed(self, event: StateEvent) -> None:
        """Leave a room once the citizen left it: nobody is left to answer."""
        if event.type != EventType.ROOM_MEMBER or event.content.membership not in (
                Membership.LEAVE, Membership.BAN):
            return
        with contextlib.suppress(MatrixRequestError):
            members = await self.client.get_joined_members(event.room_id)
            if set(members) <= {self.client.mxid}:
                await self.client.leave_room(event.room_id)

    async def answer(self, key: str, event: Event) -> None:
        """One event: a text goes to Rasa, what Rasa cannot read gets a notice; then a read
        receipt tells the citizen (and the tests) that the message has been answered."""
        output = MatrixOutput(self.client, event.room_id, event.event_id)
        content = event.content
        msgtype = getattr(content, "msgtype", None)
        if isinstance(event, EncryptedEvent):
            await output.send_content(message_content(self.notices["matrix_encrypted"],
                                                      msgtype=MessageType.NOTICE))
        elif msgtype in IGNORED_TYPES or msgtype is None or content.get_edit():
            return  # a bot's notice, or an edit of a message that was answered already
        elif msgtype not in TEXT_TYPES:
            await output.send_content(message_content(self.notices["matrix_text_only"],
                                                      msgtype=MessageType.NOTICE))
        else:
            content.trim_reply_fallback()
            await self.handle(UserMessage(content.body, output, key, input_channel=CHANNEL,
                                          message_id=event.event_id))
        self.remember(event.event_id)
        with contextlib.suppress(MatrixError):
            await self.client.send_receipt(event.room_id, event.event_id)


class MatrixInput(InputChannel):
    """Rasa input channel ``matrix``: starts the sync loop with the server. Its only route is
    the health check ``GET /webhooks/matrix/`` (``synced``: the loop is up to date;
    ``standby``: another Rasa process of this installation syncs the account)."""

    @classmethod
    def name(cls) -> str:
        return CHANNEL

    @classmethod
    def from_credentials(cls, credentials: dict[str, Any] | None) -> InputChannel:
        if not credentials:
            cls.raise_missing_credentials_exception()
        return cls(
            credentials.get("homeserver"),
            credentials.get("user_id"),
            access_token=credentials.get("access_token") or None,
            password=credentials.get("password") or None,
            state_dir=credentials.get("state_dir") or None,
        )

    def __init__(self, homeserver: str | None, user_id: str | None, *,
                 access_token: str | None = None, password: str | None = None,
                 state_dir: str | None = None) -> None:
        if not homeserver or not homeserver.startswith(("https://", "http://")):
            raise RasaException("Matrix channel: `homeserver` (MATRIX_HOMESERVER) must be the "
                                "homeserver's http(s) URL")
        if not user_id or not USER_ID.fullmatch(user_id):
            raise RasaException("Matrix channel: `user_id` (MATRIX_USER_ID) must be a full "
                                "Matrix user id such as @assistent:example.org")
        if not access_token and not password:
            raise RasaException("Matrix channel: `access_token` (MATRIX_ACCESS_TOKEN) or "
                                "`password` (MATRIX_PASSWORD) is required")
        self.homeserver = homeserver.rstrip("/")
        self.user_id = user_id
        self.access_token = access_token
        self.password = password
        directory = Path(state_dir) if state_dir else STATE_DIR
        self.state_dir = directory if directory.is_absolute() else ROOT / directory
        self.bridge: MatrixBridge | None = None
        self.task: asyncio.Task | None = None
        notice("matrix_encrypted")  # a broken notices file stops the start, not a reply

    def blueprint(self, on_new_message: Handler) -> Blueprint:
        webhook = Blueprint("matrix_webhook", __name__)

        @webhook.route("/", methods=["GET"])
        async def health(request: Request) -> HTTPResponse:
            bridge = self.bridge
            return response.json({"status": "ok", "synced": bool(bridge and bridge.synced),
                                  "standby": bool(bridge and bridge.standby)})

        @webhook.listener("after_server_start")
        async def start(app: Any, loop: Any) -> None:
            await self.start(on_new_message, self.tracker_check(app))

        @webhook.listener("before_server_stop")
        async def stop(app: Any, loop: Any) -> None:
            await self.stop()

        return webhook

    @staticmethod
    def tracker_check(app: Any) -> AlreadyHandled:
        """Whether Rasa's tracker of ``sender_id`` holds the message ``event_id`` already."""

        async def already_handled(sender_id: str, event_id: str) -> bool:
            tracker = await app.ctx.agent.tracker_store.retrieve(sender_id)
            return tracker is not None and any(
                isinstance(event, UserUttered) and event.message_id == event_id
                for event in tracker.events)

        return already_handled

    async def start(self, handle: Handler, already_handled: AlreadyHandled) -> None:
        state = SyncState(self.state_dir, self.homeserver, self.user_id)
        client = ClientAPI(self.user_id, base_url=self.homeserver, token=self.access_token or "")
        self.bridge = MatrixBridge(client, state, handle, already_handled, self.password)
        self.task = asyncio.create_task(self.bridge.run())
        self.task.add_done_callback(self._stopped)
        logger.info("matrix: syncing %s on %s", self.user_id, self.homeserver)

    @staticmethod
    def _stopped(task: asyncio.Task) -> None:
        if not task.cancelled() and task.exception() is not None:
            logger.error("matrix: the sync loop stopped: %r", task.exception())

    async def stop(self) -> None:
        if self.task is not None:
            self.task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self.task
            self.task = None
        if self.bridge is not None:
            await self.bridge.client.api.session.close()
            self.bridge.state.release()
