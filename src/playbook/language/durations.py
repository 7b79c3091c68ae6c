"""Durations as written in playbooks (`2h`, `90 minutes`, `1h30m`) and as read back."""

from __future__ import annotations

import re

UNIT_SECONDS = {
    "w": 604800,
    "week": 604800,
    "weeks": 604800,
    "d": 86400,
    "day": 86400,
    "days": 86400,
    "h": 3600,
    "hr": 3600,
    "hrs": 3600,
    "hour": 3600,
    "hours": 3600,
    "m": 60,
    "min": 60,
    "mins": 60,
    "minute": 60,
    "minutes": 60,
    "s": 1,
    "sec": 1,
    "secs": 1,
    "second": 1,
    "seconds": 1,
}

_PART = re.compile(r"(\d+)\s*([a-z]+)")
_WHOLE = re.compile(r"\s*(?:\d+\s*[a-z]+\s*)+")


def parse_duration(text: str) -> int:
    """Seconds in a duration such as `1h30m` or `2 hours`; ValueError if it is not one."""
    if not _WHOLE.fullmatch(text):
        raise ValueError(f"not a duration: {text!r}")
    total = 0
    for amount, unit in _PART.findall(text):
        if unit not in UNIT_SECONDS:
            raise ValueError(f"unknown unit {unit!r} in {text!r}")
        total += int(amount) * UNIT_SECONDS[unit]
    return total


def format_duration(seconds: int) -> str:
    """The shortest written form: 7200 → `2h`, 5400 → `1h30m`, 0 → `0s`."""
    if seconds == 0:
        return "0s"
    parts = []
    for unit, size in (("w", 604800), ("d", 86400), ("h", 3600), ("m", 60), ("s", 1)):
        amount, seconds = divmod(seconds, size)
        if amount:
            parts.append(f"{amount}{unit}")
    return "".join(parts)
