"""Structured logs: one JSON object per line on stderr."""

from __future__ import annotations

import asyncio
import logging
import sys
import time
from collections.abc import Callable
from typing import Any

import orjson

# Attributes every LogRecord has; anything else passed in `extra` is a field.
_STANDARD = set(logging.LogRecord("", 0, "", 0, "", None, None).__dict__) | {"message", "asctime"}


class JsonFormatter(logging.Formatter):
    """`{"time": ..., "level": ..., "msg": ..., **fields}`, with every secret hidden by `redact`."""

    def __init__(self, redact: Callable[[str], str] = str) -> None:
        super().__init__()
        self.redact = redact

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created))
            + f".{int(record.msecs):03d}Z",
            "level": record.levelname.lower(),
            "msg": record.getMessage(),
        }
        entry.update((k, v) for k, v in record.__dict__.items() if k not in _STANDARD)
        if record.exc_info:
            entry["error"] = self.formatException(record.exc_info)
        return self.redact(orjson.dumps(entry, default=str).decode())


def setup_logging(redact: Callable[[str], str] = str) -> None:
    """Every log line as JSON on stderr, from INFO up; `redact` hides the secrets in each."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter(redact))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(logging.INFO)
    logging.getLogger("aiohttp.access").setLevel(logging.WARNING)


class Occasional:
    """A log line for something that can happen many times a second (a flood of
    connections, a full disk under a flow of requests): written the first time,
    then at most once every `every` seconds, with how many times it happened since."""

    def __init__(self, logger: logging.Logger, level: int, message: str, every: float = 60.0) -> None:
        self.logger = logger
        self.level = level
        self.message = message
        self.every = every
        self.times = 0
        self.next = 0.0

    def __call__(self, exc_info: BaseException | None = None, **fields: Any) -> None:
        self.times += 1
        now = time.monotonic()
        if now < self.next:
            return
        self.logger.log(self.level, self.message, extra={**fields, "times": self.times}, exc_info=exc_info)
        self.times = 0
        self.next = now + self.every


def quiet_loop_errors(loop: asyncio.AbstractEventLoop, logger: logging.Logger) -> None:
    """Log the event loop's own errors (out of file descriptors when accepting, say)
    occasionally rather than each time, so that a flood cannot fill the disk."""
    occasional: dict[str, Occasional] = {}

    def handle(_: asyncio.AbstractEventLoop, context: dict[str, Any]) -> None:
        message = str(context.get("message", "event loop error")).splitlines()[0]
        if message not in occasional:
            occasional[message] = Occasional(logger, logging.ERROR, message)
        occasional[message](exc_info=context.get("exception"))

    loop.set_exception_handler(handle)
