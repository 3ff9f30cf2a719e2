"""Where the knowledge base lives and how its content is replaced.

One engine per URL for the whole process (engines pool connections; creating one per request
would waste them). SQLite by default so ``make run`` needs no server; PostgreSQL through
``SMARTCITY_DB_URL`` with the same code.
"""

from __future__ import annotations

import os
import threading
from pathlib import Path

from sqlalchemy import create_engine, delete, inspect, select
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from bot.kb import KnowledgeBaseError
from bot.kb.models import (
    CONTENT_TABLES,
    SCHEMA_VERSION,
    Base,
    ClosureRow,
    ContactRow,
    FactRow,
    MetaRow,
    OpeningHoursRow,
    ProjectLinkRow,
    ProjectRow,
    ProjectSynonymRow,
    TourRow,
)
from bot.kb.records import KnowledgeBase

ROOT = Path(__file__).resolve().parents[2]
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


def drop_tables(url: str | None = None) -> None:
    """Remove every knowledge-base table (tests; the next load rebuilds from the files)."""
    engine = get_engine(url)
    with engine.begin() as connection:
        Base.metadata.drop_all(connection, tables=[*CONTENT_TABLES, MetaRow.__table__])


def read_meta(url: str | None = None) -> dict[str, str]:
    """Stored metadata (schema_version, content_hash); empty when nothing was loaded yet."""
    engine = get_engine(url)
    try:
        if not inspect(engine).has_table(MetaRow.__tablename__):
            return {}
        with Session(engine) as session:
            return {row.name: row.value for row in session.scalars(select(MetaRow))}
    except SQLAlchemyError as exc:
        raise KnowledgeBaseError(f"{_safe(url)}: cannot read the knowledge base: {exc}") from exc


def is_current(content_hash: str, url: str | None = None) -> bool:
    """True when the database holds exactly these files under the current schema."""
    meta = read_meta(url)
    return (
        meta.get("schema_version") == str(SCHEMA_VERSION)
        and meta.get("content_hash") == content_hash
    )


def store(kb: KnowledgeBase, content_hash: str, url: str | None = None) -> None:
    """Replace all content with ``kb`` in one transaction (a failure leaves the old content).

    Missing tables are created; a different stored schema version drops and recreates the
    knowledge-base tables first (rebuild-from-files policy).
    """
    engine = get_engine(url)
    try:
        with Session(engine) as session, session.begin():
            connection = session.connection()
            inspector = inspect(connection)
            version = None
            if inspector.has_table(MetaRow.__tablename__):
                version = session.execute(
                    select(MetaRow.value).where(MetaRow.name == "schema_version")
                ).scalar_one_or_none()
            if version is not None and version != str(SCHEMA_VERSION):
                Base.metadata.drop_all(connection, tables=[*CONTENT_TABLES, MetaRow.__table__])
            Base.metadata.create_all(connection)
            for table in reversed(CONTENT_TABLES):
                session.execute(delete(table))
            session.execute(delete(MetaRow))
            session.add_all(_rows(kb))
            session.add_all(
                [
                    MetaRow(name="schema_version", value=str(SCHEMA_VERSION)),
                    MetaRow(name="content_hash", value=content_hash),
                ]
            )
    except SQLAlchemyError as exc:
        raise KnowledgeBaseError(
            f"{_safe(url)}: loading failed, nothing was changed: {exc}"
        ) from exc


def _rows(kb: KnowledgeBase) -> list[Base]:
    rows: list[Base] = []
    for position, fact in enumerate(kb.facts):
        rows.append(
            FactRow(
                key=fact.key,
                position=position,
                text_de=fact.text_de,
                text_en=fact.text_en,
                source=fact.source,
                as_of=fact.as_of,
                note=fact.note,
            )
        )
    for position, project in enumerate(kb.projects):
        rows.append(
            ProjectRow(
                key=project.key,
                position=position,
                kind=project.kind,
                number=project.number,
                name_de=project.name_de,
                name_en=project.name_en,
                description_de=project.description_de,
                description_en=project.description_en,
                status_de=project.status_de,
                status_en=project.status_en,
                place=project.place,
                source=project.source,
                as_of=project.as_of,
                note=project.note,
                synonyms=[
                    ProjectSynonymRow(position=i, text=text)
                    for i, text in enumerate(project.synonyms)
                ],
                links=[ProjectLinkRow(position=i, url=url) for i, url in enumerate(project.links)],
            )
        )
    for position, tour in enumerate(kb.tours):
        rows.append(
            TourRow(
                key=tour.key,
                position=position,
                day=tour.date,
                start_time=tour.start,
                end_time=tour.end,
                mode=tour.mode,
                meeting_point_de=tour.meeting_point_de,
                meeting_point_en=tour.meeting_point_en,
                notes_de=tour.notes_de,
                notes_en=tour.notes_en,
                source=tour.source,
                as_of=tour.as_of,
            )
        )
    for position, hours in enumerate(kb.opening_hours):
        rows.append(
            OpeningHoursRow(
                weekday=hours.weekday,
                position=position,
                opens=hours.opens,
                closes=hours.closes,
                source=hours.source,
                as_of=hours.as_of,
            )
        )
    for position, closure in enumerate(kb.closures):
        rows.append(
            ClosureRow(
                day=closure.date,
                position=position,
                reason_de=closure.reason_de,
                reason_en=closure.reason_en,
                source=closure.source,
                as_of=closure.as_of,
            )
        )
    if kb.contact is not None:
        c = kb.contact
        rows.append(
            ContactRow(
                id=1,
                office_de=c.office_de,
                office_en=c.office_en,
                street=c.street,
                postcode=c.postcode,
                city=c.city,
                phone=c.phone,
                email=c.email,
                head=c.head,
                source=c.source,
                as_of=c.as_of,
            )
        )
    return rows


def _safe(url: str | None) -> str:
    """The URL without its password, for error messages."""
    return make_url(url or database_url()).render_as_string(hide_password=True)
