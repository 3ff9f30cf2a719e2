"""Rasa's REST channel (name ``rest``, path ``/webhooks/rest/webhook``) that answers a malformed
body with 400 and a failing conversation store with the apology.

Rasa 3.6's ``RestInput`` reads ``request.json.get(...)``: a body of ``[]`` or ``"x"`` raises
inside the handler and Sanic answers 500, and a body that is not JSON at all depends on Sanic's
parser. Here the body must be a JSON object (at most :data:`MAX_BODY_BYTES`, else 413) with a
string ``message``, an optional string ``sender`` of at most 255 characters (the tracker
store's column), an optional object ``metadata`` and an optional string ``input_channel``;
anything else gets 400 with a short reason, before Rasa sees it. The content type is not
checked: ``curl -d`` sends JSON as form data, and the README's examples rely on that.

When Rasa itself fails on a message (tracker store down: :mod:`bot.plugins.conversation_store`;
lock store down, ...), Rasa's channel logs the citizen's text and returns an empty list; this
one logs without the text and, if nothing was answered yet, sends ``utter_service_unavailable``
in the citizen's language (from the message metadata or Rasa's NLU, which needs no store),
rendered by Rasa from domain.yml.

When the server has started, the channel gives the agent the action endpoint with a deadline
(:mod:`bot.plugins.action_endpoint`, which says why the hook is here) and makes its tracker
store fail loudly (:mod:`bot.plugins.conversation_store`). Its health check
``GET /webhooks/rest/`` answers 503 until the model is loaded, so a proxy sends no citizen to
a replica that is still starting. In credentials.yml::

    bot.plugins.rest_channel.RestInput:
"""

from __future__ import annotations

import json
import logging
from asyncio import CancelledError
from collections.abc import Awaitable, Callable
from typing import Any

from rasa.core.channels.channel import CollectingOutputChannel, OutputChannel, UserMessage
from rasa.core.channels.rest import RestInput as RasaRestInput
from rasa.shared.core.events import SlotSet
from rasa.shared.core.trackers import DialogueStateTracker
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse, ResponseStream

from bot.logic.language import DEFAULT_LANGUAGE, normalise
from bot.plugins import action_endpoint, action_replies, conversation_store
from bot.plugins.action_endpoint import APOLOGY

logger = logging.getLogger(__name__)

#: Largest body accepted. A citizen's 100 kB paste must still get the calm "bad input" reply
#: (the NLU's input guard caps the text itself far below this); nginx caps bodies earlier.
MAX_BODY_BYTES = 256 * 1024
#: The tracker store's sender_id column holds 255 characters.
MAX_SENDER = 255
LANGUAGE_SLOT = "language"


class BadRequest(ValueError):
    """The body is not a message this channel accepts; the text is the reason given."""


def parse_body(body: bytes) -> dict[str, Any]:
    """The checked fields of a REST message body, or :class:`BadRequest`."""
    try:
        data = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as error:
        raise BadRequest("the body must be JSON (UTF-8)") from error
    if not isinstance(data, dict):
        raise BadRequest("the body must be a JSON object")
    message = data.get("message")
    if not isinstance(message, str):
        raise BadRequest("'message' must be a string")
    sender = data.get("sender", "default")
    if not isinstance(sender, str) or not sender.strip() or len(sender) > MAX_SENDER:
        raise BadRequest(f"'sender' must be a non-empty string of at most {MAX_SENDER} characters")
    metadata = data.get("metadata")
    if metadata is not None and not isinstance(metadata, dict):
        raise BadRequest("'metadata' must be an object")
    channel = data.get("input_channel")
    if channel is not None and not isinstance(channel, str):
        raise BadRequest("'input_channel' must be a string")
    return {"sender": sender, "message": message, "metadata": metadata,
            "input_channel": channel or None}


async def reply_language(agent: Any, text: str, metadata: dict[str, Any] | None) -> str:
    """The citizen's language without the conversation store: the page's metadata, else the
    language Rasa's NLU decides for the text alone."""
    language = normalise((metadata or {}).get(LANGUAGE_SLOT))
    if language:
        return language
    try:
        parsed = await agent.parse_message(text)
    except Exception:  # the NLU may be what failed; German is the assistant's default
        logger.warning("rest: could not detect the language of a failed message")
        return DEFAULT_LANGUAGE
    for entity in parsed.get("entities", []):
        if entity.get("entity") == LANGUAGE_SLOT and normalise(entity.get("value")):
            return normalise(entity.get("value")) or DEFAULT_LANGUAGE
    return DEFAULT_LANGUAGE


async def apologise(agent: Any, output: OutputChannel, sender: str, text: str,
                    metadata: dict[str, Any] | None) -> None:
    """Send the apology of domain.yml, rendered by Rasa, without touching the stores."""
    language = await reply_language(agent, text, metadata)
    tracker = DialogueStateTracker.from_events(
        sender, [SlotSet(LANGUAGE_SLOT, language)], slots=agent.domain.slots)
    message = await agent.nlg.generate(APOLOGY, tracker, output.name())
    if message:
        await output.send_response(sender, message)


class RestInput(RasaRestInput):
    """``rest`` channel: 400 for malformed bodies, the apology when Rasa fails."""

    def blueprint(
        self, on_new_message: Callable[[UserMessage], Awaitable[Any]]
    ) -> Blueprint:
        webhook = Blueprint(f"custom_webhook_{type(self).__name__}", __name__)

        @webhook.listener("after_server_start")
        async def degrade_gracefully(app: Any, _loop: Any) -> None:
            action_endpoint.install(app.ctx.agent)
            conversation_store.install(app.ctx.agent)
            action_replies.install()

        @webhook.route("/", methods=["GET"])
        async def health(request: Request) -> HTTPResponse:
            agent = getattr(request.app.ctx, "agent", None)
            if agent is None or not agent.is_ready():
                return response.json({"status": "loading"}, status=503)
            return response.json({"status": "ok"})

        @webhook.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> ResponseStream | HTTPResponse:
            if len(request.body or b"") > MAX_BODY_BYTES:
                return response.json({"error": "body too large"}, status=413)
            try:
                fields = parse_body(request.body or b"")
            except BadRequest as error:
                return response.json({"error": str(error)}, status=400)
            sender, text, metadata = fields["sender"], fields["message"], fields["metadata"]
            channel = fields["input_channel"] or self.name()
            if request.args.get("stream", "").lower() == "true":
                return response.stream(
                    self.stream_response(on_new_message, text, sender, channel, metadata),
                    content_type="text/event-stream",
                )
            collector = CollectingOutputChannel()
            try:
                await on_new_message(UserMessage(text, collector, sender,
                                                 input_channel=channel, metadata=metadata))
            except CancelledError:
                logger.error("rest: the message of sender %s was cancelled", sender)
            except Exception as error:
                # No message text in the log (an error's text may quote it): the type only,
                # the traceback at DEBUG.
                logger.error("rest: Rasa failed on a message of sender %s (%s)", sender,
                             type(error).__name__)
                logger.debug("rest: the failure", exc_info=True)
                if not collector.messages:
                    try:
                        await apologise(request.app.ctx.agent, collector, sender, text,
                                        metadata)
                    except Exception:
                        logger.exception("rest: could not even send the apology")
                        return response.json({"error": "unavailable"}, status=503)
            return response.json(collector.messages)

        return webhook
