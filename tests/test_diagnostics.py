"""Rendering of diagnostics (SPEC section 2, "Errors"): golden strings."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from helpers import check_output

from playbook.language.diagnostics import (
    Diagnostic,
    PlaybookError,
    Pos,
    Severity,
    error,
    render,
    render_all,
    summarize,
    warning,
)

SOURCE = 'brand "@acme"\nwhen mention is complaint and author.folowers > 10 then notify "#vip"\n'


def test_error_with_hint_line_and_caret() -> None:
    diag = error(
        Pos("care.play", 2, 31), "unknown field 'author.folowers'", "did you mean 'author.followers'?"
    )
    assert (
        render(diag, SOURCE)
        == """\
care.play:2:31: error: unknown field 'author.folowers' (did you mean 'author.followers'?)
when mention is complaint and author.folowers > 10 then notify "#vip"
                              ^"""
    )


def test_the_caret_is_under_the_character_of_the_column() -> None:
    line = SOURCE.splitlines()[1]
    for column in (1, 6, 31, len(line)):
        rendered = render(error(Pos("care.play", 2, column), "x"), SOURCE).splitlines()
        assert rendered[1] == line
        assert rendered[2] == " " * (column - 1) + "^"


def test_no_hint_means_no_parentheses() -> None:
    diag = error(Pos("care.play", 1, 1), "a brand handle cannot be empty")
    assert diag.text == "a brand handle cannot be empty"
    assert render(diag, SOURCE).splitlines()[0] == "care.play:1:1: error: a brand handle cannot be empty"


def test_warning_is_rendered_the_same_way() -> None:
    diag = warning(Pos("care.play", 1, 7), "define 'vip' is not used by any rule")
    assert diag.severity is Severity.WARNING and not diag.is_error
    assert (
        render(diag, SOURCE)
        == """\
care.play:1:7: warning: define 'vip' is not used by any rule
brand "@acme"
      ^"""
    )


def test_the_source_line_is_not_indented() -> None:
    text = "   when mention then escalte\n"
    assert (
        render(error(Pos("t.play", 1, 19), "unknown action 'escalte'"), text)
        == """\
t.play:1:19: error: unknown action 'escalte'
   when mention then escalte
                  ^"""
    )


def test_a_caret_just_past_the_end_of_the_line() -> None:
    text = "when mention then\n"
    assert (
        render(error(Pos("t.play", 1, 18), "expected an action after 'then'"), text)
        == """\
t.play:1:18: error: expected an action after 'then'
when mention then
                 ^"""
    )


def test_without_the_source_only_the_head_line() -> None:
    diag = error(Pos("gone.play", 3, 4), "cannot read this file")
    assert render(diag, None) == "gone.play:3:4: error: cannot read this file"
    assert (
        render(Diagnostic(Severity.ERROR, Pos("t.play", 9, 1), "m"), "one line\n") == "t.play:9:1: error: m"
    )


# --- tabs -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "line",
    [
        "\twhen mention and author.folowers > 10 then hide",
        "when\tmention and\tauthor.folowers > 10 then hide",
        "when mention\t\tand author.folowers > 10 then hide",
        "  \t when mention and \t author.folowers > 10 then hide",
        "when mention and author.folowers\t> 10 then hide",
    ],
)
def test_tabs_are_expanded_alike_in_the_line_and_the_caret(line: str) -> None:
    column = line.index("author.folowers") + 1
    rendered = render(error(Pos("t.play", 1, column), "unknown field 'author.folowers'"), line + "\n")
    head, shown, caret = rendered.split("\n")
    assert head == f"t.play:1:{column}: error: unknown field 'author.folowers'"
    assert "\t" not in shown
    assert shown == line.expandtabs(8)
    assert caret.strip() == "^"
    assert shown[len(caret) - 1 :].startswith("author.folowers")


def test_tabs_golden() -> None:
    text = "when mention\tand\tauthor.folowers > 10 then hide\n"
    assert check_output(text, path="care.play") == (
        "care.play:1:18: error: unknown field 'author.folowers' (did you mean 'author.followers'?)\n"
        "when mention    and     author.folowers > 10 then hide\n"
        "                        ^"
    )


def test_columns_count_characters_not_bytes() -> None:
    text = 'when mention and text contains "café" and author.folowers > 1 then hide\n'
    assert (
        check_output(text)
        == """\
