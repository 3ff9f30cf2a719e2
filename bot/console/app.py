"""The console as a Starlette application: middleware, log-in state, rendering, routes.

What the framework and libraries do, and nothing hand-written in their place:

- sessions: Starlette's ``SessionMiddleware`` (a cookie signed by itsdangerous with the
  console's secret; ``HttpOnly``, ``SameSite=Strict``, ``Secure`` behind TLS; its max age is
  the idle timeout, renewed with every response);
- who is logged in: Starlette's ``AuthenticationMiddleware`` with :class:`StaffBackend`,
  which also ends a session whose account was removed, logged out elsewhere or locked
  (``session_epoch``), or that is older than :data:`MAX_SESSION_HOURS`;
- CSRF: WTForms' ``SessionCSRF`` on every POST form (bot/console/forms.py);
- passwords: argon2-cffi (bot/console/accounts.py).

Every page needs a session: without one, any URL (unknown ones too) redirects to the login
page. Pages of the knowledge base and the audit log need the role *editor* (403 otherwise).
Responses carry the page server's security headers (bot/services/web.py) and are not
cached; only hosts the operator named are served.
"""

from __future__ import annotations

import functools
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

from starlette.applications import Starlette
from starlette.authentication import (
    AuthCredentials,
    AuthenticationBackend,
    BaseUser,
)
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.middleware.authentication import AuthenticationMiddleware
from starlette.middleware.sessions import SessionMiddleware
from starlette.requests import HTTPConnection, Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.templating import Jinja2Templates
from starlette.types import ASGIApp, Receive, Scope, Send

from bot.console.accounts import Accounts
from bot.console.forms import ActionForm, blank
from bot.console.i18n import LANGUAGES, preferred, translator
from bot.console.settings import ConsoleSettings
from bot.kb import OfficeRecords
from bot.kb.records import StaffAccount
from bot.kb.staff import StaffRecords
from bot.logic.clock import BERLIN
from bot.logic.redaction import redact
from bot.services.web import HostCheck, SecurityHeaders, security_headers

HERE = Path(__file__).parent
COOKIE = "smartcity_console"
#: A session ends this long after the login, however active it is.
MAX_SESSION_HOURS = 12

Endpoint = Callable[[Request], Awaitable[Response]]


@dataclass(frozen=True)
class Console:
    """What every page uses, made once per application."""

    settings: ConsoleSettings
    accounts: Accounts
    staff: StaffRecords
    office: OfficeRecords
    templates: Jinja2Templates


# -- middleware ---------------------------------------------------------------------------------
class StaffUser(BaseUser):
    def __init__(self, account: StaffAccount) -> None:
        self.account = account

    @property
    def is_authenticated(self) -> bool:
        return True

    @property
    def display_name(self) -> str:
        return self.account.name


class StaffBackend(AuthenticationBackend):
    """The account named in the session, if the session is still good for it."""

    def __init__(self, staff: StaffRecords) -> None:
        self.staff = staff

    async def authenticate(self, conn: HTTPConnection) -> tuple[AuthCredentials, BaseUser] | None:
        session = conn.session
        name = session.get("staff")
        if not isinstance(name, str):
            return None
        too_old = time.time() - float(session.get("since", 0)) > MAX_SESSION_HOURS * 3600
        account = None if too_old else await run_in_threadpool(self.staff.account, name)
        if account is None or account.session_epoch != session.get("epoch"):
            for key in ("staff", "epoch", "since"):
                session.pop(key, None)
            return None
        scopes = ["authenticated", "office"] + (["editor"] if account.role == "editor" else [])
        return AuthCredentials(scopes), StaffUser(account)


