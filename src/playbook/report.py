"""How a dry run shows itself: the action table on stdout, the summary on stderr."""

from __future__ import annotations

import io
from typing import TextIO

from rich.console import Console
from rich.table import Table

from .actions import ActionRecord
from .dryrun import DryRunResult
from .timestamps import format_time

WIDTH_WHEN_PIPED = 160


def _details(record: ActionRecord) -> str:
    return "  ".join(f"{k}: {v}" for k, v in record.params.items())


def action_table(records: list[ActionRecord], out: TextIO) -> None:
    """A readable table of actions, one row each, in firing order."""
    if not records:
        out.write("no actions\n")
        return
    table = Table(box=None, pad_edge=False, show_edge=False, header_style="bold")
    for column in ("time", "rule", "action", "target", "event", "author", "details"):
        table.add_column(column, overflow="fold")
    for r in records:
        table.add_row(r.time, r.rule, r.action, r.target or "", r.event, r.author or "", _details(r))
    width = None if out.isatty() else WIDTH_WHEN_PIPED
    Console(file=out, width=width, highlight=False, soft_wrap=False).print(table)


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
    buf.write(f"pending: {len(pending)} {'deadline' if len(pending) == 1 else 'deadlines'} (clock at {clock})\n")
    for deadline in pending:
        buf.write(f"  {format_time(deadline.due)}  {engine.rule_name(deadline.rule)}  event {deadline.event}"
                  f" in thread {deadline.thread}\n")
    return buf.getvalue()
