"""Plain, frozen records handed to callers.

They hold only Python values and are detached from any database session, so actions can keep
them, compare them and pass them around after the session is closed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, time

PROJECT_KINDS = ("pilot", "implementation")
TOUR_MODES = ("foot", "bike")


@dataclass(frozen=True)
class Fact:
    """A programme fact; ``key`` is what the dialogue maps intents to."""

    key: str
    text_de: str
    text_en: str
    source: str
    as_of: date
    note: str | None = None


@dataclass(frozen=True)
class Project:
    """A pilot or implementation project with the surface forms citizens use for it."""

    key: str
    kind: str  # "pilot" | "implementation"
    number: int | None
    name_de: str
    name_en: str
    synonyms: tuple[str, ...]
    description_de: str
    description_en: str
    status_de: str
    status_en: str
    place: str | None
    links: tuple[str, ...]
    source: str
    as_of: date
    note: str | None = None

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


@dataclass(frozen=True)
class Tour:
    """One published tour date."""

    key: str
    date: date
    start: time
    end: time
    mode: str  # "foot" | "bike"
    meeting_point_de: str
    meeting_point_en: str
    notes_de: str | None
    notes_en: str | None
    source: str
    as_of: date


@dataclass(frozen=True)
class OpeningHours:
    """Service hours of one weekday (0 = Monday)."""

    weekday: int
    opens: time
    closes: time
    source: str
    as_of: date


@dataclass(frozen=True)
class Closure:
    """A day the office is closed beyond weekends and public holidays."""

    date: date
    reason_de: str
    reason_en: str
    source: str
    as_of: date


@dataclass(frozen=True)
class Contact:
    """The SMARTCity office."""

    office_de: str
    office_en: str
    street: str
    postcode: str
    city: str
    phone: str
    email: str
    head: str
    source: str
    as_of: date


@dataclass(frozen=True)
class KnowledgeBase:
    """Everything in the knowledge base, in file order (what load stores and export writes)."""

    facts: tuple[Fact, ...]
    projects: tuple[Project, ...]
    tours: tuple[Tour, ...]
    opening_hours: tuple[OpeningHours, ...]
    closures: tuple[Closure, ...]
    contact: Contact | None
