"""The value types of knowledge-base fields: how editors write a value and how it is checked.

A record field is annotated with one of these types (bot/kb/records.py). Pydantic calls the
type's ``validate`` on the value read from YAML; a ``ValueError`` becomes an error message that
the loader prefixes with file, record and field, so the messages here say what is wrong with
the value and how to write it. ``export`` gives the value as ``kb export`` writes it back.
The database column of each type is chosen in bot/kb/models.py.

Values are taken as text exactly as written: nothing is trimmed, escaped or interpreted beyond
the declared type.
"""

from __future__ import annotations

import calendar
import re
import reprlib
from collections.abc import Callable, Iterator
from datetime import date, datetime, time, timezone
from typing import Any, ClassVar

KEY_MAX_LENGTH = 200  # the database's key columns
NUMBER_MAX = 2**31 - 1  # the database's integer columns
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
WEEKDAYS_DE = ("montag", "dienstag", "mittwoch", "donnerstag", "freitag", "samstag", "sonntag")

_KEY = re.compile(r"[a-z0-9][a-z0-9_-]*")
# ASCII digits only ("\d" would also take e.g. Arabic-Indic digits).
_DATE = re.compile(r"([0-9]{4})-([0-9]{2})-([0-9]{2})")
_TIME = re.compile(r"([0-9]{2}):([0-9]{2})")
_SURROGATE = re.compile("[\ud800-\udfff]")  # half of a UTF-16 pair: not storable text
# English whatever the locale (calendar.month_name follows LC_TIME).
_MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)


class Quoted(str):
    """Text that export writes in double quotes (times, so YAML never reads them as numbers)."""


class Value:
    """What every value type offers pydantic and the exporter."""

    @classmethod
    def __get_validators__(cls) -> Iterator[Callable[..., Any]]:
        yield cls.validate

    @classmethod
    def validate(cls, value: Any) -> Any:
        raise NotImplementedError

    @classmethod
    def export(cls, value: Any) -> Any:
        """The value as written in the YAML files."""
        return value


class Text(str, Value):
    """Non-empty text; ``_de`` / ``_en`` fields say which language is missing."""

    @classmethod
    def validate(cls, value: Any, field: Any = None) -> str:
        name = getattr(field, "name", "")
        if not isinstance(value, str):
            got = f"{type_name(value)} {show(value)}"
            raise ValueError(f"expected text, got {got} (put it in quotes)")
        if not value.strip():
            language = {"_de": "German ", "_en": "English "}.get(name[-3:])
            raise ValueError(f"missing {language}text" if language else "must not be empty")
        if "\x00" in value:
            raise ValueError("contains a NUL character")
        surrogate = _SURROGATE.search(value)  # only possible through a "\u" escape
        if surrogate:
            raise ValueError(f"contains an invalid character (U+{ord(surrogate.group()):04X})")
        return value


class TextList(tuple, Value):  # type: ignore[type-arg]
    """A list of texts (synonyms, links), kept as a tuple so records stay immutable."""

    @classmethod
    def validate(cls, value: Any) -> tuple[str, ...]:
        if not isinstance(value, list):
            raise ValueError(f"expected a list of texts, got {type_name(value)} {show(value)}")
        items = []
        for index, item in enumerate(value):
            try:
                items.append(Text.validate(item))
            except ValueError as problem:
                raise ValueError(f"item {index}: {problem}") from None
        return tuple(items)

    @classmethod
    def export(cls, value: Any) -> Any:
        return list(value)


class Name(str, Value):
    """Text of a fixed form (keys, account names); subclasses give the form and say how to
    write it, so every such field's message reads the same."""

    label: ClassVar[str]
    pattern: ClassVar[re.Pattern[str]]
    how: ClassVar[str]

    @classmethod
    def validate(cls, value: Any) -> str:
        if not isinstance(value, str) or not cls.pattern.fullmatch(value):
            raise ValueError(f"malformed {cls.label} {show(value)} ({cls.how})")
        return value


class Key(Name):
    """What identifies a record and what the dialogue refers to it by."""

    label = "key"
    pattern = _KEY
    how = "lower-case letters, digits, '-' and '_', starting with a letter or digit"

    @classmethod
    def validate(cls, value: Any) -> str:
        value = super().validate(value)
        if len(value) > KEY_MAX_LENGTH:
            raise ValueError(f"key too long ({len(value)} characters, at most {KEY_MAX_LENGTH})")
        return value


class Choice(str, Value):
    """One of a few fixed words; subclasses name them."""

    label: ClassVar[str]
    choices: ClassVar[tuple[str, ...]]

    @classmethod
    def validate(cls, value: Any) -> str:
        if value not in cls.choices:
            raise ValueError(
                f"unknown {cls.label} {show(value)} (expected {' or '.join(cls.choices)})"
            )
        return value  # type: ignore[no-any-return]


class ProjectKind(Choice):
    label = "project kind"
    choices = ("pilot", "implementation")


class TourMode(Choice):
    label = "tour mode"
    choices = ("foot", "bike")


class Number(int, Value):
    """A whole number that fits the database's integer columns."""

    @classmethod
    def validate(cls, value: Any) -> int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise ValueError(f"expected a whole number, got {type_name(value)} {show(value)}")
        if not 0 <= value <= NUMBER_MAX:
            raise ValueError(f"number {show(value)} out of range (0 to {NUMBER_MAX})")
        return value


