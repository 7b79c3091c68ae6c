"""The docs cannot rot: every playbook snippet in them is checked with the real
parser and checker, and every error message they show is the real one."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from playbook.diagnostics import PlaybookError, render_all
from playbook.loader import compile_sources

ROOT = Path(__file__).resolve().parent.parent
DOCS = sorted([ROOT / "README.md", *(ROOT / "docs").glob("*.md")])
# The cookbook's recipes use the shared lists and categories of the example desk.
WITH_SHARED = {"docs/cookbook.md": ROOT / "playbooks" / "00-shared.play"}
FENCE = re.compile(r"^```([\w-]*)\n(.*?)^```\n", re.S | re.M)


def blocks(kind: str) -> list[tuple[str, str, str]]:
    """(where, text, following block's text) of each fenced block of `kind`."""
    found = []
    for doc in DOCS:
        content = doc.read_text(encoding="utf-8")
        matches = list(FENCE.finditer(content))
        for index, match in enumerate(matches):
            if match.group(1) != kind:
                continue
            line = content.count("\n", 0, match.start()) + 1
            following = matches[index + 1].group(2) if index + 1 < len(matches) else ""
            found.append((f"{doc.relative_to(ROOT)}:{line}", match.group(2), following))
    return found


SNIPPETS = blocks("playbook")
ERRORS = blocks("playbook-error")


def test_the_docs_have_snippets() -> None:
    assert len(SNIPPETS) >= 20
    assert len(ERRORS) >= 5


@pytest.mark.parametrize(("where", "text", "_"), SNIPPETS, ids=[s[0] for s in SNIPPETS])
def test_snippet_is_a_valid_playbook(where: str, text: str, _: str) -> None:
    sources = {}
    shared = WITH_SHARED.get(where.rsplit(":", 1)[0])
    if shared is not None:
        sources[shared.name] = shared.read_text(encoding="utf-8")
    sources["snippet.play"] = text
    try:
        compile_sources(sources)
    except PlaybookError as exc:
        pytest.fail(f"{where}: the snippet is not valid:\n{render_all(exc.diagnostics, exc.sources)}")


@pytest.mark.parametrize(("where", "text", "shown"), ERRORS, ids=[s[0] for s in ERRORS])
def test_error_example_shows_what_check_prints(where: str, text: str, shown: str, tmp_path: Path) -> None:
    (tmp_path / "care.play").write_text(text, encoding="utf-8")
    result = subprocess.run(
        [sys.executable, "-m", "playbook", "check", "care.play"],
        cwd=tmp_path, capture_output=True, text=True, timeout=60,
    )
    assert result.returncode == 1, f"{where}: the example is valid, but the docs show an error"
    assert result.stderr == shown, f"{where}: the docs show another message than check prints"


COOKBOOK = [s for s in SNIPPETS if s[0].startswith("docs/cookbook.md")]


@pytest.mark.parametrize(("where", "text", "_"), COOKBOOK, ids=[s[0] for s in COOKBOOK])
def test_recipe_is_word_for_word_in_a_playbook(where: str, text: str, _: str) -> None:
    playbooks = [path.read_text(encoding="utf-8") for path in (ROOT / "playbooks").glob("*.play")]
    assert any(text.strip() in content for content in playbooks), f"{where}: no playbook holds this recipe"


def _help_example() -> str:
    from playbook.cli import TEST_EPILOG

    lines = TEST_EPILOG.split("\n\n")[1].splitlines()
    return "\n".join(line[2:] for line in lines) + "\n"


TEST_FILE_EXAMPLES = [(where, text) for where, text, _ in blocks("yaml")] + [("playbook test --help", _help_example())]


@pytest.mark.parametrize(("where", "text"), TEST_FILE_EXAMPLES, ids=[e[0] for e in TEST_FILE_EXAMPLES])
def test_example_test_file_passes_on_the_example_playbooks(where: str, text: str, tmp_path: Path) -> None:
    shutil.copytree(ROOT / "playbooks", tmp_path / "playbooks")
    (tmp_path / "playbooks" / "example.test.yaml").write_text(text, encoding="utf-8")
    result = subprocess.run(
        [sys.executable, "-m", "playbook", "test", "playbooks/example.test.yaml"],
        cwd=tmp_path, capture_output=True, text=True, timeout=60,
    )
    assert result.returncode == 0, f"{where}:\n{result.stdout}{result.stderr}"
