"""The web page's static server (bot/web.py) and the messenger credentials (bot/channels.py)
as plain functions: no stack needed."""

from __future__ import annotations

from pathlib import Path

import yaml

from bot import channels, web
from tests.stack import ROOT


def test_serves_only_the_page_files() -> None:
    assert web.resolve("/") == web.PUBLIC / "index.html"
    assert web.resolve("/chat.js") == (web.PUBLIC / "chat.js").resolve()
    for bad in ("/../pyproject.toml", "/%2e%2e/credentials.yml", "/.hidden", "/nope.js",
                "/../web/tests/browser.mjs", "/vendor/"):
        assert web.resolve(bad) is None, bad


def test_rasa_origin_follows_the_page_host() -> None:
    assert web.rasa_origin("localhost:8080", 5005, None) == "http://localhost:5005"
    assert web.rasa_origin("10.0.0.7:8080", 5005, None) == "http://10.0.0.7:5005"
    assert web.rasa_origin("[::1]:8080", 5005, None) == "http://[::1]:5005"
    assert web.rasa_origin("x", 5005, "https://bot.gera.de/rasa/") == "https://bot.gera.de"


def test_csp_allows_only_self_and_rasa() -> None:
    csp = web.security_headers("https://bot.gera.de")["Content-Security-Policy"]
    assert "default-src 'none'" in csp
    assert "connect-src 'self' https://bot.gera.de wss://bot.gera.de;" in csp
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp


def test_messengers_only_when_all_variables_are_set(tmp_path: Path) -> None:
    env = {
        "TELEGRAM_TOKEN": "1:abc", "TELEGRAM_BOT_NAME": "gera_bot",
        "TELEGRAM_WEBHOOK_URL": "https://bot.gera.de/webhooks/telegram/webhook",
        "FACEBOOK_VERIFY": "v",  # half-configured: stays off, with a warning
    }
    credentials, warnings = channels.build(ROOT / "credentials.yml", env)
    assert list(credentials) == ["rest", "bot.socketio_channel.SocketIOInput", channels.TELEGRAM]
    assert credentials[channels.TELEGRAM] == {
        "access_token": "1:abc", "verify": "gera_bot",
        "webhook_url": "https://bot.gera.de/webhooks/telegram/webhook",
    }
    assert warnings == ["facebook is off: FACEBOOK_SECRET, FACEBOOK_PAGE_ACCESS_TOKEN not set"]
    out = tmp_path / "credentials.yml"
    channels.main([str(ROOT / "credentials.yml"), str(out)])
    assert set(yaml.safe_load(out.read_text())) == {"rest", "bot.socketio_channel.SocketIOInput"}
    assert out.stat().st_mode & 0o777 == 0o600


def test_committed_credentials_hold_no_secrets() -> None:
    committed = yaml.safe_load((ROOT / "credentials.yml").read_text())
    assert set(committed) == {"rest", "bot.socketio_channel.SocketIOInput"}
    keys = {key for section in committed.values() if section for key in section}
    assert not keys & {"access_token", "secret", "password", "page-access-token", "jwt_key"}


def test_page_facts_come_from_the_knowledge_base_not_the_page():
    from bot.kb import Repository
    from bot.web import PUBLIC, page_facts

    facts = page_facts()
    contact = Repository().contact()
    assert facts["contact"] == {"email": contact.email, "phone": contact.phone}
    assert facts["about"]["de"] == Repository().fact("about").text_de
    page = "".join(p.read_text(encoding="utf-8") for p in PUBLIC.iterdir() if p.is_file())
    for fact in (contact.email, contact.phone, contact.street, facts["about"]["en"][:40]):
        assert fact not in page, f"fact typed into the page: {fact}"
