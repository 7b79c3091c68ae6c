"""Carrying the engine's state from one rule set to the next (SPEC section 7, hot reload).

`carry_state` is all of it, one pure function: the engine calls it when a
rule set replaces another (`Engine.install`: a reload in the daemon, or
wherever dry-run and test replace one) and when it restores saved state
under the rule set running now (`Engine.restore`: a daemon restarted with
edited playbooks), so both keep and drop the same things:

- A rule keeps its state while a rule of its key remains: its name, or for
  an unnamed rule its text, wherever it moved. The state of a rule that is
  gone is dropped.
- A pending `unanswered` wait follows its rule as the new rule set leaves
  it: its deadline is `due(rule, item time)` again, so a shorter wait may
  come due at or behind the clock, and then fires on the engine's next
  `process` or `advance`, with that deadline as its time. The wait of a
  rule that no longer has `unanswered` is dropped. A pending repeat (a wait
  that has fired) is due as many repeats after the new deadline as it has
  made, by the rule's new `repeat every D`; it is dropped when the rule no
  longer repeats, or no longer that often.
- Marks are kept whatever rule set them.
- A window is kept while the rule still counts by the same FIELD (or by
  none); the count of a window by another FIELD would be under other keys.
- A changed limit keeps the firings of a limit counted by the same FIELD; a
  wait keeps the keys its rule's limits will count its firing under.

The report says what was kept, moved and dropped, and names a rule whose text
reappears under another name: a renamed rule does not keep its state.
"""

from __future__ import annotations

from collections import Counter, deque
from collections.abc import Hashable, Sequence
from dataclasses import dataclass, replace

from playbook.compiler.rules import CompiledRule, LimitSpec, UnansweredSpec, WindowSpec
from playbook.language.turns import turn
from playbook.runtime.state import FIRING_ORDER, EngineState, RuleOutline, RuleState, Wait, due

GONE = "which is gone"
STOPPED_WAITING = "which no longer waits for an answer"
STOPPED_REPEATING = "which no longer repeats"
REPEATS_FEWER = "which now repeats fewer times"
STOPPED_COUNTING = "which no longer counts events"
COUNTS_OTHERWISE = "which no longer counts by the same field"
LIMITS_OTHERWISE = "whose limits no longer count by the same field"

Log = dict[Hashable, deque[int]]


def outline(rule: CompiledRule) -> RuleOutline:
    """What carrying state over needs to know of `rule` once it has been replaced."""
    return RuleOutline(rule.key, rule.name, rule.text, _window_per(rule), _limits_per(rule))


@dataclass(frozen=True, slots=True)
class Dropped:
    """State of one rule that a new rule set leaves no place for, and why.

    `renamed_to` names a new rule of the same text, which a rename would have
    kept it for; `unnamed` says the rule had no name (its text was its key).
    """

    rule: str
    why: str
    waits: int = 0
    windows: int = 0
    limits: int = 0
    renamed_to: str | None = None
    unnamed: bool = False

    def what(self, wait: str = "wait") -> str:
        """`1 wait and 2 windows`, with `wait` for the word wait."""
        parts = [
            _count(n, word)
            for n, word in ((self.waits, wait), (self.windows, "window"), (self.limits, "limit count"))
            if n
        ]
        return " and ".join([", ".join(parts[:-1]), parts[-1]]) if len(parts) > 1 else parts[0]


@dataclass(frozen=True, slots=True)
class CarryReport:
    """What `carry_state` kept, re-dated and dropped.

    `moved_waits` counts the kept waits whose deadline changed; `due_waits`
    those of them now due at or behind the clock, which fire at once.
    Windows and limit counts are counted one per key (`per author`: one per author).
    """

    rules: int
    kept_waits: int = 0
    moved_waits: int = 0
    due_waits: int = 0
    kept_windows: int = 0
    kept_limits: int = 0
    dropped: tuple[Dropped, ...] = ()
    kept_marks: int = 0

    @property
    def dropped_waits(self) -> int:
        return sum(d.waits for d in self.dropped)

    @property
    def changed(self) -> bool:
        """Whether anything was re-dated or dropped."""
        return bool(self.moved_waits or self.dropped)

    def summary(self) -> str:
        """`kept 12 waits (2 re-dated, 1 due at once), 3 windows, 0 limit counts;
        dropped 1 wait of rule 'Night complaints' which is gone`."""
        waits = _count(self.kept_waits, "wait")
        if self.moved_waits:
            waits += f" ({self.moved_waits} re-dated, {self.due_waits} due at once)"
        windows, limits = _count(self.kept_windows, "window"), _count(self.kept_limits, "limit count")
        text = f"kept {waits}, {windows}, {limits}"
        if self.kept_marks:
            text += ", " + _count(self.kept_marks, "mark")
        for dropped in self.dropped:
            text += f"; dropped {dropped.what()} of rule '{dropped.rule}' {dropped.why}"
        return text

    def renames(self) -> list[str]:
        """A warning for each rule whose state was dropped while its text lives on under another name."""
        return [
            f"rule '{d.rule}' is gone and '{d.renamed_to}' has the same text: "
            f"{'take its name away' if d.unnamed else 'rename it back'} to keep its {d.what('pending wait')}"
            for d in self.dropped
            if d.renamed_to is not None
        ]

    def fields(self) -> dict[str, object]:
        """The report as fields of a structured log line."""
        return {
            "state": self.summary(),
            "kept_waits": self.kept_waits,
            "moved_waits": self.moved_waits,
            "due_waits": self.due_waits,
            "kept_windows": self.kept_windows,
            "kept_limits": self.kept_limits,
            "kept_marks": self.kept_marks,
            "dropped_waits": self.dropped_waits,
        }


