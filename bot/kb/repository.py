"""The one place that queries the knowledge base.

One short session per method call (``with Session(engine)``), so a reload by ``kb load`` or
the console is seen by the next call without restarting anything. Rows are turned into
frozen records before the session closes.

The records of a table are kept per content hash: every change of content goes through
``database.store``, which writes the new hash in the same transaction, so one indexed read
of the hash tells whether the kept records are still the content. Without this, a
knowledge base 100 times larger made each project question convert 2,200 rows (issue 16).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from bot.kb import KnowledgeBaseError, records
from bot.kb.database import database_url, get_engine
from bot.kb.fields import ProjectKind
from bot.kb.models import TABLES, meta_table, to_record
from bot.kb.records import SECTIONS, KnowledgeBase

T = TypeVar("T")
R = TypeVar("R")


class Repository:
    """Read access to the knowledge base at ``url`` (default: :func:`database_url`)."""

    def __init__(self, url: str | None = None) -> None:
        self.url = url or database_url()
        self.engine = get_engine(self.url)
        self._kept: dict[tuple, list] = {}
        self._kept_hash: str | None = None

    def _read(self, query: Callable[[Session], T]) -> T:
        try:
            with Session(self.engine) as session:
                return query(session)
        except SQLAlchemyError as exc:
            raise KnowledgeBaseError(
                "cannot read the knowledge base (has `python -m bot kb load` run?): "
                f"{type(exc).__name__}: {exc}"
            ) from exc

    def _kept_or_read(self, key: tuple, read: Callable[[Session], list[R]]) -> list[R]:
        """``read``'s result, kept while the content hash stays the same (module docstring)."""

        def query(session: Session) -> list[R]:
            content = session.execute(
                select(meta_table.c.value).where(meta_table.c.name == "content_hash")
            ).scalar_one_or_none()
            if content is not None and content == self._kept_hash and key in self._kept:
                return list(self._kept[key])
            found = read(session)
            if content != self._kept_hash:
                self._kept, self._kept_hash = {}, content
            if content is not None:
                self._kept[key] = found
            return list(found)

        return self._read(query)

    def _records(
        self, record: type[R], order: tuple[str, ...] = ("position",), **equal: Any
    ) -> list[R]:
        """The records of one table whose fields equal ``equal``, ordered by ``order``."""
        return self._kept_or_read((record, order, tuple(sorted(equal.items()))),
                                  lambda session: _select(session, record, order, **equal))

    def fact(self, key: str) -> records.Fact | None:
        return next(iter(self._records(records.Fact, key=key)), None)

    def facts(self) -> list[records.Fact]:
        return self._records(records.Fact)

    def projects(self, kind: str | None = None) -> list[records.Project]:
        """Ordered by kind (pilot first), then number, then German name."""
        equal = {} if kind is None else {"kind": kind}
        return self._kept_or_read(("projects", kind), lambda session: sorted(
            _select(session, records.Project, ("position",), **equal),
            key=lambda p: (
                ProjectKind.choices.index(p.kind),
                p.number is None,
                p.number or 0,
                p.name_de.casefold(),
            ),
        ))

    def tours(self) -> list[records.Tour]:
        """Sorted by date and start time: the published page is not in date order."""
        return self._records(records.Tour, order=("date", "start", "key"))

    def opening_hours(self) -> list[records.OpeningHours]:
        return self._records(records.OpeningHours, order=("weekday",))

    def closures(self) -> list[records.Closure]:
        return self._records(records.Closure, order=("date",))

    def contact(self) -> records.Contact | None:
        return next(iter(self._records(records.Contact)), None)

    def snapshot(self) -> KnowledgeBase:
        """Everything in file order, in one session (what ``kb export`` writes)."""

        def query(session: Session) -> KnowledgeBase:
            found = {}
            for section in SECTIONS:
                rows = _select(session, section.record, ("position",))
                found[section.name] = tuple(rows) if section.many else next(iter(rows), None)
            return KnowledgeBase(**found)

        return self._read(query)


def _select(session: Session, record: type[R], order: tuple[str, ...], **equal: Any) -> list[R]:
    table = TABLES[record]
    statement = (
        select(table)
        .where(*(table.c[name] == value for name, value in equal.items()))
        .order_by(*(table.c[name] for name in order))
    )
    return [to_record(record, row._mapping) for row in session.execute(statement)]
