"""Reading and writing the editorial YAML files, as YAML: no knowledge-base rules here.

No file can crash the loader: the files are read with :class:`KBYamlLoader`, which leaves
dates and times as the text the editor wrote (the project validates them, so "2023-02-30" is
an error naming file, record and field, not a traceback from the YAML parser's date
constructor), refuses duplicate keys, and every YAML error (tabs, bad indentation, unclosed
quotes) becomes a message naming file and line, with a hint for the usual mistakes.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from bot.kb.fields import Quoted, show, type_name

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
                        f"duplicate key {show(key)} (first written at line {first})",
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


def read_yaml_text(text: str) -> Any:
    """Parse one knowledge-base file's text with :class:`KBYamlLoader`."""
    return yaml.load(text, Loader=KBYamlLoader)  # noqa: S506 (a SafeLoader subclass)


def read_document(path: Path, display: str, errors: list[str]) -> dict[str, Any] | None:
    """The mapping one file holds, or None with the reason appended to ``errors``."""
    if not path.is_file():
        errors.append(f"{display}: file is missing")
        return None
    try:
        raw = path.read_bytes()
    except OSError as exc:
        errors.append(f"{display}: cannot read the file: {exc.strerror or exc}")
        return None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        errors.append(f"{display}: not UTF-8 text (line {line}): {exc.reason} at byte {exc.start}")
        return None
    try:
        data = read_yaml_text(text)
    except (yaml.YAMLError, RecursionError) as exc:
        errors.append(f"{display}: {_yaml_problem(exc, text)}")
        return None
    except Exception as exc:  # noqa: BLE001 (parsing has no side effects; report, go on)
        # A value PyYAML cannot construct, e.g. "!!int abc" or "!!float x".
        errors.append(f"{display}: not valid YAML: cannot read a value: {_one_line(str(exc))}")
        return None
    if data is None:
        data = {}
    if not isinstance(data, dict):
        errors.append(f"{display}: expected a mapping at the top, got {type_name(data)}")
        return None
    return data


class _Dumper(yaml.SafeDumper):
    """No anchors/aliases: every record stays readable on its own."""

    def ignore_aliases(self, data: Any) -> bool:
        return True


_Dumper.add_representer(
    Quoted, lambda dumper, value: dumper.represent_scalar("tag:yaml.org,2002:str", value, '"')
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

