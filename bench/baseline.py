"""The same rules, hand-written in plain Python: what a competent engineer would
write in an afternoon without Playbook (dicts, a heap, a precompiled regex per
keyword list). It is the yardstick Playbook's engine is measured against.

It assumes what the benchmark stream guarantees (events in time order, no
`handled` events) and nothing more.
"""

from __future__ import annotations

import heapq
import re
from collections import Counter, deque
from collections.abc import Iterable
from datetime import datetime
from typing import BinaryIO

import orjson

from .rules import (
    DEADLINE_SECONDS,
    PRAISE_WORDS,
    SPIKE_COUNT,
    SPIKE_SECONDS,
    THANK_SECONDS,
    VIP_FOLLOWERS,
    RuleSetSpec,
)

BRAND = {"@acme", "@acme_help"}


def phrase_regex(phrases: Iterable[str]) -> re.Pattern[str]:
    """Whole-word, case-insensitive match of any phrase (spaces match any white space)."""
    body = "|".join(r"\s+".join(map(re.escape, p.split())) for p in sorted(phrases, key=len, reverse=True))
    return re.compile(rf"(?<!\w)(?:{body})(?!\w)", re.IGNORECASE)


def parse_time(text: str) -> float:
    return datetime.fromisoformat(text).timestamp()


def run(path: str, spec: RuleSetSpec, out: BinaryIO) -> Counter[str]:
    """Every action of the rule set over the JSONL file; the count per rule."""
    counts: Counter[str] = Counter()
    praise = phrase_regex(PRAISE_WORDS)
    products = [(f"Product {i}", f"product-{i}", phrase_regex([p])) for i, p in enumerate(spec.products)]
    trouble = phrase_regex(spec.phrases) if spec.phrases else None
    threads: dict[str, str] = {}
    waiting: dict[str, list[list]] = {}
    heap: list[tuple[float, int, list]] = []
    thanked: dict[str, float] = {}
    spike: deque[float] = deque()
    spike_armed = True
    seq = 0

    def emit(rule: str, action: str, target: str | None, event_id: str, when: float) -> None:
        counts[rule] += 1
        out.write(
            orjson.dumps({"rule": rule, "action": action, "target": target, "event": event_id, "time": when})
            + b"\n"
        )

    with open(path, "rb") as handle:
        for line in handle:
            event = orjson.loads(line)
            t = parse_time(event["time"])
            while heap and heap[0][0] <= t:
                due, _, item = heapq.heappop(heap)
                if item[2]:
                    item[2] = False
                    emit("Unanswered complaint", "escalate", "care-leads", item[0], due)
            event_id = event["id"]
            thread = event.get("thread")
            if not thread:
                parent = event.get("in_reply_to")
                thread = threads.get(parent, parent) if parent else event_id
            if thread != event_id:
                threads[event_id] = thread
            author = event.get("author") or {}
            handle_ = (author.get("handle") or "").lower()
            if handle_ in BRAND:
                for item in waiting.pop(thread, ()):
                    if item[1] <= t:
                        item[2] = False
                continue
            if event["type"] != "mention":
                if event["type"] == "comment":
                    text = event.get("text") or ""
                    for rule, tag, regex in products:
                        if regex.search(text):
                            emit(rule, "tag", tag, event_id, t)
                continue
            text = event.get("text") or ""
            complaint = "complaint" in (event.get("labels") or ())
            if complaint:
                seq += 1
                item = [event_id, t, True]
                waiting.setdefault(thread, []).append(item)
                heapq.heappush(heap, (t + DEADLINE_SECONDS, seq, item))
            followers = author.get("followers")
            if isinstance(followers, (int, float)) and followers >= VIP_FOLLOWERS:
                emit("VIP", "notify", "#vip", event_id, t)
            if praise.search(text):
                who = author.get("id") or handle_
                last = thanked.get(who)
                if last is None or last <= t - THANK_SECONDS:
                    thanked[who] = t
                    emit("Thank", "reply", None, event_id, t)
            if complaint:
                while spike and spike[0] <= t - SPIKE_SECONDS:
                    spike.popleft()
                if not spike_armed and len(spike) < SPIKE_COUNT:
                    spike_armed = True
                spike.append(t)
                if spike_armed and len(spike) >= SPIKE_COUNT:
                    spike_armed = False
                    emit("Spike", "alert", "#war-room", event_id, t)
            for rule, tag, regex in products:
                if regex.search(text):
                    emit(rule, "tag", tag, event_id, t)
            if trouble is not None and trouble.search(text):
                emit("Trouble", "tag", "trouble", event_id, t)
    return counts
