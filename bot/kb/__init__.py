"""Knowledge base: editorial YAML files under ``data/kb`` -> validated records -> database.

All SQLAlchemy access of the project goes through this package; callers get plain frozen
records (:mod:`bot.kb.records`) from :class:`bot.kb.repository.Repository`.
"""

from __future__ import annotations


class KnowledgeBaseError(Exception):
    """Invalid editorial files or an unusable database; the message names file, record, field."""

    def __init__(self, message: str, errors: list[str] | None = None) -> None:
        super().__init__(message)
        self.errors: list[str] = errors if errors is not None else [message]


from bot.kb.office import OfficeRecords  # noqa: E402
from bot.kb.records import (  # noqa: E402  (the error class must exist before submodules)
    Closure,
    Contact,
    ContactRequest,
    Fact,
    KnowledgeBase,
    OpeningHours,
    Project,
    Tour,
    UnansweredQuestion,
)
from bot.kb.repository import Repository  # noqa: E402

__all__ = [
    "Closure",
    "Contact",
    "ContactRequest",
    "Fact",
    "KnowledgeBase",
    "KnowledgeBaseError",
    "OfficeRecords",
    "OpeningHours",
    "Project",
    "Repository",
    "Tour",
    "UnansweredQuestion",
]
