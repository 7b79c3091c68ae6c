"""The engine: takes events in order and returns the actions they cause (SPEC section 3).

The clock is the greatest event time seen, held `lateness` behind it when
given (the daemon's setting, to wait for delayed events). Before an event
moves the clock to t, every timer due at or before t fires, in due order
(same-due timers in the order they were set). A late event (earlier than the
clock) is processed with its own time and leaves the clock alone. Nothing here
reads the wall clock.

A new rule set (`install`, or `restore` under edited playbooks) takes over
the state `carry_state` carries to it; the waits it brings due at or behind
the clock fire before the next event, or at the next `advance`, each timed at
its new deadline.

Marks (SPEC section 12) are set and taken away by firings that are not
suppressed, at the firing's time, and each event carries the engine's marks
(`Event.marks`) to the rules that test them. A rule that repeats keeps its
wait pending after a firing, due again `repeat every D` later.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Hashable, Sequence
from dataclasses import dataclass
from heapq import heappop
from operator import itemgetter
from typing import Protocol

from playbook.compiler.actions import ActionRecord
from playbook.compiler.gcpause import cycle_collection_paused
from playbook.compiler.memory import MarkSpec, author_key, thread_key
from playbook.compiler.rules import CompiledRule, UnansweredSpec, WindowSpec
from playbook.compiler.ruleset import RuleSet
from playbook.compiler.verdicts import Verdict
from playbook.language.events import Event
from playbook.language.timestamps import MICROS, format_time
from playbook.runtime.carry import CarryPlan, CarryReport, carry_planned, carry_state, outline, plan_carry
from playbook.runtime.dispatch import Dispatch
from playbook.runtime.generations import SettledItems
from playbook.runtime.marks import Marks
from playbook.runtime.snapshot import decode, encode
from playbook.runtime.state import (
    Deadline,
    DeadlineState,
    EngineState,
    RuleOutline,
    RuleState,
    Wait,
    Waiting,
    count_in,
    due,
    insert_sorted,
    repeat_due,
    trim,
)
from playbook.runtime.threads import ThreadIndex
from playbook.runtime.timers import TimerQueue

DAY = 86400 * MICROS
# How far behind the clock an event may be and still be counted exactly: state
# is kept this long beyond the longest duration in the rule set.
DEFAULT_HISTORY = DAY
# Replies often come days later (a review answered on Monday): thread links
# are kept at least this long.
THREAD_MEMORY = 7 * DAY
_NO_KEY: tuple[()] = ()


@dataclass(slots=True)
class RuleStats:
    """What a rule did over a run: `marked` and `unmarked` count the marks it set
    and took away."""

    fired: int = 0
    actions: int = 0
    suppressed: int = 0
    failed: int = 0
    marked: int = 0
    unmarked: int = 0


class Observer(Protocol):
    """What `--explain` listens to; every method is optional to act on.

    With an observer, each rule is decided by its explaining evaluation
    (`CompiledRule.explain`), and `rule_checked` gets the verdict that decided
    it (None when the rule failed on the event).
    """

    def rule_checked(self, rule: CompiledRule, event: Event, verdict: Verdict | None) -> None: ...
    def waiting(self, rule: CompiledRule, deadline: Deadline) -> None: ...
    def answered(self, deadline: Deadline, by: Event) -> None: ...
    def counted(self, rule: CompiledRule, event: Event, count: int, armed: bool) -> None: ...
    def fired(self, rule: CompiledRule, time: int, item: str, records: list[ActionRecord]) -> None: ...
    def suppressed(self, rule: CompiledRule, time: int, item: str, limit: str) -> None: ...
    def marked(self, rule: CompiledRule, time: int, item: str, mark: MarkSpec, until: int | None) -> None: ...
    def repeating(self, rule: CompiledRule, deadline: Deadline) -> None: ...


@dataclass(frozen=True, slots=True)
class Successor:
    """A rule set made ready to take over from the rules an engine runs (`Engine.prepare`):
    the part of carrying the state over that depends on the rules alone, its dispatch
    planned for the event types seen so far, and its outlines for the next save."""

    replaces: tuple[CompiledRule, ...]
    ruleset: RuleSet
    carry: CarryPlan
    dispatch: Dispatch
    outlines: tuple[RuleOutline, ...]


def _successor(old: Sequence[RuleOutline], running: Dispatch, ruleset: RuleSet) -> Successor:
    dispatch = Dispatch(ruleset.rules)
    dispatch.plan(running.planned())
    outlines = tuple(outline(rule) for rule in ruleset.rules)
    return Successor(running.rules, ruleset, plan_carry(old, ruleset.rules), dispatch, outlines)


class Engine:
    """Runs a rule set over events, keeping per-rule state between them."""

    def __init__(
        self,
        ruleset: RuleSet,
        history: int = DEFAULT_HISTORY,
        observer: Observer | None = None,
        lateness: int = 0,
        state: EngineState | None = None,
    ) -> None:
        """An engine running `ruleset`, from `state` when given (already carried
        over to `ruleset`: one entry in `state.rules` per rule), else from nothing."""
        self.history = history
        self.lateness = lateness
        self.observer = observer
        self.stats: dict[str, RuleStats] = {}
        if state is None:
            state, _ = carry_state((), ruleset.rules, EngineState())
        self._run(ruleset, state)

    # --- rule sets ---

    def prepare(self, ruleset: RuleSet) -> Successor:
        """`ruleset` made ready to replace the rules this engine runs (`install`): what
        depends on the two rule sets alone, worked out beforehand. A reload calls it from
        the thread that loads `ruleset` while this engine runs events: it reads only the
        rule set it runs and the event types its dispatch has planned for."""
        running = self.dispatch
        return _successor(tuple(outline(rule) for rule in running.rules), running, ruleset)

    def install(self, ruleset: RuleSet, successor: Successor | None = None) -> CarryReport:
        """Run `ruleset` from now on, with the state `carry_state` carries over to
        it (SPEC section 7, hot reload); what was kept, re-dated and dropped.
        `successor`: `ruleset` as `prepare` made it ready, used if it was made to
        replace the rules running now; the state itself is carried over as it is now.

        A wait that the new rules bring due at or behind the clock fires on the
        next `process` or `advance`, with its new deadline as its time.
        """
        with cycle_collection_paused():
            if successor is None or successor.ruleset is not ruleset or successor.replaces is not self.rules:
                successor = _successor(self.outlines(), self.dispatch, ruleset)
            state, report = carry_planned(successor.carry, self.export())
            self._run(ruleset, state, successor.dispatch, successor.outlines)
        return report

    def _run(
        self,
        ruleset: RuleSet,
        state: EngineState,
        dispatch: Dispatch | None = None,
        outlines: tuple[RuleOutline, ...] | None = None,
    ) -> None:
        self.ruleset = ruleset
        self.rules = ruleset.rules
        self.by_key = {rule.key: rule for rule in ruleset.rules}
        self.brand = ruleset.brand
        self.dispatch = dispatch if dispatch is not None else Dispatch(ruleset.rules)
        self._outlines: tuple[RuleOutline, ...] | None = outlines
        longest = max((_longest(rule) for rule in self.rules), default=0)
        self.horizon = longest + self.history
        memory = max(self.horizon, THREAD_MEMORY)
        self.clock = state.clock
        self._next_sweep = state.next_sweep
        self.waiting = Waiting()
        entries = []
        for wait in state.waits:
            deadline = Deadline(
                wait.rule,
                wait.event,
                wait.thread,
                wait.author,
                wait.time,
                wait.due,
                wait.params,
                wait.keys,
                wait.fired,
                wait.author_key,
                wait.answered,
            )
            entries.append((wait.due, wait.seq, deadline))
        for _, _, deadline in sorted(entries, key=itemgetter(1)):  # in the order they were set
            self.waiting.add(deadline)
        self.timers = TimerQueue(entries, state.next_seq)
        self.pending_deadlines = len(entries)
        self.state: dict[str, RuleState] = dict(state.rules)
        self.threads = ThreadIndex(memory, state.threads)
        self.settled = SettledItems(memory, state.settled)
        self.marks = Marks(state.marks)
        for rule in self.rules:
            self.stats.setdefault(rule.key, RuleStats())

    def rule_name(self, key: str) -> str:
        """The name to show for the rule whose state is kept under `key`."""
        rule = self.by_key.get(key)
        return rule.name if rule is not None else key

    def outlines(self) -> tuple[RuleOutline, ...]:
        """What carrying the state over to another rule set needs to know of the running rules."""
        if self._outlines is None:
            self._outlines = tuple(outline(rule) for rule in self.rules)
        return self._outlines

    # --- saving and restoring ---

    def export(self) -> EngineState:
        """Everything the engine remembers, as data (shared with the engine, not copied)."""
        waits = tuple(
            Wait(
                d.rule,
                d.event,
                d.thread,
                d.author,
                d.time,
                due_at,
                seq,
                d.params,
                d.keys,
                d.fired,
                d.author_key,
                d.answered,
            )
            for due_at, seq, d in self.timers.entries()
            if d.state is DeadlineState.PENDING
        )
        return EngineState(
            self.clock,
            self._next_sweep,
            self.timers.next_seq,
            waits,
            self.state,
            self.threads.remembered(),
            self.settled.remembered(),
            self.marks.kept(),
        )

    def snapshot(self) -> bytes:
        """Everything the engine remembers, as bytes (docs/state.md) for the daemon's state store."""
        with cycle_collection_paused():
            return encode(self.outlines(), self.export())

    @classmethod
    def restore(
        cls, ruleset: RuleSet, data: bytes, history: int = DEFAULT_HISTORY, lateness: int = 0
    ) -> tuple[Engine, CarryReport]:
        """An engine running `ruleset` from a `snapshot()`, with what `carry_state`
        carries over from the rules that saved it; and its report.
        SnapshotError when the snapshot cannot be read."""
        with cycle_collection_paused():  # a large state is many small containers and no cycles
            saved = decode(data)
            state, report = carry_state(saved.rules, ruleset.rules, saved.state)
            return cls(ruleset, history, lateness=lateness, state=state), report

    # --- time ---

    def process(self, event: Event) -> list[ActionRecord]:
        """Take one event in; return the actions of the timers it lets fire and its own."""
        out: list[ActionRecord] = []
        time = event.time
        clock = self.clock
        now = time - self.lateness  # the clock is held `lateness` behind the events, to wait for delayed ones
        heap = self.timers.heap
        if clock is None or now >= clock:
            if heap and heap[0][0] <= now:
                self._fire_due(now, out)
            self.clock = clock = now
        elif heap and heap[0][0] <= clock:
            # Waits a new rule set brought due at or behind the clock fire before a late event.
            self._fire_due(clock, out)
        handle = event.handle
        event.brand = brand = handle is not None and handle.casefold() in self.brand
        event.thread = self.threads.resolve(event, clock)
        event.marks = marks = self.marks
        kind = event.type
        if brand or kind == "handled":
            self._take_answer(event)
        observer = self.observer
        fixed = self.dispatch.fixed.get(kind)
        for rule in fixed if fixed is not None else self.dispatch.rules_for(event):
            if observer is None:
                try:
                    held = rule.condition(event)
                except Exception as exc:  # a rule must never stop the engine
                    self._rule_failed(rule, exc, event)
                    held = False
            else:
                held = self._explained(observer, rule, event)
            if held:
                spec = rule.time
                if spec is None:
                    self._fire_for_event(rule, event, time, out)
                elif isinstance(spec, WindowSpec):
                    self._count(rule, spec, event, out)
                else:
                    self._wait(rule, spec, event, out)
        if self._next_sweep is None or clock >= self._next_sweep:
            self._maybe_sweep()
        if clock >= marks.next_end:
            marks.expire(clock)
        return out

    def _rule_failed(self, rule: CompiledRule, exc: Exception, event: Event) -> None:
        self.stats[rule.key].failed += 1
        _log_failure(rule, exc, event)

    def _explained(self, observer: Observer, rule: CompiledRule, event: Event) -> bool:
        """Whether `rule` holds for `event`, decided by the evaluation the observer is shown."""
        verdict: Verdict | None
        try:
            verdict = rule.explain(event)
        except Exception as exc:  # a rule must never stop the engine
            self._rule_failed(rule, exc, event)
            verdict = None
        observer.rule_checked(rule, event, verdict)
        return verdict is not None and verdict.held

    def advance(self, to: int) -> list[ActionRecord]:
        """Move the clock to `to`, firing every timer due by then (and those a new
        rule set brought due at or behind the clock, when `to` is behind it)."""
        out: list[ActionRecord] = []
        if self.clock is None or to > self.clock:
            self._fire_due(to, out)
            self.clock = to
        else:
            self._fire_due(self.clock, out)
        self._maybe_sweep()
        assert self.clock is not None
        self.marks.expire(self.clock)
        return out

    def pending(self) -> list[Deadline]:
        """Deadlines still waiting, in the order they would fire."""
        return [deadline for _, deadline in self.timers if deadline.state is DeadlineState.PENDING]

    def _fire_due(self, until: int, out: list[ActionRecord]) -> None:
        # Deadlines are the only timers: a window's count is judged at each event.
        heap = self.timers.heap
        while heap and heap[0][0] <= until:
            self._deadline_due(heappop(heap)[2], out)

    # --- rules ---

    def _limit_keys(self, rule: CompiledRule, event: Event) -> tuple[Hashable, ...]:
        return tuple(limit.per(event) if limit.per else None for limit in rule.limits)

    def _fire_for_event(self, rule: CompiledRule, event: Event, time: int, out: list[ActionRecord]) -> None:
        if rule.limits and not self._allowed(rule, time, self._limit_keys(rule, event), event.id):
            return
        stamp = event.time_text
        item, thread, author = event.id, event.thread, event.handle
        records = []  # a loop: a comprehension would cost a function of its own at each firing
        for parts in rule.records:
            params = parts.template.params_for(event) if parts.fills_in else None
            records.append(parts.record(stamp, item, thread, author, params))
        self._emit(rule, time, item, records, out)
        if rule.marks:
            self._mark(rule, time, event.id, author_key(event), event.thread)

    def _allowed(self, rule: CompiledRule, time: int, keys: tuple[Hashable, ...], item: str) -> bool:
        """Apply the rule's `at most` limits to a firing at `time`; record it when allowed."""
        if not rule.limits:
            return True
        logs = self.state[rule.key].limits
        for limit, counts, key in zip(rule.limits, logs, keys):
            times = counts.get(key)
            if times and count_in(times, time - limit.micros, time) >= limit.count:
                self.stats[rule.key].suppressed += 1
                if self.observer is not None:
                    self.observer.suppressed(rule, time, item, limit.text)
                return False
        for counts, key in zip(logs, keys):
            times = counts.get(key)
            if times is None:
                times = counts[key] = deque()
            insert_sorted(times, time)
        return True

    def _emit(
        self, rule: CompiledRule, time: int, item: str, records: list[ActionRecord], out: list[ActionRecord]
    ) -> None:
        stats = self.stats[rule.key]
        stats.fired += 1
        stats.actions += len(records)
        out.extend(records)
        if self.observer is not None:
            self.observer.fired(rule, time, item, records)

    # --- unanswered ---

    def _wait(self, rule: CompiledRule, spec: UnansweredSpec, event: Event, out: list[ActionRecord]) -> None:
        if event.brand or (rule.key, event.id) in self.settled:  # the item delivered again, its wait over
            return
        waiting = self.waiting.in_thread(event.thread)
        if waiting and any(d.rule == rule.key and d.event == event.id for d in waiting):
            return
        fills_in = any(a.fills_in for a in rule.actions)
        deadline = Deadline(
            rule.key,
            event.id,
            event.thread,
            event.handle,
            event.time,
            due(spec, event.time),
            tuple(a.params_for(event) for a in rule.actions) if fills_in else None,
            self._limit_keys(rule, event) if rule.limits else None,
            author_key=author_key(event) if rule.marks and rule.marks_authors else None,
        )
        if self.observer is not None:
            self.observer.waiting(rule, deadline)
        assert self.clock is not None
        if deadline.due <= self.clock:
            # A late item whose deadline is already behind the clock fires at once, and so do
            # the repeats already behind it.
            self._deadline_due(deadline, out)
            if deadline.state is DeadlineState.PENDING:
                self._fire_due(self.clock, out)
            return
        self.timers.push(deadline.due, deadline)
        self.waiting.add(deadline)
        self.pending_deadlines += 1

    def _take_answer(self, event: Event) -> None:
        """Mark as answered what `event` answers: its thread's items up to its time if
        it is a brand event; the item or thread named by `ref` if it is `handled`."""
        if event.brand:
            self._answer_thread(event.thread, event, up_to=event.time)
        if event.type == "handled":
            ref = event.data.get("ref")
            if isinstance(ref, str) and ref:
                self._answer_thread(ref, event)
                thread = self.threads.thread_of(ref)
                if thread != ref:
                    self._answer_thread(thread, event, only=ref)

    def _answer_thread(
        self, thread: str, by: Event, up_to: int | None = None, only: str | None = None
    ) -> None:
        """Answer the thread's deadlines: those of items up to `up_to`, or only the item `only`, or all."""
        waiting = self.waiting.in_thread(thread)
        if not waiting:
            return
        keep = []
        for deadline in waiting:
            # An answer at or after the deadline is too late, even while the clock, held back,
            # has not reached it.
            if (up_to is None or deadline.time <= up_to) and (only is None or deadline.event == only):
                if by.time < deadline.due:
                    deadline.state = DeadlineState.ANSWERED
                    self.pending_deadlines -= 1
                    self.settled.add(deadline.rule, deadline.event, by.time)
                    if self.observer is not None:
                        self.observer.answered(deadline, by)
                    continue
                # Too late for the firing due, but no repeat after this answer.
                if deadline.answered is None or by.time < deadline.answered:
                    deadline.answered = by.time
            keep.append(deadline)
        self.waiting.keep(thread, keep)

    def _deadline_due(self, deadline: Deadline, out: list[ActionRecord]) -> None:
        if deadline.state is not DeadlineState.PENDING:
            return
        # Every pending deadline belongs to a rule that waits: `carry_state` sees to it.
        rule = self.by_key[deadline.rule]
        time = deadline.due
        repeats = self._repeat(rule, deadline)
        if not repeats:
            if self.waiting.remove(deadline):
                self.pending_deadlines -= 1
            deadline.state = DeadlineState.FIRED
            self.settled.add(deadline.rule, deadline.event, time)
        if deadline.keys is not None and not self._allowed(rule, time, deadline.keys, deadline.event):
            if repeats and self.observer is not None:
                self.observer.repeating(rule, deadline)
            return
        stamp = format_time(time)
        item, thread, author = deadline.event, deadline.thread, deadline.author
        params: Sequence[dict[str, str] | None] | None = deadline.params
        # Filled in for the actions the rule had when the wait began, which a reload may have changed:
        # then the placeholders are left empty.
        if params is None or len(params) != len(rule.records):
            params = (None,) * len(rule.records)
        records = []  # a loop, as in `_fire_for_event`
        for parts, filled in zip(rule.records, params):
            records.append(parts.record(stamp, item, thread, author, filled))
        self._emit(rule, time, item, records, out)
        if rule.marks:
            self._mark(rule, time, item, deadline.author_key, thread)
        if repeats and self.observer is not None:
            self.observer.repeating(rule, deadline)

    def _repeat(self, rule: CompiledRule, deadline: Deadline) -> bool:
        """Keep `deadline`, firing now, pending for the rule's next repeat, if it has one
        left and no answer came before it is due; whether it does."""
        spec = rule.time
        assert isinstance(spec, UnansweredSpec)
        repeat = spec.repeat
        if repeat is None or deadline.fired >= repeat.times:
            return False
        after = repeat_due(spec, deadline.due)
        if deadline.answered is not None and deadline.answered < after:
            return False
        deadline.fired += 1
        deadline.due = after
        self.timers.push(after, deadline)
        if deadline not in self.waiting.in_thread(deadline.thread):  # a late item, fired at once
            self.waiting.add(deadline)
            self.pending_deadlines += 1
        return True

    # --- marks ---

    def _mark(self, rule: CompiledRule, time: int, item: str, author: Hashable | None, thread: str) -> None:
        """Set and take away the marks of a firing of `rule` at `time` (an event without
        an author marks no author)."""
        stats = self.stats[rule.key]
        observer = self.observer
        for spec in rule.marks:
            who = author if spec.subject == "author" else thread_key(thread)
            if who is None:
                if observer is not None:
                    observer.marked(rule, time, item, spec, None)
                continue
            until: int | None
            if spec.unmark:
                taken = self.marks.take(spec.subject, who, spec.key, time, rule.shadow)
                stats.unmarked += taken
                until = time if taken else None
            else:
                until = self.marks.set(spec.subject, who, spec.name, time, spec.micros, rule.shadow)
                stats.marked += 1
            if observer is not None:
                observer.marked(rule, time, item, spec, until)

    # --- counting windows ---

    def _count(self, rule: CompiledRule, spec: WindowSpec, event: Event, out: list[ActionRecord]) -> None:
        key = spec.per(event) if spec.per is not None else _NO_KEY
        if key is None:
            return
        windows = self.state[rule.key].windows
        times = windows.get(key)
        if times is None:
            times = windows[key] = deque()
        time = event.time
        before = count_in(times, time - spec.micros, time)
        insert_sorted(times, time)
        # The window fires on the event that brings the count at its time to N.
        # A count of N or more means an earlier event crossed N (firing or
        # suppressed) and the count has not fallen below N since: disarmed.
        # Judged at the event's own time, this holds for late events too.
        armed = before < spec.count
        if self.observer is not None:
            self.observer.counted(rule, event, before + 1, armed)
        if armed and before + 1 >= spec.count:
            self._fire_for_event(rule, event, time, out)

    # --- bounded state ---

    def _maybe_sweep(self) -> None:
        clock = self.clock
        if clock is None:
            return
        if self._next_sweep is None:
            self._next_sweep = clock + max(self.horizon, MICROS)
            return
        if clock < self._next_sweep:
            return
        self._next_sweep = clock + max(self.horizon, MICROS)
        self.sweep()

    def sweep(self) -> None:
        """Drop window and limit history no rule can need any more."""
        assert self.clock is not None
        for rule in self.rules:
            state = self.state[rule.key]
            if isinstance(rule.time, WindowSpec):
                horizon = self.clock - rule.time.micros - self.history
                for key in list(state.windows):
                    times = state.windows[key]
                    trim(times, horizon)
                    if not times:
                        del state.windows[key]
            for limit, counts in zip(rule.limits, state.limits):
                horizon = self.clock - limit.micros - self.history
                for key in list(counts):
                    trim(counts[key], horizon)
                    if not counts[key]:
                        del counts[key]


def _longest(rule: CompiledRule) -> int:
    durations = [limit.micros for limit in rule.limits]
    if rule.time is not None:
        durations.append(rule.time.micros)
    return max(durations, default=0)


def _log_failure(rule: CompiledRule, exc: Exception, event: Event) -> None:
    # logging is imported only when a rule fails: a dry run has no other use for it.
    import logging

    logging.getLogger(__name__).error("%s: rule '%s': %s on event %s", rule.source, rule.name, exc, event.id)
