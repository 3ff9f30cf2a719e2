"""Helpers for the knowledge-base tests: copies of data/kb to edit, and a throwaway PostgreSQL.

The PostgreSQL server is started from Debian's binaries on 127.0.0.1 with a free port and its
socket in a temp dir, so tests never touch a system cluster. initdb refuses to run as root,
so as root the server runs as the ``postgres`` system user.
"""

from __future__ import annotations

import contextlib
import glob
import os
import pwd
import shutil
import subprocess
import tempfile
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

from bot import ROOT
from bot.services.processes import free_port

if TYPE_CHECKING:
    from sqlalchemy import MetaData

KB_DIR = ROOT / "data" / "kb"


def copy_kb(tmp_path: Path, name: str = "kb") -> Path:
    """A private copy of data/kb that a test may edit."""
    target = tmp_path / name
    shutil.copytree(KB_DIR, target)
    return target


def read_doc(directory: Path, file: str) -> Any:
    return yaml.safe_load((directory / file).read_text(encoding="utf-8"))


def write_doc(directory: Path, file: str, document: Any) -> None:
    from bot.kb.yamlfile import dump_yaml

    (directory / file).write_text(dump_yaml(document), encoding="utf-8")


def edit(directory: Path, file: str, change) -> None:  # type: ignore[no-untyped-def]
    """Load ``file``, let ``change(document)`` mutate it, write it back."""
    document = read_doc(directory, file)
    change(document)
    write_doc(directory, file, document)


def sqlite_url(tmp_path: Path, name: str = "kb.sqlite3") -> str:
    return f"sqlite:///{tmp_path / name}"


def find_pg_bin() -> Path | None:
    """Newest /usr/lib/postgresql/<version>/bin holding initdb, or None."""
    found = sorted(
        glob.glob("/usr/lib/postgresql/*/bin/initdb"),
        key=lambda p: int(Path(p).parts[4]) if Path(p).parts[4].isdigit() else 0,
    )
    return Path(found[-1]).parent if found else None


class PostgresServer:
    """A private PostgreSQL cluster on loopback, created and removed by the test run."""

    def __init__(self, bin_dir: Path) -> None:
        self.bin_dir = bin_dir
        self.base = Path(tempfile.mkdtemp(prefix="kb-pg-"))
        self.data = self.base / "data"
        self.sockets = self.base / "sockets"
        self.log = self.base / "server.log"
        self.port = free_port()
        self.as_root = os.geteuid() == 0
        self.started = False

    def _run(self, *args: str) -> subprocess.CompletedProcess[str]:
        command = list(args)
        if self.as_root:
            command = ["runuser", "-u", "postgres", "--", *command]
        return subprocess.run(command, check=True, capture_output=True, text=True, timeout=120)

    def start(self) -> str:
        self.sockets.mkdir()
        if self.as_root:
            user = pwd.getpwnam("postgres")
            for path in (self.base, self.sockets):
                os.chown(path, user.pw_uid, user.pw_gid)
        self._run(
            str(self.bin_dir / "initdb"),
            "-D",
            str(self.data),
            "-U",
            "postgres",
            "-A",
            "trust",
            "-E",
            "UTF8",
            "--locale=C",
        )
        options = (
            f"-c listen_addresses=127.0.0.1 -p {self.port} -k {self.sockets} "
            "-c fsync=off -c synchronous_commit=off -c full_page_writes=off"
        )
        self._run(
            str(self.bin_dir / "pg_ctl"),
            "-D",
            str(self.data),
            "-l",
            str(self.log),
            "-o",
            options,
            "-w",
            "-t",
            "60",
            "start",
        )
        self.started = True
        self._create_database("kbtest")
        return f"postgresql+psycopg2://postgres@127.0.0.1:{self.port}/kbtest"

    def _create_database(self, name: str) -> None:
        import psycopg2

        def connect() -> Any:
            return psycopg2.connect(host="127.0.0.1", port=self.port, user="postgres",
                                    dbname="postgres")

        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            with contextlib.suppress(psycopg2.OperationalError):
                connection = connect()
                break
            time.sleep(0.2)
        else:
            connection = connect()  # the last try: its error is the one to see
        connection.autocommit = True
        with connection.cursor() as cursor:
            cursor.execute(f"CREATE DATABASE \"{name}\" ENCODING 'UTF8'")  # fixed test name
        connection.close()

    def stop(self) -> None:
        try:
            if self.started:
                self._run(str(self.bin_dir / "pg_ctl"), "-D", str(self.data), "-m", "fast", "stop")
        finally:
            shutil.rmtree(self.base, ignore_errors=True)


def emptied_postgres_kb(server: PostgresServer, *tables: MetaData) -> str:
    """The URL of ``server``'s test database, with ``tables`` dropped (a fresh start for the
    test; each test run's tables are made again on first use) and no engine left cached."""
    from sqlalchemy import create_engine

    from bot.kb.database import dispose_engines

    url = f"postgresql+psycopg2://postgres@127.0.0.1:{server.port}/kbtest"
    dispose_engines()
    engine = create_engine(url, future=True)
    for schema in tables:
        schema.drop_all(engine)
    engine.dispose()
    return url


def errors_of(directory: Path) -> list[str]:
    """The loader's errors for a knowledge-base folder that must be refused."""
    import pytest

    from bot.kb import KnowledgeBaseError
    from bot.kb.loader import load_directory

    with pytest.raises(KnowledgeBaseError) as caught:
        load_directory(directory)
    return caught.value.errors


def only_error(directory: Path) -> str:
    errors = errors_of(directory)
    assert len(errors) == 1, errors
    return errors[0]
