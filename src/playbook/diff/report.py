"""How `playbook diff` shows what differs: a line per rule in words, a table of the
differences, or one JSON object per difference; and its summary of the run."""

from __future__ import annotations

import io
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field

import orjson

from playbook.diff.pairing import ADDED, CHANGED, MOVED, REMOVED, Difference, RuleInfo
from playbook.diff.run import DiffResult
from playbook.language.durations import format_duration
from playbook.language.printable import one_line, printable
from playbook.language.timestamps import MICROS, format_time, parse_time

COLUMNS = ("change", "time", "rule", "action", "target", "event", "details")
# The order of the counts in a rule's line.
COUNTED = (ADDED, REMOVED, MOVED, CHANGED)
SHADOW_MARK = " (shadow)"


@dataclass(slots=True)
class RuleChanges:
    """The differences of one rule: how many of each kind, and how far each moved record moved."""

    rule: RuleInfo
    counts: Counter[str] = field(default_factory=Counter)
    shifts: list[int] = field(default_factory=list)  # NEW's time less OLD's, in microseconds

    def line(self) -> str:
        """`Escalate unanswered complaints: 14 added, 3 removed, 5 moved (earlier by 1h, median)`."""
        parts = []
        for change in COUNTED:
            if self.counts[change]:
                part = f"{self.counts[change]} {change}"
                if change == MOVED:
                    part += f" ({_median_shift(self.shifts)}, median)"
                parts.append(part)
        return f"{self.rule.name}{_label(self.rule)}: {', '.join(parts)}"


def by_rule(result: DiffResult) -> list[RuleChanges]:
    """The rules that differ, in NEW's rule-set order, then the rules only OLD has."""
    changes = {key: RuleChanges(rule) for key, rule in result.pairing.rules.items()}
    for difference in result.differences:
        rule = changes[difference.key]
        rule.counts[difference.change] += 1
        if difference.change == MOVED:
            assert difference.was is not None
            rule.shifts.append(parse_time(difference.time) - parse_time(difference.was))
    return [rule for rule in changes.values() if rule.counts]


def rule_lines(result: DiffResult) -> str:
    """A line per rule that differs, a line per rule promoted from shadow (or put in shadow)
    whose actions are the same, and how many actions are the same in both; or that none differs."""
    same = result.pairing.same
    differing = by_rule(result)
    lines = [rule.line() for rule in differing]
    shown = {rule.rule.key for rule in differing}
    lines += [
        f"{rule.name}{_label(rule)}: no action differs"
        for rule in result.pairing.rules.values()
        if rule.key not in shown and rule.in_old and rule.in_new and rule.shadow != rule.was_shadow
    ]
    if not result.differences:
        if not same:
            lines.append("no differences: neither takes any action")
        else:
            lines.append(f"no differences: both take the same {_actions(same)}")
    else:
        lines.append(f"the same in both: {_actions(same)}")
    return "".join(line + "\n" for line in lines)


def table(differences: Sequence[Difference]) -> Iterator[str]:
    """The lines of the differences' table, a row each, its columns as wide as their widest cell."""
    widths = [len(column) for column in COLUMNS[:-1]]
    for difference in differences:
        for column, cell in enumerate(_cells(difference)[:-1]):
            widths[column] = max(widths[column], _width(cell))
    yield _row(COLUMNS, widths)
    for difference in differences:
        yield _row(_cells(difference), widths)


def _row(cells: Sequence[str], widths: list[int]) -> str:
    padded = [cell + " " * (width - _width(cell)) for cell, width in zip(cells, widths)]
    return one_line("  ".join([*padded, cells[-1]])).rstrip() + "\n"


def jsonl(difference: Difference) -> bytes:
    """One difference as a line of `--format jsonl`."""
    return orjson.dumps(difference.to_dict()) + b"\n"


