"""Read and validate the editorial YAML files under ``data/kb``.

Everything is validated before anything is written, and all errors found are reported at once,
each naming file, record and field, so an editor can fix a file in one go. Values are taken as
text exactly as written: nothing is escaped, trimmed or interpreted beyond its declared type.

No value can crash the loader: the files are read with :class:`KBYamlLoader`, which leaves
dates and times as the text the editor wrote (the project validates them, so "2023-02-30" is
an error naming file, record and field, not a traceback from the YAML parser's date
constructor), refuses duplicate keys, and every YAML error (tabs, bad indentation, unclosed
quotes) becomes a :class:`KnowledgeBaseError` naming file and line.
"""

from __future__ import annotations

import calendar
import hashlib
import re
import reprlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time
from pathlib import Path
from typing import Any

import yaml

from bot.kb import KnowledgeBaseError
from bot.kb.records import (
    PROJECT_KINDS,
    TOUR_MODES,
    Closure,
    Contact,
    Fact,
    KnowledgeBase,
    OpeningHours,
    Project,
    Tour,
)

DEFAULT_DIR = Path("data/kb")
FILES = ("programme.yml", "projects.yml", "tours.yml", "hours.yml", "contact.yml")

# Fact keys the dialogue maps intents to: a knowledge base without them is incomplete.
REQUIRED_FACT_KEYS = (
    "about",
    "since",
    "funding",
    "selection",
    "duration",
    "phases",
    "decisions",
    "goals",
    "working_groups",
    "participation",
    "charter",
    "strategy",
    "flood_prevention",
    "traffic_sensors",
    "digital_town_hall",
    "tours",
    "pilots",
    "implementation",
)

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
WEEKDAYS_DE = ("montag", "dienstag", "mittwoch", "donnerstag", "freitag", "samstag", "sonntag")

KEY_PATTERN = re.compile(r"[a-z0-9][a-z0-9_-]*")
KEY_MAX_LENGTH = 200  # the database's key columns
NUMBER_MAX = 2**31 - 1  # the database's integer columns
# ASCII digits only ("\d" would also take e.g. Arabic-Indic digits).
DATE_PATTERN = re.compile(r"([0-9]{4})-([0-9]{2})-([0-9]{2})")
TIME_PATTERN = re.compile(r"([0-9]{2}):([0-9]{2})")
_SURROGATE = re.compile("[\ud800-\udfff]")  # half of a UTF-16 pair: not storable text
MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)


@dataclass(frozen=True)
class Field:
    """One field of a record: its name, how to check it, and whether it must be there."""

    name: str
    kind: str  # key text str date time int kind mode weekday list
    required: bool = True


def _f(name: str, kind: str, required: bool = True) -> Field:
    return Field(name, kind, required)


FACT_FIELDS = (
    _f("key", "key"),
    _f("text_de", "text"),
    _f("text_en", "text"),
    _f("source", "text"),
    _f("as_of", "date"),
    _f("note", "text", False),
)
PROJECT_FIELDS = (
    _f("key", "key"),
    _f("kind", "kind"),
    _f("number", "int", False),
    _f("name_de", "text"),
    _f("name_en", "text"),
    _f("synonyms", "list", False),
    _f("description_de", "text"),
    _f("description_en", "text"),
    _f("status_de", "text"),
    _f("status_en", "text"),
    _f("place", "text", False),
    _f("links", "list", False),
    _f("source", "text"),
    _f("as_of", "date"),
    _f("note", "text", False),
)
TOUR_FIELDS = (
    _f("key", "key"),
    _f("date", "date"),
    _f("start", "time"),
    _f("end", "time"),
    _f("mode", "mode"),
    _f("meeting_point_de", "text"),
    _f("meeting_point_en", "text"),
    _f("notes_de", "text", False),
    _f("notes_en", "text", False),
    _f("source", "text"),
    _f("as_of", "date"),
)
HOURS_FIELDS = (
    _f("weekday", "weekday"),
    _f("opens", "time"),
    _f("closes", "time"),
    _f("source", "text"),
    _f("as_of", "date"),
)
CLOSURE_FIELDS = (
    _f("date", "date"),
    _f("reason_de", "text"),
    _f("reason_en", "text"),
    _f("source", "text"),
    _f("as_of", "date"),
)
CONTACT_FIELDS = (
    _f("office_de", "text"),
    _f("office_en", "text"),
    _f("street", "text"),
    _f("postcode", "text"),
    _f("city", "text"),
    _f("phone", "text"),
    _f("email", "text"),
    _f("head", "text"),
    _f("source", "text"),
    _f("as_of", "date"),
)

