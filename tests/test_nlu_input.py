"""The NLU pre-processing that needs no model: noise around a question, courtesies in front
of it, and a reply that picks an offered button."""

import pytest
from rasa.shared.core.events import BotUttered, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.shared.nlu.training_data.message import Message

from bot.plugins.nlu_choice import chosen_button, offered_buttons, parse_payload
from bot.plugins.nlu_guard import (
    FULL_TEXT,
    TRIMMED_COURTESY,
    CourtesyReading,
    CourtesyTrimmer,
    QuestionSplitter,
    clean_text,
    learn_courtesies,
    split_courtesy,
    split_questions,
    trim_courtesy,
    trim_example,
)


@pytest.mark.parametrize(("raw", "question"), [
    ("<b>Wann haben Sie geöffnet?</b>", "Wann haben Sie geöffnet?"),
    ("<p>When is the next tour?</p> 😊👍", "When is the next tour?"),
    ("<script>alert('x')</script>Öffnungszeiten?", "Öffnungszeiten?"),
    ("&lt;i&gt;opening hours&lt;/i&gt;", "opening hours"),
    ("Wann ist der Rundgang??? https://www.gera.de/smartcity", "Wann ist der Rundgang?"),
    ("see www.example.org what are your hours!!!", "see what are your hours!"),
    ("1 < 2 and 3 > 2", "1 < 2 and 3 > 2"),
])
def test_noise_is_removed_and_the_question_stays(raw, question):
    assert clean_text(raw) == (question, None)


@pytest.mark.parametrize("raw", ["<script>alert(1)</script>", "😊😊😊", "<br><br>", "https://x.de"])
def test_only_noise_is_bad_input(raw):
    assert clean_text(raw)[1] == "empty"


COURTESIES = {"hallo": "greet", "guten tag": "greet", "hi": "greet", "hello": "greet",
              "danke": "thank", "vielen dank": "thank", "thanks": "thank"}


@pytest.mark.parametrize(("raw", "kept"), [
    ("Hallo, wann ist der nächste Rundgang?", "wann ist der nächste Rundgang?"),
    ("Hallo! Guten Tag. Wann haben Sie offen?", "Wann haben Sie offen?"),
    ("Danke! Und wie ist die Telefonnummer?", "Und wie ist die Telefonnummer?"),
    ("thanks, bye", "bye"),
    ("Hallo", "Hallo"),
    ("Hallo!", "Hallo!"),
    ("Hallo Welt, wie geht es?", "Hallo Welt, wie geht es?"),
    ("Hello there when is the tour", "Hello there when is the tour"),
])
def test_courtesies_in_front_of_a_question_are_dropped(raw, kept):
    assert trim_courtesy(raw, COURTESIES) == kept


def test_courtesies_are_learnt_with_their_intent_from_short_examples_only():
    examples = [Message(data={"text": text, "intent": intent}) for text, intent in [
        ("Guten Tag!", "greet"), ("Vielen Dank.", "thank"), ("Wann ist die Führung?", "tour_next"),
        ("Hallo, ich hätte gern eine Auskunft zu den Führungen", "greet")]]
    assert learn_courtesies(examples) == {"guten tag": "greet", "vielen dank": "thank"}


@pytest.mark.parametrize(("raw", "courtesy", "rest"), [
    ("Hallo! Danke. Wann haben Sie offen?", "greet", "Wann haben Sie offen?"),
    ("Danke, verstanden", "thank", "verstanden"),
    ("Hallo", None, "Hallo"),
    ("Hallo Welt, wie geht es?", None, "Hallo Welt, wie geht es?"),
])
def test_the_first_courtesy_dropped_is_named(raw, courtesy, rest):
    assert split_courtesy(raw, COURTESIES) == (courtesy, rest)


def _read(text: str, intent: str) -> Message:
    """A message through the trimmer, then given the intent the classifiers settled on."""
    trimmer = CourtesyTrimmer(None, None, COURTESIES)  # type: ignore[arg-type]
    [message] = trimmer.process([Message(data={"text": text})])
    message.set("intent", {"name": intent, "confidence": 0.5})
    [message] = CourtesyReading().process([message])
    return message


