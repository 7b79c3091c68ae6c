"""The guard (SPEC section 9): a live rule gone wrong must not flood the public.

It sits between the engine and the outbox. A firing is the records one rule
made for one item at one time (they come together from the engine). When a
firing of a live rule would bring the number of that rule's delivered records
of the guarded actions with times in `(t - within, t]` above `max`, the rule
is paused: that firing and every later firing of the rule are held back, and
one alert record, of the rule "guard", says so to every sink that takes it.
Shadow rules are neither counted nor paused: nothing of theirs reaches the
public.

Its state (the times counted, the paused rules) is saved with the engine's,
in the same transaction, and a replay after a crash feeds it the same
records in the same order: it holds back the same firings, and makes the same
alert, with the same id. A rule stays paused across restarts and reloads
until its text (as written, `shadow` included; comments and spacing aside)
changes, it is gone, or the guard's settings change; its count then starts
afresh. Times older than `within` before the newest counted are forgotten,
so a record dated earlier than that (a late event's) is counted against what
is left.
"""

from __future__ import annotations

import logging
from collections import Counter, deque
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from hashlib import blake2b
from typing import Any

import orjson

from playbook.compiler.actions import ActionRecord
from playbook.compiler.rules import CompiledRule
from playbook.compiler.ruleset import RuleSet
from playbook.daemon.config import GuardSettings
from playbook.daemon.logs import Occasional
from playbook.language.durations import format_duration
from playbook.language.timestamps import MICROS, parse_time
from playbook.language.vocabulary import SHADOW_WORD
from playbook.runtime.state import count_in, insert_sorted, trim

log = logging.getLogger("playbook.daemon")
FORMAT = "playbook guard state"
VERSION = 1
RULE = "guard"  # the rule named in the guard's alert records


class GuardStateError(ValueError):
    """Saved guard state this Playbook cannot read."""


@dataclass(slots=True)
class Pause:
    """A paused rule: its key and name, its text as written when it was paused, when
    and why, and the guard's settings then."""

    rule: str
    name: str
    text: str
    since: str
    why: str
    settings: GuardSettings


def written(rule: CompiledRule) -> str:
    """The rule's text as written, `shadow` included: a reload that changes it lifts a pause."""
    text = rule.text
    return f"{SHADOW_WORD} {text}" if rule.shadow else text


