"""Rasa's Telegram channel with three fixes; the channel keeps the name ``telegram`` (webhook
``/webhooks/telegram/webhook``) and Rasa's own update handling and sending.

1. Only Telegram gets in. Rasa 3.6 accepts any POST to the webhook as an update. Here the
   webhook is registered with the Bot API's ``secret_token`` (Bot API 6.1; aiogram 2.15's
   ``set_webhook`` predates it, so ``setWebhook`` is called through aiogram's own request
   method), and every request without the matching ``X-Telegram-Bot-Api-Secret-Token`` header
   is answered 403 before Rasa sees it. The secret is required: the channel does not start
   without one.
2. Rasa 3.6's ``TelegramInput.get_output_channel`` sets the webhook with ``asyncio.run``,
   which leaves the aiogram bot holding an aiohttp session bound to that finished event loop;
   the first update then fails with "RuntimeError: Event loop is closed" (HTTP 500). Here the
   session is closed inside that loop, so aiogram opens a fresh one on the server's loop.
3. An optional ``api_base`` credential points the bot at another Bot API server (aiogram's
   ``TelegramAPIServer``): a self-hosted Bot API server, or the local fake in the tests.

In credentials (bot/services/channels.py writes this from the environment)::

    bot.plugins.telegram_channel.TelegramInput:
      access_token: ...
      verify: <bot user name>
      webhook_url: https://<host>/webhooks/telegram/webhook
      secret_token: <1-256 characters of A-Z a-z 0-9 _ ->
      api_base: https://api.telegram.org   # optional
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Awaitable, Callable
from typing import Any

from aiogram.bot import api
from aiogram.bot.api import TelegramAPIServer
from aiogram.utils.exceptions import TelegramAPIError
from rasa.core.channels.channel import InputChannel, UserMessage
from rasa.core.channels.telegram import TelegramInput as RasaTelegramInput
from rasa.core.channels.telegram import TelegramOutput as RasaTelegramOutput
from rasa.shared.exceptions import RasaException
from sanic import Blueprint

from bot.plugins.webhook_auth import refuse_unauthentic, same_secret

logger = logging.getLogger(__name__)

#: The header in which Telegram sends the webhook's secret token with every update.
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
#: What the Bot API accepts as ``secret_token`` (setWebhook fails on anything else).
SECRET_FORMAT = re.compile(r"[A-Za-z0-9_-]{1,256}")


class TelegramOutput(RasaTelegramOutput):
    """Rasa's aiogram bot, registering its webhook with the secret token."""

    def __init__(
        self, access_token: str, secret_token: str, api_base: str | None = None
    ) -> None:
        super().__init__(access_token)
        self.secret_token = secret_token
        if api_base:
            self.server = TelegramAPIServer.from_base(api_base)

    async def set_webhook(self, url: str) -> bool:
        """``setWebhook`` with ``secret_token``, which aiogram 2.15's signature lacks.
        Also what Rasa's ``/webhooks/telegram/set_webhook`` route calls."""
        payload = {"url": url, "secret_token": self.secret_token}
        return await self.request(api.Methods.SET_WEBHOOK, payload)


class TelegramInput(RasaTelegramInput):
    """Rasa's ``telegram`` channel: only updates carrying the webhook secret, webhook set-up
    that leaves no stale session, and an optional Bot API base URL."""

    def __init__(
        self,
        access_token: str | None,
        verify: str | None,
        webhook_url: str | None,
        debug_mode: bool = True,
        *,
        secret_token: str | None,
        api_base: str | None = None,
    ) -> None:
        if not secret_token or not SECRET_FORMAT.fullmatch(secret_token):
            raise RasaException(
                "Telegram channel: `secret_token` (TELEGRAM_SECRET_TOKEN) must be 1-256 "
                "characters of A-Z, a-z, 0-9, _ and -; without it anyone could post updates."
            )
        super().__init__(access_token, verify, webhook_url, debug_mode)
        self.secret_token = secret_token
        self.api_base = api_base

    @classmethod
    def from_credentials(cls, credentials: dict[str, Any] | None) -> InputChannel:
        """Rasa's credentials plus the required ``secret_token`` and optional ``api_base``."""
        if not credentials:
            cls.raise_missing_credentials_exception()
        return cls(
            credentials.get("access_token"),
            credentials.get("verify"),
            credentials.get("webhook_url"),
            secret_token=credentials.get("secret_token"),
            api_base=credentials.get("api_base") or None,
        )

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        """Rasa's routes behind the secret-token check."""
        return refuse_unauthentic(
            super().blueprint(on_new_message),
            lambda request: same_secret(request.headers.get(SECRET_HEADER), self.secret_token),
        )

    def get_output_channel(self) -> TelegramOutput:
        """The aiogram bot with its webhook registered (with the secret)."""
        channel = TelegramOutput(self.access_token, self.secret_token, self.api_base)

        async def register() -> None:
            try:
                await channel.set_webhook(url=self.webhook_url)
            finally:
                # the next request opens a session on its own loop (not Bot.close(): aiogram
                # deprecates it, it becomes the Bot API method "close")
                await channel.session.close()

        try:
            asyncio.run(register())
        except TelegramAPIError as error:
            raise RasaException("Failed to set channel webhook: " + str(error)) from error
        return channel
