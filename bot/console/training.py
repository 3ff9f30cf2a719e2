"""Labelled unanswered questions as a Rasa NLU training file, for a developer to review.

The console never trains or changes the model: it writes what staff labelled as a file in
Rasa's own format (version 3.1), one per language, that a developer reads, corrects and
merges into ``data/nlu/<language>/`` by hand (then ``make`` retrains). Each example says
where it came from in its metadata (question number, when it was asked, who labelled it),
and its text passes the redaction once more, so nothing personal reaches the training data.
Questions labelled *missing fact* are no training examples: they are a to-do for the
knowledge base.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

import yaml

from bot.kb.records import QuestionLabel, UnansweredQuestion
from bot.logic.clock import BERLIN
from bot.logic.redaction import redact

#: The intent an "out of scope" label trains (data/nlu/*/out_of_scope.yml).
OUT_OF_SCOPE_INTENT = "out_of_scope"


def intent_of(label: QuestionLabel) -> str | None:
    """The intent a label trains, None for "missing fact"."""
    if label.label == "intent":
        return label.intent
    if label.label == "out_of_scope":
        return OUT_OF_SCOPE_INTENT
    return None


def examples(labelled: Iterable[tuple[QuestionLabel, UnansweredQuestion]],
             language: str) -> dict[str, list[dict[str, object]]]:
    """intent -> its examples (text and source), in the order the questions were asked;
    the same text twice is one example naming both sources."""
    found: dict[str, dict[str, dict[str, object]]] = {}
    for label, question in sorted(labelled, key=lambda pair: pair[1].asked):
        intent = intent_of(label)
        if intent is None or question.language != language:
            continue
        text = " ".join(redact(question.text).split())
        source = (f"office console: unanswered question #{question.id} "
                  f"({question.asked.astimezone(BERLIN):%Y-%m-%d}), labelled by "
                  f"{label.labelled_by} on {label.labelled_at.astimezone(BERLIN):%Y-%m-%d}")
        known = found.setdefault(intent, {}).get(text)
        if known is None:
            found[intent][text] = {"text": text, "metadata": {"source": source}}
        else:
            known["metadata"]["source"] += f"; {source}"  # type: ignore[index]
    return {intent: list(texts.values()) for intent, texts in sorted(found.items())}


def nlu_file(labelled: Iterable[tuple[QuestionLabel, UnansweredQuestion]], language: str,
             exported_by: str, now: datetime) -> str:
    """The training file for ``language`` (Rasa 3.1 YAML with per-example metadata)."""
    intents = examples(labelled, language)
    header = (
        f"# Labelled unanswered questions ({language}) from the SMARTCity office console,\n"
        f"# exported {now.astimezone(BERLIN):%Y-%m-%d %H:%M} by {exported_by}. Redacted.\n"
        f"# Review before merging into data/nlu/{language}/; the console never trains.\n")
    document = {"version": "3.1",
                "nlu": [{"intent": intent, "examples": items}
                        for intent, items in intents.items()]}
    return header + yaml.safe_dump(document, allow_unicode=True, sort_keys=False, width=100)
