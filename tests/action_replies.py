"""One custom action run without a server, and its one reply as the citizen reads it (the
response rendered from domain.yml): shared by tests/test_calendar.py and tests/test_hours.py."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
import yaml
from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions import common
from bot import ROOT

DOMAIN = yaml.safe_load((ROOT / "domain.yml").read_text(encoding="utf-8"))


def one_reply(action: Action, language: str, now: str, monkeypatch: pytest.MonkeyPatch, *,
              intent: str, text: str = "", slots: dict[str, Any] | None = None
              ) -> tuple[dict[str, Any], str]:
    """(the one message ``action`` sent at ``now`` to a citizen writing ``text`` in
    ``language``, its text rendered from domain.yml)."""
    monkeypatch.setenv("SMARTCITY_NOW", now)
    latest = {"text": text, "intent": {"name": intent}, "entities": []}
    tracker = Tracker("t", {"language": language, **(slots or {})}, latest, [], False, None,
                      {}, "")
    dispatcher = CollectingDispatcher()
    asyncio.run(action.run(dispatcher, tracker, DOMAIN))
    assert len(dispatcher.messages) == 1, dispatcher.messages
    message = dispatcher.messages[0]
    variables = {key: value for key, value in message.items()
                 if isinstance(value, str) and key != "response"}
    return message, common.phrase(DOMAIN, message["response"], language, **variables)
