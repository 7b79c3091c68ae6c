"""Figures as people read them: response times in days, hours and minutes, shares in percent."""

from __future__ import annotations

from playbook.measure.figures import Seconds


def duration(seconds: Seconds | None) -> str:
    """A response time as people say it: 45s, 24m 10s, 3h 12m, 2d 3h; '–' for none."""
    if seconds is None:
        return "–"
    if seconds < 60:
        return f"{seconds:g}s"
    whole = int(seconds)
    for size, unit, small, small_unit in ((86400, "d", 3600, "h"), (3600, "h", 60, "m"), (60, "m", 1, "s")):
        if whole >= size:
            big, rest = divmod(whole, size)
            part = rest // small
            return f"{big}{unit} {part}{small_unit}" if part else f"{big}{unit}"
    raise AssertionError("unreachable: seconds >= 60")


def percent(share: float | None) -> str:
    """A share from 0 to 1 in percent, to one decimal; "–" for none."""
    return "–" if share is None else f"{share * 100:.1f}%"
