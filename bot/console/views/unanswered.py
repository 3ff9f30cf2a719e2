"""Unanswered questions grouped by similarity; staff label a group, and export the labels as
NLU training files (bot/console/training.py).

Groups are made anew on every view (bot/logic/report.py's grouping), so a label belongs to
the questions of the group as it was shown, not to the group: a question that arrives later
starts unlabelled even when it joins a labelled group, and the page says so.
"""

from __future__ import annotations

from datetime import date, timedelta
from functools import cache
from pathlib import Path

import yaml
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from bot.console.app import console_of, flash, render, run, staff_only, who
from bot.console.forms import LabelForm, blank, posted
from bot.console.training import nlu_file
from bot.console.views.requests import berlin_start, day
from bot.kb.records import QuestionLabel, UnansweredQuestion
from bot.logic.clock import now
from bot.logic.report import UnansweredGroup, group_unanswered

#: Period shown when none is chosen: the last 30 days.
DEFAULT_DAYS = 30
#: Not offered as "should have been": they are no topics (out_of_scope has its own label).
NOT_TOPICS = frozenset({"nlu_fallback", "out_of_scope", "bad_input"})


@cache
def topic_intents(domain: Path) -> tuple[str, ...]:
    """The assistant's intents from domain.yml (read as YAML; no Rasa needed)."""
    data = yaml.safe_load(domain.read_text(encoding="utf-8"))
    names = [next(iter(item)) if isinstance(item, dict) else str(item)
             for item in data.get("intents", [])]
    return tuple(sorted(name for name in names if name not in NOT_TOPICS))


def period(request: Request) -> tuple[date, date]:
    today = now().date()
    until = day(request.query_params.get("until")) or today
    since = day(request.query_params.get("since")) or until - timedelta(days=DEFAULT_DAYS - 1)
    return (since, until) if since <= until else (until, since)


def grouped(request: Request, since: date, until: date) -> tuple[
        list[UnansweredGroup], dict[int, QuestionLabel]]:
    console = console_of(request)
    questions = console.office.unanswered(berlin_start(since),
                                          berlin_start(until + timedelta(days=1)))
    labels = {label.question_id: label
              for label in console.staff.labels([q.id for q in questions])}
    return group_unanswered(questions), labels


def group_label(group: UnansweredGroup, labels: dict[int, QuestionLabel]) -> tuple[
        QuestionLabel | None, int]:
    """The label the group's questions share (None if they do not all have one) and how
    many of them are labelled."""
    found = [labels.get(member.id) for member in group.members]
    given = [label for label in found if label is not None]
    kinds = {(label.label, label.intent) for label in given}
    return (given[0] if len(given) == len(found) and len(kinds) == 1 else None), len(given)


@staff_only()
async def listing(request: Request) -> Response:
    since, until = period(request)
    groups, labels = await run(grouped, request, since, until)
    console = console_of(request)
    rows = [(group, *group_label(group, labels)) for group in groups]
    return render(request, "unanswered.html", rows=rows, since=since, until=until,
                  intents=topic_intents(console.settings.domain),
                  form=blank(request, LabelForm), labelled=len(labels))


def _label(request: Request, form: LabelForm) -> int:
    console = console_of(request)
    try:
        numbers = sorted({int(part) for part in form.questions.data.split(",") if part})
    except ValueError:
        raise HTTPException(400) from None
    questions = console.office.unanswered_by_id(numbers)
    if not questions:
        raise HTTPException(404)
    ids = ", ".join(f"#{q.id}" for q in questions)
    if form.label.data == "none":
        console.staff.unlabel(q.id for q in questions)
        console.staff.audit(who(request), "label removed", ids)
    else:
        intent = form.intent.data if form.label.data == "intent" else None
        console.staff.label(questions, form.label.data, intent, who(request))
        console.staff.audit(who(request), "questions labelled", ids,
                            form.label.data + (f" {intent}" if intent else ""))
    return len(questions)


@staff_only()
async def label(request: Request) -> Response:
    form, valid = await posted(request, LabelForm)
    intents = topic_intents(console_of(request).settings.domain)
    if form.label.data == "intent" and form.intent.data not in intents:
        valid = False
        form.intent.errors = ["intent"]
    back = "/unanswered" + (f"?{request.url.query}" if request.url.query else "")
    if not valid:
        flash(request, "unanswered.label_invalid")
        return RedirectResponse(back, 303)
    count = await run(_label, request, form)
    flash(request, "unanswered.labelled", count=count)
    return RedirectResponse(back, 303)


def labelled_pairs(request: Request) -> list[tuple[QuestionLabel, UnansweredQuestion]]:
    console = console_of(request)
    labels = console.staff.labels()
    asked = console.office.unanswered_by_id(label.question_id for label in labels)
    questions = {question.id: question for question in asked}
    return [(label, questions[label.question_id]) for label in labels
            if label.question_id in questions
            and questions[label.question_id].asked == label.asked]


@staff_only()
async def export(request: Request) -> Response:
    language = request.path_params["language"]
    if language not in ("de", "en"):
        raise HTTPException(404)
    pairs = await run(labelled_pairs, request)
    text = nlu_file(pairs, language, who(request), now())
    await run(console_of(request).staff.audit, who(request), "training file exported", language)
    return Response(text, media_type="application/x-yaml; charset=utf-8", headers={
        "Content-Disposition": f'attachment; filename="nlu-from-console-{language}.yml"'})


ROUTES = [
    Route("/unanswered", listing),
    Route("/unanswered/label", label, methods=["POST"]),
    Route("/unanswered/export/{language}.yml", export),
]
