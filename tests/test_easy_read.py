"""Easy-read German (Leichte Sprache): the linter rejects what each rule forbids, and every
easy-read text of the assistant keeps the rules: domain.yml's easy variations filled with
realistic values, the knowledge base's easy texts, and the real actions' replies. Also the
register's decision (spoken request, page switch, English) and how actions pick it up."""

from __future__ import annotations

import asyncio
import re
from datetime import date, time
from pathlib import Path
from typing import Any

import pytest
import yaml
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import SessionStarted, SlotSet, UserUtteranceReverted, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.shared.nlu.constants import ENTITIES, INTENT, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions import common, contact, handoff, hours, pilots, programme, tours
from bot import ROOT
from bot.kb import KnowledgeBaseError
from bot.kb.cli import load
from bot.kb.loader import load_directory
from bot.kb.records import in_easy_read
from bot.logic import easy_read, formatting
from bot.logic.easy_read import EASY, STANDARD, Turn, choose_register, problems
from bot.logic.language import source_classifier
from bot.plugins.nlu_language import LanguageDecider
from tests.kb_fixtures import KB_DIR, copy_kb, edit, sqlite_url

DOMAIN_FILE = ROOT / "domain.yml"
DOMAIN = yaml.safe_load(DOMAIN_FILE.read_text(encoding="utf-8"))
EASY_CONDITION = [{"type": "slot", "name": "language", "value": "de"},
                  {"type": "slot", "name": "register", "value": "easy"}]
KB = load_directory(KB_DIR)


def rules_broken(text: str) -> set[str]:
    return {problem.rule for problem in problems(text)}


# ------------------------------------------------------------------ the linter

GOOD = ("Der nächste Stadt-Rundgang ist am Samstag, 10. Juni 2023.\n"
        "Er ist von 14 Uhr bis 16:30 Uhr.\n"
        "Treff-Punkt: Markt-Platz vor dem Rathaus-Turm.\n"
        "Es gibt auch eine App.\nEine App ist ein Programm für das Handy.\n"
        "Schreiben Sie eine E-Mail an smartcity@gera.de.\n"
        "Oder rufen Sie an: 0365 838-1200.\n"
        "• Samstag, 24. Juni 2023, 14 Uhr–16:30 Uhr: zu Fuß – Haupt-Eingang vom Haupt-Bahnhof")


def test_a_text_that_keeps_the_rules_passes():
    assert problems(GOOD) == []


@pytest.mark.parametrize(("rule", "text"), [
    ("one-statement", "Das Büro ist heute offen, weil Montag ist."),
    ("one-statement", "Sie können anrufen, oder Sie schreiben eine E-Mail."),
    ("sentence-length", "Der Rundgang fängt am Markt-Platz vor dem Rathaus-Turm in der "
                        "Stadt Gera um 14 Uhr an."),
    ("abbreviation", "Fragen Sie z. B. nach dem Rundgang."),
    ("abbreviation", "Der Rundgang dauert ca. 90 Minuten."),
    ("abbreviation", "Sie können anrufen bzw. schreiben."),
    ("abbreviation", "Es gibt Rundgänge, Projekte usw."),
    ("abbreviation", "Das Büro ist zu, d. h. niemand ist da."),
    ("abbreviation", "Das Geld kommt vom BMWSB."),
    ("abbreviation", "Rufen Sie an: Tel. 0365 838-1200."),
    ("abbreviation", "Der Rundgang ist am Sa. 10. Juni."),
    ("parentheses", "Das Büro (im Rathaus) ist offen."),
    ("semicolon", "Das Büro ist offen; rufen Sie an."),
    ("date", "Der Rundgang ist am 10.06.2023."),
    ("date", "Der Rundgang ist am 10. Juni 2023."),
    ("date", "Der Rundgang ist am 2023-06-10."),
    ("time", "Der Rundgang fängt um 14:00 an."),
    ("time", "Der Rundgang fängt um 14:00 Uhr an."),
    ("time", "Der Rundgang fängt um 09:30 Uhr an."),
    ("time", "Der Rundgang endet um 16.30 Uhr."),
    ("long-word", "Die Mobilitätsinsel steht im Wohngebiet."),
    ("long-word", "Die Stadtrundgänge sind beliebt."),
    ("foreign-word", "Es gab drei Workshops in Gera."),
    ("foreign-word", "Das Smart City Cockpit zeigt Daten."),
])
def test_the_linter_rejects_a_text_that_breaks_each_rule(rule, text):
    assert rule in rules_broken(text), problems(text)