def summary(result: DiffResult, source: str) -> str:
    """Events read, lines skipped and why, each side's number of actions, and what
    the run could not do as asked (for stderr)."""
    buf = io.StringIO()
    skipped = result.skipped_count
    buf.write(f"events: {result.events} read, {skipped} {'line' if skipped == 1 else 'lines'} skipped\n")
    for line in result.skipped:
        buf.write(f"  line {line.line}: {line.reason}\n")
        if line.text:
            buf.write(f"      {line.text}\n")
    if skipped > len(result.skipped):
        buf.write(f"  … and {skipped - len(result.skipped)} more\n")
    pairing = result.pairing
    buf.write(f"actions: {pairing.old_actions} by OLD, {pairing.new_actions} by NEW\n")
    if result.until is not None and result.last_time is not None and result.until < result.last_time:
        buf.write(
            f"note: --until {format_time(result.until)} is before the last event "
            f"({format_time(result.last_time)}): the clocks stay there, and nothing more fired\n"
        )
    if not result.events:
        buf.write(f"note: {source} holds no events\n")
    return printable(buf.getvalue())


# --- words ---


def _actions(count: int) -> str:
    return f"{count} {'action' if count == 1 else 'actions'}"


def _label(rule: RuleInfo) -> str:
    """How the edit left a rule, after its name: `(new, shadow)`, `(promoted from shadow)`..."""
    words = []
    if not rule.in_old:
        words.append("new")
    elif not rule.in_new:
        words.append("gone" if rule.renamed_to is None else f"gone; '{rule.renamed_to}' has its text")
    if rule.shadow and rule.was_shadow:
        words.append("shadow")
    elif rule.shadow:
        words.append("now shadow")
    elif rule.was_shadow:
        words.append("promoted from shadow")
    return f" ({', '.join(words)})" if words else ""


def _median_shift(shifts: list[int]) -> str:
    """`earlier by 1h` or `later by 30m`: the middle shift (the mean of the two middle ones)."""
    ordered = sorted(shifts)
    middle = len(ordered) // 2
    median = ordered[middle] if len(ordered) % 2 else (ordered[middle - 1] + ordered[middle]) / 2
    if median == 0:
        return "as much earlier as later"
    return f"{'earlier' if median < 0 else 'later'} by {_duration(abs(median))}"


def _duration(micros: float) -> str:
    seconds = round(micros / MICROS)
    return format_duration(seconds) if seconds else "less than 1s"


def _shift(difference: Difference) -> str:
    assert difference.was is not None
    moved = parse_time(difference.time) - parse_time(difference.was)
    return f"was {difference.was} ({_duration(abs(moved))} {'earlier' if moved < 0 else 'later'})"


def _params(params: dict[str, str]) -> str:
    return "  ".join(f"{key}: {value}" for key, value in params.items())


def _params_changed(new: dict[str, str], old: dict[str, str]) -> list[str]:
    keys = [*new, *(key for key in old if key not in new)]
    return [
        f"{key}: {new.get(key, '(none)')} (was {old.get(key, '(none)')})"
        for key in keys
        if new.get(key) != old.get(key)
    ]


def _details(difference: Difference) -> str:
    if difference.change in (ADDED, REMOVED):
        return _params(difference.params)
    parts = [_shift(difference)] if difference.change == MOVED else []
    if difference.was_params is not None:
        parts += _params_changed(difference.params, difference.was_params)
    return "; ".join(parts)


def _cells(difference: Difference) -> tuple[str, ...]:
    return (
        difference.change,
        difference.time,
        difference.rule + SHADOW_MARK if difference.shadow else difference.rule,
        difference.action,
        difference.target or "",
        difference.event,
        _details(difference),
    )


def _width(text: str) -> int:
    """How many columns `text` takes on a terminal (wide characters take two)."""
    if text.isascii():
        return len(text)
    from rich.cells import cell_len  # only for text that needs it: it takes a while to import

    return cell_len(text)