# file -> top-level sections it may (and must) hold
SECTIONS: dict[str, tuple[str, ...]] = {
    "programme.yml": ("facts",),
    "projects.yml": ("projects",),
    "tours.yml": ("tours",),
    "hours.yml": ("opening_hours", "closures"),
    "contact.yml": ("contact",),
}


def content_hash(directory: Path | str = DEFAULT_DIR) -> str:
    """SHA-256 over the knowledge-base files' names and bytes: cheap, no parsing needed."""
    directory = Path(directory)
    digest = hashlib.sha256()
    for name in FILES:
        path = directory / name
        digest.update(name.encode())
        digest.update(b"\0")
        digest.update(path.read_bytes() if path.exists() else b"<missing>")
        digest.update(b"\0")
    return digest.hexdigest()


class _Errors:
    """Collects messages so one run reports every problem."""

    def __init__(self) -> None:
        self.messages: list[str] = []

    def add(self, message: str) -> None:
        self.messages.append(message)


_YAML_TAG = "tag:yaml.org,2002:"


def _own_resolvers() -> dict[Any, list[tuple[str, Any]]]:
    """PyYAML's implicit resolvers for YAML's own tags, without timestamps."""
    table: dict[Any, list[tuple[str, Any]]] = {}
    for first, resolvers in yaml.resolver.Resolver.yaml_implicit_resolvers.items():
        kept = [
            (tag, regexp)
            for tag, regexp in resolvers
            if tag.startswith(_YAML_TAG) and tag != f"{_YAML_TAG}timestamp"
        ]
        if kept:
            table[first] = kept
    return table


def _own_constructors() -> dict[Any, Any]:
    """PyYAML's safe constructors for YAML's own tags (None: unknown tags are errors)."""
    return {
        tag: constructor
        for tag, constructor in yaml.constructor.SafeConstructor.yaml_constructors.items()
        if tag is None or tag.startswith(_YAML_TAG)
    }


# libyaml's parser when PyYAML was built with it (15 times faster), else the pure-Python one;
# construction and resolution are PyYAML's Python code either way.
_SafeLoader: type = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class KBYamlLoader(_SafeLoader):  # type: ignore[misc, valid-type]
    """PyYAML's safe loader for the editorial files, with three differences.

    - Dates and times stay text: YAML's timestamp resolver is removed (and an explicit
      ``!!timestamp`` tag gives text too), so an impossible date such as 2023-02-30 reaches
      the project's own validation instead of crashing in PyYAML's date constructor.
    - A key written twice in one mapping is an error (YAML forbids it; PyYAML would silently
      keep the last value), reported with both lines.
    - Everything else (numbers, true/false, null, quoting) is read as YAML 1.1 reads it, so
      an unquoted ``15:00`` is still the number 900 and is reported as a malformed time.
    """

    # Only YAML's own types, whatever other libraries registered on PyYAML's shared classes
    # (Rasa, when imported, adds a "${VAR}" resolver and constructor to every loader).
    yaml_implicit_resolvers = _own_resolvers()
    yaml_constructors = _own_constructors()
    yaml_multi_constructors: dict[str, Any] = {}

    def construct_mapping(self, node: yaml.Node, deep: bool = False) -> dict[Any, Any]:
        if isinstance(node, yaml.MappingNode):
            seen: dict[Any, int] = {}
            for key_node, _ in node.value:
                if not isinstance(key_node, yaml.ScalarNode):
                    continue  # merge keys and complex keys: PyYAML checks those itself
                if key_node.tag == "tag:yaml.org,2002:merge":
                    continue
                key = self.construct_object(key_node)
                try:
                    first = seen.get(key)
                except TypeError:
                    continue
                if first is not None:
                    raise yaml.constructor.ConstructorError(
                        None,
                        None,
                        f"duplicate key {_show(key)} (first written at line {first})",
                        key_node.start_mark,
                    )
                seen[key] = key_node.start_mark.line + 1
        return super().construct_mapping(node, deep=deep)


