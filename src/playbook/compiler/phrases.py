"""Whole-word phrase matching (`contains`), all phrases of a field in one pass.

Text and phrases are compared case-folded with runs of white space collapsed
to one space, so a space in a phrase matches any run of white space. A phrase
matches where no letter, digit or underscore touches it on either side.
"""

from __future__ import annotations

from typing import Any

import ahocorasick

EMPTY: frozenset[int] = frozenset()
MAX_ELEMENTS = 10_000
MAX_FIRST_WORDS = 16


def normalize(text: str) -> str:
    """Case-folded, with every run of white space one space and none at the ends."""
    return _spaced(_folded(text))


def _folded(text: str) -> str:
    return text.lower() if text.isascii() else text.casefold()  # the same for ASCII; lower is quicker


def _spaced(folded: str) -> str:
    # Every white space character but the space is unprintable, so most texts
    # are seen to be spaced already without splitting them.
    if folded.isprintable() and "  " not in folded and folded[:1] != " " and folded[-1:] != " ":
        return folded
    return " ".join(folded.split())


def _is_word_char(ch: str) -> bool:
    return ch.isalnum() or ch == "_"


class PhraseIndex:
    """Every phrase any rule tests on one field, each with a small integer id."""

    def __init__(self) -> None:
        self._ids: dict[str, int] = {}
        self._automaton: Any = None
        # List elements come from a small vocabulary (labels, tags): each one
        # seen maps to its phrase id, or -1, without normalising it again.
        self._elements: dict[str, int] = {}
        # With few phrases, a text in which none of their first words occurs
        # is passed over before it is normalised and scanned.
        self._first_words: tuple[str, ...] = ()
        self._frozen = False

    def add(self, phrase: str) -> int:
        """The id of `phrase` (phrases equal after normalising share one).

        Once frozen, the index takes no new phrase: events keep the hits they
        were found to have, which a grown index would make stale.
        """
        key = normalize(phrase)
        if key not in self._ids:
            if self._frozen:
                raise RuntimeError(f"phrase {phrase!r} added to a frozen phrase index")
            self._ids[key] = len(self._ids)
            self._automaton = None
            self._elements.clear()
        return self._ids[key]

    def _built(self) -> Any:
        if self._automaton is None:
            automaton = ahocorasick.Automaton(ahocorasick.STORE_ANY, ahocorasick.KEY_STRING)
            for key, pid in self._ids.items():
                automaton.add_word(key, (pid, len(key)))
            automaton.make_automaton()
            self._automaton = automaton
            first_words = {key.split(" ")[0] for key in self._ids}
            self._first_words = (
                tuple(sorted(first_words))
                if len(first_words) <= MAX_FIRST_WORDS and "" not in first_words
                else ()
            )
        return self._automaton

    def freeze(self) -> None:
        """Take no more phrases, and build the automaton now rather than on the first event."""
        self._frozen = True
        if self._ids:
            self._built()

    def find(self, value: Any, cache: dict[Any, Any]) -> frozenset[int]:
        """Ids of the phrases `value` contains: whole words in text, equal elements in a
        list; kept in an event's `cache` under this index, for the other rules and the
        dispatch (phrase ids mean nothing outside their index). One call does it all:
        every rule that tests a phrase comes here once an event."""
        hits = EMPTY
        if isinstance(value, str):
            if self._automaton is None:
                self._built()
            folded = value.lower() if value.isascii() else value.casefold()  # as `_folded`
            scan = not self._first_words
            for word in self._first_words:
                if word in folded:
                    scan = True
                    break
            if scan:
                hits = self._find_in_text(_spaced(folded))
        elif isinstance(value, list):
            elements = self._elements
            found: list[int] = []
            for x in value:
                if type(x) is str:
                    pid = elements.get(x)
                    if pid is None:
                        pid = self._element_id(x)
                    if pid >= 0:
                        found.append(pid)
            if found:
                hits = frozenset(found)
        cache[self] = hits
        return hits

    def _element_id(self, element: str) -> int:
        pid = self._ids.get(normalize(element), -1)
        if len(self._elements) >= MAX_ELEMENTS:
            self._elements.clear()
        self._elements[element] = pid
        return pid

    def _find_in_text(self, text: str) -> frozenset[int]:
        if not text or not self._ids:
            return EMPTY
        found: set[int] = set()
        last = len(text) - 1
        for end, (pid, length) in self._built().iter(text):
            if pid in found:
                continue
            start = end - length + 1
            if start > 0 and _is_word_char(text[start - 1]):
                continue
            if end < last and _is_word_char(text[end + 1]):
                continue
            found.add(pid)
        return frozenset(found)
