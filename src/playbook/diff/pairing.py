"""Pairing OLD's action records with NEW's, and what differs (SPEC section 9).

Records are paired by (rule, action, target, event). A rule is its state key:
its name, or an unnamed rule's text, so an unnamed rule moved to another line
is the same rule; a renamed rule is another. For each key, OLD's and NEW's
records are paired in the order they happen (time order, but for the records
of late events): a pair at the same time with the same params is unchanged,
whether or not the rule went into or out of shadow (its line in the report
says so); at the same time with other params it is `changed`; at other times,
`moved`. A record left without a partner is `added` (NEW's) or
`removed` (OLD's).

Pairs are made as the records come, and an unchanged pair is counted and
forgotten at once, so memory holds only the records still waiting for a
partner and the differences found (some 400 bytes each, their params
included), never every record of the run.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from playbook.compiler.actions import ActionRecord
from playbook.compiler.ruleset import RuleSet
from playbook.language.timestamps import parse_time

ADDED, REMOVED, MOVED, CHANGED = "added", "removed", "moved", "changed"
# At equal times, differences are listed in this order: what goes, what changes, what comes.
ORDER = {REMOVED: 0, CHANGED: 1, MOVED: 2, ADDED: 3}

Key = tuple[str, str, str | None, str]  # the rule's state key, the action, the target, the event


@dataclass(frozen=True, slots=True)
class Difference:
    """One difference. `key` is its rule's state key, `rule` the name it is shown
    under; `time`, `params` and `shadow` are NEW's (OLD's for `removed`); `was` is
    OLD's time (`moved`), `was_params` OLD's params (`changed`, and `moved` when
    they differ, which the table shows and JSON Lines, as SPEC section 9 has it,
    only for `changed`)."""

    key: str
    change: str
    time: str
    rule: str
    action: str
    target: str | None
    params: dict[str, str]
    event: str
    shadow: bool = False
    was: str | None = None
    was_params: dict[str, str] | None = None

    def to_dict(self) -> dict[str, Any]:
        """The JSON Lines object of `playbook diff --format jsonl`."""
        out: dict[str, Any] = {
            "change": self.change,
            "time": self.time,
            "rule": self.rule,
            "action": self.action,
            "target": self.target,
            "params": self.params,
            "event": self.event,
        }
        if self.shadow:
            out["shadow"] = True
        if self.was is not None:
            out["was"] = self.was
        if self.change == CHANGED:
            out["was_params"] = self.was_params
        return out


class _Waiting:
    """A record waiting for its partner: what a difference needs of it, and its place
    in its own run (`seq`, counted from 1), which orders differences at equal times."""

    __slots__ = ("seq", "time", "params", "shadow")

    def __init__(self, seq: int, record: ActionRecord) -> None:
        self.seq = seq
        self.time = record.time
        self.params = record.params
        self.shadow = record.shadow


@dataclass(frozen=True, slots=True)
class RuleInfo:
    """What the report says of a rule: its shown name (NEW's), and how the edit left it."""

    key: str
    name: str
    shadow: bool
    in_old: bool
    in_new: bool
    was_shadow: bool
    renamed_to: str | None = None


class Pairing:
    """Takes the records of both runs as they come and keeps what differs."""

    def __init__(self, old: RuleSet, new: RuleSet) -> None:
        self._old_keys = {rule.name: rule.key for rule in old.rules}
        self._new_keys = {rule.name: rule.key for rule in new.rules}
        self.rules = _rules(old, new)
        self._waiting: tuple[dict[Key, deque[_Waiting]], dict[Key, deque[_Waiting]]] = ({}, {})
        self._seq = [0, 0]
        self._found: list[tuple[int, int, int, Difference]] = []
        self.same = 0  # pairs that did not change
        self.old_actions = 0
        self.new_actions = 0

    def take(self, old: Iterable[ActionRecord], new: Iterable[ActionRecord]) -> None:
        """The records OLD and NEW made of one event (or one move of the clock)."""
        for record in old:
            self._take(0, self._old_keys, record)
        for record in new:
            self._take(1, self._new_keys, record)

    def _take(self, side: int, keys: dict[str, str], record: ActionRecord) -> None:
        self._seq[side] += 1
        held = _Waiting(self._seq[side], record)
        key = (keys[record.rule], record.action, record.target, record.event)
        partners = self._waiting[1 - side].get(key)
        if not partners:
            self._waiting[side].setdefault(key, deque()).append(held)
            return
        partner = partners.popleft()
        if not partners:
            del self._waiting[1 - side][key]
        if side == 0:
            self._pair(key, held, partner)
        else:
            self._pair(key, partner, held)

    def _pair(self, key: Key, old: _Waiting, new: _Waiting) -> None:
        same_params = old.params == new.params
        if old.time == new.time:
            if same_params:
                self.same += 1
                return
            change, was = CHANGED, None
        else:
            change, was = MOVED, old.time
        self._add(change, key, new, was, None if same_params else old.params)

    def _add(
        self,
        change: str,
        key: Key,
        held: _Waiting,
        was: str | None = None,
        was_params: dict[str, str] | None = None,
    ) -> None:
        rule, action, target, event = key
        found = Difference(
            rule,
            change,
            held.time,
            self.rules[rule].name,
            action,
            target,
            held.params,
            event,
            held.shadow,
            was,
            was_params,
        )
        self._found.append((parse_time(held.time), ORDER[change], held.seq, found))

    def finish(self) -> list[Difference]:
        """Every difference, the records still without a partner taken as removed and
        added, in the order `playbook diff` lists them: by time (NEW's for `moved`),
        then removed, changed, moved, added, then in the order the records happened
        in their own run (NEW's, OLD's for removed). The same input gives the same list."""
        self.old_actions, self.new_actions = self._seq
        for side, change in ((0, REMOVED), (1, ADDED)):
            for key, left in self._waiting[side].items():
                for held in left:
                    self._add(change, key, held)
            self._waiting[side].clear()
        self._found.sort(key=lambda found: found[:3])
        return [found[3] for found in self._found]


def _rules(old: RuleSet, new: RuleSet) -> dict[str, RuleInfo]:
    """Every rule of either set by key, in NEW's order then OLD's: shown under its NEW name."""
    olds = {rule.key: rule for rule in old.rules}
    news = {rule.key: rule for rule in new.rules}
    added_texts = {rule.text: rule.name for key, rule in news.items() if key not in olds}
    rules: dict[str, RuleInfo] = {}
    for key, rule in news.items():
        before = olds.get(key)
        rules[key] = RuleInfo(
            key, rule.name, rule.shadow, before is not None, True, before.shadow if before else rule.shadow
        )
    for key, rule in olds.items():
        if key not in news:
            renamed = added_texts.get(rule.text)
            rules[key] = RuleInfo(key, rule.name, rule.shadow, True, False, rule.shadow, renamed)
    return rules
