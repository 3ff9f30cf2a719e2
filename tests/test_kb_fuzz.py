"""No knowledge-base file can crash ``kb check`` / ``kb load``.

First the editor mistakes the issue names, each checked for a message naming file and line
(YAML syntax) or file, record and field (values). Then a property-based test (Hypothesis)
mutates the shipped files in ``data/kb`` 520 times, one to three mutations at a time:

- values replaced by impossible dates (``2023-13-45``, ``2023-02-30`` unquoted and quoted),
  times and numbers where text belongs, lists and mappings, YAML tags (``!!timestamp``,
  ``!!int abc``, ``!!python/object``), undefined aliases, unclosed quotes;
- long and odd Unicode strings (control characters, lone surrogates, emoji, right-to-left
  marks), raw and as double-quoted YAML escapes;
- deleted, duplicated and swapped lines (deleted and duplicated keys and records), broken
  indentation (spaces and tabs), truncated files;
- values of the parsed document replaced by arbitrary YAML data (wrong types), keys
  deleted, records duplicated.

Each example runs ``python -m bot kb check`` and ``kb load`` in-process
(:func:`bot.services.cli.main`) against a temporary SQLite database that holds the shipped content.
Properties: no exception escapes (a traceback fails the test with the mutated files as the
example); the exit code is 0 or 1, the same for check and load; every error line names one
of the files; a refused load leaves every table exactly as it was; an accepted load stores
what the loader read.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import re
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.kb import Repository
from bot.kb.database import dispose_engines
from bot.kb.loader import load_directory
from bot.kb.records import FILES
from bot.kb.yamlfile import read_yaml_text
from bot.services.cli import main
from tests.kb_fixtures import KB_DIR, copy_kb, errors_of, only_error

ORIGINAL = {name: (KB_DIR / name).read_text(encoding="utf-8") for name in FILES}
EXAMPLES = 520


def replace_once(directory: Path, file: str, old: str, new: str) -> None:
    path = directory / file
    text = path.read_text(encoding="utf-8")
    assert old in text, old
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


# -- the mistakes the issue names ------------------------------------------------------------
@pytest.mark.parametrize(
    ("written", "reason"),
    [
        ("2023-13-45", "there is no month 13"),
        ("2023-02-30", "February 2023 has 28 days, not 30"),
        ("'2023-04-31'", "April 2023 has 30 days, not 31"),
        ("0000-01-01", "there is no year 0"),
    ],
)
def test_impossible_date_names_file_record_and_field(
    tmp_path: Path, written: str, reason: str
) -> None:
    kb = copy_kb(tmp_path)
    replace_once(kb, "tours.yml", "date: 2023-07-08", f"date: {written}")
    message = only_error(kb)
    shown = written.strip("'")
    assert message.startswith(
        f'{kb}/tours.yml: tours[2] (key "tour-2023-07-08"): field "date": '
        f'malformed date "{shown}" (no such date: {reason}'
    ), message


def test_impossible_date_through_the_cli_is_no_traceback(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture
) -> None:
    monkeypatch.setenv("SMARTCITY_DB_URL", f"sqlite:///{tmp_path / 'kb.sqlite3'}")
    kb = copy_kb(tmp_path)
    replace_once(kb, "programme.yml", "as_of: 2023-", "as_of: 2023-13-45  # ")
    assert main(["kb", "check", str(kb)]) == 1
    assert main(["kb", "load", str(kb)]) == 1
    err = capsys.readouterr().err
    assert 'facts[0] (key "about"): field "as_of": malformed date "2023-13-45"' in err
    assert "Traceback" not in err and "month must be" not in err


def test_datetime_and_explicit_timestamp_stay_text(tmp_path: Path) -> None:
    kb = copy_kb(tmp_path)
    replace_once(kb, "tours.yml", "date: 2023-07-08", "date: 2023-07-08 14:00:00")
    replace_once(kb, "tours.yml", "date: 2023-06-10", "date: !!timestamp 2023-02-30")
    errors = errors_of(kb)
    assert len(errors) == 2
    assert any('field "date": malformed date "2023-07-08 14:00:00"' in e for e in errors)
    assert any('field "date": malformed date "2023-02-30" (no such date' in e for e in errors)


@pytest.mark.parametrize(
    ("file", "old", "new", "line", "expected"),
    [
        ("contact.yml", "  street:", "\tstreet:", 11, "indent with spaces, not tabs"),
        ("hours.yml", "  opens:", "     opens:", None, "check the indentation"),
        ("tours.yml", "mode: foot", "mode: 'foot", None, "a quote is not closed"),
        ("contact.yml", "  city: Gera\n", "  city: Gera\n  city: Erfurt\n", 14,
         'duplicate key "city" (first written at line 13)'),
        ("projects.yml", "kind: pilot", "kind: [pilot", None, "a [ is not closed"),
        ("programme.yml", "source: ", "source: *", None, "text starting with * needs quotes"),
    ],
    ids=["tab", "indentation", "unclosed-quote", "duplicate-key", "unclosed-bracket", "alias"],
)
def test_yaml_syntax_errors_name_file_and_line(
    tmp_path: Path, file: str, old: str, new: str, line: int | None, expected: str
) -> None:
    kb = copy_kb(tmp_path)
    replace_once(kb, file, old, new)
    message = only_error(kb)
    match = re.match(rf"{re.escape(str(kb / file))}: not valid YAML \(line (\d+), column \d+\)",
                     message)
    assert match, message
    assert expected in message
    if line is not None:
        assert int(match.group(1)) == line, message


def test_wrong_types_name_file_record_and_field(tmp_path: Path) -> None:
    kb = copy_kb(tmp_path)
    replace_once(kb, "contact.yml", "city: Gera", "city: [Gera, Thüringen]")
    replace_once(kb, "hours.yml", 'opens: "09:00"', "opens: 9")
    replace_once(kb, "tours.yml", 'start: "14:00"', "start: 14:00")
    errors = errors_of(kb)
    assert any(
        e.startswith(f'{kb}/contact.yml: contact: field "city": expected text, got list')
        for e in errors
    )
    assert any(
        e.startswith(f'{kb}/hours.yml: opening_hours[0] (weekday "monday"): field "opens": '
                     "malformed time 9 ")
        for e in errors
    )
    assert any(
        e.startswith(f'{kb}/tours.yml: tours[0] (key "tour-2023-06-10"): field "start": '
                     "malformed time 840 ")
        for e in errors
    )


def test_values_the_database_cannot_store_are_refused_by_validation(tmp_path: Path) -> None:
    kb = copy_kb(tmp_path)
    replace_once(kb, "projects.yml", "number: 1\n", "number: 99999999999999999999\n")
    replace_once(kb, "programme.yml", "key: about", f"key: a{'b' * 200}")
    replace_once(kb, "contact.yml", "city: Gera", 'city: "Ge\\ud800ra"')
    errors = "\n".join(errors_of(kb))
    assert 'field "number": number 99999999999999999999 out of range' in errors
    assert 'field "key": key too long (201 characters, at most 200)' in errors
    # A lone surrogate escape: libyaml refuses it while parsing, PyYAML's pure-Python parser
    # reads it and validation refuses it (it cannot be stored as UTF-8).
    assert (
        'field "city": contains an invalid character (U+D800)' in errors
        or f"{kb}/contact.yml: not valid YAML (line 13, column 14)" in errors
    ), errors


def test_odd_values_are_shown_on_one_line_and_cut(tmp_path: Path) -> None:
    kb = copy_kb(tmp_path)
    replace_once(kb, "hours.yml", "weekday: monday", 'weekday: "mon\\nday\\t"')
    replace_once(kb, "tours.yml", "mode: foot", f"mode: {'x' * 500}")
    replace_once(kb, "hours.yml", 'closes: "17:00"', "closes: [[[[1, 2, 3, 4, 5, 6]]]]")
    errors = errors_of(kb)
    assert all("\n" not in e and len(e) < 400 for e in errors), errors
    assert any('"x' in e and '..."' in e for e in errors)
    assert any('unknown weekday "mon\\nday\\t"' in e for e in errors), errors


def test_environment_variable_syntax_is_text_even_after_rasa_registered_it() -> None:
    """Rasa adds a "${VAR}" resolver to PyYAML's shared classes; the KB loader ignores it."""
    code = (
        "import rasa.shared.utils.io\n"  # registers ${VAR} expansion on every PyYAML loader
        "from bot.kb.yamlfile import read_yaml_text\n"
        "print(read_yaml_text('a: ${SMARTCITY_UNSET_VARIABLE}\\nb: !env_var x\\n'))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=KB_DIR.parents[1], capture_output=True, text=True,
        check=False, timeout=120,
    )
    assert result.returncode != 0  # the explicit !env_var tag is unknown here
    assert "could not determine a constructor for the tag '!env_var'" in result.stderr
    code = code.replace("\\nb: !env_var x", "")
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=KB_DIR.parents[1], capture_output=True, text=True,
        check=False, timeout=120,
    )
    assert result.stdout.strip() == "{'a': '${SMARTCITY_UNSET_VARIABLE}'}", result.stderr


