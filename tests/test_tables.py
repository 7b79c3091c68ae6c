"""The quick parser's tables are built once, kept on disk, and used only for the grammar they were built from."""

from __future__ import annotations

import marshal
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from playbook.language import syntax
from playbook.language.lalr import QuickParser, Tables, tables_of
from playbook.language.tables import cache_file, load_tables
from playbook.language.transform import ToNodes

ROOT = Path(__file__).resolve().parent.parent


class CountedBuild:
    """Builds the real tables, counting how often it is asked to."""

    def __init__(self) -> None:
        self.calls = 0

    def __call__(self) -> Tables:
        self.calls += 1
        return tables_of(syntax.parser())


@pytest.fixture
def cache_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    return tmp_path


def test_tables_are_built_once_then_read_back(cache_home: Path) -> None:
    build = CountedBuild()
    built = load_tables(syntax.grammar(), build)
    path = cache_file(syntax.grammar())
    assert path is not None and Path(path).parent == cache_home / "playbook" and Path(path).is_file()
    read = load_tables(syntax.grammar(), build)
    assert build.calls == 1
    assert read == built


def test_tables_read_back_parse_as_the_built_ones(cache_home: Path) -> None:
    load_tables(syntax.grammar(), CountedBuild())
    read = load_tables(syntax.grammar(), CountedBuild())
    text = (ROOT / "playbooks" / "care.play").read_text(encoding="utf-8")
    builder = ToNodes()
    builder.path = "care.play"
    assert QuickParser(read, builder).parse(text, "start") == syntax.lark_parse(text, "care.play", "start")


def test_tables_of_another_grammar_are_not_used(cache_home: Path) -> None:
    path = cache_file(syntax.grammar())
    assert path is not None
    os.makedirs(os.path.dirname(path))
    with open(path, "wb") as file:
        marshal.dump({"grammar": syntax.grammar() + "\n// edited", "tables": {"states": {}}}, file)
    build = CountedBuild()
    assert load_tables(syntax.grammar(), build) == tables_of(syntax.parser())
    assert build.calls == 1
    assert load_tables(syntax.grammar(), build) == tables_of(syntax.parser())
    assert build.calls == 1, "the rebuilt tables were not written back"


def test_tables_made_by_other_code_are_not_used(cache_home: Path) -> None:
    load_tables(syntax.grammar(), CountedBuild())
    path = cache_file(syntax.grammar())
    assert path is not None
    with open(path, "rb") as file:
        stored = marshal.load(file)
    stored["maker"] += 1
    stored["tables"] = {"states": {}}
    with open(path, "wb") as file:
        marshal.dump(stored, file)
    build = CountedBuild()
    assert load_tables(syntax.grammar(), build) == tables_of(syntax.parser())
    assert build.calls == 1


@pytest.mark.parametrize("damage", [b"", b"\x00garbage", None])
def test_a_damaged_file_is_rebuilt(cache_home: Path, damage: bytes | None) -> None:
    load_tables(syntax.grammar(), CountedBuild())
    path = cache_file(syntax.grammar())
    assert path is not None
    whole = Path(path).read_bytes()
    Path(path).write_bytes(whole[: len(whole) // 2] if damage is None else damage)
    build = CountedBuild()
    assert load_tables(syntax.grammar(), build) == tables_of(syntax.parser())
    assert build.calls == 1


def test_a_cache_folder_that_cannot_be_written_costs_only_speed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the cache folder would be\n")
    monkeypatch.setenv("XDG_CACHE_HOME", str(blocker))
    build = CountedBuild()
    assert load_tables(syntax.grammar(), build) == tables_of(syntax.parser())
    assert load_tables(syntax.grammar(), build) == tables_of(syntax.parser())
    assert build.calls == 2
    assert list(tmp_path.iterdir()) == [blocker]


def test_a_relative_cache_home_is_ignored(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", "relative/cache")
    monkeypatch.setenv("HOME", str(tmp_path))
    assert cache_file(syntax.grammar()) is not None
    assert Path(str(cache_file(syntax.grammar()))).parent == tmp_path / ".cache" / "playbook"


CHECK_AND_LIST_MODULES = """
import sys
from playbook.cli import main
code = main(sys.argv[1:])
print(sorted({name.split(".")[0] for name in sys.modules}), file=sys.stderr)
sys.exit(code)
"""


def run_check(cache: Path, *paths: str) -> Any:
    return subprocess.run(
        [sys.executable, "-c", CHECK_AND_LIST_MODULES, "check", *paths],
        capture_output=True,
        text=True,
        env={**os.environ, "XDG_CACHE_HOME": str(cache)},
        cwd=ROOT,
    )


def test_check_imports_no_lark_once_the_tables_are_kept(tmp_path: Path) -> None:
    first = run_check(tmp_path, "playbooks")
    assert first.returncode == 0, first.stderr
    assert "'lark'" in first.stderr.splitlines()[-1]
    again = run_check(tmp_path, "playbooks")
    assert again.returncode == 0, again.stderr
    assert "'lark'" not in again.stderr.splitlines()[-1]
    assert again.stdout == first.stdout


def test_a_broken_playbook_is_still_reported_through_lark(tmp_path: Path) -> None:
    run_check(tmp_path, "playbooks")
    broken = tmp_path / "broken.play"
    broken.write_text('rule "r": when mention and then tag "x"\n', encoding="utf-8")
    result = run_check(tmp_path, str(broken))
    assert result.returncode == 1
    assert f"{broken}:1:" in result.stdout + result.stderr
    assert "expected a condition after 'and'" in result.stdout + result.stderr
