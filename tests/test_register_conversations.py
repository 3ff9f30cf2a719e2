"""Easy-read German (Leichte Sprache) over REST against the running stack: switched on and off
by a spoken request and by the web page's switch (message metadata ``register``), an
easy-read answer for every topic (each reply checked by the easy-read linter), the register
kept across follow-ups, and English untouched."""

from __future__ import annotations

import pytest

from bot.logic.easy_read import problems

pytestmark = pytest.mark.stack

TOURS_AHEAD = "2023-06-21T10:30"  # Wednesday, office open; next tours 24.06., 08.07., ...
SATURDAY = "2023-06-10T09:00"  # office closed (weekend)
PAGE_EASY = {"language": "de", "register": "easy"}
PAGE_STANDARD = {"language": "de", "register": "standard"}


def assert_easy(reply: str, *wanted: str) -> None:
    """An easy-read reply: the checkable rules hold and the wanted facts are there."""
    assert reply.strip(), "no reply"
    assert problems(reply) == [], reply
    for text in wanted:
        assert text in reply, f"{text!r} missing in {reply!r}"


def test_switch_to_easy_read_and_back_by_request(chat):
    citizen = chat(TOURS_AHEAD)
    switched = citizen.say("Bitte in Leichter Sprache")
    assert_easy(switched, "Ich schreibe jetzt in Leichter Sprache")
    assert_easy(citizen.say("Wann haben Sie geöffnet?"),
                "Das Büro ist zu diesen Zeiten offen", "Freitag: 9 Uhr–15 Uhr")
    back = citizen.say("Normale Sprache bitte")
    # confirmed, and the last answer again in the standard register
    assert "in normaler Sprache" in back and "Freitag: 09:00–15:00" in back, back
    standard = citizen.say("Wann ist der nächste Rundgang?")
    assert "24. Juni 2023" in standard and "Quelle:" in standard and problems(standard)


def test_simpler_please_gives_the_last_answer_again_in_easy_read(chat):
    citizen = chat(TOURS_AHEAD)
    assert "7,5 Millionen" in citizen.say("Wer fördert SMARTCity Gera?")
    assert_easy(citizen.say("Können Sie das einfacher sagen?"),
                "Der Bund ist der Staat Deutschland", "7,5 Millionen Euro",
                "Die Angaben kommen von der Internet-Seite gera.de/SMARTCity")


def test_the_page_switch_turns_easy_read_on_and_off(chat):
    citizen = chat(TOURS_AHEAD, metadata=PAGE_EASY)
    assert_easy(citizen.say("Hallo"), "Ich bin der digitale Helfer")
    assert_easy(citizen.say("Wann ist der nächste Rundgang?"),
                "Der nächste Termin ist am Samstag, 24. Juni 2023", "von 14 Uhr bis 16:30 Uhr")
    # spoken "normal" while the page's switch stays on: the request wins
    assert "in normaler Sprache" in citizen.say("Bitte wieder normale Sprache")
    assert "Quelle:" in citizen.say("Wann haben Sie geöffnet?")
    citizen.metadata = PAGE_STANDARD  # the switch is flipped off ...
    assert "Quelle:" in citizen.say("Wie kann ich Sie erreichen?")
    citizen.metadata = PAGE_EASY  # ... and on again
    assert_easy(citizen.say("Wie kann ich Sie erreichen?"),
                "So erreichen Sie das SMARTCity-Team", "Kornmarkt 12, 07545 Gera")


def test_the_last_answer_again_comes_in_the_new_register(chat):
    """The question that switched the register on (here by the page's switch) is given again
    after "normale Sprache": its answer must come in the standard register. Needs
    action_repeat_answer to replay it without its old ``register`` entity (actions/handoff.py,
    as it already does for ``language``)."""
    citizen = chat(TOURS_AHEAD, metadata=PAGE_EASY)
    assert_easy(citizen.say("Wann ist der nächste Rundgang?"), "Samstag, 24. Juni 2023")
    back = citizen.say("Bitte wieder normale Sprache")
    assert "in normaler Sprache" in back and "Quelle:" in back, back


