"""Actions and rule options: the action words, the parts each takes, their
values, `{field}` names in texts, and limits."""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping

from playbook.language import nodes
from playbook.language.check.conditions import check_duration, check_field
from playbook.language.diagnostics import Diagnostic, Pos, error, lines_of
from playbook.language.fields import field_typo, placeholders, suggest
from playbook.language.transform import written_offset
from playbook.language.vocabulary import EVERY_ACTION_WORD, PRIORITIES

# For each action: the parts it may take, and the parts it must have.
ACTION_PARTS: dict[str, tuple[frozenset[str], tuple[str, ...]]] = {
    "escalate": (frozenset({"to", "priority"}), ()),
    "assign": (frozenset({"to"}), ("to",)),
    "notify": (frozenset({"text", "message"}), ("text",)),
    "alert": (frozenset({"text", "message"}), ("text",)),
    "tag": (frozenset({"text"}), ("text",)),
    "reply": (frozenset({"text", "template"}), ()),
    "hide": (frozenset(), ()),
}
MISSING_PART = {
    "assign": ("'assign' needs a target", 'as in assign to "billing-team"'),
    "notify": ("'notify' needs a target", 'as in notify "#care-desk"'),
    "alert": ("'alert' needs a target", 'as in alert "#war-room"'),
    "tag": ("'tag' needs a label", 'as in tag "needs-follow-up"'),
    "reply": (
        "'reply' needs a text or a template",
        'as in reply "Thank you!" or reply with template "thanks"',
    ),
}
PART_NAMES = {
    "to": "'to'",
    "text": "a text",
    "priority": "a priority",
    "message": "a message",
    "template": "a template",
}

# A "string" as the grammar reads it.
_STRING = re.compile(r'"(?:\\.|[^"\\\n])*"')


def check_action(action: nodes.Action, sources: Mapping[str, str]) -> Iterator[Diagnostic]:
    """What is wrong with one action; `sources`, the files' texts, lets a hint quote what was written."""
    if action.word not in ACTION_PARTS:
        near = suggest(action.word, EVERY_ACTION_WORD)
        hint = f"did you mean '{near}'?" if near else "the actions are " + ", ".join(EVERY_ACTION_WORD)
        yield error(action.pos, f"unknown action '{action.word}'", hint)
        return
    misplaced = _misplaced_target(action)
    if misplaced is not None:
        yield misplaced
        return
    allowed, required = ACTION_PARTS[action.word]
    seen: set[str] = set()
    for arg in action.args:
        if arg.kind not in allowed:
            yield error(arg.pos, f"'{action.word}' does not take {PART_NAMES[arg.kind]}")
        elif arg.kind in seen:
            yield error(arg.pos, f"'{action.word}' has {PART_NAMES[arg.kind]} twice")
        seen.add(arg.kind)
        yield from _check_part(action, arg, sources)
    missing = [part for part in required if part not in seen]
    if action.word == "reply" and not seen & {"text", "template"}:
        missing = ["text"]
    if action.word == "reply" and {"text", "template"} <= seen:
        yield error(action.pos, "'reply' takes a text or a template, not both")
    if missing:
        message, hint = MISSING_PART[action.word]
        pos = action.pos
        comment = _comment_after(action, sources)
        if comment is not None:
            pos, written = comment
            message = f"'#' starts a comment, so '{action.word}' has no target"
            hint = f'put it in double quotes: {action.word} "{written}"'
        yield error(pos, message, hint)


def check_limit(limit: nodes.Limit) -> Iterator[Diagnostic]:
    """`at most N per [FIELD per] D`: a count of nothing, a duration of nothing, a field typo."""
    if limit.count < 1:
        yield error(limit.pos, "'at most 0' would stop every firing; use a count of 1 or more")
    problems = [check_duration(limit.duration), check_field(limit.per) if limit.per is not None else None]
    yield from (problem for problem in problems if problem is not None)


def _misplaced_target(action: nodes.Action) -> Diagnostic | None:
    """`assign "T"` and `notify to "T"`: one mistake, one diagnostic."""
    kinds = [arg.kind for arg in action.args]
    if action.word == "assign" and "to" not in kinds and "text" in kinds:
        arg = action.args[kinds.index("text")]
        return error(arg.value_pos, "'assign' needs 'to' before its target", f'as in assign to "{arg.value}"')
    if action.word in ("notify", "alert", "tag") and "to" in kinds and "text" not in kinds:
        arg = action.args[kinds.index("to")]
        return error(arg.pos, f"'{action.word}' does not take 'to'", f'write {action.word} "{arg.value}"')
    return None


def _comment_after(action: nodes.Action, sources: Mapping[str, str]) -> tuple[Pos, str] | None:
    """Where and what `#word` a missing target turned into a comment, if that happened."""
    source = sources.get(action.pos.file)
    lines = lines_of(source) if source is not None else []
    if not 0 < action.pos.line <= len(lines):
        return None
    after = action.pos.column - 1 + len(action.word)
    rest = lines[action.pos.line - 1][after:]
    word = rest.lstrip()
    if not word.startswith("#") or len(word) < 2:
        return None
    column = after + len(rest) - len(word) + 1
    return Pos(action.pos.file, action.pos.line, column), word.split()[0]


def _check_part(
    action: nodes.Action, arg: nodes.ActionArg, sources: Mapping[str, str]
) -> Iterator[Diagnostic]:
    if arg.kind == "priority":
        if arg.value not in PRIORITIES:
            near = suggest(arg.value, PRIORITIES)
            hint = f"did you mean '{near}'?" if near else "priorities are " + ", ".join(PRIORITIES)
            yield error(arg.value_pos, f"unknown priority '{arg.value}'", hint)
        return
    if not arg.value.strip() and arg.kind in ("to", "text", "template"):
        yield error(
            arg.value_pos,
            f"the {'target' if arg.kind == 'to' else arg.kind} of '{action.word}' cannot be empty",
        )
    if arg.kind == "message" or (arg.kind == "text" and action.word == "reply"):
        for name, offset in placeholders(arg.value):
            typo = field_typo(name)
            if typo is not None:
                at = _in_string(arg.value_pos, offset, sources)
                yield error(at, f"unknown field '{name}'", f"did you mean '{typo}'?")


def _in_string(quote: Pos, offset: int, sources: Mapping[str, str]) -> Pos:
    """Where the character at `offset` of the value of the string written at `quote` is written."""
    source = sources.get(quote.file)
    lines = lines_of(source) if source is not None else []
    written = _STRING.match(lines[quote.line - 1], quote.column - 1) if 0 < quote.line <= len(lines) else None
    shift = written_offset(written.group(), offset) if written else 1 + offset
    return Pos(quote.file, quote.line, quote.column + shift)
