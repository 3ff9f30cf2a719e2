"""Rasa's Rocket.Chat channel that checks who is calling; the channel keeps the name
``rocketchat`` (webhook ``/webhooks/rocketchat/webhook``) and Rasa's own message handling.

Rasa 3.6 takes any POST to the webhook as a message from Rocket.Chat. Rocket.Chat sends a
shared token with each call: an outgoing-webhook integration in the ``token`` field of its
JSON, an Omnichannel (Livechat) webhook, whose payloads Rasa's channel also reads, in the
``X-RocketChat-Livechat-Token`` header. Here a request carrying neither with the configured
``webhook_token`` is answered 403 before Rasa sees it. The token is required: the channel
does not start without one.

In credentials (bot/services/channels.py writes this from the environment)::

    bot.plugins.rocketchat_channel.RocketChatInput:
      user: <bot user>
      password: ...
      server_url: https://chat.example.org
      webhook_token: <the integration's token>
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from rasa.core.channels.channel import InputChannel, UserMessage
from rasa.core.channels.rocketchat import RocketChatInput as RasaRocketChatInput
from rasa.shared.exceptions import RasaException
from sanic import Blueprint
from sanic.exceptions import SanicException
from sanic.request import Request

from bot.plugins.webhook_auth import refuse_unauthentic, same_secret

#: The header in which an Omnichannel webhook sends its secret token.
LIVECHAT_HEADER = "X-RocketChat-Livechat-Token"


class RocketChatInput(RasaRocketChatInput):
    """Rasa's ``rocketchat`` channel, taking only calls that carry the webhook token."""

    def __init__(
        self, user: str | None, password: str | None, server_url: str | None,
        webhook_token: str | None,
    ) -> None:
        if not webhook_token:
            raise RasaException(
                "Rocket.Chat channel: `webhook_token` (ROCKETCHAT_WEBHOOK_TOKEN) is required; "
                "without it anyone could post messages."
            )
        super().__init__(user, password, server_url)
        self.webhook_token = webhook_token

    @classmethod
    def from_credentials(cls, credentials: dict[str, Any] | None) -> InputChannel:
        """Rasa's credentials plus the required ``webhook_token``."""
        if not credentials:
            cls.raise_missing_credentials_exception()
        return cls(
            credentials.get("user"),
            credentials.get("password"),
            credentials.get("server_url"),
            credentials.get("webhook_token"),
        )

    def authentic(self, request: Request) -> bool:
        """Whether the call carries the token, in the body or in the Livechat header."""
        if same_secret(request.headers.get(LIVECHAT_HEADER), self.webhook_token):
            return True
        try:
            payload = request.json
        except SanicException:  # not JSON: nothing that could carry the token
            return False
        return isinstance(payload, dict) and same_secret(payload.get("token"), self.webhook_token)

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        """Rasa's routes behind the token check."""
        return refuse_unauthentic(super().blueprint(on_new_message), self.authentic)
