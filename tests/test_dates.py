"""Date phrases -> periods, relative to a fixed today (Friday 9 June 2023).

tests/test_locale.py runs this module again under other machine locales (LC_ALL): every
result must stay the same, so nothing here may depend on the locale.
"""

from datetime import date
from typing import Any

import pytest

from bot.logic import formatting
from bot.logic.dates import MONTH_VALUES, WEEKDAY_VALUES, find_period, resolve_day

TODAY = date(2023, 6, 9)  # a Friday

PERIODS = [
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
]


@pytest.mark.parametrize(("text", "first", "last", "kind"), PERIODS)
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
    from bot.logic.dates import resolve_day

    summer = date(2023, 6, 21)
    assert resolve_day("und am Reformationstag?", summer) == date(2023, 10, 31)
    assert resolve_day("Are you open on German Unity Day?", summer) == date(2023, 10, 3)
    assert resolve_day("Haben Sie am Weltkindertag offen?", summer) == date(2023, 9, 20)
    assert resolve_day("und am Reformationstag?", date(2023, 11, 2)) == date(2024, 10, 31)
    assert resolve_day("und am Freitag?", summer) == date(2023, 6, 23)


def test_entity_values_are_the_english_names():
    """NLU sends English names ("saturday"); the table must not follow the machine's locale."""
    assert WEEKDAY_VALUES["monday"] == 0 and WEEKDAY_VALUES["sunday"] == 6
    assert MONTH_VALUES["january"] == 1 and MONTH_VALUES["march"] == 3
    assert len(WEEKDAY_VALUES) == 7 and len(MONTH_VALUES) == 12


def observed() -> dict[str, Any]:
    """Everything this module checks, as plain values (tests/test_locale.py compares them
    across locales)."""
    def period(text: str, **entities: str) -> list[str] | None:
        found = find_period(text, TODAY, **entities)
        return None if found is None else [found.first.isoformat(), found.last.isoformat(),
                                           found.kind]

    return {
        "periods": {text: period(text) for text, *_ in PERIODS},
        "weekday_entities": {value: period("wann denn", weekday=value)
                             for value in ("monday", "saturday", "sunday")},
        "month_entities": {value: period("wann denn", month=value)
                           for value in ("january", "march", "september", "december")},
        "weekday_values": WEEKDAY_VALUES,
        "month_values": MONTH_VALUES,
        "resolved": {text: str(resolve_day(text, TODAY))
                     for text in ("Haben Sie freitags offen?", "open on Monday?",
                                  "im September", "und am Reformationstag?")},
        "names": {language: [formatting.day(TODAY, language), formatting.short_day(TODAY, language),
                             formatting.month(2023, 3, language),
                             formatting.weekday_name(0, language)]
                  for language in ("de", "en")},
    }


@pytest.mark.parametrize(("text", "offset"), [
    ("and the day after?", 1),
    ("and the next day?", 1),
    ("und am Tag danach?", 1),
    ("und einen Tag später?", 1),
    ("am folgenden Tag?", 1),
    ("and the day before?", -1),
    ("und am Tag davor?", -1),
    ("and the day after tomorrow?", None),  # counted from today: find_period's
    ("und übermorgen?", None),
    ("und am Freitag?", None),
    ("und danach?", None),  # no day counted: the next tour, the next opening ...
    ("Feiertag danach?", None),
])
def test_day_offset_counts_from_the_day_asked_about(text, offset):
    from bot.logic.dates import day_offset

    assert day_offset(text) == offset
