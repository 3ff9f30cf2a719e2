"""``python -m bot.console``: serve the console with uvicorn until interrupted."""

from __future__ import annotations

import argparse
import os
from pathlib import Path

from bot import ROOT
from bot.console.settings import HOST_VARIABLE, ConsoleSettings, SettingsError, console_port

#: At most this many requests at once (more get 503), idle connections closed after 5 s;
#: posted forms are limited in bot/console/forms.py.
LIMIT_CONCURRENCY = 64
KEEP_ALIVE_SECONDS = 5


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bot.console", description=__doc__)
    parser.add_argument("--host", default=os.environ.get(HOST_VARIABLE) or "localhost",
                        help="address to bind (default: loopback)")
    parser.add_argument("--port", type=int, default=None,
                        help="default: SMARTCITY_CONSOLE_PORT or 8090")
    parser.add_argument("--kb-dir", type=Path, default=ROOT / "data" / "kb",
                        help="the editorial files the forms write (default: %(default)s)")
    parser.add_argument("--endpoints", type=Path, default=ROOT / "endpoints.yml",
                        help="Rasa's endpoints.yml (its tracker store is read)")
    args = parser.parse_args(argv)
    try:
        port = args.port or console_port()
        settings = ConsoleSettings.from_environment(kb_dir=args.kb_dir,
                                                    endpoints=args.endpoints)
    except (SettingsError, ValueError) as error:
        parser.error(str(error))
    import uvicorn

    from bot.console.app import create_app

    uvicorn.run(create_app(settings), host=args.host, port=port, log_level="info",
                limit_concurrency=LIMIT_CONCURRENCY, timeout_keep_alive=KEEP_ALIVE_SECONDS,
                server_header=False, proxy_headers=False,
                # h11, and no WebSockets: the console needs none, and
                # uvicorn's WebSocket support needs a newer `websockets` than Rasa 3.6 allows.
                http="h11", ws="none")


if __name__ == "__main__":
    main()
