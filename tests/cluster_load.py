"""Concurrent REST conversations against a running assistant, for the cluster tests and for the
figures in docs/deployment.md (the same load against `make cluster` and the embedded default):

    .venv/bin/python -m tests.cluster_load --url http://127.0.0.1:8000/webhooks/rest/webhook \\
        --conversations 50 --messages 20 --out var/results/cluster/load.json

Each conversation is one thread sending its messages one after the other (a citizen waits for
the reply); on loopback each one can come from an address of its own (127.0.1.x), as citizens
do, so nginx's per-client rate limit applies per conversation.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import requests
import yaml
from requests.adapters import HTTPAdapter

from bot import ROOT

QUESTIONS = {
    "de": ["Hallo", "Was ist SMARTCity Gera?", "Welche Pilotprojekte gibt es?",
           "Wann ist der nächste Rundgang?", "Und wo geht es los?",
           "Wann haben Sie geöffnet?", "Und am Freitag?", "Wie erreiche ich das SMARTCity-Team?",
           "Wer hat das Programm gefördert?", "Danke!"],
    "en": ["Hello", "What is SMARTCity Gera?", "Which pilot projects are there?",
           "When is the next tour?", "And where does it start?", "What are your office hours?",
           "And on Friday?", "How can I contact the SMARTCity team?",
           "Who funded the programme?", "Thanks!"],
}


def apologies() -> set[str]:
    """The apology texts of domain.yml: a reply that is one of them is not an answer."""
    domain = yaml.safe_load((ROOT / "domain.yml").read_text(encoding="utf-8"))
    return {v["text"] for v in domain["responses"]["utter_service_unavailable"]}


class SourceAddressAdapter(HTTPAdapter):
    """Connections from a given local address (loopback has all of 127.0.0.0/8)."""

    def __init__(self, address: str) -> None:
        self.address = address
        super().__init__()

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        kwargs["source_address"] = (self.address, 0)
        super().init_poolmanager(*args, **kwargs)


def session_from(address: str | None) -> requests.Session:
    session = requests.Session()
    if address:
        adapter = SourceAddressAdapter(address)
        session.mount("http://", adapter)
    return session


def client_address(index: int, block: int = 1) -> str:
    """A distinct loopback address per client: 127.0.<block>.<1..250>, then the next block."""
    return f"127.0.{block + index // 250}.{index % 250 + 1}"


@dataclass
class Conversation:
    sender: str
    language: str
    latencies: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


def converse(url: str, sender: str, language: str, messages: int, address: str | None,
             skip_apologies: set[str]) -> Conversation:
    result = Conversation(sender, language)
    session = session_from(address)
    questions = QUESTIONS[language]
    for number in range(messages):
        text = questions[number % len(questions)]
        started = time.monotonic()
        try:
            reply = session.post(url, json={"sender": sender, "message": text}, timeout=120)
        except requests.RequestException as error:
            result.errors.append(f"{text!r}: {type(error).__name__}")
            continue
        result.latencies.append(time.monotonic() - started)
        if reply.status_code != 200:
            result.errors.append(f"{text!r}: HTTP {reply.status_code}")
            continue
        texts = [m.get("text", "") for m in reply.json() if m.get("text")]
        if not texts:
            result.errors.append(f"{text!r}: no reply")
        elif any(t in skip_apologies for t in texts):
            result.errors.append(f"{text!r}: apology")
    session.close()
    return result


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    return ordered[min(len(ordered) - 1, int(round(share * (len(ordered) - 1))))]


def run_load(url: str, conversations: int, messages: int, prefix: str,
             spread_sources: bool = True) -> dict[str, Any]:
    """``conversations`` at once, ``messages`` each; figures and every error."""
    skip = apologies()
    languages = ("de", "en")
    started = time.monotonic()
    with ThreadPoolExecutor(max_workers=conversations) as pool:
        futures = [pool.submit(converse, url, f"{prefix}-{i}", languages[i % 2], messages,
                               client_address(i) if spread_sources else None, skip)
                   for i in range(conversations)]
        results = [f.result() for f in futures]
    duration = time.monotonic() - started
    latencies = [x for r in results for x in r.latencies]
    errors = [f"{r.sender}: {e}" for r in results for e in r.errors]
    return {
        "url": url, "conversations": conversations, "messages_each": messages,
        "messages": conversations * messages, "errors": len(errors),
        "error_list": errors[:50], "seconds": round(duration, 1),
        "p50_ms": round(statistics.median(latencies) * 1000) if latencies else None,
        "p95_ms": round(percentile(latencies, 0.95) * 1000) if latencies else None,
        "msg_per_s": round(len(latencies) / duration, 1),
        "senders": [asdict(r)["sender"] for r in results],
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default="http://127.0.0.1:8000/webhooks/rest/webhook")
    parser.add_argument("--conversations", type=int, default=50)
    parser.add_argument("--messages", type=int, default=20)
    parser.add_argument("--prefix", default=f"load-{int(time.time())}")
    parser.add_argument("--same-source", action="store_true",
                        help="all conversations from one address (no 127.0.1.x spread)")
    parser.add_argument("--out", type=Path)
    args = parser.parse_args(argv)
    summary = run_load(args.url, args.conversations, args.messages, args.prefix,
                       spread_sources=not args.same_source)
    summary.pop("senders")
    text = json.dumps(summary, indent=2, ensure_ascii=False)
    print(text)
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(text + "\n", encoding="utf-8")
    return 0 if summary["errors"] == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