def test_bad_utf8_names_the_line(tmp_path: Path) -> None:
    kb = copy_kb(tmp_path)
    path = kb / "hours.yml"
    lines = path.read_bytes().split(b"\n")
    lines[3] += b" \xff"
    path.write_bytes(b"\n".join(lines))
    assert only_error(kb).startswith(f"{kb}/hours.yml: not UTF-8 text (line 4)")


# -- property-based: mutated shipped files -----------------------------------------------------
IMPOSSIBLE_DATES = [
    "2023-13-45", "2023-02-30", "2023-00-10", "2023-04-31", "0000-01-01", "2024-02-30",
    "2023-6-1", "10000-01-01", "2023-02-29", "2023-06-10 14:00", "2023-06-10T25:00:00",
    "2023-06-10t14:00:00z", "'2023-13-45'", '"2023-02-30"', "!!timestamp 2023-02-30",
    "!!timestamp 2023-06-10",
]
ODD_SCALARS = [
    "14:00", "25:61", "9:5", "1:30:00", "0", "-1", "1e309", "0x1F", "0o17", ".nan", "-.inf",
    "99999999999999999999999", "yes", "no", "on", "off", "~", "null", "[]", "{}", "[a, b]",
    "{a: 1}", "[[[[[[]]]]]]", "!!binary aGVsbG8=", "!!int abc", "!!float x", "!!bool maybe",
    "!!python/object:os.system x", "!!python/name:os.system", "*undefined", "&anchor value",
    "!!set {a, b}", "!!omap [a: 1]", "'unclosed", '"unclosed', "a: b: c", "|", ">-", "'",
    '"\\ud800"', '"\\x00"', '"\\U0001F600"', '"\\uDFFF x"', "# only a comment", "@reserved",
    "`backtick", "%directive", "? complex", ": x", "- item", "!local tag", "<<: *x",
    "\"a\" trailing", "'it''s'", "monday", "bike", "pilot", "2023-06-10",
    "${SMARTCITY_UNSET_VARIABLE}", "${HOME}", "!env_var ${X}",
]
# Everything: controls, surrogates (written as invalid UTF-8), private use, unassigned.
ODD_CHARACTERS = st.characters(exclude_categories=())
ODD_TEXT = st.one_of(
    st.text(ODD_CHARACTERS, min_size=1, max_size=40),
    st.text(st.sampled_from("\u202e\u200b\u00ad\ufeff\u0000\u0007\t\r\n\u2028\U0001f600é"),
            min_size=1, max_size=20),
    st.builds(lambda ch, n: ch * n, st.characters(codec="utf-8"), st.integers(200, 20000)),
)
TOKENS = st.one_of(
    st.sampled_from(IMPOSSIBLE_DATES),
    st.sampled_from(ODD_SCALARS),
    ODD_TEXT,  # raw, as an editor might paste it
    ODD_TEXT.map(lambda text: json.dumps(text)),  # double-quoted YAML with escapes
)
YAML_VALUES = st.recursive(
    st.one_of(
        st.none(), st.booleans(), st.integers(), st.floats(),
        st.text(ODD_CHARACTERS, max_size=30), st.sampled_from(IMPOSSIBLE_DATES),
    ),
    lambda children: st.lists(children, max_size=4)
    | st.dictionaries(st.text(max_size=10), children, max_size=4),
    max_leaves=12,
)
VALUE_LINE = re.compile(r"^(\s*(?:- )?[A-Za-z_]+:)(\s+)(\S.*)$")
ANY_INDEX = st.integers(min_value=0, max_value=10**6)
FILE = st.sampled_from(FILES)


