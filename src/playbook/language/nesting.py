"""How deep and how large a condition is once its defines are written out,
as the compiler writes them: in place, wherever they are used.

Depth is the levels of `and`, `or` and `not`; size is the parts (every
condition and every `and`, `or`, `not`). A define used twice in a define used
twice in another is written out four times, so size can grow far beyond the
text. The checker refuses a condition deeper than `MAX_LEVELS` or larger than
`MAX_PARTS`, so nothing after checking ever meets one too deep to walk or too
large to write out. Every walk here keeps its own stack and measures each
define once: measuring never recurses and never grows with the written-out size.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import NamedTuple

from playbook.language import nodes

MAX_LEVELS = 100
MAX_PARTS = 10_000
TOO_DEEP = f"this condition is nested too deeply to read (more than {MAX_LEVELS} levels of and, or, not)"
TOO_DEEP_HINT = (
    "join a chain of parts with one 'or' or one 'and', as in a or b or c, not brackets inside brackets"
)
TOO_LARGE = (
    f"this condition grows too large to read: more than {MAX_PARTS:,} parts once its defines are written out"
)
TOO_LARGE_HINT = "a define is written out wherever it is used; use a define inside another fewer times"


class Extent(NamedTuple):
    """How deep (levels) and how large (parts) a condition is, its defines written out."""

    levels: int
    parts: int

    @property
    def too_big(self) -> bool:
        """Deeper than `MAX_LEVELS` or larger than `MAX_PARTS`."""
        return self.levels > MAX_LEVELS or self.parts > MAX_PARTS


def extent(condition: nodes.Condition, defines: Mapping[str, Extent]) -> Extent:
    """The extent of `condition`; a define named in it counts as `defines` says."""
    deepest = parts = 0
    stack = [(condition, 0)]
    while stack:
        node, depth = stack.pop()
        parts += 1
        # Exact types: nodes are never subclassed, and this walk runs for every rule.
        if type(node) is nodes.And or type(node) is nodes.Or:
            deeper = depth + 1
            stack += [(operand, deeper) for operand in node.operands]
            continue
        if type(node) is nodes.Not:
            stack.append((node.operand, depth + 1))
            continue
        if type(node) is nodes.Word and node.name in defines:
            inner = defines[node.name]
            depth += inner.levels
            parts += inner.parts - 1
        elif type(node) is nodes.Is and node.category.name in defines:
            # `mention is vip` is the type test and vip's condition, under one more `and`.
            inner = defines[node.category.name]
            depth += 1 + inner.levels
            parts += 1 + inner.parts
        if depth > deepest:
            deepest = depth
    return Extent(deepest, parts)


def define_extents(defines: Mapping[str, nodes.Define]) -> dict[str, Extent]:
    """The extent of every define; a define in a cycle counts only its own parts."""
    found: dict[str, Extent] = {}
    # Depth first, each define measured after those it names; `entered` holds
    # the defines being measured, so one named again from inside is a cycle.
    entered: set[str] = set()
    for name in defines:
        stack = [(name, False)]
        while stack:
            current, named_done = stack.pop()
            if current in found:
                continue
            if named_done:
                entered.discard(current)
                found[current] = extent(defines[current].condition, found)
                continue
            if current in entered:
                continue
            entered.add(current)
            stack.append((current, True))
            stack.extend(
                (ref, False)
                for ref in names_in(defines[current].condition)
                if ref in defines and ref not in found and ref not in entered
            )
    return found


def names_in(condition: nodes.Condition) -> Iterable[str]:
    """Every name `condition` uses as a word or after `is`, in the order written (a define, or not)."""
    stack = [condition]
    while stack:
        node = stack.pop()
        if isinstance(node, (nodes.And, nodes.Or)):
            stack.extend(reversed(node.operands))
        elif isinstance(node, nodes.Not):
            stack.append(node.operand)
        elif isinstance(node, nodes.Word):
            yield node.name
        elif isinstance(node, nodes.Is):
            yield node.category.name