def test_every_rule_has_a_test_of_its_own():
    tested = {rule for rule, _ in
              test_the_linter_rejects_a_text_that_breaks_each_rule.pytestmark[0].args[1]}
    assert tested == set(easy_read.RULES)


@pytest.mark.parametrize("text", [
    "Am Samstag, 10. Juni 2023 ist das Büro zu.",  # an ordinal day is no sentence end
    "Dafür gab es ungefähr 516.000 Euro.",  # a thousands separator is no time
    "Der Bund gibt ungefähr 7,5 Millionen Euro.",
    "Mehr dazu: https://cockpit.gera.de/daten?id=1",  # an address is one word
    "Die Sozial-Card ist eine Karte von der Stadt.",
    "Das Projekt heißt „Smart City Cockpit“.",  # a quoted name is no word to explain
    "Sensoren helfen beim Messen.\nDas sind kleine Mess-Geräte.",  # explained next
    "1. Anträge an die Stadt im Internet",  # a numbered list item
])
def test_what_the_rules_allow_passes(text):
    assert problems(text) == []


def test_only_the_first_use_of_a_foreign_word_needs_the_explanation():
    text = "Es gibt eine App.\nEine App ist ein Programm für das Handy.\nDie App ist neu."
    assert problems(text) == []
    assert rules_broken("Die App ist neu.\nEs gibt sie seit Juni 2023.") == {"foreign-word"}


def test_problems_say_which_rule_and_where():
    [problem] = problems("Wir treffen uns um 14:00.")
    assert problem.rule == "time" and problem.where == "14:00"
    assert "14 Uhr" in str(problem)


# ------------------------------------------------------------------ the register


@pytest.mark.parametrize(("value", "expected"), [
    ("easy", EASY), (" Leichte  Sprache ", EASY), ("EASY", EASY), ("standard", STANDARD),
    ("normal", STANDARD), ("fr", None), (None, None), (3, None), ("<script>", None),
])
def test_register_names_are_normalised(value, expected):
    assert easy_read.normalise_register(value) == expected


def test_the_last_instruction_decides_the_register():
    def after(*turns: Turn) -> str:
        return choose_register(turns)

    de, en = "de", "en"
    assert after() == STANDARD and after(Turn(de)) == STANDARD
    # a spoken request, in either direction
    assert after(Turn(de, requested="easy")) == EASY
    assert after(Turn(de, requested="easy"), Turn(de), Turn(de, requested="standard")) == STANDARD
    # the page's switch: its first value in the session counts, then only a flip
    assert after(Turn(de, page="easy")) == EASY
    assert after(Turn(de, page="standard"), Turn(de, page="easy")) == EASY
    assert after(Turn(de, page="easy"), Turn(de, requested="standard"),
                 Turn(de, page="easy")) == STANDARD  # spoken after the flip: speech wins
    assert after(Turn(de, page="easy"), Turn(de, page="standard")) == STANDARD
    # a button (no language decided, no switch sent) changes nothing
    assert after(Turn(de, page="easy"), Turn(None)) == EASY
    # another language switches back, also when the page still says easy
    assert after(Turn(de, requested="easy"), Turn(en)) == STANDARD
    assert after(Turn(de, page="easy"), Turn(en, page="easy"), Turn(de, page="easy")) == STANDARD
    assert after(Turn(de, page="forged"), Turn(de, requested=3)) == STANDARD


def test_easy_source_names_the_web_address():
    assert easy_read.easy_source(
        'TLZ, "Vierzehn Vorschläge für ein smartes Gera" (tlz.de, id231252790)') == "tlz.de"
    assert easy_read.easy_source("gera.de/SMARTCity; 18 December 2020: TLZ") == "gera.de/SMARTCity"
    assert easy_read.easy_source("gera.de news (detail id 26772); tlz.de") == "gera.de"
    assert easy_read.easy_source("Stadt Gera (Aushang)") == "Stadt Gera"