def _text_mutation() -> st.SearchStrategy[tuple]:
    return st.one_of(
        st.tuples(st.just("replace_value"), FILE, ANY_INDEX, TOKENS),
        st.tuples(st.just("delete_line"), FILE, ANY_INDEX),
        st.tuples(st.just("duplicate_line"), FILE, ANY_INDEX),
        st.tuples(st.just("swap_lines"), FILE, ANY_INDEX, ANY_INDEX),
        st.tuples(st.just("indent"), FILE, ANY_INDEX, st.sampled_from([-3, -2, -1, 1, 2, 3, 0])),
        st.tuples(st.just("insert"), FILE, ANY_INDEX, ANY_INDEX, ODD_TEXT),
        st.tuples(st.just("truncate"), FILE, ANY_INDEX),
    )


def _document_mutation() -> st.SearchStrategy[tuple]:
    return st.one_of(
        st.tuples(st.just("set_value"), FILE, st.lists(ANY_INDEX, min_size=1, max_size=4),
                  YAML_VALUES),
        st.tuples(st.just("delete_key"), FILE, st.lists(ANY_INDEX, min_size=1, max_size=4)),
        st.tuples(st.just("duplicate_record"), FILE, ANY_INDEX),
    )


MUTATIONS = st.lists(st.one_of(_text_mutation(), _document_mutation()), min_size=1, max_size=3)


