"""The knowledge base's records, declared once: here.

Each record is a frozen pydantic dataclass. Its fields, annotated with the value types of
bot/kb/fields.py, are at the same time what the YAML files may hold (the loader validates a
file's mapping against the record's pydantic model), the attributes callers read, and the
columns of the record's table (bot/kb/models.py derives the tables from these classes and
converts rows and records generically). A field with a default is optional in the files.

Adding a field is one line here (plus the files and docs/knowledge-base.md); ``kb load``
notices the changed tables and rebuilds the database from the files.

Records hold only Python values and are detached from any database session, so actions can
keep them, compare them and pass them around after the session is closed. Pydantic validates
them only when the loader asks (``validate_on_init=False``): rows read back from the database
were validated when they were loaded.
"""

from dataclasses import dataclass, field, fields
from functools import partial
from typing import Any, ClassVar, NamedTuple, get_args, get_origin, get_type_hints

from pydantic import Extra, validator
from pydantic.dataclasses import dataclass as pydantic_dataclass

from bot.kb.fields import (
    ClockTime,
    Day,
    Key,
    Number,
    ProjectKind,
    Text,
    TextList,
    TourMode,
    Weekday,
)


class _Config:
    extra = Extra.forbid


# Every record: frozen, keyword arguments only, no unknown fields, validated when the loader asks.
record = partial(
    pydantic_dataclass, frozen=True, kw_only=True, config=_Config, validate_on_init=False
)


def _after(name: str, earlier: str, message: str) -> Any:
    """A validator: field ``name`` must be later than ``earlier`` (when that one is valid)."""

    def check(cls: type, value: Any, values: dict[str, Any]) -> Any:
        first = values.get(earlier)
        if first is not None and value <= first:
            raise ValueError(message.format(value, first))
        return value

    return validator(name, allow_reuse=True)(check)


@record
class Fact:
    """A programme fact; ``key`` is what the dialogue maps intents to."""

    identity: ClassVar[str | None] = "key"  # unique within its section; the table's primary key

    key: Key
    text_de: Text
    text_en: Text
    source: Text
    as_of: Day
    note: Text | None = None


@record
class Project:
    """A pilot or implementation project with the surface forms citizens use for it."""

    identity: ClassVar[str | None] = "key"

    key: Key
    kind: ProjectKind
    number: Number | None = None
    name_de: Text
    name_en: Text
    synonyms: TextList = ()
    description_de: Text
    description_en: Text
    status_de: Text
    status_en: Text
    links: TextList = ()
    source: Text
    as_of: Day
    note: Text | None = None

    def surface_forms(self) -> tuple[str, ...]:
        """Names and synonyms, de-duplicated case-insensitively, in file order."""
        seen: set[str] = set()
        forms: list[str] = []
        for form in (self.name_de, self.name_en, *self.synonyms):
            folded = form.casefold()
            if folded not in seen:
                seen.add(folded)
                forms.append(form)
        return tuple(forms)


@record
class Tour:
    """One published tour date."""

    identity: ClassVar[str | None] = "key"

    key: Key
    date: Day
    start: ClockTime
    end: ClockTime
    mode: TourMode
    meeting_point_de: Text
    meeting_point_en: Text
    source: Text
    as_of: Day

    _ends_after_start = _after("end", "start", "tour ends ({:%H:%M}) before it starts ({:%H:%M})")


@record
class OpeningHours:
    """Service hours of one weekday (0 = Monday)."""

    identity: ClassVar[str | None] = "weekday"

    weekday: Weekday
    opens: ClockTime
    closes: ClockTime
    source: Text
    as_of: Day

    _closes_after_opening = _after(
        "closes", "opens", "closes ({:%H:%M}) before it opens ({:%H:%M})"
    )


@record
class Closure:
    """A day the office is closed beyond weekends and public holidays."""

    identity: ClassVar[str | None] = "date"

    date: Day
    reason_de: Text
    reason_en: Text
    source: Text
    as_of: Day


@record
class Contact:
    """The SMARTCity office."""

    identity: ClassVar[str | None] = None  # there is one

    office_de: Text
    office_en: Text
    street: Text
    postcode: Text
    city: Text
    phone: Text
    email: Text
    head: Text
    source: Text
    as_of: Day


def _in(file: str) -> Any:
    return field(metadata={"file": file})


@dataclass(frozen=True)
class KnowledgeBase:
    """Everything in the knowledge base, in file order (what load stores and export writes).

    Each field is a top-level section of the named file: a list of records, or (contact) one.
    """

    facts: tuple[Fact, ...] = _in("programme.yml")
    projects: tuple[Project, ...] = _in("projects.yml")
    tours: tuple[Tour, ...] = _in("tours.yml")
    opening_hours: tuple[OpeningHours, ...] = _in("hours.yml")
    closures: tuple[Closure, ...] = _in("hours.yml")
    contact: Contact | None = _in("contact.yml")


class Section(NamedTuple):
    """One top-level section of a knowledge-base file, as :class:`KnowledgeBase` declares it."""

    name: str
    file: str
    record: Any  # the record class
    many: bool  # a list of records, or a single mapping

    def records(self, kb: KnowledgeBase) -> tuple[Any, ...]:
        value = getattr(kb, self.name)
        return value if self.many else (() if value is None else (value,))


def _sections() -> tuple[Section, ...]:
    hints = get_type_hints(KnowledgeBase)
    return tuple(
        Section(
            item.name,
            item.metadata["file"],
            get_args(hints[item.name])[0],  # tuple[Fact, ...] -> Fact, Contact | None -> Contact
            get_origin(hints[item.name]) is tuple,
        )
        for item in fields(KnowledgeBase)
    )


SECTIONS = _sections()
FILES = tuple(dict.fromkeys(section.file for section in SECTIONS))
