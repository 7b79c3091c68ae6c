"""Event times: ISO-8601 text with a zone ↔ integer microseconds since the epoch (UTC).

Times are integers on the hot path: exact, cheap to compare, and free of
datetime objects once parsed.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Final

MICROS = 1_000_000
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_ONE_MICRO = timedelta(microseconds=1)


class TimeError(ValueError):
    """A time the engine cannot read."""


# A time `YYYY-MM-DDTHH:MM:SSZ` or `...SS+HH:MM` is read as the start of its
# minute in its zone, parsed once and remembered, plus its seconds; anything
# else (a lower-case `t`, a space, a fraction, a week date) is parsed in full.
# A minute in UTC is remembered under its 17 characters `YYYY-MM-DDTHH:MM:`, one
# with an offset under those and the offset; so a remembered minute of a `...Z`
# time is written as `format_time` writes it.
# (Final: a module compiled with mypyc reads them without looking them up.)
_SECONDS: Final = {f"{s:02d}": s * MICROS for s in range(60)}
_SECONDS_Z: Final = {f"{s:02d}Z": s * MICROS for s in range(60)}
_MINUTES: Final[dict[str, int]] = {}
_MINUTE_SHAPE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:")
_ZONE = re.compile(r"Z|[+-][0-9]{2}(?::?[0-9]{2})?")
_MAX_MINUTES = 100_000
# Written times are made the same way: the text of the minute, remembered, plus the seconds.
_MINUTE_TEXTS: dict[int, str] = {}
_SECOND_TEXTS = [f"{s:02d}Z" for s in range(60)]
# Event times must fall in years 1 to 9999 in UTC, which `datetime` can write.
_FIRST = (datetime(1, 1, 1, tzinfo=UTC) - _EPOCH) // _ONE_MICRO
_LAST = (datetime(9999, 12, 31, 23, 59, 59, 999999, tzinfo=UTC) - _EPOCH) // _ONE_MICRO
# A deadline past the year 9999 is written by moving it back whole 400-year
# Gregorian cycles, which repeat the calendar exactly, and adding their years.
_CYCLE_MINUTES = 146_097 * 24 * 60


def parse_time(text: object) -> int:
    """Microseconds since the epoch of an ISO-8601 time with a zone."""
    if type(text) is str:
        # Most are written `...:SSZ` in a minute seen before: two lookups, no more.
        seconds = _SECONDS_Z.get(text[17:])
        if seconds is not None:
            minute = _MINUTES.get(text[:17])
            if minute is not None:
                return minute + seconds
        return _parse_text(text)
    return _parse_full(text)


def _parse_text(text: str) -> int:
    """`parse_time` of a text its first lookups did not read."""
    if len(text) >= 20:
        seconds = _SECONDS.get(text[17:19])
        if seconds is not None:
            zone = text[19:]
            if zone == "Z":
                key = text[:17]
            elif zone[0] in "+-":
                key = text[:17] + zone
            else:  # a fraction of a second: Python's own reader is quicker than taking it apart here
                return _parse_full(text)
            minute = _MINUTES.get(key)
            if minute is not None:
                return minute + seconds
            return _parse_remembering_minute(text, key, zone)
    return _parse_full(text)


def _parse_remembering_minute(text: str, key: str, zone: str) -> int:
    """`_parse_full(text)`, remembering under `key` the start of its minute in `zone`."""
    micros = _parse_full(text)
    if _MINUTE_SHAPE.fullmatch(text, 0, 17) and _ZONE.fullmatch(zone):
        minute = _parse_full(text[:17] + "00" + zone)
        if len(_MINUTES) >= _MAX_MINUTES:
            _MINUTES.clear()
        _MINUTES[key] = minute
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
    micros = (moment - _EPOCH) // _ONE_MICRO
    if not _FIRST <= micros <= _LAST:
        raise TimeError(f"time '{text}' is out of range (years 1 to 9999, in UTC)")
    return micros


def format_time(micros: int) -> str:
    """`YYYY-MM-DDTHH:MM:SSZ` in UTC, with a fraction only when there is one."""
    minute, rest = divmod(micros, 60 * MICROS)
    text = _MINUTE_TEXTS.get(minute)
    if text is None:
        if len(_MINUTE_TEXTS) >= _MAX_MINUTES:
            _MINUTE_TEXTS.clear()
        text = _MINUTE_TEXTS[minute] = _minute_text(minute)
    seconds, fraction = divmod(rest, MICROS)
    if fraction:
        return f"{text}{seconds:02d}.{fraction:06d}".rstrip("0") + "Z"
    return text + _SECOND_TEXTS[seconds]


def parse_event_time(text: object) -> tuple[int, str]:
    """`parse_time(text)`, and the time as `format_time` writes it, as the event's records
    write it: `text` itself when it is written that way already, as most are."""
    # `parse_time`'s quickest path, which only a time written as `format_time` writes it takes.
    if type(text) is str:
        seconds = _SECONDS_Z.get(text[17:])
        if seconds is not None:
            minute = _MINUTES.get(text[:17])
            if minute is not None:
                return minute + seconds, text
    micros = parse_time(text)
    return micros, format_time(micros)


def _minute_text(minute: int) -> str:
    """`YYYY-MM-DDTHH:MM:` of a minute since the epoch; the year has four digits or more."""
    past_9999 = minute - _LAST // (60 * MICROS)
    cycles = -(-past_9999 // _CYCLE_MINUTES) if past_9999 > 0 else 0  # rounded up
    moment = _EPOCH + timedelta(minutes=minute - cycles * _CYCLE_MINUTES)
    return (
        f"{moment.year + 400 * cycles:04d}-{moment.month:02d}-{moment.day:02d}"
        f"T{moment.hour:02d}:{moment.minute:02d}:"
    )


def local_time(time: int, zone: str) -> str:
    """The weekday and time of day the clock shows at `time` in the IANA zone `zone`:
    `Friday 17:00 in Europe/London`."""
    from zoneinfo import ZoneInfo

    local = (_EPOCH + time * _ONE_MICRO).astimezone(ZoneInfo(zone))
    return f"{local:%A %H:%M} in {zone}"
