"""Latency, throughput and memory over the REST channel: the full stack against the bare bot.

Both stacks run at the same time on free loopback ports (never 5005/5055/8080, which a
`make run` may hold) and are measured in alternating rounds, so that load from other work on
the machine falls on both alike.
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from bot import ROOT
from bot.services.processes import terminate, wait_for
from tools.bench.stats import Round

VENV_BIN = ROOT / ".venv" / "bin"
MODEL = ROOT / "models" / "smartcity.tar.gz"
DEFAULT_SPACY_MODEL = "var/spacy/de_gera"
# "Now" for the action server, so tour answers are the same on every run (a day before the
# first published tour; README: SMARTCITY_NOW).
BENCH_NOW = "2023-06-09T10:30"

# What citizens ask the full stack: topics it answers, German and English.
CITIZEN_MESSAGES: tuple[str, ...] = (
    "Hallo",
    "Wann hat das SMARTCity-Büro heute geöffnet?",
    "Wann ist die nächste SMARTCity-Tour?",
    "Wie wird das Programm gefördert?",
    "Welche Pilotprojekte gibt es?",
    "Erzählen Sie mir etwas über die Stadt-App",
    "Wie kann ich Sie kontaktieren?",
    "Wo ist der Treffpunkt der Tour?",
    "Was ist SMARTCity Gera?",
    "Danke!",
    "Hello",
    "What are your opening hours on Monday?",
    "When is the next tour?",
    "Who funds the programme?",
    "Which pilot projects are there?",
    "Tell me about the citizen service portal",
    "How can I contact you?",
    "Is the office open now?",
    "How long does the programme run?",
    "Thank you, goodbye",
)

# What the bare bot understands: greetings and small talk only.
BARE_MESSAGES: tuple[str, ...] = (
    "hello", "what can you do?", "are you a bot?", "thanks", "bye",
    "hallo", "hilfe", "bist du ein bot?", "danke", "tschüss",
)


# Settings of the project's tracker store that Rasa's own SQL store does not take.
PROJECT_STORE_SETTINGS = ("recent_turns", "cache_size")


def service_env() -> dict[str, str]:
    """The environment the servers get: ours, with the spaCy pipeline the Makefile exports."""
    env = dict(os.environ)
    env.setdefault("SPACY_MODEL", DEFAULT_SPACY_MODEL)
    return env


def bench_endpoints(source: Path, target: Path, tracker_db: Path,
                    actions_port: int | None) -> Path:
    """A copy of endpoints.yml: action URL on our port (or none), tracker file in tmp.

    Both stacks keep conversations on the same medium (the project's SQL database, the
    SQLite file moved out of var/). The bare bot (no action server) gets Rasa's own SQL
    tracker store: it is stock Rasa, so the project's store (bot/plugins/tracker_store.py)
    counts as the project's work, not the baseline's.
    """
    endpoints = yaml.safe_load(source.read_text(encoding="utf-8")) or {}
    store = endpoints.get("tracker_store")
    if actions_port is None:
        endpoints.pop("action_endpoint", None)
        if isinstance(store, dict):
            store["type"] = "SQL"
            for setting in PROJECT_STORE_SETTINGS:
                store.pop(setting, None)
    else:
        endpoints["action_endpoint"] = {"url": f"http://127.0.0.1:{actions_port}/webhook"}
    if isinstance(store, dict) and store.get("dialect", "sqlite") == "sqlite":
        store["db"] = str(tracker_db)
    target.write_text(yaml.safe_dump(endpoints, sort_keys=False), encoding="utf-8")
    return target


def _tree(pid: int) -> list[int]:
    """pid and all its descendants (Sanic may fork workers)."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        children.setdefault(ppid, []).append(int(entry.name))
    found, todo = [], [pid]
    while todo:
        current = todo.pop()
        found.append(current)
        todo.extend(children.get(current, []))
    return found


def peak_rss_mb(pid: int) -> float | None:
    """Peak resident memory (VmHWM) of a process and its descendants, in MB.

    psutil is not a dependency; /proc gives the kernel's own high-water mark, which catches
    peaks between samples.
    """
    total_kb = 0
    seen = False
    for member in _tree(pid):
        try:
            status = Path(f"/proc/{member}/status").read_text()
        except OSError:
            continue
        for line in status.splitlines():
            if line.startswith("VmHWM:"):
                total_kb += int(line.split()[1])
                seen = True
    return round(total_kb / 1024, 1) if seen else None


