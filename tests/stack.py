"""Starts the action server and the Rasa server on spare ports for end-to-end tests."""

from __future__ import annotations

import os
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import requests
import yaml

from bot import ROOT
from bot.services.processes import free_port, wait_for

VENV_BIN = ROOT / ".venv" / "bin"
MODEL = ROOT / "models" / "smartcity.tar.gz"


def stop_process(process: subprocess.Popen | None, timeout: float = 60) -> None:
    """Terminate ``process`` if it still runs, and wait for it to end."""
    if process is not None and process.poll() is None:
        process.terminate()
        process.wait(timeout=timeout)


class ActionServer:
    """The action server as a subprocess; restartable with another SMARTCITY_NOW."""

    def __init__(self, log_dir: Path) -> None:
        self.port = free_port()
        self.log_dir = log_dir
        self.process: subprocess.Popen | None = None
        self.now: str | None = None
        #: The variables of the last start beyond SMARTCITY_NOW (a restart may pass them on).
        self.extra_env: dict[str, str] = {}

    def start(self, now: str | None = None, extra_env: dict[str, str] | None = None) -> None:
        self.stop()
        env = dict(os.environ)
        env.pop("SMARTCITY_NOW", None)
        if now:
            env["SMARTCITY_NOW"] = now
        self.extra_env = dict(extra_env or {})
        env.update(self.extra_env)
        log = open(self.log_dir / f"actions-{self.port}.log", "a")  # noqa: SIM115
        self.process = subprocess.Popen(
            [str(VENV_BIN / "rasa"), "run", "actions", "--actions", "actions",
             "--port", str(self.port)],
            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
        )
        self.now = now
        wait_for(f"http://127.0.0.1:{self.port}/health", 90, self.process)

    def stop(self) -> None:
        stop_process(self.process, timeout=20)
        self.process = None


class RasaServer:
    """`rasa run` with the trained model on a spare port, its actions at ``actions_port``.

    ``credentials``: the sections of its credentials.yml (None: the project's file);
    ``endpoints``: sections added to its endpoints.yml (a tracker store, say); ``enable_api``:
    Rasa's HTTP API (to read trackers); ``ready``: the path that answers once it is up. Its
    files and log are ``<name>-<port>.log``, ``endpoints-<name>-<port>.yml`` in ``log_dir``."""

    def __init__(self, log_dir: Path, actions_port: int, *, name: str = "rasa",
                 credentials: dict[str, Any] | None = None,
                 endpoints: dict[str, Any] | None = None, enable_api: bool = False,
                 ready: str = "/", seconds: float = 180) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.endpoints = log_dir / f"endpoints-{name}-{self.port}.yml"
        self.endpoints.write_text(yaml.safe_dump({
            "action_endpoint": {"url": f"http://127.0.0.1:{actions_port}/webhook"},
            **(endpoints or {}),
        }), encoding="utf-8")
        credentials_file = ROOT / "credentials.yml"
        if credentials is not None:
            credentials_file = log_dir / f"credentials-{name}-{self.port}.yml"
            credentials_file.write_text(yaml.safe_dump(credentials), encoding="utf-8")
        command = [str(VENV_BIN / "rasa"), "run", "--model", str(MODEL), "--port", str(self.port),
                   "--endpoints", str(self.endpoints), "--credentials", str(credentials_file)]
        if enable_api:
            command.append("--enable-api")
        log = open(log_dir / f"{name}-{self.port}.log", "a")  # noqa: SIM115
        self.process = subprocess.Popen(command, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)
        try:
            wait_for(self.url + ready, seconds, self.process)
        except BaseException:
            self.stop()
            raise

    @property
    def webhook(self) -> str:
        return f"{self.url}/webhooks/rest/webhook"

    def tracker(self, sender_id: str | int) -> dict[str, Any]:
        """A conversation's tracker, over Rasa's HTTP API (``enable_api``)."""
        answer = requests.get(f"{self.url}/conversations/{sender_id}/tracker", timeout=30)
        answer.raise_for_status()
        return answer.json()

    def turns(self, sender_id: str | int) -> list[tuple[str, str | None]]:
        """The user and bot turns of a conversation in Rasa's tracker."""
        return [(event["event"], event.get("text")) for event in self.tracker(sender_id)["events"]
                if event["event"] in ("user", "bot")]

    def stop(self) -> None:
        stop_process(self.process)


@contextmanager
def running_rasa(log_dir: Path, now: str | None = None, extra_env: dict[str, str] | None = None,
                 **options: Any) -> Iterator[tuple[RasaServer, ActionServer]]:
    """The action server (its clock at ``now``, ``extra_env`` set) and a RasaServer using it
    (``options``: see RasaServer), both stopped on leaving."""
    actions = ActionServer(log_dir)
    try:
        actions.start(now, extra_env)
        rasa = RasaServer(log_dir, actions.port, **options)
        try:
            yield rasa, actions
        finally:
            rasa.stop()
    finally:
        actions.stop()


class Conversation:
    """One citizen talking to the bot over the REST channel."""

    counter = 0

    def __init__(self, rasa: RasaServer, metadata: dict | None = None) -> None:
        Conversation.counter += 1
        self.sender = f"test-{os.getpid()}-{Conversation.counter}-{time.monotonic_ns()}"
        self.rasa = rasa
        self.metadata = metadata

    def say(self, text: str) -> str:
        """Send ``text`` and return all bot texts of the reply joined by newlines."""
        payload: dict = {"sender": self.sender, "message": text}
        if self.metadata:
            payload["metadata"] = self.metadata
        response = requests.post(self.rasa.webhook, json=payload, timeout=60)
        response.raise_for_status()
        self.last = response.json()
        return "\n".join(part.get("text", "") for part in self.last if part.get("text"))

    def buttons(self) -> list[dict]:
        return [b for part in self.last for b in part.get("buttons", [])]
