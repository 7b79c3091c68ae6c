"""Thread resolution (SPEC section 1): which conversation an event belongs to."""

from __future__ import annotations

from playbook.language.events import Event
from playbook.runtime.generations import Generations


class ThreadIndex(Generations[dict[str, str]]):
    """Remembers the thread of each event seen, so replies can find their thread.

    Only events whose thread is not their own id need remembering: for the
    others, falling back to `in_reply_to` gives the same thread. Links are kept
    in two generations of `lifetime` each (event time).
    """

    def thread_of(self, event_id: str) -> str:
        """The thread of an event: remembered, or else its own id."""
        thread = self._current.get(event_id)
        if thread is None:
            thread = self._previous.get(event_id, event_id)
        return thread

    def resolve(self, event: Event, clock: int | None = None) -> str:
        """The event's thread: its `thread` field; else the thread of the event it
        answers, when seen; else `in_reply_to` itself; else its own id."""
        if clock is not None and (self._rotate_at is None or clock >= self._rotate_at):
            self.age(clock)
        data = event.data
        event_id: str = event.id
        thread = data.get("thread")
        if type(thread) is not str or not thread:
            parent = data.get("in_reply_to")
            if type(parent) is not str or not parent:
                return event_id
            thread = self.thread_of(parent)
        if thread != event_id:
            self._current[event_id] = thread
        return thread
