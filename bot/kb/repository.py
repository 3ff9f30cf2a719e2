"""The one place that queries the knowledge base.

One short session per method call (``with Session(engine)``), so the action server stays
stateless and a reload by ``kb load`` is seen by the next call without restarting anything.
Rows are turned into frozen records before the session closes.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from bot.kb import KnowledgeBaseError
from bot.kb.database import database_url, get_engine
from bot.kb.models import (
    ClosureRow,
    ContactRow,
    FactRow,
    OpeningHoursRow,
    ProjectRow,
    TourRow,
)
from bot.kb.records import (
    Closure,
    Contact,
    Fact,
    KnowledgeBase,
    OpeningHours,
    Project,
    Tour,
)

T = TypeVar("T")


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

    # programme -------------------------------------------------------------------------
    def fact(self, key: str) -> Fact | None:
        return self._read(lambda s: _opt(s.get(FactRow, key), _fact))

    def facts(self) -> list[Fact]:
        return self._read(
            lambda s: [_fact(r) for r in s.scalars(select(FactRow).order_by(FactRow.position))]
        )

    # projects --------------------------------------------------------------------------
    def projects(self, kind: str | None = None) -> list[Project]:
        """Ordered by kind (pilot first), then number, then German name."""

        def query(session: Session) -> list[Project]:
            statement = select(ProjectRow)
            if kind is not None:
                statement = statement.where(ProjectRow.kind == kind)
            projects = [_project(r) for r in session.scalars(statement)]
            order = {"pilot": 0, "implementation": 1}
            return sorted(
                projects,
                key=lambda p: (
                    order.get(p.kind, 9),
                    p.number is None,
                    p.number or 0,
                    p.name_de.casefold(),
                ),
            )

        return self._read(query)

    def project(self, key: str) -> Project | None:
        return self._read(lambda s: _opt(s.get(ProjectRow, key), _project))

    # tours, hours, contact ---------------------------------------------------------------
    def tours(self) -> list[Tour]:
        """Sorted by date and start time: the published page is not in date order."""
        return self._read(
            lambda s: [
                _tour(r)
                for r in s.scalars(
                    select(TourRow).order_by(TourRow.day, TourRow.start_time, TourRow.key)
                )
            ]
        )

    def opening_hours(self) -> list[OpeningHours]:
        return self._read(
            lambda s: [
                _hours(r)
                for r in s.scalars(select(OpeningHoursRow).order_by(OpeningHoursRow.weekday))
            ]
        )

    def closures(self) -> list[Closure]:
        return self._read(
            lambda s: [_closure(r) for r in s.scalars(select(ClosureRow).order_by(ClosureRow.day))]
        )

    def contact(self) -> Contact | None:
        return self._read(lambda s: _opt(s.get(ContactRow, 1), _contact))

    def snapshot(self) -> KnowledgeBase:
        """Everything in file order, in one session (what ``kb export`` writes)."""

        def query(session: Session) -> KnowledgeBase:
            def rows(model, *order):  # type: ignore[no-untyped-def]
                return list(session.scalars(select(model).order_by(*order)))

            return KnowledgeBase(
                facts=tuple(_fact(r) for r in rows(FactRow, FactRow.position)),
                projects=tuple(_project(r) for r in rows(ProjectRow, ProjectRow.position)),
                tours=tuple(_tour(r) for r in rows(TourRow, TourRow.position)),
                opening_hours=tuple(
                    _hours(r) for r in rows(OpeningHoursRow, OpeningHoursRow.position)
                ),
                closures=tuple(_closure(r) for r in rows(ClosureRow, ClosureRow.position)),
                contact=_opt(session.get(ContactRow, 1), _contact),
            )

        return self._read(query)


def _opt(row: object | None, convert: Callable[[object], T]) -> T | None:
    return None if row is None else convert(row)


def _fact(r: FactRow) -> Fact:
    return Fact(r.key, r.text_de, r.text_en, r.source, r.as_of, r.note)


def _project(r: ProjectRow) -> Project:
    return Project(
        key=r.key,
        kind=r.kind,
        number=r.number,
        name_de=r.name_de,
        name_en=r.name_en,
        synonyms=tuple(s.text for s in r.synonyms),
        description_de=r.description_de,
        description_en=r.description_en,
        status_de=r.status_de,
        status_en=r.status_en,
        place=r.place,
        links=tuple(link.url for link in r.links),
        source=r.source,
        as_of=r.as_of,
        note=r.note,
    )


def _tour(r: TourRow) -> Tour:
    return Tour(
        key=r.key,
        date=r.day,
        start=r.start_time,
        end=r.end_time,
        mode=r.mode,
        meeting_point_de=r.meeting_point_de,
        meeting_point_en=r.meeting_point_en,
        notes_de=r.notes_de,
        notes_en=r.notes_en,
        source=r.source,
        as_of=r.as_of,
    )


def _hours(r: OpeningHoursRow) -> OpeningHours:
    return OpeningHours(r.weekday, r.opens, r.closes, r.source, r.as_of)


def _closure(r: ClosureRow) -> Closure:
    return Closure(r.day, r.reason_de, r.reason_en, r.source, r.as_of)


def _contact(r: ContactRow) -> Contact:
    return Contact(
        office_de=r.office_de,
        office_en=r.office_en,
        street=r.street,
        postcode=r.postcode,
        city=r.city,
        phone=r.phone,
        email=r.email,
        head=r.head,
        source=r.source,
        as_of=r.as_of,
    )
