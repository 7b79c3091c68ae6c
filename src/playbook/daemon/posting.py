"""POSTing a JSON body to a receiver over HTTP (webhooks, Slack), and reading its answer."""

from __future__ import annotations

import time
from dataclasses import dataclass
from email.utils import parsedate_to_datetime

import aiohttp

TIMEOUT_SECONDS = 10
# The longest Retry-After honoured; a receiver asking for more is asked again after this.
MAX_RETRY_AFTER_SECONDS = 3600.0
# How much of a refusal's body goes into the log (Slack says why in a word: "invalid_payload").
REASON_BYTES = 200


@dataclass(frozen=True, slots=True)
class Answer:
    """The receiver's answer: taken, asked to wait `retry_after` seconds (a 429), or refused for `reason`."""

    taken: bool
    retry_after: float | None = None
    reason: str = ""


def new_session() -> aiohttp.ClientSession:
    return aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=TIMEOUT_SECONDS))


async def post(session: aiohttp.ClientSession, url: str, body: bytes, headers: dict[str, str]) -> Answer:
    """POST `body` to `url`; a 2xx is taken, a 429 with a Retry-After asks to wait.

    Reasons say what the receiver answered, never the URL (it may hold a secret).
    """
    try:
        async with session.post(url, data=body, headers=headers) as response:
            if 200 <= response.status < 300:
                return Answer(True)
            said = (await response.content.read(REASON_BYTES)).decode("utf-8", errors="replace").strip()
            reason = f"HTTP {response.status}" + (f": {said}" if said else "")
            if response.status == 429:
                wait = retry_after(response.headers.get("Retry-After"), time.time())
                if wait is not None:
                    return Answer(False, wait, reason)
            return Answer(False, None, reason)
    except (TimeoutError, aiohttp.ClientError, OSError) as exc:
        return Answer(False, None, _reason(exc))


def retry_after(header: str | None, now: float) -> float | None:
    """Seconds to wait by a Retry-After header (seconds, or an HTTP date); None when there is
    none that can be read."""
    if header is None:
        return None
    text = header.strip()
    if text.isdigit():
        seconds = float(text)
    else:
        try:
            seconds = parsedate_to_datetime(text).timestamp() - now
        except (TypeError, ValueError):
            return None
    return min(max(seconds, 0.0), MAX_RETRY_AFTER_SECONDS)


def _reason(exc: BaseException) -> str:
    if isinstance(exc, aiohttp.ClientConnectorError):
        return f"cannot connect ({exc.os_error.strerror or type(exc.os_error).__name__})"
    if isinstance(exc, TimeoutError):
        return f"no answer within {TIMEOUT_SECONDS}s"
    # aiohttp's other errors may name the URL; the daemon's log hides it too, but it is not needed.
    return type(exc).__name__
