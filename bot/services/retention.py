"""Retention and erasure of citizens' conversations, in the store Rasa really uses.

The page promises that conversations are deleted after ``SMARTCITY_RETENTION_DAYS`` days and
that a citizen (or staff, by sender id) can erase one at once (GDPR Art. 17). Both promises
only hold if we delete from the store ``endpoints.yml`` configures, so the store is read from
that file with Rasa's own helpers (``${ENV}`` substitution, ``url``/``dialect``/``db``/...
exactly as ``rasa run`` builds it, relative SQLite paths against the working directory as
Rasa does). A store we cannot delete from (in-memory, Redis, Mongo, DynamoDB, custom) is an
error, never a silent no-op.

Every table holding citizen text is listed in ``CITIZEN_TABLES``: Rasa's events, the contact
requests (erased with their conversation, purged by age once done) and the unanswered-question
log (no sender id: purged by age only), both in the knowledge-base database. A new one
registers itself with ``register()`` and is then erased by ``forget()`` when it names a
sender column and purged by ``purge()`` when it names a time column.

The tracker store is read here too (:func:`read_tracker_events`, for ``python -m bot
report``): this module is where the project reaches into Rasa's tables.
"""

from __future__ import annotations

import inspect
import os
import re
import time
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bot import ROOT

if TYPE_CHECKING:
    from sqlalchemy.engine import URL
    from sqlalchemy.schema import Column, Table

#: The endpoints file ``make run`` hands to Rasa (its tracker_store section).
ENDPOINTS = ROOT / "endpoints.yml"
DAYS_VARIABLE = "SMARTCITY_RETENTION_DAYS"
DEFAULT_DAYS = 30
SECONDS_PER_DAY = 86400


class RetentionError(Exception):
    """The configured store cannot be purged or erased: the operator must act."""


@dataclass(frozen=True)
class CitizenTable:
    """A table holding citizens' text, erased by sender id and purged by age.

    ``table`` and ``database`` are callables so that importing this module stays cheap
    (Rasa's models take a second to import); ``database`` gets the endpoints file.
    """

    name: str
    table: Callable[[], Table]
    #: The conversation's sender id; None: the rows name nobody, so they are only purged.
    sender_column: str | None
    database: Callable[[Path], URL]
    #: Unix seconds (float, as Rasa's ``events.timestamp``) or a DateTime column (naive
    #: means UTC); None: the rows are only erased, never purged by age.
    time_column: str | None = None


@contextmanager
def _rasa_quietly() -> Iterator[None]:
    """Rasa 3.6 trips SQLAlchemy's and setuptools' deprecation warnings; staff need not see
    them on every purge. Recorded, not filtered: Rasa's imports install filters of their own
    (``once`` for DeprecationWarning) in front of any we set; other warnings are re-raised."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        yield
    for warning in caught:
        if not issubclass(warning.category, DeprecationWarning):
            warnings.warn_explicit(warning.message, warning.category, warning.filename,
                                   warning.lineno)


def retention_days() -> int:
    """Days a conversation is kept: ``SMARTCITY_RETENTION_DAYS`` or 30."""
    value = os.environ.get(DAYS_VARIABLE, "").strip()
    if not value:
        return DEFAULT_DAYS
    if not value.isdecimal() or int(value) < 1:
        raise RetentionError(f"{DAYS_VARIABLE}={value!r} is not a whole number of days "
                             "(at least 1)")
    return int(value)


def _check_days(days: int) -> int:
    if days < 1:
        raise RetentionError(f"retention period must be at least 1 day, not {days}")
    return days


def tracker_store_url(endpoints: Path = ENDPOINTS) -> URL:
    """The SQLAlchemy URL of the SQL tracker store ``endpoints`` configures, as Rasa builds it.

    Raises RetentionError when the file is missing or unreadable or the store is not one
    we can delete from.
    """
    with _rasa_quietly():
        from rasa.core.tracker_store import SQLTrackerStore, validate_port
        from rasa.shared.exceptions import RasaException
        from rasa.utils.endpoints import read_endpoint_config
    from sqlalchemy.engine import make_url

    endpoints = Path(endpoints)
    if not endpoints.is_file():
        raise RetentionError(f"{endpoints}: endpoints file not found")
    try:
        with _rasa_quietly():
            config = read_endpoint_config(str(endpoints), "tracker_store")
    except (RasaException, OSError, ValueError) as error:
        raise RetentionError(f"{endpoints}: cannot read tracker_store: {error}") from error
    if config is None or config.type is None:
        raise RetentionError(
            f"{endpoints} configures no tracker_store, so Rasa keeps conversations in its "
            "process memory (InMemoryTrackerStore), where they cannot be purged or erased; "
            "configure `type: SQL`")
    if not _is_sql_store(str(config.type), SQLTrackerStore):
        raise RetentionError(
            f"{endpoints}: tracker_store type {config.type!r} cannot be purged or erased "
            "here; only Rasa's SQL tracker store (`type: SQL`) and its subclasses (e.g. "
            "bot.plugins.tracker_store.RecentTurnsTrackerStore) are supported")
    # Rasa's own construction (SQLTrackerStore.__init__): `url` is the host, port validated;
    # the working database is `db` even when `login_db` is set (that one only creates it).
    accepted = inspect.signature(SQLTrackerStore.get_db_url).parameters
    kwargs = {key: value for key, value in config.kwargs.items()
              if key in accepted and key != "login_db"}
    try:
        kwargs["port"] = validate_port(kwargs.get("port"))
        with _rasa_quietly():
            url = make_url(SQLTrackerStore.get_db_url(host=config.url, **kwargs))
    except (RasaException, ValueError, TypeError) as error:
        raise RetentionError(f"{endpoints}: invalid tracker_store: {error}") from error
    if url.get_backend_name() == "sqlite" and url.database in (None, "", ":memory:"):
        raise RetentionError(f"{endpoints}: an in-memory SQLite tracker store cannot be "
                             "purged or erased from another process")
    return url


def _is_sql_store(store_type: str, sql_store: type) -> bool:
    """`SQL`, or a dotted path to a subclass of Rasa's SQL store (same tables)."""
    if store_type.lower() == "sql":
        return True
    from rasa.shared.utils.common import class_from_module_path

    try:
        with _rasa_quietly():
            store_class = class_from_module_path(store_type)
    except (ImportError, AttributeError, ValueError):
        return False
    return isinstance(store_class, type) and issubclass(store_class, sql_store)


