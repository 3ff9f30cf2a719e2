"""Shared fixtures. The trained model is made once per run by `make test` (models/)."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from tests.console_fixtures import site  # noqa: F401  (the console tests' fixture)
from tests.kb_fixtures import PostgresServer, find_pg_bin
from tests.stack import MODEL, ROOT, ActionServer, Conversation, RasaServer

os.environ.setdefault("SPACY_MODEL", "var/spacy/de_gera")


@pytest.fixture(scope="session")
def trained_model() -> str:
    if not MODEL.exists():
        pytest.fail(f"{MODEL} is missing: run `make test`, which trains it once per run")
    return str(MODEL)


@pytest.fixture(scope="module")
def postgres_server() -> Iterator[PostgresServer]:
    """A private PostgreSQL cluster for the module (tests/kb_fixtures.py); only the tests
    marked ``postgres`` ask for it."""
    bin_dir = find_pg_bin()
    if bin_dir is None:
        pytest.fail("PostgreSQL server binaries not found (/usr/lib/postgresql/*/bin/initdb): "
                    "run scripts/test-deps.sh, or deselect with -m 'not postgres'")
    server = PostgresServer(bin_dir)
    try:
        server.start()
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def stack_dir() -> object:
    path = ROOT / "var" / "results" / "stack"
    path.mkdir(parents=True, exist_ok=True)
    return path


@pytest.fixture(scope="session")
def action_server(stack_dir) -> Iterator[ActionServer]:
    server = ActionServer(stack_dir)
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def rasa_server(trained_model, action_server, stack_dir) -> Iterator[RasaServer]:
    server = RasaServer(stack_dir, action_server.port)
    yield server
    server.stop()


@pytest.fixture
def chat(rasa_server, action_server):
    """Factory: chat(now=None, metadata=None) -> Conversation with the clock pinned."""

    def make(now: str | None = None, metadata: dict | None = None) -> Conversation:
        if action_server.now != now:
            action_server.start(now)
        return Conversation(rasa_server, metadata)

    return make
