"""The console's words: every key in German and English, every key a page or view names is
there, and nothing is left over."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from bot.console import i18n

CONSOLE = Path(i18n.__file__).parent
# t("key"), t('key'), flash(request, "key") with a literal key.
_LITERAL = re.compile(r"""\bt\(\s*["']([a-z_]+(?:\.[a-z_0-9]+)+)["']"""
                      r"""|flash\(request, "([a-z_.]+)\"""")
# t("prefix." + ...): a key made from a prefix and a value.
_PREFIX = re.compile(r"""\bt\(\s*["']([a-z_]+(?:\.[a-z_]+)*\.)["']\s*\+""")


def sources() -> str:
    files = [*CONSOLE.glob("templates/*.html"), *CONSOLE.rglob("*.py")]
    return "\n".join(path.read_text(encoding="utf-8") for path in files)


def test_every_key_has_both_languages() -> None:
    table = i18n.messages()
    assert len(table) > 100
    assert all(set(texts) == {"de", "en"} for texts in table.values())


def test_every_named_key_exists_and_none_is_unused() -> None:
    text = sources()
    named = {a or b for a, b in _LITERAL.findall(text)}
    prefixes = set(_PREFIX.findall(text))
    table = i18n.messages()
    assert named and prefixes
    assert sorted(named - set(table)) == []
    quoted = set(re.findall(r"""["']([a-z_]+\.[a-z_.0-9]+)["']""", text))  # ("/kb", "nav.kb")
    unused = [key for key in table if key not in named | quoted
              and not any(key.startswith(p) for p in prefixes)]
    assert unused == []


def test_a_broken_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "messages.yml"
    path.write_text('a.b: {de: "Hallo"}\n', encoding="utf-8")
    with pytest.raises(ValueError, match="a.b"):
        i18n.messages.__wrapped__(path)


@pytest.mark.parametrize(("header", "language"), [
    ("en-GB,en;q=0.9", "en"), ("de-DE,de;q=0.9,en;q=0.8", "de"), ("fr-FR,en;q=0.5", "en"),
    ("fr", "de"), (None, "de")])
def test_the_browser_language_decides(header: str | None, language: str) -> None:
    assert i18n.preferred(header) == language
