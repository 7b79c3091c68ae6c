"""Conditions too deep or too large to run, once their defines are written out (see `nesting`)."""

from __future__ import annotations

from collections.abc import Iterator

from playbook.language import nodes
from playbook.language.check.names import Namespace
from playbook.language.diagnostics import Diagnostic, Pos, error
from playbook.language.nesting import (
    MAX_LEVELS,
    TOO_DEEP,
    TOO_DEEP_HINT,
    TOO_LARGE,
    TOO_LARGE_HINT,
    Extent,
    define_extents,
    extent,
    names_in,
)
from playbook.language.turns import turn


def check_extents(ns: Namespace) -> Iterator[Diagnostic]:
    """A condition too deep or too large once its defines are written out, reported where it
    first becomes so: not again at each rule or define that uses one reported."""
    of_defines = define_extents(ns.defines)
    too_big = {name for name, measured in of_defines.items() if measured.too_big}
    for name, define in ns.defines.items():
        yield from _check_extent(of_defines[name], define.condition, define.pos, too_big)
    for rule in ns.rules:
        turn()
        yield from _check_extent(extent(rule.condition, of_defines), rule.condition, rule.pos, too_big)


def _check_extent(
    measured: Extent, condition: nodes.Condition, pos: Pos, too_big: set[str]
) -> Iterator[Diagnostic]:
    if not measured.too_big or any(name in too_big for name in names_in(condition)):
        return
    if measured.levels > MAX_LEVELS:
        yield error(pos, TOO_DEEP, TOO_DEEP_HINT)
    else:
        yield error(pos, TOO_LARGE, TOO_LARGE_HINT)
