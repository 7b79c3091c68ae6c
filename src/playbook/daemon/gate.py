"""Who may see the status page (SPEC section 10).

When the HTTP source has a token, the page asks for that token: sent as
`Authorization: Bearer TOKEN`, or kept in a cookie that the page's own form
sets. The cookie holds an HMAC-SHA256 of a fixed text keyed with the token,
never the token itself: it tells nothing of the token, and it is worth
nothing once the token changes. Everything is compared in constant time, as
digests of equal length.

Without a token, the page shows what only people with access to this
machine should see: it is open when `listen` is a loopback address (only
this machine can connect), and closed when it is not.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
from enum import Enum

from aiohttp import web

COOKIE = "playbook_status"
COOKIE_SECONDS = 30 * 86400
_COOKIE_TEXT = b"playbook status page"


class Access(Enum):
    """How the status page is reached."""

    TOKEN = "token"  # with the HTTP source's token, or the cookie its form sets
    OPEN = "open"  # to anyone who can connect: `listen` is a loopback address
    CLOSED = "closed"  # to no one: no token, and `listen` reachable from other machines


def is_loopback(host: str) -> bool:
    """Whether `host` (as `listen` gives it) can be reached from this machine only."""
    if host.casefold() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:  # a host name: it may resolve to any address
        return False


def _digest(text: str) -> bytes:
    return hashlib.sha256(text.encode(errors="replace")).digest()


class Gate:
    """Lets a request see the status page, or not."""

    def __init__(self, token: str | None, host: str) -> None:
        self.token = token
        if token is not None:
            self.access = Access.TOKEN
        else:
            self.access = Access.OPEN if is_loopback(host) else Access.CLOSED
        self._token = _digest(token) if token is not None else b""
        self._cookie = hmac.new(token.encode(), _COOKIE_TEXT, hashlib.sha256).hexdigest() if token else ""

    def token_ok(self, given: str) -> bool:
        """Whether `given` is the token."""
        return self.token is not None and hmac.compare_digest(_digest(given.strip()), self._token)

    def bearer(self, request: web.Request) -> bool:
        """Whether the request sends the token as `Authorization: Bearer TOKEN`."""
        scheme, _, token = request.headers.get("Authorization", "").strip().partition(" ")
        return scheme.lower() == "bearer" and self.token_ok(token)  # schemes ignore case (RFC 9110)

    def signed_in(self, request: web.Request) -> bool:
        """Whether the request carries the cookie the form sets."""
        cookie = request.cookies.get(COOKIE)
        return (
            self.token is not None
            and cookie is not None
            and hmac.compare_digest(_digest(cookie), _digest(self._cookie))
        )

    def allows(self, request: web.Request) -> bool:
        """Whether the request may see the page."""
        if self.access is not Access.TOKEN:
            return self.access is Access.OPEN
        return self.bearer(request) or self.signed_in(request)

    def sign_in(self, response: web.StreamResponse) -> None:
        """Set the cookie that lets this browser see the page."""
        response.set_cookie(
            COOKIE, self._cookie, max_age=COOKIE_SECONDS, path="/", httponly=True, samesite="Strict"
        )

    @staticmethod
    def sign_out(response: web.StreamResponse) -> None:
        response.del_cookie(COOKIE, path="/")