def test_dates_and_times_in_easy_read_german():
    day, at, half = date(2023, 6, 1), time(9, 0), time(16, 30)
    assert (formatting.clock(at), formatting.short_day(day, "de")) == ("09:00", "Do., 01.06.2023")
    with easy_read.speaking(True):
        assert formatting.clock(at) == "9 Uhr" and formatting.clock(half) == "16:30 Uhr"
        assert formatting.short_day(day, "de") == "Donnerstag, 1. Juni 2023"
        assert formatting.as_of(day, "de") == "Donnerstag, 1. Juni 2023"
        assert formatting.short_day(day, "en") == "Thu 1 Jun 2023"  # English unaffected
    assert not easy_read.in_effect()


# ------------------------------------------------------------------ the knowledge base


def easy_texts(kb: Any) -> list[tuple[str, str]]:
    """(where, text) of every easy-read text in the knowledge base."""
    found = []
    for section in ("facts", "projects", "tours", "closures"):
        for record in getattr(kb, section):
            for name, value in vars(record).items():
                if name.endswith("_easy") and value:
                    found.append((f"{section} {getattr(record, 'key', '')} {name}", value))
    return found


def test_every_fact_project_and_tour_has_its_easy_read_text():
    missing = [fact.key for fact in KB.facts if not fact.text_easy]
    missing += [f"{p.key} {name}" for p in KB.projects
                for name in ("name_easy", "description_easy", "status_easy")
                if not getattr(p, name)]
    missing += [tour.key for tour in KB.tours if not tour.meeting_point_easy]
    assert not missing


@pytest.mark.parametrize(("where", "text"), easy_texts(KB), ids=lambda value: value[:40])
def test_knowledge_base_easy_texts_keep_the_rules(where, text):
    assert problems(text) == [], where


def test_the_loader_refuses_an_easy_text_that_breaks_the_rules(tmp_path):
    directory = copy_kb(tmp_path)

    def hard(document: dict) -> None:
        document["facts"][0]["text_easy"] = "Gera ist seit Juli 2019 Modellstadt (BMWSB)."

    edit(directory, "programme.yml", hard)
    with pytest.raises(KnowledgeBaseError) as caught:
        load_directory(directory)
    [error] = caught.value.errors
    assert error.startswith(f"{directory / 'programme.yml'}: facts[0] (key \"about\"): "
                            "field \"text_easy\": not easy-read German")
    assert "parentheses" in error and "abbreviation" in error and "\n" not in error


def test_a_record_in_easy_read_shows_its_easy_texts_and_stays_findable():
    project = next(p for p in KB.projects if p.key == "mobility-island")
    easy = in_easy_read(project)
    assert easy.name_de == "Mobilitäts-Insel im Wohn-Gebiet"
    assert easy.description_de == project.description_easy
    assert project.name_de in easy.synonyms  # the standard name still finds it
    assert easy.source == "tlz.de" and easy.name_en == project.name_en
    fact = next(f for f in KB.facts if f.key == "about")
    assert in_easy_read(fact).text_de == fact.text_easy


# ------------------------------------------------------------------ domain.yml


def easy_variations() -> dict[str, dict]:
    return {name: next((v for v in variations if v.get("condition") == EASY_CONDITION), {})
            for name, variations in DOMAIN["responses"].items()}


def variables(text: str) -> set[str]:
    return set(re.findall(r"\{(\w+)\}", text))


def test_every_response_has_one_easy_read_german_variation():
    missing = [name for name, variation in easy_variations().items() if not variation]
    assert not missing, f"responses without an easy-read variation: {missing}"
    twice = [name for name, variations in DOMAIN["responses"].items()
             if sum(v.get("condition") == EASY_CONDITION for v in variations) > 1]
    assert not twice


def test_easy_variations_need_no_variable_the_actions_do_not_give():
    extra = {}
    for name, variation in easy_variations().items():
        german = next(v for v in DOMAIN["responses"][name] if not v.get("condition"))
        unknown = variables(variation.get("text", "")) - variables(german.get("text", ""))
        if unknown:
            extra[name] = sorted(unknown)
    assert not extra


