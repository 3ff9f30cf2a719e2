"""Language detection, stickiness and the payload guard."""

import pytest

from bot.logic.language import choose_language, detect, normalise


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("Wann ist der nächste Rundgang?", "de"),
        ("When is the next guided tour?", "en"),
        ("Where is the Hauptbahnhof meeting point?", "en"),  # lingua alone says German
        ("Wie viel Geld bekommt Gera aus dem Förderprogramm?", "de"),
        ("How much funding does Gera get?", "en"),
        ("Sind Sie morgen im Büro erreichbar?", "de"),
        ("Is the office open on Friday?", "en"),
        ("Was ist das Smart City Cockpit?", "de"),
        ("Tell me about the Mobilitätsinsel", "en"),
    ],
)
def test_detects_sentences(text, language):
    guess = detect(text)
    assert guess is not None and guess.language == language and guess.confident, guess


def test_hallo_starts_german_hello_starts_english():
    assert choose_language("de", "Hallo", first_message=True) == "de"
    assert choose_language("de", "Hello", first_message=True) == "en"


def test_ambiguous_first_word_keeps_the_starting_language():
    assert choose_language("de", "Hi", first_message=True) == "de"
    assert choose_language("en", "Hi", first_message=True) == "en"
    assert choose_language("de", "ok", page_language="en", first_message=True) == "en"


@pytest.mark.parametrize("short", ["ok", "Danke", "Hi", "ja", "Thanks", "Kornmarkt?"])
def test_short_messages_keep_the_current_language(short):
    assert choose_language("en", short) == "en"
    assert choose_language("de", short) == "de"


def test_clear_sentence_switches_mid_conversation():
    assert choose_language("de", "Can you tell me when the office opens?") == "en"
    assert choose_language("en", "Können Sie mir sagen, wann das Büro öffnet?") == "de"


def test_explicit_request_wins():
    assert choose_language("de", "Bitte auf Englisch", requested="en") == "en"
    assert choose_language("en", "in German please", requested="de") == "de"


def test_page_language_is_the_starting_value():
    assert choose_language("de", "ok", page_language="en", first_message=True) == "en"
    # only at the start of a conversation
    assert choose_language("de", "ok", page_language="en") == "de"


@pytest.mark.parametrize("bad", ["fr", "<script>", "'; DROP TABLE x; --", "", None, 42,
                                 "en" * 1000, {"x": 1}])
def test_payload_guard_only_de_or_en(bad):
    assert normalise(bad) is None
    result = choose_language("en", '/greet{"language": "fr"}', requested=bad,
                             page_language=bad, first_message=True)
    assert result == "en"


def test_slot_value_that_is_not_de_or_en_is_repaired():
    assert choose_language("fr", "ok") == "de"


def test_empty_and_symbol_messages_keep_language():
    for text in ["", "   ", "???", "🙂🙂", "<b></b>", "12345"]:
        assert choose_language("en", text) == "en"
