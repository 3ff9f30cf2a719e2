"""The office's report in figures, computed from rows: tracker events, contact requests and the
unanswered-question log. No database and no Rasa here (bot/services/report.py reads the rows
and writes the files), so every definition below is tested on rows a test writes.

Definitions (also printed in the report):

- A *conversation* is one session of one sender: Rasa starts a new one after an hour's pause
  (``session_started``). Its day and language are those of its first message.
- A *message* is a citizen's message. Rasa stores copies of a message when it replays one
  (the two-stage fallback's clarification, "repeat in English"); copies share the original's
  ``message_id`` or have none, and are not counted again.
- A message's *language* is the ``language`` entity the NLU gave it, else the conversation's
  language slot so far, else German.
- A message inside the contact-request form (the question, the address, the consent) is
  counted under the topic "handoff", whatever NLU made of its free text.
- *Fallback*: the assistant gave its final "I can't answer that" (the response
  ``utter_cannot_answer`` of ``action_default_fallback``; Rasa's two-stage fallback runs that
  action inside its own, so the reply is what the tracker shows). *Unclear messages* (intent
  ``nlu_fallback``, answered with "did you mean ...?") are counted separately.
- *Handoff*: the citizen asked for a person or for a contact request, or the contact-request
  form was started.
- *Deflected*: the conversation's last question was answered from the knowledge base (a
  topic or follow-up intent), and it had neither a fallback nor a handoff.
"""

from __future__ import annotations

import json
import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from typing import Any, Protocol

from rapidfuzz import fuzz

from bot.logic.clock import BERLIN
from bot.logic.intents import FALLBACK_INTENT, is_factual, is_follow_up, topic_of
from bot.logic.language import DEFAULT_LANGUAGE

LANGUAGES = ("de", "en")
FINAL_FALLBACK_ACTION = "action_default_fallback"
FINAL_FALLBACK_RESPONSE = "utter_cannot_answer"
#: Intents that ask for the office, and the form that takes a contact request.
HANDOFF_INTENTS = frozenset({"human_handoff", "leave_request"})
HANDOFF_FORM = "contact_request_form"
#: What a message inside that form counts as (not an intent name: "contact..." would read as
#: the office topic).
FORM_ANSWER = "(answer in the contact-request form)"
#: Messages that are not questions: they neither end a conversation "with an answer" nor not.
CONVERSATIONAL = frozenset({"greet", "goodbye", "thank", "affirm", "deny", "bot_challenge",
                            "switch_language", "help", "bad_input", "cancel"})
#: Groups of intents that are not SMARTCity topics, for "topics asked".
OTHER_GROUPS = (("followup_", "follow-up"), ("nlu_fallback", "not understood"),
                (FORM_ANSWER, "handoff"),
                ("out_of_scope", "out of scope"), ("human_handoff", "handoff"),
                ("leave_request", "handoff"), ("bad_input", "bad input"))
#: Two unanswered questions belong together from this similarity on (rapidfuzz, 0-100).
SIMILARITY = 80
_NOT_WORD = re.compile(r"[^\w\s]")


def topic_group(intent: str) -> str:
    """The topic an intent belongs to, for "topics asked" ("tour_next" -> "tours")."""
    topic = topic_of(intent)
    if topic:
        return topic
    return next((group for prefix, group in OTHER_GROUPS if intent.startswith(prefix)),
                "conversation")


@dataclass(frozen=True)
class Message:
    moment: datetime  # Berlin time
    intent: str
    language: str


@dataclass
class Conversation:
    sender: str
    messages: list[Message] = field(default_factory=list)
    fallback: bool = False
    handoff: bool = False

    @property
    def day(self) -> date:
        return self.messages[0].moment.date()

    @property
    def language(self) -> str:
        return self.messages[0].language

    @property
    def ended_with_answer(self) -> bool:
        questions = [m.intent for m in self.messages if m.intent not in CONVERSATIONAL]
        return bool(questions) and (is_factual(questions[-1]) or is_follow_up(questions[-1]))

    @property
    def deflected(self) -> bool:
        return self.ended_with_answer and not self.fallback and not self.handoff


