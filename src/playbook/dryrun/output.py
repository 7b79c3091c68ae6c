"""Where a dry run's actions go: standard output, through a buffer of the run's own.

A desk that tags everything writes a record for nearly every event, and a
system call per record costs more than the record. Python's own standard
output makes one per write where `PYTHONUNBUFFERED` is set (as in many
containers and service units), so a dry run gathers its records and writes
them out `RECORDS_PER_WRITE` at a time, encoded as JSON Lines in one call, a
system call each. When someone may be waiting for each action (standard
output is a terminal, or the events come live from a pipe), each line goes out
as soon as it is written.
"""

from __future__ import annotations

import io
import os
import stat
import sys
from typing import BinaryIO, TextIO

from playbook.compiler.actions import ActionRecord, encode_json_lines

BUFFER_BYTES = 1 << 16
RECORDS_PER_WRITE = 1024


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
        self._records: list[ActionRecord] = []
        self._records_per_write = 1 if line_by_line else RECORDS_PER_WRITE

    def write_record(self, record: ActionRecord) -> None:
        """`record.to_json_line()`, written out with the records before it (at once when
        line by line)."""
        records = self._records
        records.append(record)
        if len(records) >= self._records_per_write:
            self._write_records()

    def _write_records(self) -> None:
        if self._records:
            self._binary.write(encode_json_lines(self._records))
            self._records.clear()
        self._binary.flush()

    def flush(self) -> None:
        self.text.flush()
        self._write_records()
