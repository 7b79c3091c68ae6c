"""The HTML report's charts, drawn with matplotlib as inline SVG.

SVG needs no script to show, so the page opens with no network and with
scripts off. Text stays text (`svg.fonttype: none`), escaped by matplotlib's
SVG writer; `$` in a rule name is not read as mathematics. Each chart's ids
are salted with its name, so that charts on one page never share an id, and
the same figures always give the same bytes.
"""

from __future__ import annotations

import io
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import date

import matplotlib as mpl
import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from playbook.measure.figures import WEEKDAYS, Figures, Group

INK = "#1f3b57"
ANSWERED = "#2f7ebc"
UNANSWERED = "#c9d6e3"
ALERT = "#d9822b"
WIDTH = 8.0  # inches; the page scales the SVG to its column
MOST_RULES = 25
DAYS_NAMED = 10  # up to this many days, each day is named under its bar
HOURS_NAMED = 13  # and hours: a day's are named every other hour


@contextmanager
def _chart(name: str, height: float) -> Iterator[tuple[Figure, Axes]]:
    with mpl.rc_context(
        {
            "svg.fonttype": "none",
            "svg.hashsalt": name,
            "text.parse_math": False,
            "font.size": 9,
            "axes.spines.top": False,
            "axes.spines.right": False,
            "axes.edgecolor": "#8899aa",
            "axes.titlesize": 10,
            "axes.titleweight": "bold",
            "axes.titlelocation": "left",
        }
    ):
        figure = Figure(figsize=(WIDTH, height), layout="constrained")
        yield figure, figure.add_subplot()


def _svg(figure: Figure) -> str:
    buffer = io.StringIO()
    # No metadata: a date would change the bytes, and the rest names places on the web.
    figure.savefig(buffer, format="svg", metadata=dict.fromkeys(("Date", "Creator", "Format", "Type")))
    text = buffer.getvalue()
    return text[text.index("<svg") :]


def _hours_unit(largest: float) -> tuple[float, str]:
    """Seconds per unit, and its name, for response times up to `largest` seconds."""
    if largest >= 3 * 3600:
        return 3600, "hours"
    return 60, "minutes"


