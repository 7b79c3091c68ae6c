"""Finding and reading playbook files: paths → sorted `.play` files → their texts.

The texts go to `playbook.compiler.ruleset`, which parses, checks and
compiles them; `playbook check` stops after checking (`check_playbooks`).
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from pathlib import Path

from playbook.compiler.ruleset import CheckedPlaybooks, RuleSet, check_sources, compile_sources
from playbook.language.diagnostics import Diagnostic, PlaybookError, Pos, error


class PlaybookPathError(Exception):
    """A path given to the engine that holds no playbooks."""


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
            column = len(data[line_start : exc.start].decode("utf-8", errors="replace")) + 1
            at = Pos(file, data.count(b"\n", 0, exc.start) + 1, column)
            problems.append(
                error(at, f"this file is not UTF-8 text (byte {data[exc.start]:#04x})", "save it as UTF-8")
            )
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
