"""Event times: ISO-8601 text with a zone ↔ integer microseconds since the epoch (UTC).

Times are integers on the hot path: exact, cheap to compare, and free of
datetime objects once parsed.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

MICROS = 1_000_000
_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)
_ONE_MICRO = timedelta(microseconds=1)


class TimeError(ValueError):
    """A time the engine cannot read."""


def parse_time(text: object) -> int:
    """Microseconds since the epoch of an ISO-8601 time with a zone."""
    if not isinstance(text, str):
        raise TimeError(f"unreadable time {text!r} (not text)")
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise TimeError(f"unreadable time '{text}'") from None
    if moment.tzinfo is None:
        raise TimeError(f"unreadable time '{text}' (no time zone)")
    return (moment - _EPOCH) // _ONE_MICRO


def format_time(micros: int) -> str:
    """`YYYY-MM-DDTHH:MM:SSZ` in UTC, with a fraction only when there is one."""
    seconds, fraction = divmod(micros, MICROS)
    moment = _EPOCH + timedelta(seconds=seconds)
    text = moment.strftime("%Y-%m-%dT%H:%M:%S")
    if fraction:
        text += "." + f"{fraction:06d}".rstrip("0")
    return text + "Z"
