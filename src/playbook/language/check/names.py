"""The names of a rule set: defines, lists, schedules, rule names and brand handles.

`build_namespace` collects them across files; the checks here report a name
given twice (also as two kinds of statement), a define defined in terms of
itself, a define, list or schedule no rule uses, and brand handles that are
empty or missing.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field

from playbook.language import nodes
from playbook.language.diagnostics import Diagnostic, Pos, error, warning
from playbook.language.nesting import names_in


@dataclass(slots=True)
class Namespace:
    """The `define`s, `list`s and `schedule`s of a whole rule set, by name."""

    defines: dict[str, nodes.Define] = field(default_factory=dict)
    lists: dict[str, nodes.ListDef] = field(default_factory=dict)
    schedules: dict[str, nodes.Schedule] = field(default_factory=dict)
    brand: list[nodes.Literal] = field(default_factory=list)
    rules: list[nodes.Rule] = field(default_factory=list)


def build_namespace(files: list[nodes.PlaybookFile]) -> tuple[Namespace, list[Diagnostic]]:
    """Collect names across files; a name defined twice is an error at the second."""
    ns = Namespace()
    problems: list[Diagnostic] = []
    first_at: dict[str, Pos] = {}
    for file in files:
        for stmt in file.statements:
            if isinstance(stmt, (nodes.Define, nodes.ListDef, nodes.Schedule)):
                name = stmt.name.name
                if name in first_at:
                    where = first_at[name]
                    problems.append(
                        error(
                            stmt.name.pos,
                            f"'{name}' is defined twice",
                            f"first at {where.file}:{where.line}",
                        )
                    )
                    continue
                first_at[name] = stmt.name.pos
                if isinstance(stmt, nodes.Define):
                    ns.defines[name] = stmt
                elif isinstance(stmt, nodes.ListDef):
                    ns.lists[name] = stmt
                else:
                    ns.schedules[name] = stmt
            elif isinstance(stmt, nodes.Brand):
                ns.brand.extend(stmt.handles)
            elif isinstance(stmt, nodes.Rule):
                ns.rules.append(stmt)
    return ns, problems


def check_brand(ns: Namespace) -> Iterator[Diagnostic]:
    """Empty brand handles."""
    for handle in ns.brand:
        if not str(handle.value).strip():
            yield error(handle.pos, "a brand handle cannot be empty")


def check_rule_name(rule: nodes.Rule, names: dict[str, Pos]) -> Iterator[Diagnostic]:
    """An empty rule name, or one used before (`names`: the names so far, where first used)."""
    name = rule.display_name
    pos = rule.name.pos if rule.name is not None else rule.when_pos
    if not name.strip():
        yield error(pos, "a rule's name cannot be empty")
    elif name in names and rule.name is None:
        first = names[name]
        yield error(
            pos,
            f"this unnamed rule is named '{name}' like the rule at {first.file}:{first.line}",
            'give one of them a name, as in rule "Escalate complaints":',
        )
    elif name in names:
        first = names[name]
        yield error(pos, f"rule name '{name}' is used twice", f"first at {first.file}:{first.line}")
    else:
        names[name] = pos


def check_cycles(defines: Mapping[str, nodes.Define]) -> list[Diagnostic]:
    """Every define defined in terms of itself, once per cycle."""
    problems: list[Diagnostic] = []
    reported: set[str] = set()
    done: set[str] = set()

    def refs(name: str) -> Iterator[str]:
        return (ref for ref in names_in(defines[name].condition) if ref in defines)

    # Depth first from each define in turn, each define explored once: a
    # define met again while it is being explored closes a cycle.
    for root in defines:
        if root in done:
            continue
        path = [root]
        pending = [refs(root)]
        while pending:
            ref = next(pending[-1], None)
            if ref is None:
                pending.pop()
                done.add(path.pop())
            elif ref in path:
                cycle = path[path.index(ref) :] + [ref]
                start = cycle[0]
                if start not in reported:
                    reported.update(cycle)
                    problems.append(
                        error(
                            defines[start].name.pos,
                            f"'{start}' is defined in terms of itself: {' → '.join(cycle)}",
                        )
                    )
            elif ref not in done:
                path.append(ref)
                pending.append(refs(ref))
    return problems


def check_unused(
    ns: Namespace, used_by_rules: Iterable[str], used_by_define: Mapping[str, set[str]]
) -> Iterator[Diagnostic]:
    """A warning for each define, list and schedule that no rule uses, itself or through its defines."""
    used: set[str] = set()
    waiting = list(used_by_rules)
    while waiting:
        name = waiting.pop()
        if name not in used:
            used.add(name)
            waiting.extend(used_by_define.get(name, ()))
    for name, define in ns.defines.items():
        if name not in used:
            yield warning(define.name.pos, f"define '{name}' is not used by any rule")
    for name, list_def in ns.lists.items():
        if name not in used:
            yield warning(list_def.name.pos, f"list '{name}' is not used by any rule")
    for name, schedule in ns.schedules.items():
        if name not in used:
            yield warning(schedule.name.pos, f"schedule '{name}' is not used by any rule")


def check_answerable(ns: Namespace) -> Iterator[Diagnostic]:
    """A warning at the first `unanswered` when no brand handle can answer it."""
    for rule in ns.rules:
        for cond in nodes.walk(rule.condition):
            if isinstance(cond, nodes.Unanswered):
                yield warning(
                    cond.pos,
                    "no brand handles are declared, so only 'handled' events can answer",
                    'declare them with: brand "@yourbrand"',
                )
                return
