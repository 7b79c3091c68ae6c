"""Checks a parsed rule set: names, conditions, actions and extent.

`check_ruleset` returns every problem as a `Diagnostic`; it never stops at the
first. Each module holds one kind of check: `names` (defines, lists,
schedules, rule names, brand handles), `conditions` (fields, types, phrases,
time conditions, with `words` for categories and `matches` for regular
expressions), `schedules` (days, times, zones and closed days, and the names
`during` refers to), `actions` (actions and limits), `memory` (marks, tests
of marks and `repeat`) and `extent` (conditions too deep or too large).

`Namespace`, which the checker and the compiler both resolve names in, and the
condition walkers of `nodes` are exported here too.
"""

from __future__ import annotations

from collections.abc import Mapping

from playbook.language import nodes
from playbook.language.check.actions import check_action, check_limit
from playbook.language.check.conditions import ConditionChecker, check_phrases, check_time_conditions
from playbook.language.check.extent import check_extents
from playbook.language.check.memory import (
    check_is_marked,
    check_mark,
    check_marks_set,
    check_repeat,
    check_shadow_marks,
)
from playbook.language.check.names import (
    Namespace,
    build_namespace,
    check_answerable,
    check_brand,
    check_cycles,
    check_rule_name,
    check_unused,
)
from playbook.language.check.schedules import check_schedule
from playbook.language.diagnostics import Diagnostic, Pos
from playbook.language.nodes import conjuncts, split_time, walk
from playbook.language.turns import turn

__all__ = ["Namespace", "build_namespace", "check_ruleset", "conjuncts", "split_time", "walk"]


def check_ruleset(
    files: list[nodes.PlaybookFile],
    extra_brand: bool = False,
    sources: Mapping[str, str] | None = None,
) -> list[Diagnostic]:
    """Every problem in the rule set made of `files`, errors and warnings.

    `extra_brand` says brand handles come from elsewhere too (the daemon's
    config); `sources`, the files' texts, lets a hint quote what was written.
    """
    ns, problems = build_namespace(files)
    broken = frozenset().union(*(f.broken_names for f in files))
    conditions = ConditionChecker(ns, broken)
    problems.extend(check_brand(ns))
    for schedule in ns.schedules.values():
        problems.extend(check_schedule(schedule))
    used_by_define: dict[str, set[str]] = {}
    mark_tests: list[nodes.IsMarked] = []
    live_mark_tests: list[nodes.IsMarked] = []
    for name, define in ns.defines.items():
        report = conditions.check(define.condition, in_define=True)
        problems.extend(report.problems)
        used_by_define[name] = report.names
        mark_tests += report.marks
    cycles = check_cycles(ns.defines)
    problems.extend(cycles)
    if not cycles:
        # Defines in a cycle cannot be written out: there is nothing to measure.
        problems.extend(check_extents(ns))
    used_by_rules: set[str] = set()
    rule_names: dict[str, Pos] = {}
    for rule in ns.rules:
        turn()
        problems.extend(check_rule_name(rule, rule_names))
        report = conditions.check(rule.condition, in_define=False)
        problems.extend(report.problems)
        used_by_rules |= report.names
        mark_tests += report.marks
        if not rule.shadow:
            live_mark_tests += report.marks
        if report.timed:
            problems.extend(check_time_conditions(rule.condition, report.timed))
        for action in rule.actions:
            if isinstance(action, nodes.Mark):
                problems.extend(check_mark(action))
            else:
                problems.extend(check_action(action, sources or {}))
        for limit in rule.limits:
            problems.extend(check_limit(limit))
        problems.extend(check_repeat(rule))
    for test in mark_tests:
        problems.extend(check_is_marked(test))
    problems.extend(check_marks_set(mark_tests, ns.rules))
    problems.extend(check_shadow_marks(live_mark_tests, ns.rules))
    problems.extend(check_unused(ns, used_by_rules, used_by_define))
    for list_def in ns.lists.values():
        problems.extend(check_phrases(list_def.phrases))
    if not ns.brand and not extra_brand:
        problems.extend(check_answerable(ns))
    return problems