def _apply_text(lines: list[str], mutation: tuple) -> list[str]:
    kind = mutation[0]
    if not lines:
        return lines
    index = mutation[2] % len(lines)
    if kind == "replace_value":
        candidates = [i for i, line in enumerate(lines) if VALUE_LINE.match(line)]
        if candidates:
            i = candidates[mutation[2] % len(candidates)]
            match = VALUE_LINE.match(lines[i])
            assert match is not None
            lines[i] = f"{match.group(1)}{match.group(2)}{mutation[3]}"
    elif kind == "delete_line":
        del lines[index]
    elif kind == "duplicate_line":
        lines.insert(index, lines[index])
    elif kind == "swap_lines":
        other = mutation[3] % len(lines)
        lines[index], lines[other] = lines[other], lines[index]
    elif kind == "indent":
        delta = mutation[3]
        if delta == 0:
            lines[index] = "\t" + lines[index]
        elif delta > 0:
            lines[index] = " " * delta + lines[index]
        else:
            stripped = len(lines[index]) - len(lines[index].lstrip(" "))
            lines[index] = lines[index][min(-delta, stripped):]
    elif kind == "insert":
        line = lines[index]
        position = mutation[3] % (len(line) + 1)
        lines[index] = line[:position] + mutation[4] + line[position:]
    return lines


def _walk(document: Any, path: list[int]) -> tuple[Any, Any] | None:
    """The container and key that ``path`` (indices into keys/items) leads to."""
    parent, key = None, None
    node = document
    for step in path:
        if isinstance(node, dict) and node:
            parent, key = node, list(node)[step % len(node)]
        elif isinstance(node, list) and node:
            parent, key = node, step % len(node)
        else:
            break
        node = parent[key]
    return None if parent is None else (parent, key)


