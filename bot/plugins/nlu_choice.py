"""Rasa NLU component: a reply that picks one of the buttons the bot just offered.

Messenger users cannot always tap a button, and people answer "2" or type the question they
saw. When the bot's last message offered buttons and the reply is a button's number ("2",
"Nr. 2", "die zweite") or its title (typos allowed), the message gets that button's intent
and entities, exactly as if the button had been tapped: the "did you mean ...?" stage and the
ask-back of a follow-up then answer the question the citizen chose.
"""

from __future__ import annotations

import json
import re
from typing import Any

from rapidfuzz import fuzz
from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.core.events import BotUttered, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.shared.nlu.constants import ENTITIES, INTENT, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

_PAYLOAD = re.compile(r"^/(?P<intent>\w+)(?P<entities>\{.*\})?$", re.S)
_NUMBER = re.compile(r"^(?:nr\.?|nummer|option|die|der|number|no\.?|#)?\s*(\d{1,2})\s*[.)!]?$",
                     re.I)
# Typed titles need to be close, not exact; short answers ("ja") never match a title.
TITLE_SIMILARITY = 88
MIN_TITLE_CHARS = 8


def offered_buttons(tracker: DialogueStateTracker | None) -> list[dict[str, Any]]:
    """The buttons of the bot's messages since the citizen's last message (newest turn)."""
    if tracker is None:
        return []
    buttons: list[dict[str, Any]] = []
    for event in reversed(tracker.events):
        if isinstance(event, UserUttered):
            break
        if isinstance(event, BotUttered):
            buttons = list((event.data or {}).get("buttons") or []) + buttons
    return buttons


def chosen_button(text: str, buttons: list[dict[str, Any]]) -> dict[str, Any] | None:
    """The button a reply names by number or by (nearly) its title."""
    text = " ".join(text.split())
    number = _NUMBER.match(text)
    if number:
        index = int(number.group(1)) - 1
        return buttons[index] if 0 <= index < len(buttons) else None
    if len(text) < MIN_TITLE_CHARS:
        return None
    folded = text.casefold().rstrip("?!. ")
    best = max(buttons, default=None,
               key=lambda b: fuzz.ratio(folded, str(b.get("title", "")).casefold().rstrip("?!. ")))
    if best is None:
        return None
    score = fuzz.ratio(folded, str(best.get("title", "")).casefold().rstrip("?!. "))
    return best if score >= TITLE_SIMILARITY else None


def parse_payload(payload: str) -> tuple[str, list[dict[str, Any]]] | None:
    """'/hours_day{"weekday": "Freitag"}' -> ("hours_day", [entity dicts])."""
    match = _PAYLOAD.match(payload or "")
    if not match:
        return None
    entities: list[dict[str, Any]] = []
    if match.group("entities"):
        try:
            values = json.loads(match.group("entities"))
        except ValueError:
            return None
        if not isinstance(values, dict):
            return None
        entities = [{"entity": str(name), "value": value, "start": 0, "end": 0,
                     "confidence": 1.0, "extractor": ButtonChoice.__name__}
                    for name, value in values.items() if isinstance(value, str)]
    return match.group("intent"), entities


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=False)
class ButtonChoice(GraphComponent):
    """After the classifiers: a reply choosing an offered button becomes that button."""

    @classmethod
    def create(cls, config: dict[str, Any], model_storage: ModelStorage, resource: Resource,
               execution_context: ExecutionContext) -> ButtonChoice:
        return cls()

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        return training_data

    def process(self, messages: list[Message],
                tracker: DialogueStateTracker | None = None) -> list[Message]:
        buttons = offered_buttons(tracker)
        if not buttons:
            return messages
        for message in messages:
            button = chosen_button(message.get(TEXT) or "", buttons)
            parsed = parse_payload(str(button.get("payload", ""))) if button else None
            if parsed is None:
                continue
            intent, entities = parsed
            verdict = {"name": intent, "confidence": 1.0}
            message.set(INTENT, verdict, add_to_output=True)
            message.set(INTENT_RANKING_KEY, [verdict], add_to_output=True)
            message.set(ENTITIES, entities, add_to_output=True)
        return messages