def event_data(row: Mapping[str, Any]) -> dict[str, Any]:
    """A tracker-store row's event JSON (Rasa stores it as text), {} when unreadable."""
    raw = row.get("data")
    if isinstance(raw, dict):
        return raw
    try:
        loaded = json.loads(raw or "{}")
    except ValueError:
        return {}
    return loaded if isinstance(loaded, dict) else {}


def _moment(timestamp: float) -> datetime:
    return datetime.fromtimestamp(timestamp, timezone.utc).astimezone(BERLIN)


def conversations(events: Iterable[Mapping[str, Any]]) -> list[Conversation]:
    """Tracker-store rows (sender_id, type_name, timestamp, intent_name, action_name, data;
    each sender's in stored order) as conversations that have at least one message."""
    found: list[Conversation] = []
    by_sender: dict[str, list[Mapping[str, Any]]] = defaultdict(list)
    for row in events:
        by_sender[row["sender_id"]].append(row)
    for sender, rows in by_sender.items():
        current = Conversation(sender)
        language = DEFAULT_LANGUAGE
        seen_ids: set[str] = set()
        in_form = False
        for row in rows:
            kind = row.get("type_name")
            if kind == "session_started":
                found.append(current)
                current = Conversation(sender)
                continue
            data = event_data(row)
            if kind == "slot" and data.get("name") == "language" and data.get("value"):
                language = str(data["value"])
            elif (kind == "action" and row.get("action_name") == FINAL_FALLBACK_ACTION) or (
                    kind == "bot" and (data.get("metadata") or {}).get("utter_action")
                    == FINAL_FALLBACK_RESPONSE):
                current.fallback = True
            elif kind == "active_loop":
                in_form = data.get("name") == HANDOFF_FORM
                current.handoff = current.handoff or in_form
            elif kind == "user":
                message_id = data.get("message_id")
                if not message_id or message_id in seen_ids:
                    continue  # a replay of a message counted already
                seen_ids.add(message_id)
                parse = data.get("parse_data") or {}
                spoken = next((str(e.get("value")) for e in parse.get("entities") or []
                               if e.get("entity") == "language" and e.get("value")), None)
                language = spoken or language
                intent = row.get("intent_name") or (parse.get("intent") or {}).get("name") or ""
                intent = FORM_ANSWER if in_form else intent
                current.messages.append(Message(_moment(float(row["timestamp"])), intent,
                                                language))
                if intent in HANDOFF_INTENTS:
                    current.handoff = True
        found.append(current)
    return sorted((c for c in found if c.messages), key=lambda c: c.messages[0].moment)


def days(since: date, until: date) -> list[date]:
    return [since + timedelta(days=n) for n in range((until - since).days + 1)]


def _rate(part: int, whole: int) -> float:
    return part / whole if whole else 0.0


@dataclass(frozen=True)
class UnansweredGroup:
    """Similar unanswered questions: how often, an example, and what NLU guessed."""

    count: int
    example: str
    languages: tuple[str, ...]
    kinds: tuple[str, ...]
    intent_guesses: tuple[str, ...]
    first_asked: datetime
    #: The questions themselves, oldest first (the console labels a group through them).
    members: tuple[Any, ...] = field(default=(), compare=False, repr=False)

    @property
    def last_asked(self) -> datetime:
        return max((m.asked for m in self.members), default=self.first_asked)


class UnansweredLike(Protocol):
    asked: datetime
    kind: str
    language: str
    text: str
    intent_guess: str | None


class RequestLike(Protocol):
    created: datetime
    done_at: datetime | None
    status: str


def _normalised(text: str) -> str:
    return " ".join(_NOT_WORD.sub(" ", text.casefold()).split())


def group_unanswered(questions: Sequence[UnansweredLike],
                     similarity: int = SIMILARITY) -> list[UnansweredGroup]:
    """Greedy grouping: a question joins the first group whose first question it resembles
    (token-set ratio >= ``similarity``). Largest groups first, then the earliest."""
    groups: list[tuple[str, list[UnansweredLike]]] = []
    for question in sorted(questions, key=lambda q: q.asked):
        key = _normalised(question.text)
        for head, members in groups:
            if fuzz.token_set_ratio(key, head) >= similarity:
                members.append(question)
                break
        else:
            groups.append((key, [question]))
    result = []
    for _, members in groups:
        texts = Counter(m.text for m in members)
        guesses = Counter(m.intent_guess for m in members if m.intent_guess)
        result.append(UnansweredGroup(
            count=len(members),
            example=texts.most_common(1)[0][0],
            languages=tuple(sorted({m.language for m in members})),
            kinds=tuple(sorted({m.kind for m in members})),
            intent_guesses=tuple(name for name, _ in guesses.most_common(3)),
            first_asked=min(m.asked for m in members),
            members=tuple(members),
        ))
    return sorted(result, key=lambda g: (-g.count, g.first_asked))


