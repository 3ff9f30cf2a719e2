"""The evidence the NLU weighs besides the classifier: words the domain never uses, a day named
in an office question, a project question that names no project."""

from datetime import date

import pytest

from bot.logic.dates import names_one_day
from bot.logic.vocabulary import Vocabulary, content_words
from bot.plugins.nlu_evidence import SubjectEvidence, names_subject, subject_reading
from bot.plugins.nlu_scope import UnknownWords
from bot.plugins.nlu_specific import day_reading

DOMAIN = Vocabulary(["Wann hat das Büro geöffnet?", "Öffnungszeiten am Samstag",
                     "Was ist der Mängelmelder?", "When is the next city tour?",
                     "Wie lange dauert der Vormittag?"])


def test_function_words_and_short_words_are_not_content():
    assert content_words("Was ist das und wie geht es?") == []
    assert content_words("What is the Hallenbad?") == ["hallenbad"]


@pytest.mark.parametrize(("text", "unknown"), [
    ("Hat das Hallenbad geöffnet?", ["hallenbad"]),
    ("What is Pythagoras' theorem?", ["pythagoras", "theorem"]),
    ("Öffnungszeiten Büro", []),
    ("Öfnungszeiten am Samstag", []),  # a typo of a known word
    ("Samstagvormittag geöffnet?", []),  # a compound of two known words
    ("next city tour", []),
])
def test_unknown_words_are_the_content_words_the_domain_never_uses(text, unknown):
    assert DOMAIN.unknown_words(text) == unknown


def test_training_counts_each_example_against_the_other_folds():
    texts = ["Wann ist der Rundgang?", "Wann ist der Rundgang genau?", "Wann startet der Rundgang?",
             "Rundgang Treffpunkt", "Zebrastreifen malen"]
    labels = [0, 0, 0, 0, 1]
    counts = UnknownWords(folds=5).fit_transform(texts, labels)
    # "startet" is only in its own example: in training it counts as unknown ...
    assert counts[2][1] == 1.0
    # ... and once fitted on everything it is known
    assert UnknownWords().fit(texts, labels).transform(["Wann startet der Rundgang?"])[0][1] == 0.0
    # the out-of-scope example's words never make the domain's vocabulary
    assert UnknownWords().fit(texts, labels).transform(["Zebrastreifen"])[0][1] == 1.0


@pytest.mark.parametrize(("text", "one_day"), [
    ("Hat das Büro am 3. Oktober geöffnet?", True),
    ("can I drop by on September 20?", True),
    ("Sind Sie morgen da?", True),
    ("Ist am Weltkindertag geöffnet?", True),
    ("Wann haben Sie im September geöffnet?", False),
    ("opening hours next week", False),
    ("Wann haben Sie geöffnet?", False),
])
def test_a_question_names_one_day_or_not(text, one_day):
    assert names_one_day(text, date(2023, 6, 21)) is one_day


def test_a_named_day_makes_the_office_question_that_days():
    assert day_reading("hours_week", [], 0.5) == {"name": "hours_day"}
    assert day_reading("open_now", [], 0.5) == {"name": "hours_day"}
    assert day_reading("tour_next", [], 0.5) is None
    unsure = [{"name": "nlu_fallback", "confidence": 0.5},
              {"name": "open_now", "confidence": 0.3},
              {"name": "hours_week", "confidence": 0.22},
              {"name": "tours_by_date", "confidence": 0.16}]
    assert day_reading("nlu_fallback", unsure, 0.5)["name"] == "hours_day"
    mostly_tours = [{"name": "tours_by_date", "confidence": 0.4},
                    {"name": "open_now", "confidence": 0.3}]
    assert day_reading("nlu_fallback", mostly_tours, 0.5) is None


PROJECT_NAMES = ["Mängelmelder", "Digitales Theater", "Solarlaternen"]
KIND_WORDS = ("projekt", "project", "pilot")


@pytest.mark.parametrize(("text", "entities", "named"), [
    ("Was ist Buddhismus?", [], False),
    ("What is agile management?", [], False),
    ("Was ist der Mängelmelder?", [], True),
    ("wie funktioniert der Mängelmelda", [], True),  # a typo, as the action tolerates it
    ("Was ist das Projekt Seilbahn?", [], True),  # asked as a project: "I know no such project"
    ("Tell me about it", [{"entity": "project", "value": "theatre"}], True),
])
def test_a_project_question_must_name_a_project_or_ask_about_one(text, entities, named):
    assert names_subject(text, entities, "project", PROJECT_NAMES, KIND_WORDS) is named


PROJECT = [{"entity": "project", "value": "smart-bins"}]


@pytest.mark.parametrize(("ranking", "entities", "reading"), [
    (["nlu_fallback", "help", "pilot_detail", "contact"], PROJECT, "pilot_detail"),
    (["nlu_fallback", "help", "contact", "tour_next", "pilot_detail"], PROJECT, None),
    (["nlu_fallback", "help", "pilot_detail"], [{"entity": "weekday", "value": "monday"}], None),
    (["nlu_fallback", "pilot_detail"], [], None),
])
def test_an_unsure_reading_that_names_a_project_is_the_project_question(ranking, entities,
                                                                       reading):
    ranked = [{"name": name, "confidence": 0.3 - 0.05 * rank} for rank, name in enumerate(ranking)]
    chosen = subject_reading(ranked, entities)
    assert (chosen or {}).get("name") == reading
    if chosen:  # the classifier's own confidence, not a made-up certainty
        assert chosen["confidence"] == next(r["confidence"] for r in ranked
                                            if r["name"] == reading)


def _evidence(intent: str, ranking: list[str], entities: list[dict]) -> str:
    from rasa.shared.nlu.training_data.message import Message

    component = SubjectEvidence({}, model={"project": ["Smarte Mülltonnen"]})
    message = Message(data={"text": "Was sind smarte Mülltonnen?", "entities": entities,
                            "intent": {"name": intent, "confidence": 0.4},
                            "intent_ranking": [{"name": n, "confidence": 0.4} for n in ranking]})
    [message] = component.process([message])
    return message.get("intent")["name"]


def test_subject_evidence_reads_an_unsure_message_that_names_a_project():
    assert _evidence("nlu_fallback", ["nlu_fallback", "help", "pilot_detail"],
                     PROJECT) == "pilot_detail"
    # unsure and naming nothing: stays "did you mean", is not ruled out of scope
    assert _evidence("nlu_fallback", ["nlu_fallback", "help", "pilot_detail"],
                     []) == "nlu_fallback"