class Guard:
    """Holds back the firings of paused rules, and pauses a rule that floods."""

    def __init__(self, settings: GuardSettings, ruleset: RuleSet, saved: bytes | None = None) -> None:
        """The guard as `saved` (by `snapshot()`), over `ruleset`; GuardStateError when
        `saved` cannot be read."""
        self.settings = settings
        self.counts: dict[str, dict[str, deque[int]]] = {}  # rule key → action → delivered record times
        self.paused: dict[str, Pause] = {}
        self.held: Counter[str] = Counter()  # firings held back since the start, by rule name
        self.paused_since_save = False
        self._held_logs: dict[str, Occasional] = {}
        if saved is not None:
            self._restore(saved)
        self.install(ruleset)

    # --- rule sets ---

    def install(self, ruleset: RuleSet) -> list[str]:
        """Guard `ruleset` from now on: a pause whose rule is gone, whose text changed, or
        that the guard's settings no longer make, is lifted (and said so, in the returned
        lines, also logged)."""
        self.ruleset = ruleset
        by_key = {rule.key: rule for rule in ruleset.rules}
        lifted = []
        for key, pause in list(self.paused.items()):
            rule = by_key.get(key)
            if rule is None:
                why = "it is gone"
            elif written(rule) != pause.text:
                why = "its text changed"
            elif pause.settings != self.settings:
                why = "the guard's settings changed"
            else:
                pause.name = rule.name  # an unnamed rule moved to another line
                continue
            del self.paused[key]
            self.counts.pop(key, None)
            lifted.append(f"resumed rule '{pause.name}', paused since {pause.since}: {why}")
        for key in [key for key in self.counts if key not in by_key]:
            del self.counts[key]
        for line in lifted:
            log.info(line)
        return lifted

    # --- records ---

    def screen(self, records: list[ActionRecord]) -> list[ActionRecord]:
        """The records to deliver: those of `records` not held back, and an alert for
        each rule they pause."""
        out: list[ActionRecord] = []
        by_name = self.ruleset.by_name
        for firing in _firings(records):
            rule = by_name[firing[0].rule]
            if rule.shadow:
                out.extend(firing)
            elif rule.key in self.paused:
                self._hold(rule, firing)
            elif self.settings.on and not self._counted(rule, firing):
                out.append(self._pause(rule, firing))
                self._hold(rule, firing)
            else:
                out.extend(firing)
        return out

    def _counted(self, rule: CompiledRule, firing: list[ActionRecord]) -> bool:
        """Count the firing's guarded records; False, counting nothing, when they are too many."""
        guarded = [record.action for record in firing if record.action in self.settings.actions]
        if not guarded:
            return True
        time = parse_time(firing[0].time)
        within = self.settings.within
        counts = self.counts.setdefault(rule.key, {})
        total = len(guarded) + sum(count_in(times, time - within, time) for times in counts.values())
        if total > self.settings.max:
            return False
        for action in guarded:
            times = counts.setdefault(action, deque())
            insert_sorted(times, time)
            trim(times, times[-1] - within)
        return True

    def _pause(self, rule: CompiledRule, firing: list[ActionRecord]) -> ActionRecord:
        first = firing[0]
        time = parse_time(first.time)
        within = self.settings.within
        counts = self.counts.get(rule.key, {})
        counted = Counter(
            {action: count_in(times, time - within, time) for action, times in counts.items()}
        ) + Counter(record.action for record in firing if record.action in self.settings.actions)
        words = " and ".join(action for action in self.settings.actions if counted[action])
        why = f"{sum(counted.values())} {words} actions within {format_duration(within // MICROS)}"
        self.paused[rule.key] = Pause(rule.key, rule.name, written(rule), first.time, why, self.settings)
        self.paused_since_save = True
        message = f"rule '{rule.name}' paused: {why}"
        log.warning(message, extra={"rule": rule.name, "source": rule.source, "event": first.event})
        return ActionRecord(
            _alert_id(rule.name, first.event, first.time),
            first.time,
            RULE,
            "alert",
            None,
            {"message": message},
            first.event,
            first.thread,
            first.author,
            rule.source,
        )

    def _hold(self, rule: CompiledRule, firing: list[ActionRecord]) -> None:
        self.held[rule.name] += 1
        held_log = self._held_logs.get(rule.name)
        if held_log is None:
            held_log = self._held_logs[rule.name] = Occasional(
                log, logging.WARNING, f"held back a firing of the paused rule '{rule.name}'"
            )
        held_log(rule=rule.name, event=firing[0].event, time=firing[0].time)

    # --- saving ---

    def snapshot(self) -> bytes:
        """The guard's state as bytes (docs/state.md), saved with the engine's."""
        return orjson.dumps(
            {
                "format": FORMAT,
                "version": VERSION,
                "counts": [
                    [key, action, list(times)]
                    for key, by_action in self.counts.items()
                    for action, times in by_action.items()
                    if times
                ],
                "paused": [
                    {**asdict(pause), "settings": _settings(pause.settings)} for pause in self.paused.values()
                ],
            }
        )

    def _restore(self, saved: bytes) -> None:
        try:
            state = orjson.loads(saved)
            if state.get("format") != FORMAT or state.get("version") != VERSION:
                raise GuardStateError(f"not a guard state of version {VERSION}")
            for key, action, times in state["counts"]:
                self.counts.setdefault(key, {})[action] = deque(times)
            for pause in state["paused"]:
                settings = pause.pop("settings")
                self.paused[pause["rule"]] = Pause(
                    **pause,
                    settings=GuardSettings(tuple(settings["actions"]), settings["max"], settings["within"]),
                )
        except (orjson.JSONDecodeError, AttributeError, KeyError, TypeError, ValueError) as exc:
            raise GuardStateError(f"the saved guard state cannot be read ({exc})") from None


def _settings(settings: GuardSettings) -> dict[str, Any]:
    return {"actions": list(settings.actions), "max": settings.max, "within": settings.within}


def _firings(records: list[ActionRecord]) -> Iterator[list[ActionRecord]]:
    """The records in firings: runs of records of one rule, item and time."""
    firing: list[ActionRecord] = []
    for record in records:
        if firing and (record.rule, record.event, record.time) != (
            firing[0].rule,
            firing[0].event,
            firing[0].time,
        ):
            yield firing
            firing = []
        firing.append(record)
    if firing:
        yield firing


def _alert_id(rule: str, event: str, time: str) -> str:
    """The stable id of the guard's alert pausing `rule` at the firing for `event` at `time`."""
    return blake2b(f"{RULE}\x1f{rule}\x1f{event}\x1f{time}".encode(), digest_size=8).hexdigest()