def test_easy_variations_use_the_formal_address():
    informal = re.compile(r"\b(?:du|dich|dir|dein\w*|kannst|willst|hast)\b", re.IGNORECASE)
    offenders = [name for name, variation in easy_variations().items()
                 if informal.search(variation.get("text", ""))]
    assert not offenders


@pytest.fixture(scope="module")
def kb_loaded(tmp_path_factory):
    """data/kb loaded into a private SQLite file that the actions read."""
    url = sqlite_url(tmp_path_factory.mktemp("easy-kb"))
    load(KB_DIR, url)
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("SMARTCITY_DB_URL", url)
        patch.setenv("SMARTCITY_NOW", "2023-06-21T10:30")
        common.repository.cache_clear()
        yield url
    common.repository.cache_clear()


def realistic_values() -> dict[str, str]:
    """Every variable of the easy variations, as the actions fill it (with the actions' own
    helpers, in easy-read, from the knowledge base)."""
    def say(response: str, **values: str) -> str:
        return common.phrase(DOMAIN, response, "de", register=EASY, **values)

    with easy_read.speaking(True):
        repo = common.repository()
        ahead = repo.tours()[1:4]
        tour, contact_record = ahead[0], repo.contact()
        pilot_list = repo.projects("pilot")
        cockpit = next(p for p in repo.projects() if p.key == "smart-city-cockpit")
        first, last = date(2023, 7, 10), date(2023, 7, 16)
        period = say("utter_period_range", first=formatting.day(first, "de"),
                     last=formatting.day(last, "de"))
        url = "http://localhost:8080/tours/tour-2023-06-24.ics"
        values = {
            **common.contact_vars(contact_record, "de"),
            **common.source_vars(repo.fact("pilots"), "de"),
            "fact": repo.fact("about").text_de,
            "city_services": repo.fact("city_services").text_de,
            "title": say("utter_tour_title", mode=say("utter_tour_mode_bike")),
            "mode": say("utter_tour_mode_foot"),
            "mode_suffix": say("utter_tour_mode_bike"),
            "date": formatting.day(tour.date, "de"),
            "day": formatting.day(date(2023, 6, 24), "de"),
            "next_day": formatting.day(date(2023, 6, 26), "de"),
            "first": formatting.day(first, "de"),
            "last": formatting.day(last, "de"),
            "month": formatting.month(2023, 8, "de"),
            "start": formatting.clock(tour.start),
            "end": formatting.clock(tour.end),
            "opens": formatting.clock(time(9)),
            "closes": formatting.clock(time(17)),
            "next_opens": formatting.clock(time(9)),
            "meeting_point": tour.meeting_point_de,
            "meeting_points": f"• zu Fuß: {tour.meeting_point_de}",
            "tour_list": tours.tour_list(ahead, DOMAIN, "de"),
            "hours_list": hours.hours_list("de"),
            "project_list": pilots.project_list(pilot_list, "de"),
            "count": str(len(pilot_list)),
            "example": min((p.name_de for p in pilot_list), key=len),
            "name": cockpit.name_de,
            "description": cockpit.description_de,
            "status": cockpit.status_de,
            "link": cockpit.links[0],
            "period": period,
            "period_capitalised": period[:1].upper() + period[1:],
            "reason": say("utter_reason_weekend"),
            "holiday": "Weltkindertag",
            "closure": "Das Büro ist wegen einer Feier zu.",
            "calendar_url": url,
            "calendar_line": say("utter_tour_calendar_line", calendar_url=url),
            "project": "smart-city-cockpit",
            "weekday": "friday",
            "draft": "Gibt es auch Rundgänge für Kinder?",
            "address": "name@beispiel.de",
            "number": "17",
        }
    return values


def test_every_easy_variation_filled_with_realistic_values_keeps_the_rules(kb_loaded):
    values = realistic_values()
    broken = {}
    for name, variation in easy_variations().items():
        unknown = variables(variation.get("text", "")) - set(values)
        assert not unknown, f"{name}: give test values for {sorted(unknown)}"
        texts = [variation.get("text", "").format(**values)]
        texts += [button["title"] for button in variation.get("buttons") or []]
        found = [str(problem) for text in texts for problem in problems(text)]
        if found:
            broken[name] = found
    assert not broken


