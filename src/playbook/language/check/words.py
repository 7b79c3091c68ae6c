"""Bare words and categories: `mention`, `vip`, `mention is complaint`, `author is not vip`.

A word names a define, or else an event type; the name after `is` is a
define, or else a label. A name that is neither known nor defined is taken as
written, with a warning in case it is a typo. `broken` names are those whose
statements did not parse: nothing more is said of them.
"""

from __future__ import annotations

from collections.abc import Iterator

from playbook.language import nodes
from playbook.language.check.names import Namespace
from playbook.language.diagnostics import Diagnostic, Pos, error, warning
from playbook.language.fields import EVENT_TYPES, KNOWN_FIELDS, KNOWN_LABELS, Kind, suggest
from playbook.language.vocabulary import ANY_TYPE_WORDS


def check_word(cond: nodes.Word, names: Namespace, broken: frozenset[str]) -> Iterator[Diagnostic]:
    """A bare word that is a field or a list, or neither a define nor a known event type."""
    if cond.name in names.defines or cond.name in broken:
        return
    if "." in cond.name:
        yield error(
            cond.pos,
            f"'{cond.name}' is a field; a condition needs a test of it",
            f"as in {_test_example(cond.name)}",
        )
    elif cond.name in names.lists:
        yield error(
            cond.pos, f"'{cond.name}' is a list, not a condition", f"as in text contains any {cond.name}"
        )
    else:
        yield from _type_word(cond.name, cond.pos, list(names.defines))


def check_is(cond: nodes.Is, names: Namespace, broken: frozenset[str]) -> Iterator[Diagnostic]:
    """`WORD is NAME`: WORD an event type, `author` or `event`; NAME a define or a label."""
    word = cond.word.name
    if "." in word:
        yield error(
            cond.word.pos,
            f"'{word}' is a field; 'is' follows an event type, 'author' or 'event'",
            f'to compare the field, write {word} = "..."',
        )
    else:
        yield from _type_word(word, cond.word.pos, None)
    name = cond.category.name
    if name in names.defines or name in broken:
        return
    if name in names.lists:
        yield error(
            cond.category.pos,
            f"'{name}' is a list, not a category",
            f"as in {word} and text contains any {name}",
        )
    elif name.casefold() not in KNOWN_LABELS:  # labels compare without regard to case
        near = suggest(name, list(names.defines) + list(KNOWN_LABELS))
        yield warning(
            cond.category.pos,
            f"'{name}' is neither a define nor a known label; it matches events labelled '{name}'",
            f"did you mean '{near}'?" if near else None,
        )


def _type_word(word: str, pos: Pos, defines: list[str] | None) -> Iterator[Diagnostic]:
    """A word taken as an event type; `defines`, when a define could stand there too."""
    if word in EVENT_TYPES or word in ANY_TYPE_WORDS:
        return
    if word.lower() in EVENT_TYPES:
        # Event types are compared in lowercase, so this works; say how it is written.
        yield warning(
            pos,
            f"'{word}' is taken as the event type '{word.lower()}'",
            f"event types are written in lowercase: {word.lower()}",
        )
        return
    if defines is not None:
        what, near = "a define nor a known event type", suggest(word, list(EVENT_TYPES) + defines)
    else:
        what = "a known event type, 'author' nor 'event'"
        near = suggest(word, list(EVENT_TYPES) + list(ANY_TYPE_WORDS))
    yield warning(
        pos,
        f"'{word}' is neither {what}; it is taken as the event type '{word.lower()}'",
        f"did you mean '{near}'?" if near else None,
    )


def _test_example(path: str) -> str:
    """An example of a test of a field, right for its kind."""
    kind = KNOWN_FIELDS.get(path)
    if kind is Kind.BOOLEAN:
        return f"{path} exists, or {path} = true"
    if kind is Kind.NUMBER:
        return f"{path} exists, or {path} > 0"
    return f'{path} exists, or {path} = "..."'
