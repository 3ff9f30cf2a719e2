"""The knowledge-base tables, derived from the records in bot/kb/records.py.

One table per record class (``kb_`` + its name in snake case), one column per pydantic field
with the type its value type is stored as, plus ``position`` (file order). The record's
``identity`` field is the primary key (``position`` where there is none). Rows and records are
converted by name, the same way for every table, so nothing here names a record field.

The YAML files under ``data/kb`` are the source of truth and the database is derived from them
(rebuild-from-files policy, see docs/knowledge-base.md): :data:`SCHEMA_VERSION` is a
fingerprint of these tables, so when a record changes, ``kb load`` drops and recreates the
tables and loads the files again, and no upgrade ever needs hand-written SQL.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from datetime import datetime, timezone
from typing import Any

import sqlalchemy as sa
from sqlalchemy.types import TypeEngine

from bot.kb import fields
from bot.kb.records import CONSOLE_RECORDS, OPERATIONAL_RECORDS, SECTIONS

# How each value type is stored (the first match along the type's bases). Text columns are
# ``Text`` so long values are stored unchanged on SQLite and PostgreSQL; lists are JSON.
STORED_AS: dict[type, TypeEngine] = {
    fields.Key: sa.String(fields.KEY_MAX_LENGTH),
    fields.AccountName: sa.String(64),
    fields.Choice: sa.String(40),
    fields.Text: sa.Text(),
    fields.TextList: sa.JSON(),
    fields.Number: sa.Integer(),
    fields.Weekday: sa.Integer(),
    fields.Day: sa.Date(),
    fields.ClockTime: sa.Time(),
    fields.Moment: sa.DateTime(),  # naive UTC: the same on SQLite and PostgreSQL
}

metadata = sa.MetaData()

#: Key/value metadata: the schema version and the content hash of the loaded files.
meta_table = sa.Table(
    "kb_meta",
    metadata,
    sa.Column("name", sa.String(64), primary_key=True),
    sa.Column("value", sa.Text(), nullable=False),
)


def _stored_as(value_type: type) -> TypeEngine:
    return next(STORED_AS[base] for base in value_type.__mro__ if base in STORED_AS)


def _table(record: type) -> sa.Table:
    identity = record.identity  # type: ignore[attr-defined]
    name = re.sub(r"(?<!^)(?=[A-Z])", "_", record.__name__).lower()
    model_fields = record.__pydantic_model__.__fields__.values()  # type: ignore[attr-defined]
    columns = [("position", sa.Integer(), False)]
    columns += [(field.name, _stored_as(field.type_), field.allow_none) for field in model_fields]
    return sa.Table(
        f"kb_{name}",
        metadata,
        *(
            sa.Column(
                column,
                stored_as,
                nullable=nullable,
                primary_key=column == (identity or "position"),
                autoincrement=False,  # every key comes from the files
            )
            for column, stored_as, nullable in columns
        ),
    )


#: record class -> its table, in file order (parents before children; there are no children).
TABLES: dict[type, sa.Table] = {section.record: _table(section.record) for section in SECTIONS}


def _fingerprint() -> str:
    shape = [
        (table.name, [(c.name, repr(c.type), c.nullable, c.primary_key) for c in table.columns])
        for table in metadata.sorted_tables
    ]
    return hashlib.sha256(repr(shape).encode()).hexdigest()[:16]


SCHEMA_VERSION = _fingerprint()


def to_row(record: Any, position: int) -> dict[str, Any]:
    """A record as the values of its table's row."""
    row = {"position": position}
    for name in record.__pydantic_model__.__fields__:
        value = getattr(record, name)
        row[name] = list(value) if isinstance(value, tuple) else value
    return row


def to_record(record: type, row: Mapping[str, Any]) -> Any:
    """A row read from the record's table as the (frozen, detached) record."""
    return record(
        **{
            name: tuple(row[name]) if isinstance(row[name], list) else row[name]
            for name in record.__pydantic_model__.__fields__  # type: ignore[attr-defined]
        }
    )


# -- operational tables ---------------------------------------------------------------------------
#: Tables the assistant writes (contact requests, unanswered questions), derived from their
#: records the same way. Their own MetaData: they are no part of SCHEMA_VERSION, and
#: ``kb load`` (which drops and empties only ``kb_`` tables of ``metadata``) never touches
#: them. They are created when first used; a later change to these records needs a
#: migration of its own, because their content cannot be rebuilt from files.
operational_metadata = sa.MetaData()
#: The console's tables (staff accounts, audit log, question labels): created and kept the
#: same way, in a metadata of their own.
console_metadata = sa.MetaData()


def _operational_table(record: type, meta: sa.MetaData) -> sa.Table:
    model_fields = record.__pydantic_model__.__fields__.values()  # type: ignore[attr-defined]
    unique = getattr(record, "unique", ())
    columns: list[Any] = []
    for field in model_fields:
        if field.name == record.identity:  # type: ignore[attr-defined]
            columns.append(sa.Column(field.name, sa.Integer(), primary_key=True,
                                     autoincrement=True))
        else:
            stored_as = _stored_as(field.type_)
            columns.append(sa.Column(field.name, stored_as, nullable=field.allow_none,
                                     index=isinstance(stored_as, sa.DateTime),
                                     unique=field.name in unique))
    return sa.Table(record.table, meta, *columns)  # type: ignore[attr-defined]


#: operational and console record class -> its table.
OPERATIONAL_TABLES: dict[type, sa.Table] = {
    **{record: _operational_table(record, operational_metadata)
       for record in OPERATIONAL_RECORDS},
    **{record: _operational_table(record, console_metadata) for record in CONSOLE_RECORDS},
}


def _to_utc_naive(value: Any) -> Any:
    if isinstance(value, datetime) and value.tzinfo is not None:
        return value.astimezone(timezone.utc).replace(tzinfo=None)
    return value


def operational_row(record: Any) -> dict[str, Any]:
    """An operational record as its row's values (no ``id``: the database gives it)."""
    return {
        name: _to_utc_naive(getattr(record, name))
        for name in record.__pydantic_model__.__fields__
        if name != record.identity
    }


def operational_record(record: type, row: Mapping[str, Any]) -> Any:
    """A row of an operational table as its record; times come back in UTC."""
    values = {}
    for name in record.__pydantic_model__.__fields__:  # type: ignore[attr-defined]
        value = row[name]
        if isinstance(value, datetime):
            value = (value.replace(tzinfo=timezone.utc) if value.tzinfo is None
                     else value.astimezone(timezone.utc))
        values[name] = value
    return record(**values)