# ------------------------------------------------------------------ the actions


def run_action(action: Any, text: str, slots: dict[str, Any], intent: str = "greet",
               entities: list[dict] | None = None) -> list[dict]:
    latest = {"text": text, "intent": {"name": intent, "confidence": 0.9},
              "entities": entities or [], "intent_ranking": [
                  {"name": intent, "confidence": 0.5}, {"name": "tour_next", "confidence": 0.3},
                  {"name": "hours_week", "confidence": 0.2}]}
    tracker = Tracker("citizen", slots, latest, [], False, None, {}, "")
    dispatcher = CollectingDispatcher()
    asyncio.run(action.run(dispatcher, tracker, DOMAIN))
    return dispatcher.messages


def rendered(message: dict, language: str, register: str) -> list[str]:
    values = {key: value for key, value in message.items()
              if isinstance(value, str | int) and key != "response"}
    texts = [common.phrase(DOMAIN, message["response"], language, register=register,
                           **{k: str(v) for k, v in values.items()})]
    return texts + [button["title"] for button in message.get("buttons") or []]


SCENARIOS = [
    (programme.ActionProgramme(), "Was ist SMARTCity Gera?", "programme_about", [], {}),
    (programme.ActionProgramme(), "Wer fördert das?", "programme_funding", [], {}),
    (pilots.ActionPilotsOverview(), "Welche Pilotprojekte gibt es?", "pilots_overview", [], {}),
    (pilots.ActionImplementationProjects(), "Und die Umsetzungsprojekte?",
     "implementation_projects", [], {}),
    (pilots.ActionPilotDetail(), "Was ist das Smart City Cockpit?", "pilot_detail",
     [{"entity": "project", "value": "smart-city-cockpit"}], {}),
    (pilots.ActionPilotDetail(), "Was ist die Mobilitätsinsel?", "pilot_detail", [], {}),
    (pilots.ActionPilotDetail(), "Was ist das Pilotprojekt Seilbahn?", "pilot_detail", [], {}),
    (tours.ActionToursAbout(), "Was sind die Rundgänge?", "tours_about", [], {}),
    (tours.ActionTourNext(), "Wann ist der nächste Rundgang?", "tour_next", [], {}),
    (tours.ActionToursRemaining(), "Welche Rundgänge kommen noch?", "tours_remaining", [], {}),
    (tours.ActionToursByDate(), "Gibt es im August Rundgänge?", "tours_by_date",
     [{"entity": "month", "value": "8"}], {}),
    (tours.ActionToursByDate(), "Gibt es im Juli Rundgänge?", "tours_by_date", [], {}),
    (tours.ActionTourMeetingPoint(), "Wo beginnen die Rundgänge?", "tour_meeting_point", [], {}),
    (tours.ActionTourMeetingPoint(), "Und wo?", "followup_where", [],
     {"last_tour": "tour-2023-06-24"}),
    (tours.ActionTourDuration(), "Wie lange dauert die?", "followup_how_long", [],
     {"last_tour": "tour-2023-09-02"}),
    (tours.ActionTourMode(), "Zu Fuß oder mit dem Rad?", "followup_mode", [],
     {"last_tour": "tour-2023-09-02"}),
    (tours.ActionTourAfter(), "Und der danach?", "followup_next", [],
     {"last_tour": "tour-2023-09-16"}),
    (tours.ActionTourLast(), "Wann war der letzte Rundgang?", "tour_last", [], {}),
    (tours.ActionTourBooking(), "Was kostet das?", "tour_booking", [], {}),
    (hours.ActionHoursWeek(), "Wann haben Sie geöffnet?", "hours_week", [], {}),
    (hours.ActionHoursDay(), "Haben Sie am Freitag geöffnet?", "hours_day",
     [{"entity": "weekday", "value": "friday"}], {}),
    (hours.ActionHoursDay(), "Haben Sie am Samstag geöffnet?", "hours_day",
     [{"entity": "weekday", "value": "saturday"}], {}),
    (hours.ActionOpenNow(), "Haben Sie jetzt offen?", "open_now", [], {}),
    (contact.ActionContact(), "Wie erreiche ich Sie?", "contact", [], {}),
    (handoff.ActionOutOfScope(), "Wie beantrage ich einen Pass?", "out_of_scope", [], {}),
    (handoff.ActionDefaultAskAffirmation(), "blubb", "nlu_fallback", [], {}),
    (handoff.ActionClarifyFollowup(), "Und wo?", "followup_where", [], {}),
]


