"""Rasa's socket.io channel with session persistence that works on python-socketio >= 5.10.

Rasa 3.6's ``SocketIOInput`` calls ``sio.enter_room(...)`` without ``await``; since
python-socketio 5.10 that is a coroutine, so the browser's socket never joins its session's
room and, with ``session_persistence: true``, never receives a reply ("coroutine
'AsyncServer.enter_room' was never awaited"; RasaHQ/rasa#13027). This subclass re-registers
the ``session_request`` handler with the ``await``; everything else is Rasa's code. The
channel keeps the name ``socketio`` (same socket.io path and events). In credentials.yml::

    bot.plugins.socketio_channel.SocketIOInput:
      user_message_evt: user_uttered
      ...
"""

from __future__ import annotations

import inspect
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

from rasa.core.channels.channel import UserMessage
from rasa.core.channels.socketio import SocketIOInput as RasaSocketIOInput
from sanic import Blueprint


class SocketIOInput(RasaSocketIOInput):
    """``socketio`` channel whose session_request awaits ``enter_room``."""

    def blueprint(
        self, on_new_message: Callable[[UserMessage], Awaitable[Any]]
    ) -> Blueprint:
        """Rasa's blueprint with the fixed ``session_request`` handler."""
        socketio_webhook = super().blueprint(on_new_message)
        sio = self.sio
        assert sio is not None

        async def session_request(sid: str, data: dict[str, Any] | None) -> None:
            data = dict(data or {})
            if not data.get("session_id"):
                data["session_id"] = uuid.uuid4().hex
            if self.session_persistence:
                entered = sio.enter_room(sid, data["session_id"], namespace=self.namespace)
                if inspect.isawaitable(entered):
                    await entered
            await sio.emit("session_confirm", data["session_id"], room=sid)

        sio.on("session_request", session_request, namespace=self.namespace)
        return socketio_webhook