# (message, the clock, facts the easy-read answer must give)
TOPICS = [
    ("Was ist SMARTCity Gera?", TOURS_AHEAD, ["Modell-Stadt", "7,5 Millionen Euro"]),
    ("Wie viel Geld bekommt Gera für SMARTCity?", TOURS_AHEAD, ["7,5 Millionen Euro"]),
    ("Wie lange läuft das Modellprojekt?", TOURS_AHEAD, ["7 Jahre"]),
    ("Welche Pilotprojekte gibt es?", TOURS_AHEAD,
     ["Das sind die 14 Pilot-Projekte", "14. Besucher-Zahlen vom Hofwiesenbad"]),
    ("Was sind die Solarlaternen?", TOURS_AHEAD, ["Ufer-Elster-Park", "Strom von der Sonne"]),
    ("Was ist das Smart City Cockpit?", TOURS_AHEAD, ["cockpit.gera.de"]),
    ("Was ist das Projekt Seilbahn?", TOURS_AHEAD, ["Zu diesem Projekt weiß ich nichts"]),
    ("Welche Umsetzungsprojekte gibt es?", TOURS_AHEAD, ["Umsetzungs-Projekte"]),
    ("Wann ist der nächste Rundgang?", TOURS_AHEAD,
     ["Samstag, 24. Juni 2023", "von 14 Uhr bis 16:30 Uhr", "Haupt-Eingang vom Haupt-Bahnhof"]),
    ("Welche Stadtrundgänge stehen noch an?", TOURS_AHEAD,
     ["Samstag, 2. September 2023, 14 Uhr–16:30 Uhr: mit dem Fahrrad"]),
    ("Gibt es im August Rundgänge?", TOURS_AHEAD, ["Dienstag, 22. August 2023"]),
    ("Wann ist der nächste Stadtrundgang?", "2023-10-10T09:30",
     ["Samstag, 16. September 2023", "smartcity@gera.de"]),
    ("Was kostet ein Rundgang?", TOURS_AHEAD, ["Dazu habe ich keine Angaben", "0365 838-1200"]),
    ("Wann haben Sie geöffnet?", TOURS_AHEAD, ["Montag: 9 Uhr–17 Uhr"]),
    ("Ist das Büro jetzt geöffnet?", TOURS_AHEAD, ["Ja, das Büro ist jetzt offen", "17 Uhr"]),
    ("Haben Sie am Samstag geöffnet?", TOURS_AHEAD,
     ["Es ist Wochen-Ende", "Montag, 26. Juni 2023", "ab 9 Uhr"]),
    ("Ist das Büro jetzt geöffnet?", SATURDAY, ["Nein, das Büro ist jetzt zu"]),
    ("Wie kann ich Sie erreichen?", TOURS_AHEAD, ["Kornmarkt 12", "Rico Trost"]),
    ("Wie beantrage ich einen Reisepass?", TOURS_AHEAD, ["StadtService H35", "0365 838-1900"]),
    ("Hallo", TOURS_AHEAD, ["Ich bin der digitale Helfer von SMARTCity Gera"]),
    ("Welche Fragen kann ich stellen?", TOURS_AHEAD, ["Ich beantworte Fragen zu diesen Themen"]),
    ("Sind Sie ein Mensch?", TOURS_AHEAD, ["Ich bin kein Mensch"]),
    ("Danke!", TOURS_AHEAD, ["Gern geschehen"]),
]


@pytest.mark.parametrize(("message", "now", "wanted"), TOPICS,
                         ids=[f"{message} @{now}" for message, now, _ in TOPICS])
def test_every_topic_answers_in_easy_read(chat, message, now, wanted):
    assert_easy(chat(now, metadata=PAGE_EASY).say(message), *wanted)


def test_the_fallback_answers_in_easy_read(chat):
    citizen = chat(TOURS_AHEAD, metadata=PAGE_EASY)
    assert_easy(citizen.say("Hallo"))
    unclear = "Gibt es das Dings am Ding?"
    assert_easy(citizen.say(unclear), "Das habe ich nicht genau verstanden")
    titles = [button["title"] for button in citizen.buttons()]
    assert "Keine von diesen Fragen" in titles, titles
    assert all(problems(title) == [] for title in titles), titles
    # unclear twice in a row: the honest answer with the contact
    assert_easy(citizen.say(unclear), "Das kann ich leider nicht beantworten",
                "smartcity@gera.de")


@pytest.mark.parametrize(("turns"), [
    [("Wann ist der nächste Stadtrundgang?", ["Samstag, 24. Juni 2023"]),
     ("Und der danach?", ["Samstag, 8. Juli 2023"]),
     ("Und wo trifft man sich?", ["Haupt-Eingang vom Haupt-Bahnhof", "14 Uhr"]),
     ("Wie lange dauert so eine Tour?", ["90 Minuten", "bis 16:30 Uhr"])],
    [("Wann haben Sie heute geöffnet?", ["17 Uhr"]),
     ("Und am Freitag?", ["Freitag, 23. Juni 2023", "bis 15 Uhr"]),
     ("Und wo?", ["Kornmarkt 12"])],
    [("Was ist das Smart City Cockpit?", ["cockpit.gera.de"]),
     ("Läuft das noch?", ["Das Pilot-Projekt ist fertig"])],
], ids=["tours", "office", "project"])
def test_the_register_is_kept_across_follow_ups(chat, turns):
    citizen = chat(TOURS_AHEAD)
    assert_easy(citizen.say("Bitte in Leichter Sprache"))
    for message, wanted in turns:
        assert_easy(citizen.say(message), *wanted)


def test_english_is_not_touched(chat):
    # the page asks for easy-read German, the citizen writes English: standard English
    citizen = chat(TOURS_AHEAD, metadata={"language": "en", "register": "easy"})
    reply = citizen.say("When is the next tour?")
    assert "24 June 2023" in reply and "14:00" in reply and "Source:" in reply, reply
    # easy-read German, then English: English answers, and back in German the standard
    citizen = chat(TOURS_AHEAD)
    citizen.say("Bitte in Leichter Sprache")
    english = citizen.say("What are your office hours?")
    assert "Office hours (" in english and "Friday: 09:00–15:00" in english, english
    german = citizen.say("Wann ist der nächste Rundgang?")
    assert "Quelle:" in german and "24. Juni 2023" in german, german


def test_easy_read_asked_for_in_english_answers_in_german(chat):
    citizen = chat(TOURS_AHEAD)
    assert "Office hours (" in citizen.say("What are your office hours?")
    reply = citizen.say("Please answer in easy German")
    assert_easy(reply, "Ich schreibe jetzt in Leichter Sprache", "Montag: 9 Uhr–17 Uhr")
