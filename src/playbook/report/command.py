"""`playbook report` as a command: its options made into a plan, the events
read (with a progress bar for someone watching), the report written."""

from __future__ import annotations

import io
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import replace
from typing import IO

import orjson

from playbook.compiler.ruleset import RuleSet
from playbook.language.durations import parse_duration
from playbook.language.fields import suggest
from playbook.measure.figures import Figures, Sla, promised
from playbook.report.run import ReportPlan, ReportResult, run_report


class ReportUsageError(Exception):
    """An option of `playbook report` that cannot be used (exit 2)."""


def make_plan(
    ruleset: RuleSet | None, brand: Sequence[str], slas: Sequence[str], schedule: str | None
) -> ReportPlan:
    """The plan for a report over the playbooks `ruleset` (or none) and the command's options."""
    handles = frozenset(h.strip().casefold() for h in brand if h.strip())
    if ruleset is not None:
        handles |= ruleset.brand
    if not handles:
        raise ReportUsageError(
            "no brand handles: a report needs to know the brand's own accounts to tell answers "
            "from questions (give --brand @yourbrand, or playbooks with a 'brand' statement)"
        )
    plan = ReportPlan(ruleset, handles, _slas(ruleset, slas))
    if schedule is None:
        return plan
    # Response times in the schedule's open time, as `unanswered D during NAME` counts them,
    # and the hours table in its zone (SPEC section 10).
    schedules = ruleset.schedules if ruleset is not None else {}
    if schedule not in schedules:
        where = "the playbooks given" if ruleset is not None else "any playbook (none was given)"
        close = suggest(schedule, schedules)
        hint = f" (did you mean '{close}'?)" if close else ""
        raise ReportUsageError(f"--schedule {schedule}: there is no schedule '{schedule}' in {where}{hint}")
    chosen = schedules[schedule]
    return replace(plan, response_time=chosen.open_time_between, zone=chosen.zone)


def _slas(ruleset: RuleSet | None, given: Sequence[str]) -> tuple[Sla, ...]:
    """The service levels given, else every `unanswered` duration of the rules, else 1h."""
    if given:
        slas = []
        for text in given:
            try:
                seconds = parse_duration(text)
            except ValueError:
                raise ReportUsageError(
                    f"--sla {text}: not a duration (write it like 30m, 2h, 1h30m or '90 minutes')"
                ) from None
            if seconds <= 0:
                raise ReportUsageError(f"--sla {text}: a service level must be longer than zero")
            slas.append(Sla(seconds, text.strip()))
        return tuple(slas)
    return promised(ruleset.rules if ruleset is not None else ())


def make_report(plan: ReportPlan, events: str, until: int | None, fmt: str, output: str | None) -> None:
    """Run the plan over the events file `events` and write the report in `fmt` to `output`
    (None: stdout); the summary goes to stderr. ReportUsageError when a file cannot be used."""
    try:
        # The report shows itself only at the end, so a bar on a terminal is in no one's way.
        with open_events(events, progress=sys.stderr.isatty()) as stream:
            result = run_report(plan, stream, until=until)
    except OSError as exc:
        raise ReportUsageError(f"cannot read events from '{events}': {exc.strerror}") from None
    ruleset = plan.ruleset
    title = ruleset.titles[0] if ruleset is not None and ruleset.titles else "Playbook"
    report = render(result.figures, fmt, title)
    print(summary(result), end="", file=sys.stderr)
    if output is None:
        sys.stdout.buffer.write(report)
        sys.stdout.flush()
        return
    try:
        with open(output, "wb") as out:
            out.write(report)
    except OSError as exc:
        raise ReportUsageError(f"cannot write the report to '{output}': {exc.strerror}") from None


@contextmanager
def open_events(name: str, progress: bool) -> Iterator[IO[bytes]]:
    """The events file (`-`: standard input); with `progress`, a bar on stderr shows how far
    through the file the report is. OSError when it cannot be read."""
    if name == "-":
        yield sys.stdin.buffer
        return
    if not progress:
        with open(name, "rb") as stream:
            yield stream
        return
    open(name, "rb").close()  # the error, if any, before a bar is drawn
    from rich.console import Console
    from rich.progress import open as open_with_progress

    with open_with_progress(
        name, "rb", description="events", transient=True, console=Console(stderr=True)
    ) as watched:
        yield watched


def render(figures: Figures, fmt: str, title: str) -> bytes:
    """The report in `fmt` (text, json or html)."""
    if fmt == "json":
        return orjson.dumps(figures.to_json()) + b"\n"
    if fmt == "html":
        from playbook.report.page import page

        return page(figures, title).encode("utf-8")
    from playbook.report.text import write_text

    buffer = io.StringIO()
    write_text(figures, title, buffer)
    return buffer.getvalue().encode("utf-8")


def summary(result: ReportResult) -> str:
    """For stderr: events read, lines skipped and why, items that waited past the horizon."""
    skipped = len(result.skipped)
    lines = [f"events: {result.figures.events} read, {skipped} {'line' if skipped == 1 else 'lines'} skipped"]
    lines.extend(f"  line {line.line}: {line.reason}" for line in result.skipped)
    if result.forgotten:
        lines.append(
            f"items: {result.forgotten} waited longer than the engine keeps threads, "
            "and count as not answered"
        )
    return "\n".join(lines) + "\n"
