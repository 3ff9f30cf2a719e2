"""Log-in and log-out.

A successful login starts a fresh session (everything an anonymous visitor had in it is
dropped) that remembers the account, the account's session epoch and the time; logging out
raises the epoch, so every copy of the session cookie stops working, not just this one.
"""

from __future__ import annotations

import time

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from bot.console.accounts import Outcome
from bot.console.app import console_of, flash, render, run, staff_only, who
from bot.console.forms import ActionForm, LoginForm, blank, posted


def safe_next(target: str | None) -> str:
    """Only a path of this console (never another site) after the login."""
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return "/requests"


async def login(request: Request) -> Response:
    if request.method == "GET":
        if request.user.is_authenticated:
            return RedirectResponse(safe_next(request.query_params.get("next")), 303)
        form = blank(request, LoginForm, next=request.query_params.get("next", ""))
        return render(request, "login.html", form=form, failed=False)
    form, valid = await posted(request, LoginForm)
    if not valid:
        return render(request, "login.html", status_code=400, form=form, failed=False)
    console = console_of(request)
    result = await run(console.accounts.login, form.name.data, form.password.data)
    if result.outcome is not Outcome.OK or result.account is None:
        form.password.data = ""
        return render(request, "login.html", status_code=401, form=form, failed=True,
                      limit=console.settings.max_failed_logins,
                      minutes=console.settings.lockout_minutes)
    language = request.session.get("lang")
    request.session.clear()
    request.session.update({"staff": result.account.name, "epoch": result.account.session_epoch,
                            "since": time.time()})
    if language:
        request.session["lang"] = language
    return RedirectResponse(safe_next(form.next.data), 303)


@staff_only()
async def logout(request: Request) -> Response:
    await posted(request, ActionForm)
    await run(console_of(request).accounts.logout, who(request))
    language = request.session.get("lang")
    request.session.clear()
    if language:
        request.session["lang"] = language
    flash(request, "login.logged_out")
    return RedirectResponse("/login", 303)


@staff_only()
async def home(request: Request) -> Response:
    return RedirectResponse("/requests", 303)


@staff_only("editor")
async def audit(request: Request) -> Response:
    entries = await run(console_of(request).staff.audit_log, 300)
    return render(request, "audit.html", entries=entries)


ROUTES = [
    Route("/", home),
    Route("/login", login, methods=["GET", "POST"]),
    Route("/logout", logout, methods=["POST"]),
    Route("/audit", audit),
]
