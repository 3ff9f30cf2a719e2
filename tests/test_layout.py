"""The package layout's import rules (docs/architecture.md), checked on the source.

Rasa loads the plug-ins from YAML, so no import arrow shows where they belong; this test is
what keeps the tree's promise true: the logic is plain Python, the product never reaches
into development tooling, and only the knowledge base touches SQLAlchemy.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable
from pathlib import Path

import pytest

from bot import ROOT

RASA = ("rasa", "rasa_sdk", "sanic")
DB = ("sqlalchemy",)

# package -> top-level module prefixes it must not import (directly or inside functions).
FORBIDDEN: dict[str, tuple[str, ...]] = {
    "bot/logic": (*RASA, *DB, "bot.kb", "bot.plugins", "bot.services", "actions", "tools"),
    "bot/kb": (*RASA, "bot.plugins", "bot.services", "actions", "tools"),
    "bot/plugins": (*DB, "bot.kb", "bot.services", "actions", "tools"),
    "bot/services": ("rasa_sdk", "bot.plugins", "actions", "tools"),
    "bot/console": (*RASA, *DB, "bot.plugins", "actions", "tools"),
    "actions": ("rasa", *DB, "bot.plugins", "bot.services", "tools"),
}
# Where SQLAlchemy may be imported outside bot/kb: the retention purge works on Rasa's
# tracker store, which is not the knowledge base.
SQLALCHEMY_ALLOWED = ("bot/kb", "bot/services/retention.py")


def imported_modules(path: Path) -> list[str]:
    """Every module a file imports, at any depth (lazy imports inside functions count)."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.extend(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.append(node.module)
            found.extend(f"{node.module}.{alias.name}" for alias in node.names)
    return found


def violates(module: str, forbidden: str) -> bool:
    forbidden = forbidden.rstrip(".")
    return module == forbidden or module.startswith(forbidden + ".")


def python_files(*folders: str) -> list[Path]:
    return [path for folder in folders for path in sorted((ROOT / folder).rglob("*.py"))]


def breaches(paths: Iterable[Path], forbidden: Iterable[str]) -> list[str]:
    """The imports in ``paths`` of modules under ``forbidden``, as "<file> imports <module>"."""
    return [
        f"{path.relative_to(ROOT)} imports {module}"
        for path in paths
        for module in imported_modules(path)
        if any(violates(module, prefix) for prefix in forbidden)
    ]


@pytest.mark.parametrize("package", sorted(FORBIDDEN))
def test_package_imports_follow_the_layout(package: str) -> None:
    files = python_files(package)
    assert files, f"{package} has no modules: the layout changed, update docs/architecture.md"
    broken = breaches(files, FORBIDDEN[package])
    assert not broken, broken


def test_only_the_knowledge_base_and_retention_touch_sqlalchemy() -> None:
    elsewhere = [
        path
        for path in python_files("bot", "actions")
        if not str(path.relative_to(ROOT)).startswith(SQLALCHEMY_ALLOWED)
    ]
    broken = breaches(elsewhere, DB)
    assert not broken, broken


def test_nothing_in_the_product_imports_the_tooling() -> None:
    broken = breaches(python_files("bot", "actions"), ["tools"])
    assert not broken, broken


def test_the_checker_sees_lazy_imports(tmp_path: Path) -> None:
    """The rule would be toothless if an import inside a function slipped through."""
    source = tmp_path / "m.py"
    source.write_text("def f():\n    from rasa.core.agent import Agent\n    import sqlalchemy\n")
    modules = imported_modules(source)
    assert any(violates(m, "rasa") for m in modules)
    assert any(violates(m, "sqlalchemy") for m in modules)
    assert not violates("rasa_sdk.events", "rasa")


def test_every_plugin_named_in_the_yaml_lives_in_bot_plugins() -> None:
    """config.yml, credentials.yml, domain.yml and endpoints.yml name our classes by path."""
    import re

    named = set()
    for name in ("config.yml", "credentials.yml", "domain.yml", "endpoints.yml",
                 "deploy/endpoints.production.yml"):
        named |= set(re.findall(r"\bbot\.[\w.]+", (ROOT / name).read_text(encoding="utf-8")))
    assert named, "no project plug-ins named in the YAML"
    outside = sorted(n for n in named if not n.startswith("bot.plugins."))
    assert not outside, outside
