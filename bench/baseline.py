"""The same rules, hand-written in plain Python: what a competent engineer would
write in an afternoon without Playbook (dicts, a heap, a precompiled regex per
keyword list). It is the yardstick Playbook's engine is measured against.

It does the same job: it writes the same action records (SPEC section 4, every
field, the same stable ids, JSON Lines) to the same kind of destination, byte
for byte what `playbook dry-run --format jsonl` writes (a test holds it to
that). It assumes what the benchmark stream guarantees (events in time order,
no `handled` events, times in whole seconds in UTC) and nothing more.
"""

from __future__ import annotations

import heapq
import re
from collections import Counter, deque
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from hashlib import blake2b
from typing import Any, BinaryIO

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


def format_time(seconds: float) -> str:
    return datetime.fromtimestamp(seconds, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


Emit = Callable[[str, int, str, str | None, dict[str, Any], str, str, str | None, str], None]


def record_writer(spec: RuleSetSpec, out: BinaryIO, counts: Counter[str]) -> Emit:
    """Writes one action record (SPEC section 4) as a JSON line, and counts it by rule."""
    sources = spec.sources()
    dumps, write = orjson.dumps, out.write

    def emit(
        rule: str,
        position: int,
        action: str,
        target: str | None,
        params: dict[str, Any],
        event_id: str,
        thread: str,
        author: str | None,
        when: str,
    ) -> None:
        counts[rule] += 1
        key = f"{rule}\x1f{event_id}\x1f{position}\x1f{when}".encode()
        record = {
            "id": blake2b(key, digest_size=8).hexdigest(),
            "time": when,
            "rule": rule,
            "action": action,
            "target": target,
            "params": params,
            "event": event_id,
            "thread": thread,
            "author": author,
            "source": sources[rule],
        }
        write(dumps(record) + b"\n")

    return emit


def run(path: str, spec: RuleSetSpec, out: BinaryIO) -> Counter[str]:
    """Every action of the rule set over the JSONL file, written to `out`; the count per rule."""
    counts: Counter[str] = Counter()
    emit = record_writer(spec, out, counts)
    praise = phrase_regex(PRAISE_WORDS)
    products = [(rule, tag, phrase_regex([phrase])) for rule, tag, phrase in spec.keywords()]
    any_type = spec.any_type
    trouble = phrase_regex(spec.phrases) if spec.phrases else None
    threads: dict[str, str] = {}
    waiting: dict[str, list[list[Any]]] = {}
    heap: list[tuple[float, int, list[Any]]] = []
    thanked: dict[str, float] = {}
    spike: deque[float] = deque()
    spike_armed = True
    seq = 0
    no_params: dict[str, Any] = {}
    thanks = {"text": "Thanks!"}

    with open(path, "rb") as handle:
        for line in handle:
            event = orjson.loads(line)
            stamp = event["time"]
            t = parse_time(stamp)
            while heap and heap[0][0] <= t:
                due, _, item = heapq.heappop(heap)
                if item[2]:
                    item[2] = False
                    emit(
                        "Unanswered complaint", 0, "escalate", "care-leads", no_params,
                        item[0], item[3], item[4], format_time(due),
                    )  # fmt: skip
            event_id = event["id"]
            thread = event.get("thread")
            if not thread:
                parent = event.get("in_reply_to")
                thread = threads.get(parent, parent) if parent else event_id
            if thread != event_id:
                threads[event_id] = thread
            author = event.get("author") or {}
            who_handle = author.get("handle")
            handle_ = (who_handle or "").lower()
            text = event.get("text") or ""
            if handle_ in BRAND:
                for item in waiting.pop(thread, ()):
                    if item[1] <= t:
                        item[2] = False
                if any_type:
                    for rule, tag, regex in products:
                        if regex.search(text):
                            emit(rule, 0, "tag", tag, no_params, event_id, thread, who_handle, stamp)
                continue
            if event["type"] != "mention":
                if any_type or event["type"] == "comment":
                    for rule, tag, regex in products:
                        if regex.search(text):
                            emit(rule, 0, "tag", tag, no_params, event_id, thread, who_handle, stamp)
                continue
            complaint = "complaint" in (event.get("labels") or ())
            if complaint:
                seq += 1
                item = [event_id, t, True, thread, who_handle]
                waiting.setdefault(thread, []).append(item)
                heapq.heappush(heap, (t + DEADLINE_SECONDS, seq, item))
            followers = author.get("followers")
            if isinstance(followers, (int, float)) and followers >= VIP_FOLLOWERS:
                emit("VIP", 0, "notify", "#vip", no_params, event_id, thread, who_handle, stamp)
            if praise.search(text):
                who = author.get("id") or handle_
                last = thanked.get(who)
                if last is None or last <= t - THANK_SECONDS:
                    thanked[who] = t
                    emit("Thank", 0, "reply", None, thanks, event_id, thread, who_handle, stamp)
            if complaint:
                while spike and spike[0] <= t - SPIKE_SECONDS:
                    spike.popleft()
                if not spike_armed and len(spike) < SPIKE_COUNT:
                    spike_armed = True
                spike.append(t)
                if spike_armed and len(spike) >= SPIKE_COUNT:
                    spike_armed = False
                    emit("Spike", 0, "alert", "#war-room", no_params, event_id, thread, who_handle, stamp)
            for rule, tag, regex in products:
                if regex.search(text):
                    emit(rule, 0, "tag", tag, no_params, event_id, thread, who_handle, stamp)
            if trouble is not None and trouble.search(text):
                emit("Trouble", 0, "tag", "trouble", no_params, event_id, thread, who_handle, stamp)
    return counts
