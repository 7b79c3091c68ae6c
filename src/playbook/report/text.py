"""The report as readable tables (`--format text`, the default)."""

from __future__ import annotations

import io
from collections.abc import Mapping
from typing import TextIO

from rich import box
from rich.console import Console
from rich.table import Table
from rich.text import Text

from playbook.language.printable import printable
from playbook.language.timestamps import format_time
from playbook.measure.display import duration, percent
from playbook.measure.figures import WEEKDAYS, Figures, Group

# Wide enough for the weekday × hour table of a busy desk; each table takes only the width it needs.
WIDTH = 200


def write_text(figures: Figures, title: str, out: TextIO) -> None:
    """Write the report's figures as tables to `out`."""
    drawn = io.StringIO()
    _draw(figures, title, Console(file=drawn, width=WIDTH, color_system=None, highlight=False, emoji=False))
    # rich pads each line to the table's width; the padding carries nothing.
    out.writelines(line.rstrip() + "\n" for line in drawn.getvalue().splitlines())


def _draw(figures: Figures, title: str, console: Console) -> None:
    console.print(f"{title}: {period(figures)}", markup=False)
    console.print()
    console.print(_overview(figures))
    console.print(_response(figures))
    if figures.within:
        console.print(_within(figures))
    for name, groups in (("type", figures.by_type), ("platform", figures.by_platform)):
        if groups:
            console.print(_groups(name, groups))
    console.print(_hours(figures))
    if figures.rules is not None:
        table = _table("Rules, as dry-run counts them", "rule", "fired", "actions", "suppressed")
        for rule, counts in figures.rules.items():
            table.add_row(Text(rule), str(counts.fired), str(counts.actions), str(counts.suppressed))
        console.print(table)


def period(figures: Figures) -> str:
    """`FROM to TO`, or that there were no events."""
    if figures.start is None or figures.end is None:
        return "no events"
    return f"{format_time(figures.start)} to {format_time(figures.end)}"


# Rule names, types and platforms come from playbooks and feeds: each is shown as
# `Text`, never read as rich markup.
def _table(title: str, *columns: str) -> Table:
    table = Table(
        title=title,
        title_justify="left",
        box=box.SIMPLE_HEAD,
        pad_edge=False,
        min_width=len(title),
        show_header=any(columns),
    )
    for number, column in enumerate(columns):
        table.add_column(column, justify="left" if number == 0 else "right")
    return table


def _overview(figures: Figures) -> Table:
    table = _table("Items", "", "count", "share")
    items = figures.items
    table.add_row("events", str(figures.events), "")
    table.add_row("items", str(items), "")
    table.add_row("answered", str(figures.answered), percent(_of(figures.answered, items)))
    table.add_row("not answered", str(figures.unanswered), percent(_of(figures.unanswered, items)))
    return table


def _response(figures: Figures) -> Table:
    table = _table("Response time of the answered items", "", "")
    response = figures.response
    table.add_row("median", duration(response.median))
    table.add_row("9 in 10 within", duration(response.p90))
    table.add_row("mean", duration(response.mean))
    return table


def _within(figures: Figures) -> Table:
    table = _table("Answered within", "service level", "share of items")
    for label, share in figures.within.items():
        table.add_row(label, percent(share))
    return table


def _groups(name: str, groups: Mapping[str, Group]) -> Table:
    table = _table(f"By {name}", name, "items", "answered", "share", "median")
    for key, group in groups.items():
        table.add_row(
            Text(printable(key)),
            str(group.items),
            str(group.answered),
            percent(group.share),
            duration(group.median),
        )
    return table


def _hours(figures: Figures) -> Table:
    table = Table(
        title="Items by weekday and hour (UTC)", title_justify="left", box=box.SIMPLE_HEAD, pad_edge=False
    )
    table.add_column("")
    for hour in range(24):
        table.add_column(f"{hour:02d}", justify="right")
    for weekday, row in zip(WEEKDAYS, figures.hours):
        table.add_row(weekday[:3], *(str(count) if count else "·" for count in row))
    return table


def _of(part: int, whole: int) -> float | None:
    return part / whole if whole else None
