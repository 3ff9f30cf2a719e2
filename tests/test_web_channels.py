"""The web page's static server (bot/services/web.py) and the messenger credentials
(bot/services/channels.py) as plain functions: no stack needed."""

from __future__ import annotations

from pathlib import Path

import yaml

from bot.services import channels, web
from tests.stack import ROOT

SOCKETIO = "bot.plugins.socketio_channel.SocketIOInput"
REST = "bot.plugins.rest_channel.RestInput"


def test_serves_only_the_page_files() -> None:
    assert web.resolve("/") == web.PUBLIC / "index.html"
    assert web.resolve("/chat.js") == (web.PUBLIC / "chat.js").resolve()
    for bad in ("/../pyproject.toml", "/%2e%2e/credentials.yml", "/.hidden", "/nope.js",
                "/../web/tests/browser.mjs", "/vendor/"):
        assert web.resolve(bad) is None, bad


def test_rasa_origin_follows_the_page_host() -> None:
    def origin(host: str, public_url: str | None = None) -> str:
        parsed = web.parse_host(host)
        assert parsed is not None, host
        return web.rasa_origin(parsed, 5005, public_url)

    assert origin("localhost:8080") == "http://localhost:5005"
    assert origin("10.0.0.7:8080") == "http://10.0.0.7:5005"
    assert origin("[::1]:8080") == "http://[::1]:5005"
    assert origin("x", "https://bot.gera.de/rasa/") == "https://bot.gera.de"
    assert origin("x", "https://bot.gera.de:8443/rasa/") == "https://bot.gera.de:8443"


def test_only_plain_hosts_parse() -> None:
    assert web.parse_host("Localhost:8080") == web.Host("localhost", 8080)
    assert web.parse_host("[0:0::1]") == web.Host("::1")
    for bad in ("x; script-src *", "localhost:0", "localhost:", "[::1", "a b", "ä.de",
                "localhost\r", "a" * 300, "-x.de", "x_y.de", "1.2.3.4:8080:1", ""):
        assert web.parse_host(bad) is None, bad


def test_csp_allows_only_self_and_rasa() -> None:
    csp = web.security_headers("https://bot.gera.de")["Content-Security-Policy"]
    assert "default-src 'none'" in csp
    assert "connect-src 'self' https://bot.gera.de wss://bot.gera.de;" in csp
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
    unknown = web.security_headers(None)["Content-Security-Policy"]
    assert "connect-src 'self';" in unknown


def test_page_states_no_retention_period_of_its_own() -> None:
    """The period comes from config.json (SMARTCITY_RETENTION_DAYS), in both languages."""
    page = "".join(p.read_text(encoding="utf-8") for p in web.PUBLIC.iterdir() if p.is_file())
    for claim in ("30 Tag", "30 day", "30&nbsp;"):
        assert claim not in page, claim
    assert "{days}" in page


TELEGRAM_ENV = {
    "TELEGRAM_TOKEN": "1:abc", "TELEGRAM_BOT_NAME": "gera_bot",
    "TELEGRAM_WEBHOOK_URL": "https://bot.gera.de/webhooks/telegram/webhook",
    "TELEGRAM_SECRET_TOKEN": "s3cret_-token",
}
ROCKETCHAT_ENV = {
    "ROCKETCHAT_USER": "gera_bot", "ROCKETCHAT_PASSWORD": "pw",
    "ROCKETCHAT_SERVER_URL": "https://chat.gera.de", "ROCKETCHAT_WEBHOOK_TOKEN": "rc-token",
}


