"""Local services: spare ports and waiting for them (tests, benchmarks), and the small
supervisor of `make run` that restarts a crashed service instead of stopping all of them."""

from __future__ import annotations

import argparse
import shlex
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import requests

#: The office console's port when SMARTCITY_CONSOLE_PORT is not set (bot/console/settings.py).
CONSOLE_PORT = 8090
# Ports of `make run` (Rasa, actions, web page, office console): never handed out, a developer
# may be using them.
RESERVED_PORTS = {5005, 5055, 8080, CONSOLE_PORT}


def free_port() -> int:
    """A free loopback port other than the ones `make run` uses."""
    while True:
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            port = sock.getsockname()[1]
        if port not in RESERVED_PORTS:
            return port


def terminate(process: subprocess.Popen, grace: float) -> None:
    """SIGTERM ``process``, and SIGKILL it if it has not ended ``grace`` seconds later, so a
    server that hangs on shutdown cannot hang its caller too."""
    process.terminate()
    try:
        process.wait(timeout=grace)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def wait_for(url: str, seconds: float, process: subprocess.Popen) -> None:
    """Poll ``url`` until it answers 200; fail early if ``process`` died."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"process for {url} exited with {process.returncode}")
        try:
            if requests.get(url, timeout=2).status_code == 200:
                return
        except requests.RequestException:
            pass
        time.sleep(0.5)
    raise TimeoutError(f"{url} did not come up within {seconds}s")


# ---------------------------------------------------------------- supervision (`make run`)
#
# `make run` starts the action server, Rasa and the page server; one of them crashing must not
# take the other two down. Each service is restarted with a growing delay (1 s, 2 s, 4 s, ...
# at most 30 s; a run of 60 s resets it), so a crash loop neither spins nor gives up. The
# production topology uses supervisord instead (deploy/supervisord.conf); this is the small
# foreground equivalent for one machine, with the same Procfile format honcho and foreman read.


@dataclass(frozen=True)
class Service:
    """One supervised command (run without a shell, so signals reach it directly)."""

    name: str
    command: list[str]


@dataclass(frozen=True)
class Backoff:
    """Delay before the n-th restart in a row: ``first * factor**(n-1)``, at most ``longest``."""

    first: float = 1.0
    factor: float = 2.0
    longest: float = 30.0
    #: A run at least this long counts as healthy: the next crash starts from ``first`` again.
    stable: float = 60.0

    def delay(self, crashes: int) -> float:
        return min(self.longest, self.first * self.factor ** max(0, crashes - 1))


def read_procfile(path: Path) -> list[Service]:
    """``name: command`` lines (comments and blank lines ignored), commands split like a
    shell would split them, without running one."""
    services = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        name, sep, command = line.partition(":")
        if not sep or not name.strip().isidentifier() or not command.strip():
            raise ValueError(f"{path}:{number}: expected 'name: command'")
        services.append(Service(name.strip(), shlex.split(command)))
    if len({s.name for s in services}) != len(services):
        raise ValueError(f"{path}: service names must be unique")
    return services


@dataclass
class _Running:
    service: Service
    process: subprocess.Popen | None = None
    started: float = 0.0
    crashes: int = 0
    restart_at: float | None = None
    restarts: int = 0


class Supervisor:
    """Starts services, restarts each one that exits (with :class:`Backoff`), stops them all
    on SIGINT/SIGTERM. The others keep running while one is down."""

    def __init__(self, services: list[Service], backoff: Backoff | None = None,
                 stop_timeout: float = 20.0,
                 say: Callable[[str], None] | None = None) -> None:
        self.backoff = backoff or Backoff()
        self.stop_timeout = stop_timeout
        self.say = say or (lambda text: print(f">> {text}", file=sys.stderr, flush=True))
        self.running = {s.name: _Running(s) for s in services}
        self.stopping = False

    def _start(self, entry: _Running) -> None:
        entry.process = subprocess.Popen(entry.service.command)
        entry.started = time.monotonic()
        entry.restart_at = None

    def start(self) -> None:
        for entry in self.running.values():
            self._start(entry)

    def pid(self, name: str) -> int | None:
        process = self.running[name].process
        return process.pid if process and process.poll() is None else None

    def restarts(self, name: str) -> int:
        return self.running[name].restarts

    def step(self) -> None:
        """Notice exits, schedule restarts, carry out the ones that are due."""
        now = time.monotonic()
        for name, entry in self.running.items():
            if self.stopping:
                return
            if entry.process is not None and entry.restart_at is None:
                status = entry.process.poll()
                if status is None:
                    continue
                lived = now - entry.started
                entry.crashes = 1 if lived >= self.backoff.stable else entry.crashes + 1
                delay = self.backoff.delay(entry.crashes)
                entry.restart_at = now + delay
                self.say(f"{name} exited with status {status} after {lived:.0f} s; "
                         f"restarting in {delay:.0f} s (the other services keep running)")
            elif entry.restart_at is not None and now >= entry.restart_at:
                entry.restarts += 1
                self._start(entry)
                self.say(f"{name} restarted (pid {entry.process.pid})")  # type: ignore[union-attr]

    def stop(self) -> None:
        """SIGTERM to every service, SIGKILL to those still there after ``stop_timeout``."""
        self.stopping = True
        alive = [e.process for e in self.running.values()
                 if e.process is not None and e.process.poll() is None]
        for process in alive:
            process.terminate()
        deadline = time.monotonic() + self.stop_timeout
        for process in alive:
            try:
                process.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()

    def run(self, interval: float = 0.2) -> int:
        """Supervise in the foreground until SIGINT or SIGTERM."""

        def request_stop(_signum: int, _frame: object) -> None:
            self.stopping = True

        signal.signal(signal.SIGINT, request_stop)
        signal.signal(signal.SIGTERM, request_stop)
        self.start()
        while not self.stopping:
            self.step()
            time.sleep(interval)
        self.say("stopping " + ", ".join(self.running))
        self.stop()
        return 0


def main(argv: list[str] | None = None) -> int:
    """``python -m bot.services.processes PROCFILE``: supervise its services."""
    parser = argparse.ArgumentParser(description=main.__doc__)
    parser.add_argument("procfile", type=Path)
    args = parser.parse_args(argv)
    return Supervisor(read_procfile(args.procfile)).run()


if __name__ == "__main__":
    sys.exit(main())
