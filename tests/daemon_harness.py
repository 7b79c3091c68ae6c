"""A real `playbook run` in a subprocess, on a free port of 127.0.0.1, for tests."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import yaml

TOKEN = "test-token"


def playbook_folder(folder: Path, name: str, text: str) -> Path:
    """`folder` with a `playbooks/` folder holding one playbook `name` of `text`: what the
    daemon's configuration in `DaemonProcess` points at."""
    (folder / "playbooks").mkdir()
    (folder / "playbooks" / name).write_text(text, encoding="utf-8")
    return folder


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def now_iso(offset_seconds: float = 0) -> str:
    moment = datetime.now(UTC) + timedelta(seconds=offset_seconds)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def wait_for(check: Callable[[], Any], timeout: float = 10, what: str = "the condition") -> Any:
    """Poll `check` until it returns something true; fail after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        result = check()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}")
        time.sleep(0.05)


class DaemonProcess:
    """Writes a configuration under `folder`, starts the daemon, talks to it."""

    def __init__(self, folder: Path, config: dict[str, Any] | None = None) -> None:
        self.folder = folder
        self.port = free_port()
        self.config = {
            "playbooks": "playbooks",
            "state": "state/state.db",
            "dead_letter": "state/dead-letter.jsonl",
            "listen": f"127.0.0.1:{self.port}",
            "sources": [{"type": "http", "token": TOKEN, "max_bytes": 4096}],
            "sinks": [{"type": "file", "path": "out/actions.jsonl"}],
            **(config or {}),
        }
        (folder / "daemon.yaml").write_text(yaml.safe_dump(self.config), encoding="utf-8")
        self.process: subprocess.Popen[bytes] | None = None
        self.runs = 0

    @property
    def stderr_path(self) -> Path:
        return self.folder / f"stderr-{self.runs}.log"

    @property
    def command(self) -> list[str]:
        return [sys.executable, "-m", "playbook", "run", "--config", str(self.folder / "daemon.yaml")]

    def start(
        self,
        stdin: Any = subprocess.DEVNULL,
        args: tuple[str, ...] = (),
        preexec_fn: Callable[[], None] | None = None,
    ) -> DaemonProcess:
        """Start the daemon (with `stdin` as its standard input, `args` after its
        command line, `preexec_fn` run in the child before it) and wait until it answers."""
        self.runs += 1
        with open(self.folder / f"stdout-{self.runs}.log", "wb") as out, open(self.stderr_path, "wb") as err:
            self.process = subprocess.Popen(
                [*self.command, *args],
                cwd=self.folder,
                stdin=stdin,
                stdout=out,
                stderr=err,
                preexec_fn=preexec_fn,
            )
        wait_for(self._healthy, 20, "the daemon to answer /healthz")
        return self

    def refused(self, *args: str) -> subprocess.CompletedProcess[str]:
        """Run the daemon expecting it not to start; what it printed and its exit code."""
        result = subprocess.run(
            [*self.command, *args], cwd=self.folder, capture_output=True, text=True, timeout=30
        )
        assert "Traceback" not in result.stderr, result.stderr
        return result

    def _healthy(self) -> bool:
        assert self.process is not None
        if self.process.poll() is not None:
            raise AssertionError(f"the daemon exited with {self.process.returncode}:\n{self.log()}")
        try:
            return self.get("/healthz")[0] == 200
        except OSError:
            return False

    def started(self) -> dict[str, Any]:
        """The last `started` log line: what the daemon restored before it took an event in
        (a short deadline may have fired by the time /healthz is asked on a busy machine)."""
        lines = [line for line in self.log().splitlines() if '"msg":"started"' in line]
        assert lines, "the daemon logged no start"
        started: dict[str, Any] = json.loads(lines[-1])
        return started

    def log(self) -> str:
        return "".join(
            p.read_text(encoding="utf-8", errors="replace") for p in sorted(self.folder.glob("stderr-*.log"))
        )

    def get(self, path: str) -> tuple[int, bytes]:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{self.port}{path}", timeout=5) as response:
                return response.status, response.read()
        except urllib.error.HTTPError as exc:
            return exc.code, exc.read()

    def health(self) -> dict[str, Any]:
        return json.loads(self.get("/healthz")[1])

    def logged(self) -> list[dict[str, Any]]:
        """The daemon's log lines, each a JSON object."""
        return [json.loads(line) for line in self.log().splitlines() if line.startswith("{")]

    def post(
        self,
        body: bytes | list[dict[str, Any]] | dict[str, Any],
        headers: dict[str, str] | None = None,
        token: str | None = TOKEN,
    ) -> tuple[int, dict[str, Any]]:
        if isinstance(body, list):
            body = b"".join(json.dumps(e).encode() + b"\n" for e in body)
        elif isinstance(body, dict):
            body = json.dumps(body).encode()
        request = urllib.request.Request(f"http://127.0.0.1:{self.port}/events", data=body, method="POST")
        if token is not None:
            request.add_header("Authorization", f"Bearer {token}")
        for key, value in (headers or {}).items():
            request.add_header(key, value)
        try:
            with urllib.request.urlopen(request, timeout=5) as response:
                return response.status, json.loads(response.read())
        except urllib.error.HTTPError as exc:
            return exc.code, json.loads(exc.read())

    def actions(self, path: str = "out/actions.jsonl") -> list[dict[str, Any]]:
        file = self.folder / path
        if not file.exists():
            return []
        # The sink may be writing a line as this reads: only whole lines count.
        text = file.read_text(encoding="utf-8")
        return [json.loads(line) for line in text[: text.rfind("\n") + 1].splitlines() if line]

    def stop(self, sig: int = signal.SIGTERM, timeout: float = 15) -> int:
        assert self.process is not None
        self.process.send_signal(sig)
        return self.process.wait(timeout=timeout)

    def kill(self) -> None:
        assert self.process is not None
        os.kill(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)

    def close(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.kill()
        if self.process is not None and self.process.stdin is not None:
            self.process.stdin.close()