@pytest.mark.parametrize(("text", "settled", "read", "courtesy"), [
    ("Guten Tag, ich bräuchte eine Auskunft", "nlu_fallback", "greet", "greet"),
    ("Danke, verstanden", "nlu_fallback", "thank", "thank"),
    ("Hallo, wann ist die Führung?", "tour_next", "tour_next", "greet"),
    ("Hallo, wie wird das Wetter?", "out_of_scope", "out_of_scope", "greet"),
    ("keine Ahnung", "nlu_fallback", "nlu_fallback", None),
    # a longer rest is a question the model missed: "did you mean", then the honest fallback
    ("Guten Tag, meine Nachbarin sucht für ihren Enkel einen Platz in der Musikschule",
     "nlu_fallback", "nlu_fallback", "greet"),
])
def test_a_courtesy_before_a_few_words_not_understood_is_read_as_the_courtesy(
        text, settled, read, courtesy):
    message = _read(text, settled)
    assert message.get("intent")["name"] == read
    assert message.get(TRIMMED_COURTESY) == courtesy


def test_a_model_stored_before_courtesies_kept_their_intent_still_trims(tmp_path):
    """Its classifier learnt trimmed texts; it must keep reading them so, but nothing is
    read back as a courtesy (the intent is unknown)."""
    from contextlib import contextmanager

    (tmp_path / CourtesyTrimmer.FILE).write_text('["hallo", "danke"]', "utf-8")

    class Storage:
        @contextmanager
        def read_from(self, resource):
            yield tmp_path

    trimmer = CourtesyTrimmer.load({}, Storage(), None, None)  # type: ignore[arg-type]
    [message] = trimmer.process([Message(data={"text": "Hallo, ich bin neu"})])
    assert message.get("text") == "ich bin neu"
    message.set("intent", {"name": "nlu_fallback", "confidence": 0.4})
    [message] = CourtesyReading().process([message])
    assert message.get("intent")["name"] == "nlu_fallback"


def test_training_examples_are_trimmed_as_messages_will_be():
    """The classifier learns from what it will read; entities keep pointing at their words."""
    text = "Hallo, wann startet der Rundgang am Freitag?"
    start = text.index("Freitag")
    example = Message(data={"text": text, "intent": "tour_next", "entities": [
        {"entity": "greeting", "start": 0, "end": 5, "value": "Hallo"},
        {"entity": "weekday", "start": start, "end": start + 7, "value": "Freitag"}]})
    trim_example(example, COURTESIES)
    kept = example.get("text")
    assert kept == "wann startet der Rundgang am Freitag?"
    assert example.get(FULL_TEXT) == text
    [weekday] = example.get("entities")
    assert kept[weekday["start"]:weekday["end"]] == "Freitag"


def test_a_training_example_that_is_only_a_courtesy_is_left_whole():
    example = Message(data={"text": "Danke", "intent": "thank"})
    trim_example(example, COURTESIES)
    assert example.get("text") == "Danke" and example.get(FULL_TEXT) is None


BUTTONS = [{"title": "Wann ist der nächste Stadtrundgang?", "payload": "/tour_next"},
           {"title": "Wann ist das Büro am Freitag geöffnet?",
            "payload": '/hours_day{"weekday": "Freitag"}'},
           {"title": "Nichts davon", "payload": "/deny"}]


@pytest.mark.parametrize(("reply", "payload"), [
    ("1", "/tour_next"), ("Nr. 2", BUTTONS[1]["payload"]), ("3.", "/deny"),
    ("wann ist der nächste stadtrundgang", "/tour_next"),
    ("Wann ist der nächste Rundgang?", "/tour_next"),
    ("4", None), ("ja", None), ("und am 2.?", None), ("Wie wird das Wetter?", None),
])
def test_a_reply_picks_a_button_by_number_or_title(reply, payload):
    button = chosen_button(reply, BUTTONS)
    assert (button["payload"] if button else None) == payload


