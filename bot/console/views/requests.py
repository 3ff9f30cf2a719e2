"""Contact requests: open and done lists with filters, one request in full, mark done.

The reply goes out from the office's own mail program: the page offers a ``mailto:`` link
with the citizen's address, a subject naming the request and the question quoted, in the
request's language.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from urllib.parse import quote

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from bot.console.app import console_of, flash, render, run, staff_only, who
from bot.console.conversation import conversation_of
from bot.console.forms import ActionForm, blank, posted
from bot.console.i18n import translator
from bot.kb.records import ContactRequest
from bot.logic.clock import BERLIN

STATUSES = ("open", "done", "all")


def day(text: str | None) -> date | None:
    """A filter's date (YYYY-MM-DD); anything else counts as not given."""
    try:
        return date.fromisoformat(text) if text else None
    except ValueError:
        return None


def berlin_start(value: date | None) -> datetime | None:
    return None if value is None else datetime.combine(value, datetime.min.time(), BERLIN)


def mailto(request: ContactRequest) -> str:
    """A reply in the office's mail program: address, subject and the question quoted."""
    t = translator(request.language)
    quoted = "\n".join(f"> {line}" for line in request.question.splitlines())
    subject = t("mail.subject", number=request.id)
    body = t("mail.body", question=quoted)
    return (f"mailto:{quote(request.email, safe='@')}?subject={quote(subject, safe='')}"
            f"&body={quote(body, safe='')}")


@staff_only()
async def listing(request: Request) -> Response:
    query = request.query_params
    status = query.get("status") if query.get("status") in STATUSES else "open"
    language = query.get("language") if query.get("language") in ("de", "en") else ""
    since, until = day(query.get("since")), day(query.get("until"))
    found = await run(console_of(request).office.requests,
                      None if status == "all" else status, berlin_start(since),
                      berlin_start(until + timedelta(days=1)) if until else None)
    if language:
        found = [r for r in found if r.language == language]
    return render(request, "requests.html", requests=found, status=status, language=language,
                  since=since, until=until, form=blank(request, ActionForm))


def _number(request: Request) -> int:
    return int(request.path_params["number"])


@staff_only()
async def detail(request: Request) -> Response:
    console = console_of(request)
    found = await run(console.office.request, _number(request))
    if found is None:
        raise HTTPException(404)
    turns = await run(conversation_of, found.sender_id, found.created,
                      console.settings.endpoints)
    return render(request, "request.html", item=found, turns=turns, mailto=mailto(found),
                  form=blank(request, ActionForm))


@staff_only()
async def mark_done(request: Request) -> Response:
    await posted(request, ActionForm)
    console = console_of(request)
    number = _number(request)
    before = await run(console.office.request, number)
    if before is None:
        raise HTTPException(404)
    if before.status == "open":
        await run(console.office.mark_done, number)
        await run(console.staff.audit, who(request), "request marked done", f"#{number}")
    flash(request, "requests.marked_done", number=number)
    return RedirectResponse(f"/requests/{number}", 303)


ROUTES = [
    Route("/requests", listing),
    Route("/requests/{number:int}", detail),
    Route("/requests/{number:int}/done", mark_done, methods=["POST"]),
]
