"""Trying again after a failure, the same way for everything the daemon retries
(processing, each sink, each source): a wait that doubles from a first one up
to 30 s, one log line per failure, and the part shown as failing on `/healthz`
until it works again."""

from __future__ import annotations

import asyncio
import logging
import sqlite3
from collections.abc import Awaitable, Callable
from typing import TypeVar

from playbook.daemon.health import Health

log = logging.getLogger("playbook.daemon")
MAX_WAIT_SECONDS = 30.0
T = TypeVar("T")


def backoff(failures: int, first: float) -> float:
    """Seconds to wait after `failures` failures in a row: `first`, doubling, at most 30 s."""
    # The exponent is capped: a webhook down for a month has failed ~100,000 times.
    return min(MAX_WAIT_SECONDS, first * 2.0 ** min(max(failures - 1, 0), 32))


def reason(exc: BaseException) -> str:
    """What went wrong, in the words of the exception (an OSError keeps its errno)."""
    return str(exc) or type(exc).__name__


async def retry(
    attempt: Callable[[], Awaitable[T]],
    *,
    part: str,
    doing: str,
    first: float,
    health: Health,
    stopping: asyncio.Event,
) -> T | None:
    """The result of `attempt`, awaited again after each failure until it succeeds;
    None when `stopping` is set first.

    `part` names what fails (in the log and on `/healthz`), `doing` what it was
    doing ("deliver", "read the file"); `first` is the first wait in seconds.
    """
    failures = 0
    while True:
        try:
            result = await attempt()
        except Exception as exc:  # a full disk, a locked file, a bug: none may stop the daemon
            failures += 1
            wait = backoff(failures, first)
            health.fail(part, f"cannot {doing}: {reason(exc)}")
            # The disk and the database say what is wrong; anything else is a bug, with its traceback.
            expected = isinstance(exc, OSError | sqlite3.Error)
            log.error(
                f"cannot {doing}; will retry",
                extra={"part": part, "reason": reason(exc), "retry_in": wait, "failures": failures},
                exc_info=None if expected else exc,
            )
            if await _stopped_within(stopping, wait):
                return None
            continue
        if failures:
            log.info(f"can {doing} again", extra={"part": part, "failures": failures})
            health.ok(part)
        return result


async def _stopped_within(stopping: asyncio.Event, seconds: float) -> bool:
    try:
        await asyncio.wait_for(stopping.wait(), seconds)
    except TimeoutError:
        return False
    return True
