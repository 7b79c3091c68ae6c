#!/usr/bin/env python3
"""The example day, moved to end now: for watching the daemon's status page fill up.

examples/events.jsonl is a day long past (2026-11-20), and the status page
shows the last 24 hours. This prints its events moved forward so that the day
ends at this minute, their ids (and the ids they name) prefixed with "today-"
so that they are new to a daemon that replayed the original, and the lines
that are not events left out, as an HTTP request must hold events only:

    python3 examples/today.py | curl -H "Authorization: Bearer demo-token" \\
        --data-binary @- http://127.0.0.1:8787/events

Standard library only.
"""

import json
import sys
from datetime import UTC, datetime
from pathlib import Path

EVENTS = Path(__file__).resolve().with_name("events.jsonl")
DAY_ENDS = datetime(2026, 11, 21, tzinfo=UTC)
NAMES = ("id", "thread", "in_reply_to", "ref")


def moved(line, by):
    """The event of a line, moved `by` and renamed; None for a line that is not an event."""
    try:
        event = json.loads(line)
        time = datetime.fromisoformat(event["time"])
    except (ValueError, KeyError, TypeError):
        return None
    if not isinstance(event, dict) or not event.get("id") or not event.get("type") or time.tzinfo is None:
        return None
    event["time"] = (time + by).astimezone(UTC).isoformat().replace("+00:00", "Z")
    for name in NAMES:
        if isinstance(event.get(name), str):
            event[name] = "today-" + event[name]
    return event


def main():
    now = datetime.now(UTC).replace(second=0, microsecond=0)
    by = now - DAY_ENDS
    with open(EVENTS, encoding="utf-8") as lines:
        for line in lines:
            event = moved(line, by)
            if event is not None:
                sys.stdout.write(json.dumps(event) + "\n")


if __name__ == "__main__":
    main()
