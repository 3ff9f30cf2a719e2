from datetime import datetime

import pytest

from bot.logic import clock


def test_now_honours_override(monkeypatch):
    monkeypatch.setenv("SMARTCITY_NOW", "2023-06-09T10:30")
    current = clock.now()
    assert (current.year, current.month, current.day, current.hour, current.minute) == (
        2023, 6, 9, 10, 30)
    assert current.utcoffset().total_seconds() == 2 * 3600  # CEST


def test_override_with_offset_is_converted_to_berlin(monkeypatch):
    monkeypatch.setenv("SMARTCITY_NOW", "2023-01-10T08:00:00+00:00")
    assert clock.now().hour == 9


def test_without_override_uses_system_time(monkeypatch):
    monkeypatch.delenv("SMARTCITY_NOW", raising=False)
    delta = abs((clock.now() - datetime.now(clock.BERLIN)).total_seconds())
    assert delta < 5


def test_bad_override_is_a_clear_error(monkeypatch):
    monkeypatch.setenv("SMARTCITY_NOW", "next tuesday")
    with pytest.raises(clock.ClockError, match="SMARTCITY_NOW"):
        clock.now()
