"""Where the knowledge base lives and how its content is replaced.

One engine per URL for the whole process (engines pool connections; creating one per request
would waste them). SQLite by default so ``make run`` needs no server; PostgreSQL through
``SMARTCITY_DB_URL`` with the same code.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from pathlib import Path

from sqlalchemy import MetaData, create_engine, delete, insert, inspect, select
from sqlalchemy.engine import Connection, Engine, make_url
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from bot import ROOT
from bot.kb import KnowledgeBaseError
from bot.kb.models import (
    SCHEMA_VERSION,
    TABLES,
    console_metadata,
    meta_table,
    metadata,
    operational_metadata,
    to_row,
)
from bot.kb.records import SECTIONS, KnowledgeBase

URL_VARIABLE = "SMARTCITY_DB_URL"

_engines: dict[str, Engine] = {}
_engines_lock = threading.Lock()


def database_url() -> str:
    """``SMARTCITY_DB_URL``, else a SQLite file in the git-ignored ``var/`` folder."""
    url = os.environ.get(URL_VARIABLE, "").strip()
    if url:
        return url
    var = ROOT / "var"
    var.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{var / 'kb.sqlite3'}"


def get_engine(url: str | None = None) -> Engine:
    """The process-wide engine for ``url`` (default :func:`database_url`)."""
    url = url or database_url()
    with _engines_lock:
        engine = _engines.get(url)
        if engine is None:
            parsed = make_url(url)
            if parsed.get_backend_name() == "sqlite" and parsed.database not in (
                None,
                "",
                ":memory:",
            ):
                Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
            engine = create_engine(url, future=True, pool_pre_ping=True)
            _engines[url] = engine
        return engine


def dispose_engines() -> None:
    """Close all pooled connections (tests, and before a PostgreSQL server stops)."""
    with _engines_lock:
        for engine in _engines.values():
            engine.dispose()
        _engines.clear()
        _operational_ready.clear()


_operational_ready: set[str] = set()


def ensure_operational_tables(url: str | None = None) -> Engine:
    """The engine for ``url``, with the tables outside the knowledge base (contact requests,
    unanswered questions, the console's staff accounts, audit log and labels) created if
    missing (once per process and URL). ``kb load`` never drops or empties them."""
    url = url or database_url()
    engine = get_engine(url)
    if url in _operational_ready:
        return engine
    for tables in (operational_metadata, console_metadata):
        try:
            tables.create_all(engine)
        except SQLAlchemyError:
            # Another process may have created them at the same moment: check once more.
            tables.create_all(engine)
    with _engines_lock:
        _operational_ready.add(url)
    return engine


def drop_tables(url: str | None = None) -> None:
    """Remove every knowledge-base table (tests; the next load rebuilds from the files)."""
    with get_engine(url).begin() as connection:
        _drop_kb_tables(connection)


def _drop_kb_tables(connection: Connection) -> None:
    """Drop every ``kb_`` table the database has, including those of older schemas.

    They are read from the database, not taken from the current models, so a table an older
    schema had (which may still reference a current one) cannot block the rebuild.
    """
    found = MetaData()
    found.reflect(connection, only=lambda name, _: name.startswith("kb_"))
    found.drop_all(connection)


def read_meta(url: str | None = None) -> dict[str, str]:
    """Stored metadata (schema_version, content_hash); empty when nothing was loaded yet."""
    engine = get_engine(url)
    try:
        if not inspect(engine).has_table(meta_table.name):
            return {}
        with Session(engine) as session:
            return dict(session.execute(select(meta_table.c.name, meta_table.c.value)).all())
    except SQLAlchemyError as exc:
        raise KnowledgeBaseError(f"{_safe(url)}: cannot read the knowledge base: {exc}") from exc


def is_current(content_hash: str, url: str | None = None) -> bool:
    """True when the database holds exactly these files under the current schema."""
    meta = read_meta(url)
    return (
        meta.get("schema_version") == SCHEMA_VERSION
        and meta.get("content_hash") == content_hash
    )


def store(kb: KnowledgeBase, content_hash: str, url: str | None = None,
          before_commit: Callable[[], None] | None = None) -> None:
    """Replace all content with ``kb`` in one transaction (a failure leaves the old content).

    Unless the database holds the current schema, every ``kb_`` table is dropped and the
    tables are created anew first (rebuild-from-files policy). ``before_commit`` runs inside
    the transaction after the new content is written: the console puts the edited file in
    place there, so a file that cannot be written leaves the database as it was.
    """
    engine = get_engine(url)
    try:
        with Session(engine) as session, session.begin():
            connection = session.connection()
            version = None
            if inspect(connection).has_table(meta_table.name):
                version = session.execute(
                    select(meta_table.c.value).where(meta_table.c.name == "schema_version")
                ).scalar_one_or_none()
            if version != SCHEMA_VERSION:  # another schema, or tables without a version
                _drop_kb_tables(connection)
            metadata.create_all(connection)
            for table in reversed(metadata.sorted_tables):
                session.execute(delete(table))
            for section in SECTIONS:
                rows = [to_row(record, i) for i, record in enumerate(section.records(kb))]
                if rows:  # an empty list would insert one row of defaults
                    session.execute(insert(TABLES[section.record]), rows)
            session.execute(
                insert(meta_table),
                [
                    {"name": "schema_version", "value": SCHEMA_VERSION},
                    {"name": "content_hash", "value": content_hash},
                ],
            )
            if before_commit is not None:
                before_commit()
    except SQLAlchemyError as exc:
        raise KnowledgeBaseError(
            f"{_safe(url)}: loading failed, nothing was changed: {exc}"
        ) from exc


def _safe(url: str | None) -> str:
    """The URL without its password, for error messages."""
    return make_url(url or database_url()).render_as_string(hide_password=True)