@dataclass(frozen=True)
class Figures:
    """Everything the report shows, for the period [since, until] (Berlin days)."""

    since: date
    until: date
    days: tuple[date, ...]
    #: (day, language) -> conversations started / messages
    conversations_per_day: dict[tuple[date, str], int]
    messages_per_day: dict[tuple[date, str], int]
    topics: dict[str, int]  # topic group -> messages, most asked first
    intents: dict[str, int]  # intent -> messages, most asked first
    conversations: int
    messages: int
    unclear_messages: int
    fallbacks: int
    handoffs: int
    deflected: int
    requests_opened: int
    requests_done: int
    requests_open_now: int
    requests_per_day: dict[date, tuple[int, int]]  # day -> (opened, done)
    unanswered: tuple[UnansweredGroup, ...]
    unanswered_total: int

    @property
    def fallback_rate(self) -> float:
        return _rate(self.fallbacks, self.conversations)

    @property
    def handoff_rate(self) -> float:
        return _rate(self.handoffs, self.conversations)

    @property
    def deflection_rate(self) -> float:
        return _rate(self.deflected, self.conversations)

    @property
    def unclear_rate(self) -> float:
        return _rate(self.unclear_messages, self.messages)


def figures(since: date, until: date, events: Iterable[Mapping[str, Any]],
            requests_opened: Sequence[RequestLike], requests_done: Sequence[RequestLike],
            requests_open_now: int, unanswered: Sequence[UnansweredLike]) -> Figures:
    """The report's figures. ``events`` are the tracker rows of the period, the request
    lists those created / done in it, ``unanswered`` the questions logged in it."""
    found = [c for c in conversations(events) if since <= c.day <= until]
    period = days(since, until)
    per_day_conversations: Counter[tuple[date, str]] = Counter()
    per_day_messages: Counter[tuple[date, str]] = Counter()
    intents: Counter[str] = Counter()
    for conversation in found:
        per_day_conversations[(conversation.day, conversation.language)] += 1
        for message in conversation.messages:
            if since <= message.moment.date() <= until:
                per_day_messages[(message.moment.date(), message.language)] += 1
                intents[message.intent] += 1
    topics: Counter[str] = Counter()
    for intent, count in intents.items():
        topics[topic_group(intent)] += count
    per_day_requests = {
        day: (sum(r.created.astimezone(BERLIN).date() == day for r in requests_opened),
              sum(r.done_at is not None and r.done_at.astimezone(BERLIN).date() == day
                  for r in requests_done))
        for day in period
    }
    return Figures(
        since=since, until=until, days=tuple(period),
        conversations_per_day={(d, lang): per_day_conversations[(d, lang)]
                               for d in period for lang in LANGUAGES},
        messages_per_day={(d, lang): per_day_messages[(d, lang)]
                          for d in period for lang in LANGUAGES},
        topics=dict(topics.most_common()),
        intents=dict(intents.most_common()),
        conversations=len(found),
        messages=sum(per_day_messages.values()),
        unclear_messages=intents[FALLBACK_INTENT],
        fallbacks=sum(c.fallback for c in found),
        handoffs=sum(c.handoff for c in found),
        deflected=sum(c.deflected for c in found),
        requests_opened=len(requests_opened),
        requests_done=len(requests_done),
        requests_open_now=requests_open_now,
        requests_per_day=per_day_requests,
        unanswered=tuple(group_unanswered(unanswered)),
        unanswered_total=len(unanswered),
    )


def period_bounds(since: date, until: date) -> tuple[datetime, datetime]:
    """[since 00:00, the day after until 00:00) in Berlin time."""
    start = datetime.combine(since, datetime.min.time(), tzinfo=BERLIN)
    end = datetime.combine(until + timedelta(days=1), datetime.min.time(), tzinfo=BERLIN)
    return start, end

