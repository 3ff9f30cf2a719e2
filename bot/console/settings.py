"""The console's settings: every environment variable it reads, in one place, read once.

Defaults are for ``make run`` on one machine: loopback only, plain HTTP on localhost. Behind
a TLS proxy set ``SMARTCITY_CONSOLE_SECURE_COOKIE=1`` so the session cookie is never sent
without TLS.
"""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from bot import ROOT
from bot.services.processes import CONSOLE_PORT
from bot.services.web import ALLOWED_HOSTS_VARIABLE, DEFAULT_ALLOWED_HOSTS, allowed_hosts

PORT_VARIABLE = "SMARTCITY_CONSOLE_PORT"
HOST_VARIABLE = "SMARTCITY_CONSOLE_HOST"
SECRET_VARIABLE = "SMARTCITY_CONSOLE_SECRET"
SECRET_FILE = ROOT / "var" / "console" / "secret.key"


class SettingsError(ValueError):
    """A console variable holds something unusable; the message names it."""


def _number(name: str, default: int, least: int = 1) -> int:
    value = os.environ.get(name, "").strip()
    if not value:
        return default
    if not value.isdecimal() or int(value) < least:
        raise SettingsError(f"{name}={value!r} is not a whole number of at least {least}")
    return int(value)


def console_port() -> int:
    """``SMARTCITY_CONSOLE_PORT``, else 8090 (bot/services/processes.py)."""
    return _number(PORT_VARIABLE, CONSOLE_PORT)


def _secret(path: Path = SECRET_FILE) -> str:
    """``SMARTCITY_CONSOLE_SECRET``, else a random key kept in ``var/console`` (mode 600), so
    sessions survive a restart; a new key ends every session."""
    value = os.environ.get(SECRET_VARIABLE, "").strip()
    if value:
        if len(value) < 32:
            raise SettingsError(f"{SECRET_VARIABLE} must be at least 32 characters")
        return value
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        handle = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(handle, "w") as file:
            file.write(secrets.token_urlsafe(48))
    return path.read_text(encoding="utf-8").strip()


@dataclass(frozen=True)
class ConsoleSettings:
    """What the operator configured; fixed for the life of the console."""

    secret: str
    allowed_hosts: frozenset[str]
    #: Idle time after which a session ends (the cookie's and the signature's max age).
    session_minutes: int = 30
    #: Failed logins in a row that lock an account, and for how long.
    max_failed_logins: int = 5
    lockout_minutes: int = 15
    #: Records whose "as of" date is older than this many months are flagged.
    stale_months: int = 12
    secure_cookie: bool = False
    kb_dir: Path = ROOT / "data" / "kb"
    endpoints: Path = ROOT / "endpoints.yml"
    #: The knowledge-base database (None: ``SMARTCITY_DB_URL`` or the default file).
    db_url: str | None = None
    domain: Path = ROOT / "domain.yml"

    @property
    def lockout(self) -> timedelta:
        return timedelta(minutes=self.lockout_minutes)

    @classmethod
    def from_environment(cls, **overrides: object) -> ConsoleSettings:
        """Settings from the environment; ``overrides`` (command-line options, tests) win."""
        values: dict[str, object] = {
            "allowed_hosts": allowed_hosts(
                os.environ.get(ALLOWED_HOSTS_VARIABLE) or DEFAULT_ALLOWED_HOSTS),
            "session_minutes": _number("SMARTCITY_CONSOLE_SESSION_MINUTES", 30),
            "max_failed_logins": _number("SMARTCITY_CONSOLE_MAX_FAILED_LOGINS", 5),
            "lockout_minutes": _number("SMARTCITY_CONSOLE_LOCKOUT_MINUTES", 15),
            "stale_months": _number("SMARTCITY_CONSOLE_STALE_MONTHS", 12),
            "secure_cookie": os.environ.get("SMARTCITY_CONSOLE_SECURE_COOKIE", "") in (
                "1", "true", "yes"),
        }
        values.update({key: value for key, value in overrides.items() if value is not None})
        if "secret" not in values:
            values["secret"] = _secret()
        return cls(**values)  # type: ignore[arg-type]