def _apply_document(text: str, mutation: tuple) -> str:
    try:
        document = read_yaml_text(text)
    except Exception:  # an earlier mutation broke the file: leave it broken
        return text
    kind = mutation[0]
    if kind in ("set_value", "delete_key"):
        found = _walk(document, mutation[2])
        if found is None:
            return text
        parent, key = found
        if kind == "set_value":
            parent[key] = mutation[3]
        else:
            del parent[key]
    elif kind == "duplicate_record":
        sections = document.values() if isinstance(document, dict) else [document]
        lists = [v for v in sections if isinstance(v, list) and v]
        if not lists:
            return text
        records = lists[mutation[2] % len(lists)]
        records.append(records[mutation[2] % len(records)])
    try:
        return yaml.safe_dump(document, allow_unicode=True, sort_keys=False)
    except yaml.YAMLError:
        return text


def mutate(texts: dict[str, str], mutations: list[tuple]) -> dict[str, str]:
    texts = dict(texts)
    for mutation in mutations:
        file = mutation[1]
        if mutation[0] in ("set_value", "delete_key", "duplicate_record"):
            texts[file] = _apply_document(texts[file], mutation)
        elif mutation[0] == "truncate":
            texts[file] = texts[file][: mutation[2] % (len(texts[file]) + 1)]
        else:
            lines = _apply_text(texts[file].split("\n"), mutation)
            texts[file] = "\n".join(lines)
    return texts


def dump_database(path: Path) -> list[tuple[str, list[str]]]:
    """Every table's schema and rows (as text, sorted): the whole database content."""
    connection = sqlite3.connect(path)
    try:
        tables = connection.execute(
            "SELECT name, sql FROM sqlite_master WHERE type = 'table' ORDER BY name"
        ).fetchall()
        return [
            (f"{name}: {sql}", sorted(repr(row) for row in connection.execute(
                f'SELECT * FROM "{name}"'  # names from sqlite_master
            )))
            for name, sql in tables
        ]
    finally:
        connection.close()


def run_cli(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(list(argv))
    return code, out.getvalue(), err.getvalue()


@pytest.fixture(scope="module")
def fuzz_env(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, Path, str]]:
    base = tmp_path_factory.mktemp("kb-fuzz")
    directory = base / "kb"
    directory.mkdir()
    database = base / "kb.sqlite3"
    url = f"sqlite:///{database}"
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("SMARTCITY_DB_URL", url)
        code, _, err = run_cli("kb", "load", str(KB_DIR))
        assert code == 0, err
        yield directory, database, url
    dispose_engines()


class Counter:
    examples = 0
    accepted = 0


@settings(
    max_examples=EXAMPLES,
    deadline=None,
    database=None,  # no .hypothesis/ folder in the repository
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(mutations=MUTATIONS)
def test_mutated_files_never_end_in_a_traceback(
    fuzz_env: tuple[Path, Path, str], mutations: list[tuple]
) -> None:
    directory, database, url = fuzz_env
    assert os.environ["SMARTCITY_DB_URL"] == url
    texts = mutate(ORIGINAL, mutations)
    for name in FILES:
        (directory / name).write_text(texts[name], encoding="utf-8", errors="surrogatepass")
    before = dump_database(database)

    check_code, _, check_err = run_cli("kb", "check", str(directory))
    load_code, load_out, load_err = run_cli("kb", "load", str(directory))
    Counter.examples += 1

    assert check_code in (0, 1) and load_code == check_code, (check_err, load_err)
    for err in (check_err, load_err):
        assert "Traceback" not in err
    if load_code == 1:
        for err in (check_err, load_err):
            header, *lines = err.rstrip("\n").split("\n")
            assert header.startswith("error: ") and lines, err
            for line in lines:
                assert any(line.startswith(f"{directory / name}: ") for name in FILES), line
        assert dump_database(database) == before, "a refused load changed the database"
    else:
        Counter.accepted += 1
        assert load_out.startswith("loaded")
        assert Repository(url).snapshot() == load_directory(directory)


def test_the_fuzzing_ran_enough_examples() -> None:
    """Runs after the property test (file order): at least 500 mutations were tried."""
    if Counter.examples == 0:
        pytest.skip("the property test did not run in this session")
    assert Counter.examples >= 500