KBYamlLoader.add_constructor(
    "tag:yaml.org,2002:timestamp", lambda loader, node: loader.construct_scalar(node)
)

# Hints for the YAML mistakes editors make most, keyed by text in PyYAML's message.
_YAML_HINTS = (
    ("quoted scalar: found unexpected end", "a quote is not closed"),
    ("escape", 'check the "\\" escapes in the double-quoted text'),
    ("mapping values are not allowed", 'check the indentation, and put text that contains ": " '
     "in quotes"),
    ("flow sequence", "a [ is not closed, or text starting with [ needs quotes"),
    ("flow mapping", "a { is not closed, or text starting with { needs quotes"),
    ("undefined alias", "text starting with * needs quotes"),
    ("scanning an alias", "text starting with * needs quotes"),
    ("scanning an anchor", "text starting with & needs quotes"),
    ("scanning a tag", "text starting with ! needs quotes"),
    ("could not determine a constructor", "text starting with ! needs quotes"),
    ("expected <block end>", "check the indentation and that every quote is closed"),
    ("did not find expected key", "check the indentation and that every quote is closed"),
    ("could not find expected ':'", "check the indentation and the quotes"),
    ("did not find expected '-' indicator", "check the indentation of the list"),
)


def _yaml_problem(exc: Exception, text: str) -> str:
    """A YAML error as one line: where (line, column) and what, with a hint where we can."""
    if isinstance(exc, yaml.MarkedYAMLError):
        mark = exc.problem_mark or exc.context_mark
        where = f" (line {mark.line + 1}, column {mark.column + 1})" if mark else ""
        parts = [part for part in (exc.context, exc.problem) if part]
        if (
            exc.context
            and exc.context_mark is not None
            and mark is not None
            and exc.context_mark.line != mark.line
        ):
            parts[0] = f"{exc.context} started at line {exc.context_mark.line + 1}"
        message = _one_line(": ".join(parts)) or "unreadable"
        lines = text.splitlines()
        line = lines[mark.line] if mark is not None and 0 <= mark.line < len(lines) else ""
        column = mark.column if mark is not None else 0
        if "\t" in line[: column + 1]:
            hint: str | None = "indent with spaces, not tabs"
        else:
            full = f"{exc.context or ''}: {exc.problem or ''}"
            hint = next((hint for key, hint in _YAML_HINTS if key in full), None)
        if hint:
            message += f" ({hint})"
        return f"not valid YAML{where}: {message}"
    if isinstance(exc, yaml.reader.ReaderError):
        line_number = text.count("\n", 0, max(exc.position, 0)) + 1
        code = ord(exc.character) if isinstance(exc.character, str) else exc.character
        return (
            f"not valid YAML (line {line_number}): character U+{code:04X} is not allowed "
            '(control characters cannot be written as they are; in double quotes, "\\t" and '
            '"\\n" write a tab and a line break)'
        )
    if isinstance(exc, RecursionError):
        return "not valid YAML: nested too deeply"
    return f"not valid YAML: {_one_line(str(exc)) or type(exc).__name__}"


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _where(file: str, section: str, index: int | None, key: Any, label: str = "key") -> str:
    where = f"{file}: {section}" if index is None else f"{file}: {section}[{index}]"
    if isinstance(key, (str, date)) and str(key):
        where += f" ({label} {_show(str(key), 60)})"
    return where


def _label(raw: Any) -> tuple[Any, str]:
    """What identifies a record in messages: its key, else its weekday or date."""
    if not isinstance(raw, dict):
        return None, "key"
    for name in ("key", "weekday", "date"):
        if isinstance(raw.get(name), (str, date)):
            return raw[name], name
    return None, "key"


