"""SQLAlchemy tables of the knowledge base.

The YAML files under ``data/kb`` are the source of truth and the database is derived from them
(rebuild-from-files policy, see docs/knowledge-base.md): when :data:`SCHEMA_VERSION` changes,
``kb load`` drops and recreates these tables and loads the files again, so no upgrade ever
needs hand-written SQL. Bump :data:`SCHEMA_VERSION` whenever a table or column changes.
All text columns are ``Text`` so long values are stored unchanged on SQLite and PostgreSQL.
"""

from __future__ import annotations

from sqlalchemy import Column, Date, ForeignKey, Integer, String, Text, Time
from sqlalchemy.orm import declarative_base, relationship

SCHEMA_VERSION = 1

Base = declarative_base()


class MetaRow(Base):
    """Key/value metadata: schema version and the content hash of the loaded files."""

    __tablename__ = "kb_meta"
    name = Column(String(64), primary_key=True)
    value = Column(Text, nullable=False)


class FactRow(Base):
    __tablename__ = "kb_fact"
    key = Column(String(200), primary_key=True)
    position = Column(Integer, nullable=False)
    text_de = Column(Text, nullable=False)
    text_en = Column(Text, nullable=False)
    source = Column(Text, nullable=False)
    as_of = Column(Date, nullable=False)
    note = Column(Text)


class ProjectRow(Base):
    __tablename__ = "kb_project"
    key = Column(String(200), primary_key=True)
    position = Column(Integer, nullable=False)
    kind = Column(String(20), nullable=False)
    number = Column(Integer)
    name_de = Column(Text, nullable=False)
    name_en = Column(Text, nullable=False)
    description_de = Column(Text, nullable=False)
    description_en = Column(Text, nullable=False)
    status_de = Column(Text, nullable=False)
    status_en = Column(Text, nullable=False)
    place = Column(Text)
    source = Column(Text, nullable=False)
    as_of = Column(Date, nullable=False)
    note = Column(Text)
    synonyms = relationship(
        "ProjectSynonymRow",
        order_by="ProjectSynonymRow.position",
        cascade="all, delete-orphan",
        lazy="selectin",
    )
    links = relationship(
        "ProjectLinkRow",
        order_by="ProjectLinkRow.position",
        cascade="all, delete-orphan",
        lazy="selectin",
    )


class ProjectSynonymRow(Base):
    __tablename__ = "kb_project_synonym"
    id = Column(Integer, primary_key=True, autoincrement=True)
    project_key = Column(
        String(200), ForeignKey("kb_project.key", ondelete="CASCADE"), nullable=False, index=True
    )
    position = Column(Integer, nullable=False)
    text = Column(Text, nullable=False)


class ProjectLinkRow(Base):
    __tablename__ = "kb_project_link"
    id = Column(Integer, primary_key=True, autoincrement=True)
    project_key = Column(
        String(200), ForeignKey("kb_project.key", ondelete="CASCADE"), nullable=False, index=True
    )
    position = Column(Integer, nullable=False)
    url = Column(Text, nullable=False)


class TourRow(Base):
    __tablename__ = "kb_tour"
    key = Column(String(200), primary_key=True)
    position = Column(Integer, nullable=False)
    day = Column(Date, nullable=False)
    start_time = Column(Time, nullable=False)
    end_time = Column(Time, nullable=False)
    mode = Column(String(10), nullable=False)
    meeting_point_de = Column(Text, nullable=False)
    meeting_point_en = Column(Text, nullable=False)
    notes_de = Column(Text)
    notes_en = Column(Text)
    source = Column(Text, nullable=False)
    as_of = Column(Date, nullable=False)


class OpeningHoursRow(Base):
    __tablename__ = "kb_opening_hours"
    weekday = Column(Integer, primary_key=True, autoincrement=False)
    position = Column(Integer, nullable=False)
    opens = Column(Time, nullable=False)
    closes = Column(Time, nullable=False)
    source = Column(Text, nullable=False)
    as_of = Column(Date, nullable=False)


class ClosureRow(Base):
    __tablename__ = "kb_closure"
    day = Column(Date, primary_key=True)
    position = Column(Integer, nullable=False)
    reason_de = Column(Text, nullable=False)
    reason_en = Column(Text, nullable=False)
    source = Column(Text, nullable=False)
    as_of = Column(Date, nullable=False)


class ContactRow(Base):
    __tablename__ = "kb_contact"
    id = Column(Integer, primary_key=True, autoincrement=False)
    office_de = Column(Text, nullable=False)
    office_en = Column(Text, nullable=False)
    street = Column(Text, nullable=False)
    postcode = Column(Text, nullable=False)
    city = Column(Text, nullable=False)
    phone = Column(Text, nullable=False)
    email = Column(Text, nullable=False)
    head = Column(Text, nullable=False)
    source = Column(Text, nullable=False)
    as_of = Column(Date, nullable=False)


# Child tables after their parents; drop in reverse.
CONTENT_TABLES = [
    FactRow.__table__,
    ProjectRow.__table__,
    ProjectSynonymRow.__table__,
    ProjectLinkRow.__table__,
    TourRow.__table__,
    OpeningHoursRow.__table__,
    ClosureRow.__table__,
    ContactRow.__table__,
]
