"""Command line: ``python -m bot <command>`` (also installed as ``smartcity``)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path


def _spacy_build(args: argparse.Namespace) -> int:
    from bot.spacy_pipeline import build

    path = build(Path(args.path))
    print(f"built German spaCy pipeline in {path}")
    return 0


def _purge_trackers(args: argparse.Namespace) -> int:
    from bot.retention import purge

    deleted = purge(args.url, args.days)
    print(f"tracker store: deleted {deleted} events older than the retention period")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m bot", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)

    spacy_parser = commands.add_parser("spacy", help="German spaCy pipeline")
    spacy_commands = spacy_parser.add_subparsers(dest="spacy_command", required=True)
    build_parser_ = spacy_commands.add_parser("build", help="build the offline pipeline")
    build_parser_.add_argument("path", nargs="?", default="var/spacy/de_gera")
    build_parser_.set_defaults(handler=_spacy_build)

    from bot.kb import cli as kb_cli

    kb_cli.register(commands)

    trackers_parser = commands.add_parser("trackers", help="conversation store")
    trackers_commands = trackers_parser.add_subparsers(dest="trackers_command", required=True)
    purge_parser = trackers_commands.add_parser(
        "purge", help="delete conversation events older than the retention period")
    from bot.retention import DEFAULT_TRACKER_URL

    purge_parser.add_argument("--url", default=DEFAULT_TRACKER_URL)
    purge_parser.add_argument("--days", type=int, default=None,
                              help="default: SMARTCITY_RETENTION_DAYS or 30")
    purge_parser.set_defaults(handler=_purge_trackers)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return int(args.handler(args) or 0)


if __name__ == "__main__":
    sys.exit(main())
