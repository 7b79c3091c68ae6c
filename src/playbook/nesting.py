"""How deeply a condition nests `and`, `or` and `not`, a define's own levels
counted where it is used (the compiler writes a define out in place).

The checker refuses a condition deeper than `MAX_LEVELS`, so that nothing
after checking ever meets a condition too deep to walk. Every walk here keeps
its own stack: a condition hundreds of levels deep is measured, not recursed into.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from . import nodes

MAX_LEVELS = 100
TOO_DEEP = f"this condition is nested too deeply to read (more than {MAX_LEVELS} levels of and, or, not)"
TOO_DEEP_HINT = "join a chain of parts with one 'or' or one 'and', as in a or b or c, not brackets inside brackets"


def levels(condition: nodes.Condition, define_levels: Mapping[str, int]) -> int:
    """The levels of `condition`; a define named in it counts as `define_levels` says."""
    deepest = 0
    stack = [(condition, 0)]
    while stack:
        node, depth = stack.pop()
        if isinstance(node, (nodes.And, nodes.Or)):
            stack.extend((operand, depth + 1) for operand in node.operands)
            continue
        if isinstance(node, nodes.Not):
            stack.append((node.operand, depth + 1))
            continue
        if isinstance(node, nodes.Word):
            depth += define_levels.get(node.name, 0)
        elif isinstance(node, nodes.Is) and node.category.name in define_levels:
            # `mention is vip` is the type test and vip's condition, under one more `and`.
            depth += 1 + define_levels[node.category.name]
        deepest = max(deepest, depth)
    return deepest


def define_levels(defines: Mapping[str, nodes.Define]) -> dict[str, int]:
    """The levels of every define, those it names written out; a define in a cycle counts its own only."""
    found: dict[str, int] = {}
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
                found[current] = levels(defines[current].condition, found)
                continue
            if current in entered:
                continue
            entered.add(current)
            stack.append((current, True))
            stack.extend((ref, False) for ref in _names_in(defines[current].condition)
                         if ref in defines and ref not in found and ref not in entered)
    return found


def _names_in(condition: nodes.Condition) -> Iterable[str]:
    stack = [condition]
    while stack:
        node = stack.pop()
        if isinstance(node, (nodes.And, nodes.Or)):
            stack.extend(node.operands)
        elif isinstance(node, nodes.Not):
            stack.append(node.operand)
        elif isinstance(node, nodes.Word):
            yield node.name
        elif isinstance(node, nodes.Is):
            yield node.category.name
