"""Command line: ``python -m bot <command>`` (also installed as ``smartcity``)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path


def _spacy_build(args: argparse.Namespace) -> int:
    from bot.services.spacy_pipeline import build

    path = build(Path(args.path))
    print(f"built German spaCy pipeline in {path}")
    return 0


def _purge_trackers(args: argparse.Namespace) -> int:
    from bot.services.retention import RetentionError, describe, purge, tracker_store_url

    try:
        deleted = purge(args.endpoints, args.days)
        store = describe(tracker_store_url(args.endpoints))
    except RetentionError as error:
        print(f"trackers purge: {error}", file=sys.stderr)
        return 1
    print(f"{store}: deleted {deleted} records older than the retention period")
    return 0


def _forget(args: argparse.Namespace) -> int:
    from bot.services.retention import RetentionError, describe, forget, tracker_store_url

    try:
        erased = forget(args.sender, args.endpoints)
        store = describe(tracker_store_url(args.endpoints))
    except ValueError as error:
        print(f"forget: {error}; give the conversation's sender id", file=sys.stderr)
        return 2
    except RetentionError as error:
        print(f"forget: {error}", file=sys.stderr)
        return 1
    print(f"{store}: erased {erased} records of sender {args.sender!r}")
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

    from bot.services.retention import DAYS_VARIABLE, DEFAULT_DAYS, ENDPOINTS

    def endpoints_option(command: argparse.ArgumentParser) -> None:
        command.add_argument("--endpoints", type=Path, default=ENDPOINTS,
                             help="Rasa endpoints file naming the tracker store "
                                  "(default: %(default)s)")

    trackers_parser = commands.add_parser("trackers", help="conversation store")
    trackers_commands = trackers_parser.add_subparsers(dest="trackers_command", required=True)
    purge_parser = trackers_commands.add_parser(
        "purge", help="delete conversation events older than the retention period")
    endpoints_option(purge_parser)
    purge_parser.add_argument("--days", type=int, default=None,
                              help=f"default: {DAYS_VARIABLE} or {DEFAULT_DAYS}")
    purge_parser.set_defaults(handler=_purge_trackers)

    forget_parser = commands.add_parser(
        "forget", help="erase one conversation (GDPR Art. 17) by its sender id")
    forget_parser.add_argument("sender", help="the conversation's sender id")
    endpoints_option(forget_parser)
    forget_parser.set_defaults(handler=_forget)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return int(args.handler(args) or 0)


if __name__ == "__main__":
    sys.exit(main())
