"""Rasa's Facebook Messenger channel that refuses what Meta did not sign; the channel keeps the
name ``facebook`` (webhook ``/webhooks/facebook/webhook``) and Rasa's own message handling
(``Messenger``) and sending (``MessengerBot``, fbmessenger's Send API client).

Rasa 3.6 answers a wrongly signed webhook call with HTTP 200 "not validated", compares the
signature with ``==``, takes the digest name from the header (``getattr(hashlib, ...)``: a
made-up one is a 500), checks only the SHA-1 header and handles only the first event of a
batch. Here:

1. Only Meta gets in: every call but the health check must carry a valid
   ``X-Hub-Signature-256`` (HMAC-SHA256 of the body with the app secret; Meta's documented
   header) or, without it, a valid ``X-Hub-Signature`` (SHA-1); anything else is answered 403
   before Rasa sees it (bot/plugins/webhook_auth.py), compared in constant time. The
   subscription check (``GET`` with ``hub.verify_token``) needs the verify token the same way.
2. Every messaging event of a batch is handled, in order (Meta batches them).
3. An optional ``graph_url`` points fbmessenger at another Graph API base (the tests' local
   stand-in), as ``api_base`` does for Telegram.

In credentials (bot/services/channels.py writes this from the environment)::

    bot.plugins.facebook_channel.FacebookInput:
      verify: <the verify token chosen when subscribing the webhook>
      secret: <the app secret>
      page-access-token: <the page's access token>
      graph_url: https://graph.facebook.com/v2.6   # optional
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Awaitable, Callable
from typing import Any

from rasa.core.channels.channel import InputChannel, UserMessage
from rasa.core.channels.facebook import FacebookInput as RasaFacebookInput
from rasa.core.channels.facebook import Messenger
from rasa.shared.exceptions import RasaException
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.plugins.webhook_auth import refuse_unauthentic, same_secret

#: Meta's signature headers, the newer first, with the digest each one names.
SIGNATURES = (("X-Hub-Signature-256", "sha256", hashlib.sha256),
              ("X-Hub-Signature", "sha1", hashlib.sha1))


def signed(body: bytes, headers: Any, secret: str) -> bool:
    """Whether ``body`` carries the app secret's signature: the SHA-256 header when present
    (then it alone decides), else the SHA-1 one."""
    for header, prefix, digest in SIGNATURES:
        value = headers.get(header)
        if value is None:
            continue
        expected = f"{prefix}=" + hmac.new(secret.encode("utf-8"), body, digest).hexdigest()
        return same_secret(value, expected)
    return False


class FacebookInput(RasaFacebookInput):
    """Rasa's ``facebook`` channel, taking only calls signed with the app secret."""

    def __init__(self, fb_verify: str | None, fb_secret: str | None,
                 fb_access_token: str | None, graph_url: str | None = None) -> None:
        if not fb_verify or not fb_secret or not fb_access_token:
            raise RasaException(
                "Facebook channel: `verify` (FACEBOOK_VERIFY), `secret` (FACEBOOK_SECRET) and "
                "`page-access-token` (FACEBOOK_PAGE_ACCESS_TOKEN) are all required; without "
                "the secret anyone could post messages.")
        super().__init__(fb_verify, fb_secret, fb_access_token)
        self.graph_url = graph_url.rstrip("/") if graph_url else None

    @classmethod
    def from_credentials(cls, credentials: dict[str, Any] | None) -> InputChannel:
        """Rasa's credentials plus the optional ``graph_url``."""
        if not credentials:
            cls.raise_missing_credentials_exception()
        return cls(credentials.get("verify"), credentials.get("secret"),
                   credentials.get("page-access-token"), credentials.get("graph_url") or None)

    def authentic(self, request: Request) -> bool:
        """A subscription check with the verify token, or a call signed with the secret."""
        if request.method == "GET":
            return same_secret(request.args.get("hub.verify_token"), self.fb_verify)
        return signed(request.body or b"", request.headers, self.fb_secret)

    def messenger(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Messenger:
        """Rasa's message handler, sending through ``graph_url`` when one is set."""
        messenger = Messenger(self.fb_access_token, on_new_message)
        if self.graph_url:
            messenger.client.graph_url = self.graph_url
        return messenger

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        """Rasa's three routes (health, subscription check, events) behind the check."""
        webhook = Blueprint("fb_webhook", __name__)

        @webhook.route("/", methods=["GET"])
        async def health(request: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @webhook.route("/webhook", methods=["GET"])
        async def token_verification(request: Request) -> HTTPResponse:
            return response.text(request.args.get("hub.challenge") or "")

        @webhook.route("/webhook", methods=["POST"])
        async def events(request: Request) -> HTTPResponse:
            payload = request.json if isinstance(request.json, dict) else {}
            messenger = self.messenger(on_new_message)
            metadata = self.get_metadata(request)
            for entry in payload.get("entry") or []:
                for event in (entry.get("messaging") or []) if isinstance(entry, dict) else []:
                    await messenger.handle({"entry": [{"messaging": [event]}]}, metadata)
            return response.text("success")

        return refuse_unauthentic(webhook, self.authentic)
