"""The daemon's HTTP side on `listen`: `POST /events`, `/healthz`, `/metrics`, and the status page."""

from __future__ import annotations

import asyncio
import hmac
import logging
import sqlite3
import time
from collections.abc import Awaitable, Callable
from typing import Any

import orjson
from aiohttp import web
from aiohttp.typedefs import Middleware

from playbook.daemon.config import Source
from playbook.daemon.health import STORE, Health
from playbook.daemon.inbox import Arrival
from playbook.daemon.logs import Occasional
from playbook.daemon.mapping import FeedMap
from playbook.daemon.page import StatusPage
from playbook.daemon.retry import reason
from playbook.daemon.signing import SIGNATURE, TIMESTAMP, check_signature
from playbook.daemon.sources import TooFarAhead, read_events
from playbook.language.events import BadEvent

log = logging.getLogger("playbook.daemon")


def parse_body(body: bytes, max_ahead: int | None, feed_map: FeedMap | None = None) -> list[Arrival]:
    """The events of a request: one JSON object, or JSON Lines; with a `map`, the events
    mapped from each. BadEvent names the first line that is not (or holds one that is not) an event."""
    text = body.strip()
    if not text:
        raise BadEvent("line 1: the request holds no events")
    # Lines are numbered in the body as sent, blank lines before the first event included.
    lines, first = body.split(b"\n"), 1
    if b"\n" in text and text.startswith(b"{"):
        # A pretty-printed single event spans lines; JSON Lines never does.
        try:
            if isinstance(orjson.loads(text), dict):
                lines = [orjson.dumps(orjson.loads(text))]
                first = body[: body.index(b"{")].count(b"\n") + 1
        except orjson.JSONDecodeError:
            pass
    events: list[Arrival] = []
    for number, raw in enumerate(lines, first):
        if not raw.strip():
            continue
        try:
            events += read_events(raw, number, feed_map, max_ahead)
        except BadEvent as exc:
            raise type(exc)(f"line {number}: {exc}") from None
    return events


class EventsEndpoint:
    """`POST /events`: authenticated, size- and time-limited, all-or-nothing, 202 once stored."""

    def __init__(
        self,
        source: Source,
        accept: Callable[[list[Arrival]], None],
        max_ahead: int | None,
        timeout: float,
        health: Health,
        on_ahead: Callable[[str], None],
    ) -> None:
        self.source = source
        self.accept = accept
        self.max_ahead = max_ahead
        self.timeout = timeout
        self.health = health
        self.on_ahead = on_ahead
        self._cannot_store = Occasional(
            log, logging.ERROR, "cannot store the events of a request; answered 503"
        )

    def _token_ok(self, request: web.Request) -> bool:
        scheme, _, token = request.headers.get("Authorization", "").strip().partition(" ")
        if not self.source.token or scheme.lower() != "bearer":  # schemes ignore case (RFC 9110)
            return False
        return hmac.compare_digest(token.strip().encode(errors="replace"), self.source.token.encode())

    async def __call__(self, request: web.Request) -> web.Response:
        token_ok = self._token_ok(request)
        signed = request.headers.get(SIGNATURE)
        if not token_ok and not (signed and self.source.secret):
            return _error(401, f"send Authorization: Bearer TOKEN or {SIGNATURE}: sha256=HEX")
        limit = self.source.max_bytes
        if request.content_length is not None and request.content_length > limit:
            return _error(413, f"the request is larger than max_bytes ({limit} bytes)")
        body = bytearray()
        try:
            async with asyncio.timeout(self.timeout):
                async for chunk in request.content.iter_chunked(65536):
                    body.extend(chunk)
                    if len(body) > limit:
                        return _error(413, f"the request is larger than max_bytes ({limit} bytes)")
        except TimeoutError:
            response = _error(408, f"the request's body did not arrive within {self.timeout:g}s")
            response.force_close()
            return response
        if not token_ok:
            assert self.source.secret is not None and signed is not None
            refused = check_signature(
                self.source.secret, bytes(body), signed, request.headers.get(TIMESTAMP), time.time()
            )
            if refused:
                return _error(401, refused)
        try:
            events = parse_body(bytes(body), self.max_ahead, self.source.map)
        except BadEvent as exc:
            if isinstance(exc, TooFarAhead):
                self.on_ahead("http")
                log.warning(
                    "refused a request: an event is dated too far ahead",
                    extra={"source": "http", "reason": str(exc)},
                )
            return _error(400, f"{exc}; nothing of this request was stored")
        try:
            self.accept(events)
        except (sqlite3.Error, OSError) as exc:
            self.health.fail(STORE, f"cannot store events: {reason(exc)}")
            self._cannot_store(reason=reason(exc))
            response = _error(
                503,
                f"cannot store the events now ({reason(exc)}); nothing of this request was stored, "
                "try again later",
            )
            response.headers["Retry-After"] = "5"
            return response
        self.health.ok(STORE)
        return web.json_response({"accepted": len(events)}, status=202)


def _error(status: int, message: str) -> web.Response:
    return web.json_response({"error": message}, status=status)


def make_app(
    events: EventsEndpoint | None,
    status: Callable[[], dict[str, Any]],
    metrics: Callable[[], Awaitable[tuple[bytes, str]]],
    middleware: Middleware,
    page: StatusPage | None = None,
) -> web.Application:
    """The aiohttp application; `events` is None when there is no http source, and
    `page` serves the status page on `/`."""
    largest = events.source.max_bytes if events else 1024
    app = web.Application(client_max_size=largest + 1, middlewares=[middleware])

    async def healthz(_: web.Request) -> web.Response:
        body = status()
        return web.json_response(body, status=200 if body["status"] == "ok" else 503)

    async def metrics_page(_: web.Request) -> web.Response:
        body, content_type = await metrics()
        return web.Response(body=body, headers={"Content-Type": content_type})

    app.router.add_get("/healthz", healthz)
    app.router.add_get("/metrics", metrics_page)
    if events is not None:
        handler: Callable[[web.Request], Awaitable[web.Response]] = events
        app.router.add_post("/events", handler)
    if page is not None:
        page.add_routes(app)
    return app
