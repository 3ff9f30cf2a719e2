"""Citizen conversations over the REST channel against the running stack, with the clock
pinned by SMARTCITY_NOW (as the held-out checks do)."""

import pytest

pytestmark = pytest.mark.stack

FRIDAY_MORNING = "2023-06-09T10:30"  # office open, first tour tomorrow
MID_SUMMER = "2023-07-09T12:00"  # next tour is 12.08. (the page lists 22.08. before it)
WELTKINDERTAG = "2023-09-20T10:00"  # Thuringian public holiday, a Wednesday
AFTER_LAST_TOUR = "2023-09-17T11:00"


def test_next_tour_and_follow_up_meeting_point(chat):
    citizen = chat(FRIDAY_MORNING)
    reply = citizen.say("Wann ist der nächste Rundgang?")
    assert "10. Juni 2023" in reply and "14:00" in reply and "Quelle" in reply
    follow_up = citizen.say("Und wo trifft man sich?")
    assert "Marktplatz vor dem Rathausturm" in follow_up


def test_next_tour_sorted_by_date(chat):
    reply = chat(MID_SUMMER).say("When is the next tour?")
    assert "12 August 2023" in reply and "22 August" not in reply


def test_next_bike_tour(chat):
    reply = chat(FRIDAY_MORNING).say("Wann ist die nächste Radtour?")
    assert "10. Juni 2023" in reply and "Rad" in reply


def test_tours_in_a_month_in_date_order(chat):
    reply = chat(FRIDAY_MORNING).say("Gibt es im August Rundgänge?")
    assert reply.index("12.08.2023") < reply.index("22.08.2023")


def test_no_tour_ahead_names_last_one_and_contact(chat):
    reply = chat(AFTER_LAST_TOUR).say("Wann ist der nächste Stadtrundgang?")
    assert "16. September 2023" in reply
    assert "smartcity@gera.de" in reply and "0365 838-1200" in reply


def test_tour_price_is_not_invented(chat):
    reply = chat(FRIDAY_MORNING).say("How much does the tour cost?")
    assert "smartcity@gera.de" in reply
    assert "€" not in reply and "euro" not in reply.lower()


def test_open_now_on_friday_morning(chat):
    reply = chat(FRIDAY_MORNING).say("Ist das Büro jetzt geöffnet?")
    assert reply.startswith("Ja") and "15:00" in reply


def test_closed_on_weltkindertag_says_why_and_when(chat):
    reply = chat(WELTKINDERTAG).say("Is the office open right now?")
    assert reply.startswith("No") and "World Children's Day" in reply
    assert "21 September 2023" in reply and "09:00" in reply


def test_hours_on_a_saturday(chat):
    reply = chat(FRIDAY_MORNING).say("Haben Sie am Samstag geöffnet?")
    assert "geschlossen" in reply and "Wochenende" in reply
    assert "12. Juni 2023" in reply  # next opening Monday


def test_weekly_hours_in_english(chat):
    reply = chat(FRIDAY_MORNING).say("What are your office hours?")
    assert "Friday: 09:00–15:00" in reply and "Monday: 09:00–17:00" in reply


def test_contact(chat):
    reply = chat(FRIDAY_MORNING).say("Wie kann ich Sie erreichen?")
    for part in ("Kornmarkt 12", "07545 Gera", "Rico Trost", "smartcity@gera.de",
                 "0365 838-1200"):
        assert part in reply


def test_funding_with_source(chat):
    reply = chat().say("Wie viel Geld bekommt Gera für SMARTCity?")
    assert "7,5 Millionen" in reply and "Quelle" in reply and "Stand" in reply


def test_pilot_project_by_synonym(chat):
    reply = chat().say("Was sind die Solarlaternen?")
    assert "Ufer-Elster-Park" in reply


def test_unknown_project_is_not_described(chat):
    reply = chat().say("Was ist das Pilotprojekt Seilbahn?")
    assert "keine Angaben" in reply and "smartcity@gera.de" in reply


def test_pilots_overview_lists_fourteen(chat):
    reply = chat().say("Welche Pilotprojekte gibt es?")
    assert "14." in reply and "1." in reply


def test_out_of_scope_gives_contact(chat):
    reply = chat().say("Wie beantrage ich einen Reisepass?")
    assert "smartcity@gera.de" in reply


def test_language_switch_mid_conversation(chat):
    citizen = chat()
    assert "Hello" in citizen.say("Hello")
    assert "Deutsch" in citizen.say("Bitte antworten Sie auf Deutsch")
    assert "Servicezeiten" in citizen.say("Öffnungszeiten?")
    # a clear English sentence switches back: the citizen now writes English
    assert "Office hours" in citizen.say("What are the office hours?")


def test_short_messages_keep_language(chat):
    citizen = chat()
    citizen.say("Hello, what can you do?")
    assert "You're welcome" in citizen.say("Danke")


def test_page_language_metadata_sets_start(chat):
    citizen = chat(metadata={"language": "en"})
    assert "Hello" in citizen.say("Hallo")  # the page is English; "Hallo" is no evidence


@pytest.mark.parametrize(
    "bad",
    ["", "   ", "x" * 100_000, "<script>alert('x')</script>", "'; DROP TABLE tours; --",
     "\u202e\u0000\u200b", "🙂🙂🙂", '/greet{"language": "fr"}', "/unknown_intent"],
)
def test_bad_input_gets_a_calm_reply_and_changes_nothing(chat, bad):
    citizen = chat(FRIDAY_MORNING)
    reply = citizen.say(bad)
    assert reply.strip(), f"no reply to {bad[:30]!r}"
    assert "Traceback" not in reply and "Error" not in reply
    after = citizen.say("Wann ist der nächste Rundgang?")
    assert "10. Juni 2023" in after  # still German, knowledge base intact
