"""The HTTP listener, guarded against clients that hold connections open.

Every open connection holds a file descriptor, and aiohttp waits for a
request's headers as long as a client likes: a thousand clients that connect
and send nothing (or a byte now and then) would use up the descriptors of a
process under the common limit of 1,024, and then no request would get in.
So, on `listen`:

- a connection must send its request's headers within `timeout` of opening,
  or of the answer to its last request, or it is closed (web.py holds a
  request's body to the same time);
- at most `limit` connections are open at once, below the descriptor limit;
  when full, the connection that has waited longest for its headers is closed
  to make room for the new one (and when every one is busy with a request,
  the new one is answered 503);
- closing them is logged once in a while, not once per connection.
"""

from __future__ import annotations

import asyncio
import logging
import resource
from collections.abc import Callable

from aiohttp import web
from aiohttp.typedefs import Handler, Middleware

from playbook.daemon.logs import Occasional

log = logging.getLogger("playbook.daemon")
# Descriptors kept for all but the listener (the state file, sinks, feeds,
# webhooks, the watcher) and for a burst of connections accepted at once.
RESERVED_DESCRIPTORS = 256
MAX_CONNECTIONS = 10_000
BACKLOG = 128
SWEEP_SECONDS = 0.5
BUSY_RESPONSE = (
    b"HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\nRetry-After: 1\r\nConnection: close\r\n\r\n"
)


def connection_limit() -> int:
    """How many connections to hold open at most, under this process's descriptor limit."""
    descriptors, _ = resource.getrlimit(resource.RLIMIT_NOFILE)
    if descriptors == resource.RLIM_INFINITY:
        descriptors = MAX_CONNECTIONS + RESERVED_DESCRIPTORS
    return max(16, min(MAX_CONNECTIONS, descriptors - RESERVED_DESCRIPTORS))


class _Connection(asyncio.Protocol):
    """aiohttp's protocol for one connection, with the time by which it must send a request."""

    def __init__(self, guard: ConnectionGuard, inner: asyncio.Protocol, deadline: float) -> None:
        self.guard = guard
        self.inner = inner
        self.deadline: float | None = deadline  # None while a request is being answered
        self.transport: asyncio.Transport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport
        self.guard.by_transport[transport] = self
        self.inner.connection_made(transport)

    def data_received(self, data: bytes) -> None:
        self.inner.data_received(data)

    def eof_received(self) -> bool | None:
        return self.inner.eof_received()

    def connection_lost(self, exc: Exception | None) -> None:
        self.guard.forget(self)
        self.inner.connection_lost(exc)

    def pause_writing(self) -> None:
        self.inner.pause_writing()

    def resume_writing(self) -> None:
        self.inner.resume_writing()


class _Busy(asyncio.Protocol):
    """A connection over the limit while every open one is answering a request."""

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        transport.write(BUSY_RESPONSE)
        transport.close()


class ConnectionGuard:
    """Caps the open connections and closes those too slow to send a request."""

    def __init__(self, timeout: float, limit: int) -> None:
        self.timeout = timeout
        self.limit = limit
        self.connections: set[_Connection] = set()
        self.by_transport: dict[asyncio.BaseTransport, _Connection] = {}
        self.server: asyncio.Server | None = None
        self.sweeper: asyncio.Task[None] | None = None
        self._too_slow = Occasional(
            log, logging.WARNING, f"closed HTTP connections that sent no request within {timeout:g}s"
        )
        self._made_room = Occasional(
            log,
            logging.WARNING,
            f"too many HTTP connections ({limit}): closed the ones that waited longest for a request",
        )
        self._busy = Occasional(
            log, logging.WARNING, f"too many HTTP connections ({limit}), all answering requests: answered 503"
        )

    async def listen(self, make_protocol: Callable[[], asyncio.Protocol], host: str, port: int) -> None:
        """Accept connections on host:port for `make_protocol` (aiohttp's server); OSError when it cannot."""
        loop = asyncio.get_running_loop()

        def accept() -> asyncio.Protocol:
            now = loop.time()
            if len(self.connections) >= self.limit and not self._make_room():
                self._busy(open=len(self.connections))
                return _Busy()
            connection = _Connection(self, make_protocol(), now + self.timeout)
            self.connections.add(connection)
            return connection

        self.server = await loop.create_server(accept, host, port, backlog=BACKLOG, reuse_address=True)
        self.sweeper = asyncio.create_task(self._sweep())

    async def close(self) -> None:
        """Stop accepting connections (those open are closed by aiohttp's runner)."""
        if self.sweeper is not None:
            self.sweeper.cancel()
        if self.server is not None:
            self.server.close()
            await self.server.wait_closed()

    def forget(self, connection: _Connection) -> None:
        self.connections.discard(connection)
        if connection.transport is not None:
            self.by_transport.pop(connection.transport, None)

    def middleware(self) -> Middleware:
        """An aiohttp middleware: while a request is answered its connection has no
        deadline; after, it has `timeout` to send the next one."""

        @web.middleware
        async def waiting_for_requests(request: web.Request, handler: Handler) -> web.StreamResponse:
            connection = self.by_transport.get(request.transport) if request.transport else None
            if connection is not None:
                connection.deadline = None
            try:
                return await handler(request)
            finally:
                if connection is not None:
                    connection.deadline = asyncio.get_running_loop().time() + self.timeout

        return waiting_for_requests

    def _make_room(self) -> bool:
        """Close the connection that has waited longest for a request; False when all are busy."""
        waiting = [c for c in self.connections if c.deadline is not None and c.transport is not None]
        if not waiting:
            return False
        oldest = min(waiting, key=lambda c: c.deadline or 0.0)
        self.forget(oldest)  # its descriptor is freed on the loop's next turn
        assert oldest.transport is not None
        oldest.transport.abort()
        self._made_room(open=len(self.connections))
        return True

    async def _sweep(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            await asyncio.sleep(SWEEP_SECONDS)
            now = loop.time()
            for connection in [c for c in self.connections if c.deadline is not None and c.deadline < now]:
                self.forget(connection)
                if connection.transport is not None:
                    connection.transport.abort()
                    self._too_slow(open=len(self.connections))
