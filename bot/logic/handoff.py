"""Contact requests for the office: the citizen's e-mail address, the text staff read, the mail.

The assistant stores a request first (bot/kb) and then, when ``SMARTCITY_SMTP_HOST`` is set,
mails it to the office; a mail server that fails is logged by the caller and loses nothing,
because staff see every request with ``python -m bot requests list`` anyway. What staff read
is the same in the mail and on the command line (:func:`describe_request`), so it is written
once, here. Standard library only (``smtplib``); STARTTLS whenever the server offers it, and
never a password over a connection without it.
"""

from __future__ import annotations

import os
import re
import smtplib
import ssl
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from email.message import EmailMessage
from typing import Protocol

from email_validator import EmailNotValidError, validate_email

from bot.logic.clock import BERLIN

HOST = "SMARTCITY_SMTP_HOST"
PORT = "SMARTCITY_SMTP_PORT"
SENDER = "SMARTCITY_SMTP_SENDER"
RECIPIENT = "SMARTCITY_SMTP_RECIPIENT"
USER = "SMARTCITY_SMTP_USER"
PASSWORD = "SMARTCITY_SMTP_PASSWORD"
#: Submission port when the server wants a login, the plain relay port otherwise.
SUBMISSION_PORT, RELAY_PORT = 587, 25
SMTP_TIMEOUT = 15  # seconds; the request is stored already, the mail may take its time

# Something with an @ in it, as people type it ("mailto:", brackets and quotes around).
_CANDIDATE = re.compile(r"[^\s<>()\[\],;:\"'«»„“”]+@[^\s<>()\[\],;:\"'«»„“”]+")


def email_address(text: str) -> str | None:
    """The first valid e-mail address in ``text`` (normalised), or None.

    "Meine Adresse ist Erika@Example.org." -> "Erika@example.org". Syntax only: no DNS
    look-up, the assistant runs without internet access.
    """
    for candidate in _CANDIDATE.findall(text or ""):
        candidate = candidate.removeprefix("mailto:").rstrip(".!?")
        try:
            return validate_email(candidate, check_deliverability=False).normalized
        except EmailNotValidError:
            continue
    return None


class RequestLike(Protocol):
    id: int | None
    created: datetime
    status: str
    language: str
    question: str
    email: str
    sender_id: str
    done_at: datetime | None


def _local(moment: datetime | None) -> str:
    return "-" if moment is None else f"{moment.astimezone(BERLIN):%Y-%m-%d %H:%M} (Berlin)"


def describe_request(request: RequestLike) -> str:
    """A contact request as staff read it: in the office mail and ``requests show``."""
    question = "\n".join(f"  {line}" for line in request.question.splitlines() or [""])
    return "\n".join([
        f"Contact request #{request.id} ({request.status})",
        f"Received:     {_local(request.created)}",
        f"Done:         {_local(request.done_at)}",
        f"Language:     {request.language}",
        f"Reply to:     {request.email}",
        f"Conversation: {request.sender_id}",
        "Question:",
        question,
    ])


class MailConfigError(ValueError):
    """``SMARTCITY_SMTP_*`` is set only in part, or a value is malformed."""


@dataclass(frozen=True)
class MailSettings:
    """Where the office mail goes; from ``SMARTCITY_SMTP_*`` (see README, "Contact office")."""

    host: str
    port: int
    sender: str
    recipient: str
    user: str | None = None
    password: str | None = field(default=None, repr=False)

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> MailSettings | None:
        """None when ``SMARTCITY_SMTP_HOST`` is unset (mail is off); MailConfigError when
        the host is set but the rest is incomplete or malformed."""
        environ = os.environ if environ is None else environ
        values = {name: environ.get(name, "").strip()
                  for name in (HOST, PORT, SENDER, RECIPIENT, USER, PASSWORD)}
        if not values[HOST]:
            return None
        missing = [name for name in (SENDER, RECIPIENT) if not values[name]]
        if bool(values[USER]) != bool(values[PASSWORD]):
            missing.append(PASSWORD if values[USER] else USER)
        if missing:
            raise MailConfigError(f"{HOST} is set, but {', '.join(missing)} is not")
        for name in (SENDER, RECIPIENT):
            if email_address(values[name]) != values[name]:
                raise MailConfigError(f"{name}={values[name]!r} is not an e-mail address")
        port = values[PORT] or str(SUBMISSION_PORT if values[USER] else RELAY_PORT)
        if not port.isdecimal() or not 0 < int(port) < 65536:
            raise MailConfigError(f"{PORT}={values[PORT]!r} is not a port number")
        return cls(values[HOST], int(port), values[SENDER], values[RECIPIENT],
                   values[USER] or None, values[PASSWORD] or None)


def office_message(request: RequestLike, settings: MailSettings) -> EmailMessage:
    """The mail to the office; a reply goes straight to the citizen (Reply-To)."""
    message = EmailMessage()
    message["Subject"] = f"SMARTCity assistant: contact request #{request.id}"
    message["From"] = settings.sender
    message["To"] = settings.recipient
    message["Reply-To"] = request.email
    message.set_content(
        f"{describe_request(request)}\n\n"
        "Reply to this e-mail to answer the citizen. When it is answered:\n"
        f"  python -m bot requests done {request.id}\n"
    )
    return message


def send(message: EmailMessage, settings: MailSettings, timeout: float = SMTP_TIMEOUT) -> None:
    """Deliver ``message``; raises OSError or smtplib.SMTPException when it cannot."""
    with smtplib.SMTP(settings.host, settings.port, timeout=timeout) as smtp:
        smtp.ehlo()
        if smtp.has_extn("starttls"):
            smtp.starttls(context=ssl.create_default_context())
            smtp.ehlo()
        elif settings.user:
            raise smtplib.SMTPNotSupportedError(
                f"{settings.host}:{settings.port} offers no STARTTLS; the password is not "
                "sent over an unencrypted connection")
        if settings.user and settings.password:
            smtp.login(settings.user, settings.password)
        smtp.send_message(message)
