"""The date handling gives the same answers whatever the machine's locale (issue 20).

Python's ``calendar.day_name`` / ``month_name`` follow LC_TIME once a program adopts the
user's locale (``locale.setlocale(LC_ALL, "")``, as many libraries and servers do); a
German server would then read the NLU's "saturday" as nothing. Each run here starts a fresh
interpreter that adopts the locale from LC_ALL, runs tests/test_dates.py and reports what
the date functions return; German and C must agree with each other and with this process.

When the machine has no compiled de_DE.UTF-8, it is built with ``localedef`` into a temp dir
and found through LOCPATH (no system change; needs Debian's ``locales`` source files).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from bot import ROOT
from tests.test_dates import observed

GERMAN = "de_DE.UTF-8"
# Adopts the environment's locale first, like a program honouring the user's settings does.
SCRIPT = """
import calendar, json, locale, sys
locale.setlocale(locale.LC_ALL, "")
import pytest
from tests.test_dates import observed
code = pytest.main(["-q", "-p", "no:cacheprovider", "tests/test_dates.py"])
result = {"exit": int(code), "monday": calendar.day_name[0], "observed": observed()}
with open(sys.argv[1], "w", encoding="utf-8") as out:
    json.dump(result, out)
"""


def _environment(lc_all: str, extra: dict[str, str]) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items()
           if not key.startswith("LC_") and key not in ("LANG", "LANGUAGE", "LOCPATH")}
    return {**env, **extra, "LC_ALL": lc_all}


def _locale_works(env: dict[str, str]) -> bool:
    probe = "import locale; locale.setlocale(locale.LC_ALL, '')"
    return subprocess.run([sys.executable, "-c", probe], env=env, capture_output=True,
                          timeout=60).returncode == 0


@pytest.fixture(scope="module")
def german(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """Environment variables under which de_DE.UTF-8 is usable (built if need be)."""
    if _locale_works(_environment(GERMAN, {})):
        return {}
    localedef = shutil.which("localedef")
    if localedef is None:
        pytest.fail("de_DE.UTF-8 is not installed and localedef is missing (Debian: libc-bin)")
    directory = tmp_path_factory.mktemp("locales")
    built = subprocess.run([localedef, "-i", "de_DE", "-f", "UTF-8", str(directory / GERMAN)],
                           capture_output=True, text=True, timeout=120)
    extra = {"LOCPATH": str(directory)}
    if not _locale_works(_environment(GERMAN, extra)):
        pytest.fail("could not build de_DE.UTF-8 with localedef (Debian package `locales` "
                    f"has the sources): {built.stderr.strip()}")
    return extra


def _run_date_tests(lc_all: str, extra: dict[str, str], out: Path) -> dict[str, Any]:
    completed = subprocess.run([sys.executable, "-c", SCRIPT, str(out)], cwd=ROOT,
                               env=_environment(lc_all, extra), capture_output=True, text=True,
                               timeout=300)
    assert completed.returncode == 0 and out.exists(), completed.stdout + completed.stderr
    result = json.loads(out.read_text(encoding="utf-8"))
    assert result["exit"] == 0, f"tests/test_dates.py failed under LC_ALL={lc_all}:\n" + \
        completed.stdout[-4000:]
    return result


def test_date_results_do_not_depend_on_the_locale(german, tmp_path):
    in_german = _run_date_tests(GERMAN, german, tmp_path / "de.json")
    in_c = _run_date_tests("C", {}, tmp_path / "c.json")
    # The locales really were in force: the calendar module speaks them.
    assert (in_german["monday"], in_c["monday"]) == ("Montag", "Monday")
    expected = json.loads(json.dumps(observed()))  # as JSON, like the subprocesses' results
    assert in_german["observed"] == expected
    assert in_c["observed"] == expected