def per_day(figures: Figures) -> str:
    """Items per day as bars, and the day's median response time as a line."""
    dates = [date.fromisoformat(day) for day in figures.by_day]
    # Every day named while they fit, else every few days.
    step = max(1, -(-len(dates) // DAYS_NAMED))
    shape = "%a %d %b" if step == 1 else "%d %b %Y"
    return _per_period(
        "per_day",
        list(figures.by_day.values()),
        [d.strftime(shape) for d in dates],
        step,
        "Items and median response time per day (UTC)",
    )


def per_hour(hours: Mapping[str, Group]) -> str:
    """Items per hour as bars, and the hour's median response time as a line; `hours`
    are named by the time each begins (`figures.hourly`)."""
    return _per_period(
        "per_hour",
        list(hours.values()),
        [f"{begins[11:13]}h" for begins in hours],
        max(1, -(-len(hours) // HOURS_NAMED)),
        "Items and median response time per hour (UTC)",
    )


def _per_period(name: str, groups: Sequence[Group], labels: Sequence[str], step: int, title: str) -> str:
    """Items per period as bars (every `step`-th named), and its median response time as a line."""
    with _chart(name, 3.0) as (figure, ax):
        periods = range(len(groups))
        ax.bar(periods, [g.items for g in groups], color=UNANSWERED, label="items", width=0.8)
        ax.bar(periods, [g.answered for g in groups], color=ANSWERED, label="answered", width=0.8)
        ax.set_ylabel("items")
        ax.yaxis.set_major_locator(MaxNLocator(integer=True))
        ax.set_xticks(periods[::step], labels[::step])
        ax.set_xlim(-0.6, len(groups) - 0.4)
        medians = [float("nan") if g.median is None else float(g.median) for g in groups]
        known = [m for m in medians if m == m]
        size, unit = _hours_unit(max(known, default=0.0))
        line = ax.twinx()
        line.spines["right"].set_visible(True)
        line.plot(periods, [m / size for m in medians], color=ALERT, marker="o", label="median response")
        line.set_ylabel(f"median response ({unit})")
        line.set_ylim(0, max(known, default=size) / size * 1.15)
        ax.set_title(title)
        handles = ax.get_legend_handles_labels()[0] + line.get_legend_handles_labels()[0]
        ax.legend(handles=handles, loc="upper left", frameon=False, fontsize=8)
        return _svg(figure)


def spread(figures: Figures) -> str:
    """How many items were answered in each band of response time, and how many not at all."""
    with _chart("spread", 3.0) as (figure, ax):
        labels = [label for label, _ in figures.spread]
        counts = [count for _, count in figures.spread]
        colours = [ANSWERED] * (len(labels) - 1) + [UNANSWERED]
        ax.bar(labels, counts, color=colours)
        ax.yaxis.set_major_locator(MaxNLocator(integer=True))
        ax.set_ylabel("items")
        ax.tick_params(axis="x", labelrotation=30)
        ax.set_title("How long people waited for an answer")
        return _svg(figure)


def heat_map(figures: Figures) -> str:
    """Items by weekday and hour (UTC)."""
    with _chart("heat_map", 2.8) as (figure, ax):
        # Vector cells, not an image: crisp at any size, and nothing but SVG in the page.
        image = ax.pcolormesh(np.array(figures.hours), cmap="Blues", edgecolors="white", linewidth=0.5)
        ax.invert_yaxis()
        ax.set_yticks([day + 0.5 for day in range(7)], [day[:3] for day in WEEKDAYS])
        ax.set_xticks([hour + 0.5 for hour in range(24)], [f"{hour:02d}" for hour in range(24)])
        ax.tick_params(length=0)
        for side in ax.spines.values():
            side.set_visible(False)
        scale = figure.colorbar(image, ax=ax, label="items", pad=0.01)
        if scale.solids is not None:
            scale.solids.set_rasterized(False)  # matplotlib makes a long colour scale an image
            scale.solids.set_edgecolor("face")  # and no seams between its steps
        ax.set_title("When items come in: weekday × hour (UTC)")
        return _svg(figure)


def platforms(figures: Figures) -> str:
    """Items per platform, answered and not, with each platform's answer rate."""
    with _chart("platforms", 3.0) as (figure, ax):
        names = list(figures.by_platform)
        groups = list(figures.by_platform.values())
        answered = [g.answered for g in groups]
        ax.bar(names, [g.items for g in groups], color=UNANSWERED, label="not answered")
        bars = ax.bar(names, answered, color=ANSWERED, label="answered")
        rates = [f"{g.share * 100:.0f}% answered" if g.share is not None else "" for g in groups]
        ax.bar_label(bars, rates, padding=2, fontsize=8, color=INK)
        ax.yaxis.set_major_locator(MaxNLocator(integer=True))
        ax.set_ylabel("items")
        ax.legend(loc="upper right", frameon=False, fontsize=8)
        ax.set_title("Items and answer rate per platform")
        return _svg(figure)


def rules(figures: Figures, title: str = "Firings per rule") -> str:
    """Firings per rule (the rules that fired most), with the firings their limits suppressed
    when there were any."""
    rules = figures.rules or {}
    shown = sorted(rules.items(), key=lambda pair: -(pair[1].fired + pair[1].suppressed))[:MOST_RULES]
    shown.reverse()  # the most at the top
    with _chart("rules", 0.8 + 0.28 * max(len(shown), 1)) as (figure, ax):
        names = [name for name, _ in shown]
        fired = [r.fired for _, r in shown]
        ax.barh(names, fired, color=ANSWERED, label="fired")
        if any(r.suppressed for _, r in shown):
            ax.barh(names, [r.suppressed for _, r in shown], left=fired, color=UNANSWERED, label="suppressed")
            ax.legend(loc="lower right", frameon=False, fontsize=8)
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.set_xlabel("firings")
        more = f" (the {len(shown)} that fired most, of {len(rules)})" if len(rules) > len(shown) else ""
        ax.set_title(f"{title}{more}")
        return _svg(figure)
