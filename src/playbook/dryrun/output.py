"""Where a dry run's actions go: standard output, through a buffer of the run's own.

A desk that tags everything writes a record for nearly every event, and a
system call per record costs more than the record. Python's own standard
output makes one per write where `PYTHONUNBUFFERED` is set (as in many
containers and service units), so a dry run writes through a buffer of its
own: a system call per `BUFFER_BYTES`. Records are encoded as JSON straight into
that buffer, without a bytes object of their own. When someone may be waiting
for each action (standard output is a terminal, or the events come live from a
pipe), each line goes out as soon as it is written.
"""

from __future__ import annotations

import io
import os
import stat
import sys
from typing import BinaryIO, TextIO

from playbook.compiler.actions import ActionRecord, encode_json_into

BUFFER_BYTES = 1 << 16


def is_live(events: str) -> bool:
    """Whether each action should go out at once: standard output is a terminal, or the
    events (`-`: standard input) come from a pipe or a terminal as they happen."""
    if sys.stdout.isatty():
        return True
    if events != "-":
        return False
    try:
        return not stat.S_ISREG(os.fstat(sys.stdin.fileno()).st_mode)
    except (OSError, ValueError):  # standard input without a file descriptor
        return True


class Output:
    """Standard output (or the file descriptor `fd`), buffered: records as JSON Lines
    (`write_record`), or text (`text`, for the table and explanations); `line_by_line`
    writes each line out as it is written. Use one of the two per run, and `flush()`
    before anything else writes to the same file."""

    def __init__(self, line_by_line: bool, fd: int | None = None) -> None:
        if fd is None:
            sys.stdout.flush()
            fd = sys.stdout.fileno()
            encoding, errors = sys.stdout.encoding, sys.stdout.errors
        else:
            encoding, errors = "utf-8", "strict"
        self._binary: BinaryIO = open(fd, "wb", buffering=BUFFER_BYTES, closefd=False)
        self.text: TextIO = io.TextIOWrapper(
            self._binary, encoding=encoding, errors=errors, line_buffering=line_by_line
        )
        self.line_by_line = line_by_line
        self._lines = bytearray()

    def write_record(self, record: ActionRecord) -> None:
        """`record.to_json_line()`, encoded into the buffer."""
        lines = self._lines
        encode_json_into(record, lines, -1)
        lines += b"\n"
        if self.line_by_line or len(lines) >= BUFFER_BYTES:
            self._write_lines()

    def _write_lines(self) -> None:
        self._binary.write(self._lines)
        self._binary.flush()
        self._lines.clear()

    def flush(self) -> None:
        self.text.flush()
        self._write_lines()
