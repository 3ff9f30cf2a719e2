"""``python -m bot.console``: serve the console alone until interrupted, on the page's
hardened uvicorn (bot/services/hardening.py). `make run` serves it together with the chat
page in one process instead (``python -m bot.services.web --console``)."""

from __future__ import annotations

import argparse
import logging
import os
import socket
import sys
from pathlib import Path

from starlette.types import ASGIApp

from bot import ROOT
from bot.console.settings import HOST_VARIABLE, ConsoleSettings, SettingsError, console_port


def console(*, host: str | None = None, port: int | None = None, kb_dir: Path | None = None,
            endpoints: Path | None = None) -> tuple[list[socket.socket], ASGIApp]:
    """The console's sockets (``SMARTCITY_CONSOLE_HOST``/``_PORT`` unless given) and app.
    Raises ValueError (SettingsError) for unusable settings."""
    from bot.console.app import create_app
    from bot.services.web import bind, hosts_of

    settings = ConsoleSettings.from_environment(kb_dir=kb_dir, endpoints=endpoints)
    host = host or os.environ.get(HOST_VARIABLE) or "localhost"
    return bind(hosts_of(host), port or console_port()), create_app(settings)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bot.console", description=__doc__)
    parser.add_argument("--host", default=None,
                        help="address to bind (default: SMARTCITY_CONSOLE_HOST or loopback)")
    parser.add_argument("--port", type=int, default=None,
                        help="default: SMARTCITY_CONSOLE_PORT or 8090")
    parser.add_argument("--kb-dir", type=Path, default=ROOT / "data" / "kb",
                        help="the editorial files the forms write (default: %(default)s)")
    parser.add_argument("--endpoints", type=Path, default=ROOT / "endpoints.yml",
                        help="Rasa's endpoints.yml (its tracker store is read)")
    args = parser.parse_args(argv)
    try:
        served = console(host=args.host, port=args.port, kb_dir=args.kb_dir,
                         endpoints=args.endpoints)
    except (SettingsError, ValueError) as error:
        parser.error(str(error))
    from bot.services.web import serve

    logging.basicConfig(level=logging.INFO, format="console: %(message)s", stream=sys.stderr)
    serve([served])


if __name__ == "__main__":
    main()