@pytest.mark.parametrize(("action", "text", "intent", "entities", "slots"), SCENARIOS,
                         ids=[f"{type(s[0]).__name__}:{s[1]}" for s in SCENARIOS])
def test_the_actions_answer_in_easy_read_german(kb_loaded, action, text, intent, entities,
                                                 slots):
    messages = run_action(action, text, {"language": "de", "register": "easy", **slots},
                          intent, entities)
    assert messages and messages[0]["response"] not in ("utter_unknown",
                                                         "utter_service_unavailable")
    for message in messages:
        for reply in rendered(message, "de", EASY):
            assert problems(reply) == [], reply
    assert not easy_read.in_effect()  # the register ends with the answer


@pytest.mark.parametrize(("action", "text", "intent", "entities", "slots"), SCENARIOS[:12],
                         ids=[f"{type(s[0]).__name__}:{s[1]}" for s in SCENARIOS[:12]])
def test_english_answers_are_not_touched_by_the_register(kb_loaded, action, text, intent,
                                                         entities, slots):
    english = run_action(action, text, {"language": "en", "register": "easy", **slots},
                         intent, entities)
    standard = run_action(action, text, {"language": "en", "register": "standard", **slots},
                          intent, entities)
    assert english == standard


def test_easy_read_facts_come_from_the_knowledge_base(kb_loaded):
    [message] = run_action(programme.ActionProgramme(), "Wer fördert das?",
                           {"language": "de", "register": "easy"}, "programme_funding")
    funding = next(f for f in KB.facts if f.key == "funding")
    assert message["fact"] == funding.text_easy and message["source"] == "gera.de/SMARTCity"
    [standard] = run_action(programme.ActionProgramme(), "Wer fördert das?",
                            {"language": "de", "register": "standard"}, "programme_funding")
    assert standard["fact"] == funding.text_de and standard["as_of"] == "01.06.2023"


def test_phrase_picks_the_variation_rasa_would():
    assert common.phrase(DOMAIN, "utter_tour_mode_bike", "de") == " mit dem Rad"
    assert common.phrase(DOMAIN, "utter_tour_mode_bike", "de", register=EASY) == " mit dem Fahrrad"
    assert common.phrase(DOMAIN, "utter_tour_mode_bike", "en", register=EASY) == " by bike"
    with easy_read.speaking(True):
        assert common.phrase(DOMAIN, "utter_tour_mode_bike", "de") == " mit dem Fahrrad"
    with pytest.raises(KeyError):
        common.phrase({"responses": {"x": [{"text": "nur Deutsch"}]}}, "x", "en")


# ------------------------------------------------------------------ NLU: the decision

RASA_DOMAIN = Domain.load(str(DOMAIN_FILE))
DECIDER = LanguageDecider({}, classifier=source_classifier())


def decide(text: str, *events: Any, intent: str = "greet", entities: tuple = (),
           metadata: dict | None = None) -> dict[str, str]:
    tracker = (DialogueStateTracker.from_events("citizen", list(events),
                                                slots=RASA_DOMAIN.slots) if events else None)
    message = Message(data={TEXT: text, INTENT: {"name": intent, "confidence": 0.9},
                            ENTITIES: list(entities), "metadata": metadata})
    DECIDER.process([message], tracker)
    return {e["entity"]: e["value"] for e in message.get(ENTITIES)
            if e["entity"] in ("language", "register")}


def test_a_spoken_request_switches_and_names_the_register():
    asked = decide("Bitte in Leichter Sprache", intent="switch_register",
                   entities=({"entity": "target_register", "value": "easy"},))
    assert asked == {"language": "de", "register": "easy"}
    simpler = decide("Können Sie das einfacher sagen?", UserUttered("Hallo"),
                     intent="switch_register")
    assert simpler["register"] == "easy"  # naming none asks for easier words
    back = decide("Normale Sprache bitte", UserUttered("Hallo"), SlotSet("register", "easy"),
                  intent="switch_register",
                  entities=({"entity": "target_register", "value": "standard"},))
    assert back["register"] == "standard"


