"""Slot types that can only hold what the assistant answers in: a language, a register.

Rasa fills slots from entities, and a typed "/greet{"language": "fr"}" payload supplies
entities without passing through NLU. These slots ignore any value that is not one they know
(aliases such as "English" or "Leichte Sprache" are normalised), so forged payloads change
nothing and every reply keeps a matching variation.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, ClassVar

from rasa.shared.core.slots import CategoricalSlot

from bot.logic.easy_read import normalise_register
from bot.logic.language import normalise


class _ClosedSlot(CategoricalSlot):
    """Categorical slot that keeps its value when given anything it does not know."""

    normalise: ClassVar[Callable[[object], str | None]]

    @CategoricalSlot.value.setter  # type: ignore[attr-defined,misc]
    def value(self, value: Any) -> None:
        if value is not None:
            value = type(self).normalise(value)
            if value is None:
                return  # not a value we answer in: keep the current one
        CategoricalSlot.value.fset(self, value)  # type: ignore[attr-defined]


class LanguageSlot(_ClosedSlot):
    """Categorical slot over de/en."""

    type_name = "bot.plugins.slots.LanguageSlot"
    normalise = staticmethod(normalise)


class RegisterSlot(_ClosedSlot):
    """Categorical slot over standard/easy (easy-read German, bot/logic/easy_read.py)."""

    type_name = "bot.plugins.slots.RegisterSlot"
    normalise = staticmethod(normalise_register)
