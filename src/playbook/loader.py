"""Paths → sorted `.play` files → parse → check → compile → an immutable `RuleSet`.

`playbook check` stops after checking (`check_playbooks`): compiling finds no
problem that checking has not, so it is left to what runs the rules.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from .check import Namespace, build_namespace, check_ruleset
from .diagnostics import Diagnostic, Pos, PlaybookError, error, sort_key
from .gcpause import cycle_collection_paused
from .nesting import TOO_DEEP, TOO_DEEP_HINT, extent
from .nodes import PlaybookFile, Title
from .syntax import parse_text

if TYPE_CHECKING:
    from .compiler import CompiledRule


class PlaybookPathError(Exception):
    """A path given to the engine that holds no playbooks."""


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
    """The rules of a set of playbooks, compiled, in rule-set order."""

    rules: tuple[CompiledRule, ...]
    brand: frozenset[str]
    sources: Mapping[str, str]
    warnings: tuple[Diagnostic, ...] = ()
    titles: tuple[str, ...] = ()
    digest: str = ""
    by_name: Mapping[str, CompiledRule] = field(default_factory=dict)
    namespace: Namespace = field(default_factory=Namespace)

    @property
    def files(self) -> tuple[str, ...]:
        return tuple(self.sources)


def find_playbooks(paths: Iterable[str]) -> list[str]:
    """Every `.play` file the paths name, in rule-set order.

    A folder gives every `*.play` below it, sorted by path relative to the
    folder (hidden files and folders, such as editors' lock files, are left out).
    """
    found: list[str] = []
    for given in paths:
        path = Path(given)
        if path.is_file():
            found.append(given)
        elif path.is_dir():
            inside = sorted(
                p.relative_to(path).as_posix()
                for p in path.rglob("*.play")
                if p.is_file() and not any(part.startswith(".") for part in p.relative_to(path).parts)
            )
            if not inside:
                raise PlaybookPathError(f"{given}: no .play files in this folder")
            found.extend(os.path.join(given, rel) for rel in inside)
        else:
            raise PlaybookPathError(f"{given}: no such file or folder")
    return list(dict.fromkeys(found))


def read_sources(files: Iterable[str]) -> tuple[dict[str, str], list[Diagnostic]]:
    """The text of each file, and a diagnostic for each file that cannot be read.

    A file that is not UTF-8 is a diagnostic at its first bad byte; its text,
    with that byte and any other shown as `\ufffd`, is kept to show the line.
    """
    sources: dict[str, str] = {}
    problems: list[Diagnostic] = []
    for file in files:
        try:
            data = Path(file).read_bytes()
        except OSError as exc:
            problems.append(error(Pos(file, 1, 1), f"cannot read this file: {exc.strerror}"))
            continue
        try:
            sources[file] = data.decode("utf-8")
        except UnicodeDecodeError as exc:
            line_start = data.rfind(b"\n", 0, exc.start) + 1
            column = len(data[line_start:exc.start].decode("utf-8", errors="replace")) + 1
            at = Pos(file, data.count(b"\n", 0, exc.start) + 1, column)
            problems.append(error(at, f"this file is not UTF-8 text (byte {data[exc.start]:#04x})",
                                  "save it as UTF-8"))
            sources[file] = data.decode("utf-8", errors="replace")
    return sources, problems


def load_ruleset(paths: Sequence[str], brand: Iterable[str] = ()) -> RuleSet:
    """Load, check and compile the playbooks under `paths` as one rule set.

    Raises PlaybookPathError when a path holds no playbooks, and PlaybookError
    with every diagnostic when the playbooks are not valid. `brand` adds
    handles to the playbooks' own `brand` statements.
    """
    return compile_sources(_read_all(paths), brand)


def check_playbooks(paths: Sequence[str], brand: Iterable[str] = ()) -> CheckedPlaybooks:
    """Load and check the playbooks under `paths`, raising as `load_ruleset` does, without compiling them."""
    return check_sources(_read_all(paths), brand)


def _read_all(paths: Sequence[str]) -> dict[str, str]:
    sources, problems = read_sources(find_playbooks(paths))
    if problems:
        raise PlaybookError(problems, sources)
    return sources


def compile_sources(sources: Mapping[str, str], brand: Iterable[str] = ()) -> RuleSet:
    """The rule set of playbook texts given by path, in that order; PlaybookError if invalid."""
    from hashlib import sha256

    from .compiler import Compiler

    with cycle_collection_paused():
        checked = _check_sources(sources, brand)
        try:
            rules = Compiler(checked.namespace).rules()
        except RecursionError:
            raise PlaybookError([_too_deep(_deepest_rule(checked.files))], checked.sources) from None
    ns = checked.namespace
    handles = frozenset(str(h.value).casefold() for h in ns.brand) | {h.casefold() for h in checked.extra_brand}
    titles = tuple(
        stmt.text for f in checked.files for stmt in f.statements if isinstance(stmt, Title)
    )
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
