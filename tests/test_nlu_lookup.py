"""bot/plugins/nlu_lookup.py finds exactly the entities Rasa's RegexEntityExtractor finds."""

from __future__ import annotations

from typing import Any

import pytest
import yaml
from rasa.engine.graph import ExecutionContext, GraphSchema
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.nlu.extractors.regex_entity_extractor import RegexEntityExtractor
from rasa.shared.nlu.training_data.loading import load_data
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot import ROOT
from bot.plugins.nlu_lookup import ELEMENTS, LookupEntityExtractor, NameIndex

CONFIG = {"case_sensitive": False, "use_lookup_tables": True, "use_regexes": False,
          "use_word_boundaries": True}


def _strings(node: Any) -> list[str]:
    if isinstance(node, str):
        return [node]
    if isinstance(node, dict):
        return [text for value in node.values() for text in _strings(value)]
    if isinstance(node, list):
        return [text for value in node for text in _strings(value)]
    return []


@pytest.fixture(scope="module")
def trained(tmp_path_factory: pytest.TempPathFactory) -> tuple[LookupEntityExtractor,
                                                               LookupEntityExtractor,
                                                               TrainingData]:
    data = load_data(str(ROOT / "data" / "nlu"))
    storage = LocalModelStorage(tmp_path_factory.mktemp("lookup"))
    resource = Resource("lookup")
    context = ExecutionContext(GraphSchema({}), "test")
    extractor = LookupEntityExtractor.create(CONFIG, storage, resource, context)
    extractor.train(data)
    loaded = LookupEntityExtractor.load(CONFIG, storage, resource, context)
    return extractor, loaded, data


def _entities(extractor: RegexEntityExtractor, text: str) -> list[dict]:
    return extractor._extract_entities(Message(data={"text": text}))


def test_every_lookup_table_is_matched_by_name_and_survives_loading(trained) -> None:
    extractor, loaded, data = trained
    tables = {table["name"] for table in data.lookup_tables if table["name"] in data.entities}
    assert tables >= {"project"}
    assert {p["name"] for p in loaded.patterns if ELEMENTS in p} == tables
    assert loaded.patterns == extractor.patterns


EDGE_CASES = [
    "Was macht das Institut für Anwendungsentwicklung e.V. gerade?",
    "institut für anwendungsentwicklung e.v.",
    "BÜRGER-SERVICEPORTAL und digitale Bürgerdienste?!",
    "Serviceportalx Bürgerportal_ Bürgerportal-Test (Bürgerportal)",
    "die stadt-app, die Stadt-App. Stadt-Apps",
    "", " ", "ẞtraße İstanbul Mobilitätsinsel", "mobility hub mobility hubs mobility",
    "<b>Serviceportal</b> https://example.org/Serviceportal",
]


def test_the_same_entities_as_rasas_regular_expression(trained) -> None:
    """On every training example, held-out question and some edge cases."""
    _, loaded, data = trained
    plain = RegexEntityExtractor(CONFIG, loaded._model_storage, loaded._resource,
                                 patterns=[{"name": p["name"], "pattern": p["pattern"]}
                                           for p in loaded.patterns])
    texts = [example.get("text") for example in data.training_examples] + EDGE_CASES
    for path in sorted((ROOT / "bench" / "heldout").rglob("*.yml")):
        texts += _strings(yaml.safe_load(path.read_text(encoding="utf-8")))
    with_entities = 0
    for text in texts:
        expected = _entities(plain, text)
        assert _entities(loaded, text) == expected, text
        with_entities += bool(expected)
    assert with_entities > 100  # the comparison covers real matches, not only empty ones


def test_first_name_in_table_order_wins_at_the_leftmost_position() -> None:
    index = NameIndex.of(["ab", "ab cd", "cd", "x.y."], case_sensitive=False)
    assert index.matches("AB cd", False) == [(0, 2), (3, 5)]  # "ab" is listed first
    assert NameIndex.of(["ab cd", "ab"], False).matches("ab cd", False) == [(0, 5)]
    assert index.matches("x.y. z", False) == []  # no \b after "." before a space
    assert index.matches("abc", False) == []