test.play:1:43: error: unknown field 'author.folowers' (did you mean 'author.followers'?)
when mention and text contains "café" and author.folowers > 1 then hide
                                          ^"""
    )


def test_the_caret_stays_under_the_mistake_after_a_wide_emoji() -> None:
    # Social-media phrases hold emoji. The column counts characters (43), but a
    # terminal draws 😡 two cells wide, so the caret needs one more space to
    # stand under the 'a' of 'author' (as tabs are expanded for the same reason).
    text = 'when mention and text contains "😡" and author.folowers > 1 then hide\n'
    assert (
        check_output(text)
        == """\
test.play:1:40: error: unknown field 'author.folowers' (did you mean 'author.followers'?)
when mention and text contains "😡" and author.folowers > 1 then hide
                                        ^"""
    )


# --- line ends: a line ends at \n, \r\n or a lone \r, as editors count lines -----------------


@pytest.mark.parametrize("end", ["\n", "\r\n", "\r"])
def test_each_line_end_an_editor_knows_ends_a_line(end: str) -> None:
    text = f'brand "@acme"{end}when mention and{end}  author.folowers > 10 then escalate{end}'
    assert check_output(text) == (
        "test.play:3:3: error: unknown field 'author.folowers' (did you mean 'author.followers'?)\n"
        "  author.folowers > 10 then escalate\n"
        "  ^"
    )


@pytest.mark.parametrize("blank", ["\x0b", "\x0c", "\x1c", "\x85", "\u2028", "\u2029"])
def test_other_separators_are_blanks_within_a_line(blank: str) -> None:
    # Python's splitlines() breaks lines at these; editors and the lexer do not.
    text = f'brand "@acme"{blank}when mention and author.folowers > 10{blank}then escalate\n'
    assert check_output(text) == (
        "test.play:1:32: error: unknown field 'author.folowers' (did you mean 'author.followers'?)\n"
        'brand "@acme" when mention and author.folowers > 10 then escalate\n'
        "                               ^"
    )


def test_a_parse_error_after_lone_carriage_returns_is_placed_on_its_line() -> None:
    text = 'brand "@acme"\r\rwhen mention then escalate to care-leads\r'
    assert check_output(text) == (
        "test.play:3:31: error: expected a \"quoted text\" after 'to', found 'care-leads' "
        '(put text in double quotes: "care-leads")\n'
        "when mention then escalate to care-leads\n"
        "                              ^"
    )


def test_what_was_found_is_never_more_than_a_line() -> None:
    text = 'brand "@acme"\nwhen mention and unanswered 2\nthen escalate\n'
    assert check_output(text).splitlines()[0] == (
        "test.play:2:29: error: expected a duration after 'unanswered', such as 2h, 90 minutes or 1h30m, "
        "found '2' (a duration is a whole number and a unit: s, m, h, d, w, or seconds, minutes, hours, "
        "days, weeks)"
    )


# --- several diagnostics ---------------------------------------------------------------------


def test_render_all_sorts_by_file_line_and_column() -> None:
    sources = {
        "b.play": "when mention then escalte\nwhen comment then hide\n",
        "a.play": 'when mention then tag\nwhen x and author.handel = "y" then hide\n',
    }
    diags = [
        error(Pos("b.play", 1, 19), "unknown action 'escalte'", "did you mean 'escalate'?"),
        error(Pos("a.play", 2, 12), "unknown field 'author.handel'", "did you mean 'author.handle'?"),
        warning(Pos("a.play", 2, 6), "'x' is neither a define nor a known event type"),
        error(Pos("a.play", 1, 19), "'tag' needs a label"),
    ]
    assert (
        render_all(diags, sources)
        == """\
a.play:1:19: error: 'tag' needs a label
when mention then tag
                  ^
a.play:2:6: warning: 'x' is neither a define nor a known event type
when x and author.handel = "y" then hide
     ^
a.play:2:12: error: unknown field 'author.handel' (did you mean 'author.handle'?)
when x and author.handel = "y" then hide
           ^
