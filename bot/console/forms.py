"""The console's forms, on WTForms: every form that changes something carries a CSRF token.

The token is WTForms' ``SessionCSRF``: a random value kept in the (signed) session plus an
HMAC with the console's secret and an expiry, checked on every POST. A POST whose token is
missing, wrong or expired is refused with 403 before anything else is looked at
(:func:`posted`). The knowledge-base forms are built from the record classes, so their fields
are the schema's fields; the values are then checked by the schema itself (bot/kb/editing.py).
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from starlette.exceptions import HTTPException
from starlette.requests import Request
from wtforms import Form, HiddenField, PasswordField, RadioField, SelectField, StringField
from wtforms.csrf.session import SessionCSRF
from wtforms.validators import DataRequired, Length

from bot.kb.fields import Choice, ClockTime, Day

#: Limits of a posted form (the KB forms are the largest: a dozen short fields).
MAX_FIELDS = 64
MAX_PART_BYTES = 16 * 1024


class ConsoleForm(Form):
    """Base of every form: CSRF through the session."""

    class Meta:
        csrf = True
        csrf_class = SessionCSRF
        csrf_field_name = "csrf_token"


def meta(request: Request) -> dict[str, Any]:
    """CSRF secret, the session that keeps the token, its lifetime, and the page's language
    for WTForms' own messages."""
    console = request.app.state.console
    return {
        "csrf_secret": console.settings.secret.encode(),
        "csrf_context": request.session,
        "csrf_time_limit": timedelta(minutes=console.settings.session_minutes),
        "locales": [request.state.language],
    }


def blank(request: Request, form_class: type[Form], **data: Any) -> Any:
    """A form to show (its token is made and kept in the session now)."""
    return form_class(meta=meta(request), data=data or None)


async def posted(request: Request, form_class: type[Form]) -> tuple[Any, bool]:
    """The posted form and whether it is valid; 403 when the CSRF token does not hold."""
    data = await request.form(max_files=0, max_fields=MAX_FIELDS, max_part_size=MAX_PART_BYTES)
    form = form_class(data, meta=meta(request))
    valid = form.validate()
    if form.csrf_token.errors:
        raise HTTPException(403, "csrf")
    return form, valid


class ActionForm(ConsoleForm):
    """A button that changes something (mark done, log out, delete): only the token."""


class LoginForm(ConsoleForm):
    name = StringField("name", [DataRequired(), Length(max=64)])
    password = PasswordField("password", [DataRequired(), Length(max=1024)])
    next = HiddenField("next")


LABELS = ("intent", "out_of_scope", "missing_fact", "none")


class LabelForm(ConsoleForm):
    """Label the questions of one group (``questions``: their numbers, comma-separated)."""

    questions = HiddenField("questions", [DataRequired()])
    label = RadioField("label", [DataRequired()], choices=[(k, k) for k in LABELS])
    intent = SelectField("intent", choices=[], validate_choice=False)


def record_form(record: type) -> type[ConsoleForm]:
    """A form with one field per field of the record class (the schema's own names)."""
    fields: dict[str, Any] = {"input_types": {}, "required": set()}
    for name, field in record.__pydantic_model__.__fields__.items():  # type: ignore[attr-defined]
        value_type = field.type_
        if isinstance(value_type, type) and issubclass(value_type, Choice):
            fields[name] = SelectField(name, choices=[(c, c) for c in value_type.choices])
        else:
            fields[name] = StringField(name)
        fields["input_types"][name] = _input_type(value_type)
        if field.required:
            fields["required"].add(name)
    return type(f"{record.__name__}Form", (ConsoleForm,), fields)


def _input_type(value_type: Any) -> str:
    if isinstance(value_type, type) and issubclass(value_type, Day):
        return "date"
    if isinstance(value_type, type) and issubclass(value_type, ClockTime):
        return "time"
    return "text"
