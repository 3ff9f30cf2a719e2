"""The contact request's mail to the office, against a local SMTP server (aiosmtpd) that the
test starts; and what happens when the mail server is down or misconfigured."""

from __future__ import annotations

import email
import logging
from collections.abc import Iterator
from email import policy
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller

from actions import contact_request
from bot.kb import OfficeRecords
from bot.logic.handoff import (
    HOST,
    PASSWORD,
    PORT,
    RECIPIENT,
    SENDER,
    USER,
    MailConfigError,
    MailSettings,
    describe_request,
    email_address,
)
from bot.services.processes import free_port
from tests import fakes
from tests.fakes import Inbox

QUESTION = "Wann wird der Sensor in der Hauptstraße eingebaut?"


@pytest.fixture
def smtp_server() -> Iterator[tuple[Controller, Inbox]]:
    with fakes.smtp_server() as server:
        yield server


@pytest.fixture
def office(tmp_path: Path) -> OfficeRecords:
    return OfficeRecords(f"sqlite:///{tmp_path / 'kb.sqlite3'}")


def mail_env(monkeypatch: pytest.MonkeyPatch, port: int, **extra: str) -> None:
    for name in (HOST, PORT, SENDER, RECIPIENT, USER, PASSWORD):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv(HOST, "127.0.0.1")
    monkeypatch.setenv(PORT, str(port))
    monkeypatch.setenv(SENDER, "assistant@gera.example.org")
    monkeypatch.setenv(RECIPIENT, "smartcity-office@gera.example.org")
    for name, value in extra.items():
        monkeypatch.setenv(name, value)


def test_the_office_receives_the_request(smtp_server, office, monkeypatch):
    controller, inbox = smtp_server
    mail_env(monkeypatch, controller.port)
    request = office.add_request(question=QUESTION, email="erika@example.org", language="de",
                                 sender_id="conversation-1")

    assert contact_request.notify_office(request).result(timeout=30) is True

    (envelope,) = inbox.envelopes
    assert envelope.mail_from == "assistant@gera.example.org"
    assert envelope.rcpt_tos == ["smartcity-office@gera.example.org"]
    message = email.message_from_bytes(envelope.content, policy=policy.default)
    assert message["Subject"] == f"SMARTCity assistant: contact request #{request.id}"
    assert message["Reply-To"] == "erika@example.org"
    body = message.get_content().replace("\r\n", "\n")
    assert QUESTION in body and "conversation-1" in body
    assert describe_request(request) in body  # the same text as `requests show`
    assert f"python -m bot requests done {request.id}" in body


def test_a_mail_server_that_is_down_loses_nothing(office, monkeypatch, caplog):
    mail_env(monkeypatch, free_port())  # nothing listens there
    request = office.add_request(question=QUESTION, email="erika@example.org", language="de",
                                 sender_id="conversation-1")

    with caplog.at_level(logging.INFO, logger=contact_request.__name__):
        assert contact_request.notify_office(request).result(timeout=60) is False

    assert office.request(request.id) == request  # still stored, still open
    assert office.requests(status="open") == [request]
    errors = [r for r in caplog.records if r.levelname == "ERROR"]
    assert len(errors) == 1 and f"#{request.id} is stored" in errors[0].getMessage()
    assert "Hauptstraße" not in caplog.text and "erika@" not in caplog.text


def test_no_password_over_a_connection_without_starttls(smtp_server, office, monkeypatch,
                                                        caplog):
    controller, inbox = smtp_server  # aiosmtpd here offers no STARTTLS
    mail_env(monkeypatch, controller.port, **{USER: "assistant", PASSWORD: "s3cret"})
    request = office.add_request(question=QUESTION, email="erika@example.org", language="en",
                                 sender_id="conversation-2")

    with caplog.at_level(logging.ERROR, logger=contact_request.__name__):
        assert contact_request.notify_office(request).result(timeout=30) is False

    assert inbox.envelopes == []
    assert "offers no STARTTLS" in caplog.text and "s3cret" not in caplog.text


def test_mail_is_off_without_a_host(office, monkeypatch):
    for name in (HOST, PORT, SENDER, RECIPIENT, USER, PASSWORD):
        monkeypatch.delenv(name, raising=False)
    request = office.add_request(question=QUESTION, email="erika@example.org", language="de",
                                 sender_id="c")
    assert MailSettings.from_env() is None
    assert contact_request.notify_office(request) is None


def test_settings_from_the_environment():
    base = {HOST: "mail.gera.de", SENDER: "bot@gera.de", RECIPIENT: "office@gera.de"}
    assert MailSettings.from_env(base) == MailSettings("mail.gera.de", 25, "bot@gera.de",
                                                       "office@gera.de")
    login = MailSettings.from_env({**base, USER: "bot", PASSWORD: "pw"})
    assert login.port == 587 and login.user == "bot" and "pw" not in repr(login)
    assert MailSettings.from_env({**base, PORT: "2525"}).port == 2525
    for broken in ({HOST: "mail.gera.de"}, {**base, USER: "bot"}, {**base, PORT: "smtp"},
                   {**base, SENDER: "not an address"}, {**base, PORT: "70000"}):
        with pytest.raises(MailConfigError):
            MailSettings.from_env(broken)


def test_half_configured_mail_is_logged_and_the_request_kept(office, monkeypatch, caplog):
    for name in (HOST, PORT, SENDER, RECIPIENT, USER, PASSWORD):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv(HOST, "127.0.0.1")
    request = office.add_request(question=QUESTION, email="erika@example.org", language="de",
                                 sender_id="c")
    with caplog.at_level(logging.ERROR, logger=contact_request.__name__):
        assert contact_request.notify_office(request) is None
    assert SENDER in caplog.text and office.request(request.id) is not None


@pytest.mark.parametrize(("text", "address"), [
    ("erika@example.org", "erika@example.org"),
    ("Meine Adresse ist Erika.Muster@Example.ORG.", "Erika.Muster@example.org"),
    ("<mailto:john@example.co.uk>", "john@example.co.uk"),
    ("erika(at)example.org", None),
    ("erika@example", None),
    ("ja", None),
    ("a..b@example.org", None),
])
def test_email_address_in_what_citizens_type(text, address):
    assert email_address(text) == address