class Language:
    """The page's language: ``?lang=`` (remembered in the session), else the browser's."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            request = Request(scope)
            asked = request.query_params.get("lang")
            if asked in LANGUAGES:
                request.session["lang"] = asked
            language = request.session.get("lang")
            scope.setdefault("state", {})["language"] = (
                language if language in LANGUAGES
                else preferred(request.headers.get("accept-language")))
        await self.app(scope, receive, send)


def staff_headers(scope: Scope) -> dict[str, str]:
    """The page server's headers (CSP without inline code, no framing, no referrer,
    nosniff), and ``no-store``: staff pages hold personal data."""
    return {**security_headers(None), "Cache-Control": "no-store"}


# -- helpers for the pages ----------------------------------------------------------------------
def console_of(request: Request) -> Console:
    return request.app.state.console  # type: ignore[no-any-return]


def to_login(request: Request) -> RedirectResponse:
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return RedirectResponse(f"/login?next={quote(target, safe='')}", 303)


def staff_only(scope: str = "office") -> Callable[[Endpoint], Endpoint]:
    """A page for logged-in staff with ``scope`` (office or editor): without a session a
    redirect to the login, without the role 403."""

    def decorate(endpoint: Endpoint) -> Endpoint:
        @functools.wraps(endpoint)
        async def page(request: Request) -> Response:
            if not request.user.is_authenticated:
                return to_login(request)
            if scope not in request.auth.scopes:
                raise HTTPException(403)
            return await endpoint(request)

        page.scope = scope  # type: ignore[attr-defined]  (tests list every page's role)
        return page

    return decorate


def who(request: Request) -> str:
    return request.user.display_name  # type: ignore[no-any-return]


def render(request: Request, template: str, status_code: int = 200, **context: Any) -> Response:
    """A page in the request's language, with the navigation and any flash message."""
    console = console_of(request)
    language = request.state.language
    user = request.user if request.user.is_authenticated else None
    flashes = request.session.pop("flash", []) if "session" in request.scope else []
    # A token for the buttons every page has (log out, mark done, delete).
    token = blank(request, ActionForm).csrf_token.current_token if user else ""
    return console.templates.TemplateResponse(request, template, {
        "t": translator(language), "lang": language, "user": user,
        "editor": user is not None and "editor" in request.auth.scopes,
        "flashes": flashes, "path": request.url.path, "csrf": token, **context,
    }, status_code=status_code)


def flash(request: Request, key: str, **values: object) -> None:
    """A message shown on the next page (``key`` in messages.yml)."""
    request.session.setdefault("flash", []).append(
        translator(request.state.language)(key, **values))


async def run(function: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """Blocking work (database, files, charts) off the event loop."""
    return await run_in_threadpool(function, *args, **kwargs)


# -- errors -------------------------------------------------------------------------------------
async def http_error(request: Request, error: Exception) -> Response:
    """Error pages; without a session every URL, also an unknown one, leads to the login."""
    status = getattr(error, "status_code", 500)
    if status == 404 and not request.user.is_authenticated:
        return to_login(request)
    reason = ("csrf" if getattr(error, "detail", "") == "csrf"
              else str(status) if status in (400, 403, 404, 405) else "other")
    return render(request, "error.html", status_code=status, reason=reason)


# -- the application ----------------------------------------------------------------------------
def routes() -> list[Route | Mount]:
    from bot.console.views import auth, kb, report, requests, unanswered

    return [
        *auth.ROUTES, *requests.ROUTES, *unanswered.ROUTES, *report.ROUTES, *kb.ROUTES,
        Mount("/static", StaticFiles(directory=HERE / "static"), name="static"),
    ]


def create_app(settings: ConsoleSettings) -> Starlette:
    templates = Jinja2Templates(directory=HERE / "templates")
    templates.env.globals["berlin"] = BERLIN
    # Citizens' text is stored redacted; shown through the redaction once more all the same.
    templates.env.filters["redact"] = redact
    console = Console(
        settings=settings,
        accounts=Accounts(settings.db_url, settings.max_failed_logins, settings.lockout),
        staff=StaffRecords(settings.db_url),
        office=OfficeRecords(settings.db_url),
        templates=templates,
    )
    app = Starlette(
        routes=routes(),
        middleware=[
            Middleware(SecurityHeaders, headers=staff_headers),
            Middleware(HostCheck, allowed=settings.allowed_hosts),
            Middleware(SessionMiddleware, secret_key=settings.secret, session_cookie=COOKIE,
                       max_age=settings.session_minutes * 60, same_site="strict",
                       https_only=settings.secure_cookie),
            Middleware(Language),
            Middleware(AuthenticationMiddleware, backend=StaffBackend(console.staff)),
        ],
        exception_handlers={HTTPException: http_error},
    )
    app.state.console = console
    return app