b.play:1:19: error: unknown action 'escalte' (did you mean 'escalate'?)
when mention then escalte
                  ^"""
    )


def test_lines_sort_as_numbers_and_folders_as_paths() -> None:
    sources = {"p/care.play": "x\n" * 12, "p/a/sales.play": "y\n" * 12}
    diags = [
        error(Pos("p/care.play", 10, 1), "ten"),
        error(Pos("p/care.play", 9, 1), "nine"),
        error(Pos("p/care.play", 9, 12), "nine, later"),
        error(Pos("p/care.play", 9, 2), "nine, early"),
        error(Pos("p/a/sales.play", 11, 1), "sales"),
    ]
    heads = [line for line in render_all(diags, sources).splitlines() if ": error: " in line]
    assert heads == [
        "p/a/sales.play:11:1: error: sales",
        "p/care.play:9:1: error: nine",
        "p/care.play:9:2: error: nine, early",
        "p/care.play:9:12: error: nine, later",
        "p/care.play:10:1: error: ten",
    ]


def test_an_error_and_a_warning_at_one_place_error_first() -> None:
    source = "when vip then hide\n"
    diags = [warning(Pos("t.play", 1, 6), "w"), error(Pos("t.play", 1, 6), "e")]
    assert [line for line in render_all(diags, {"t.play": source}).splitlines() if "t.play" in line] == [
        "t.play:1:6: error: e",
        "t.play:1:6: warning: w",
    ]


def test_playbook_error_carries_every_diagnostic_and_renders_them() -> None:
    diags = [error(Pos("t.play", 1, 19), "unknown action 'escalte'")]
    exc = PlaybookError(diags, {"t.play": "when mention then escalte\n"})
    assert exc.diagnostics == diags
    assert str(exc) == render_all(diags, exc.sources)


def test_several_files_from_the_loader_are_sorted_by_file() -> None:
    from playbook.compiler.ruleset import compile_sources

    sources = {
        "z.play": "when mention then escalte\n",
        "a.play": "when mention then\n",
    }
    with pytest.raises(PlaybookError) as caught:
        compile_sources(sources)
    assert (
        render_all(caught.value.diagnostics, caught.value.sources)
        == """\
a.play:1:18: error: expected an action after 'then': escalate, assign, notify, alert, tag, reply, hide, mark or unmark
when mention then
                 ^
z.play:1:19: error: unknown action 'escalte' (did you mean 'escalate'?)
when mention then escalte
                  ^"""
    )


# --- the count line ---------------------------------------------------------------------------


def _diags(errors: int, warnings: int) -> list[Diagnostic]:
    at = Pos("t.play", 1, 1)
    return [error(at, "e")] * errors + [warning(at, "w")] * warnings


@pytest.mark.parametrize(
    ("errors", "warnings", "line"),
    [
        (0, 0, "0 errors, 0 warnings"),
        (1, 0, "1 error, 0 warnings"),
        (0, 1, "0 errors, 1 warning"),
        (2, 1, "2 errors, 1 warning"),
        (1, 2, "1 error, 2 warnings"),
        (12, 3, "12 errors, 3 warnings"),
    ],
)
def test_summarize(errors: int, warnings: int, line: str) -> None:
    assert summarize(_diags(errors, warnings)) == line
    assert summarize(iter(_diags(errors, warnings))) == line


def test_playbook_check_prints_every_diagnostic_then_the_count(tmp_path: Path) -> None:
    (tmp_path / "care.play").write_text(
        'list unused = "x"\nwhen mention and author.folowers > 10 then escalate\nwhen comment then escalte\n',
        encoding="utf-8",
    )
    result = subprocess.run(
        [sys.executable, "-m", "playbook", "check", "care.play"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 1
    assert result.stdout == ""
    assert (
        result.stderr
        == """\
care.play:1:6: warning: list 'unused' is not used by any rule
list unused = "x"
     ^
care.play:2:18: error: unknown field 'author.folowers' (did you mean 'author.followers'?)
when mention and author.folowers > 10 then escalate
                 ^
care.play:3:19: error: unknown action 'escalte' (did you mean 'escalate'?)
when comment then escalte
                  ^
2 errors, 1 warning
"""
    )


def test_playbook_check_with_only_warnings_counts_them_on_the_ok_line(tmp_path: Path) -> None:
    (tmp_path / "care.play").write_text(
        "define vip = author.verified = true\nwhen mention then escalate\n",
        encoding="utf-8",
    )
    result = subprocess.run(
        [sys.executable, "-m", "playbook", "check", "care.play"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0
    assert (
        result.stderr
        == """\
care.play:1:8: warning: define 'vip' is not used by any rule
define vip = author.verified = true
       ^
ok: 1 rule in 1 file, 1 warning
"""
    )


def test_playbook_check_names_files_as_the_user_gave_them(tmp_path: Path) -> None:
    folder = tmp_path / "playbooks" / "twitter"
    folder.mkdir(parents=True)
    (folder / "care.play").write_text("when mention then escalte\n", encoding="utf-8")
    result = subprocess.run(
        [sys.executable, "-m", "playbook", "check", "playbooks"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 1
    assert result.stderr.splitlines()[0] == (
        "playbooks/twitter/care.play:1:19: error: unknown action 'escalte' (did you mean 'escalate'?)"
    )
