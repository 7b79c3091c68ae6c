"""`playbook diff OLD NEW --events FILE`: the command line of a diff (SPEC sections 5 and 9).

Exit codes: 0 when nothing differs, 1 when something does, 2 when a playbook
is invalid (its diagnostics printed as `check` prints them) or on a usage
error (no such path, no such revision, events that cannot be read).
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import IO, TYPE_CHECKING, Any

if TYPE_CHECKING:
    from playbook.compiler.ruleset import RuleSet

EXIT_SAME = 0
EXIT_DIFFERENT = 1
EXIT_UNUSABLE = 2

DESCRIPTION = """\
Show what an edit of the playbooks would change, on real traffic, before it goes
live. OLD and NEW each run over the same events in an engine of their own,
exactly as dry-run runs them; nothing is sent anywhere. Their actions are paired
by rule, action, target and event, and every pair that differs is shown:

  added    an action NEW takes and OLD does not
  removed  an action OLD takes and NEW does not
  moved    the same action at another time (NEW's time; 'was' is OLD's)
  changed  the same action at the same time with other params
"""

EPILOG = """\
examples:
  playbook diff git:HEAD playbooks/ --events last-week.jsonl
      what the edits to playbooks/ that are not committed yet would change
  playbook diff git:main playbooks/care.play --events last-week.jsonl --until 2026-11-28T00:00:00Z
      care.play against its version on the branch main, with the deadlines due
      by the 28th fired at the end
  playbook diff before/ playbooks/ --events last-week.jsonl
      against a copy of the playbooks kept in before/
  playbook diff git:HEAD~1 playbooks/ --events last-week.jsonl --format jsonl | grep '"added"'
      one JSON object per difference, for tools

what it prints (text): a line per rule that differs, then a table:

  Escalate: 1 added, 1 moved (earlier by 1h, median)
  Thank: 1 changed
  the same in both: 0 actions

  change   time                  rule      action    target      event  details
  moved    2026-11-20T05:34:25Z  Escalate  escalate  care-leads  m005   was 2026-11-20T06:34:25Z (1h earlier)
  changed  2026-11-20T05:40:02Z  Thank     reply                 m006   text: Thank you! (was Thanks!)
  added    2026-11-20T06:50:02Z  Escalate  escalate  care-leads  m007

A rule is known by its name, and an unnamed rule by its text, so an unnamed rule
moved to another line is the same rule; it is shown under its NEW name. A renamed
rule is another rule: its actions are removed, and added under the new name.
A rule promoted from shadow (or put in shadow) takes the same actions, so they do
not differ; its line says so: 'Thank (promoted from shadow): no action differs'.
The differences are in order of time (NEW's for moved); at the same time, removed,
changed, moved, then added; then in the order the actions happened. With
--format jsonl the lines per rule go to stderr; the events read and the lines
skipped always do.

git:REV is NEW's path at revision REV of the git repository it is in (git:HEAD,
git:main, git:HEAD~3, a commit id): a file or a folder, read with git archive.

exit codes: 0 nothing differs, 1 something differs, 2 an invalid playbook (shown
as check shows it) or wrong use of the command, 130 stopped by Ctrl-C
"""


def add_parser(commands: Any, time_arg: Callable[[str], int]) -> None:
    """Add `diff` to the subcommands `commands`; `time_arg` reads `--until`."""
    diff = commands.add_parser(
        "diff",
        help="show what an edit of the playbooks would change on a file of events",
        description=DESCRIPTION,
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    diff.add_argument(
        "old",
        metavar="OLD",
        help="the playbooks before the edit: a .play file, a folder of them, or git:REV",
    )
    diff.add_argument("new", metavar="NEW", help="the playbooks after the edit: a .play file or a folder")
    diff.add_argument(
        "--events",
        required=True,
        metavar="FILE",
        help="events, one JSON object per line; '-' reads standard input",
    )
    diff.add_argument(
        "--format",
        choices=("text", "jsonl"),
        default="text",
        help="text: a line per rule and a table (default); jsonl: one JSON object per difference",
    )
    diff.add_argument(
        "--until",
        metavar="TIME",
        type=time_arg,
        help="at the end, move both clocks to TIME (ISO-8601 with a zone) and fire what is due by then",
    )


def run_diff(parser: argparse.ArgumentParser, args: argparse.Namespace) -> int:
    """`playbook diff`; the exit code."""
    from playbook.diff import report
    from playbook.diff.run import diff_events

    loaded = _load_both(args.old, args.new)
    if isinstance(loaded, int):
        return loaded
    old, new = loaded
    with _events(parser, args.events) as stream:
        result = diff_events(old, new, stream, until=args.until)
    lines = report.rule_lines(result)
    if args.format == "jsonl":
        out = sys.stdout.buffer
        for difference in result.differences:
            out.write(report.jsonl(difference))
        out.flush()
        sys.stderr.write(lines)
    else:
        sys.stdout.write(lines)
        if result.differences:
            sys.stdout.write("\n")
            sys.stdout.writelines(report.table(result.differences))
        sys.stdout.flush()
    source = "standard input" if args.events == "-" else args.events
    sys.stderr.write(report.summary(result, source))
    return EXIT_DIFFERENT if result.differences else EXIT_SAME


def _load_both(old: str, new: str) -> tuple[RuleSet, RuleSet] | int:
    """Both rule sets, NEW's warnings printed; or the exit code after printing why not."""
    from playbook.diff.revision import RevisionError, is_revision, load_revision
    from playbook.language.diagnostics import PlaybookError, render_all, summarize
    from playbook.loader import PlaybookPathError, load_ruleset

    loaded: list[RuleSet] = []
    for which, path in (("OLD", old), ("NEW", new)):
        try:
            if which == "OLD" and is_revision(path):
                if not os.path.exists(new):
                    continue  # NEW's path is missing: that is the problem, and said below
                loaded.append(load_revision(path, new))
            else:
                loaded.append(load_ruleset([path]))
        except (PlaybookPathError, RevisionError) as exc:
            print(f"playbook diff: error: {which}: {exc}", file=sys.stderr)
        except PlaybookError as exc:
            print(render_all(exc.diagnostics, exc.sources), file=sys.stderr)
            print(f"{which} ({path}): {summarize(exc.diagnostics)}", file=sys.stderr)
    if len(loaded) < 2:
        return EXIT_UNUSABLE
    before, after = loaded
    if after.warnings:
        print(render_all(after.warnings, after.sources), file=sys.stderr)
    return before, after


@contextmanager
def _events(parser: argparse.ArgumentParser, name: str) -> Iterator[IO[bytes]]:
    """The events file; with a progress bar on stderr when a person watches it there."""
    if name == "-":
        yield sys.stdin.buffer
        return
    try:
        stream = open(name, "rb")
    except OSError as exc:
        parser.error(f"cannot read events from '{name}': {exc.strerror}")
    if not sys.stderr.isatty():
        with stream:
            yield stream
        return
    stream.close()
    from rich.console import Console
    from rich.progress import open as open_with_progress

    with open_with_progress(
        name, "rb", description="events", transient=True, console=Console(stderr=True)
    ) as watched:
        yield watched
