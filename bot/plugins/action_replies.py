"""Rasa's check of each action server reply, with the JSON-schema validator built once.

Rasa 3.6 checks every reply of the action server with ``jsonschema.validate(reply, schema)``
(``RemoteAction._validate_action_result``). jsonschema 3.2's ``validate`` first checks the
schema itself against the JSON-Schema meta-schema and builds a new validator, on every call:
that was most of the 10 % of the Rasa server's CPU that the profile put on the reply check
(docs/benchmarks-history.md, issue 16). Rasa's schema is a constant, so :func:`install` (run
by the REST channel when the server has started, :mod:`bot.plugins.rest_channel`) makes the
check use one validator built from it. A valid reply is accepted after the same check; an
invalid one goes to Rasa's own method, so the error and its message are Rasa's.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from rasa.core.actions.action import RemoteAction

_RASA_CHECK = RemoteAction._validate_action_result


@lru_cache(maxsize=1)
def reply_validator() -> Any:
    """The validator jsonschema.validate would build for Rasa's reply schema."""
    from jsonschema.validators import validator_for

    schema = RemoteAction.action_response_format_spec()
    validator_class = validator_for(schema)
    validator_class.check_schema(schema)
    return validator_class(schema)


def validate_action_result(action: RemoteAction, result: dict[str, Any]) -> bool:
    """True for a valid reply; an invalid one raises Rasa's ValidationError."""
    if reply_validator().is_valid(result):
        return True
    return _RASA_CHECK(action, result)


def install() -> None:
    """Every RemoteAction checks replies with the validator built once."""
    RemoteAction._validate_action_result = validate_action_result
