"""The playbook AST: one record (a frozen dataclass) per grammar rule, each with its position.

Names mirror `grammar.lark` (`contains_any` is `ContainsAny`), so a reader can go
from the grammar to the tree and back. The tree holds what was written, checked
or not; `check/` finds what is wrong with it.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass

from playbook.language.diagnostics import Pos

Value = str | int | float | bool


@dataclass(frozen=True, slots=True)
class Name:
    """A reference to a `define` or `list` by name, or a label."""

    name: str
    pos: Pos


@dataclass(frozen=True, slots=True)
class Field:
    """A dotted event field such as `author.followers`."""

    path: str
    pos: Pos


@dataclass(frozen=True, slots=True)
class Literal:
    value: Value
    pos: Pos


@dataclass(frozen=True, slots=True)
class Duration:
    """A written duration (`2h`, `90 minutes`, `1h30m`) and its length in seconds."""

    seconds: int
    text: str
    pos: Pos


# --- conditions ---------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Compare:
    field: Field
    op: str
    value: Literal
    pos: Pos


@dataclass(frozen=True, slots=True)
class Contains:
    field: Field
    phrase: Literal
    pos: Pos


@dataclass(frozen=True, slots=True)
class ContainsAny:
    field: Field
    phrases: Name | tuple[Literal, ...]
    pos: Pos


@dataclass(frozen=True, slots=True)
class ContainsAll:
    field: Field
    phrases: Name | tuple[Literal, ...]
    pos: Pos


@dataclass(frozen=True, slots=True)
class Matches:
    field: Field
    pattern: str
    flags: str
    pos: Pos
    regex_pos: Pos


@dataclass(frozen=True, slots=True)
class In:
    field: Field
    values: Name | tuple[Literal, ...]
    pos: Pos


@dataclass(frozen=True, slots=True)
class Exists:
    field: Field
    pos: Pos


@dataclass(frozen=True, slots=True)
class Word:
    """A bare word: a `define` by that name, or else the event type."""

    name: str
    pos: Pos


@dataclass(frozen=True, slots=True)
class Is:
    """`WORD is NAME` or, negated, `WORD is not NAME`."""

    word: Name
    category: Name
    negated: bool
    pos: Pos


@dataclass(frozen=True, slots=True)
class IsMarked:
    """`author is marked "M"`, `thread is marked "M"`, or, negated, `... is not marked "M"`
    (SPEC section 12): whether the event's author or thread carries the mark M."""

    word: Name
    mark: Literal
    negated: bool
    pos: Pos


@dataclass(frozen=True, slots=True)
class Not:
    operand: Condition
    pos: Pos


@dataclass(frozen=True, slots=True)
class And:
    operands: tuple[Condition, ...]
    pos: Pos


@dataclass(frozen=True, slots=True)
class Or:
    operands: tuple[Condition, ...]
    pos: Pos


@dataclass(frozen=True, slots=True)
class During:
    """`during NAME`: the event's time is open time of the schedule NAME."""

    schedule: Name
    pos: Pos


@dataclass(frozen=True, slots=True)
class Unanswered:
    """`unanswered D`, `unanswered for D`, `no reply within D`; with `during NAME`,
    D is counted in the open time of the schedule NAME."""

    duration: Duration
    pos: Pos
    during: Name | None = None


@dataclass(frozen=True, slots=True)
class AtLeast:
    """`at least N times within D [per FIELD]`."""

    count: int
    duration: Duration
    per: Field | None
    pos: Pos


TimeCondition = Unanswered | AtLeast
Condition = (
    Compare
    | Contains
    | ContainsAny
    | ContainsAll
    | Matches
    | In
    | Exists
    | Word
    | Is
    | IsMarked
    | Not
    | And
    | Or
    | Unanswered
    | AtLeast
    | During
)


# --- actions and options --------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ActionArg:
    """One part after an action word: `to "T"`, `"T"`, `priority P`, `message "M"`, `with template "N"`.

    `pos` is where the part begins (its keyword, if any), `value_pos` where its value does.
    """

    kind: str
    value: str
    pos: Pos
    value_pos: Pos


@dataclass(frozen=True, slots=True)
class Action:
    word: str
    args: tuple[ActionArg, ...]
    pos: Pos


@dataclass(frozen=True, slots=True)
class Mark:
    """`mark author "M" [for D]`, `mark thread "M" [for D]`, or with `unmark`, taking the
    mark away (SPEC section 12). `subject` is what is marked as written (the checker
    wants author or thread); `duration` is None when not written (and for `unmark`)."""

    unmark: bool
    subject: Name
    name: Literal
    duration: Duration | None
    pos: Pos

    @property
    def word(self) -> str:
        return "unmark" if self.unmark else "mark"


