"""The NLU component that decides the reply language, and the slot that only holds de/en."""

import shutil
import subprocess
import sys

import pytest
from rasa.engine.graph import ExecutionContext, GraphSchema
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.nlu.model import InvalidModelError
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, Restarted, SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.shared.nlu.constants import ENTITIES, INTENT, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.logic.language import source_classifier
from bot.plugins.nlu_language import LanguageDecider, is_first_message
from tests.test_domain import ROOT

DOMAIN = Domain.load(str(ROOT / "domain.yml"))
DECIDER = LanguageDecider({}, classifier=source_classifier())


def _tracker(*events) -> DialogueStateTracker:
    return DialogueStateTracker.from_events("citizen", list(events), slots=DOMAIN.slots)


def _decide(text: str, tracker=None, intent: str = "greet", entities=(), metadata=None) -> str:
    message = Message(data={TEXT: text, INTENT: {"name": intent, "confidence": 0.9},
                            ENTITIES: list(entities), "metadata": metadata})
    DECIDER.process([message], tracker)
    found = [e["value"] for e in message.get(ENTITIES) if e["entity"] == "language"]
    assert len(found) == 1, message.get(ENTITIES)
    return found[0]


def test_first_message_is_counted_since_the_last_restart():
    assert is_first_message(None)
    assert is_first_message(_tracker(ActionExecuted("action_listen")))
    assert not is_first_message(_tracker(UserUttered("Hallo")))
    assert is_first_message(_tracker(UserUttered("Hallo"), Restarted()))


def test_a_clear_sentence_decides_and_other_entities_stay():
    other = {"entity": "weekday", "value": "friday", "start": 0, "end": 4}
    message = Message(data={TEXT: "Is the office open on Friday?", ENTITIES: [other],
                            INTENT: {"name": "hours_day"}})
    DECIDER.process([message], _tracker(UserUttered("Hallo")))
    assert other in message.get(ENTITIES)
    assert {"entity": "language", "value": "en"}.items() <= message.get(ENTITIES)[-1].items()


def test_one_word_keeps_the_conversation_language_after_the_start():
    english = _tracker(UserUttered("Hello, what can you do?"), SlotSet("language", "en"))
    assert _decide("Danke", english) == "en"
    assert _decide("Hello", None) == "en"  # first message, both detectors agree


def test_page_language_counts_only_at_the_start():
    assert _decide("ok", None, metadata={"language": "en"}) == "en"
    german = _tracker(UserUttered("Guten Tag"), SlotSet("language", "de"))
    assert _decide("ok", german, metadata={"language": "en"}) == "de"


def test_an_explicit_request_wins_and_only_for_the_switch_intent():
    request = {"entity": "target_language", "value": "en"}
    assert _decide("Bitte auf Englisch", None, "switch_language", [request]) == "en"
    assert _decide("Bitte auf Englisch", None, "greet", [request]) == "de"


def test_forged_values_are_ignored_by_the_slot():
    tracker = _tracker(UserUttered("Hello there, how are you?"), SlotSet("language", "en"),
                       SlotSet("language", "fr"), SlotSet("language", "<script>"))
    assert tracker.get_slot("language") == "en"
    tracker.update(SlotSet("language", "Deutsch"))
    assert tracker.get_slot("language") == "de"


def test_a_model_storage_without_the_classifier_fails_loudly(tmp_path):
    storage = LocalModelStorage(tmp_path)
    with pytest.raises(InvalidModelError, match="language classifier"):
        LanguageDecider.load({}, storage, Resource("language"), ExecutionContext(GraphSchema({})))


def test_the_classifier_travels_in_the_model_storage(tmp_path):
    """Trained from the NLU files, stored, loaded back: the same decisions."""
    storage, resource = LocalModelStorage(tmp_path), Resource("language")
    trained = LanguageDecider.create({}, storage, resource, ExecutionContext(GraphSchema({})))
    trained.train(TrainingData())
    loaded = LanguageDecider.load({}, storage, resource, ExecutionContext(GraphSchema({})))
    text = "Tell me about the Mobilitätsinsel"
    assert (loaded.classifier.probability_german(text)
            == pytest.approx(trained.classifier.probability_german(text)))
    assert loaded.classifier.probability_german(text) < 0.5


LOAD_OUTSIDE = """
import asyncio, sys
import bot.logic.language as language

def no_source(*args, **kwargs):
    raise AssertionError("the source tree's NLU files were read")

language.labelled_examples = no_source
language.source_classifier = no_source
from rasa.core.agent import Agent
agent = Agent.load(sys.argv[1])
parsed = asyncio.run(agent.parse_message("Is the office open on Friday, please?"))
print([e["value"] for e in parsed["entities"] if e["entity"] == "language"])
"""


@pytest.mark.model
def test_a_copied_model_archive_alone_detects_english(trained_model, tmp_path):
    """The deployed archive carries its language classifier: no data/nlu needed."""
    archive = tmp_path / "deployed" / "model.tar.gz"
    archive.parent.mkdir()
    shutil.copy(trained_model, archive)
    result = subprocess.run([sys.executable, "-c", LOAD_OUTSIDE, str(archive)],
                            cwd=archive.parent, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr[-3000:]
    assert result.stdout.strip().splitlines()[-1] == "['en']", result.stdout[-2000:]
