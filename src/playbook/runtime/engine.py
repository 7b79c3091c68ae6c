"""The engine: takes events in order and returns the actions they cause (SPEC section 3).

The clock is the greatest event time seen, held `lateness` behind it when
given (the daemon's setting, to wait for delayed events). Before an event
moves the clock to t, every timer due at or before t fires, in due order
(same-due timers in the order they were set). A late event (earlier than the
clock) is processed with its own time and leaves the clock alone. Nothing here
reads the wall clock.
"""

from __future__ import annotations

import pickle
from collections import deque
from collections.abc import Hashable
from dataclasses import dataclass
from heapq import heappop
from typing import Protocol

from playbook.compiler.actions import ActionRecord, make_record
from playbook.compiler.rules import CompiledRule, LimitSpec, UnansweredSpec, WindowSpec
from playbook.compiler.ruleset import RuleSet
from playbook.compiler.verdicts import Verdict
from playbook.language.events import Event
from playbook.language.timestamps import MICROS, format_time
from playbook.runtime.dispatch import Dispatch
from playbook.runtime.generations import SettledItems
from playbook.runtime.state import (
    Deadline,
    DeadlineState,
    RuleState,
    Waiting,
    Window,
    count_in,
    insert_sorted,
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
# Bumped whenever what `snapshot` saves changes shape.
SNAPSHOT_VERSION = 1


@dataclass(slots=True)
class RuleStats:
    """What a rule did over a run."""

    fired: int = 0
    actions: int = 0
    suppressed: int = 0
    failed: int = 0


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


class Engine:
    """Runs a rule set over events, keeping per-rule state between them."""

    def __init__(
        self,
        ruleset: RuleSet,
        history: int = DEFAULT_HISTORY,
        observer: Observer | None = None,
        lateness: int = 0,
    ) -> None:
        self.clock: int | None = None
        self.history = history
        self.lateness = lateness
        self.observer = observer
        self.timers = TimerQueue()
        self.waiting = Waiting()
        self.state: dict[str, RuleState] = {}
        self.stats: dict[str, RuleStats] = {}
        self.pending_deadlines = 0
        self._next_sweep: int | None = None
        self.install(ruleset)

    # --- rule sets ---

    def install(self, ruleset: RuleSet) -> None:
        """Run `ruleset` from now on (SPEC section 7, hot reload).

        Pending deadlines, windows and limits are kept for every rule whose name
        is kept, or for an unnamed rule, whose text is kept wherever it moved.
        A changed limit keeps the firings of a limit counted by the same field;
        the state of a rule that is gone is dropped (its timers fire into nothing).
        """
        previous: dict[str, CompiledRule] = getattr(self, "by_key", {})
        self.ruleset = ruleset
        self.rules = ruleset.rules
        self.by_key = {rule.key: rule for rule in ruleset.rules}
        self.brand = ruleset.brand
        self.dispatch = Dispatch(ruleset.rules)
        longest = max((_longest(rule) for rule in self.rules), default=0)
        self.horizon = longest + self.history
        if not hasattr(self, "threads"):
            self.threads = ThreadIndex(self.horizon)
        if not hasattr(self, "settled"):
            self.settled = SettledItems(self.horizon)
        self.threads.lifetime = self.settled.lifetime = max(self.horizon, THREAD_MEMORY)
        for rule in self.rules:
            state = self.state.get(rule.key)
            if state is None:
                self.state[rule.key] = RuleState(limits=[{} for _ in rule.limits])
            elif rule.key in previous:
                state.limits = _carried_limits(previous[rule.key].limits, state.limits, rule.limits)
            elif len(state.limits) != len(rule.limits):
                state.limits = [{} for _ in rule.limits]
            self.stats.setdefault(rule.key, RuleStats())
        for key in [k for k in self.state if k not in self.by_key]:
            del self.state[key]
        self._drop_orphans()

    def _drop_orphans(self) -> None:
        """Let go of the deadlines of rules that are gone or no longer wait."""
        for thread in self.waiting.threads():
            keep = []
            for deadline in self.waiting.in_thread(thread):
                rule = self.by_key.get(deadline.rule)
                if rule is not None and isinstance(rule.time, UnansweredSpec):
                    keep.append(deadline)
                else:
                    deadline.state = DeadlineState.DROPPED
                    self.pending_deadlines -= 1
            self.waiting.keep(thread, keep)

    def rule_name(self, key: str) -> str:
        """The name to show for the rule whose state is kept under `key`."""
        rule = self.by_key.get(key)
        return rule.name if rule is not None else key

    # --- saving and restoring ---

    def snapshot(self) -> bytes:
        """Everything the engine remembers, as bytes (for the daemon's state store)."""
        return pickle.dumps(
            {
                "version": SNAPSHOT_VERSION,
                "clock": self.clock,
                "timers": self.timers,
                "waiting": self.waiting,
                "state": self.state,
                "threads": self.threads,
                "settled": self.settled,
                "pending_deadlines": self.pending_deadlines,
                "next_sweep": self._next_sweep,
            },
            protocol=pickle.HIGHEST_PROTOCOL,
        )

    @classmethod
    def restore(
        cls, ruleset: RuleSet, data: bytes, history: int = DEFAULT_HISTORY, lateness: int = 0
    ) -> Engine:
        """An engine running `ruleset` from a `snapshot()`, keeping what the rule set keeps."""
        saved = pickle.loads(data)
        if saved.get("version") != SNAPSHOT_VERSION:
            raise ValueError(
                f"saved engine state has version {saved.get('version')}, expected {SNAPSHOT_VERSION}"
            )
        engine = cls.__new__(cls)
        engine.history = history
        engine.lateness = lateness
        engine.observer = None
        engine.clock = saved["clock"]
        engine.timers = saved["timers"]
        engine.waiting = saved["waiting"]
        engine.state = saved["state"]
        engine.threads = saved["threads"]
        if "settled" in saved:  # saved by an earlier version without it: install starts one
            engine.settled = saved["settled"]
        engine.pending_deadlines = saved["pending_deadlines"]
        engine._next_sweep = saved["next_sweep"]
        engine.stats = {}
        engine.install(ruleset)
        return engine

    # --- time ---

    def process(self, event: Event) -> list[ActionRecord]:
        """Take one event in; return the actions of the timers it lets fire and its own."""
        out: list[ActionRecord] = []
        time = event.time
        clock = self.clock
        now = time - self.lateness  # the clock is held `lateness` behind the events, to wait for delayed ones
        if clock is None or now >= clock:
            heap = self.timers.heap
            if heap and heap[0][0] <= now:
                self._fire_due(now, out)
            self.clock = clock = now
        handle = event.handle
        event.brand = brand = handle is not None and handle.casefold() in self.brand
        event.thread = self.threads.resolve(event, clock)
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
        """Move the clock to `to`, firing every timer due by then."""
        out: list[ActionRecord] = []
        self._fire_due(to, out)
        if self.clock is None or to > self.clock:
            self.clock = to
        self._maybe_sweep()
        return out

    def pending(self) -> list[Deadline]:
        """Deadlines still waiting, in the order they would fire."""
        return [
            payload
            for _, payload in self.timers
            if type(payload) is Deadline and payload.state is DeadlineState.PENDING
        ]

    def _fire_due(self, until: int, out: list[ActionRecord]) -> None:
        heap = self.timers.heap
        while heap and heap[0][0] <= until:
            _, _, payload = heappop(heap)
            # Deadlines are the only timers; state saved by earlier versions also
            # holds window timers, which the count at each event has replaced.
            if type(payload) is Deadline:
                self._deadline_due(payload, out)

    # --- rules ---

    def _limit_keys(self, rule: CompiledRule, event: Event) -> tuple[Hashable, ...]:
        return tuple(limit.per(event) if limit.per else None for limit in rule.limits)

    def _fire_for_event(self, rule: CompiledRule, event: Event, time: int, out: list[ActionRecord]) -> None:
        if rule.limits and not self._allowed(rule, time, self._limit_keys(rule, event), event.id):
            return
        stamp = format_time(time)
        author = event.handle
        records = [
            make_record(a, rule.name, rule.source, stamp, event.id, event.thread, author, a.params_for(event))
            for a in rule.actions
        ]
        self._emit(rule, time, event.id, records, out)

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
            event.time + spec.micros,
            tuple(a.params_for(event) for a in rule.actions) if fills_in else None,
            self._limit_keys(rule, event) if rule.limits else None,
        )
        if self.observer is not None:
            self.observer.waiting(rule, deadline)
        assert self.clock is not None
        if deadline.due <= self.clock:
            # A late item whose deadline is already behind the clock fires at once.
            self._deadline_due(deadline, out)
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
            if (
                (up_to is None or deadline.time <= up_to)
                and (only is None or deadline.event == only)
                and by.time < deadline.due
            ):
                deadline.state = DeadlineState.ANSWERED
                self.pending_deadlines -= 1
                self.settled.add(deadline.rule, deadline.event, by.time)
                if self.observer is not None:
                    self.observer.answered(deadline, by)
            else:
                keep.append(deadline)
        self.waiting.keep(thread, keep)

    def _deadline_due(self, deadline: Deadline, out: list[ActionRecord]) -> None:
        if deadline.state is not DeadlineState.PENDING:
            return
        if self.waiting.remove(deadline):
            self.pending_deadlines -= 1
        rule = self.by_key.get(deadline.rule)
        if rule is None or not isinstance(rule.time, UnansweredSpec):
            deadline.state = DeadlineState.DROPPED
            return
        deadline.state = DeadlineState.FIRED
        self.settled.add(deadline.rule, deadline.event, deadline.due)
        keys = (
            deadline.keys
            if deadline.keys is not None and len(deadline.keys) == len(rule.limits)
            else (None,) * len(rule.limits)
        )
        if not self._allowed(rule, deadline.due, keys, deadline.event):
            return
        stamp = format_time(deadline.due)
        params = deadline.params
        if params is None or len(params) != len(rule.actions):
            params = tuple(a.params_for(None) for a in rule.actions)
        records = [
            make_record(a, rule.name, rule.source, stamp, deadline.event, deadline.thread, deadline.author, p)
            for a, p in zip(rule.actions, params)
        ]
        self._emit(rule, deadline.due, deadline.event, records, out)

    # --- counting windows ---

    def _count(self, rule: CompiledRule, spec: WindowSpec, event: Event, out: list[ActionRecord]) -> None:
        key = spec.per(event) if spec.per is not None else _NO_KEY
        if key is None:
            return
        windows = self.state[rule.key].windows
        window = windows.get(key)
        if window is None:
            window = windows[key] = Window()
        time = event.time
        before = count_in(window.times, time - spec.micros, time)
        insert_sorted(window.times, time)
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
                    window = state.windows[key]
                    trim(window.times, horizon)
                    if not window.times:
                        del state.windows[key]
            for limit, counts in zip(rule.limits, state.limits):
                horizon = self.clock - limit.micros - self.history
                for key in list(counts):
                    trim(counts[key], horizon)
                    if not counts[key]:
                        del counts[key]


def _carried_limits(
    old: tuple[LimitSpec, ...],
    logs: list[dict[Hashable, deque[int]]],
    new: tuple[LimitSpec, ...],
) -> list[dict[Hashable, deque[int]]]:
    """The firing logs for a rule's new limits. Every limit of a rule logs the
    same firings, keyed by its FIELD, so a new limit counted by the same FIELD
    as an old one starts from a copy of its log; another starts afresh."""
    if [limit.per_field for limit in old] == [limit.per_field for limit in new] and len(logs) == len(new):
        return logs
    by_field = {limit.per_field: log for limit, log in zip(old, logs)}
    carried = []
    for limit in new:
        log = by_field.get(limit.per_field)
        carried.append({key: deque(times) for key, times in log.items()} if log is not None else {})
    return carried


def _longest(rule: CompiledRule) -> int:
    durations = [limit.micros for limit in rule.limits]
    if rule.time is not None:
        durations.append(rule.time.micros)
    return max(durations, default=0)


def _log_failure(rule: CompiledRule, exc: Exception, event: Event) -> None:
    # logging is imported only when a rule fails: a dry run has no other use for it.
    import logging

    logging.getLogger(__name__).error("%s: rule '%s': %s on event %s", rule.source, rule.name, exc, event.id)