def _tracker_events() -> Table:
    with _rasa_quietly():
        from rasa.core.tracker_store import SQLTrackerStore

    return SQLTrackerStore.SQLEvent.__table__


def _office_table(name: str) -> Callable[[], Table]:
    """A table of bot/kb's office records (contact requests, unanswered questions)."""

    def table() -> Table:
        from bot.kb.models import OPERATIONAL_TABLES

        return next(t for t in OPERATIONAL_TABLES.values() if t.name == name)

    return table


def _knowledge_base_url(endpoints: Path) -> URL:
    """The knowledge-base database (``SMARTCITY_DB_URL``), where the office records live."""
    from sqlalchemy.engine import make_url

    from bot.kb.database import database_url

    return make_url(database_url())


#: Every table holding citizen text. Rasa's tracker store comes first; add others with
#: ``register()``.
CITIZEN_TABLES: list[CitizenTable] = [
    CitizenTable("tracker store events", _tracker_events, "sender_id", tracker_store_url,
                 time_column="timestamp"),
    # Open requests are kept until staff mark them done (``requests done``); a done one is
    # purged once it has been done for the retention period. Erased with its conversation.
    CitizenTable("contact requests", _office_table("contact_requests"), "sender_id",
                 _knowledge_base_url, time_column="done_at"),
    # Redacted text without a sender id: nothing to erase by sender, purged by age.
    CitizenTable("unanswered questions", _office_table("unanswered_questions"), None,
                 _knowledge_base_url, time_column="asked"),
    # The console's labels of those questions (no text of their own): they carry the
    # question's time, so they go with it.
    CitizenTable("unanswered question labels", _office_table("console_question_labels"),
                 None, _knowledge_base_url, time_column="asked"),
]


def register(entry: CitizenTable) -> CitizenTable:
    """Add a table holding citizen text to what ``forget()`` and ``purge()`` walk."""
    if all(known.name != entry.name for known in CITIZEN_TABLES):
        CITIZEN_TABLES.append(entry)
    return entry


def describe(url: URL) -> str:
    """The store for messages to staff: password hidden, SQLite path made absolute."""
    if url.get_backend_name() == "sqlite":
        return f"SQLite {Path(url.database).resolve()}"
    return url.render_as_string(hide_password=True)


def _delete(entry: CitizenTable, endpoints: Path,
            condition: Callable[[Table], object]) -> int:
    """Delete the rows of ``entry`` matching ``condition``; 0 when nothing was ever stored."""
    with _rasa_quietly():
        from rasa.core.tracker_store import create_engine_kwargs
    from sqlalchemy import create_engine, delete
    from sqlalchemy import inspect as inspect_db

    url = entry.database(endpoints)
    if url.get_backend_name() == "sqlite" and not Path(url.database).exists():
        return 0  # Rasa has not created it yet; connecting would create an empty file
    engine = create_engine(url, future=True, **create_engine_kwargs(url))
    try:
        table = entry.table()
        if not inspect_db(engine).has_table(table.name, schema=table.schema):
            return 0
        with engine.begin() as connection:
            result = connection.execute(delete(table).where(condition(table)))
            return result.rowcount or 0
    finally:
        engine.dispose()


