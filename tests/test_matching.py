"""Project matching by entity, name, synonym, typo; unknown projects stay unknown."""

from dataclasses import dataclass

import pytest

from bot.logic.matching import best_match


@dataclass(frozen=True)
class Project:
    key: str
    name_de: str
    name_en: str
    synonyms: tuple[str, ...] = ()


PROJECTS = [
    Project("solar_lights", "Autarke Solarleuchten im Ufer-Elster-Park",
            "Self-sufficient solar street lights", ("Solarlaternen", "Solarbänke", "solar lamps")),
    Project("cockpit", "Smart City Cockpit", "Smart City Cockpit",
            ("Open-Data-Portal", "open data dashboard", "cockpit.gera.de")),
    Project("thueringen_at_home", "Thüringen@Home", "Thüringen@Home", ("TAG Wohnen",)),
    Project("sozialcard", "Digitalisierung der Gera Sozial-Card", "Digital Gera Sozial-Card",
            ("Sozialcard",)),
]


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("Was sind die Solarlaternen?", "solar_lights"),
        ("Tell me about the open data dashboard", "cockpit"),
        ("Was ist das Smart Citty Cokpit?", "cockpit"),  # typos
        ("Erzählen Sie mir von Thueringen at Home", "thueringen_at_home"),
        ("sozialcard digital?", "sozialcard"),
    ],
)
def test_finds_project(text, key):
    match = best_match(text, PROJECTS)
    assert match is not None and match.key == key


def test_entity_value_wins():
    assert best_match("irgendwas", PROJECTS, entity="cockpit").key == "cockpit"


def test_unknown_entity_value_is_ignored():
    assert best_match("irgendwas", PROJECTS, entity="<script>") is None


@pytest.mark.parametrize("text", ["Was ist das Projekt Seilbahn?",
                                  "Tell me about the drone delivery project",
                                  "", "Projekt"])
def test_unknown_project_is_not_matched(text):
    assert best_match(text, PROJECTS) is None
