"""The action server endpoint with a deadline: when the action server is down, hanging or slow,
the citizen gets a short apology (a domain.yml response that Rasa renders itself) within
``SMARTCITY_ACTION_TIMEOUT`` seconds, and Rasa keeps serving.

Rasa 3.6 calls the action server with a fixed 300 s timeout (``RemoteAction.run`` passes
``rasa.core.constants.DEFAULT_REQUEST_TIMEOUT``) and, when the call fails, logs the error and
drops the action: the citizen waits up to five minutes and then gets no reply at all.

Why this hook: Rasa builds ``action_endpoint`` from endpoints.yml as a plain
``EndpointConfig`` (``AvailableEndpoints.read_endpoints``); unlike the tracker store, the lock
store or the NLG endpoint it has no ``type:`` to name a class, and Rasa's pluggy hooks are only
discovered from the commercial ``rasa_plus``. ``EndpointConfig.request`` is the one call every
custom action (and a form's validation) goes through, so a subclass whose ``request`` sets the
deadline and turns a failure into the apology covers them all without patching Rasa's code.
The agent takes its endpoint as a constructor value (``Agent.action_endpoint``, handed to each
``MessageProcessor`` it creates, also after a model reload); the always-on REST channel
(:mod:`bot.plugins.rest_channel`, named in credentials.yml) sets it when the server has
started, because input channels are the only YAML-named plug-ins that see the Sanic app.

What a failure becomes (the action server's reply format, so Rasa validates and renders it):

- ``action_session_start``: the session starts as Rasa's default action starts it (no
  apology: the message's own action follows and apologises if the server is still down).
- any other action: ``utter_service_unavailable`` in the conversation's language (the slot
  ``language``, which Rasa's NLU sets without the action server), at most once per turn.
- HTTP 400 is not a failure: it is how a form's validation rejects (``ActionExecutionRejection``).

After a timeout or a refused connection the server is taken as down for that conversation for
one timeout period, so a second action of the same turn does not wait again.

The deadline is kept on an event loop of its own, in a thread: Rasa runs the NLU of every
message on its one event loop, so under load (50 conversations at once on 2 cores) that loop
is busy for seconds, and a timer on it fires while the action server's reply, sent in
milliseconds, is still unread (87 of 500 replies were apologies in a 50x10 load before this).
On its own loop the call ends when the action server answers or the deadline passes, however
busy Rasa is.
"""

from __future__ import annotations

import asyncio
import logging
import os
import threading
import time
from collections import OrderedDict
from collections.abc import Awaitable
from typing import Any, TypeVar

import aiohttp
from rasa.utils.endpoints import ClientResponseError, EndpointConfig

logger = logging.getLogger(__name__)

TIMEOUT_VARIABLE = "SMARTCITY_ACTION_TIMEOUT"
#: Seconds an action may take before the apology is sent instead (the reply arrives within
#: about a second more: NLU and rendering).
DEFAULT_TIMEOUT = 4.0
#: The domain.yml response Rasa renders when the action server cannot answer.
APOLOGY = "utter_service_unavailable"
SESSION_START = "action_session_start"
#: Conversations whose recent failure is remembered (oldest forgotten first).
REMEMBERED = 10_000


T = TypeVar("T")


class CallLoop:
    """An event loop in a daemon thread that runs the action calls (started on first use)."""

    def __init__(self) -> None:
        self._loop: asyncio.AbstractEventLoop | None = None
        self._lock = threading.Lock()

    def _start(self) -> asyncio.AbstractEventLoop:
        with self._lock:
            if self._loop is None:
                loop = asyncio.new_event_loop()
                threading.Thread(target=loop.run_forever, name="action-calls",
                                 daemon=True).start()
                self._loop = loop
            return self._loop

    async def run(self, call: Awaitable[T]) -> T:
        """``await call`` on the thread's loop; cancelling the caller cancels the call."""
        future = asyncio.run_coroutine_threadsafe(call, self._start())  # type: ignore[arg-type]
        return await asyncio.wrap_future(future)


CALLS = CallLoop()


def action_timeout() -> float:
    """``SMARTCITY_ACTION_TIMEOUT`` in seconds (> 0), else the default; a bad value is an error
    at start-up rather than a silent 300 s."""
    raw = os.environ.get(TIMEOUT_VARIABLE, "").strip()
    if not raw:
        return DEFAULT_TIMEOUT
    try:
        value = float(raw)
    except ValueError:
        value = 0.0
    if not 0 < value <= 300:
        raise ValueError(f"{TIMEOUT_VARIABLE}={raw!r}: expected seconds between 0 and 300")
    return value


