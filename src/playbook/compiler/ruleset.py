"""Playbook texts → parse → check → compile → an immutable `RuleSet`.

Nothing here reads a file: the loader (`playbook.loader`) finds and reads the
`.play` files, and hands their texts here. `check_sources` stops after
checking: compiling finds no problem that checking has not, so `playbook
check` leaves it to what runs the rules.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from playbook.compiler.gcpause import cycle_collection_paused
from playbook.language.check import Namespace, build_namespace, check_ruleset
from playbook.language.diagnostics import Diagnostic, PlaybookError, Pos, error, sort_key
from playbook.language.nesting import TOO_DEEP, TOO_DEEP_HINT, extent
from playbook.language.nodes import PlaybookFile, Title
from playbook.language.syntax import parse_text

if TYPE_CHECKING:
    from playbook.compiler.rules import CompiledRule
    from playbook.compiler.schedules import Schedule


@dataclass(frozen=True)
class CheckedPlaybooks:
    """Playbooks that parsed and checked without error, not yet compiled."""

    sources: Mapping[str, str]
    files: tuple[PlaybookFile, ...]
    namespace: Namespace
    warnings: tuple[Diagnostic, ...]
    extra_brand: tuple[str, ...] = ()

    @property
    def rule_count(self) -> int:
        return len(self.namespace.rules)


@dataclass(frozen=True)
class RuleSet:
    """The rules of a set of playbooks, compiled, in rule-set order, and their schedules by name."""

    rules: tuple[CompiledRule, ...]
    brand: frozenset[str]
    sources: Mapping[str, str]
    warnings: tuple[Diagnostic, ...] = ()
    titles: tuple[str, ...] = ()
    digest: str = ""
    by_name: Mapping[str, CompiledRule] = field(default_factory=dict)
    namespace: Namespace = field(default_factory=Namespace)
    schedules: Mapping[str, Schedule] = field(default_factory=dict)

    @property
    def files(self) -> tuple[str, ...]:
        return tuple(self.sources)


def compile_sources(sources: Mapping[str, str], brand: Iterable[str] = ()) -> RuleSet:
    """The rule set of playbook texts given by path, in that order; PlaybookError if invalid."""
    from hashlib import sha256

    from playbook.compiler.rules import Compiler

    with cycle_collection_paused():
        checked = _check_sources(sources, brand)
        compiler = Compiler(checked.namespace)
        try:
            rules = compiler.rules()
        except RecursionError:
            raise PlaybookError([_too_deep(_deepest_rule(checked.files))], checked.sources) from None
    ns = checked.namespace
    handles = frozenset(str(h.value).casefold() for h in ns.brand) | {
        h.casefold() for h in checked.extra_brand
    }
    titles = tuple(stmt.text for f in checked.files for stmt in f.statements if isinstance(stmt, Title))
    digest = sha256(
        b"\0".join(p.encode() + b"\0" + t.encode() for p, t in checked.sources.items())
    ).hexdigest()
    return RuleSet(
        rules=rules,
        brand=handles,
        sources=dict(checked.sources),
        warnings=checked.warnings,
        titles=titles,
        digest=digest,
        by_name={r.name: r for r in rules},
        namespace=ns,
        schedules=compiler.schedules,
    )


def check_sources(sources: Mapping[str, str], brand: Iterable[str] = ()) -> CheckedPlaybooks:
    """Playbook texts given by path, parsed and checked; PlaybookError if invalid."""
    with cycle_collection_paused():
        return _check_sources(sources, brand)


def _check_sources(sources: Mapping[str, str], brand: Iterable[str]) -> CheckedPlaybooks:
    extra_brand = tuple(h for h in brand if h)
    # Editors on Windows may start a file with a byte order mark; it is not text.
    sources = {path: text.removeprefix("\ufeff") for path, text in sources.items()}
    files: list[PlaybookFile] = []
    diagnostics: list[Diagnostic] = []
    for path, text in sources.items():
        parsed, problems = parse_text(text, path)
        files.append(parsed)
        diagnostics.extend(problems)
    try:
        diagnostics.extend(check_ruleset(files, extra_brand=bool(extra_brand), sources=sources))
    except RecursionError:
        raise PlaybookError([_too_deep(_deepest_rule(files))], sources) from None
    diagnostics.sort(key=sort_key)
    if any(d.is_error for d in diagnostics):
        raise PlaybookError(diagnostics, sources)
    ns, _ = build_namespace(files)
    return CheckedPlaybooks(sources, tuple(files), ns, tuple(diagnostics), extra_brand)


def _too_deep(pos: Pos) -> Diagnostic:
    return error(pos, TOO_DEEP, TOO_DEEP_HINT)


def _deepest_rule(files: Sequence[PlaybookFile]) -> Pos:
    """Where the most deeply nested condition is, measured without recursion."""
    deepest, where = -1, Pos(next(iter(f.path for f in files), ""), 1, 1)
    for file in files:
        for stmt in file.statements:
            condition = getattr(stmt, "condition", None)
            if condition is not None and (levels := extent(condition, {}).levels) > deepest:
                deepest, where = levels, stmt.pos
    return where
