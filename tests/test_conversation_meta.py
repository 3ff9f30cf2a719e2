"""Over REST against the running stack: greetings come back in the citizen's language."""

import pytest

pytestmark = pytest.mark.stack


def test_hallo_is_answered_in_german(chat):
    reply = chat().say("Hallo")
    assert "Guten Tag" in reply


def test_hello_is_answered_in_english(chat):
    reply = chat().say("Hello")
    assert "Hello" in reply and "Guten" not in reply
