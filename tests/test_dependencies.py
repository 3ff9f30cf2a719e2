"""Dependencies as they are: what the code imports is what pyproject.toml declares (deptry).

Two passes, both with the project's config in pyproject.toml ([tool.deptry]):
- `deptry .` checks the product (bot, actions) against [project] dependencies: nothing
  missing, nothing only arriving through Rasa, nothing declared and unused, nothing from the
  dev extra;
- tools/ and tests/ (development code) may import the dev extra too, but nothing undeclared.
And every pin in pyproject.toml is the one constraints.txt locks.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

from bot import ROOT

DEV_CODE = ["tools", "tests"]
# Development code is the whole point of the dev extra (DEP004) and need not use every
# product dependency (DEP002): only missing and transitive imports count there.
DEV_CODE_OPTIONS = ["--exclude", r"\.venv", "--extend-exclude", "bot/",
                    "--extend-exclude", "actions/", "--ignore", "DEP002,DEP004"]


def deptry(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "deptry", *args, "--no-ansi"], cwd=ROOT,
                          capture_output=True, text=True, timeout=300)


def test_the_product_imports_exactly_what_it_declares():
    result = deptry(".")
    assert result.returncode == 0, result.stdout + result.stderr


def test_development_code_imports_only_declared_packages():
    result = deptry(*DEV_CODE, *DEV_CODE_OPTIONS)
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_check_catches_an_undeclared_import(tmp_path: Path):
    """Guards the configuration: with babel dropped from the dependencies deptry objects
    (a pass that scanned nothing would not)."""
    text = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    assert '"babel==' in text
    config = tmp_path / "pyproject.toml"
    config.write_text(re.sub(r'\n\s*"babel==[^"]*",', "", text), encoding="utf-8")
    result = deptry(".", "--config", str(config))
    report = result.stdout + result.stderr  # deptry reports on stderr
    assert result.returncode != 0 and "'babel' imported" in report, report


def _normalise(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def test_every_pin_is_the_one_constraints_txt_locks():
    pyproject = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    section = pyproject.split("[project.scripts]")[0]  # dependencies and optional ones
    entries = re.findall(r'^\s*"([^"]+)",', section, re.M)  # one requirement a line
    exact = [re.fullmatch(r"([A-Za-z0-9_.\-]+)(?:\[[^\]]*\])?==([^;\s]+)", entry)
             for entry in entries]
    unpinned = [entry for entry, match in zip(entries, exact, strict=True) if match is None]
    pins = {_normalise(match[1]): match[2] for match in exact if match}
    locked = {}
    for line in (ROOT / "constraints.txt").read_text(encoding="utf-8").splitlines():
        name, _, version = line.strip().partition("==")
        if name and not name.startswith("#"):
            locked[_normalise(name)] = version
    assert len(pins) >= 20 and not unpinned, unpinned
    differ = {name: (version, locked.get(name)) for name, version in pins.items()
              if locked.get(name) != version}
    assert not differ, f"pyproject.toml pin vs constraints.txt: {differ}"
