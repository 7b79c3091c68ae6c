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

PLAY_SUFFIX = ".play"


class PlaybookPathError(Exception):
    """A path given to Playbook that does not exist, or holds none of the files asked for."""


def find_files(paths: Iterable[str], suffix: str, noun: str) -> list[str]:
    """Every file ending in `suffix` that the paths name, in the order Playbook uses them.

    A file named directly must end in `suffix`. A folder gives every
    such file below it, sorted by path relative to the folder (compared as
    strings); hidden files and folders (names starting with `.`, such as
    editors' lock files) are left out, and symbolic links to folders are not
    followed. Paths are normalised (`./care.play` is `care.play`), and a file
    named twice is taken once. PlaybookPathError when a path does not exist,
    names a file of another kind, or is a folder holding none; `noun` names
    the kind of file.
    """
    found: dict[str, None] = {}
    for given in paths:
        if os.path.isfile(given):
            if not given.endswith(suffix):
                raise PlaybookPathError(
                    f"{given} is not a {noun} ({noun}s end in {suffix}; "
                    "give one, or the folder that holds them)"
                )
            inside = [given]
        elif os.path.isdir(given):
            inside = [os.path.join(given, rel) for rel in _below(given, suffix)]
            if not inside:
                raise PlaybookPathError(f"{given}: no {suffix} files in this folder")
        else:
            raise PlaybookPathError(f"{given}: no such file or folder")
        found.update((os.path.normpath(path), None) for path in inside)
    return list(found)


def _below(folder: str, suffix: str) -> list[str]:
    """The paths, relative to `folder` and written with `/`, of its files ending in `suffix`, sorted."""
    relative: list[str] = []
    for here, dirs, files in os.walk(folder):
        dirs[:] = [d for d in dirs if not d.startswith(".")]
        prefix = os.path.relpath(here, folder)
        for name in files:
            if name.endswith(suffix) and not name.startswith("."):
                rel = name if prefix == os.curdir else os.path.join(prefix, name)
                relative.append(Path(rel).as_posix())
    return sorted(relative)


def find_playbooks(paths: Iterable[str]) -> list[str]:
    """Every `.play` file the paths name, in rule-set order (see `find_files`)."""
    return find_files(paths, PLAY_SUFFIX, "playbook")


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
