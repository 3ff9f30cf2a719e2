"""What the intents mean to the rest of the assistant, declared once.

Used by the NLU components (scope gate, context tie-breaker), the actions (fallback
suggestions) and the evaluation (which answers count as SMARTCity facts).
"""

from __future__ import annotations

FALLBACK_INTENT = "nlu_fallback"
OUT_OF_SCOPE_INTENT = "out_of_scope"
FOLLOW_UP_PREFIX = "followup_"
# Intent name prefix -> the topic it belongs to (the values of the slot `topic`).
TOPIC_OF_PREFIX = (("programme_", "programme"), ("pilot", "projects"),
                   ("implementation_", "projects"), ("tour", "tours"), ("hours_", "office"),
                   ("open_now", "office"), ("contact", "office"))
# Intents answered with SMARTCity facts (not: meta intents, out of scope, follow-ups, which
# are asked back when there is no context, bad input).
FACTUAL_PREFIXES = tuple(prefix for prefix, _ in TOPIC_OF_PREFIX)


# A question that names one day is about that day ("Hat das Büro am 3. Oktober geöffnet?"):
# the general reading -> the day's (bot/plugins/nlu_specific.py).
DAY_INTENT = "hours_day"
DAY_READING = {"hours_week": DAY_INTENT, "open_now": DAY_INTENT}


# Questions about one named thing: without the thing named (the lookup table's entity, fuzzily)
# or a word for its kind, "Was ist Buddhismus?" is not a project question
# (bot/plugins/nlu_evidence.py). intent -> (lookup table, words for the kind, folded).
NEEDS_SUBJECT = {"pilot_detail": ("project", ("projekt", "project", "pilot", "vorhaben"))}
# A message that names the programme is about the programme, however many other words it
# holds (bot/plugins/nlu_scope.py); folded forms (hyphens read as spaces), as
# bot.logic.matching.mentions_any reads them.
PROGRAMME_NAMES = ("smartcity", "smart city", "smart cities")


def topic_of(intent: str) -> str | None:
    """'tour_next' -> 'tours'; None for meta intents and follow-ups."""
    return next((topic for prefix, topic in TOPIC_OF_PREFIX if intent.startswith(prefix)),
                None)


def is_factual(intent: str) -> bool:
    return intent.startswith(FACTUAL_PREFIXES)


def is_follow_up(intent: str) -> bool:
    return intent.startswith(FOLLOW_UP_PREFIX)


#: Parse-data key of the questions after the first in one message ("Wann ist der Rundgang?
#: Und wo startet er?"): set by the NLU (bot.plugins.nlu_guard.QuestionSplitter), offered
#: back as buttons by the answering action (actions/common.py).
FURTHER_QUESTIONS = "further_questions"