def fallback_reply(action: str, apologise: bool) -> dict[str, Any]:
    """What the action server would have answered to let the conversation go on."""
    if action == SESSION_START:
        return {"events": [{"event": "session_started"},
                           {"event": "action", "name": "action_listen"}], "responses": []}
    return {"events": [], "responses": [{"response": APOLOGY}] if apologise else []}


def turn_of(body: dict[str, Any]) -> int:
    """How many messages the citizen has sent: a turn's actions share it."""
    events = (body.get("tracker") or {}).get("events") or []
    return sum(1 for event in events if isinstance(event, dict) and event.get("event") == "user")


class DegradingEndpoint(EndpointConfig):
    """An action endpoint whose calls end after ``timeout`` seconds with the apology."""

    def __init__(self, *args: Any, timeout: float = DEFAULT_TIMEOUT, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.timeout = timeout
        # sender -> (monotonic time the server last failed them, turn that got the apology)
        self._failures: OrderedDict[str, tuple[float, int]] = OrderedDict()

    @classmethod
    def wrap(cls, endpoint: EndpointConfig, timeout: float) -> DegradingEndpoint:
        """The same endpoint (URL, token, headers, ...) with the deadline."""
        degrading = cls(endpoint.url, endpoint.params, endpoint.headers, endpoint.basic_auth,
                        endpoint.token, endpoint.token_name, endpoint.cafile,
                        timeout=timeout, **endpoint.kwargs)
        degrading.type = endpoint.type
        return degrading

    def copy(self) -> DegradingEndpoint:
        return DegradingEndpoint.wrap(self, self.timeout)

    def _remember(self, sender: str, failed: float, apologised: int) -> None:
        self._failures[sender] = (failed, apologised)
        self._failures.move_to_end(sender)
        while len(self._failures) > REMEMBERED:
            self._failures.popitem(last=False)

    async def request(self, method: str = "post", subpath: str | None = None,
                      content_type: str | None = "application/json", compress: bool = False,
                      **kwargs: Any) -> Any:
        body = kwargs.get("json")
        if not (isinstance(body, dict) and "next_action" in body):
            return await super().request(method, subpath, content_type, compress, **kwargs)
        action = str(body.get("next_action"))
        sender = str(body.get("sender_id", ""))
        turn = turn_of(body)
        started = time.monotonic()
        failed, apologised = self._failures.get(sender, (started - self.timeout, -1))
        if started - failed >= self.timeout:
            kwargs["timeout"] = aiohttp.ClientTimeout(total=self.timeout)
            try:
                result = await CALLS.run(super().request(method, subpath, content_type,
                                                         compress, **kwargs))
            except ClientResponseError as error:
                if error.status == 400:
                    raise  # a form's validation rejected: Rasa's own handling follows
                problem = f"HTTP {error.status}"
            except asyncio.TimeoutError:
                problem, failed = "no reply in time", time.monotonic()
            except aiohttp.ClientError as error:
                problem, failed = type(error).__name__, time.monotonic()
            else:
                if isinstance(result, dict):
                    return result
                problem = "a reply that is not a JSON object"
        else:
            problem = "it failed this conversation moments ago"
        apologise = action != SESSION_START and apologised != turn
        logger.error("action server: %s (%s, %.1f s); %s", problem, action,
                     time.monotonic() - started,
                     f"answering with {APOLOGY}" if apologise else "going on without it")
        self._remember(sender, failed, turn if apologise else apologised)
        return fallback_reply(action, apologise)


def install(agent: Any) -> None:
    """Give ``agent`` (and its current processor) the degrading action endpoint."""
    endpoint = getattr(agent, "action_endpoint", None)
    if endpoint is None or isinstance(endpoint, DegradingEndpoint):
        return
    degrading = DegradingEndpoint.wrap(endpoint, action_timeout())
    agent.action_endpoint = degrading
    if getattr(agent, "processor", None) is not None:
        agent.processor.action_endpoint = degrading
    logger.info("action server %s: replies after %.1f s are replaced by %s",
                endpoint.url, degrading.timeout, APOLOGY)
