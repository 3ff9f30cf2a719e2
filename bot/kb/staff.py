"""The console's records: staff accounts, the audit log and the labels of unanswered questions.

They live in the knowledge-base database beside the office records, in tables of their own
(``console_metadata`` in bot/kb/models.py) that ``kb load`` never touches. Password hashing
is not done here: accounts arrive with their argon2 hash (bot/console/accounts.py), so this
module only stores and counts. Lockout counting is one UPDATE per failure, so two wrong
passwords arriving at once are both counted.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

from sqlalchemy import delete, insert, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot.kb import KnowledgeBaseError
from bot.kb.models import OPERATIONAL_TABLES, operational_row
from bot.kb.office import OperationalTables, _naive_utc, _validated, utc_now
from bot.kb.records import AuditEntry, QuestionLabel, StaffAccount, UnansweredQuestion

_STAFF = OPERATIONAL_TABLES[StaffAccount]
_AUDIT = OPERATIONAL_TABLES[AuditEntry]
_LABELS = OPERATIONAL_TABLES[QuestionLabel]


class StaffRecords(OperationalTables):
    """Accounts, audit log and question labels at ``url`` (default: ``SMARTCITY_DB_URL``)."""

    # -- accounts -----------------------------------------------------------------------------
    def add_account(self, name: str, role: str, password_hash: str) -> StaffAccount:
        """A new account; KnowledgeBaseError when the name is taken or a value is invalid."""
        account = _validated(StaffAccount, {"name": name, "role": role,
                                            "password_hash": password_hash,
                                            "created": utc_now()})
        try:
            return self._add(account)
        except KnowledgeBaseError as error:
            if isinstance(error.__cause__, IntegrityError):
                raise KnowledgeBaseError(f"there is already an account {name!r}") from None
            raise

    def account(self, name: str) -> StaffAccount | None:
        return next(iter(self._select(StaffAccount, _STAFF.c.name == name)), None)

    def accounts(self) -> list[StaffAccount]:
        return self._select(StaffAccount, order="name")

    def remove_account(self, name: str) -> bool:
        """Delete the account; False when there was none."""
        return self._change(delete(_STAFF).where(_STAFF.c.name == name)) > 0

    def set_password(self, name: str, password_hash: str) -> bool:
        """A new hash; ends the account's sessions and lifts a lockout."""
        return self._change(update(_STAFF).where(_STAFF.c.name == name).values(
            password_hash=password_hash, failed_logins=0, locked_until=None,
            session_epoch=_STAFF.c.session_epoch + 1)) > 0

    def unlock(self, name: str) -> bool:
        return self._change(update(_STAFF).where(_STAFF.c.name == name).values(
            failed_logins=0, locked_until=None)) > 0

    def end_sessions(self, name: str) -> None:
        """Every session issued so far stops working (logout)."""
        self._change(update(_STAFF).where(_STAFF.c.name == name).values(
            session_epoch=_STAFF.c.session_epoch + 1))

    def count_failure(self, name: str, limit: int, lockout: timedelta,
                      now: datetime | None = None) -> StaffAccount | None:
        """One more failed login; at ``limit`` in a row the account is locked for ``lockout``
        (and its sessions end). Returns the account as it is now, None if there is none."""
        moment = _naive_utc(now or utc_now())

        def work(session: Session) -> None:
            session.execute(update(_STAFF).where(_STAFF.c.name == name).values(
                failed_logins=_STAFF.c.failed_logins + 1))
            session.execute(update(_STAFF).where(
                _STAFF.c.name == name, _STAFF.c.failed_logins >= limit).values(
                failed_logins=0, locked_until=moment + lockout,
                session_epoch=_STAFF.c.session_epoch + 1))

        self._session(work)
        return self.account(name)

    def count_login(self, name: str, now: datetime | None = None) -> None:
        """A successful login: the failure count starts again."""
        self._change(update(_STAFF).where(_STAFF.c.name == name).values(
            failed_logins=0, locked_until=None, last_login=_naive_utc(now or utc_now())))

    # -- audit log ----------------------------------------------------------------------------
    def audit(self, who: str, action: str, target: str | None = None,
              detail: str | None = None) -> AuditEntry:
        """Record a change (never with a citizen's text)."""
        return self._add(_validated(AuditEntry, {"at": utc_now(), "who": who,
                                                 "action": action, "target": target or None,
                                                 "detail": detail or None}))

    def audit_log(self, limit: int = 200) -> list[AuditEntry]:
        """The newest ``limit`` entries, newest first."""
        return list(reversed(self._select(AuditEntry, order="id")[-limit:]))

    # -- labels of unanswered questions -------------------------------------------------------
    def label(self, questions: Iterable[UnansweredQuestion], label: str, intent: str | None,
              who: str) -> list[QuestionLabel]:
        """Give every question this label (replacing an earlier one), in one transaction."""
        now = utc_now()
        records = [_validated(QuestionLabel, {
            "question_id": question.id, "asked": question.asked, "label": label,
            "intent": intent if label == "intent" else None, "labelled_by": who,
            "labelled_at": now}) for question in questions]
        ids = [record.question_id for record in records]

        def work(session: Session) -> None:
            session.execute(delete(_LABELS).where(_LABELS.c.question_id.in_(ids)))
            if records:
                session.execute(insert(_LABELS), [operational_row(r) for r in records])

        self._session(work)
        return self.labels(ids)

    def unlabel(self, question_ids: Iterable[int]) -> int:
        return self._change(delete(_LABELS).where(_LABELS.c.question_id.in_(list(question_ids))))

    def labels(self, question_ids: Iterable[int] | None = None) -> list[QuestionLabel]:
        """Labels (of these questions), in question order."""
        conditions = [] if question_ids is None else [
            _LABELS.c.question_id.in_(list(question_ids))]
        return self._select(QuestionLabel, *conditions, order="question_id")

    # -- helpers ------------------------------------------------------------------------------
    def _change(self, statement: object) -> int:
        """Run one UPDATE or DELETE; rows affected."""
        return self._session(lambda session: session.execute(statement).rowcount or 0)

