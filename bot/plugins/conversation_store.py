"""A conversation store (tracker store) that is down makes the message fail, so the channel
sends the apology, instead of Rasa quietly carrying on without it.

Rasa 3.6 wraps every tracker store in ``FailSafeTrackerStore`` (``Agent._create_tracker_store``,
not configurable): when the store fails, ``retrieve`` returns nothing (the conversation starts
over, its context lost) and ``save`` keeps the conversation in the server's memory instead,
where the retention purge and the erasure (bot/services/retention.py) never reach it and the
other replicas never see it. Its one hook is the ``on_tracker_store_error`` callback, which
Rasa's ``Agent`` leaves unset; :func:`install` sets it on the agent's store to raise
:class:`ConversationStoreDown`, which reaches the input channel (:mod:`bot.plugins.rest_channel`
answers with ``utter_service_unavailable``). Only the error's type is logged: a database error
can quote the statement, and with it a citizen's message.
"""

from __future__ import annotations

import logging
from typing import Any

from rasa.core.tracker_store import FailSafeTrackerStore

logger = logging.getLogger(__name__)


class ConversationStoreDown(RuntimeError):
    """The tracker store failed; the message is not processed further."""


def refuse_fallback(error: Exception) -> None:
    """``FailSafeTrackerStore``'s error callback: no in-memory fallback, the message fails."""
    logger.error("tracker store failed (%s): the citizen gets the apology",
                 type(error).__name__)
    raise ConversationStoreDown(type(error).__name__)


def install(agent: Any) -> None:
    """Make the agent's tracker store raise instead of falling back to memory."""
    store = getattr(agent, "tracker_store", None)
    if not isinstance(store, FailSafeTrackerStore):
        return
    # The callback is a constructor argument of FailSafeTrackerStore; the Agent built it
    # without one, so it is set on the instance the agent and its processor share.
    if getattr(store, "_on_tracker_store_error", None) is None:
        store._on_tracker_store_error = refuse_fallback
        logger.info("tracker store errors are answered with the apology (no memory fallback)")
