"""`--explain`: for the events or rules asked for, which conditions held and which
did not, what a time rule is waiting for (and the repeats it has left), and the
marks a firing set, with when each ends.

The ✓ and ✗ are the verdicts the engine decided the rule by (`Engine` with an
observer, `playbook.compiler.verdicts`), not a second evaluation of the rule.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import TextIO

from playbook.compiler.actions import ActionRecord
from playbook.compiler.memory import MarkSpec, MarkTest
from playbook.compiler.rules import CompiledRule, UnansweredSpec, WindowSpec
from playbook.compiler.ruleset import RuleSet
from playbook.compiler.verdicts import Verdict
from playbook.language import nodes
from playbook.language.durations import format_duration
from playbook.language.events import Event
from playbook.language.fields import suggest
from playbook.language.printable import one_line
from playbook.language.timestamps import MICROS, format_time, local_time
from playbook.language.unparse import condition_text
from playbook.runtime.state import Deadline

HELD = "✓"
FAILED = "✗"
# How many levels of `define`s are unfolded under a condition.
DEFINE_DEPTH = 2
# Event ids remembered to suggest one for a name that is neither an event nor
# a rule; any id equal to that name but for case is found however far in.
SUGGESTED_IDS = 10_000


def counted(rule: CompiledRule | None, deadline: Deadline) -> str:
    """What a wait of `rule` counts, when it counts a schedule's open time: ` (2h of office time)`,
    or for a repeat its `every D` (` (4h of office time)`)."""
    spec = rule.time if rule is not None else None
    if not isinstance(spec, UnansweredSpec) or spec.schedule is None:
        return ""
    micros = spec.repeat.micros if deadline.fired and spec.repeat is not None else spec.micros
    return f" ({format_duration(micros // MICROS)} of {spec.schedule.name} time)"


def repeats_left(rule: CompiledRule | None, deadline: Deadline) -> str:
    """What is left of a wait's repeats: ` (then up to 3 repeats every 4h)` before
    it first fires, ` (repeat 1 of 3)` for a repeat."""
    spec = rule.time if rule is not None else None
    if not isinstance(spec, UnansweredSpec) or spec.repeat is None:
        return ""
    repeat = spec.repeat
    if deadline.fired == 0:
        times = "1 repeat" if repeat.times == 1 else f"{repeat.times} repeats"
        return f" (then up to {times} every {format_duration(repeat.micros // MICROS)})"
    return f" (repeat {deadline.fired} of {repeat.times})"


class Explainer:
    """Writes explanations as the engine works; `targets` are event ids or rule
    names (empty: everything)."""

    def __init__(self, ruleset: RuleSet, targets: Collection[str], out: TextIO) -> None:
        self.ruleset = ruleset
        self.targets = set(targets)
        self.out = out
        self._current: str | None = None
        self._explained_items: set[str] = set()
        self._by_key = {rule.key: rule for rule in ruleset.rules}
        self._event_targets = {t.casefold(): t for t in self.targets if t not in ruleset.by_name}
        self._seen: dict[str, Event] = {}
        self._same_but_case: dict[str, str] = {}
        self._some_ids: list[str] = []

    def _wanted(self, rule: CompiledRule, item: str) -> bool:
        return not self.targets or rule.name in self.targets or item in self.targets

    def _header(self, event: Event) -> None:
        if self._current == event.id:
            return
        self._current = event.id
        who = event.handle or _author_id(event) or "no author"
        kind = "brand event" if event.brand else "event"
        self._write(
            f"{kind} {event.id}: {event.type} at {format_time(event.time)} by {who}, thread {event.thread}"
        )

    def _line(self, depth: int, text: str) -> None:
        self._write("  " * depth + text)

    def _write(self, line: str) -> None:
        """One line of the explanation; what came from events is shown as `one_line` shows it."""
        self.out.write(one_line(line) + "\n")

    # --- the run ---

    def read(self, event: Event) -> None:
        """Note an event the run read, before the engine takes it in."""
        if not self._event_targets:
            return
        event_id = event.id
        if event_id in self.targets:
            self._seen.setdefault(event_id, event)
            return
        target = self._event_targets.get(event_id.casefold())
        if target is not None:
            self._same_but_case.setdefault(target, event_id)
        elif len(self._some_ids) < SUGGESTED_IDS:
            self._some_ids.append(event_id)

    def finish(self) -> list[str]:
        """After the run: a note for each event asked for that no rule looked at,
        and the problems with the names asked for (for stderr)."""
        for event_id, event in self._seen.items():
            if event_id not in self._explained_items:
                self._header(event)
                self._line(1, "no rule can hold for this event")
        problems = []
        for target in sorted(self._event_targets.values()):
            if target in self._seen:
                continue
            close = (
                self._same_but_case.get(target)
                or next((name for name in self.ruleset.by_name if name.casefold() == target.casefold()), None)
                or suggest(target, [*self.ruleset.by_name, *self._some_ids])
            )
            hint = f" (did you mean '{close}'?)" if close else ""
            problems.append(f"--explain '{target}': no event or rule has that name{hint}")
        return problems

    # --- engine callbacks ---

    def rule_checked(self, rule: CompiledRule, event: Event, verdict: Verdict | None) -> None:
        if not self._wanted(rule, event.id):
            return
        self._explained_items.add(event.id)
        self._header(event)
        where = "" if rule.name == rule.source else f" ({rule.source})"
        held = verdict is not None and verdict.held
        self._line(1, f"{HELD if held else FAILED} {rule.name}{where}")
        if verdict is None:
            self._line(2, "· the rule failed on this event (the error is logged)")
            return
        for part in verdict.parts:
            self._verdict(part, 2, DEFINE_DEPTH, event, rule.shadow)
        if held and isinstance(rule.time, UnansweredSpec) and event.brand:
            self._line(2, "· brand events start no wait")

    def waiting(self, rule: CompiledRule, deadline: Deadline) -> None:
        if self._wanted(rule, deadline.event):
            self._line(
                2,
                f"→ waiting for a reply in thread {deadline.thread} until {format_time(deadline.due)}"
                + counted(rule, deadline)
                + repeats_left(rule, deadline),
            )

    def answered(self, deadline: Deadline, by: Event) -> None:
        rule = self._by_key.get(deadline.rule)
        name = rule.name if rule is not None else deadline.rule
        if deadline.event in self._explained_items or name in self.targets or not self.targets:
            self._header(by)
            due = "next repeat was due" if deadline.fired else "deadline was"
            self._line(
                1,
                f"→ answers {deadline.event} in time for '{name}' (its {due} {format_time(deadline.due)})",
            )

    def counted(self, rule: CompiledRule, event: Event, count: int, armed: bool) -> None:
        if not self._wanted(rule, event.id):
            return
        spec = rule.time
        assert isinstance(spec, WindowSpec)
        per = f" for this {spec.per_field}" if spec.per_field else ""
        state = "" if armed else "; already fired, waits for the count to fall below " + str(spec.count)
        self._line(2, f"→ {count} of {spec.count} matching events within the window{per}{state}")

    def fired(self, rule: CompiledRule, time: int, item: str, records: list[ActionRecord]) -> None:
        if not self._wanted(rule, item):
            return
        actions = ", ".join(r.action + (f" {r.target}" if r.target else "") for r in records) or "marks only"
        if isinstance(rule.time, UnansweredSpec):
            self._current = None
            self._write(
                f"fired at {format_time(time)}: rule '{rule.name}' for {item}: no reply by then → {actions}"
            )
        else:
            self._line(2, f"→ fired: {actions}")

    def suppressed(self, rule: CompiledRule, time: int, item: str, limit: str) -> None:
        if self._wanted(rule, item):
            self._line(2, f"→ suppressed at {format_time(time)} by '{limit}'")

    def marked(self, rule: CompiledRule, time: int, item: str, mark: MarkSpec, until: int | None) -> None:
        if not self._wanted(rule, item):
            return
        if mark.unmark:
            done = "taken away" if until is not None else "there was none to take away"
        else:
            done = f"marked until {format_time(until)}" if until is not None else "no author to mark"
        self._line(1 if isinstance(rule.time, UnansweredSpec) else 2, f"→ {mark.text}: {done}")

    def repeating(self, rule: CompiledRule, deadline: Deadline) -> None:
        if self._wanted(rule, deadline.event):
            self._line(
                1,
                f"→ again at {format_time(deadline.due)} if nobody answers"
                + counted(rule, deadline)
                + repeats_left(rule, deadline),
            )

    # --- conditions ---

    def _verdict(self, verdict: Verdict, depth: int, unfold: int, event: Event, shadow: bool) -> None:
        node = verdict.node
        self._line(
            depth,
            f"{HELD if verdict.held else FAILED} {condition_text(node)}{self._when(node, event, shadow)}",
        )
        if isinstance(node, (nodes.And, nodes.Or, nodes.Not)):
            for part in verdict.parts:
                self._verdict(part, depth + 1, unfold, event, shadow)
        elif unfold > 0:
            # The parts of a word or an `is` are the verdict of the define it names.
            for part in verdict.parts:
                self._verdict(part, depth + 1, unfold - 1, event, shadow)

    def _when(self, node: nodes.Condition, event: Event, shadow: bool) -> str:
        """For `during NAME`: the event's time as the schedule's clock shows it (` (Friday 17:00 in
        Europe/London)`); for a test of a mark the event carries, when the mark ends."""
        if isinstance(node, nodes.IsMarked):
            until = MarkTest(node, shadow).until(event)
            return f" (marked until {format_time(until)})" if until is not None else ""
        if not isinstance(node, nodes.During):
            return ""
        schedule = self.ruleset.schedules[node.schedule.name]
        return f" ({local_time(event.time, schedule.zone.key)})"


def _author_id(event: Event) -> str | None:
    """The author's id, shown for an author who has one but no handle."""
    author = event.data.get("author")
    found = author.get("id") if isinstance(author, dict) else None
    return f"author id {found}" if isinstance(found, str) and found else None
