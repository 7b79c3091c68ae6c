"""Receivers for the daemon's sinks, run by the tests on 127.0.0.1: a Slack
incoming webhook (aiohttp) and an SMTP server (aiosmtpd), each in a thread."""

from __future__ import annotations

import asyncio
import ssl
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any

import orjson
from aiohttp import web
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, AuthResult, Envelope, LoginPassword, Session
from daemon_harness import free_port


@dataclass
class Request:
    """A request the fake Slack took in: when, its path and JSON, and what it answered."""

    at: float
    path: str
    body: dict[str, Any]
    status: int


class FakeSlack:
    """A Slack incoming webhook: answers each POST with the next of `answers` (status,
    headers), then 200 "ok" once they are used up, or `always` when set."""

    def __init__(self, port: int | None = None) -> None:
        self.port = port or free_port()
        self.answers: deque[tuple[int, dict[str, str]]] = deque()
        self.always: int | None = None
        self.requests: list[Request] = []
        self._loop = asyncio.new_event_loop()
        self._runner: web.AppRunner | None = None
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)

    def url(self, path: str = "/services/T0000/B0000/XXXXXXXX") -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    @property
    def taken(self) -> list[dict[str, Any]]:
        """The messages answered with 200, in the order they came."""
        return [r.body for r in self.requests if r.status == 200]

    async def _handle(self, request: web.Request) -> web.Response:
        body = orjson.loads(await request.read())
        if self.always is not None:
            status, headers = self.always, {}
        elif self.answers:
            status, headers = self.answers.popleft()
        else:
            status, headers = 200, {}
        self.requests.append(Request(time.monotonic(), request.path, body, status))
        text = {200: "ok", 429: "rate_limited", 404: "no_service"}.get(status, "error")
        return web.Response(status=status, text=text, headers=headers)

    async def _start(self) -> None:
        app = web.Application()
        app.router.add_post("/{tail:.*}", self._handle)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        await web.TCPSite(self._runner, "127.0.0.1", self.port).start()

    def start(self) -> FakeSlack:
        self._thread.start()
        asyncio.run_coroutine_threadsafe(self._start(), self._loop).result(10)
        return self

    def stop(self) -> None:
        if self._runner is not None:
            asyncio.run_coroutine_threadsafe(self._runner.cleanup(), self._loop).result(10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)
        self._loop.close()


@dataclass
class _Handler:
    messages: list[EmailMessage] = field(default_factory=list)
    envelopes: list[tuple[str, list[str]]] = field(default_factory=list)

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:  # noqa: N802 - aiosmtpd's name
        assert isinstance(envelope.content, bytes)
        self.messages.append(message_from_bytes(envelope.content, policy=policy.default))  # type: ignore[arg-type]
        self.envelopes.append((str(envelope.mail_from), list(envelope.rcpt_tos)))
        return "250 OK"


class Mailbox:
    """An SMTP server on 127.0.0.1 that keeps every message it takes. With `tls`, it
    offers STARTTLS and requires it; with `login`, it requires that user and password."""

    def __init__(
        self, port: int | None = None, tls: ssl.SSLContext | None = None, login: tuple[str, str] | None = None
    ) -> None:
        self.port = port or free_port()
        self.handler = _Handler()
        self.logins: list[tuple[str, bool]] = []  # (user, accepted)
        self.login = login
        kwargs: dict[str, Any] = {}
        if tls is not None:
            kwargs.update(tls_context=tls, require_starttls=True)
        if login is not None:
            kwargs.update(authenticator=self._authenticate, auth_required=True)
        self.controller = Controller(self.handler, hostname="127.0.0.1", port=self.port, **kwargs)

    @property
    def messages(self) -> list[EmailMessage]:
        return self.handler.messages

    def _authenticate(
        self, server: SMTP, session: Session, envelope: Envelope, mechanism: str, data: Any
    ) -> AuthResult:
        assert isinstance(data, LoginPassword)
        user, password = data.login.decode(), data.password.decode()
        accepted = (user, password) == self.login
        self.logins.append((user, accepted))
        return AuthResult(success=accepted, handled=False)  # handled=False: aiosmtpd answers 535

    def start(self) -> Mailbox:
        self.controller.start()
        return self

    def stop(self) -> None:
        self.controller.stop()
