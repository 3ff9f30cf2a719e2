"""bot/plugins/action_replies.py: Rasa's reply check, the validator built once."""

from __future__ import annotations

import jsonschema
import pytest
from rasa.core.actions.action import RemoteAction

from bot.plugins import action_replies


@pytest.fixture
def installed(monkeypatch: pytest.MonkeyPatch) -> RemoteAction:
    monkeypatch.setattr(RemoteAction, "_validate_action_result",
                        RemoteAction._validate_action_result)  # undone after the test
    action_replies.install()
    return RemoteAction("action_tour_next", None)


def test_a_valid_reply_passes_without_rebuilding_the_validator(
        installed: RemoteAction, monkeypatch: pytest.MonkeyPatch) -> None:
    def rebuilt(*_: object, **__: object) -> None:
        raise AssertionError("jsonschema.validate called: the schema was checked again")

    monkeypatch.setattr(jsonschema, "validate", rebuilt)
    reply = {"events": [{"event": "slot", "name": "topic", "value": "tours"}],
             "responses": [{"response": "utter_tour_next", "language": "de"}]}
    assert installed._validate_action_result(reply) is True


@pytest.mark.parametrize("reply", [{"events": "not a list"},
                                   {"events": [{"event": "no such event"}]},
                                   {"responses": [1]}])
def test_an_invalid_reply_gets_rasas_error(installed: RemoteAction, reply: dict) -> None:
    with pytest.raises(jsonschema.ValidationError) as error:
        installed._validate_action_result(reply)
    assert "Failed to validate Action server response" in error.value.message
