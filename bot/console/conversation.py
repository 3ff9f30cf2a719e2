"""The conversation a contact request came from, as the office may see it: redacted.

Read from the tracker store ``endpoints.yml`` configures (bot/services/retention.py reads it
with Rasa's own settings). Only what was said is shown: the citizen's messages and the
assistant's replies, each passed through the same redaction as the unanswered-question log,
so addresses, phone numbers and names typed in the chat stay out of the office's screen (the
request itself holds the reply address the citizen gave for that purpose).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from bot.logic.clock import BERLIN
from bot.logic.redaction import redact
from bot.logic.report import event_data

#: Turns shown before the request was stored (and the few after it, up to the goodbye).
EXCERPT_TURNS = 16
AFTER_SECONDS = 120


@dataclass(frozen=True)
class Turn:
    speaker: str  # "citizen" or "assistant"
    text: str  # redacted
    at: datetime  # Berlin time


def excerpt(rows: Iterable[Mapping[str, Any]], until: datetime,
            turns: int = EXCERPT_TURNS) -> list[Turn]:
    """The last ``turns`` messages up to shortly after ``until`` (the request's time)."""
    limit = until.timestamp() + AFTER_SECONDS
    found: list[Turn] = []
    for row in rows:
        kind = row.get("type_name")
        if kind not in ("user", "bot") or float(row["timestamp"]) > limit:
            continue
        text = event_data(row).get("text")
        if not isinstance(text, str) or not text.strip():
            continue
        moment = datetime.fromtimestamp(float(row["timestamp"]), timezone.utc).astimezone(BERLIN)
        found.append(Turn("citizen" if kind == "user" else "assistant", redact(text), moment))
    return found[-turns:]


def conversation_of(sender_id: str, until: datetime, endpoints: Path) -> list[Turn]:
    """The redacted excerpt of ``sender_id``'s conversation (empty when it was purged)."""
    from bot.services.retention import read_tracker_events

    return excerpt(read_tracker_events(endpoints, sender_id=sender_id), until)
