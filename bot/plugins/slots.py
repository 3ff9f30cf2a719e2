"""A slot type that can only hold a language the assistant answers in.

Rasa fills slots from entities, and a typed "/greet{"language": "fr"}" payload supplies
entities without passing through NLU. This slot ignores any value that is not 'de' or 'en'
(aliases such as "English" are normalised), so forged payloads change nothing and every
reply keeps a matching variation.
"""

from __future__ import annotations

from typing import Any

from rasa.shared.core.slots import CategoricalSlot

from bot.logic.language import normalise


class LanguageSlot(CategoricalSlot):
    """Categorical slot over de/en that keeps its value when given anything else."""

    type_name = "bot.plugins.slots.LanguageSlot"

    @CategoricalSlot.value.setter  # type: ignore[attr-defined,misc]
    def value(self, value: Any) -> None:
        if value is not None:
            value = normalise(value)
            if value is None:
                return  # not a language we answer in: keep the current one
        CategoricalSlot.value.fset(self, value)  # type: ignore[attr-defined]
