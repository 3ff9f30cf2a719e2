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

from dataclasses import dataclass, field, fields, replace
from typing import Any, ClassVar, NamedTuple, get_args, get_origin, get_type_hints

from pydantic import Extra, validator
from pydantic.dataclasses import dataclass as pydantic_dataclass

from bot.kb.fields import (
    AccountName,
    ClockTime,
    Day,
    EmailAddress,
    Key,
    LanguageCode,
    Moment,
    Number,
    ProjectKind,
    QuestionLabelKind,
    RequestStatus,
    StaffRole,
    Text,
    TextList,
    TourMode,
    UnansweredKind,
    Weekday,
    show,
)
from bot.logic import easy_read


class _Config:
    extra = Extra.forbid


def _after(name: str, earlier: str, message: str) -> Any:
    """A validator: field ``name`` must be later than ``earlier`` (when that one is valid)."""

    def check(cls: type, value: Any, values: dict[str, Any]) -> Any:
        first = values.get(earlier)
        if first is not None and value <= first:
            raise ValueError(message.format(value, first))
        return value

    return validator(name, allow_reuse=True)(check)


def _easy_read(*names: str) -> Any:
    """A validator: the easy-read texts ``names`` keep the checkable rules of Leichte Sprache
    (bot/logic/easy_read.py, docs/easy-read.md); the message names the broken rules."""

    def check(cls: type, value: Any) -> Any:
        found = easy_read.problems(value) if isinstance(value, str) else []
        if found:
            listed = "; ".join(f"{problem.rule} {show(problem.where, 60)}" for problem in found[:3])
            raise ValueError(f"not easy-read German ({listed}; rules: docs/easy-read.md)")
        return value

    return validator(*names, allow_reuse=True)(check)


#: A field ``<name>_easy`` is the easy-read German text of the field ``<name>_de``.
EASY_SUFFIX = "_easy"


def record(cls: type) -> Any:
    """Every record: frozen, keyword arguments only, no unknown fields, validated when the
    loader asks; its ``<name>_easy`` fields are checked as easy-read German, so a new one
    cannot miss the check that :func:`in_easy_read` relies on."""
    easy = [name for name in cls.__annotations__ if name.endswith(EASY_SUFFIX)]
    if easy:
        cls._easy = _easy_read(*easy)  # type: ignore[attr-defined]
    return pydantic_dataclass(
        cls, frozen=True, kw_only=True, config=_Config, validate_on_init=False
    )


def in_easy_read(record: Any) -> Any:
    """The record as an easy-read German reply shows it: each ``<name>_easy`` text given takes
    the place of ``<name>_de``, and the source is named by its web address. A replaced German
    name stays findable among the synonyms."""
    changes: dict[str, Any] = {}
    for item in fields(record):
        value = getattr(record, item.name)
        if item.name.endswith(EASY_SUFFIX) and value:
            changes[item.name.removesuffix(EASY_SUFFIX) + "_de"] = value
    if "name_de" in changes and hasattr(record, "synonyms"):
        changes["synonyms"] = (record.name_de, *record.synonyms)
    if isinstance(getattr(record, "source", None), str):
        changes["source"] = easy_read.easy_source(record.source)
    return replace(record, **changes) if changes else record


@record
class Fact:
    """A programme fact; ``key`` is what the dialogue maps intents to."""

    identity: ClassVar[str | None] = "key"  # unique within its section; the table's primary key

    key: Key
    text_de: Text
    text_en: Text
    text_easy: Text | None = None  # easy-read German (Leichte Sprache)
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
    name_easy: Text | None = None
    synonyms: TextList = ()
    description_de: Text
    description_en: Text
    description_easy: Text | None = None
    status_de: Text
    status_en: Text
    status_easy: Text | None = None
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
    meeting_point_easy: Text | None = None
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
    reason_easy: Text | None = None
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


# -- operational records ------------------------------------------------------------------------
# Written by the assistant while it runs, not by editors: they are not in data/kb, `kb load`
# neither rebuilds nor empties their tables (bot/kb/models.py keeps them apart), and the
# retention purge (bot/services/retention.py) deletes them by age. ``id`` is given by the
# database; ``table`` names the table.


@record
class ContactRequest:
    """A citizen's question for the office, stored with the citizen's consent.

    ``sender_id`` is the conversation it came from, so that erasing a conversation
    (``python -m bot forget``) erases its requests too.
    """

    identity: ClassVar[str | None] = "id"
    table: ClassVar[str] = "contact_requests"

    id: Number | None = None
    created: Moment
    status: RequestStatus = "open"
    language: LanguageCode
    question: Text
    email: EmailAddress
    sender_id: Text
    done_at: Moment | None = None


@record
class UnansweredQuestion:
    """A question the assistant could not answer, with personal data redacted; no sender id."""

    identity: ClassVar[str | None] = "id"
    table: ClassVar[str] = "unanswered_questions"

    id: Number | None = None
    asked: Moment
    kind: UnansweredKind
    language: LanguageCode
    text: Text
    intent_guess: Text | None = None


OPERATIONAL_RECORDS: tuple[type, ...] = (ContactRequest, UnansweredQuestion)


# -- console records ------------------------------------------------------------------------------
# Written by the office console (bot/console) and ``python -m bot staff``: accounts, the audit
# log and the labels staff give unanswered questions. Tables of their own metadata
# (bot/kb/models.py: ``console_metadata``), created when first used; ``kb load`` never
# touches them. ``unique`` names the columns no two rows may share.


@record
class StaffAccount:
    """A member of staff who may log in to the console; the password only as an argon2 hash.

    ``session_epoch`` grows on logout, password change and lockout: a session remembers the
    epoch it was issued in, so a copied session cookie stops working then too.
    """

    identity: ClassVar[str | None] = "id"
    table: ClassVar[str] = "console_staff"
    unique: ClassVar[tuple[str, ...]] = ("name",)

    id: Number | None = None
    name: AccountName
    role: StaffRole
    password_hash: Text
    created: Moment
    failed_logins: Number = 0
    locked_until: Moment | None = None
    session_epoch: Number = 0
    last_login: Moment | None = None


@record
class AuditEntry:
    """One change made through the console or the staff command: who, when, what.

    Never holds citizens' text: requests and questions are named by their number.
    """

    identity: ClassVar[str | None] = "id"
    table: ClassVar[str] = "console_audit"

    id: Number | None = None
    at: Moment
    who: Text
    action: Text
    target: Text | None = None
    detail: Text | None = None


@record
class QuestionLabel:
    """What staff say an unanswered question should have been understood as.

    ``asked`` repeats the question's time, so the retention purge removes the label with the
    question (bot/services/retention.py); ``intent`` is set for the label "intent".
    """

    identity: ClassVar[str | None] = "id"
    table: ClassVar[str] = "console_question_labels"
    unique: ClassVar[tuple[str, ...]] = ("question_id",)

    id: Number | None = None
    question_id: Number
    asked: Moment
    label: QuestionLabelKind
    intent: Text | None = None
    labelled_by: Text
    labelled_at: Moment


CONSOLE_RECORDS: tuple[type, ...] = (StaffAccount, AuditEntry, QuestionLabel)
