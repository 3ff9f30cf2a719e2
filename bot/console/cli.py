"""``python -m bot staff ...``: the console's accounts, from the command line.

The password is typed twice without echo when a person is at the terminal, or read as the
first line of standard input (scripts, ``printf '%s\\n' "$PW" | python -m bot staff add``),
never from the command line, where other users could see it in the process list.
"""

from __future__ import annotations

import argparse
import getpass
import sys

from bot.console.accounts import ROLES, AccountError, Accounts
from bot.logic.clock import BERLIN


def _who() -> str:
    """The audit log's name for a change made on the command line."""
    try:
        return f"cli:{getpass.getuser()}"
    except (KeyError, OSError):
        return "cli"


def read_password() -> str:
    if sys.stdin.isatty():
        first = getpass.getpass("Password: ")
        if getpass.getpass("Password again: ") != first:
            raise AccountError("the two passwords differ")
        return first
    return sys.stdin.readline().rstrip("\r\n")


def _add(args: argparse.Namespace) -> int:
    account = Accounts().add(args.name, args.role, read_password(), _who())
    print(f"added {account.name} ({account.role})")
    return 0


def _on_account(change: str, done: str):  # type: ignore[no-untyped-def]
    """A command that changes one existing account: ``change`` names the Accounts method,
    ``done`` what is printed ("{name}" filled in)."""

    def handler(args: argparse.Namespace) -> int:
        accounts = Accounts()
        method = getattr(accounts, change)
        extra = (read_password(),) if change == "set_password" else ()
        if not method(args.name, *extra, _who()):
            print(f"staff {args.staff_command}: no account {args.name!r}", file=sys.stderr)
            return 1
        print(done.format(name=args.name))
        return 0

    return handler


def _list(args: argparse.Namespace) -> int:
    accounts = Accounts().list()
    for account in accounts:
        last = (f"{account.last_login.astimezone(BERLIN):%Y-%m-%d %H:%M}"
                if account.last_login else "never")
        locked = (f", locked until {account.locked_until.astimezone(BERLIN):%H:%M}"
                  if account.locked_until else "")
        print(f"{account.name:<24} {account.role:<7} last login {last}{locked}")
    print(f"{len(accounts)} account{'' if len(accounts) == 1 else 's'}")
    return 0


def _guarded(handler):  # type: ignore[no-untyped-def]
    """Refusals and an unusable database are a message and exit status 1."""

    def run(args: argparse.Namespace) -> int:
        from bot.kb import KnowledgeBaseError

        try:
            return int(handler(args))
        except (AccountError, KnowledgeBaseError) as error:
            print(f"staff {args.staff_command}: {error}", file=sys.stderr)
            return 1

    return run


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``staff`` command to the parser built in bot/services/cli.py."""
    staff = subparsers.add_parser(
        "staff", help="accounts of the office console",
        description="Accounts of the office console: role office (requests, unanswered "
                    "questions, report) or editor (also the knowledge base).")
    commands = staff.add_subparsers(dest="staff_command", required=True)
    add = commands.add_parser("add", help="a new account (password asked for, or stdin)")
    add.add_argument("name")
    add.add_argument("--role", choices=ROLES, required=True)
    add.set_defaults(handler=_guarded(_add))
    for name, change, done, text in (
            ("remove", "remove", "removed {name}", "delete an account"),
            ("password", "set_password", "password of {name} changed; its sessions have ended",
             "set a new password (ends the account's sessions)"),
            ("unlock", "unlock", "unlocked {name}", "lift a lockout after failed logins")):
        command = commands.add_parser(name, help=text)
        command.add_argument("name")
        command.set_defaults(handler=_guarded(_on_account(change, done)))
    listing = commands.add_parser("list", help="every account with role and last login")
    listing.set_defaults(handler=_guarded(_list))
