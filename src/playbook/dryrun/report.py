"""How a dry run shows itself: the action table on stdout, the summary on stderr."""

from __future__ import annotations

import io
from typing import TextIO

from playbook.compiler.actions import ActionRecord
from playbook.compiler.ruleset import RuleSet
from playbook.dryrun.run import DryRunResult
from playbook.language.timestamps import format_time

COLUMNS = ("time", "rule", "action", "target", "event", "author", "details")
# Event ids and handles come from the feed, so their columns cannot be sized
# before the run; a longer one pushes the rest of its row along.
EVENT_WIDTH = 8
AUTHOR_WIDTH = 16
_ONE_LINE = str.maketrans({"\n": " ", "\r": " ", "\t": " "})


class ActionTable:
    """The dry run's readable table, one row per action, written as the actions happen.

    Columns are sized from the rule set (its rule names, action words and
    targets), so a week of traffic streams out instead of waiting for the end.
    """

    def __init__(self, ruleset: RuleSet, out: TextIO) -> None:
        rules = ruleset.rules
        actions = [a for rule in rules for a in rule.actions]
        self.widths = (
            len("2026-11-20T09:00:00Z"),
            max([len("rule"), *(len(rule.name) for rule in rules)]),
            max([len("action"), *(len(a.action) for a in actions)]),
            max([len("target"), *(len(a.target or "") for a in actions)]),
            EVENT_WIDTH,
            AUTHOR_WIDTH,
        )
        self.out = out
        self.rows = 0

    def _line(self, cells: tuple[str, ...]) -> None:
        padded = [cell.ljust(width) for cell, width in zip(cells, self.widths)]
        self.out.write("  ".join([*padded, cells[-1]]).translate(_ONE_LINE).rstrip() + "\n")

    def add(self, record: ActionRecord) -> None:
        if not self.rows:
            self._line(COLUMNS)
        self.rows += 1
        details = "  ".join(f"{k}: {v}" for k, v in record.params.items())
        self._line(
            (
                record.time,
                record.rule,
                record.action,
                record.target or "",
                record.event,
                record.author or "",
                details,
            )
        )

    def close(self) -> None:
        if not self.rows:
            self.out.write("no actions\n")


def summary(result: DryRunResult) -> str:
    """Events read, lines skipped and why, firings and suppressions per rule."""
    buf = io.StringIO()
    skipped = len(result.skipped)
    buf.write(f"events: {result.events} read, {skipped} {'line' if skipped == 1 else 'lines'} skipped\n")
    for line in result.skipped:
        buf.write(f"  line {line.line}: {line.reason}\n")
    engine = result.engine
    buf.write(f"actions: {result.actions}\n")
    if engine.ruleset.rules:
        buf.write("rules:\n")
        width = max(len(r.name) for r in engine.ruleset.rules)
        buf.write(f"  {'rule':<{width}}  {'fired':>6}  {'suppressed':>10}\n")
        for rule in engine.ruleset.rules:
            stats = engine.stats[rule.key]
            buf.write(f"  {rule.name:<{width}}  {stats.fired:>6}  {stats.suppressed:>10}\n")
    pending = engine.pending()
    clock = format_time(engine.clock) if engine.clock is not None else "no events"
    buf.write(
        f"pending: {len(pending)} {'deadline' if len(pending) == 1 else 'deadlines'} (clock at {clock})\n"
    )
    for deadline in pending:
        buf.write(
            f"  {format_time(deadline.due)}  {engine.rule_name(deadline.rule)}  event {deadline.event}"
            f" in thread {deadline.thread}\n"
        )
    return buf.getvalue()
