"""One finder for playbooks and test files: the same order, the same files left
out, the same errors (SPEC section 2: sorted by path relative to the folder)."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from playbook.loader import PlaybookPathError, find_playbooks
from playbook.testing.runner import find_test_files

# Relative paths of a folder; `X` stands for the suffix. "a-b" sorts before "a/"
# as strings ('-' < '/'), though a walk of the folders would visit "a" first.
TREE = [
    "z.X",
    "a/y.X",
    "a-b/x.X",
    "a/b/w.X",
    ".hidden/v.X",
    "a/.lock.X",
    ".#z.X",
    "a/notes.txt",
]
FOUND = ["a-b/x.X", "a/b/w.X", "a/y.X", "z.X"]

KINDS = [
    pytest.param(find_playbooks, ".play", id="playbooks"),
    pytest.param(find_test_files, ".test.yaml", id="test-files"),
]


def _tree(root: Path, suffix: str) -> None:
    for rel in TREE:
        path = root / rel.replace(".X", suffix)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("", encoding="utf-8")


@pytest.mark.parametrize(("find", "suffix"), KINDS)
def test_a_folder_gives_its_files_sorted_by_relative_path_without_hidden_ones(
    tmp_path: Path, find: Callable[[list[str]], list[str]], suffix: str
) -> None:
    _tree(tmp_path / "desk", suffix)
    found = find([str(tmp_path / "desk")])
    assert [os.path.relpath(p, tmp_path / "desk") for p in found] == [f.replace(".X", suffix) for f in FOUND]


@pytest.mark.parametrize(("find", "suffix"), KINDS)
def test_paths_keep_the_order_they_were_given_in(
    tmp_path: Path, find: Callable[[list[str]], list[str]], suffix: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    _tree(tmp_path / "desk", suffix)
    monkeypatch.chdir(tmp_path)
    named = f"desk/z{suffix}"
    assert find([named, "./desk/a/b"]) == [named, f"desk/a/b/w{suffix}"]
    # a file named again, in another form, is taken once
    assert find([f"./{named}", "desk"]) == [named, *(f"desk/{f.replace('.X', suffix)}" for f in FOUND[:-1])]


@pytest.mark.parametrize(("find", "suffix"), KINDS)
def test_a_missing_path_an_empty_folder_and_a_file_of_another_kind_are_errors(
    tmp_path: Path, find: Callable[[list[str]], list[str]], suffix: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "empty" / ".hidden").mkdir(parents=True)
    (tmp_path / "empty" / ".hidden" / f"x{suffix}").write_text("", encoding="utf-8")
    (tmp_path / "notes.txt").write_text("", encoding="utf-8")
    noun = "playbook" if suffix == ".play" else "test file"
    for path, message in [
        ("nowhere", "nowhere: no such file or folder"),
        ("empty", f"empty: no {suffix} files in this folder"),
        (
            "notes.txt",
            f"notes.txt is not a {noun} ({noun}s end in {suffix}; give one, or the folder that holds them)",
        ),
    ]:
        with pytest.raises(PlaybookPathError) as caught:
            find([path])
        assert str(caught.value) == message


@pytest.mark.parametrize("command", ["check", "test"])
def test_the_commands_report_a_folder_without_their_files_alike(tmp_path: Path, command: str) -> None:
    (tmp_path / "desk").mkdir()
    done = subprocess.run(
        [sys.executable, "-m", "playbook", command, "desk"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )
    suffix = ".play" if command == "check" else ".test.yaml"
    assert done.returncode == 2
    assert done.stderr == f"playbook: error: desk: no {suffix} files in this folder\n"
