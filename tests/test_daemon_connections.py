"""`playbook run` against clients that hold connections open: real slow sockets
on 127.0.0.1, and a daemon under the common limit of 1,024 file descriptors."""

from __future__ import annotations

import json
import resource
import socket
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from daemon_harness import TOKEN, DaemonProcess, now_iso, playbook_folder

CARE = 'rule "Crisis": when mention and text contains "fire" then alert "#crisis"\n'
SLOW = 1100


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    return playbook_folder(tmp_path, "care.play", CARE)


@pytest.fixture
def sockets() -> Iterator[list[socket.socket]]:
    """Room for SLOW sockets in this process, and every one of them closed at the end."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    wanted = SLOW + 512
    if soft < wanted:
        if hard != resource.RLIM_INFINITY and hard < wanted:
            pytest.skip(f"this test opens {SLOW} sockets; the descriptor limit is {hard}")
        resource.setrlimit(resource.RLIMIT_NOFILE, (wanted, hard))
    opened: list[socket.socket] = []
    yield opened
    for sock in opened:
        sock.close()
    resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))


def at_most_1024_descriptors() -> None:
    resource.setrlimit(resource.RLIMIT_NOFILE, (1024, 1024))


def closed_by_the_server(sock: socket.socket) -> bool:
    sock.setblocking(False)
    try:
        return sock.recv(1024) == b""
    except BlockingIOError:
        return False
    except ConnectionResetError:
        return True


def test_slow_connections_neither_block_requests_nor_flood_the_log(
    folder: Path, sockets: list[socket.socket]
) -> None:
    process = DaemonProcess(folder, {"request_timeout": "3s"}).start(preexec_fn=at_most_1024_descriptors)
    try:
        for _ in range(SLOW):
            sock = socket.create_connection(("127.0.0.1", process.port), timeout=5)
            sockets.append(sock)
            sock.sendall(b"POST /events HTTP/1.1\r\nHost: 127.0.0.1\r\n")  # and never the end of the headers
        asked = time.monotonic()
        assert process.get("/healthz")[0] == 200
        event = {"id": "m1", "type": "mention", "time": now_iso(), "text": "fire"}
        assert process.post(event)[0] == 202
        assert time.monotonic() - asked < 1.0
        # Those that made room for the others were closed at once; the rest after 3 s.
        time.sleep(3 + 1.5)
        assert sum(closed_by_the_server(sock) for sock in sockets) == SLOW
        logged = process.logged()
        assert len(logged) < 20, "closing slow connections is logged once in a while, not each time"
        messages = {entry["msg"] for entry in logged}
        assert (
            "too many HTTP connections (768): closed the ones that waited longest for a request" in messages
        )
        assert "closed HTTP connections that sent no request within 3s" in messages
        assert process.post(event | {"id": "m2"})[0] == 202
    finally:
        process.close()


def test_a_body_that_does_not_arrive_in_time_is_answered_408(folder: Path) -> None:
    process = DaemonProcess(folder, {"request_timeout": "2s"}).start()
    try:
        with socket.create_connection(("127.0.0.1", process.port), timeout=10) as sock:
            sent = time.monotonic()
            sock.sendall(
                b"POST /events HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                + f"Authorization: Bearer {TOKEN}\r\nContent-Length: 100\r\n\r\n".encode()
                + b'{"id": "m1", '
            )
            answer = sock.recv(4096)
            waited = time.monotonic() - sent
            while chunk := sock.recv(4096):  # then the daemon closes the connection
                answer += chunk
        head, _, body = answer.partition(b"\r\n\r\n")
        assert head.startswith(b"HTTP/1.1 408 ")
        assert json.loads(body) == {"error": "the request's body did not arrive within 2s"}
        assert 2 <= waited < 3
        assert process.health()["inbox"] == 0
    finally:
        process.close()
