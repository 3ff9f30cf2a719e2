"""Personal data out of unanswered questions before they are logged (bot/logic/redaction.py)."""

import pytest

from bot.logic.redaction import redact

CASES = {
    "e-mail": ("Bitte antworten Sie an erika.muster+gera@web.de, danke",
               "Bitte antworten Sie an [email], danke"),
    "e-mail, English": ("my mail is John.Smith@example.co.uk ok?", "my mail is [email] ok?"),
    "phone, German": ("Rufen Sie mich an: 0365 838-1200", "Rufen Sie mich an: [phone]"),
    "phone, international": ("call +49 (0)170 1234567 please", "call [phone] please"),
    "phone, one block": ("Tel 01701234567", "Tel [phone]"),
    "IBAN in groups": ("IBAN DE89 3704 0044 0532 0130 00 bitte", "IBAN [iban] bitte"),
    "IBAN in one": ("meine iban de89370400440532013000", "meine iban [iban]"),
    "street with postcode and city": ("Ich wohne in der Hauptstraße 12a, 07545 Gera.",
                                      "Ich wohne [address]."),
    "street abbreviated": ("Adresse: Bahnhofstr. 5", "Adresse: [address]"),
    "street with article": ("Wir sind Am Steinweg 4 in Gera", "Wir sind [address] in Gera"),
    "street of several words": ("Straße des Friedens 3 ist gemeint", "[address] ist gemeint"),
    "English street": ("I live at 221b Baker Street, London", "I live at [address], London"),
    "name, ich heiße": ("Ich heiße Erika Muster und habe eine Frage",
                        "Ich heiße [name] und habe eine Frage"),
    "name, ich heisse in lower case": ("ich heisse erika muster und frage",
                                       "ich heisse [name] und frage"),
    "name, mein Name ist, with title": ("Hallo, mein Name ist Dr. Müller-Lüdenscheid.",
                                        "Hallo, mein Name ist [name]."),
    "name, my name is": ("My name is John Smith. When is the tour?",
                         "My name is [name]. When is the tour?"),
}


@pytest.mark.parametrize(("text", "expected"), CASES.values(), ids=CASES.keys())
def test_each_kind_of_personal_data_is_redacted(text, expected):
    assert redact(text) == expected


@pytest.mark.parametrize("text", [
    "Wann ist der Rundgang am 12.08.2023 um 14:00?",
    "Servicezeit 9:00-15:00, Förderung 7.500.000 Euro",
    "Was passiert 2023 und 2024 mit Projekt 14?",
    "Wann öffnet das Büro am Kornmarkt?",
    "Ich heiße",  # nothing follows: nothing to remove
    "When is the next tour on 2023-06-10?",
])
def test_questions_without_personal_data_stay_as_they_are(text):
    assert redact(text) == text


def test_several_kinds_in_one_message():
    text = ("Mein Name ist Anna Beispiel, Tel. 0176 98765432, Mail anna@beispiel.de, "
            "Hauptstraße 1, 07545 Gera: wann ist der nächste Rundgang?")
    assert redact(text) == ("Mein Name ist [name], Tel. [phone], Mail [email], "
                            "[address]: wann ist der nächste Rundgang?")
