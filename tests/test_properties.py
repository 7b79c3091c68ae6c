"""Random streams through the engine and through a deliberately simple reference
model of SPEC section 3; both must take the same actions in the same order.

The model keeps every event forever, scans lists instead of keeping heaps and
indexes, and re-arms windows lazily (by looking back when the next matching
event comes) where the engine sets timers: different algorithms, same answers.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from helpers import ruleset_from
from hypothesis import given, settings
from hypothesis import strategies as st

from playbook.dryrun.run import run_events
from playbook.language.events import make_event
from playbook.language.timestamps import format_time

MINUTE = 60_000_000
START = 1_795_165_200_000_000  # 2026-11-20T09:00:00Z
BRAND = "@acme"

PLAYBOOK = """
brand "@acme"
rule "U": when mention is complaint and unanswered 30m then escalate
rule "W": when mention is complaint and at least 3 times within 20m then alert "#w"
rule "P": when mention is praise and at least 2 times within 15m per author then notify "#p"
  at most once per author per 1h
rule "L": when comment then tag "c" at most 2 per 30m
rule "UL": when comment is complaint and unanswered 10m then assign to "x" at most once per author per 1h
"""


# --- the reference model ------------------------------------------------------------


@dataclass
class Rule:
    name: str
    test: Any
    kind: str  # "instant", "unanswered", "window"
    d: int = 0  # the time condition's duration
    n: int = 0  # a window's count
    per_author: bool = False  # a window per author
    limit: tuple[int, int, bool] | None = None  # (count, duration, per author)


def labelled(e: dict[str, Any], label: str) -> bool:
    return label in e.get("labels", [])


RULES = [
    Rule("U", lambda e: e["type"] == "mention" and labelled(e, "complaint"), "unanswered", d=30 * MINUTE),
    Rule("W", lambda e: e["type"] == "mention" and labelled(e, "complaint"), "window", d=20 * MINUTE, n=3),
    Rule(
        "P",
        lambda e: e["type"] == "mention" and labelled(e, "praise"),
        "window",
        d=15 * MINUTE,
        n=2,
        per_author=True,
        limit=(1, 60 * MINUTE, True),
    ),
    Rule("L", lambda e: e["type"] == "comment", "instant", limit=(2, 30 * MINUTE, False)),
    Rule(
        "UL",
        lambda e: e["type"] == "comment" and labelled(e, "complaint"),
        "unanswered",
        d=10 * MINUTE,
        limit=(1, 60 * MINUTE, True),
    ),
]


def author_of(e: dict[str, Any]) -> str | None:
    return e["author"]["handle"].lower() if "author" in e else None


@dataclass
class Model:
    clock: int | None = None
    seen: dict[str, dict[str, Any]] = field(default_factory=dict)
    pending: list[dict[str, Any]] = field(default_factory=list)
    counted: dict[tuple[str, Any], list[int]] = field(default_factory=dict)
    armed: dict[tuple[str, Any], bool] = field(default_factory=dict)
    firings: dict[tuple[str, Any], list[int]] = field(default_factory=dict)
    seq: int = 0
    out: list[tuple[str, str, str]] = field(default_factory=list)

    def thread(self, e: dict[str, Any]) -> str:
        if "thread" in e:
            return e["thread"]  # type: ignore[no-any-return]
        parent = e.get("in_reply_to")
        if parent is not None:
            return self.seen[parent]["_thread"] if parent in self.seen else parent  # type: ignore[no-any-return]
        return e["id"]  # type: ignore[no-any-return]

    def fire(self, rule: Rule, time: int, item: dict[str, Any]) -> None:
        if rule.limit is not None:
            count, d, per_author = rule.limit
            key = (rule.name, author_of(item) if per_author else None)
            log = self.firings.setdefault(key, [])
            if sum(1 for t in log if time - d < t <= time) >= count:
                return
            log.append(time)
        self.out.append((format_time(time), rule.name, item["id"]))

    def fire_due(self, until: int) -> None:
        while True:
            due = [p for p in self.pending if p["due"] <= until]
            if not due:
                return
            first = min(due, key=lambda p: (p["due"], p["seq"]))
            self.pending.remove(first)
            self.fire(first["rule"], first["due"], first["item"])

    def process(self, e: dict[str, Any]) -> None:
        t = e["_time"]
        if self.clock is None or t >= self.clock:
            self.fire_due(t)
            self.clock = t
        e["_thread"] = self.thread(e)
        self.seen[e["id"]] = e
        brand = author_of(e) == BRAND
        if brand:
            self.pending = [
                p
                for p in self.pending
                if not (p["item"]["_thread"] == e["_thread"] and p["item"]["_time"] <= t)
            ]
        if e["type"] == "handled" and "ref" in e:
            ref = e["ref"]
            self.pending = [p for p in self.pending if p["item"]["id"] != ref and p["item"]["_thread"] != ref]
        for rule in RULES:
            if not rule.test(e):
                continue
            if rule.kind == "instant":
                self.fire(rule, t, e)
            elif rule.kind == "unanswered":
                if brand:
                    continue
                due = t + rule.d
                if due <= self.clock:
                    self.fire(rule, due, e)
                else:
                    self.pending.append({"rule": rule, "item": e, "due": due, "seq": self.seq})
                    self.seq += 1
            else:
                key = (rule.name, author_of(e) if rule.per_author else "*")
                if key[1] is None:
                    continue
                times = self.counted.setdefault(key, [])
                # Lazy re-arm: had the count fallen below N by now?
                if sum(1 for s in times if self.clock - rule.d < s <= self.clock) < rule.n:
                    self.armed[key] = True
                late = t < self.clock
                # A late event is judged by the window at its own time: armed when below N there.
                armed = (
                    sum(1 for s in times if t - rule.d < s <= t) < rule.n
                    if late
                    else self.armed.get(key, True)
                )
                times.append(t)
                crossing = armed and sum(1 for s in times if t - rule.d < s <= t) >= rule.n
                if crossing or (
                    late and sum(1 for s in times if self.clock - rule.d < s <= self.clock) >= rule.n
                ):
                    self.armed[key] = False
                if crossing:
                    self.fire(rule, t, e)


# --- random streams -----------------------------------------------------------------------


@st.composite
def streams(draw: Any) -> tuple[list[dict[str, Any]], int]:
    count = draw(st.integers(min_value=1, max_value=40))
    events: list[dict[str, Any]] = []
    latest = START
    for i in range(count):
        if events and draw(st.integers(0, 9)) == 0:
            time = latest - draw(st.integers(0, 60)) * MINUTE  # a late event
        else:
            time = latest + draw(st.integers(0, 12)) * MINUTE
            latest = time
        kind = draw(st.sampled_from(["mention", "mention", "comment", "reply", "handled"]))
        event: dict[str, Any] = {"id": f"e{i}", "type": kind, "time": format_time(time)}
        author = draw(st.sampled_from(["@a", "@b", "@B", "@acme", "@ACME", None]))
        if author is not None:
            event["author"] = {"handle": author}
        labels = draw(st.lists(st.sampled_from(["complaint", "praise"]), max_size=2, unique=True))
        if labels:
            event["labels"] = labels
        if events and draw(st.booleans()):
            event["in_reply_to"] = draw(st.sampled_from([e["id"] for e in events] + ["elsewhere"]))
        if kind == "handled" and events:
            event["ref"] = draw(st.sampled_from([e["id"] for e in events]))
        events.append(event)
    until = latest + draw(st.integers(0, 90)) * MINUTE
    return events, until


RULESET = ruleset_from(PLAYBOOK)


@settings(max_examples=400, deadline=None)
@given(streams())
def test_engine_agrees_with_the_reference_model(case: tuple[list[dict[str, Any]], int]) -> None:
    events, until = case
    engine_out = [
        (r.time, r.rule, r.event)
        for r in run_events(RULESET, [make_event(dict(e)) for e in events], until=until)
    ]
    model = Model()
    for e in events:
        model.process({**e, "_time": make_event(dict(e)).time})
    model.fire_due(until)
    assert engine_out == model.out