def _older_than(column: Column, cutoff: float) -> object:
    """``column < cutoff`` for Unix-seconds and DateTime columns alike."""
    from sqlalchemy import DateTime

    if isinstance(column.type, DateTime):
        moment = datetime.fromtimestamp(cutoff, timezone.utc)
        return column < (moment if column.type.timezone else moment.replace(tzinfo=None))
    return column < cutoff


def purge_by_table(endpoints: Path = ENDPOINTS, days: int | None = None,
                   now: float | None = None) -> dict[str, int]:
    """Delete citizen records older than ``days`` (default: the retention period) from
    every registered table with a time column; rows deleted per table name.

    Raises RetentionError for a store it cannot purge (nothing after it is purged then).
    """
    days = retention_days() if days is None else _check_days(days)
    cutoff = (time.time() if now is None else now) - days * SECONDS_PER_DAY
    return {
        entry.name: _delete(
            entry, endpoints,
            lambda table, entry=entry: _older_than(table.c[entry.time_column], cutoff))
        for entry in CITIZEN_TABLES if entry.time_column is not None
    }


def purge(endpoints: Path = ENDPOINTS, days: int | None = None,
          now: float | None = None) -> int:
    """Delete citizen records older than ``days`` (default: the retention period).

    Returns how many rows were deleted; raises RetentionError for a store it cannot purge.
    """
    return sum(purge_by_table(endpoints, days, now).values())


_AGE = re.compile(r"\s*(\d+)\s*(d|days?|w|weeks?)?\s*", re.IGNORECASE)


def parse_age(text: str) -> int:
    """``--older-than`` as days: "90d", "90", "12w"; ValueError otherwise."""
    match = _AGE.fullmatch(text or "")
    if not match:
        raise ValueError(f"{text!r} is not an age such as 90d or 12w")
    days = int(match.group(1)) * (7 if (match.group(2) or "d").lower().startswith("w") else 1)
    if days < 1:
        raise ValueError(f"{text!r}: the age must be at least 1 day")
    return days


def check_sender(sender_id: str) -> str:
    """``sender_id`` if it can name a conversation, else ValueError (nothing is erased)."""
    if not isinstance(sender_id, str) or not sender_id.strip():
        raise ValueError("sender id is empty")
    if not sender_id.isprintable():
        raise ValueError("sender id contains control characters")
    return sender_id


def forget(sender_id: str, endpoints: Path = ENDPOINTS) -> int:
    """Erase everything stored about one conversation (GDPR Art. 17); returns rows deleted.

    Raises ValueError for an empty or invalid sender id and RetentionError for a store it
    cannot erase from. A running Rasa with the SQL tracker store reads the tracker from the
    database on every message, so a later message starts a fresh conversation.
    """
    check_sender(sender_id)
    return sum(
        _delete(entry, endpoints,
                lambda table, entry=entry: table.c[entry.sender_column] == sender_id)
        for entry in CITIZEN_TABLES if entry.sender_column is not None
    )


def read_tracker_events(endpoints: Path = ENDPOINTS, since: float | None = None,
                        until: float | None = None,
                        sender_id: str | None = None) -> list[dict[str, Any]]:
    """The tracker store's events with ``since <= timestamp < until`` (Unix seconds), of one
    sender or all, per sender in the order they were stored: sender_id, type_name,
    timestamp, intent_name, action_name, data (Rasa's JSON). Empty when Rasa has not created
    the store yet."""
    with _rasa_quietly():
        from rasa.core.tracker_store import create_engine_kwargs
    from sqlalchemy import create_engine, select
    from sqlalchemy import inspect as inspect_db

    url = tracker_store_url(endpoints)
    if url.get_backend_name() == "sqlite" and not Path(url.database).exists():
        return []
    engine = create_engine(url, future=True, **create_engine_kwargs(url))
    try:
        table = _tracker_events()
        if not inspect_db(engine).has_table(table.name, schema=table.schema):
            return []
        columns = [table.c[name] for name in ("sender_id", "type_name", "timestamp",
                                              "intent_name", "action_name", "data")]
        query = select(*columns).order_by(table.c.sender_id, table.c.id)
        if since is not None:
            query = query.where(table.c.timestamp >= since)
        if until is not None:
            query = query.where(table.c.timestamp < until)
        if sender_id is not None:
            query = query.where(table.c.sender_id == sender_id)
        with engine.connect() as connection:
            return [dict(row._mapping) for row in connection.execute(query)]
    finally:
        engine.dispose()
