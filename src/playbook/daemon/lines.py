"""Appending to a JSON Lines file so that it only ever holds whole lines."""

from __future__ import annotations

import os

TAIL_BYTES = 65536


def append_lines(path: str, data: bytes) -> None:
    """Append `data` (whole lines) to the file at `path`, and sync it to disk.

    A write that fails part-way (a full disk) is cut off again before the error
    is raised, and a line left unfinished by a crash is cut off before writing,
    so the file never holds half a line or two lines run together.
    """
    fd = os.open(path, os.O_RDWR | os.O_APPEND | os.O_CREAT, 0o644)
    try:
        end = _whole_lines_end(fd)
        try:
            view = memoryview(data)
            while view:
                view = view[os.write(fd, view) :]
            os.fsync(fd)
        except OSError:
            os.ftruncate(fd, end)
            raise
    finally:
        os.close(fd)


def _whole_lines_end(fd: int) -> int:
    """The file's size, cut back to the end of its last whole line when it ends in the middle of one."""
    size = os.fstat(fd).st_size
    if size == 0 or os.pread(fd, 1, size - 1) == b"\n":
        return size
    end = size
    while end > 0:
        start = max(0, end - TAIL_BYTES)
        tail = os.pread(fd, end - start, start)
        newline = tail.rfind(b"\n")
        if newline >= 0:
            end = start + newline + 1
            break
        end = start
    if end < size:
        os.ftruncate(fd, end)
    return end
