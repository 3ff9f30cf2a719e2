"""Webhook authenticity for messenger channels: a request either presents the channel's
shared secret or is refused with 403 before any of Rasa's handling runs."""

from __future__ import annotations

import hmac
import logging
from collections.abc import Callable

from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

logger = logging.getLogger(__name__)


def same_secret(presented: object, secret: str) -> bool:
    """Whether a request presented ``secret``, compared in constant time (a timing
    difference must not reveal how much of a guess was right)."""
    return isinstance(presented, str) and hmac.compare_digest(
        presented.encode("utf-8"), secret.encode("utf-8")
    )


def refuse_unauthentic(webhook: Blueprint, authentic: Callable[[Request], bool]) -> Blueprint:
    """``webhook`` answering 403 to every request but its health check that ``authentic``
    rejects; the check runs before the route, so a forged update reaches nothing of Rasa."""

    @webhook.middleware("request")
    async def require_secret(request: Request) -> HTTPResponse | None:
        # Rasa names its health routes "health"; every other route (webhook, set_webhook)
        # acts on the bot, so anything unrecognised is guarded too.
        if request.route is not None and request.route.name.endswith(".health"):
            return None
        if authentic(request):
            return None
        logger.warning("%s: refused a request without the webhook secret", webhook.name)
        return response.text("forbidden", status=403)

    return webhook
