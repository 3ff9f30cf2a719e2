"""Rasa's SQL tracker store, with each message predicted from the conversation's recent turns.

Loaded by Rasa from ``endpoints.yml`` (``tracker_store.type``). Rasa's own store reads and
replays every event of the session for every message, and its policies walk all of them
again, so message 200 of a conversation cost about four times message 10 (docs/
benchmarks-history.md, issue 16). Nothing here needs that history: rules and memoization
look back a few turns, follow-ups read slots, the actions read the latest turns.

So the store keeps, per conversation, a window of the last turns in process memory, with the
slot values, active form and pause state at the window's start carried in front of it as
events. Storage is unchanged: every event is still written to the same ``events`` table
(retention, erasure, the office console and ``retrieve_full_tracker`` read all of it). The
window is checked against the table's newest event id before use, so another Rasa replica
writing to the same database, an erasure or a purge makes this process read the table again.

Kept in memory: at most ``cache_size`` conversations; a window unused for longer than the
domain's session expiry is dropped at the next message of any conversation, an erased
conversation's window at its own next message.
"""

from __future__ import annotations

import itertools
import time
from collections import OrderedDict
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.constants import ACTION_LISTEN_NAME
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import (
    ActionExecuted,
    ActiveLoop,
    ConversationPaused,
    Event,
    SessionStarted,
    SlotSet,
    UserUttered,
)
from rasa.shared.core.slots import Slot
from rasa.shared.core.trackers import DialogueStateTracker

DEFAULT_RECENT_TURNS = 5
DEFAULT_CACHE_SIZE = 2000


def current_session(events: list[Event]) -> list[Event]:
    """The events from the latest session start on, as Rasa's SQL store would read them."""
    starts = [index for index, event in enumerate(events) if isinstance(event, SessionStarted)]
    return events[starts[-1]:] if starts else events


def recent_window(sender_id: str, events: list[Event], slots: list[Slot],
                  turns: int) -> list[Event]:
    """The session's events, cut to the last `turns` user turns once there are twice as many.

    In front of the cut: the session's opening (up to its first action_listen), then the
    state at the cut as events: slot values that differ from their initial values, the
    active form, a pause. Cutting only at twice the length keeps the replay at the cut
    (needed for that state) rare and bounded.
    """
    session = current_session(events)
    user_turns = [index for index, event in enumerate(session) if isinstance(event, UserUttered)]
    if turns < 1 or len(user_turns) <= 2 * turns:
        return session
    cut = user_turns[-turns]
    opening_end = next((index for index, event in enumerate(session[:cut])
                        if isinstance(event, ActionExecuted)
                        and event.action_name == ACTION_LISTEN_NAME), None)
    opening = session[:opening_end + 1] if opening_end is not None else []
    before = DialogueStateTracker.from_events(sender_id, session[:cut], slots)
    initial = {slot.name: slot.initial_value for slot in slots}
    carried: list[Event] = [SlotSet(name, value)
                            for name, value in before.current_slot_values().items()
                            if value != initial.get(name)]
    if before.active_loop_name:
        carried.append(ActiveLoop(before.active_loop_name))
    if before.is_paused():
        carried.append(ConversationPaused())
    return [*opening, *carried, *session[cut:]]


@dataclass
class _Window:
    """One conversation's recent events (as dicts: each retrieve builds a fresh tracker) and
    how many events the table held for it then."""

    events: list[dict[str, Any]]
    stored: int
    last_timestamp: float | None
    used: float = field(default_factory=time.monotonic)