@dataclass(frozen=True, slots=True)
class CarryPlan:
    """What carrying state from the rules `old` to the rules `new` takes that depends on
    the two rule sets alone, worked out beforehand (`plan_carry`): a reload does it while
    loading, off the event loop, and the swap then carries the state as it is at that
    moment (`carry_planned`).

    `rules` holds, for each new rule, the outline of the old rule of its key (None for a
    new one), whether its window keeps its counts, and which of the old rule's limits
    count by a FIELD that no new limit of the rule counts by. `same_limits` holds the
    keys of the rules whose limits all count as before.
    """

    old: tuple[RuleOutline, ...]
    new: tuple[CompiledRule, ...]
    before: dict[str, RuleOutline]
    after: dict[str, CompiledRule]
    rules: tuple[tuple[CompiledRule, RuleOutline | None, bool, tuple[int, ...]], ...]
    same_limits: frozenset[str]


def plan_carry(old: Sequence[RuleOutline], new: Sequence[CompiledRule]) -> CarryPlan:
    """What carrying state from the rules `old` to the rules `new` takes of the rules alone;
    it takes a turn (language/turns.py) at each rule."""
    before = {rule.key: rule for rule in old}
    after = {rule.key: rule for rule in new}
    rules: list[tuple[CompiledRule, RuleOutline | None, bool, tuple[int, ...]]] = []
    same_limits = set()
    for rule in new:
        was = before.get(rule.key)
        if was is None:
            rules.append((rule, None, False, ()))
        else:
            limits_per = _limits_per(rule)
            gone = tuple(i for i, per in enumerate(was.limits_per) if per not in limits_per)
            rules.append((rule, was, _window_per(rule) == was.window_per, gone))
            if was.limits_per == limits_per:
                same_limits.add(rule.key)
        turn()
    return CarryPlan(tuple(old), tuple(new), before, after, tuple(rules), frozenset(same_limits))


def carry_state(
    old: Sequence[RuleOutline], new: Sequence[CompiledRule], state: EngineState
) -> tuple[EngineState, CarryReport]:
    """The state `state`, kept by the rules `old`, as the rules `new` keep it; and the report.

    Pure: `state` is not changed, and the result shares with it what it keeps
    unchanged, so `state` is not to be used on its own afterwards.
    """
    return carry_planned(plan_carry(old, new), state)