class Weekday(int, Value):
    """Written as an English (or German) weekday name, held as 0 = Monday ... 6 = Sunday."""

    @classmethod
    def validate(cls, value: Any) -> int:
        if isinstance(value, str):
            lowered = value.strip().casefold()
            for names in (WEEKDAYS, WEEKDAYS_DE):
                if lowered in names:
                    return names.index(lowered)
        raise ValueError(f"unknown weekday {show(value)} (expected monday ... sunday)")

    @classmethod
    def export(cls, value: Any) -> Any:
        return WEEKDAYS[value]


class Day(date, Value):
    """A calendar date written as YYYY-MM-DD; an impossible one says why it is impossible."""

    @classmethod
    def validate(cls, value: Any) -> date:
        if isinstance(value, datetime):
            raise ValueError(f"expected a date, got date and time {show(value)}")
        if isinstance(value, date):
            return value
        expected = "expected YYYY-MM-DD, e.g. 2023-06-10"
        match = _DATE.fullmatch(value.strip()) if isinstance(value, str) else None
        if match:
            year, month, day = (int(part) for part in match.groups())
            try:
                return date(year, month, day)
            except ValueError:
                reason = _impossible_date(year, month, day)
                raise ValueError(
                    f"malformed date {show(value)} (no such date: {reason}; {expected})"
                ) from None
        raise ValueError(f"malformed date {show(value)} ({expected})")


class ClockTime(time, Value):
    """A time of day written as "HH:MM" in quotes (unquoted, YAML reads 14:00 as 840)."""

    @classmethod
    def validate(cls, value: Any) -> time:
        match = _TIME.fullmatch(value.strip()) if isinstance(value, str) else None
        if match:
            hour, minute = int(match.group(1)), int(match.group(2))
            if hour < 24 and minute < 60:
                return time(hour, minute)
        hint = ' (write times in quotes as "HH:MM", e.g. "14:00")'
        raise ValueError(f"malformed time {show(value)}{hint}")

    @classmethod
    def export(cls, value: Any) -> Any:
        return Quoted(value.strftime("%H:%M"))


# -- operational records (written by the assistant, not by editors) ------------------------------
class Moment(datetime, Value):
    """A point in time with its time zone; held in UTC (the database stores UTC)."""

    @classmethod
    def validate(cls, value: Any) -> datetime:
        if not isinstance(value, datetime) or value.tzinfo is None:
            raise ValueError(f"expected a date and time with time zone, got {show(value)}")
        return value.astimezone(timezone.utc)


class RequestStatus(Choice):
    label = "request status"
    choices = ("open", "done")


class LanguageCode(Choice):
    label = "language"
    choices = ("de", "en")


class UnansweredKind(Choice):
    """Why a question went unanswered: the final fallback, or outside the assistant's scope."""

    label = "kind"
    choices = ("fallback", "out_of_scope")


class EmailAddress(Text):
    """An e-mail address a reply can be sent to (syntax only; nothing is looked up)."""

    @classmethod
    def validate(cls, value: Any, field: Any = None) -> str:
        from bot.logic.handoff import email_address

        text = Text.validate(value, field)
        address = email_address(text)
        if address is None:
            raise ValueError(f"not an e-mail address: {show(text)}")
        return address


# -- console records (staff accounts, audit log, labels) -----------------------------------------
_ACCOUNT = re.compile(r"[a-z0-9][a-z0-9._-]{0,63}")


class AccountName(Name):
    """A staff member's login name: lower-case letters, digits, '.', '_' and '-'."""

    label = "account name"
    pattern = _ACCOUNT
    how = "1-64 lower-case letters, digits, '.', '_' and '-', starting with a letter or digit"


class StaffRole(Choice):
    """*office*: requests, unanswered questions, report; *editor*: also the knowledge base."""

    label = "role"
    choices = ("office", "editor")


class QuestionLabelKind(Choice):
    """What staff say an unanswered question should have been."""

    label = "label"
    choices = ("intent", "out_of_scope", "missing_fact")


def _impossible_date(year: int, month: int, day: int) -> str:
    """Why a well-formed YYYY-MM-DD is not a date."""
    if year < 1:
        return "there is no year 0"
    if not 1 <= month <= 12:
        return f"there is no month {month:02d}, months are 01-12"
    days = calendar.monthrange(year, month)[1]
    return f"{_MONTHS[month - 1]} {year} has {days} days, not {day}"


# -- showing values in messages ----------------------------------------------------------------
_TYPE_NAMES = {
    str: "text",
    int: "number",
    float: "number",
    bool: "true/false",
    list: "list",
    dict: "mapping",
    set: "set",
    bytes: "binary data",
    date: "date",
    datetime: "date and time",
    type(None): "nothing",
}

_REPR = reprlib.Repr()
_REPR.maxlevel = 2
_REPR.maxlist = _REPR.maxtuple = _REPR.maxset = _REPR.maxdict = 4
_REPR.maxstring = _REPR.maxother = 80
_REPR.maxlong = 40

# Control characters (line breaks, NUL, ...) are shown escaped, so a message stays one line.
_CONTROL = {code: f"\\x{code:02x}" for code in [*range(32), 127]} | {
    ord("\n"): "\\n",
    ord("\t"): "\\t",
    ord("\r"): "\\r",
}


def type_name(value: Any) -> str:
    """What an editor calls the kind of value YAML read."""
    return _TYPE_NAMES.get(type(value), type(value).__name__)


def show(value: Any, limit: int = 80) -> str:
    """A value as the editor wrote it: strings in double quotes, everything else as is.

    Long values are cut, control characters escaped, nested values shown to two levels.
    """
    if isinstance(value, str):
        if len(value) > limit:
            value = value[: limit - 3] + "..."
        return f'"{value.translate(_CONTROL)}"'
    return _REPR.repr(value).translate(_CONTROL)