def _type_name(value: Any) -> str:
    return {
        str: "text",
        int: "number",
        float: "number",
        bool: "true/false",
        list: "list",
        dict: "mapping",
        set: "set",
        bytes: "binary data",
        date: "date",
        datetime: "date and time",
        type(None): "nothing",
    }.get(type(value), type(value).__name__)


_REPR = reprlib.Repr()
_REPR.maxlevel = 2
_REPR.maxlist = _REPR.maxtuple = _REPR.maxset = _REPR.maxdict = 4
_REPR.maxstring = _REPR.maxother = 80
_REPR.maxlong = 40

# Control characters (line breaks, NUL, ...) are shown escaped, so a message stays one line.
_CONTROL = {code: f"\\x{code:02x}" for code in [*range(32), 127]} | {
    ord("\n"): "\\n",
    ord("\t"): "\\t",
    ord("\r"): "\\r",
}


def _show(value: Any, limit: int = 80) -> str:
    """A value as the editor wrote it: strings in double quotes, everything else as is.

    Long values are cut, control characters escaped, nested values shown to two levels.
    """
    if isinstance(value, str):
        if len(value) > limit:
            value = value[: limit - 3] + "..."
        return f'"{value.translate(_CONTROL)}"'
    return _REPR.repr(value).translate(_CONTROL)


def _check_text(value: Any, name: str) -> tuple[Any, str | None]:
    if not isinstance(value, str):
        return None, f"expected text, got {_type_name(value)} {_show(value)} (put it in quotes)"
    if not value.strip():
        if name.endswith("_de"):
            return None, "missing German text"
        if name.endswith("_en"):
            return None, "missing English text"
        return None, "must not be empty"
    if "\x00" in value:
        return None, "contains a NUL character"
    surrogate = _SURROGATE.search(value)  # only possible through a "\u" escape
    if surrogate:
        return None, f"contains an invalid character (U+{ord(surrogate.group()):04X})"
    return value, None


def _impossible_date(year: int, month: int, day: int) -> str:
    """Why a well-formed YYYY-MM-DD is not a date."""
    if year < 1:
        return "there is no year 0"
    if not 1 <= month <= 12:
        return f"there is no month {month:02d}, months are 01-12"
    days = calendar.monthrange(year, month)[1]
    return f"{MONTHS[month - 1]} {year} has {days} days, not {day}"


def _check_date(value: Any) -> tuple[Any, str | None]:
    if isinstance(value, datetime):
        return None, f"expected a date, got date and time {_show(value)}"
    if isinstance(value, date):
        return value, None
    expected = "expected YYYY-MM-DD, e.g. 2023-06-10"
    if isinstance(value, str):
        match = DATE_PATTERN.fullmatch(value.strip())
        if match:
            year, month, day = (int(part) for part in match.groups())
            try:
                return date(year, month, day), None
            except ValueError:
                reason = _impossible_date(year, month, day)
                return None, f"malformed date {_show(value)} (no such date: {reason}; {expected})"
    return None, f"malformed date {_show(value)} ({expected})"


def _check_time(value: Any) -> tuple[Any, str | None]:
    if isinstance(value, str):
        match = TIME_PATTERN.fullmatch(value.strip())
        if match:
            hour, minute = int(match.group(1)), int(match.group(2))
            if hour < 24 and minute < 60:
                return time(hour, minute), None
    hint = ' (write times in quotes as "HH:MM", e.g. "14:00")'
    return None, f"malformed time {_show(value)}{hint}"