def test_payloads_are_parsed_and_odd_ones_refused():
    assert parse_payload('/hours_day{"weekday": "Freitag"}') == (
        "hours_day", [{"entity": "weekday", "value": "Freitag", "start": 0, "end": 0,
                       "confidence": 1.0, "extractor": "ButtonChoice"}])
    assert parse_payload("/tour_next") == ("tour_next", [])
    for odd in ("/x{bad", '/x["a"]', "hallo", "", "/a b"):
        assert parse_payload(odd) is None


def test_only_the_buttons_of_the_bots_latest_turn_count():
    tracker = DialogueStateTracker.from_events("t", [
        UserUttered("hm"), BotUttered("Meinten Sie?", data={"buttons": BUTTONS[:1]}),
        UserUttered("1"), BotUttered("Der nächste Termin ...")])
    assert offered_buttons(tracker) == []
    tracker.update(BotUttered("Meinten Sie?", data={"buttons": BUTTONS}))
    assert offered_buttons(tracker) == BUTTONS
    assert offered_buttons(None) == []


def test_scope_gate_turns_a_confident_factual_intent_out_of_scope_only_when_it_should():
    from rasa.engine.graph import ExecutionContext, GraphSchema
    from rasa.engine.storage.local_model_storage import LocalModelStorage
    from rasa.engine.storage.resource import Resource
    from rasa.shared.nlu.training_data.message import Message
    from rasa.shared.nlu.training_data.training_data import TrainingData

    from bot.plugins.nlu_scope import ScopeGate

    def example(text: str, intent: str) -> Message:
        return Message(data={"text": text, "intent": intent})

    in_scope = [f"Wann ist der nächste SMARTCity Rundgang {n}?" for n in range(20)]
    out_scope = [f"Wie wird das Wetter morgen am Strand {n}?" for n in range(20)]
    data = TrainingData([example(t, "tour_next") for t in in_scope]
                        + [example(t, "out_of_scope") for t in out_scope])
    import tempfile
    from pathlib import Path

    with tempfile.TemporaryDirectory() as tmp:
        storage = LocalModelStorage(Path(tmp))
        resource = Resource("gate")
        context = ExecutionContext(GraphSchema({}), "test")
        config = {**ScopeGate.get_default_config(), "threshold": 0.6}
        gate = ScopeGate.create(config, storage, resource, context)
        gate.train(data)
        loaded = ScopeGate.load(config, storage, resource, context)

        def verdict(text: str, intent: str) -> str:
            message = Message(data={"text": text})
            message.set("intent", {"name": intent, "confidence": 0.99})
            message.set("intent_ranking", [{"name": intent, "confidence": 0.99}])
            loaded.process([message])
            return message.get("intent")["name"]

        assert verdict("Wie wird das Wetter morgen am Strand?", "tour_next") == "out_of_scope"
        assert verdict("Wann ist der nächste Rundgang?", "tour_next") == "tour_next"
        # a message that names the programme is about it, whatever else it holds
        assert verdict("Wie wird das Wetter morgen am Strand beim Smart-City-Rundgang?",
                       "tour_next") == "tour_next"
        # meta intents are never gated
        assert verdict("Wie wird das Wetter morgen am Strand?", "greet") == "greet"
        # follow-ups are, at their own threshold: in a conversation about the tours, "and
        # how long?" gets the tour's length, a question from elsewhere must not
        assert verdict("Wie wird das Wetter morgen am Strand?", "followup_day") == "out_of_scope"
        assert verdict("Und wann ist der nächste Rundgang?", "followup_next") == "followup_next"
        lenient = ScopeGate.load({**config, "follow_up_threshold": 1.01}, storage, resource,
                                 context)
        message = Message(data={"text": "Wie wird das Wetter morgen am Strand?"})
        message.set("intent", {"name": "followup_day", "confidence": 0.99})
        lenient.process([message])
        assert message.get("intent")["name"] == "followup_day"


