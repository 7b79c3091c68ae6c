"""AST → playbook text, for explanations: `author.followers >= 10000`."""

from __future__ import annotations

from playbook.language import nodes


def literal_text(value: nodes.Value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    return str(value)


def _list_text(items: nodes.Name | tuple[nodes.Literal, ...]) -> str:
    if isinstance(items, nodes.Name):
        return items.name
    return "(" + ", ".join(literal_text(lit.value) for lit in items) + ")"


def condition_text(node: nodes.Condition) -> str:
    """The condition as a manager would write it, with parentheses where needed."""
    match node:
        case nodes.Or(operands=operands):
            return " or ".join(condition_text(c) for c in operands)
        case nodes.And(operands=operands):
            return " and ".join(
                f"({condition_text(c)})" if isinstance(c, nodes.Or) else condition_text(c) for c in operands
            )
        case nodes.Not(operand=operand):
            inner = condition_text(operand)
            return f"not ({inner})" if isinstance(operand, (nodes.And, nodes.Or)) else f"not {inner}"
        case nodes.Compare(field=fld, op=op, value=value):
            return f"{fld.path} {op} {literal_text(value.value)}"
        case nodes.Contains(field=fld, phrase=phrase):
            return f"{fld.path} contains {literal_text(phrase.value)}"
        case nodes.ContainsAny(field=fld, phrases=phrases):
            return f"{fld.path} contains any {_list_text(phrases)}"
        case nodes.ContainsAll(field=fld, phrases=phrases):
            return f"{fld.path} contains all {_list_text(phrases)}"
        case nodes.Matches(field=fld, pattern=pattern, flags=flags):
            return f"{fld.path} matches /{pattern.replace('/', chr(92) + '/')}/{flags}"
        case nodes.In(field=fld, values=values):
            return f"{fld.path} in {_list_text(values)}"
        case nodes.Exists(field=fld):
            return f"{fld.path} exists"
        case nodes.Word(name=name):
            return name
        case nodes.Is(word=word, category=category, negated=negated):
            return f"{word.name} is {'not ' if negated else ''}{category.name}"
        case nodes.IsMarked(word=word, mark=mark, negated=negated):
            return f"{word.name} is {'not ' if negated else ''}marked {literal_text(mark.value)}"
        case nodes.Unanswered(duration=duration, during=during):
            return f"unanswered {duration.text}" + (f" during {during.name}" if during else "")
        case nodes.During(schedule=schedule):
            return f"during {schedule.name}"
        case nodes.AtLeast(count=count, duration=duration, per=per):
            return f"at least {_times(count)} within {duration.text}" + (f" per {per.path}" if per else "")
    raise TypeError(f"cannot write {type(node).__name__}")


def _times(count: int) -> str:
    return "1 time" if count == 1 else f"{count} times"


def limit_text(limit: nodes.Limit) -> str:
    count = "once" if limit.count == 1 else str(limit.count)
    per = f" per {limit.per.path}" if limit.per else ""
    return f"at most {count}{per} per {limit.duration.text}"


def repeat_text(repeat: nodes.Repeat) -> str:
    return f"repeat every {repeat.every.text} up to {_times(repeat.times)}"


def mark_text(mark: nodes.Mark) -> str:
    """`mark author "do-not-contact" for 365d`, `unmark thread "escalated"`."""
    text = f"{mark.word} {mark.subject.name} {literal_text(mark.name.value)}"
    return text + (f" for {mark.duration.text}" if mark.duration is not None else "")


def action_text(action: nodes.Action | nodes.Mark) -> str:
    if isinstance(action, nodes.Mark):
        return mark_text(action)
    parts = [action.word]
    for arg in action.args:
        if arg.kind == "to":
            parts.append(f"to {literal_text(arg.value)}")
        elif arg.kind == "text":
            parts.append(literal_text(arg.value))
        elif arg.kind == "priority":
            parts.append(f"priority {arg.value}")
        elif arg.kind == "message":
            parts.append(f"message {literal_text(arg.value)}")
        else:
            parts.append(f"with template {literal_text(arg.value)}")
    return " ".join(parts)


def rule_text(rule: nodes.Rule) -> str:
    """The rule in one canonical line (no name, no comments, one space between words):
    what identifies an unnamed rule across edits of its file."""
    actions = ", ".join(action_text(a) for a in rule.actions)
    options = [limit_text(limit) for limit in rule.limits] + [repeat_text(r) for r in rule.repeats]
    return f"when {condition_text(rule.condition)} then {actions}" + "".join(" " + o for o in options)