def _check_value(field: Field, value: Any) -> tuple[Any, str | None]:
    kind = field.kind
    if kind == "text":
        return _check_text(value, field.name)
    if kind == "key":
        if not isinstance(value, str) or not KEY_PATTERN.fullmatch(value):
            return None, (
                f"malformed key {_show(value)} (lower-case letters, digits, '-' and '_', "
                "starting with a letter or digit)"
            )
        if len(value) > KEY_MAX_LENGTH:
            return None, f"key too long ({len(value)} characters, at most {KEY_MAX_LENGTH})"
        return value, None
    if kind == "date":
        return _check_date(value)
    if kind == "time":
        return _check_time(value)
    if kind == "int":
        if isinstance(value, bool) or not isinstance(value, int):
            return None, f"expected a whole number, got {_type_name(value)} {_show(value)}"
        if not 0 <= value <= NUMBER_MAX:
            return None, f"number {_show(value)} out of range (0 to {NUMBER_MAX})"
        return value, None
    if kind == "kind":
        if value not in PROJECT_KINDS:
            return None, f"unknown project kind {_show(value)} (expected pilot or implementation)"
        return value, None
    if kind == "mode":
        if value not in TOUR_MODES:
            return None, f"unknown tour mode {_show(value)} (expected foot or bike)"
        return value, None
    if kind == "weekday":
        if isinstance(value, str):
            lowered = value.strip().casefold()
            if lowered in WEEKDAYS:
                return WEEKDAYS.index(lowered), None
            if lowered in WEEKDAYS_DE:
                return WEEKDAYS_DE.index(lowered), None
        return None, f"unknown weekday {_show(value)} (expected monday ... sunday)"
    if kind == "list":
        if not isinstance(value, list):
            return None, f"expected a list of texts, got {_type_name(value)} {_show(value)}"
        items = []
        for i, item in enumerate(value):
            checked, problem = _check_text(item, field.name)
            if problem:
                return None, f"item {i}: {problem}"
            items.append(checked)
        return tuple(items), None
    raise AssertionError(f"unknown field kind {kind}")


def _record(
    raw: Any,
    fields: tuple[Field, ...],
    file: str,
    section: str,
    index: int | None,
    errors: _Errors,
) -> dict[str, Any] | None:
    """Check one mapping against its fields; None when it has errors (already reported)."""
    where = _where(file, section, index, *_label(raw))
    if not isinstance(raw, dict):
        errors.add(f"{where}: expected a mapping of fields, got {_type_name(raw)}")
        return None
    ok = True
    known = {field.name for field in fields}
    for name in raw:
        if name not in known:
            errors.add(
                f"{where}: field {_show(name, 60)}: unknown field (expected one of: "
                f"{', '.join(field.name for field in fields)})"
            )
            ok = False
    values: dict[str, Any] = {}
    for field in fields:
        if field.name not in raw or raw[field.name] is None:
            if field.required:
                errors.add(f'{where}: field "{field.name}": missing required field')
                ok = False
            else:
                values[field.name] = () if field.kind == "list" else None
            continue
        value, problem = _check_value(field, raw[field.name])
        if problem:
            errors.add(f'{where}: field "{field.name}": {problem}')
            ok = False
        else:
            values[field.name] = value
    return values if ok else None


def read_yaml_text(text: str) -> Any:
    """Parse one knowledge-base file's text with :class:`KBYamlLoader`."""
    return yaml.load(text, Loader=KBYamlLoader)  # noqa: S506 (a SafeLoader subclass)


def _read_yaml(path: Path, display: str, errors: _Errors) -> dict[str, Any] | None:
    if not path.is_file():
        errors.add(f"{display}: file is missing")
        return None
    try:
        raw = path.read_bytes()
    except OSError as exc:
        errors.add(f"{display}: cannot read the file: {exc.strerror or exc}")
        return None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        errors.add(f"{display}: not UTF-8 text (line {line}): {exc.reason} at byte {exc.start}")
        return None
    try:
        data = read_yaml_text(text)
    except (yaml.YAMLError, RecursionError) as exc:
        errors.add(f"{display}: {_yaml_problem(exc, text)}")
        return None
    except Exception as exc:  # noqa: BLE001 (parsing has no side effects; report, go on)
        # A value PyYAML cannot construct, e.g. "!!int abc" or "!!float x".
        errors.add(f"{display}: not valid YAML: cannot read a value: {_one_line(str(exc))}")
        return None
    if data is None:
        data = {}
    if not isinstance(data, dict):
        errors.add(f"{display}: expected a mapping at the top, got {_type_name(data)}")
        return None
    return data


