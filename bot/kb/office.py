"""What the assistant hands to the office: contact requests and the unanswered-question log.

Both live in the knowledge-base database (SQLite file or PostgreSQL, ``SMARTCITY_DB_URL``)
in tables of their own (bot/kb/models.py), which ``kb load`` never rebuilds: reloading the
editorial files keeps every request. One short session per call, as in the repository.

Stored times are the real time in UTC, not ``SMARTCITY_NOW``: they must agree with Rasa's
event timestamps (the report puts them side by side) and with the retention purge.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime, timezone
from typing import Any, TypeVar

from pydantic import validate_model
from sqlalchemy import insert, select, update
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from bot.kb import KnowledgeBaseError
from bot.kb.database import database_url, ensure_operational_tables
from bot.kb.models import OPERATIONAL_TABLES, operational_record, operational_row
from bot.kb.records import ContactRequest, UnansweredQuestion

T = TypeVar("T")
R = TypeVar("R")


def utc_now() -> datetime:
    return datetime.now(timezone.utc)


def _validated(record: type[R], values: dict[str, Any]) -> R:
    """``values`` checked by the record's model; KnowledgeBaseError naming the bad fields."""
    model = record.__pydantic_model__  # type: ignore[attr-defined]
    checked, _, failure = validate_model(model, values)
    if failure:
        problems = "; ".join(f"{error['loc'][0]}: {error['msg']}" for error in failure.errors())
        raise KnowledgeBaseError(f"invalid {record.__name__}: {problems}")
    return record(**checked)


class OperationalTables:
    """Short sessions on the tables outside the knowledge base at ``url`` (default:
    :func:`database_url`); subclasses hold the queries of one concern."""

    def __init__(self, url: str | None = None) -> None:
        self.url = url or database_url()

    def _session(self, work: Callable[[Session], T]) -> T:
        try:
            engine = ensure_operational_tables(self.url)
            with Session(engine) as session, session.begin():
                return work(session)
        except SQLAlchemyError as exc:
            raise KnowledgeBaseError(
                f"cannot use the office tables: {type(exc).__name__}: {exc}") from exc

    def _add(self, record: Any) -> Any:
        table = OPERATIONAL_TABLES[type(record)]

        def work(session: Session) -> Any:
            result = session.execute(insert(table).values(operational_row(record)))
            (new_id,) = result.inserted_primary_key
            row = session.execute(select(table).where(table.c.id == new_id)).one()
            return operational_record(type(record), row._mapping)

        return self._session(work)

    def _select(self, record: type[R], *conditions: Any, order: str = "id") -> list[R]:
        table = OPERATIONAL_TABLES[record]

        def work(session: Session) -> list[R]:
            statement = select(table).where(*conditions).order_by(table.c[order], table.c.id)
            return [operational_record(record, row._mapping)
                    for row in session.execute(statement)]

        return self._session(work)


class OfficeRecords(OperationalTables):
    """Contact requests and unanswered questions."""

    # -- contact requests -------------------------------------------------------------------
    def add_request(self, *, question: str, email: str, language: str, sender_id: str,
                    created: datetime | None = None) -> ContactRequest:
        """Store a new open request; returns it with its number."""
        return self._add(_validated(ContactRequest, {
            "created": created or utc_now(), "status": "open", "language": language,
            "question": question, "email": email, "sender_id": sender_id}))

    def request(self, number: int) -> ContactRequest | None:
        table = OPERATIONAL_TABLES[ContactRequest]
        return next(iter(self._select(ContactRequest, table.c.id == number)), None)

    def requests(self, status: str | None = None, since: datetime | None = None,
                 until: datetime | None = None) -> list[ContactRequest]:
        """Requests created in [since, until), oldest first; ``status`` open or done."""
        table = OPERATIONAL_TABLES[ContactRequest]
        conditions = _between(table.c.created, since, until)
        if status is not None:
            conditions.append(table.c.status == status)
        return self._select(ContactRequest, *conditions, order="created")

    def done_between(self, since: datetime | None = None,
                     until: datetime | None = None) -> list[ContactRequest]:
        """Requests marked done in [since, until)."""
        table = OPERATIONAL_TABLES[ContactRequest]
        return self._select(ContactRequest, table.c.status == "done",
                            *_between(table.c.done_at, since, until), order="done_at")

    def mark_done(self, number: int, at: datetime | None = None) -> ContactRequest | None:
        """Close request ``number`` (a done one keeps its first closing time); None if
        there is no such request."""
        table = OPERATIONAL_TABLES[ContactRequest]
        moment = _naive_utc(at or utc_now())

        def work(session: Session) -> None:
            session.execute(update(table)
                            .where(table.c.id == number, table.c.status == "open")
                            .values(status="done", done_at=moment))

        self._session(work)
        return self.request(number)

    # -- unanswered questions ---------------------------------------------------------------
    def log_unanswered(self, *, text: str, kind: str, language: str,
                       intent_guess: str | None = None,
                       asked: datetime | None = None) -> UnansweredQuestion:
        """Record a question that went unanswered (``text`` must be redacted already)."""
        return self._add(_validated(UnansweredQuestion, {
            "asked": asked or utc_now(), "kind": kind, "language": language, "text": text,
            "intent_guess": intent_guess or None}))

    def unanswered(self, since: datetime | None = None,
                   until: datetime | None = None) -> list[UnansweredQuestion]:
        table = OPERATIONAL_TABLES[UnansweredQuestion]
        return self._select(UnansweredQuestion, *_between(table.c.asked, since, until),
                            order="asked")

    def unanswered_by_id(self, numbers: Iterable[int]) -> list[UnansweredQuestion]:
        """The questions with these numbers that are still stored, oldest first."""
        table = OPERATIONAL_TABLES[UnansweredQuestion]
        return self._select(UnansweredQuestion, table.c.id.in_(sorted(set(numbers))),
                            order="asked")


def _naive_utc(moment: datetime) -> datetime:
    if moment.tzinfo is None:
        raise ValueError("a time without time zone")
    return moment.astimezone(timezone.utc).replace(tzinfo=None)


def _between(column: Any, since: datetime | None, until: datetime | None) -> list[Any]:
    conditions = []
    if since is not None:
        conditions.append(column >= _naive_utc(since))
    if until is not None:
        conditions.append(column < _naive_utc(until))
    return conditions