class RecentTurnsTrackerStore(SQLTrackerStore):
    """SQLTrackerStore whose `retrieve` returns the recent turns (see the module docstring).

    Extra settings in endpoints.yml: ``recent_turns`` (default 5) and ``cache_size``
    (conversations kept in memory, default 2000). Everything else is SQLTrackerStore's.

    Per message this costs what Rasa's own store costs in queries (one count on retrieve; on
    save the count Rasa makes anyway and the inserts), without reading the events back.
    """

    def __init__(self, domain: Domain | None = None, *,
                 recent_turns: int = DEFAULT_RECENT_TURNS,
                 cache_size: int = DEFAULT_CACHE_SIZE, **kwargs: Any) -> None:
        super().__init__(domain, **kwargs)
        self.recent_turns = int(recent_turns)
        self.cache_size = int(cache_size)
        self._windows: OrderedDict[str, _Window] = OrderedDict()
        self._stored_after_save: dict[str, int] = {}

    def _expiry_s(self) -> float | None:
        minutes = self.domain.session_config.session_expiration_time
        return minutes * 60 if minutes and minutes > 0 else None

    def _stored_events(self, session: Any, sender_id: str) -> int:
        """How many events the table holds for the conversation (all sessions)."""
        return session.query(self.SQLEvent.id).filter(
            self.SQLEvent.sender_id == sender_id).count()

    def _remember(self, sender_id: str, events: list[Event], stored: int) -> None:
        window = recent_window(sender_id, events, self.domain.slots, self.recent_turns)
        self._windows[sender_id] = _Window(
            events=[event.as_dict() for event in window], stored=stored,
            last_timestamp=window[-1].timestamp if window else None)
        self._windows.move_to_end(sender_id)
        self._evict()

    def _evict(self) -> None:
        """Drops windows oldest first (the dict is kept in order of use) while there are too
        many or the oldest is unused past the session expiry; stops at the first kept one,
        so a message does not walk all conversations."""
        expiry = self._expiry_s()
        now = time.monotonic()
        while self._windows:
            oldest = next(iter(self._windows.values()))
            if len(self._windows) <= self.cache_size and (
                    expiry is None or now - oldest.used <= expiry):
                break
            self._windows.popitem(last=False)

    async def retrieve(self, sender_id: str) -> DialogueStateTracker | None:
        """The conversation's recent window; read from the table when it changed elsewhere."""
        with self.session_scope() as session:
            stored = self._stored_events(session, sender_id)
        if stored == 0:
            self._windows.pop(sender_id, None)
            return None
        window = self._windows.get(sender_id)
        if window is None or window.stored != stored:
            tracker = await super().retrieve(sender_id)
            if tracker is None:
                return None
            self._remember(sender_id, list(tracker.events), stored)
            window = self._windows[sender_id]
        window.used = time.monotonic()
        self._windows.move_to_end(sender_id)
        return DialogueStateTracker.from_dict(sender_id, window.events, self.domain.slots)

    def _from_window(self, tracker: DialogueStateTracker) -> _Window | None:
        """The window this tracker was built from, if it was (its events continue it)."""
        window = self._windows.get(tracker.sender_id)
        if window is None or len(tracker.events) < len(window.events):
            return None
        if not window.events:
            return window
        return window if tracker.events[len(window.events) - 1].timestamp == \
            window.last_timestamp else None

    def _additional_events(self, session: Any, tracker: DialogueStateTracker) -> Iterator:
        """Events added since retrieve: after the window (the table holds more than it).
        Notes how many events the table will hold after this save."""
        stored = self._stored_events(session, tracker.sender_id)
        window = self._from_window(tracker)
        new = (list(itertools.islice(tracker.events, len(window.events), len(tracker.events)))
               if window is not None else list(super()._additional_events(session, tracker)))
        self._stored_after_save[tracker.sender_id] = stored + len(new)
        return iter(new)

    async def save(self, tracker: DialogueStateTracker) -> None:
        """Writes the new events (SQLTrackerStore.save), then moves the window on."""
        sender_id = tracker.sender_id
        from_window = self._from_window(tracker) is not None
        self._stored_after_save.pop(sender_id, None)
        await super().save(tracker)
        stored = self._stored_after_save.pop(sender_id, None)
        if stored is None or (not from_window and sender_id in self._windows):
            self._windows.pop(sender_id, None)
            return
        self._remember(sender_id, list(tracker.events), stored)
