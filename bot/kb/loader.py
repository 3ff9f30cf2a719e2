"""Validate the editorial YAML files under ``data/kb`` into records, and write them back.

Everything is validated before anything is written, and all errors found are reported at once,
each naming file, record and field, so an editor can fix a file in one go. Which file holds
which sections and records is declared by :class:`bot.kb.records.KnowledgeBase`, and each
record's mapping is checked by the record's pydantic model; this module adds what no single
record can check: sections, duplicates, names shared by two projects, required facts.
The files are read by bot/kb/yamlfile.py, so a broken file is an error naming file and line.
"""

from __future__ import annotations

import hashlib
from datetime import date
from pathlib import Path
from typing import Any

from pydantic import validate_model

from bot.kb import KnowledgeBaseError
from bot.kb.fields import show, type_name
from bot.kb.records import FILES, SECTIONS, Fact, KnowledgeBase, Project, Section
from bot.kb.yamlfile import dump_yaml, read_document

DEFAULT_DIR = Path("data/kb")

# Fact keys the dialogue maps intents to: a knowledge base without them is incomplete.
REQUIRED_FACT_KEYS = (
    "about",
    "since",
    "funding",
    "selection",
    "duration",
    "phases",
    "decisions",
    "goals",
    "working_groups",
    "participation",
    "charter",
    "strategy",
    "flood_prevention",
    "traffic_sensors",
    "digital_town_hall",
    "tours",
    "pilots",
    "implementation",
)

# Pydantic's own problems in the editors' words (the value types raise theirs directly).
_PYDANTIC_MESSAGES = {"value_error.missing": "missing required field"}


def content_hash(directory: Path | str = DEFAULT_DIR) -> str:
    """SHA-256 over the knowledge-base files' names and bytes: cheap, no parsing needed."""
    directory = Path(directory)
    digest = hashlib.sha256()
    for name in FILES:
        path = directory / name
        digest.update(name.encode())
        digest.update(b"\0")
        digest.update(path.read_bytes() if path.exists() else b"<missing>")
        digest.update(b"\0")
    return digest.hexdigest()


def load_directory(directory: Path | str = DEFAULT_DIR) -> KnowledgeBase:
    """Validate every file in ``directory`` and return its records in file order.

    Raises :class:`KnowledgeBaseError` listing every problem found.
    """
    directory = Path(directory)
    errors: list[str] = []
    documents: dict[str, dict[str, Any]] = {}
    for name in FILES:
        display = str(directory / name)
        document = read_document(directory / name, display, errors)
        if document is None:
            continue
        expected = [section.name for section in SECTIONS if section.file == name]
        for top in document:
            if top not in expected:
                errors.append(
                    f"{display}: unknown section {show(top, 60)} (expected: {', '.join(expected)})"
                )
        for section in expected:
            if section not in document:
                errors.append(f'{display}: missing section "{section}"')
        documents[name] = document

    found: dict[str, Any] = {}
    for section in SECTIONS:
        document = documents.get(section.file, {})
        file = str(directory / section.file)
        if section.many:
            found[section.name] = _list_section(document.get(section.name), section, file, errors)
        elif section.name in document:
            found[section.name] = check_record(section, document[section.name], file, None, errors)
        else:
            found[section.name] = None

    _check_required_facts(documents, directory, errors)
    _check_projects(found, directory, errors)
    if errors:
        count = len(errors)
        header = f"{count} error{'s' if count != 1 else ''} in {directory}:"
        raise KnowledgeBaseError("\n".join([header, *errors]), errors)
    return KnowledgeBase(**found)


def _where(file: str, section: Section, index: int | None, raw: Any) -> str:
    """File, section, index and (when it has one) the record's identity, for messages."""
    where = f"{file}: {section.name}" if index is None else f"{file}: {section.name}[{index}]"
    identity = section.record.identity
    label = raw.get(identity) if identity and isinstance(raw, dict) else None
    if isinstance(label, (str, date)) and str(label):
        where += f" ({identity} {show(str(label), 60)})"
    return where


