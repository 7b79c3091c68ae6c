"""Thread resolution (SPEC section 1): which conversation an event belongs to."""

from __future__ import annotations

from ..events import Event


class ThreadIndex:
    """Remembers the thread of each event seen, so replies can find their thread."""

    def __init__(self) -> None:
        self._thread_of: dict[str, str] = {}

    def resolve(self, event: Event) -> str:
        """The event's thread: its `thread` field; else the thread of the event it
        answers, when seen; else `in_reply_to` itself; else its own id."""
        data = event.data
        thread = data.get("thread")
        if not isinstance(thread, str) or not thread:
            parent = data.get("in_reply_to")
            if isinstance(parent, str) and parent:
                thread = self._thread_of.get(parent, parent)
            else:
                thread = event.id
        self._thread_of[event.id] = thread
        return thread

    def __len__(self) -> int:
        return len(self._thread_of)
