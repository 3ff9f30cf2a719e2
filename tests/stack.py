"""Starts the action server and the Rasa server on spare ports for end-to-end tests."""

from __future__ import annotations

import os
import subprocess
import time
from pathlib import Path

import requests

from bot import ROOT
from bot.services.processes import free_port, wait_for

VENV_BIN = ROOT / ".venv" / "bin"
MODEL = ROOT / "models" / "smartcity.tar.gz"


class ActionServer:
    """The action server as a subprocess; restartable with another SMARTCITY_NOW."""

    def __init__(self, log_dir: Path) -> None:
        self.port = free_port()
        self.log_dir = log_dir
        self.process: subprocess.Popen | None = None
        self.now: str | None = None

    def start(self, now: str | None = None, extra_env: dict[str, str] | None = None) -> None:
        self.stop()
        env = dict(os.environ)
        env.pop("SMARTCITY_NOW", None)
        if now:
            env["SMARTCITY_NOW"] = now
        env.update(extra_env or {})
        log = open(self.log_dir / f"actions-{self.port}.log", "a")  # noqa: SIM115
        self.process = subprocess.Popen(
            [str(VENV_BIN / "rasa"), "run", "actions", "--actions", "actions",
             "--port", str(self.port)],
            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
        )
        self.now = now
        wait_for(f"http://127.0.0.1:{self.port}/health", 90, self.process)

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=20)
        self.process = None


class RasaServer:
    def __init__(self, log_dir: Path, actions_port: int) -> None:
        self.port = free_port()
        endpoints = log_dir / "endpoints.yml"
        endpoints.write_text(
            f'action_endpoint:\n  url: "http://127.0.0.1:{actions_port}/webhook"\n'
        )
        log = open(log_dir / f"rasa-{self.port}.log", "a")  # noqa: SIM115
        self.process = subprocess.Popen(
            [str(VENV_BIN / "rasa"), "run", "--model", str(MODEL), "--port", str(self.port),
             "--endpoints", str(endpoints), "--credentials", str(ROOT / "credentials.yml")],
            cwd=ROOT, stdout=log, stderr=subprocess.STDOUT,
        )
        wait_for(f"http://127.0.0.1:{self.port}/", 180, self.process)

    @property
    def webhook(self) -> str:
        return f"http://127.0.0.1:{self.port}/webhooks/rest/webhook"

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=30)


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
