"""Deletes conversation events older than the retention period from Rasa's tracker store.

The web widget promises citizens that conversations are deleted after 30 days; `make run`
calls this at start-up (and operators can schedule it daily). Works on Rasa's SQL tracker
store table ``events`` (SQLite by default, PostgreSQL alike).
"""

from __future__ import annotations

import os
import time
from pathlib import Path

from sqlalchemy import create_engine, delete, inspect
from sqlalchemy.schema import MetaData, Table

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_TRACKER_URL = f"sqlite:///{ROOT / 'var' / 'trackers.db'}"
DAYS_VARIABLE = "SMARTCITY_RETENTION_DAYS"
DEFAULT_DAYS = 30


def retention_days() -> int:
    value = os.environ.get(DAYS_VARIABLE, "").strip()
    return int(value) if value else DEFAULT_DAYS


def purge(url: str = DEFAULT_TRACKER_URL, days: int | None = None,
          now: float | None = None) -> int:
    """Delete events older than ``days``; returns how many were deleted (0 if no store)."""
    days = retention_days() if days is None else days
    cutoff = (time.time() if now is None else now) - days * 86400
    engine = create_engine(url, future=True)
    try:
        if not inspect(engine).has_table("events"):
            return 0
        events = Table("events", MetaData(), autoload_with=engine)
        with engine.begin() as connection:
            result = connection.execute(delete(events).where(events.c.timestamp < cutoff))
            return result.rowcount or 0
    finally:
        engine.dispose()