@dataclass(frozen=True, slots=True)
class Repeat:
    """`repeat every D up to N times`: an `unanswered` rule fires again every D while
    the item is unanswered, at most N more times."""

    every: Duration
    times: int
    pos: Pos


@dataclass(frozen=True, slots=True)
class Limit:
    """`at most once per D`, `at most N per D`, `at most once per FIELD per D`."""

    count: int
    per: Field | None
    duration: Duration
    pos: Pos


# --- schedules ---------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Clock:
    """A time of day as written: `09:00`, `24:00`."""

    text: str
    pos: Pos


@dataclass(frozen=True, slots=True)
class Days:
    """`mon`, `weekdays`, or the range `mon-fri` (then `last` is `fri`)."""

    first: Name
    last: Name | None
    pos: Pos


@dataclass(frozen=True, slots=True)
class Hours:
    """`DAYS HH:MM-HH:MM`: one interval on each of some days."""

    days: Days
    start: Clock
    end: Clock
    pos: Pos


@dataclass(frozen=True, slots=True)
class ClosedDay:
    """A day a schedule is closed: the date `"YYYY-MM-DD"`, or with `holidays`,
    the public holidays of the country `"CC"` or `"CC-SUB"`."""

    holidays: bool
    value: Literal
    pos: Pos


@dataclass(frozen=True, slots=True)
class Schedule:
    """`schedule NAME = HOURS, ... in "ZONE" closed DAY, ...`; `zone` is None when not written."""

    name: Name
    hours: tuple[Hours, ...]
    zone: Literal | None
    closed: tuple[ClosedDay, ...]
    pos: Pos


# --- statements -------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Title:
    text: str
    pos: Pos


@dataclass(frozen=True, slots=True)
class Brand:
    handles: tuple[Literal, ...]
    pos: Pos


@dataclass(frozen=True, slots=True)
class ListDef:
    name: Name
    phrases: tuple[Literal, ...]
    pos: Pos


@dataclass(frozen=True, slots=True)
class Define:
    name: Name
    condition: Condition
    pos: Pos


@dataclass(frozen=True, slots=True)
class Rule:
    """A rule; `name` is None for an unnamed one, which `when_pos` then names.
    A `shadow` rule's records are marked, and delivered only to shadow sinks.
    `actions` are in written order, marks among them; `repeats` are its `repeat`
    options as written (one, or none, once checked)."""

    name: Literal | None
    condition: Condition
    actions: tuple[Action | Mark, ...]
    limits: tuple[Limit, ...]
    pos: Pos
    when_pos: Pos
    shadow: bool = False
    repeats: tuple[Repeat, ...] = ()

    @property
    def repeat(self) -> Repeat | None:
        """Its `repeat` option (the checker allows one)."""
        return self.repeats[0] if self.repeats else None

    @property
    def display_name(self) -> str:
        """The rule's name; an unnamed rule is `FILE:LINE` of its `when`."""
        if self.name is not None:
            return str(self.name.value)
        return f"{os.path.basename(self.when_pos.file)}:{self.when_pos.line}"


Statement = Title | Brand | ListDef | Define | Rule | Schedule


@dataclass(frozen=True, slots=True)
class PlaybookFile:
    """One parsed `.play` file.

    `broken_names` are the names of `define`s and `list`s that did not parse:
    their uses are not reported again as unknown.
    """

    path: str
    statements: tuple[Statement, ...]
    broken_names: frozenset[str] = frozenset()


# --- walking conditions ---------------------------------------------------------------


def walk(condition: Condition) -> Iterator[Condition]:
    """Every condition node under `condition`, itself included."""
    yield condition
    if isinstance(condition, (And, Or)):
        for operand in condition.operands:
            yield from walk(operand)
    elif isinstance(condition, Not):
        yield from walk(condition.operand)


def conjuncts(condition: Condition) -> list[Condition]:
    """The parts joined by `and`, parentheses around `and`s flattened."""
    if isinstance(condition, And):
        return [part for operand in condition.operands for part in conjuncts(operand)]
    return [condition]


def split_time(condition: Condition) -> tuple[list[Condition], list[TimeCondition]]:
    """A rule's condition as its instant conjuncts and its time conditions joined by `and`."""
    parts = conjuncts(condition)
    instant: list[Condition] = [c for c in parts if not isinstance(c, (Unanswered, AtLeast))]
    timed = [c for c in parts if isinstance(c, (Unanswered, AtLeast))]
    return instant, timed
