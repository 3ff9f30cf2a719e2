"""Follow-up questions read in the conversation's context, over REST against the running
stack (the clock pinned per conversation): two- and three-turn conversations per language
across tours (with tours ahead and with none), office hours and holidays, pilots, contact and
the programme, a language switch in the middle, and follow-ups with nothing to refer to."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.stack

TOURS_AHEAD = "2023-06-21T10:30"  # Wednesday; next tours 24.06., 08.07., 12.08., 22.08. ...
NO_TOURS_AHEAD = "2023-10-10T09:30"  # Tuesday; the last tour was 16.09.
BEFORE_WELTKINDERTAG = "2023-09-19T10:00"  # Tuesday; 20.09. is a Thuringian holiday

# (name, now, [(message, every one of these in the reply, none of these in the reply)])
GERMAN = [
    ("tour after tour", TOURS_AHEAD, [
        ("Wann ist der nächste Stadtrundgang?", ["24. Juni 2023"], []),
        ("Und der danach?", ["8. Juli 2023"], ["24. Juni"]),
        ("und der danach?", ["12. August 2023"], ["22. August"])]),
    ("bike tour duration", TOURS_AHEAD, [
        ("Wann ist die nächste Radtour?", ["2. September 2023"], []),
        ("Wie lange dauert die?", ["90", "16:30"], ["sieben Jahre"])]),
    ("tour start", TOURS_AHEAD, [
        ("Wann ist der nächste Rundgang?", ["24. Juni 2023"], []),
        ("Und wo geht es los?", ["Hauptbahnhof"], ["Kornmarkt"])]),
    ("tour mode", TOURS_AHEAD, [
        ("Wann ist die nächste Radtour?", ["2. September 2023"], []),
        ("Zu Fuß oder mit dem Rad?", ["mit dem Rad"], [])]),
    ("tour dog", TOURS_AHEAD, [
        ("Wann ist der nächste Rundgang?", ["24. Juni 2023"], []),
        ("Kann ich meinen Hund mitnehmen?", ["smartcity@gera.de"], ["Hundesteuer", "H35"])]),
    ("tour by bike instead", TOURS_AHEAD, [
        ("Wann ist der nächste Rundgang?", ["24. Juni 2023"], []),
        ("Und mit dem Rad?", ["2. September 2023"], [])]),
    ("tours by month", TOURS_AHEAD, [
        ("Gibt es im Juli Rundgänge?", ["08.07.2023"], []),
        ("Und im August?", ["12.08.2023", "22.08.2023"], ["08.07.2023"])]),
    ("tour on saturday", TOURS_AHEAD, [
        ("Wann ist der nächste Rundgang?", ["24. Juni 2023"], []),
        ("Und am Samstag?", ["24.06.2023"], ["geschlossen"])]),
    ("no tour ahead then where", NO_TOURS_AHEAD, [
        ("Wann ist der nächste Rundgang?", ["16. September 2023", "smartcity@gera.de"], []),
        ("Und wo war der?", ["Hauptbahnhof"], [])]),
    ("no tour ahead then duration", NO_TOURS_AHEAD, [
        ("Wann ist die nächste Radtour?", ["smartcity@gera.de"], []),
        ("Wie lange dauert so eine Tour?", ["90"], ["sieben Jahre"])]),
    ("office friday", TOURS_AHEAD, [
        ("Wann haben Sie heute geöffnet?", ["17:00"], []),
        ("Und am Freitag?", ["23. Juni 2023", "15:00"], ["17:00"])]),
    ("office tomorrow", TOURS_AHEAD, [
        ("Wie sind die Servicezeiten?", ["Freitag"], []),
        ("und morgen?", ["22. Juni 2023", "17:00"], [])]),
    ("office saturday", TOURS_AHEAD, [
        ("Ist das Büro jetzt offen?", ["Ja"], []),
        ("Und am Samstag?", ["geschlossen"], ["14:00"])]),
    ("holiday then the day after", BEFORE_WELTKINDERTAG, [
        ("Haben Sie morgen geöffnet?", ["Weltkindertag"], []),
        ("und übermorgen?", ["21. September 2023", "17:00"], [])]),
    ("a named day then the day after", TOURS_AHEAD, [
        ("Hat das Büro am Donnerstag geöffnet?", ["22. Juni 2023"], []),
        ("und einen Tag später?", ["23. Juni 2023", "15:00"], ["22. Juni"])]),
    ("hours then phone", TOURS_AHEAD, [
        ("Wann haben Sie geöffnet?", ["Montag"], []),
        ("Danke! Und wie ist die Telefonnummer?", ["0365 838-1200"], [])]),
    ("contact then where", TOURS_AHEAD, [
        ("Wie erreiche ich das SMARTCity-Team?", ["smartcity@gera.de"], []),
        ("Und wo?", ["Kornmarkt"], [])]),
    ("pilot still running", TOURS_AHEAD, [
        ("Was ist das Smart City Cockpit?", ["Cockpit"], []),
        ("Läuft das noch?", ["Cockpit", "Status"], [])]),
    ("funding then duration", TOURS_AHEAD, [
        ("Wer fördert SMARTCity Gera?", ["7,5 Millionen"], []),
        ("Und wie lange läuft das?", ["sieben Jahre"], ["90"])]),
    ("topic changes to the office", TOURS_AHEAD, [
        ("Wann ist der nächste Rundgang?", ["24. Juni 2023"], []),
        ("Wann hat das Büro geöffnet?", ["Montag"], []),
        ("Und am Freitag?", ["15:00"], ["24.06.2023"])]),
    ("switch to English in the middle", TOURS_AHEAD, [
        ("Wann ist der nächste Stadtrundgang?", ["24. Juni 2023"], []),
        ("and the one after that?", ["8 July 2023"], ["Juli"])]),
    ("the last answer again in English", TOURS_AHEAD, [
        ("Wer fördert SMARTCity Gera?", ["7,5 Millionen"], []),
        ("Can you answer in English, please?", ["English", "7.5 million"], ["Millionen"])]),
    ("a dated tour's meeting point then its time", TOURS_AHEAD, [
        ("Wo startet die Führung am 12. August?", ["12. August 2023"], ["Die Treffpunkte"]),
        ("Um welche Uhrzeit geht es los?", ["12. August 2023", "14:00"], [])]),
    ("the office on a holiday named by its date", TOURS_AHEAD, [
        ("Ist das Büro am 31. Oktober geöffnet?", ["Reformationstag"], []),
        ("und am Tag darauf?", ["1. November 2023", "17:00"], [])]),
    ("the last tour", TOURS_AHEAD, [
        ("Wann war der letzte Rundgang?", ["10. Juni 2023"], ["24. Juni"]),
        ("Und wo hat der angefangen?", ["10. Juni 2023"], [])]),
    ("a project then a question about it without its name", TOURS_AHEAD, [
        ("Was ist das digitale Theater?", ["Theater"], []),
        ("Wann gab es die erste Folge?", ["Juni 2023"], ["keine Angaben"])]),
    ("the pilots then their budget", TOURS_AHEAD, [
        ("Welche Pilotprojekte gab es?", ["Pilotprojekte"], []),
        ("Und wie teuer waren die?", ["516.000"], [])]),
    ("one project then its cost, which is not on file", TOURS_AHEAD, [
        ("Was ist das digitale Theater?", ["Theater"], []),
        ("Wie teuer war das?", ["smartcity@gera.de"], ["516.000"])]),
    ("nothing to refer to", TOURS_AHEAD, [
        ("Und wo?", ["Worauf bezieht sich Ihre Frage"], ["Hauptbahnhof", "Kornmarkt"])]),
    ("nothing to refer to, then a choice by number", TOURS_AHEAD, [
        ("Und der danach?", ["Worauf bezieht sich Ihre Frage"], []),
        ("1", ["24. Juni 2023"], [])]),
]

ENGLISH = [
    ("tour after tour", TOURS_AHEAD, [
        ("When is the next city tour?", ["24 June 2023"], []),
        ("And the one after that?", ["8 July 2023"], ["24 June"]),
        ("and after that one?", ["12 August 2023"], ["22 August"])]),
    ("bike tour duration", TOURS_AHEAD, [
        ("When is the next bike tour?", ["2 September 2023"], []),
        ("How long does it take?", ["90", "16:30"], ["seven years"])]),
    ("tour start", TOURS_AHEAD, [
        ("When is the next tour?", ["24 June 2023"], []),
        ("and where does it start?", ["railway station"], ["Kornmarkt"])]),
    ("tour mode", TOURS_AHEAD, [
        ("When is the next guided walk?", ["24 June 2023"], []),
        ("Is it by bike or on foot?", ["on foot"], [])]),
    ("tour dog", TOURS_AHEAD, [
        ("When is the next tour?", ["24 June 2023"], []),
        ("Can I bring my dog?", ["smartcity@gera.de"], ["dog tax", "H35"])]),
    ("tour by bike instead", TOURS_AHEAD, [
        ("When is the next tour?", ["24 June 2023"], []),
        ("What about the bike tour?", ["2 September 2023"], [])]),
    ("tours by month", TOURS_AHEAD, [
        ("Are there any tours in July?", ["8 Jul 2023"], []),
        ("And in August?", ["12 Aug 2023", "22 Aug 2023"], ["8 Jul 2023"])]),
    ("tour on saturday", TOURS_AHEAD, [
        ("When is the next tour?", ["24 June 2023"], []),
        ("and on Saturday?", ["24 Jun 2023"], ["closed"])]),
    ("no tour ahead then where", NO_TOURS_AHEAD, [
        ("When is the next tour?", ["16 September 2023", "smartcity@gera.de"], []),
        ("Where did it start?", ["railway station"], [])]),
    ("no tour ahead then duration", NO_TOURS_AHEAD, [
        ("When is the next bike tour?", ["smartcity@gera.de"], []),
        ("how long is such a tour?", ["90"], ["seven years"])]),
    ("office friday", TOURS_AHEAD, [
        ("What are your opening hours today?", ["17:00"], []),
        ("And on Friday?", ["23 June 2023", "15:00"], ["17:00"])]),
    ("office tomorrow", TOURS_AHEAD, [
        ("What are the office hours?", ["Friday"], []),
        ("and tomorrow?", ["22 June 2023", "17:00"], [])]),
    ("office saturday", TOURS_AHEAD, [
        ("Is the office open right now?", ["Yes"], []),
        ("and on saturday?", ["closed"], ["14:00"])]),
    ("holiday then the day after", BEFORE_WELTKINDERTAG, [
        ("Are you open tomorrow?", ["World Children"], []),
        ("And the day after tomorrow?", ["21 September 2023", "17:00"], [])]),
    ("a named day then the day after", TOURS_AHEAD, [
        ("Is the office open on Thursday?", ["22 June 2023"], []),
        ("and the day after?", ["23 June 2023", "15:00"], ["22 June"])]),
    ("hours then phone", TOURS_AHEAD, [
        ("When is the office open?", ["Monday"], []),
        ("Thanks! And what's the phone number?", ["0365 838-1200"], [])]),
    ("contact then where", TOURS_AHEAD, [
        ("How can I contact the SMARTCity team?", ["smartcity@gera.de"], []),
        ("And where is it?", ["Kornmarkt"], [])]),
    ("pilot still running", TOURS_AHEAD, [
        ("What is the Smart City Cockpit?", ["Cockpit"], []),
        ("Is it still running?", ["Cockpit", "Status"], [])]),
    ("funding then duration", TOURS_AHEAD, [
        ("Who funds SMARTCity Gera?", ["7.5 million"], []),
        ("And how long does it run?", ["seven years"], ["90"])]),
    ("topic changes to the office", TOURS_AHEAD, [
        ("When is the next tour?", ["24 June 2023"], []),
        ("When is the office open?", ["Monday"], []),
        ("And on Friday?", ["15:00"], ["24 Jun 2023"])]),
    ("switch to German in the middle", TOURS_AHEAD, [
        ("When is the next city tour?", ["24 June 2023"], []),
        ("Und wo trifft man sich da?", ["Hauptbahnhof"], ["railway station"])]),
    ("the last answer again in German", TOURS_AHEAD, [
        ("What are the office hours?", ["Friday"], []),
        ("Bitte auf Deutsch antworten", ["Deutsch", "Freitag"], ["Friday"])]),
    ("a dated tour's meeting point then its time", TOURS_AHEAD, [
        ("Where does the tour on 8 July start?", ["8 July 2023"], ["Meeting points of"]),
        ("at what time does it begin?", ["8 July 2023", "14:00"], [])]),
    ("the office on a holiday named by its date", TOURS_AHEAD, [
        ("Is the office open on October 31?", ["Reformation"], []),
        ("and the day after?", ["1 November 2023", "17:00"], [])]),
    ("the last tour", NO_TOURS_AHEAD, [
        ("When was the most recent tour?", ["16 September 2023"], []),
        ("how long did it take?", ["90"], ["seven years"])]),
    ("a project then a question about it without its name", TOURS_AHEAD, [
        ("What is the digital theatre project?", ["theatre"], []),
        ("When did the first episode come out?", ["June 2023"], ["no information"])]),
    ("the pilots then their budget", TOURS_AHEAD, [
        ("Which pilot projects were there?", ["pilot projects"], []),
        ("And how expensive were they?", ["516,000"], [])]),
    ("nothing to refer to", TOURS_AHEAD, [
        ("how long does it take?", ["What does your question refer to"], ["seven years", "90"])]),
    ("nothing to refer to, then a choice by its words", TOURS_AHEAD, [
        ("and the one after?", ["What does your question refer to"], []),
        ("when is the next tour", ["24 June 2023"], [])]),
]


def _ids(table: list) -> list[str]:
    return [name for name, _, _ in table]


def _converse(chat, now: str, turns: list) -> None:
    citizen = chat(now)
    for index, (message, wanted, unwanted) in enumerate(turns):
        reply = citizen.say(message)
        for text in wanted:
            assert text in reply, f"turn {index + 1} {message!r}: {text!r} missing in {reply!r}"
        for text in unwanted:
            assert text not in reply, f"turn {index + 1} {message!r}: {text!r} in {reply!r}"


@pytest.mark.parametrize(("name", "now", "turns"), GERMAN, ids=_ids(GERMAN))
def test_german_follow_ups(chat, name, now, turns):
    _converse(chat, now, turns)


@pytest.mark.parametrize(("name", "now", "turns"), ENGLISH, ids=_ids(ENGLISH))
def test_english_follow_ups(chat, name, now, turns):
    _converse(chat, now, turns)


def test_context_is_gone_after_a_restart(chat):
    citizen = chat(TOURS_AHEAD)
    assert "24. Juni 2023" in citizen.say("Wann ist der nächste Rundgang?")
    citizen.say("/restart")
    assert "Worauf bezieht sich Ihre Frage" in citizen.say("Und der danach?")