@dataclass
class Service:
    """A subprocess with its log; stopped with SIGTERM, then SIGKILL."""

    name: str
    command: list[str]
    health_url: str
    env: dict[str, str]
    log_path: Path
    process: subprocess.Popen | None = field(default=None, init=False)

    def launch(self) -> None:
        log = open(self.log_path, "a")  # noqa: SIM115 - lives as long as the process
        self.process = subprocess.Popen(self.command, cwd=ROOT, env=self.env, stdout=log,
                                        stderr=subprocess.STDOUT)

    def wait_ready(self, timeout_s: float) -> None:
        assert self.process is not None
        wait_for(self.health_url, timeout_s, self.process)

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            terminate(self.process, grace=30)

    @property
    def pid(self) -> int:
        assert self.process is not None
        return self.process.pid


def rasa_service(name: str, model: Path, endpoints: Path, port: int, log_dir: Path,
                 env: dict[str, str]) -> Service:
    """`rasa run` as `make run` serves it (REST + socket.io channels from credentials.yml)."""
    return Service(
        name=name,
        command=[str(VENV_BIN / "rasa"), "run", "--model", str(model), "--port", str(port),
                 "--interface", "127.0.0.1", "--endpoints", str(endpoints),
                 "--credentials", str(ROOT / "credentials.yml")],
        health_url=f"http://127.0.0.1:{port}/", env=env,
        log_path=log_dir / f"{name}.log",
    )


def actions_service(port: int, log_dir: Path, env: dict[str, str],
                    name: str = "actions") -> Service:
    return Service(
        name=name,
        command=[str(VENV_BIN / "rasa"), "run", "actions", "--actions", "actions",
                 "--port", str(port)],
        health_url=f"http://127.0.0.1:{port}/health", env=env,
        log_path=log_dir / f"{name}.log",
    )


async def _conversation(session, url: str, sender: str, messages: Sequence[str],  # type: ignore[no-untyped-def]
                        deadline: float, latencies: list[float], errors: list[str],
                        replies: list | None) -> None:
    """One citizen: sends its messages back-to-back, each after the previous reply."""
    for text in messages:
        if time.monotonic() > deadline:
            return
        started = time.perf_counter()
        try:
            async with session.post(url, json={"sender": sender, "message": text}) as response:
                body = await response.json(content_type=None)
                if response.status != 200 or not isinstance(body, list):
                    errors.append(f"{response.status}: {str(body)[:100]}")
                    continue
                if replies is not None:
                    replies.append({"message": text,
                                    "reply": [part.get("text") for part in body]})
        except Exception as error:  # noqa: BLE001 - every failure counts as an error
            errors.append(repr(error)[:200])
            continue
        latencies.append(time.perf_counter() - started)


async def _round(url: str, conversations: int, per_conversation: int,
                 messages: Sequence[str], tag: str, time_limit_s: float,
                 replies: list | None) -> tuple[Round, list]:
    import aiohttp

    latencies: list[float] = []
    errors: list[str] = []
    timeout = aiohttp.ClientTimeout(total=120)
    connector = aiohttp.TCPConnector(limit=conversations)
    async with aiohttp.ClientSession(timeout=timeout, connector=connector) as session:
        started = time.monotonic()
        deadline = started + time_limit_s
        tasks = []
        for index in range(conversations):
            # Each conversation starts at a different message, so the 20 do not ask in lockstep.
            sequence = [messages[(index + k) % len(messages)] for k in range(per_conversation)]
            sender = f"bench-{tag}-{os.getpid()}-{index}-{time.monotonic_ns()}"
            tasks.append(_conversation(session, url, sender, sequence, deadline, latencies,
                                       errors, replies))
        await asyncio.gather(*tasks)
        wall = time.monotonic() - started
    return Round(latencies=latencies, wall_s=wall, errors=len(errors)), errors


def run_round(url: str, conversations: int, per_conversation: int,
              messages: Sequence[str], tag: str, time_limit_s: float,
              replies: list | None = None) -> tuple[Round, list]:
    """One round bounded by message count and by time; returns latencies and error texts.

    replies, if given, collects what the bot said (the warm-up keeps it, to check that the
    full stack really answered rather than falling back).
    """
    return asyncio.run(_round(url, conversations, per_conversation, messages, tag,
                              time_limit_s, replies))
