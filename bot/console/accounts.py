"""Staff accounts: passwords hashed with argon2id (argon2-cffi), logins with a lockout.

The lockout counts failed logins in a row per account; at the limit the account is locked
for a while and its sessions end. A login for a name that does not exist costs the same
argon2 verification as a real one and gets the same answer, so the form tells nobody which
names exist. Every change is written to the audit log (bot/kb/staff.py).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from bot.kb import KnowledgeBaseError
from bot.kb.office import utc_now
from bot.kb.records import StaffAccount
from bot.kb.staff import StaffRecords

MIN_PASSWORD_LENGTH = 12
MAX_PASSWORD_LENGTH = 1024
ROLES = ("office", "editor")

#: argon2id with the library's defaults (RFC 9106's second recommended profile).
_HASHER = PasswordHasher()
#: Verified against when the name is unknown, so that answer takes as long as a real one.
_DUMMY_HASH = _HASHER.hash("not a password of anyone")


class AccountError(ValueError):
    """A staff command or form that cannot be carried out; the message says why."""


class Outcome(enum.Enum):
    OK = "ok"
    WRONG = "wrong"  # unknown name or wrong password: the same to the outside
    LOCKED = "locked"


@dataclass(frozen=True)
class Login:
    outcome: Outcome
    account: StaffAccount | None = None


def check_password(password: str) -> str:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AccountError(f"the password must have at least {MIN_PASSWORD_LENGTH} characters")
    if len(password) > MAX_PASSWORD_LENGTH:
        raise AccountError(f"the password must have at most {MAX_PASSWORD_LENGTH} characters")
    return password


def _verify(stored: str, password: str) -> bool:
    try:
        return _HASHER.verify(stored, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


class Accounts:
    """The staff accounts in the database at ``url``, with the lockout rule."""

    def __init__(self, url: str | None = None, max_failed: int = 5,
                 lockout: timedelta = timedelta(minutes=15)) -> None:
        self.records = StaffRecords(url)
        self.max_failed = max_failed
        self.lockout = lockout

    def add(self, name: str, role: str, password: str, by: str) -> StaffAccount:
        if role not in ROLES:
            raise AccountError(f"unknown role {role!r} (office or editor)")
        try:
            account = self.records.add_account(name, role, _HASHER.hash(check_password(password)))
        except KnowledgeBaseError as error:
            raise AccountError(str(error)) from error
        self.records.audit(by, "account added", name, f"role {role}")
        return account

    def remove(self, name: str, by: str) -> bool:
        return self._audited(self.records.remove_account(name), by, "account removed", name)

    def set_password(self, name: str, password: str, by: str) -> bool:
        changed = self.records.set_password(name, _HASHER.hash(check_password(password)))
        return self._audited(changed, by, "password changed", name)

    def unlock(self, name: str, by: str) -> bool:
        return self._audited(self.records.unlock(name), by, "account unlocked", name)

    def _audited(self, done: bool, by: str, action: str, name: str) -> bool:
        """``done``, after logging ``action`` when it was done: a change of an account that
        does not exist leaves no audit entry."""
        if done:
            self.records.audit(by, action, name)
        return done

    def list(self) -> list[StaffAccount]:
        return self.records.accounts()

    def login(self, name: str, password: str) -> Login:
        """Check a login; counts failures and locks at the limit."""
        account = self.records.account(name) if name else None
        if account is None:
            _verify(_DUMMY_HASH, password)
            return Login(Outcome.WRONG)
        now = utc_now()
        if account.locked_until is not None and account.locked_until > now:
            _verify(_DUMMY_HASH, password)
            self.records.audit(name, "login refused", name, "account locked")
            return Login(Outcome.LOCKED, account)
        if not _verify(account.password_hash, password):
            after = self.records.count_failure(name, self.max_failed, self.lockout, now)
            if after is not None and after.locked_until is not None and after.locked_until > now:
                self.records.audit(name, "account locked", name,
                                   f"{self.max_failed} failed logins in a row")
                return Login(Outcome.LOCKED, after)
            self.records.audit(name, "login failed", name)
            return Login(Outcome.WRONG)
        if _HASHER.check_needs_rehash(account.password_hash):
            self.records.set_password(name, _HASHER.hash(password))
        self.records.count_login(name, now)
        self.records.audit(name, "logged in", name)
        return Login(Outcome.OK, self.records.account(name))

    def logout(self, name: str) -> None:
        self.records.end_sessions(name)
        self.records.audit(name, "logged out", name)