def test_easy_read_asked_for_in_english_answers_in_german():
    asked = decide("Please answer in easy German", UserUttered("Hello there, how are you?"),
                   SlotSet("language", "en"), intent="switch_register",
                   entities=({"entity": "target_register", "value": "easy"},))
    assert asked == {"language": "de", "register": "easy"}


def test_english_switches_back_to_the_standard_register():
    asked = UserUttered("Bitte in Leichter Sprache", intent={"name": "switch_register"},
                        entities=[{"entity": "language", "value": "de"}])
    easy = (asked, SlotSet("register", "easy"))
    assert "register" not in decide("Wann haben Sie geöffnet?", *easy)  # unchanged: no entity
    assert decide("What are your office hours, please?", *easy)["register"] == "standard"
    english = (*easy, UserUttered("What are your office hours, please?",
                                  entities=[{"entity": "language", "value": "en"}]),
               SlotSet("register", "standard"))
    assert "register" not in decide("Wann haben Sie geöffnet?", *english)  # German: standard


def test_the_page_switch_counts_when_it_is_flipped():
    on, off = {"language": "de", "register": "easy"}, {"language": "de", "register": "standard"}
    assert decide("Hallo", metadata=on)["register"] == "easy"  # the session's first message
    before_off = (UserUttered("Hallo", metadata=off),)
    assert decide("Wann haben Sie geöffnet?", *before_off, metadata=on)["register"] == "easy"
    # spoken "normal" while the switch stays on: the switch was not flipped, speech wins
    spoken = (UserUttered("Hallo", metadata=on), SlotSet("register", "easy"),
              UserUttered("Normale Sprache bitte", metadata=on,
                          intent={"name": "switch_register"},
                          entities=[{"entity": "target_register", "value": "standard"}]),
              SlotSet("register", "standard"))
    assert "register" not in decide("Wann haben Sie geöffnet?", *spoken, metadata=on)
    # a question replayed after the switch (no metadata) is no flip either
    replayed = (*spoken, UserUttered("Wann ist der nächste Rundgang?"))
    assert "register" not in decide("Wann haben Sie geöffnet?", *replayed, metadata=on)
    # a new session starts with the page's setting
    assert decide("Wann haben Sie geöffnet?", *spoken, SessionStarted(),
                  metadata=on)["register"] == "easy"


def test_a_register_taken_back_with_an_unclear_message_comes_back():
    """The two-stage fallback replaces the unclear first message (and the slot it set)."""
    on = {"language": "de", "register": "easy"}
    unclear = UserUttered("Gibt es das Dings am Ding?", metadata=on,
                          intent={"name": "nlu_fallback"},
                          entities=[{"entity": "register", "value": "easy"}])
    events = (unclear, SlotSet("register", "easy"), UserUtteranceReverted(),
              UserUttered("/deny", metadata=on, intent={"name": "deny"}))
    assert decide("Wann haben Sie geöffnet?", *events, metadata=on)["register"] == "easy"


def test_forged_register_values_are_ignored_by_the_slot():
    tracker = DialogueStateTracker.from_events(
        "citizen", [SlotSet("register", "easy"), SlotSet("register", "fr"),
                    SlotSet("register", {"x": 1})], slots=RASA_DOMAIN.slots)
    assert tracker.get_slot("register") == "easy"
    tracker.update(SlotSet("register", "Normale Sprache"))
    assert tracker.get_slot("register") == "standard"


def test_the_docs_name_a_source_for_every_rule():
    guide = (ROOT / "docs" / "easy-read.md").read_text(encoding="utf-8")
    for rule in easy_read.RULES:
        assert f"`{rule}`" in guide, rule
    assert "BITV 2.0" in guide and "Netzwerk Leichte Sprache" in guide
    assert Path(ROOT / "docs" / "knowledge-base.md").read_text().count("_easy") >= 3
