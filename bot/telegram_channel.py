"""Rasa's Telegram channel with two fixes; the channel keeps the name ``telegram`` (webhook
``/webhooks/telegram/webhook``) and Rasa's own webhook handling and sending.

1. Rasa 3.6's ``TelegramInput.get_output_channel`` sets the webhook with ``asyncio.run``,
   which leaves the aiogram bot holding an aiohttp session bound to that finished event loop;
   the first update then fails with "RuntimeError: Event loop is closed" (HTTP 500). Here the
   session is closed inside that loop, so aiogram opens a fresh one on the server's loop.
2. An optional ``api_base`` credential points the bot at another Bot API server (aiogram's
   ``TelegramAPIServer``): a self-hosted Bot API server, or the local fake in the tests.

In credentials (bot/channels.py writes this from the environment)::

    bot.telegram_channel.TelegramInput:
      access_token: ...
      verify: <bot user name>
      webhook_url: https://<host>/webhooks/telegram/webhook
      api_base: https://api.telegram.org   # optional
"""

from __future__ import annotations

import asyncio
from typing import Any

from aiogram.bot.api import TelegramAPIServer
from aiogram.utils.exceptions import TelegramAPIError
from rasa.core.channels.channel import InputChannel
from rasa.core.channels.telegram import TelegramInput as RasaTelegramInput
from rasa.core.channels.telegram import TelegramOutput
from rasa.shared.exceptions import RasaException


class TelegramInput(RasaTelegramInput):
    """Rasa's ``telegram`` channel: webhook set-up that leaves no stale session, and an
    optional Bot API base URL."""

    def __init__(self, *args: Any, api_base: str | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.api_base = api_base

    @classmethod
    def from_credentials(cls, credentials: dict[str, Any] | None) -> InputChannel:
        """Rasa's credentials plus the optional ``api_base``."""
        if not credentials:
            cls.raise_missing_credentials_exception()
        return cls(
            credentials.get("access_token"),
            credentials.get("verify"),
            credentials.get("webhook_url"),
            api_base=credentials.get("api_base") or None,
        )

    def get_output_channel(self) -> TelegramOutput:
        """The aiogram bot (Rasa's ``TelegramOutput``) with its webhook registered."""
        channel = TelegramOutput(self.access_token)
        if self.api_base:
            channel.server = TelegramAPIServer.from_base(self.api_base)

        async def register() -> None:
            try:
                await channel.set_webhook(url=self.webhook_url)
            finally:
                await channel.close()  # the next request opens a session on its own loop

        try:
            asyncio.run(register())
        except TelegramAPIError as error:
            raise RasaException("Failed to set channel webhook: " + str(error)) from error
        return channel
