"""The one place that queries the knowledge base.

One short session per method call (``with Session(engine)``), so the action server stays
stateless and a reload by ``kb load`` is seen by the next call without restarting anything.
Rows are turned into frozen records before the session closes.
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
from bot.kb.models import TABLES, to_record
from bot.kb.records import SECTIONS, KnowledgeBase

T = TypeVar("T")
R = TypeVar("R")


class Repository:
    """Read access to the knowledge base at ``url`` (default: :func:`database_url`)."""

    def __init__(self, url: str | None = None) -> None:
        self.url = url or database_url()
        self.engine = get_engine(self.url)

    def _read(self, query: Callable[[Session], T]) -> T:
        try:
            with Session(self.engine) as session:
                return query(session)
        except SQLAlchemyError as exc:
            raise KnowledgeBaseError(
                "cannot read the knowledge base (has `python -m bot kb load` run?): "
                f"{type(exc).__name__}: {exc}"
            ) from exc

    def _records(
        self, record: type[R], order: tuple[str, ...] = ("position",), **equal: Any
    ) -> list[R]:
        """The records of one table whose fields equal ``equal``, ordered by ``order``."""
        return self._read(lambda session: _select(session, record, order, **equal))

    def fact(self, key: str) -> records.Fact | None:
        return next(iter(self._records(records.Fact, key=key)), None)

    def facts(self) -> list[records.Fact]:
        return self._records(records.Fact)

    def projects(self, kind: str | None = None) -> list[records.Project]:
        """Ordered by kind (pilot first), then number, then German name."""
        projects = self._records(records.Project, **({} if kind is None else {"kind": kind}))
        return sorted(
            projects,
            key=lambda p: (
                ProjectKind.choices.index(p.kind),
                p.number is None,
                p.number or 0,
                p.name_de.casefold(),
            ),
        )

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