def check_record(section: Section, raw: Any, file: str, index: int | None,
                 errors: list[str]) -> Any:
    """One mapping checked by the record's pydantic model; None when it has errors (appended
    to ``errors``). The console's forms check a record with this too."""
    where = _where(file, section, index, raw)
    if not isinstance(raw, dict):
        errors.append(f"{where}: expected a mapping of fields, got {type_name(raw)}")
        return None
    model = section.record.__pydantic_model__
    unknown = [name for name in raw if name not in model.__fields__]
    for name in unknown:
        errors.append(
            f"{where}: field {show(name, 60)}: unknown field "
            f"(expected one of: {', '.join(model.__fields__)})"
        )
    # A field set to null counts as left out: required ones are missing, optional ones empty.
    given = {name: raw[name] for name in model.__fields__ if raw.get(name) is not None}
    values, _, failure = validate_model(model, given)
    for error in failure.errors() if failure else ():
        message = _PYDANTIC_MESSAGES.get(error["type"], error["msg"])
        errors.append(f"{where}: field {show(error['loc'][0], 60)}: {message}")
    return None if unknown or failure else section.record(**values)


def _list_section(raw_list: Any, section: Section, file: str, errors: list[str]) -> tuple:
    """The valid records of a list section; a second record with the same identity is an error."""
    if raw_list is None:
        return ()
    if not isinstance(raw_list, list):
        errors.append(f"{file}: {section.name}: expected a list, got {type_name(raw_list)}")
        return ()
    records = []
    identity = section.record.identity  # every list section's records have one
    value_type = section.record.__pydantic_model__.__fields__[identity].type_
    seen: dict[Any, int] = {}
    for index, raw in enumerate(raw_list):
        record = check_record(section, raw, file, index, errors)
        if record is None:
            continue
        marker = getattr(record, identity)
        if marker in seen:
            errors.append(
                f'{_where(file, section, index, raw)}: field "{identity}": duplicate {identity} '
                f"{value_type.export(marker)!s} (already used by {section.name}[{seen[marker]}])"
            )
            continue
        seen[marker] = index
        records.append(record)
    return tuple(records)


def section_of(record: type) -> Section:
    """The section that holds records of this class."""
    return next(section for section in SECTIONS if section.record is record)


def _check_required_facts(
    documents: dict[str, dict[str, Any]], directory: Path, errors: list[str]
) -> None:
    """Every fact key the dialogue uses is there (counted even when the fact has errors)."""
    section = section_of(Fact)
    facts = documents.get(section.file, {}).get(section.name)
    if not isinstance(facts, list):
        return  # reported as a missing or malformed section
    keys = [raw.get("key") for raw in facts if isinstance(raw, dict)]
    present = {key for key in keys if isinstance(key, str)}
    for key in REQUIRED_FACT_KEYS:
        if key not in present:
            errors.append(f'{directory / section.file}: facts: missing required fact "{key}"')


def _check_projects(found: dict[str, Any], directory: Path, errors: list[str]) -> None:
    """Numbers unique per kind; a surface form may name only one project (NLU synonyms)."""
    numbers: dict[tuple[str, int], str] = {}
    forms: dict[str, str] = {}
    section = section_of(Project)
    file = str(directory / section.file)
    for index, project in enumerate(found[section.name]):
        where = _where(file, section, index, {"key": project.key})
        if project.number is not None:
            marker = (project.kind, project.number)
            if marker in numbers:
                errors.append(
                    f'{where}: field "number": duplicate {project.kind} number {project.number} '
                    f'(already used by "{numbers[marker]}")'
                )
            numbers[marker] = project.key
        for form in project.surface_forms():
            folded = form.casefold()
            other = forms.get(folded)
            if other is not None and other != project.key:
                errors.append(
                    f'{where}: field "synonyms": name or synonym {show(form)} already names '
                    f'project "{other}"'
                )
            forms.setdefault(folded, project.key)


def to_documents(kb: KnowledgeBase) -> dict[str, dict[str, Any]]:
    """The YAML data structure of each file for ``kb`` (what ``kb export`` writes).

    Optional fields that are empty are left out, as editors write them, so exporting a fresh
    load parses to the same structure as the source files.
    """
    documents: dict[str, dict[str, Any]] = {name: {} for name in FILES}
    for section in SECTIONS:
        written = [_document(record) for record in section.records(kb)]
        documents[section.file][section.name] = (
            written if section.many else next(iter(written), None)
        )
    return documents


def _document(record: Any) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name, field in record.__pydantic_model__.__fields__.items():
        value = getattr(record, name)
        if field.required or value not in (None, ()):
            out[name] = field.type_.export(value)
    return out


def write_directory(kb: KnowledgeBase, directory: Path | str) -> list[Path]:
    """Write ``kb`` as the editorial files into ``directory``; returns the paths written."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for name, document in to_documents(kb).items():
        path = directory / name
        text = dump_yaml(document)
        path.write_text(f"# exported by python -m bot kb export\n{text}", encoding="utf-8")
        written.append(path)
    return written
