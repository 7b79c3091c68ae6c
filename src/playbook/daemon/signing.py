"""HMAC-SHA256 signatures of request bodies (SPEC section 7): `X-Playbook-Signature:
sha256=HEX` of the body, or of `TIMESTAMP.BODY` when `X-Playbook-Timestamp` (Unix
seconds) is sent, so that a captured request cannot be replayed later."""

from __future__ import annotations

import hashlib
import hmac

SIGNATURE = "X-Playbook-Signature"
TIMESTAMP = "X-Playbook-Timestamp"
# How far a signed request's timestamp may be from the wall clock, either way.
TOLERANCE_SECONDS = 300


def signature(secret: str, body: bytes, timestamp: str | None = None) -> str:
    """The `X-Playbook-Signature` value for `body`, sent with `timestamp` or without one."""
    signed = body if timestamp is None else timestamp.encode() + b"." + body
    return "sha256=" + hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()


def signed_headers(secret: str, body: bytes, now: float) -> dict[str, str]:
    """The headers that sign an outgoing request made at `now` (Unix seconds)."""
    timestamp = str(int(now))
    return {TIMESTAMP: timestamp, SIGNATURE: signature(secret, body, timestamp)}


def check_signature(secret: str, body: bytes, sent: str, timestamp: str | None, now: float) -> str | None:
    """Why a signed request is refused, or None when its signature is good."""
    if timestamp is not None:
        try:
            seconds = int(timestamp.strip())
        except ValueError:
            return f"{TIMESTAMP} must be Unix seconds, not {timestamp[:40]!r}"
        if abs(now - seconds) > TOLERANCE_SECONDS:
            return (
                f"{TIMESTAMP} is more than {TOLERANCE_SECONDS // 60} minutes from the server's clock "
                "(a replayed request, or a clock that is wrong)"
            )
        timestamp = timestamp.strip()
    expected = signature(secret, body, timestamp).encode()
    if not hmac.compare_digest(sent.strip().lower().encode(errors="replace"), expected):
        what = "the timestamp and the body" if timestamp is not None else "the body"
        return f"the signature does not match {what}"
    return None