def test_messengers_only_when_all_variables_are_set(tmp_path: Path) -> None:
    env = {
        **TELEGRAM_ENV,
        "FACEBOOK_VERIFY": "v",  # half-configured: stays off, with a warning
    }
    credentials, warnings = channels.build(ROOT / "credentials.yml", env)
    assert list(credentials) == [REST, SOCKETIO, channels.TELEGRAM]
    assert credentials[channels.TELEGRAM] == {
        "access_token": "1:abc", "verify": "gera_bot",
        "webhook_url": "https://bot.gera.de/webhooks/telegram/webhook",
        "secret_token": "s3cret_-token",
    }
    assert warnings == [
        f"{channels.FACEBOOK} is off: FACEBOOK_SECRET, FACEBOOK_PAGE_ACCESS_TOKEN not set"]
    out = tmp_path / "credentials.yml"
    channels.main([str(ROOT / "credentials.yml"), str(out)])
    assert set(yaml.safe_load(out.read_text())) == {REST, SOCKETIO}
    assert out.stat().st_mode & 0o777 == 0o600


def test_rocketchat_is_the_project_channel_with_its_token() -> None:
    credentials, warnings = channels.build(ROOT / "credentials.yml", ROCKETCHAT_ENV)
    assert warnings == []
    assert "rocketchat" not in credentials  # Rasa's connector checks no token
    assert credentials[channels.ROCKETCHAT] == {
        "user": "gera_bot", "password": "pw", "server_url": "https://chat.gera.de",
        "webhook_token": "rc-token",
    }


def test_messenger_without_its_webhook_secret_stays_off() -> None:
    env = {**TELEGRAM_ENV, **ROCKETCHAT_ENV,
           "TELEGRAM_SECRET_TOKEN": "", "ROCKETCHAT_WEBHOOK_TOKEN": " "}
    credentials, warnings = channels.build(ROOT / "credentials.yml", env)
    assert list(credentials) == [REST, SOCKETIO]
    assert warnings == [f"{channels.TELEGRAM} is off: TELEGRAM_SECRET_TOKEN not set",
                        f"{channels.ROCKETCHAT} is off: ROCKETCHAT_WEBHOOK_TOKEN not set"]


def test_written_messenger_sections_start_their_channels() -> None:
    """What channels.py writes is what the channel classes read, resolved as ``rasa run``
    resolves them; the project's channels refuse to start without their webhook secret, so a
    misspelt secret key fails here."""
    from rasa.core.channels import BUILTIN_CHANNELS
    from rasa.shared.utils.common import class_from_module_path

    env = {**TELEGRAM_ENV, **ROCKETCHAT_ENV, "TELEGRAM_API_URL": "http://127.0.0.1:9",
           "FACEBOOK_VERIFY": "v", "FACEBOOK_SECRET": "s", "FACEBOOK_PAGE_ACCESS_TOKEN": "t"}
    credentials, _ = channels.build(ROOT / "credentials.yml", env)
    started = {
        name: (BUILTIN_CHANNELS.get(name) or class_from_module_path(name)).from_credentials(
            credentials[name])
        for name in channels.MESSENGERS
    }
    assert started[channels.TELEGRAM].secret_token == "s3cret_-token"
    assert started[channels.TELEGRAM].api_base == "http://127.0.0.1:9"
    assert started[channels.ROCKETCHAT].webhook_token == "rc-token"


def test_committed_credentials_hold_no_secrets() -> None:
    committed = yaml.safe_load((ROOT / "credentials.yml").read_text())
    assert set(committed) == {REST, SOCKETIO}
    keys = {key for section in committed.values() if section for key in section}
    assert not keys & {"access_token", "secret", "password", "page-access-token", "jwt_key",
                       "secret_token", "webhook_token"}


def test_page_facts_come_from_the_knowledge_base_not_the_page():
    from bot.kb import Repository
    from bot.services.web import PUBLIC, page_facts

    facts = page_facts()
    contact = Repository().contact()
    assert facts["contact"] == {"email": contact.email, "phone": contact.phone}
    assert facts["about"]["de"] == Repository().fact("about").text_de
    page = "".join(p.read_text(encoding="utf-8") for p in PUBLIC.iterdir() if p.is_file())
    for fact in (contact.email, contact.phone, contact.street, facts["about"]["en"][:40]):
        assert fact not in page, f"fact typed into the page: {fact}"
