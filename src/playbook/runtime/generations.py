"""Memory that forgets by age: entries kept in two generations of event time."""

from __future__ import annotations

from typing import Generic, TypeVar

from playbook.runtime.state import Remembered

# What one generation is: a dict or a set.
Memory = TypeVar("Memory", dict[str, str], set[tuple[str, str]])


class Generations(Generic[Memory]):
    """Entries kept in two generations of `lifetime` each (event time): an entry
    lives at least `lifetime` and at most twice that, and memory stays flat on
    an endless stream. `_current` and `_previous` are the generations' dicts or
    sets, newest first; `age(clock)` moves them on."""

    def __init__(self, lifetime: int, kept: Remembered) -> None:
        self.lifetime = lifetime
        self._current: Memory = kept.current
        self._previous: Memory = kept.previous
        self._rotate_at: int | None = kept.rotate_at

    def age(self, clock: int) -> None:
        """Start a new generation when the current one has lived `lifetime`."""
        if self._rotate_at is None:
            self._rotate_at = clock + self.lifetime
        elif clock >= self._rotate_at:
            stale = clock >= self._rotate_at + self.lifetime
            self._previous = type(self._current)() if stale else self._current
            self._current = type(self._current)()
            self._rotate_at = clock + self.lifetime

    def remembered(self) -> Remembered:
        """What is remembered, as data (shared, not copied)."""
        return Remembered(self._rotate_at, self._current, self._previous)

    def __len__(self) -> int:
        return len(self._current) + len(self._previous)


class SettledItems(Generations[set[tuple[str, str]]]):
    """The (rule, item) pairs whose `unanswered` wait is over, answered or fired,
    so that an item delivered again does not wait, and fire, again."""

    def add(self, rule: str, item: str, clock: int) -> None:
        self.age(clock)
        self._current.add((rule, item))

    def __contains__(self, key: tuple[str, str]) -> bool:
        return key in self._current or key in self._previous
