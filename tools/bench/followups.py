"""Held-out follow-up conversations (bench/heldout/followups/): are follow-ups read in context?

Each conversation is sent turn by turn over the REST channel of a running stack, with the
action server's clock pinned to the conversation's ``now``. A turn is right when the reply
contains every expected fact (an item may be a list of alternatives), none of the rejected
ones, and is not the "did you mean ...?" / "please rephrase" stage. The score is the share of
follow-up turns (the second and later) answered right, per language.

    .venv/bin/python -m tools.bench.followups          # against a stack it starts itself
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

import requests
import yaml

from bot import ROOT
from bot.services.processes import free_port
from tools.bench import load

FOLLOWUP_DATA = ROOT / "bench" / "heldout" / "followups"
LANGUAGES = ("de", "en")
# Replies that mean "not understood": their wording comes from the domain, never typed here.
NOT_UNDERSTOOD = ("utter_did_you_mean", "utter_ask_rephrase", "utter_clarify_followup")


@dataclass(frozen=True)
class Turn:
    user: str
    expect: tuple[tuple[str, ...], ...]  # each item: any of these
    reject: tuple[str, ...]


@dataclass(frozen=True)
class HeldOutConversation:
    id: str
    language: str
    now: str
    turns: tuple[Turn, ...]


def load_conversations(root: Path = FOLLOWUP_DATA) -> list[HeldOutConversation]:
    conversations = []
    for language in LANGUAGES:
        path = root / f"{language}.yml"
        if not path.exists():
            continue
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        for item in data.get("conversations") or []:
            turns = tuple(
                Turn(user=str(turn["user"]),
                     expect=tuple(tuple(e) if isinstance(e, list) else (str(e),)
                                  for e in turn.get("expect") or []),
                     reject=tuple(str(r) for r in turn.get("reject") or []))
                for turn in item["turns"])
            conversations.append(HeldOutConversation(
                id=str(item["id"]), language=data.get("language", language),
                now=str(item.get("now") or load.BENCH_NOW), turns=turns))
    return conversations


def _fold(text: str) -> str:
    return " ".join(text.casefold().split())


def not_understood_texts(domain_path: Path = ROOT / "domain.yml") -> tuple[str, ...]:
    """The opening words of the replies that mean the assistant did not understand."""
    domain = yaml.safe_load(domain_path.read_text(encoding="utf-8"))
    openings = []
    for name in NOT_UNDERSTOOD:
        for variation in domain["responses"].get(name, []):
            openings.append(_fold(variation["text"])[:40])
    return tuple(openings)


def judge(reply: str, turn: Turn, not_understood: Iterable[str]) -> bool:
    """Right when every expected fact is there, no rejected one, and it was understood."""
    text = _fold(reply)
    if not text or any(opening in text for opening in not_understood):
        return False
    if any(_fold(rejected) in text for rejected in turn.reject):
        return False
    return all(any(_fold(option) in text for option in item) for item in turn.expect)


def run_conversations(webhook: str, conversations: list[HeldOutConversation],
                      set_clock: Callable[[str], None]) -> list[dict]:
    """Send every conversation (grouped by clock); one result row per turn."""
    not_understood = not_understood_texts()
    rows = []
    for now in sorted({c.now for c in conversations}):
        set_clock(now)
        for conversation in (c for c in conversations if c.now == now):
            sender = f"heldout-{conversation.id}-{time.monotonic_ns()}"
            for index, turn in enumerate(conversation.turns):
                response = requests.post(webhook, json={"sender": sender, "message": turn.user},
                                         timeout=60)
                response.raise_for_status()
                reply = "\n".join(part.get("text", "") for part in response.json()
                                  if part.get("text"))
                rows.append({"id": conversation.id, "language": conversation.language,
                             "turn": index, "user": turn.user, "reply": reply,
                             "right": judge(reply, turn, not_understood)})
    return rows


def summarise(rows: list[dict]) -> dict:
    """Per language: share of follow-up turns right (and of first turns, for reference)."""
    out = {}
    for language in LANGUAGES:
        follow = [r for r in rows if r["language"] == language and r["turn"] > 0]
        first = [r for r in rows if r["language"] == language and r["turn"] == 0]
        if not follow:
            continue
        out[language] = {
            "followup_accuracy": sum(r["right"] for r in follow) / len(follow),
            "followup_n": len(follow),
            "first_turn_accuracy": sum(r["right"] for r in first) / len(first) if first else None,
            "conversations": len(first),
        }
    return out


def measure(model: Path, log_dir: Path) -> tuple[dict, list[dict]]:
    """Start actions + Rasa on spare ports, run the held-out conversations, stop both."""
    conversations = load_conversations()
    with tempfile.TemporaryDirectory(prefix="bench-followups-") as tmp_name:
        tmp = Path(tmp_name)
        env = load.service_env()
        actions_port, rasa_port = free_port(), free_port()
        endpoints = load.bench_endpoints(ROOT / "endpoints.yml", tmp / "endpoints.yml",
                                         tmp / "trackers.db", actions_port)
        rasa = load.rasa_service("rasa-followups", model, endpoints, rasa_port, log_dir, env)
        actions: list[load.Service] = []

        def set_clock(now: str) -> None:
            for service in actions:
                service.stop()
            actions.clear()
            service = load.actions_service(actions_port, log_dir,
                                           {**env, "SMARTCITY_NOW": now})
            service.launch()
            service.wait_ready(120)
            actions.append(service)

        try:
            rasa.launch()
            rasa.wait_ready(240)
            rows = run_conversations(f"http://127.0.0.1:{rasa_port}/webhooks/rest/webhook",
                                     conversations, set_clock)
        finally:
            for service in [*actions, rasa]:
                service.stop()
    return summarise(rows), rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", type=Path, default=load.MODEL)
    parser.add_argument("--out", type=Path, default=ROOT / "var" / "bench" / "followups.json")
    args = parser.parse_args(argv)
    log_dir = args.out.parent / "logs"
    log_dir.mkdir(parents=True, exist_ok=True)
    summary, rows = measure(args.model, log_dir)
    args.out.write_text(json.dumps({"summary": summary, "turns": rows}, ensure_ascii=False,
                                   indent=1), encoding="utf-8")
    print(json.dumps(summary, indent=1))
    print(f"turns: {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
