"""How a dry run shows itself: the action table on stdout, the summary on stderr."""

from __future__ import annotations

import io
from collections.abc import Sequence
from typing import TextIO

from playbook.compiler.actions import ActionRecord
from playbook.compiler.ruleset import RuleSet
from playbook.dryrun.explain import counted, repeats_left
from playbook.dryrun.run import DryRunResult
from playbook.language.printable import one_line, printable
from playbook.language.timestamps import format_time

COLUMNS = ("time", "rule", "action", "target", "event", "author", "details")
# Times, event ids and handles come from the feed, so their columns cannot be
# sized before the run: they start at these widths and grow when they must.
TIME_WIDTH = len("2026-11-20T09:00:00Z")
EVENT_WIDTH = 8
AUTHOR_WIDTH = 16
# The summary lists this many pending deadlines and skipped lines, then counts the rest.
LISTED = 20
EXAMPLE_EVENT = (
    '{"id": "m1", "type": "mention", "time": "2026-11-20T09:00:00Z", "text": "My order arrived broken"}'
)
# After the name of a shadow rule, in the table and the summary (SPEC section 9).
SHADOW_MARK = " (shadow)"


def _width(text: str) -> int:
    """How many columns `text` takes on a terminal (wide characters take two)."""
    if text.isascii():
        return len(text)
    from rich.cells import cell_len  # only for text that needs it: it takes a while to import

    return cell_len(text)


def _shown(rule: str, shadow: bool) -> str:
    """A rule's name as the table and the summary show it: a shadow rule's marked."""
    return rule + SHADOW_MARK if shadow else rule


class ActionTable:
    """The dry run's readable table, one row per action, written as the actions happen.

    Columns are sized from the rule set (its rule names, action words and
    targets), so a week of traffic streams out instead of waiting for the end.
    A value longer than its column (a long handle, a time with fractions of a
    second) widens the column from that row on, and the header is written
    again above it, so every row lines up with the header above it.
    """

    def __init__(self, ruleset: RuleSet, out: TextIO) -> None:
        rules = ruleset.rules
        actions = [a for rule in rules for a in rule.actions]
        self.widths = [
            TIME_WIDTH,
            max([len("rule"), *(_width(_shown(rule.name, rule.shadow)) for rule in rules)]),
            max([len("action"), *(len(a.action) for a in actions)]),
            max([len("target"), *(_width(a.target or "") for a in actions)]),
            EVENT_WIDTH,
            AUTHOR_WIDTH,
        ]
        self.out = out
        self.rows = 0

    def _line(self, cells: Sequence[str]) -> None:
        padded = [cell + " " * (width - _width(cell)) for cell, width in zip(cells, self.widths)]
        self.out.write(one_line("  ".join([*padded, cells[-1]])).rstrip() + "\n")

    def add(self, record: ActionRecord) -> None:
        cells = (
            record.time,
            _shown(record.rule, record.shadow),
            record.action,
            record.target or "",
            record.event,
            record.author or "",
            "  ".join(f"{k}: {v}" for k, v in record.params.items()),
        )
        grown = False
        for column, cell in enumerate(cells[:-1]):
            if _width(cell) > self.widths[column]:
                self.widths[column] = _width(cell)
                grown = True
        if not self.rows or grown:
            self._line(COLUMNS)
        self.rows += 1
        self._line(cells)

    def close(self) -> None:
        if not self.rows:
            self.out.write("no actions\n")


def summary(result: DryRunResult, source: str = "the input") -> str:
    """Events read, lines skipped and why, firings and suppressions per rule (and
    the marks each set and took away, when the rules mark), pending deadlines
    with the repeats each has left; and what the run could not do as asked."""
    buf = io.StringIO()
    engine = result.engine
    if result.interrupted:
        events = result.events
        buf.write(f"interrupted: stopped by Ctrl-C after {events} {'event' if events == 1 else 'events'}")
        buf.write(
            "; --until was not applied\n" if result.until is not None and not result.until_applied else "\n"
        )
    skipped = result.skipped_count
    buf.write(f"events: {result.events} read, {skipped} {'line' if skipped == 1 else 'lines'} skipped\n")
    for line in result.skipped:
        buf.write(f"  line {line.line}: {line.reason}\n")
        if line.text:
            buf.write(f"      {line.text}\n")
    if skipped > len(result.skipped):
        buf.write(f"  … and {skipped - len(result.skipped)} more\n")
    buf.write(f"actions: {result.actions}\n")
    rules = engine.ruleset.rules
    if rules:
        buf.write("rules:\n")
        width = max([len("rule"), *(_width(_shown(r.name, r.shadow)) for r in rules)])
        marks = [m for rule in rules for m in rule.marks]
        columns = [("fired", 6), ("suppressed", 10)]
        if any(not m.unmark for m in marks):
            columns.append(("marked", 6))
        if any(m.unmark for m in marks):
            columns.append(("unmarked", 8))
        buf.write(f"  {'rule':<{width}}" + "".join(f"  {title:>{w}}" for title, w in columns) + "\n")
        for rule in rules:
            stats = engine.stats[rule.key]
            shown = _shown(rule.name, rule.shadow)
            name = shown + " " * (width - _width(shown))
            counts = "".join(f"  {getattr(stats, title):>{w}}" for title, w in columns)
            buf.write(f"  {name}{counts}\n")
    pending = engine.pending()
    clock = (
        f"clock at {format_time(engine.clock)}"
        if engine.clock is not None
        else "no clock: no events were read"
    )
    buf.write(f"pending: {len(pending)} {'deadline' if len(pending) == 1 else 'deadlines'} ({clock})\n")
    for deadline in pending[:LISTED]:
        buf.write(
            f"  {format_time(deadline.due)}  {engine.rule_name(deadline.rule)}  event {deadline.event}"
            f" in thread {deadline.thread}{counted(engine.by_key.get(deadline.rule), deadline)}"
            f"{repeats_left(engine.by_key.get(deadline.rule), deadline)}\n"
        )
    if len(pending) > LISTED:
        buf.write(f"  … and {len(pending) - LISTED} more\n")
    if result.until is not None and result.last_time is not None and result.until < result.last_time:
        buf.write(
            f"note: --until {format_time(result.until)} is before the last event "
            f"({format_time(result.last_time)}): the clock stays there, and nothing more fired\n"
        )
    if not result.events and not result.interrupted:
        if skipped:
            buf.write(
                f"note: no line of {source} is an event. Events are JSON Lines: one JSON object "
                f"per line, such as\n  {EXAMPLE_EVENT}\n"
            )
        else:
            buf.write(f"note: {source} holds no events\n")
    return printable(buf.getvalue())
