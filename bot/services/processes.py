"""Starting local services on spare ports and waiting for them (tests and benchmarks)."""

from __future__ import annotations

import socket
import subprocess
import time

import requests

# Ports of `make run` (Rasa, actions, web page): never handed out, a developer may be using them.
RESERVED_PORTS = {5005, 5055, 8080}


def free_port() -> int:
    """A free loopback port other than the ones `make run` uses."""
    while True:
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            port = sock.getsockname()[1]
        if port not in RESERVED_PORTS:
            return port


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