def test_the_topic_is_a_prior_over_the_ranking():
    from bot.plugins.nlu_context import in_context

    ranking = [{"name": "nlu_fallback", "confidence": 0.6},
               {"name": "programme_duration", "confidence": 0.45},
               {"name": "followup_how_long", "confidence": 0.41},
               {"name": "tour_next", "confidence": 0.1}]
    assert in_context(ranking, "programme", 3.0, 0.3)["name"] == "programme_duration"
    assert in_context(ranking, "tours", 3.0, 0.3)["name"] == "followup_how_long"
    assert in_context(ranking, None, 3.0, 0.3) is None  # no topic: the fallback stays
    assert in_context(ranking, "tours", 3.0, 0.7) is None  # too unsure even so
    # the prior turns a confident reading of another topic when it is not that confident ...
    other_topic = [{"name": "programme_since", "confidence": 0.55},
                   {"name": "followup_more", "confidence": 0.3},
                   {"name": "contact", "confidence": 0.15}]
    chosen = in_context(other_topic, "tours", 3.0, 0.3)
    assert chosen["name"] == "followup_more"
    assert chosen["confidence"] == pytest.approx(0.9 / 1.6)
    # ... but not a clear question about something else, nor a reading without the topic
    clear = [{"name": "tour_next", "confidence": 0.9}, {"name": "hours_day", "confidence": 0.05}]
    assert in_context(clear, "office", 3.0, 0.3) is None
    only_other = [{"name": "contact", "confidence": 0.5}, {"name": "greet", "confidence": 0.4},
                  {"name": "out_of_scope", "confidence": 0.09}]
    assert in_context(only_other, "tours", 3.0, 0.3) is None


@pytest.mark.parametrize(("text", "first", "further"), [
    ("Wann ist der nächste Rundgang? Und wo startet er?",
     "Wann ist der nächste Rundgang?", ["Und wo startet er?"]),
    ("When is the next tour? How long does it take? Where does it start?",
     "When is the next tour?", ["How long does it take?", "Where does it start?"]),
    # A clause that clarifies the question is not a second question.
    ("smart city gera? never heard of it, what is it",
     "smart city gera? never heard of it, what is it", []),
    ("Hallo? Wann ist offen?", "Hallo? Wann ist offen?", []),
    ("Wann? Wo?", "Wann? Wo?", []),
    ("Was ist SMARTCity?", "Was ist SMARTCity?", []),
])
def test_two_questions_in_one_message_are_split(text, first, further):
    assert split_questions(text) == (first, further)


def test_the_splitter_lets_the_model_read_the_first_question_only():
    from rasa.shared.nlu.constants import TEXT
    from rasa.shared.nlu.training_data.message import Message

    from bot.logic.intents import FURTHER_QUESTIONS

    message = Message(data={TEXT: "Wann ist der nächste Rundgang? Und wo startet er?"})
    QuestionSplitter().process([message])
    assert message.get(TEXT) == "Wann ist der nächste Rundgang?"
    assert message.as_dict(only_output_properties=True)[FURTHER_QUESTIONS] == [
        "Und wo startet er?"]


def test_the_answering_action_offers_the_further_questions():
    from rasa_sdk import Tracker
    from rasa_sdk.executor import CollectingDispatcher

    from actions.common import offer_further_questions

    def tracker(parse: dict) -> Tracker:
        return Tracker("citizen", {}, parse, [], False, None, {}, "")

    dispatcher = CollectingDispatcher()
    offer_further_questions(dispatcher, tracker(
        {"further_questions": ["Und wo startet er?", "/greet?", 7]}))
    assert [m["response"] for m in dispatcher.messages] == ["utter_offer_further_questions"]
    assert dispatcher.messages[0]["buttons"] == [
        {"title": "Und wo startet er?", "payload": "Und wo startet er?"},
        {"title": "greet?", "payload": "greet?"},
    ]
    quiet = CollectingDispatcher()
    offer_further_questions(quiet, tracker({"text": "Wann?"}))
    assert quiet.messages == []
