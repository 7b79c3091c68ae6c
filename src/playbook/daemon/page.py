"""`GET /`: the status page behind its gate, and `POST /sign-in`, `/sign-out` for its cookie.

One page is rendered at a time, from facts gathered on the event loop
(daemon/status.py), in a process of its own: drawing the charts takes about
a second of Python, which in a thread would slow the engine down by half
meanwhile (the two would share one interpreter lock); in a process it runs
on another core. The process is started with the first page and kept.

A page is served again while nothing it shows has changed (no event
processed, no action) for up to `FRESH_SECONDS`, and in any case for
`MIN_SECONDS` (but a reload shows at once), so that many people watching
cost no more than one.
"""

from __future__ import annotations

import asyncio
import logging
import multiprocessing
import os
import signal
import threading
import time
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from functools import lru_cache
from typing import NamedTuple

from aiohttp import web
from jinja2 import Template

from playbook.daemon.gate import Access, Gate
from playbook.daemon.logs import setup_logging
from playbook.daemon.status import Facts, Shown, gather, render
from playbook.measure.pages import environment

log = logging.getLogger("playbook.daemon")
FRESH_SECONDS = 30.0
MIN_SECONDS = 5.0
PARENT_SECONDS = 1.0  # how often the rendering process looks whether the daemon is still there
# Whatever the page holds, a browser keeps no copy, shows it in no frame of another
# site, runs no script in it, fetches nothing for it and posts its forms only back here.
HEADERS = {
    "Cache-Control": "no-store",
    "Content-Security-Policy": (
        "default-src 'none'; style-src 'unsafe-inline'; img-src data:; form-action 'self'; "
        "frame-ancestors 'none'; base-uri 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
}
CLOSED = (
    '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8"><title>Playbook</title></head><body>\n'
    "<p>The status page is closed: this daemon listens on an address other machines can reach, and its "
    "configuration has no http source with a <code>token</code> to ask visitors for. Give the http source "
    "a token, or listen on 127.0.0.1.</p>\n</body></html>\n"
)

UNAVAILABLE = "<!DOCTYPE html>\n<p>The status page cannot be shown now; the daemon's log says why.</p>\n"


@lru_cache(maxsize=1)
def _sign_in_template() -> Template:
    return environment("playbook.daemon").get_template("sign_in.html.j2")


def _html(body: str, status: int = 200) -> web.Response:
    return web.Response(text=body, status=status, content_type="text/html", charset="utf-8", headers=HEADERS)


def _start_worker(daemon: int) -> None:
    """The rendering process logs as the daemon does, leaves Ctrl-C to the daemon, and
    ends when the daemon is gone, however it ended (killed, it cannot say so)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    setup_logging()

    def watch() -> None:
        while os.getppid() == daemon:
            time.sleep(PARENT_SECONDS)
        os._exit(0)

    threading.Thread(target=watch, name="playbook-daemon-watch", daemon=True).start()


class Renderer:
    """Renders pages in a process of its own, started again after it died."""

    def __init__(self) -> None:
        self._pool: ProcessPoolExecutor | None = None

    async def render(self, facts: Facts, signs_out: bool) -> str:
        if self._pool is None:
            spawn = multiprocessing.get_context("spawn")  # not a fork of a process with threads
            self._pool = ProcessPoolExecutor(
                1, mp_context=spawn, initializer=_start_worker, initargs=(os.getpid(),)
            )
        try:
            return await asyncio.get_running_loop().run_in_executor(self._pool, render, facts, signs_out)
        except BrokenProcessPool:
            self._pool = None
            raise

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=False, cancel_futures=True)


class _Showing(NamedTuple):
    """What changes what the page shows, but the clock: events taken in, the latest action,
    and the rules (the last reload and the rule set)."""

    events: int
    action: str | None
    rules: tuple[int, str]


class _Served(NamedTuple):
    """The page last rendered, when, and what it showed."""

    showing: _Showing
    at: float
    page: str


class StatusPage:
    """The status page of a running daemon, shown to those its gate lets in."""

    def __init__(self, daemon: Shown, gate: Gate) -> None:
        self.daemon = daemon
        self.gate = gate
        self._rendering = asyncio.Lock()
        self._served: _Served | None = None
        self._renderer = Renderer()

    def add_routes(self, app: web.Application) -> None:
        app.router.add_get("/", self.page)
        if self.gate.access is Access.TOKEN:
            app.router.add_post("/sign-in", self.sign_in)
            app.router.add_post("/sign-out", self.sign_out)

    def close(self) -> None:
        """Stop the rendering process once the page it renders, if any, is done."""
        self._renderer.close()

    async def page(self, request: web.Request) -> web.Response:
        if not self.gate.allows(request):
            if self.gate.access is Access.CLOSED:
                return _html(CLOSED, 403)
            return self._form(401)
        try:
            return _html(await self._page())
        except Exception:
            log.exception("cannot render the status page")
            return _html(UNAVAILABLE, 500)

    async def _page(self) -> str:
        async with self._rendering:
            showing, served = self._showing(), self._served
            if served is not None:
                age = time.monotonic() - served.at
                if (served.showing == showing and age < FRESH_SECONDS) or (
                    served.showing.rules == showing.rules and age < MIN_SECONDS
                ):
                    return served.page
            page = await self._renderer.render(gather(self.daemon), self.gate.access is Access.TOKEN)
            self._served = _Served(showing, time.monotonic(), page)
            return page

    def _showing(self) -> _Showing:
        daemon = self.daemon
        return _Showing(daemon.events, daemon.live.latest_id, (id(daemon.reloaded), daemon.ruleset.digest))

    def _form(self, status: int, wrong: bool = False) -> web.Response:
        return _html(_sign_in_template().render(wrong=wrong), status)

    async def sign_in(self, request: web.Request) -> web.Response:
        """The form's POST: the cookie and back to the page with the right token, the form again without."""
        form = await request.post()
        token = form.get("token")
        if not isinstance(token, str) or not self.gate.token_ok(token):
            log.warning("refused a sign-in to the status page: not the token", extra={"peer": request.remote})
            return self._form(401, wrong=True)
        response = web.Response(status=303, headers={**HEADERS, "Location": "/"})
        self.gate.sign_in(response)
        return response

    async def sign_out(self, _: web.Request) -> web.Response:
        response = web.Response(status=303, headers={**HEADERS, "Location": "/"})
        self.gate.sign_out(response)
        return response
