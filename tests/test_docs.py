"""The docs cannot rot: every playbook snippet in them is checked with the real
parser and checker, and every message they show is the one `playbook check` prints.

The conventions (also written at the top of docs/language.md):

- ```playbook             checked on its own; no errors and no warnings
- ```playbook uses=shared checked together with playbooks/00-shared.play
- ```playbook warns       a warning is expected (at least one, in the snippet)
- ```playbook-error       saved as care.play and run through `playbook check care.play`;
                          the ```text block right after it is exactly what check
                          prints, and check exits 1 when that shows an error, else 0
- ```yaml                 a test file, run with `playbook test` on the example playbooks
- ```yaml config          a part of the daemon's configuration, loaded as `playbook run`
                          loads it (tests/test_delivery_config.py)
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from playbook.compiler.ruleset import compile_sources
from playbook.language.diagnostics import PlaybookError, render_all

ROOT = Path(__file__).resolve().parent.parent
DOCS = sorted([ROOT / "README.md", *(ROOT / "docs").glob("*.md")])
SHARED = ROOT / "playbooks" / "00-shared.play"
SNIPPET = "snippet.play"
ERROR_FILE = "care.play"
FENCE = re.compile(r"^```([^\n`]*)\n(.*?)^```[ \t]*$", re.S | re.M)
SNIPPET_MARKS = frozenset({"uses=shared", "warns"})


@dataclass(frozen=True)
class Block:
    """One fenced block of a doc: where it starts, its info string, its text."""

    where: str
    kind: str
    marks: frozenset[str]
    text: str
    following: Block | None = None


def _blocks(doc: Path) -> list[Block]:
    content = doc.read_text(encoding="utf-8")
    found: list[Block] = []
    for match in reversed(list(FENCE.finditer(content))):
        kind, *marks = match.group(1).split() or [""]
        line = content.count("\n", 0, match.start()) + 1
        following = found[0] if found else None
        found.insert(
            0, Block(f"{doc.relative_to(ROOT)}:{line}", kind, frozenset(marks), match.group(2), following)
        )
    return found


BLOCKS = [block for doc in DOCS for block in _blocks(doc)]
SNIPPETS = [b for b in BLOCKS if b.kind == "playbook"]
ERRORS = [b for b in BLOCKS if b.kind == "playbook-error"]


def _ids(blocks: list[Block]) -> list[str]:
    return [b.where for b in blocks]


def test_the_docs_have_snippets() -> None:
    assert len(SNIPPETS) >= 20
    assert len(ERRORS) >= 15
    assert any(b.where.startswith("README.md") for b in SNIPPETS)


@pytest.mark.parametrize("block", SNIPPETS, ids=_ids(SNIPPETS))
def test_snippet_is_a_valid_playbook(block: Block) -> None:
    unknown = block.marks - SNIPPET_MARKS
    assert not unknown, f"{block.where}: unknown marks {sorted(unknown)}; known: {sorted(SNIPPET_MARKS)}"
    sources = {}
    if "uses=shared" in block.marks:
        sources[SHARED.name] = SHARED.read_text(encoding="utf-8")
    sources[SNIPPET] = block.text
    try:
        ruleset = compile_sources(sources)
    except PlaybookError as exc:
        pytest.fail(f"{block.where}: the snippet is not valid:\n{render_all(exc.diagnostics, exc.sources)}")
    # Warnings about the shared file (a shared list this snippet does not use) are not the snippet's.
    warnings = [w for w in ruleset.warnings if w.pos.file == SNIPPET]
    if "warns" in block.marks:
        assert warnings, f"{block.where}: marked 'warns', but check has no warning for it"
    else:
        assert not warnings, (
            f"{block.where}: the snippet has warnings (mark it ```playbook warns if they are meant):\n"
            + render_all(warnings, ruleset.sources)
        )


@pytest.mark.parametrize("block", ERRORS, ids=_ids(ERRORS))
def test_message_example_shows_what_check_prints(block: Block, tmp_path: Path) -> None:
    shown = block.following
    assert shown is not None and shown.kind == "text" and not shown.marks, (
        f"{block.where}: a ```playbook-error block must be followed by a ```text block with check's output"
    )
    (tmp_path / ERROR_FILE).write_text(block.text, encoding="utf-8")
    result = subprocess.run(
        [sys.executable, "-m", "playbook", "check", ERROR_FILE],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.stdout == "", f"{block.where}: check printed on stdout"
    assert result.stderr == shown.text, f"{block.where}: the docs show another message than check prints"
    expected_exit = 1 if re.search(r"^\S+:\d+:\d+: error: ", shown.text, re.M) else 0
    assert result.returncode == expected_exit, f"{block.where}: check exited {result.returncode}"


COOKBOOK = [b for b in SNIPPETS if b.where.startswith("docs/cookbook.md")]


@pytest.mark.parametrize("block", COOKBOOK, ids=_ids(COOKBOOK))
def test_recipe_is_word_for_word_in_a_playbook(block: Block) -> None:
    playbooks = [path.read_text(encoding="utf-8") for path in (ROOT / "playbooks").glob("*.play")]
    assert any(block.text.strip() in content for content in playbooks), (
        f"{block.where}: no playbook holds this recipe"
    )


def test_every_playbook_is_in_the_cookbook() -> None:
    cookbook = (ROOT / "docs" / "cookbook.md").read_text(encoding="utf-8")
    missing = [
        p.name
        for p in sorted((ROOT / "playbooks").glob("*.play"))
        if f"(../playbooks/{p.name})" not in cookbook
    ]
    assert not missing, f"the cookbook links to no recipe from {missing}"


def _help_example() -> str:
    from playbook.cli import TEST_EPILOG

    lines = TEST_EPILOG.split("\n\n")[1].splitlines()
    return "\n".join(line[2:] for line in lines) + "\n"


TEST_FILE_EXAMPLES = [(b.where, b.text) for b in BLOCKS if b.kind == "yaml" and "config" not in b.marks] + [
    ("playbook test --help", _help_example())
]


@pytest.mark.parametrize(("where", "text"), TEST_FILE_EXAMPLES, ids=[e[0] for e in TEST_FILE_EXAMPLES])
def test_example_test_file_passes_on_the_example_playbooks(where: str, text: str, tmp_path: Path) -> None:
    shutil.copytree(ROOT / "playbooks", tmp_path / "playbooks")
    (tmp_path / "playbooks" / "example.test.yaml").write_text(text, encoding="utf-8")
    result = subprocess.run(
        [sys.executable, "-m", "playbook", "test", "playbooks/example.test.yaml"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, f"{where}:\n{result.stdout}{result.stderr}"


@pytest.mark.parametrize("doc", ["README.md", "docs/cookbook.md"])
def test_where_test_files_are_introduced_expect_is_said_to_list_every_action(doc: str) -> None:
    text = " ".join((ROOT / doc).read_text(encoding="utf-8").replace("**", "").split())
    assert re.search(
        r"`expect` lists every action [^.]*every rule[^.]* the playbooks the (test )?file loads", text
    ), f"{doc} does not say that expect lists the actions of every rule loaded"


def test_an_expected_action_left_out_of_the_readme_example_fails_it(tmp_path: Path) -> None:
    """What the README says: the first-reply assignment must be expected too."""
    (readme,) = [text for where, text in TEST_FILE_EXAMPLES if where.startswith("README.md")]
    assert "First reply to complaints" in readme
    shutil.copytree(ROOT / "playbooks", tmp_path / "playbooks")
    short = "".join(line for line in readme.splitlines(keepends=True) if "First reply" not in line)
    (tmp_path / "playbooks" / "example.test.yaml").write_text(short, encoding="utf-8")
    result = subprocess.run(
        [sys.executable, "-m", "playbook", "test", "playbooks/example.test.yaml"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 1
    assert "unexpected action" in result.stdout
