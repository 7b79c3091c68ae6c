"""Which sinks take which records (SPEC sections 9 and 11)."""

from __future__ import annotations

from playbook.compiler.actions import ActionRecord
from playbook.daemon.config import Sink


def takes(sink: Sink, record: ActionRecord) -> bool:
    """Whether `sink` takes `record`: a `shadow: true` sink takes the records of shadow
    rules only, and every other sink takes every record but theirs."""
    return sink.shadow == record.shadow
