"""The knowledge base for editors: how fresh each record is, the to-do of missing facts, and
forms for tours and closure days.

Freshness is read from the editorial files (the single source), with a note when the
database does not hold them yet. A save goes through bot/kb/editing.py: the same validation
as ``kb check``, the file written atomically and loaded in one transaction under a lock, so
the assistant answers with the new date at once, without retraining.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import Any

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from bot.console.app import console_of, flash, render, run, staff_only, who
from bot.console.forms import ActionForm, blank, posted, record_form
from bot.console.i18n import messages
from bot.kb import KnowledgeBaseError
from bot.kb.database import is_current
from bot.kb.editing import EDITABLE, edit_lock, editable_section, find, identity, save_record
from bot.kb.fields import WEEKDAYS
from bot.kb.loader import content_hash, load_directory
from bot.kb.records import SECTIONS, KnowledgeBase
from bot.logic.clock import now
from bot.logic.report import group_unanswered

FORMS = {name: record_form(record) for name, record in EDITABLE.items()}
_FIELD_ERROR = re.compile(r'field "(?P<field>\w+)": (?P<message>.*)$')


def months_before(day: date, months: int) -> date:
    """The same day ``months`` earlier (the month's last day where it has fewer)."""
    year, month = divmod(day.year * 12 + day.month - 1 - months, 12)
    for candidate in range(day.day, 0, -1):
        try:
            return date(year, month + 1, candidate)
        except ValueError:
            continue
    raise ValueError(day)  # pragma: no cover - day 1 always exists


def label_of(record: Any) -> str:
    """What an editor recognises a record by."""
    for name in ("name_de", "reason_de", "office_de"):
        if hasattr(record, name):
            return str(getattr(record, name))
    if hasattr(record, "weekday"):
        return WEEKDAYS[record.weekday]
    if hasattr(record, "start"):
        return f"{record.date:%d.%m.%Y} {record.start:%H:%M}-{record.end:%H:%M}, {record.mode}"
    return str(getattr(record, "key", ""))


@dataclass(frozen=True)
class Row:
    section: str
    key: str
    label: str
    source: str
    as_of: date
    stale: bool
    editable: bool


@dataclass(frozen=True)
class Freshness:
    rows: list[Row]
    cutoff: date
    next_tour: Any
    last_tour: Any
    loaded: bool
    todo: list[Any]


def freshness(request: Request) -> Freshness:
    console = console_of(request)
    settings = console.settings
    with edit_lock(settings.kb_dir):
        kb = load_directory(settings.kb_dir)
        loaded = is_current(content_hash(settings.kb_dir), settings.db_url)
    today = now().date()
    cutoff = months_before(today, settings.stale_months)
    rows = [Row(section.name, identity(section, record) if section.record.identity else "",
                label_of(record), record.source, record.as_of, record.as_of < cutoff,
                section.name in EDITABLE)
            for section in SECTIONS for record in section.records(kb)]
    tours = sorted(kb.tours, key=lambda tour: (tour.date, tour.start))
    ahead = [tour for tour in tours if tour.date >= today]
    return Freshness(rows, cutoff, ahead[0] if ahead else None, tours[-1] if tours else None,
                     loaded, missing_facts(request))


def missing_facts(request: Request) -> list[Any]:
    """Groups of questions labelled "missing fact": the knowledge base's to-do."""
    console = console_of(request)
    labels = [label for label in console.staff.labels() if label.label == "missing_fact"]
    questions = console.office.unanswered_by_id(label.question_id for label in labels)
    return group_unanswered(questions)


@staff_only("editor")
async def overview(request: Request) -> Response:
    try:
        state = await run(freshness, request)
    except KnowledgeBaseError as error:
        return render(request, "kb.html", status_code=500, state=None, errors=error.errors)
    return render(request, "kb.html", state=state, errors=[],
                  stale_months=console_of(request).settings.stale_months)


def _section(request: Request) -> str:
    name = request.path_params["section"]
    if name not in EDITABLE:
        raise HTTPException(404)
    return name


def _current(request: Request, section_name: str, key: str) -> Any:
    kb: KnowledgeBase = load_directory(console_of(request).settings.kb_dir)
    record = find(kb, editable_section(section_name), key)
    if record is None:
        raise HTTPException(404)
    return record


def _values(record: Any) -> dict[str, Any]:
    """A record's fields as the form shows them (as written in the file)."""
    values = {}
    for name, field in record.__pydantic_model__.__fields__.items():
        value = getattr(record, name)
        values[name] = "" if value is None else str(field.type_.export(value))
    return values


def _form_page(request: Request, section: str, form: Any, key: str | None,
               errors: list[str] | None = None, status: int = 200) -> Response:
    field_errors: dict[str, list[str]] = {}
    general: list[str] = []
    for error in errors or []:
        match = _FIELD_ERROR.search(error)
        if match and match["field"] in form:
            field_errors.setdefault(match["field"], []).append(match["message"])
        else:
            general.append(error)
    hints = {name for name in messages() if name.startswith("hint.")}
    return render(request, "kb_form.html", status_code=status, section=section, form=form, key=key,
                  field_errors=field_errors, general=general, hints=hints)


@staff_only("editor")
async def edit(request: Request) -> Response:
    section = _section(request)
    key = request.path_params.get("key")
    form_class = FORMS[section]
    if request.method == "GET":
        if key is None:
            form = blank(request, form_class, as_of=now().date().isoformat())
        else:
            form = blank(request, form_class, **_values(await run(_current, request, section,
                                                                  key)))
        return _form_page(request, section, form, key)
    form, _ = await posted(request, form_class)
    raw = {name: field.data.strip() for name, field in form._fields.items()
           if name != "csrf_token" and isinstance(field.data, str) and field.data.strip()}
    settings = console_of(request).settings
    try:
        saved = await run(save_record, settings.kb_dir, section, raw, key, settings.db_url)
    except KnowledgeBaseError as error:
        return _form_page(request, section, form, key, error.errors, status=422)
    marker = raw.get(editable_section(section).record.identity, key)
    await run(console_of(request).staff.audit, who(request),
              "record added" if key is None else "record changed", f"{section} {marker}")
    flash(request, "kb.saved", count=len(getattr(saved, section)))
    return RedirectResponse("/kb", 303)


@staff_only("editor")
async def delete(request: Request) -> Response:
    section = _section(request)
    key = request.path_params["key"]
    if request.method == "GET":
        record = await run(_current, request, section, key)
        return render(request, "kb_delete.html", section=section, key=key,
                      label=label_of(record), form=blank(request, ActionForm))
    await posted(request, ActionForm)
    settings = console_of(request).settings
    try:
        await run(save_record, settings.kb_dir, section, None, key, settings.db_url)
    except KnowledgeBaseError as error:
        return render(request, "kb_delete.html", status_code=422, section=section, key=key,
                      label=key, form=blank(request, ActionForm), errors=error.errors)
    await run(console_of(request).staff.audit, who(request), "record deleted",
              f"{section} {key}")
    flash(request, "kb.deleted")
    return RedirectResponse("/kb", 303)


ROUTES = [
    Route("/kb", overview),
    Route("/kb/{section}/new", edit, methods=["GET", "POST"]),
    Route("/kb/{section}/{key}/edit", edit, methods=["GET", "POST"]),
    Route("/kb/{section}/{key}/delete", delete, methods=["GET", "POST"]),
]

