"""`git:REV` for OLD: NEW's path as it was at revision REV of the git repository it is in.

The path is taken out of the repository with `git archive` into a temporary
folder, which is removed afterwards; nothing in the repository, its index or
its working tree is touched. The files are named as git names them,
`REV:PATH` (`HEAD:playbooks/care.play`), in diagnostics and rule sources.
"""

from __future__ import annotations

import io
import os
import subprocess
import tarfile
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from playbook.compiler.ruleset import RuleSet, compile_sources
from playbook.language.diagnostics import PlaybookError
from playbook.loader import PlaybookPathError, find_playbooks, read_sources

PREFIX = "git:"


class RevisionError(Exception):
    """`git:REV` cannot be read; the message says why and what to do."""


def is_revision(old: str) -> bool:
    """Whether OLD names a revision (`git:HEAD`) rather than a file or folder."""
    return old.startswith(PREFIX) and not os.path.exists(old)


def load_revision(old: str, path: str) -> RuleSet:
    """The rule set of `path` at the revision `old` (`git:REV`) names; RevisionError when
    there is no such revision or path, PlaybookError when its playbooks are invalid."""
    rev = old[len(PREFIX) :]
    if not rev or rev.startswith("-"):
        raise RevisionError(f"'{old}' names no revision; write git:HEAD, git:main or git:HEAD~1, say")
    with _extracted(rev, path) as (copy, label):
        try:
            files = find_playbooks([copy])
        except PlaybookPathError:
            raise RevisionError(f"{label}: no .play files in this folder at {rev}") from None
        sources, problems = read_sources(files)
        named = {_named(file, copy, label): text for file, text in sources.items()}
        if problems:
            raise PlaybookError(problems, named)
        return compile_sources(named)


def _named(file: str, copy: str, label: str) -> str:
    """A file of the copy as git names it at the revision."""
    inside = os.path.relpath(file, copy)
    if inside == os.curdir:
        return label
    return label + Path(inside).as_posix() if label.endswith(":") else f"{label}/{Path(inside).as_posix()}"


@contextmanager
def _extracted(rev: str, path: str) -> Iterator[tuple[str, str]]:
    """A temporary copy of `path` at `rev`, and what git calls it (`REV:PATH`)."""
    if not os.path.exists(path):
        raise RevisionError(f"{path}: no such file or folder")
    folder = path if os.path.isdir(path) else os.path.dirname(path) or os.curdir
    top = _git(folder, "rev-parse", "--show-toplevel", refusal=_not_a_repository(path)).strip()
    inside = Path(os.path.relpath(os.path.realpath(path), os.path.realpath(top))).as_posix()
    _git(
        top,
        "rev-parse",
        "--verify",
        "--quiet",
        f"{rev}^{{commit}}",
        refusal=f"git:{rev}: no such revision in {top}",
    )
    where = "" if inside == "." else inside
    label = f"{rev}:{where}" if where else f"{rev}:"
    _git(
        top,
        "cat-file",
        "-e",
        f"{rev}:{where}",
        refusal=f"{path} did not exist at {rev} (git show {rev}:{where} finds nothing); "
        "compare with a revision that has it",
    )
    archive = _git_bytes(top, "archive", "--format=tar", rev, *([where] if where else []))
    with tempfile.TemporaryDirectory(prefix="playbook-diff-") as temporary:
        with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
            tar.extractall(temporary, filter="data")
        yield os.path.join(temporary, where) if where else temporary, label


def _not_a_repository(path: str) -> str:
    return (
        f"{path} is not in a git repository, so git:REV means nothing for it; "
        "give OLD as a file or folder instead (a copy of the playbooks before the edit)"
    )


def _git(folder: str, *args: str, refusal: str) -> str:
    """What `git -C folder ARGS` prints; RevisionError with `refusal` when it fails."""
    try:
        return _git_bytes(folder, *args).decode("utf-8", errors="replace")
    except RevisionError:
        raise RevisionError(refusal) from None


def _git_bytes(folder: str, *args: str) -> bytes:
    try:
        done = subprocess.run(["git", "-C", folder, *args], capture_output=True, timeout=60)
    except FileNotFoundError:
        raise RevisionError("git:REV needs git, which is not installed (or not on PATH)") from None
    except subprocess.TimeoutExpired:
        raise RevisionError(f"git {args[0]} took longer than a minute in {folder}") from None
    if done.returncode != 0:
        said = done.stderr.decode("utf-8", errors="replace").strip().splitlines()
        raise RevisionError(said[-1] if said else f"git {args[0]} failed")
    return done.stdout