def carry_planned(plan: CarryPlan, state: EngineState) -> tuple[EngineState, CarryReport]:
    """`carry_state(plan.old, plan.new, state)`, the rules' part of it already worked out."""
    before, after, new = plan.before, plan.after, plan.new
    dropped: list[Dropped] = []
    rules: dict[str, RuleState] = {}
    kept_windows = kept_limits = 0
    # Windows and limits, rule by rule.
    for rule, was, same_window, gone_limits in plan.rules:
        kept = state.rules.get(rule.key)
        if kept is None or was is None:
            rules[rule.key] = RuleState(limits=[{} for _ in rule.limits])
            continue
        windows = kept.windows
        if not same_window:
            if windows:
                why = COUNTS_OTHERWISE if _window_per(rule) else STOPPED_COUNTING
                dropped.append(Dropped(rule.name, why, windows=len(windows)))
            windows = {}
        limits = _carried_limits(was.limits_per, kept.limits, rule.limits)
        if gone_limits:
            lost = sum(len(kept.limits[i]) for i in gone_limits if i < len(kept.limits))
            if lost:
                dropped.append(Dropped(rule.name, LIMITS_OTHERWISE, limits=lost))
        rules[rule.key] = (
            kept if windows is kept.windows and limits is kept.limits else RuleState(windows, limits)
        )
        kept_windows += len(windows)
        kept_limits += sum(len(log) for log in limits)

    # Waits, each due as its rule now says.
    waits: list[Wait] = []
    gone_waits: Counter[str] = Counter()
    stopped_waits: Counter[tuple[str, str]] = Counter()
    moved = due_now = 0
    same_limits = plan.same_limits
    for wait in state.waits:
        waiter = after.get(wait.rule)
        if waiter is None:
            gone_waits[wait.rule] += 1
            continue
        if not isinstance(waiter.time, UnansweredSpec):
            stopped_waits[waiter.name, STOPPED_WAITING] += 1
            continue
        repeat = waiter.time.repeat
        if wait.fired and (repeat is None or wait.fired > repeat.times):
            stopped_waits[waiter.name, STOPPED_REPEATING if repeat is None else REPEATS_FEWER] += 1
            continue
        deadline = due(waiter.time, wait.time, wait.fired)
        keys = wait.keys if wait.rule in same_limits else _carried_keys(before.get(wait.rule), wait, waiter)
        if deadline != wait.due:
            moved += 1
            if state.clock is not None and deadline <= state.clock:
                due_now += 1
        if deadline != wait.due or keys != wait.keys:
            wait = wait._replace(due=deadline, keys=keys)
        waits.append(wait)
    waits.sort(key=FIRING_ORDER)
    dropped.extend(Dropped(name, why, waits=n) for (name, why), n in stopped_waits.items())
    dropped.extend(_gone(before, after, state, gone_waits, new))

    carried = replace(state, waits=tuple(waits), rules=rules)
    report = CarryReport(
        len(new),
        len(waits),
        moved,
        due_now,
        kept_windows,
        kept_limits,
        tuple(sorted(dropped, key=_by_rule)),
        len(state.marks),
    )
    return carried, report


def _gone(
    before: dict[str, RuleOutline],
    after: dict[str, CompiledRule],
    state: EngineState,
    gone_waits: Counter[str],
    new: Sequence[CompiledRule],
) -> list[Dropped]:
    """What the rules that are gone leave behind, and the new rule each may have been renamed to."""
    gone = []
    new_names: dict[str, str] | None = None  # by text, of the rules that are new
    for key in sorted({*before, *gone_waits} - after.keys()):
        kept = state.rules.get(key, RuleState())
        was = before.get(key)
        windows, limits = len(kept.windows), sum(len(log) for log in kept.limits)
        if not (gone_waits[key] or windows or limits):
            continue
        if new_names is None:
            new_names = {}
            for rule in new:
                if rule.key not in before:
                    new_names.setdefault(rule.text, rule.name)
        renamed_to = new_names.get(was.text) if was is not None else None
        unnamed = was is not None and was.key != was.name
        gone.append(
            Dropped(
                was.name if was is not None else key,
                GONE,
                gone_waits[key],
                windows,
                limits,
                renamed_to,
                unnamed,
            )
        )
    return gone


def _carried_limits(old: tuple[str | None, ...], logs: list[Log], new: tuple[LimitSpec, ...]) -> list[Log]:
    """The firing logs for a rule's new limits. Every limit of a rule logs the
    same firings, keyed by its FIELD, so a new limit counted by the same FIELD
    as an old one starts from a copy of its log; another starts afresh."""
    if list(old) == [limit.per_field for limit in new] and len(logs) == len(new):
        return logs
    by_field = dict(zip(old, logs))
    carried: list[Log] = []
    for limit in new:
        log = by_field.get(limit.per_field)
        carried.append({key: deque(times) for key, times in log.items()} if log is not None else {})
    return carried


def _carried_keys(was: RuleOutline | None, wait: Wait, rule: CompiledRule) -> tuple[Hashable, ...] | None:
    """The keys the rule's new limits count the wait's firing under: those of
    the old limits by the same FIELD; None (as for an event without the FIELD) for another."""
    if not rule.limits:
        return None
    by_field: dict[str | None, Hashable] = {}
    if was is not None and wait.keys is not None:
        by_field = dict(zip(was.limits_per, wait.keys))
    return tuple(by_field.get(limit.per_field) for limit in rule.limits)


def _window_per(rule: CompiledRule) -> tuple[str | None, ...]:
    return (rule.time.per_field,) if isinstance(rule.time, WindowSpec) else ()


def _limits_per(rule: CompiledRule) -> tuple[str | None, ...]:
    return tuple(limit.per_field for limit in rule.limits)


def _by_rule(dropped: Dropped) -> tuple[str, str]:
    return dropped.rule, dropped.why


def _count(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"
