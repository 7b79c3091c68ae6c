"""Event times: ISO-8601 text with a zone ↔ integer microseconds since the epoch (UTC).

Times are integers on the hot path: exact, cheap to compare, and free of
datetime objects once parsed.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

MICROS = 1_000_000
_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)
_ONE_MICRO = timedelta(microseconds=1)


class TimeError(ValueError):
    """A time the engine cannot read."""


# The common shape `YYYY-MM-DDTHH:MM:SSZ` is read as its minute, parsed once
# and remembered, plus its seconds looked up here; anything else is parsed in full.
_SECONDS = {f"{s:02d}": s * MICROS for s in range(60)}
_MINUTES: dict[str, int] = {}
_MINUTE_SHAPE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}[Tt ][0-9]{2}:[0-9]{2}:")
_MAX_MINUTES = 100_000


def parse_time(text: object) -> int:
    """Microseconds since the epoch of an ISO-8601 time with a zone."""
    if type(text) is str and len(text) == 20 and text[19] == "Z":
        seconds = _SECONDS.get(text[17:19])
        if seconds is not None:
            minute = _MINUTES.get(text[:17])
            if minute is not None:
                return minute + seconds
            return _parse_remembering_minute(text)
    return _parse_full(text)


def _parse_remembering_minute(text: str) -> int:
    """`_parse_full` of a `YYYY-MM-DDTHH:MM:SSZ` time, remembering the start of its minute."""
    micros = _parse_full(text)
    if _MINUTE_SHAPE.fullmatch(text, 0, 17):
        if len(_MINUTES) >= _MAX_MINUTES:
            _MINUTES.clear()
        _MINUTES[text[:17]] = micros - _SECONDS[text[17:19]]
    return micros


def _parse_full(text: object) -> int:
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
    minute, rest = divmod(micros, 60 * MICROS)
    text = _MINUTE_TEXTS.get(minute)
    if text is None:
        if len(_MINUTE_TEXTS) >= _MAX_MINUTES:
            _MINUTE_TEXTS.clear()
        text = _MINUTE_TEXTS[minute] = (_EPOCH + timedelta(minutes=minute)).strftime("%Y-%m-%dT%H:%M:")
    seconds, fraction = divmod(rest, MICROS)
    if fraction:
        return f"{text}{seconds:02d}.{fraction:06d}".rstrip("0") + "Z"
    return text + _SECOND_TEXTS[seconds]


_MINUTE_TEXTS: dict[int, str] = {}
_SECOND_TEXTS = [f"{s:02d}Z" for s in range(60)]