def _list_section(
    data: dict[str, Any],
    section: str,
    fields: tuple[Field, ...],
    display: str,
    errors: _Errors,
    unique: str,
) -> list[dict[str, Any]]:
    raw_list = data.get(section)
    if raw_list is None:
        raw_list = []
    if not isinstance(raw_list, list):
        errors.add(f"{display}: {section}: expected a list, got {_type_name(raw_list)}")
        return []
    records: list[dict[str, Any]] = []
    seen: dict[Any, int] = {}
    for index, raw in enumerate(raw_list):
        values = _record(raw, fields, display, section, index, errors)
        if values is None:
            continue
        marker = values[unique]
        if marker in seen:
            label = WEEKDAYS[marker] if unique == "weekday" else marker
            errors.add(
                f'{_where(display, section, index, *_label(raw))}: field "{unique}": '
                f"duplicate {unique} {label!s} (already used by {section}[{seen[marker]}])"
            )
            continue
        seen[marker] = index
        records.append(values)
    return records


def load_directory(directory: Path | str = DEFAULT_DIR) -> KnowledgeBase:
    """Validate every file in ``directory`` and return its records in file order.

    Raises :class:`KnowledgeBaseError` listing every problem found.
    """
    directory = Path(directory)
    errors = _Errors()
    data: dict[str, dict[str, Any]] = {}
    for name in FILES:
        display = str(directory / name)
        content = _read_yaml(directory / name, display, errors)
        if content is None:
            continue
        for top in content:
            if top not in SECTIONS[name]:
                errors.add(
                    f"{display}: unknown section {_show(top, 60)} "
                    f"(expected: {', '.join(SECTIONS[name])})"
                )
        for section in SECTIONS[name]:
            if section not in content:
                errors.add(f'{display}: missing section "{section}"')
        data[name] = content

    def section_records(
        name: str, section: str, fields: tuple[Field, ...], unique: str
    ) -> list[dict[str, Any]]:
        if name not in data:
            return []
        return _list_section(data[name], section, fields, str(directory / name), errors, unique)

    facts = [Fact(**v) for v in section_records("programme.yml", "facts", FACT_FIELDS, "key")]
    if "programme.yml" in data and isinstance(data["programme.yml"].get("facts"), list):
        present = {
            raw.get("key")
            for raw in data["programme.yml"]["facts"]
            if isinstance(raw, dict) and isinstance(raw.get("key"), str)
        }
        for key in REQUIRED_FACT_KEYS:
            if key not in present:
                errors.add(f'{directory / "programme.yml"}: facts: missing required fact "{key}"')

    projects = [
        Project(**v) for v in section_records("projects.yml", "projects", PROJECT_FIELDS, "key")
    ]
    _check_projects(projects, str(directory / "projects.yml"), errors)

    tours = [_tour(v) for v in section_records("tours.yml", "tours", TOUR_FIELDS, "key")]
    for index, tour in enumerate(tours):
        if tour.end <= tour.start:
            errors.add(
                f'{_where(str(directory / "tours.yml"), "tours", index, tour.key)}: field "end": '
                f"tour ends ({tour.end:%H:%M}) before it starts ({tour.start:%H:%M})"
            )

    hours_file = str(directory / "hours.yml")
    opening_hours = [
        OpeningHours(**v)
        for v in section_records("hours.yml", "opening_hours", HOURS_FIELDS, "weekday")
    ]
    for index, hours in enumerate(opening_hours):
        if hours.closes <= hours.opens:
            where = _where(hours_file, "opening_hours", index, WEEKDAYS[hours.weekday], "weekday")
            errors.add(
                f"{where}: "
                f'field "closes": closes ({hours.closes:%H:%M}) before it opens '
                f"({hours.opens:%H:%M})"
            )
    closures = [
        Closure(**v) for v in section_records("hours.yml", "closures", CLOSURE_FIELDS, "date")
    ]

    contact = None
    if "contact.yml" in data and "contact" in data["contact.yml"]:
        values = _record(
            data["contact.yml"]["contact"],
            CONTACT_FIELDS,
            str(directory / "contact.yml"),
            "contact",
            None,
            errors,
        )
        if values is not None:
            contact = Contact(**values)

    if errors.messages:
        count = len(errors.messages)
        header = f"{count} error{'s' if count != 1 else ''} in {directory}:"
        raise KnowledgeBaseError("\n".join([header, *errors.messages]), errors.messages)
    return KnowledgeBase(
        facts=tuple(facts),
        projects=tuple(projects),
        tours=tuple(tours),
        opening_hours=tuple(opening_hours),
        closures=tuple(closures),
        contact=contact,
    )


