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


def _purge(args: argparse.Namespace) -> int:
    """``purge`` and its older name ``trackers purge``: every table with citizen text."""
    from bot.kb import KnowledgeBaseError
    from bot.services.retention import (
        RetentionError,
        describe,
        parse_age,
        purge_by_table,
        retention_days,
        tracker_store_url,
    )

    try:
        days = args.days if args.older_than is None else parse_age(args.older_than)
        days = retention_days() if days is None else days
        deleted = purge_by_table(args.endpoints, days)
        store = describe(tracker_store_url(args.endpoints))
    except ValueError as error:
        print(f"purge: {error}", file=sys.stderr)
        return 2
    except (RetentionError, KnowledgeBaseError) as error:
        print(f"purge: {error}", file=sys.stderr)
        return 1
    details = ", ".join(f"{name}: {count}" for name, count in deleted.items())
    print(f"{store}: deleted {sum(deleted.values())} records older than {days} days "
          f"({details})")
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


def _office():  # type: ignore[no-untyped-def]
    from bot.kb import OfficeRecords

    return OfficeRecords()


def _request_line(request) -> str:  # type: ignore[no-untyped-def]
    from bot.logic.clock import BERLIN

    question = " ".join(request.question.split())
    if len(question) > 60:
        question = question[:57] + "..."
    return (f"#{request.id:<5} {request.created.astimezone(BERLIN):%Y-%m-%d %H:%M}  "
            f"{request.status:<4}  {request.language}  {request.email:<30}  {question}")


def _requests_list(args: argparse.Namespace) -> int:
    found = _office().requests(status=None if args.status == "all" else args.status)
    for request in found:
        print(_request_line(request))
    print(f"{len(found)} {'' if args.status == 'all' else args.status + ' '}"
          f"request{'' if len(found) == 1 else 's'}")
    return 0


def _requests_show(args: argparse.Namespace) -> int:
    from bot.logic.handoff import describe_request

    request = _office().request(args.number)
    if request is None:
        print(f"requests show: no request #{args.number}", file=sys.stderr)
        return 1
    print(describe_request(request))
    return 0


def _requests_done(args: argparse.Namespace) -> int:
    office = _office()
    missing = 0
    for number in args.numbers:
        before = office.request(number)
        if before is None:
            print(f"requests done: no request #{number}", file=sys.stderr)
            missing += 1
            continue
        after = office.mark_done(number)
        state = "already done" if before.status == "done" else "marked done"
        print(f"#{number}: {state} ({after.done_at:%Y-%m-%d %H:%M} UTC)")
    return 1 if missing else 0


def _cell(value: object) -> object:
    """A CSV cell: times in ISO 8601 (UTC), nothing as empty."""
    if value is None:
        return ""
    return value.isoformat() if hasattr(value, "isoformat") else value


EXPORT_FIELDS = ("id", "created", "status", "language", "email", "question", "done_at",
                 "sender_id")


def _requests_export(args: argparse.Namespace) -> int:
    import csv

    found = _office().requests(status=None if args.status == "all" else args.status)
    with open(args.file, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(EXPORT_FIELDS)
        for request in found:
            writer.writerow([_cell(getattr(request, name)) for name in EXPORT_FIELDS])
    print(f"wrote {len(found)} requests to {args.file}")
    return 0


def _guard_office(handler):  # type: ignore[no-untyped-def]
    """A database that cannot be reached is a message and exit status 1, not a traceback."""

    def run(args: argparse.Namespace) -> int:
        from bot.kb import KnowledgeBaseError

        try:
            return int(handler(args) or 0)
        except KnowledgeBaseError as error:
            print(f"error: {error}", file=sys.stderr)
            return 1

    return run


def _day(text: str):  # type: ignore[no-untyped-def]
    from datetime import date

    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date (YYYY-MM-DD)") from None


def _report(args: argparse.Namespace) -> int:
    from bot.logic.clock import now
    from bot.services.report import collect, write_report
    from bot.services.retention import RetentionError

    until = args.until or now().date()
    if until < args.since:
        print("report: --until is before --since", file=sys.stderr)
        return 2
    try:
        figures = collect(args.since, until, args.endpoints)
    except RetentionError as error:
        print(f"report: {error}", file=sys.stderr)
        return 1
    paths = write_report(figures, args.out)
    print(f"report for {args.since} to {until}: {figures.conversations} conversations, "
          f"{figures.messages} messages -> {paths[0]}")
    for path in paths[1:]:
        print(f"  {path}")
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

    from bot.console import cli as staff_cli

    staff_cli.register(commands)

    from bot.services.retention import DAYS_VARIABLE, DEFAULT_DAYS, ENDPOINTS

    def endpoints_option(command: argparse.ArgumentParser) -> None:
        command.add_argument("--endpoints", type=Path, default=ENDPOINTS,
                             help="Rasa endpoints file naming the tracker store "
                                  "(default: %(default)s)")

    trackers_parser = commands.add_parser("trackers", help="conversation store")
    trackers_commands = trackers_parser.add_subparsers(dest="trackers_command", required=True)
    purge_parser = trackers_commands.add_parser(
        "purge", help="the same as `purge` (kept for existing cron entries)")
    endpoints_option(purge_parser)
    purge_parser.add_argument("--days", type=int, default=None,
                              help=f"default: {DAYS_VARIABLE} or {DEFAULT_DAYS}")
    purge_parser.set_defaults(handler=_purge, older_than=None)

    purge_all = commands.add_parser(
        "purge", help="delete conversations, unanswered questions and done contact requests "
                      "older than the retention period")
    purge_all.add_argument("--older-than", metavar="AGE", default=None,
                           help=f"e.g. 90d or 12w (default: {DAYS_VARIABLE} days, "
                                f"or {DEFAULT_DAYS})")
    endpoints_option(purge_all)
    purge_all.set_defaults(handler=_purge, days=None)

    requests_parser = commands.add_parser(
        "requests", help="citizens' contact requests for the office")
    requests_commands = requests_parser.add_subparsers(dest="requests_command", required=True)
    listing = requests_commands.add_parser("list", help="one line per request, oldest first")
    listing.add_argument("--status", choices=("open", "done", "all"), default="open")
    listing.set_defaults(handler=_guard_office(_requests_list))
    show = requests_commands.add_parser("show", help="one request in full")
    show.add_argument("number", type=int)
    show.set_defaults(handler=_guard_office(_requests_show))
    done = requests_commands.add_parser("done", help="mark requests as answered")
    done.add_argument("numbers", type=int, nargs="+", metavar="number")
    done.set_defaults(handler=_guard_office(_requests_done))
    export = requests_commands.add_parser("export", help="write requests to a CSV file")
    export.add_argument("file", type=Path, metavar="CSV")
    export.add_argument("--status", choices=("open", "done", "all"), default="all")
    export.set_defaults(handler=_guard_office(_requests_export))

    from bot.services.report import DEFAULT_OUT

    report = commands.add_parser(
        "report", help="report for the contact office (HTML with charts, and CSV files)")
    report.add_argument("--since", type=_day, required=True, metavar="DATE",
                        help="first day, YYYY-MM-DD (Berlin time)")
    report.add_argument("--until", type=_day, default=None, metavar="DATE",
                        help="last day, included (default: today)")
    report.add_argument("--out", type=Path, default=DEFAULT_OUT,
                        help="folder for report.html and the CSV files (default: %(default)s)")
    endpoints_option(report)
    report.set_defaults(handler=_guard_office(_report))

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
