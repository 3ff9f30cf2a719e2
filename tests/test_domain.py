"""Every response exists in German (the unconditioned default), English (language: en) and
easy-read German (language: de and register: easy)."""


import yaml

from bot import ROOT


def _language(variation: dict) -> str | None:
    """'de' for the unconditioned variation, 'en' or 'de-easy' for the conditioned ones,
    None for any other condition."""
    conditions = variation.get("condition") or []
    if not conditions:
        return "de"
    slots = {c.get("name"): c.get("value") for c in conditions if c.get("type") == "slot"}
    if len(slots) != len(conditions):
        return None
    return {(("language", "en"),): "en",
            (("language", "de"), ("register", "easy")): "de-easy"}.get(tuple(sorted(slots.items())))


def _languages(variations: list[dict]) -> set[str]:
    return {_language(v) for v in variations if v.get("text") or v.get("custom")}


def test_every_response_has_german_and_english():
    domain = yaml.safe_load((ROOT / "domain.yml").read_text(encoding="utf-8"))
    responses = domain["responses"]
    assert responses, "domain has no responses"
    missing = {name: sorted({"de", "en", "de-easy"} - _languages(v))
               for name, v in responses.items()}
    missing = {name: langs for name, langs in missing.items() if langs}
    assert not missing, f"responses lacking a language: {missing}"


def test_german_is_the_only_default_so_any_slot_value_gets_a_reply():
    """One variation per language and register, the German one unconditioned."""
    domain = yaml.safe_load((ROOT / "domain.yml").read_text(encoding="utf-8"))
    wrong = {name: [_language(v) for v in variations]
             for name, variations in domain["responses"].items()
             if sorted(_language(v) or "?" for v in variations) != ["de", "de-easy", "en"]
             or sum(not v.get("condition") for v in variations) != 1}
    assert not wrong, f"responses without one German default, one English, one easy: {wrong}"


def test_german_replies_use_formal_address():
    domain = yaml.safe_load((ROOT / "domain.yml").read_text(encoding="utf-8"))
    informal = (" du ", " dich ", " dir ", " dein", " kannst ", " willst ", " hast ")
    offenders = []
    for name, variations in domain["responses"].items():
        for variation in variations:
            text = f" {variation.get('text', '').lower()} "
            if _language(variation) in ("de", "de-easy") and any(word in text for word in informal):
                offenders.append(name)
    assert not offenders, f"informal German in {offenders}"


def test_every_response_is_used_by_a_rule_story_or_action():
    domain = yaml.safe_load((ROOT / "domain.yml").read_text(encoding="utf-8"))
    dialogue = "\n".join(p.read_text(encoding="utf-8")
                         for p in (ROOT / "data" / "dialogue").glob("*.yml"))
    code = "\n".join(p.read_text(encoding="utf-8") for p in (ROOT / "actions").glob("*.py"))
    prefixes = ("utter_topic_", "utter_reason_", "utter_tour_mode_",  # built from names
                "utter_question_")
    unused = [
        name for name in domain["responses"]
        if name not in dialogue and f'"{name}"' not in code
        and not any(name.startswith(prefix) and prefix in code for prefix in prefixes)
        and name not in ("utter_ask_rephrase",)  # uttered by Rasa's two-stage fallback
    ]
    assert not unused, f"responses nobody uses: {unused}"


def test_every_action_in_the_domain_is_implemented():
    """Asked of the action server's own registry, as it finds the actions when it starts."""
    from rasa_sdk.executor import ActionExecutor

    domain = yaml.safe_load((ROOT / "domain.yml").read_text(encoding="utf-8"))
    executor = ActionExecutor()
    executor.register_package("actions")
    missing = [action for action in domain["actions"] if action not in executor.actions]
    assert not missing, f"actions without implementation: {missing}"
