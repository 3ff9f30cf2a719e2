"""Editing tours and closure days (bot/kb/editing.py): the same checks as ``kb check``, the
file and the database changed together, and concurrent saves (threads and processes) that
never leave a half-written file or a database that differs from the files."""

from __future__ import annotations

import multiprocessing
import shutil
import threading
import time
from pathlib import Path

import pytest

from bot import ROOT
from bot.kb import KnowledgeBaseError, Repository
from bot.kb import editing as editing_module
from bot.kb.cli import load
from bot.kb.database import dispose_engines, is_current
from bot.kb.editing import edit_lock, save_record
from bot.kb.loader import content_hash, load_directory
from bot.kb.models import metadata
from bot.kb.yamlfile import read_document
from tests.kb_fixtures import emptied_postgres_kb


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def kb(request, tmp_path, monkeypatch) -> tuple[Path, str]:
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'kb.sqlite3'}"
    else:
        url = emptied_postgres_kb(request.getfixturevalue("postgres_server"), metadata)
    monkeypatch.setenv("SMARTCITY_DB_URL", url)
    directory = tmp_path / "kb"
    shutil.copytree(ROOT / "data" / "kb", directory)
    load(directory, url)
    yield directory, url
    dispose_engines()


def tour(day: int, start: str = "14:00") -> dict[str, str]:
    return {"key": f"tour-2025-05-{day:02d}", "date": f"2025-05-{day:02d}", "start": start,
            "end": "16:00", "mode": "foot", "meeting_point_de": "Marktplatz",
            "meeting_point_en": "Market square", "source": "gera.de/SMARTCity",
            "as_of": "2025-04-01"}


def consistent(directory: Path, url: str) -> None:
    """The database holds exactly the files (hash and records)."""
    assert is_current(content_hash(directory), url)
    assert Repository(url).snapshot() == load_directory(directory)


def test_concurrent_saves_in_threads_lose_nothing_and_agree(kb):
    directory, url = kb
    seed = len(load_directory(directory).tours)
    stop = threading.Event()
    seen: list[int] = []
    problems: list[str] = []

    def reader() -> None:  # the file is always whole: old or new, never in between
        while not stop.is_set():
            errors: list[str] = []
            document = read_document(directory / "tours.yml", "tours.yml", errors)
            if errors or document is None:
                problems.extend(errors or ["empty"])
            else:
                seen.append(len(document["tours"]))

    def writer(day: int) -> None:
        try:
            save_record(directory, "tours", tour(day), url=url)
            save_record(directory, "tours", tour(day, start="15:00"), replaces=tour(day)["key"],
                        url=url)
        except Exception as error:  # noqa: BLE001 (collected and reported below)
            problems.append(repr(error))

    watcher = threading.Thread(target=reader)
    watcher.start()
    writers = [threading.Thread(target=writer, args=(day,)) for day in range(1, 9)]
    for thread in writers:
        thread.start()
    for thread in writers:
        thread.join()
    stop.set()
    watcher.join()
    assert not problems, problems
    assert seen == sorted(seen) and seen[-1] == seed + 8  # one more for each writer
    added = [t for t in load_directory(directory).tours if t.key.startswith("tour-2025")]
    assert sorted(t.key for t in added) == [tour(day)["key"] for day in range(1, 9)]
    assert all(t.start.hour == 15 for t in added)
    consistent(directory, url)


def _save_in_process(directory: str, url: str, day: int) -> None:
    save_record(directory, "tours", tour(day), url=url)


def test_concurrent_saves_in_processes_lose_nothing_and_agree(kb):
    directory, url = kb
    context = multiprocessing.get_context("spawn")
    processes = [context.Process(target=_save_in_process, args=(str(directory), url, day))
                 for day in range(10, 14)]
    for process in processes:
        process.start()
    # meanwhile, in this process: a closure day (another file) and a tour
    save_record(directory, "closures", {"date": "2025-12-29", "reason_de": "Brückentag",
                                        "reason_en": "Bridge day", "source": "gera.de",
                                        "as_of": "2025-11-01"}, url=url)
    save_record(directory, "tours", tour(20), url=url)
    for process in processes:
        process.join(120)
        assert process.exitcode == 0
    keys = {t.key for t in load_directory(directory).tours}
    assert {tour(day)["key"] for day in (10, 11, 12, 13, 20)} <= keys
    assert [c.reason_en for c in load_directory(directory).closures] == ["Bridge day"]
    consistent(directory, url)


def test_a_save_waits_for_the_lock(kb):
    directory, url = kb
    done = threading.Event()

    def save() -> None:
        save_record(directory, "tours", tour(1), url=url)
        done.set()

    with edit_lock(directory):
        thread = threading.Thread(target=save)
        thread.start()
        assert not done.wait(1.0), "a save went ahead while another held the lock"
    thread.join(30)
    assert done.is_set()
    consistent(directory, url)


def test_a_database_that_cannot_be_written_leaves_the_file(kb, monkeypatch):
    directory, url = kb
    before = (directory / "tours.yml").read_bytes()

    def broken(*args, **kwargs):  # type: ignore[no-untyped-def]
        raise KnowledgeBaseError("database is gone")

    monkeypatch.setattr(editing_module, "store", broken)
    with pytest.raises(KnowledgeBaseError, match="database is gone"):
        save_record(directory, "tours", tour(1), url=url)
    assert (directory / "tours.yml").read_bytes() == before
    assert not list(directory.glob(".tours.yml.*.tmp"))
    consistent(directory, url)


def test_a_commit_that_fails_after_the_rename_puts_the_old_file_back(kb, monkeypatch):
    from sqlalchemy.exc import OperationalError

    directory, url = kb
    before = (directory / "tours.yml").read_bytes()
    real_store = editing_module.store

    def failing_commit(kb_, digest, url_=None, before_commit=None):  # type: ignore[no-untyped-def]
        def publish_then_fail() -> None:
            before_commit()
            assert b"tour-2025-05-01" in (directory / "tours.yml").read_bytes()
            raise OperationalError("COMMIT", {}, Exception("disk full"))

        real_store(kb_, digest, url_, before_commit=publish_then_fail)

    monkeypatch.setattr(editing_module, "store", failing_commit)
    with pytest.raises(KnowledgeBaseError, match="nothing was changed"):
        save_record(directory, "tours", tour(1), url=url)
    assert (directory / "tours.yml").read_bytes() == before
    consistent(directory, url)


def test_changing_a_record_someone_else_deleted_is_refused(kb):
    directory, url = kb
    save_record(directory, "tours", tour(1), url=url)
    save_record(directory, "tours", None, replaces=tour(1)["key"], url=url)
    with pytest.raises(KnowledgeBaseError, match="no longer there"):
        save_record(directory, "tours", tour(1, "15:00"), replaces=tour(1)["key"], url=url)
    with pytest.raises(KnowledgeBaseError, match="cannot be edited"):
        save_record(directory, "facts", {}, url=url)
    consistent(directory, url)


def test_kb_load_waits_for_a_save(kb):
    """``kb load`` takes the same lock, so it cannot store files a save is replacing."""
    directory, url = kb
    finished: list[float] = []

    def run_load() -> None:
        load(directory, url)
        finished.append(time.monotonic())

    with edit_lock(directory):
        thread = threading.Thread(target=run_load)
        thread.start()
        time.sleep(0.5)
        assert not finished
    thread.join(30)
    assert finished
