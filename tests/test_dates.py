"""Date phrases -> periods, relative to a fixed today (Friday 9 June 2023)."""

from datetime import date

import pytest

from bot.dates import find_period, resolve_day

TODAY = date(2023, 6, 9)  # a Friday


@pytest.mark.parametrize(
    ("text", "first", "last", "kind"),
    [
        ("Gibt es im September einen Rundgang?", date(2023, 9, 1), date(2023, 9, 30), "month"),
        ("any tours in August?", date(2023, 8, 1), date(2023, 8, 31), "month"),
        ("Rundgang im Mai?", date(2024, 5, 1), date(2024, 5, 31), "month"),
        ("Ist am Samstag eine Führung?", date(2023, 6, 10), date(2023, 6, 10), "day"),
        ("nächsten Samstag", date(2023, 6, 10), date(2023, 6, 10), "day"),
        ("on Saturday", date(2023, 6, 10), date(2023, 6, 10), "day"),
        ("am Freitag", date(2023, 6, 9), date(2023, 6, 9), "day"),
        ("next Friday", date(2023, 6, 16), date(2023, 6, 16), "day"),
        ("samstags", date(2023, 6, 10), date(2023, 6, 10), "day"),
        ("tours next weekend", date(2023, 6, 10), date(2023, 6, 11), "range"),
        ("am Wochenende", date(2023, 6, 10), date(2023, 6, 11), "range"),
        ("nächste Woche", date(2023, 6, 12), date(2023, 6, 18), "range"),
        ("morgen", date(2023, 6, 10), date(2023, 6, 10), "day"),
        ("tomorrow", date(2023, 6, 10), date(2023, 6, 10), "day"),
        ("übermorgen", date(2023, 6, 11), date(2023, 6, 11), "day"),
        ("heute", date(2023, 6, 9), date(2023, 6, 9), "day"),
        ("Rundgang am 12.08.2023?", date(2023, 8, 12), date(2023, 8, 12), "day"),
        ("am 22.08.", date(2023, 8, 22), date(2023, 8, 22), "day"),
        ("am 10. Juni", date(2023, 6, 10), date(2023, 6, 10), "day"),
        ("on June 24", date(2023, 6, 24), date(2023, 6, 24), "day"),
        ("September 2 2023", date(2023, 9, 2), date(2023, 9, 2), "day"),
    ],
)
def test_periods(text, first, last, kind):
    period = find_period(text, TODAY)
    assert period is not None, text
    assert (period.first, period.last, period.kind) == (first, last, kind)


def test_entities_take_precedence():
    assert find_period("wann denn", TODAY, weekday="saturday").first == date(2023, 6, 10)
    assert find_period("wann denn", TODAY, month="september").first == date(2023, 9, 1)


def test_may_as_a_verb_is_not_a_month():
    assert find_period("May I bring my kids?", TODAY) is None


def test_no_date_in_text():
    assert find_period("Wann ist der nächste Rundgang?", TODAY) is None


def test_resolve_day_for_office_hours():
    assert resolve_day("Haben Sie freitags offen?", TODAY) == TODAY
    assert resolve_day("open on Monday?", TODAY) == date(2023, 6, 12)
    assert resolve_day("im September", TODAY) is None


def test_a_public_holiday_named_is_its_next_date():
    from bot.dates import resolve_day

    summer = date(2023, 6, 21)
    assert resolve_day("und am Reformationstag?", summer) == date(2023, 10, 31)
    assert resolve_day("Are you open on German Unity Day?", summer) == date(2023, 10, 3)
    assert resolve_day("Haben Sie am Weltkindertag offen?", summer) == date(2023, 9, 20)
    assert resolve_day("und am Reformationstag?", date(2023, 11, 2)) == date(2024, 10, 31)
    assert resolve_day("und am Freitag?", summer) == date(2023, 6, 23)
