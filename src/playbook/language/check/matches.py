"""`FIELD matches /REGEX/`: the flags, what RE2 refuses, and patterns too large to run quickly."""

from __future__ import annotations

from typing import TYPE_CHECKING

from playbook.language import nodes
from playbook.language.diagnostics import Diagnostic, Pos, error
from playbook.language.regex import MAX_PROGRAM_SIZE, compile_regex

if TYPE_CHECKING:
    import re2


def check_matches(cond: nodes.Matches) -> list[Diagnostic]:
    """What is wrong with the regular expression of `cond` (its field is checked apart)."""
    problems: list[Diagnostic] = []
    bad_flags = [flag for flag in cond.flags if flag != "i"]
    if bad_flags:
        # The flags follow the closing '/': `/` + the pattern with its '/' escaped + `/`.
        written = len(cond.pattern) + cond.pattern.count("/") + 2
        column = cond.regex_pos.column + written + cond.flags.index(bad_flags[0])
        problems.append(
            error(
                Pos(cond.regex_pos.file, cond.regex_pos.line, column),
                f"unknown regular expression flag '{bad_flags[0]}'",
                "only /i (ignore case) is allowed",
            )
        )
    import re2

    try:
        size = compile_regex(cond.pattern, cond.flags).programsize
    except re2.error as exc:
        message, hint = _regex_problem(exc)
        problems.append(error(cond.regex_pos, message, hint))
        return problems
    if size > MAX_PROGRAM_SIZE:
        problems.append(
            error(
                cond.regex_pos,
                f"this regular expression is too large: it compiles to {size:,} steps, more than the "
                f"{MAX_PROGRAM_SIZE:,} that keep a search fast on a long post",
                "match many words with a list and 'contains any', and keep repeats such as .{1000} short",
            )
        )
    return problems


def _regex_problem(exc: re2.error) -> tuple[str, str | None]:
    """RE2's complaint in plain words: `missing ): (refund` → `missing ')' in '(refund'`."""
    raw = exc.args[0].decode() if exc.args and isinstance(exc.args[0], bytes) else str(exc)
    problem, _, fragment = raw.partition(": ")
    for symbol in ")]":
        if problem.endswith(" " + symbol):
            problem = problem[:-1] + f"'{symbol}'"
    message = f"invalid regular expression: {problem}" + (f" in '{fragment}'" if fragment else "")
    return message, _regex_hint(problem, fragment)


def _regex_hint(problem: str, fragment: str) -> str | None:
    """What RE2 lacks that the refused fragment asked for, when it is one of the usual suspects."""
    if "escape" in problem and fragment[1:2].isdigit():
        return "RE2 has no back-references"
    if "perl operator" in problem and fragment[:3] in ("(?=", "(?!", "(?<"):
        return "RE2 has no look-arounds"
    if "repetition operator" in problem and fragment[-1:] == "+":
        return f"RE2 has no possessive repetition: drop the '+' after '{fragment[:-1]}'"
    if "escape" in problem and fragment == "\\Z":
        return "RE2 writes the end of the text as \\z"
    return None
