"""Editing single records of the editorial files (the console's tour and closure-day forms).

The YAML files stay the single source: a save changes one record of one file, checks the
whole knowledge base exactly as ``kb check`` does (on the candidate files, before anything is
written), then replaces the file and the database content together. Under one lock per
directory (``flock``, so it holds across threads and processes, and ``kb load`` takes it too)
a save reads, writes and loads; the file is written to a temporary name and renamed into
place inside the database transaction, so no reader ever sees half a file, and a database
that cannot be written leaves the file as it was (and the other way round).
"""

from __future__ import annotations

import fcntl
import os
import shutil
import tempfile
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path
from typing import Any

from bot.kb import KnowledgeBaseError
from bot.kb.database import store
from bot.kb.loader import check_record, content_hash, load_directory, to_documents
from bot.kb.records import FILES, SECTIONS, Closure, KnowledgeBase, Section, Tour
from bot.kb.yamlfile import dump_yaml

#: The sections the console edits (by section name).
EDITABLE: dict[str, type] = {"tours": Tour, "closures": Closure}
LOCK_FILE = ".kb-edit.lock"


@contextmanager
def edit_lock(directory: Path | str) -> Iterator[None]:
    """Hold the directory's edit lock (blocking until it is free). A directory that does
    not exist needs none: loading it fails anyway, naming the missing files."""
    path = Path(directory) / LOCK_FILE
    if not path.parent.is_dir():
        yield
        return
    try:
        handle = path.open("a")
    except OSError as error:
        raise KnowledgeBaseError(f"{path}: cannot take the edit lock: {error}") from error
    with handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def editable_section(name: str) -> Section:
    if name not in EDITABLE:
        raise KnowledgeBaseError(f"section {name!r} cannot be edited here")
    return next(section for section in SECTIONS if section.name == name)


def identity(section: Section, record: Any) -> str:
    """A record's identity as written in the file ("tour-2023-06-10", "2024-12-27")."""
    name = section.record.identity
    value_type = section.record.__pydantic_model__.__fields__[name].type_
    return str(value_type.export(getattr(record, name)))


def find(kb: KnowledgeBase, section: Section, key: str) -> Any | None:
    return next((r for r in section.records(kb) if identity(section, r) == key), None)


def save_record(directory: Path | str, section_name: str, raw: Mapping[str, Any] | None,
                replaces: str | None = None, url: str | None = None) -> KnowledgeBase:
    """Add (``replaces`` None), change (``replaces`` = the record's identity) or delete
    (``raw`` None) one record, then write the file and load the database together.

    ``raw`` is the record as an editor would write it in the file. Raises
    KnowledgeBaseError listing every problem (each naming file, record and field); then
    neither the file nor the database changed. Returns the knowledge base as saved.
    """
    directory = Path(directory)
    section = editable_section(section_name)
    path = directory / section.file
    with edit_lock(directory):
        kb = load_directory(directory)
        records = list(section.records(kb))
        keys = [identity(section, r) for r in records]
        if replaces is not None and replaces not in keys:
            raise KnowledgeBaseError(
                f"{path}: {section.name}: {replaces!r} is no longer there (someone else "
                "changed or deleted it); reload the page")
        index = keys.index(replaces) if replaces is not None else None
        if raw is None:
            if index is None:
                raise KnowledgeBaseError("nothing to delete")
            del records[index]
        else:
            errors: list[str] = []
            record = check_record(section, dict(raw), str(path),
                                  len(records) if index is None else index, errors)
            if record is None:
                raise KnowledgeBaseError("\n".join(errors), errors)
            if index is None:
                records.append(record)
            else:
                records[index] = record
        changed = replace(kb, **{section.name: tuple(records)})
        text = _header(path) + dump_yaml(to_documents(changed)[section.file])
        checked, digest = _check_candidate(directory, section.file, text)
        _write_and_load(path, text, checked, digest, url)
        return checked


def _header(path: Path) -> str:
    """The comment block at the top of the file (editors' notes), kept as written."""
    kept = []
    for line in path.read_text(encoding="utf-8").splitlines(keepends=True):
        if line.strip() and not line.lstrip().startswith("#"):
            break
        kept.append(line)
    return "".join(kept)


def _check_candidate(directory: Path, name: str, text: str) -> tuple[KnowledgeBase, str]:
    """``kb check`` on the files as they would be: the directory with ``name`` replaced."""
    with tempfile.TemporaryDirectory(prefix="kb-candidate-") as scratch:
        candidate = Path(scratch)
        for other in FILES:
            if other != name and (directory / other).exists():
                shutil.copyfile(directory / other, candidate / other)
        (candidate / name).write_text(text, encoding="utf-8")
        try:
            return load_directory(candidate), content_hash(candidate)
        except KnowledgeBaseError as error:
            errors = [line.replace(str(candidate), str(directory)) for line in error.errors]
            raise KnowledgeBaseError("\n".join(errors), errors) from None


def _write_and_load(path: Path, text: str, kb: KnowledgeBase, digest: str,
                    url: str | None) -> None:
    """The file renamed into place inside the database transaction; undone if it fails."""
    previous = path.read_bytes()
    temporary = _written(path, text.encode("utf-8"))
    placed = False

    def publish() -> None:
        nonlocal placed
        os.replace(temporary, path)
        placed = True
        _sync_directory(path.parent)

    try:
        store(kb, digest, url, before_commit=publish)
    except BaseException:
        if placed:  # the commit failed after the rename: put the old file back
            os.replace(_written(path, previous), path)
        raise
    finally:
        temporary.unlink(missing_ok=True)


def _written(path: Path, data: bytes) -> Path:
    """``data`` in a new file beside ``path``, flushed to disk."""
    handle, name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    with os.fdopen(handle, "wb") as file:
        file.write(data)
        file.flush()
        os.fsync(file.fileno())
    if path.exists():
        shutil.copymode(path, name)
    return Path(name)


def _sync_directory(directory: Path) -> None:
    handle = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(handle)
    finally:
        os.close(handle)
