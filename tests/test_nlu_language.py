"""The NLU component that decides the reply language, and the slot that only holds de/en."""

from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, Restarted, SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.shared.nlu.constants import ENTITIES, INTENT, TEXT
from rasa.shared.nlu.training_data.message import Message

from bot.nlu_language import LanguageDecider, is_first_message
from tests.test_domain import ROOT

DOMAIN = Domain.load(str(ROOT / "domain.yml"))


def _tracker(*events) -> DialogueStateTracker:
    return DialogueStateTracker.from_events("citizen", list(events), slots=DOMAIN.slots)


def _decide(text: str, tracker=None, intent: str = "greet", entities=(), metadata=None) -> str:
    message = Message(data={TEXT: text, INTENT: {"name": intent, "confidence": 0.9},
                            ENTITIES: list(entities), "metadata": metadata})
    LanguageDecider().process([message], tracker)
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
    LanguageDecider().process([message], _tracker(UserUttered("Hallo")))
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
