"""Trust over REST against the running stack: compound messages, noise around a question,
out-of-scope questions that share words with SMARTCity, and the "what is" answer."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.stack

NOW = "2023-06-21T10:30"  # Wednesday, office open, next tour 24.06.2023


@pytest.mark.parametrize(("message", "wanted"), [
    ("Hallo, wann ist der nächste Rundgang?", "24. Juni 2023"),
    ("Guten Tag! Wann hat das Büro am Freitag geöffnet?", "15:00"),
    ("Hi! When is the next tour?", "24 June 2023"),
    ("Hello, what are your opening hours?", "Monday"),
])
def test_greeting_and_question_answers_the_question(chat, message, wanted):
    assert wanted in chat(NOW).say(message)


@pytest.mark.parametrize(("message", "wanted"), [
    ("danke, tschüss", "Auf Wiedersehen"),
    ("thanks, bye", "Goodbye"),
])
def test_thanks_and_bye_closes_politely(chat, message, wanted):
    assert wanted in chat(NOW).say(message)


@pytest.mark.parametrize(("message", "wanted"), [
    ("<b>Wann haben Sie geöffnet?</b>", "Montag"),
    ("<p>Wann ist der nächste Rundgang???</p> 🙂 https://www.gera.de", "24. Juni 2023"),
    ("<script>alert(1)</script> What are your opening hours?", "Monday"),
    ("<i>When is the next tour?</i>!!!", "24 June 2023"),
])
def test_noise_around_a_question_is_ignored_and_never_echoed(chat, message, wanted):
    reply = chat(NOW).say(message)
    assert wanted in reply
    # The citizen's markup and links are never echoed (the answer's own calendar link is).
    for markup in ("<", ">", "script", "alert", "www.gera.de", "https://www"):
        assert markup not in reply


# Questions from other domains that share words with SMARTCity; none may get its facts.
SMARTCITY_FACTS = ("Juni 2023", "June 2023", "7,5 Millionen", "7.5 million", "Kornmarkt",
                   "Hauptbahnhof", "railway station", "Pilotprojekte:", "pilot projects:",
                   "09:00")


@pytest.mark.parametrize("message", [
    "Wie viel Geld ist gerade auf meinem Girokonto?",
    "Wann ist bei mir der nächste Zahltag?",
    "Wie ist die Bankleitzahl der Sparkasse Gera?",
    "Können Sie mir helfen, ein Meeting mit meinen Kollegen zu planen?",
    "Wann hat der Supermarkt am Sonntag geöffnet?",
    "Wir planen eine Radtour an der Ostsee, welche Route ist schön?",
    "How much money is in my savings account?",
    "When is my next pay day?",
    "What is the routing number of my bank?",
    "Help me schedule a project meeting with my team",
    "When does the pharmacy on the corner open?",
    "How do I become an airline pilot?",
])
def test_questions_sharing_words_with_the_domain_get_no_smartcity_facts(chat, message):
    reply = chat(NOW).say(message)
    leaked = [fact for fact in SMARTCITY_FACTS if fact in reply]
    assert not leaked, f"{message!r} answered with SMARTCity facts {leaked}: {reply!r}"


@pytest.mark.parametrize(("message", "wanted"), [
    ("Wie beantrage ich einen neuen Personalausweis?", ["StadtService H35", "0365 838-1900",
                                                         "smartcity@gera.de"]),
    ("Where do I register my new address?", ["StadtService H35", "0365 838-1900"]),
])
def test_other_city_services_are_referred_to_the_stadtservice(chat, message, wanted):
    reply = chat(NOW).say(message)
    for text in wanted:
        assert text in reply
    assert "115" not in reply.replace("0365", "")


@pytest.mark.parametrize(("message", "wanted"), [
    ("Was ist SMARTCity Gera?", ["lebenswert", "Juli 2019", "7,5 Millionen",
                                 "Umsetzungsphase", "Quelle"]),
    ("What is SMARTCity Gera?", ["liveable", "July 2019", "7.5 million",
                                 "implementation phase", "Source"]),
])
def test_what_is_smartcity_gives_the_essentials_and_offers_details(chat, message, wanted):
    citizen = chat(NOW)
    reply = citizen.say(message)
    for text in wanted:
        assert text in reply
    assert len(citizen.buttons()) == 3


@pytest.mark.parametrize(("first", "second", "first_answer", "second_answer"), [
    ("Wann ist der nächste Rundgang?", "Und wie lange dauert er?", "24. Juni 2023", "90"),
    ("When is the next tour?", "And how long does it take?", "24 June 2023", "90"),
])
def test_two_questions_answer_the_first_and_offer_the_second(
        chat, first, second, first_answer, second_answer):
    conversation = chat(NOW)
    reply = conversation.say(f"{first} {second}")
    assert first_answer in reply
    offered = conversation.buttons()
    assert [b["title"] for b in offered] == [second], offered
    # The offered question, sent as the button sends it, is answered in the same context.
    assert second_answer in conversation.say(offered[0]["payload"])
