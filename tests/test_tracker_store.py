"""The recent-turns tracker store (bot/plugins/tracker_store.py): the window it hands to Rasa
carries the conversation's state, while the table keeps every event."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
import sqlalchemy as sa
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import (
    ActionExecuted,
    ActiveLoop,
    BotUttered,
    Event,
    SessionStarted,
    SlotSet,
    UserUttered,
)
from rasa.shared.core.trackers import DialogueStateTracker

from bot import ROOT
from bot.plugins.tracker_store import RecentTurnsTrackerStore, recent_window
from bot.services.retention import RetentionError, tracker_store_url

TURNS = 3


@pytest.fixture(scope="module")
def domain() -> Domain:
    return Domain.load(str(ROOT / "domain.yml"))


def _opening() -> list[Event]:
    return [ActionExecuted("action_session_start"), SessionStarted(),
            ActionExecuted("action_listen")]


def _turn(number: int, topic: str | None = None) -> list[Event]:
    events: list[Event] = [UserUttered(f"question {number}", {"name": "tour_next"}),
                           ActionExecuted("action_tour_next")]
    if topic:
        events.append(SlotSet("topic", topic))
    return [*events, BotUttered(f"answer {number}"), ActionExecuted("action_listen")]


def _texts(events: list[Event]) -> list[str]:
    return [event.text for event in events if isinstance(event, UserUttered)]


def test_short_sessions_are_handed_over_whole(domain: Domain) -> None:
    events = [*_opening(), *_turn(1), *_turn(2)]
    # From the session start on, as Rasa's SQL store reads a session.
    assert recent_window("s", events, domain.slots, TURNS) == events[1:]


def test_long_sessions_keep_recent_turns_and_the_state_at_the_cut(domain: Domain) -> None:
    events = [*_opening(), *_turn(0, topic="tours"), ActiveLoop("contact_request_form")]
    for number in range(1, 3 * TURNS):
        events += _turn(number)
    window = recent_window("s", events, domain.slots, TURNS)
    assert [type(event) for event in window[:2]] == [SessionStarted, ActionExecuted]
    assert _texts(window) == [f"question {n}" for n in range(2 * TURNS, 3 * TURNS)]
    full = DialogueStateTracker.from_events("s", events, domain.slots)
    cut = DialogueStateTracker.from_events("s", window, domain.slots)
    assert cut.current_slot_values() == full.current_slot_values()
    assert cut.current_slot_values()["topic"] == "tours"
    assert cut.active_loop_name == full.active_loop_name == "contact_request_form"


def test_only_the_latest_session_is_kept(domain: Domain) -> None:
    events = [*_opening(), *_turn(1, topic="tours"), *_opening(), *_turn(2)]
    window = recent_window("s", events, domain.slots, TURNS)
    assert _texts(window) == ["question 2"]
    assert isinstance(window[0], SessionStarted)


def _store(path: Path, domain: Domain) -> RecentTurnsTrackerStore:
    return RecentTurnsTrackerStore(domain, dialect="sqlite", db=str(path / "t.db"),
                                   recent_turns=TURNS)


async def _converse(store: SQLTrackerStore, sender: str, numbers: range,
                    topic: str | None = None) -> DialogueStateTracker:
    """As Rasa's processor does: retrieve (or create), add one turn, save; per message."""
    tracker = None
    for number in numbers:
        tracker = await store.get_or_create_tracker(sender)
        if not tracker.events:
            for event in _opening():
                tracker.update(event)
        for event in _turn(number, topic if number == numbers[0] else None):
            tracker.update(event)
        await store.save(tracker)
    assert tracker is not None
    return tracker


def test_the_table_keeps_every_event_and_retrieve_stays_short(tmp_path: Path,
                                                              domain: Domain) -> None:
    store = _store(tmp_path, domain)
    asyncio.run(_converse(store, "citizen", range(40), topic="projects"))
    full = asyncio.run(store.retrieve_full_tracker("citizen"))
    assert _texts(list(full.events)) == [f"question {n}" for n in range(40)]
    recent = asyncio.run(store.retrieve("citizen"))
    assert len(_texts(list(recent.events))) <= 2 * TURNS
    assert _texts(list(recent.events))[-1] == "question 39"
    assert recent.get_slot("topic") == "projects"
    # Rasa's own store, reading the same table, sees the same conversation state.
    plain = SQLTrackerStore(domain, dialect="sqlite", db=str(tmp_path / "t.db"))
    assert asyncio.run(plain.retrieve("citizen")).current_slot_values() == \
        recent.current_slot_values()


def test_another_replica_and_an_erasure_are_seen(tmp_path: Path, domain: Domain) -> None:
    first, second = _store(tmp_path, domain), _store(tmp_path, domain)
    asyncio.run(_converse(first, "citizen", range(10)))
    asyncio.run(_converse(second, "citizen", range(10, 12)))  # the other replica answers
    recent = asyncio.run(first.retrieve("citizen"))
    assert _texts(list(recent.events))[-1] == "question 11"
    full = asyncio.run(first.retrieve_full_tracker("citizen"))
    assert len(_texts(list(full.events))) == 12  # nothing written twice, nothing lost
    with first.engine.begin() as connection:
        connection.execute(sa.delete(SQLTrackerStore.SQLEvent.__table__))
    assert asyncio.run(first.retrieve("citizen")) is None


def test_retention_accepts_the_store_and_still_refuses_others(tmp_path: Path) -> None:
    endpoints = tmp_path / "endpoints.yml"
    endpoints.write_text("tracker_store:\n  type: bot.plugins.tracker_store.RecentTurnsTracker"
                         f"Store\n  dialect: sqlite\n  db: {tmp_path / 't.db'}\n"
                         "  recent_turns: 5\n")
    assert tracker_store_url(endpoints).database == str(tmp_path / "t.db")
    endpoints.write_text("tracker_store:\n  type: bot.plugins.nlu_guard.InputCleaner\n")
    with pytest.raises(RetentionError):
        tracker_store_url(endpoints)