def _tour(values: dict[str, Any]) -> Tour:
    return Tour(**values)


def _check_projects(projects: list[Project], file: str, errors: _Errors) -> None:
    """Numbers unique per kind; a surface form may name only one project (NLU synonyms)."""
    numbers: dict[tuple[str, int], str] = {}
    forms: dict[str, str] = {}
    for index, project in enumerate(projects):
        where = _where(file, "projects", index, project.key)
        if project.number is not None:
            marker = (project.kind, project.number)
            if marker in numbers:
                errors.add(
                    f'{where}: field "number": duplicate {project.kind} number {project.number} '
                    f'(already used by "{numbers[marker]}")'
                )
            numbers[marker] = project.key
        for form in project.surface_forms():
            folded = form.casefold()
            other = forms.get(folded)
            if other is not None and other != project.key:
                errors.add(
                    f'{where}: field "synonyms": name or synonym {_show(form)} already names '
                    f'project "{other}"'
                )
            forms.setdefault(folded, project.key)


Serializer = Callable[[Any], Any]


class QuotedTime(str):
    """A time written as "HH:MM" in quotes, so YAML never reads it as a number."""


class _Dumper(yaml.SafeDumper):
    """No anchors/aliases: every record stays readable on its own."""

    def ignore_aliases(self, data: Any) -> bool:
        return True


_Dumper.add_representer(
    QuotedTime, lambda dumper, value: dumper.represent_scalar("tag:yaml.org,2002:str", value, '"')
)


def dump_yaml(document: Any) -> str:
    """YAML text as export writes it: field order kept, Unicode as is, times quoted."""
    return yaml.dump(
        document,
        Dumper=_Dumper,
        sort_keys=False,
        allow_unicode=True,
        width=100,
        default_flow_style=False,
    )


def _plain(value: Any) -> Any:
    if isinstance(value, time):
        return QuotedTime(value.strftime("%H:%M"))
    if isinstance(value, tuple):
        return list(value)
    return value


def to_documents(kb: KnowledgeBase) -> dict[str, dict[str, Any]]:
    """The YAML data structure of each file for ``kb`` (what ``kb export`` writes).

    Optional fields that are empty are left out, as editors write them, so exporting a fresh
    load parses to the same structure as the source files.
    """

    def record(obj: Any, fields: tuple[Field, ...], rename: dict[str, Any] | None = None) -> dict:
        out: dict[str, Any] = {}
        for field in fields:
            value = getattr(obj, field.name)
            if rename and field.name in rename:
                value = rename[field.name](value)
            if not field.required and (value is None or value == ()):
                continue
            out[field.name] = _plain(value)
        return out

    weekday_name: dict[str, Serializer] = {"weekday": lambda number: WEEKDAYS[number]}
    return {
        "programme.yml": {"facts": [record(f, FACT_FIELDS) for f in kb.facts]},
        "projects.yml": {"projects": [record(p, PROJECT_FIELDS) for p in kb.projects]},
        "tours.yml": {"tours": [record(t, TOUR_FIELDS) for t in kb.tours]},
        "hours.yml": {
            "opening_hours": [record(h, HOURS_FIELDS, weekday_name) for h in kb.opening_hours],
            "closures": [record(c, CLOSURE_FIELDS) for c in kb.closures],
        },
        "contact.yml": {
            "contact": record(kb.contact, CONTACT_FIELDS) if kb.contact is not None else None
        },
    }


def write_directory(kb: KnowledgeBase, directory: Path | str) -> list[Path]:
    """Write ``kb`` as the editorial files into ``directory``; returns the paths written."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for name, document in to_documents(kb).items():
        path = directory / name
        text = dump_yaml(document)
        path.write_text(f"# exported by python -m bot kb export\n{text}", encoding="utf-8")
        written.append(path)
    return written
