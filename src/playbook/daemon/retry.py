"""How long to wait before trying again after failures, for everything the daemon retries."""

from __future__ import annotations

MAX_WAIT_SECONDS = 30.0


def backoff(failures: int, first: float) -> float:
    """Seconds to wait after `failures` failures in a row: `first`, doubling, at most 30 s."""
    # The exponent is capped: a webhook down for a month has failed ~100,000 times.
    return min(MAX_WAIT_SECONDS, first * 2.0 ** min(max(failures - 1, 0), 32))
