"""Where a dry run's actions go: standard output, through a buffer of the run's own.

A desk that tags everything writes a record for nearly every event, and a
system call per record costs more than the record. Python's own standard
output makes one per write where `PYTHONUNBUFFERED` is set (as in many
containers and service units), so a dry run writes through a buffer of its
own: a system call per `BUFFER_BYTES`. When someone may be waiting for each
action (standard output is a terminal, or the events come live from a pipe),
each line goes out as soon as it is written.
"""

from __future__ import annotations

import io
import os
import stat
import sys
from typing import BinaryIO, TextIO

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
    """Standard output as bytes (`binary`, for JSON Lines) or text (`text`, for the table),
    buffered; `line_by_line` flushes each line as it is written. Use one of the two per run,
    and `flush()` before anything else writes to standard output."""

    def __init__(self, line_by_line: bool) -> None:
        sys.stdout.flush()
        self.binary: BinaryIO = open(sys.stdout.fileno(), "wb", buffering=BUFFER_BYTES, closefd=False)
        self.text: TextIO = io.TextIOWrapper(
            self.binary, encoding=sys.stdout.encoding, errors=sys.stdout.errors, line_buffering=line_by_line
        )
        self.line_by_line = line_by_line

    def write_line(self, line: bytes) -> None:
        """One line of bytes, its line ending included."""
        self.binary.write(line)
        if self.line_by_line:
            self.binary.flush()

    def flush(self) -> None:
        self.text.flush()
