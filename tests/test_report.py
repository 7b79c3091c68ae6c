"""`playbook report` (SPEC section 10): every figure of the JSON pinned on small
streams written out in full, then the command itself in subprocesses."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import orjson
import pytest
from helpers import ruleset_from

from playbook.dryrun.run import dry_run
from playbook.language.timestamps import MICROS, format_time, parse_time
from playbook.loader import load_ruleset
from playbook.report.command import make_plan, summary
from playbook.report.run import ReportResult, run_report

ROOT = Path(__file__).resolve().parent.parent
KEYS = [
    "from",
    "to",
    "events",
    "items",
    "answered",
    "unanswered",
    "response",
    "within",
    "by_type",
    "by_platform",
    "hours",
]
BRAND = {"handle": "@acme"}


def at(minutes: float) -> str:
    """The time `minutes` after Friday 2026-11-20 09:00 UTC."""
    return format_time(parse_time("2026-11-20T09:00:00Z") + round(minutes * 60 * MICROS))


def mention(id_: str, minutes: float, **fields: Any) -> dict[str, Any]:
    return {"id": id_, "type": "mention", "time": at(minutes), "author": {"handle": "@jane"}, **fields}


def reply(id_: str, minutes: float, to: str, **fields: Any) -> dict[str, Any]:
    """The brand's reply to the event `to`."""
    return {"id": id_, "type": "reply", "time": at(minutes), "in_reply_to": to, "author": BRAND, **fields}


def run(
    events: list[dict[str, Any]],
    playbook: str | None = None,
    brand: tuple[str, ...] = ("@acme",),
    slas: tuple[str, ...] = ("1h",),
    until: str | None = None,
) -> ReportResult:
    plan = make_plan(ruleset_from(playbook) if playbook else None, brand, slas, None)
    lines = [orjson.dumps(e) for e in events]
    return run_report(plan, lines, parse_time(until) if until else None)


def report(events: list[dict[str, Any]], **options: Any) -> dict[str, Any]:
    """The JSON object of a report over `events`."""
    return run(events, **options).figures.to_json()


def answered_after(*minutes: float) -> list[dict[str, Any]]:
    """One mention per response time, each answered by the brand that many minutes later."""
    events = []
    for n, wait in enumerate(minutes):
        events.append(mention(f"m{n}", n))
        events.append(reply(f"r{n}", n + wait, f"m{n}"))
    return sorted(events, key=lambda e: parse_time(e["time"]))


# --- the response figures ---


def test_the_median_of_an_odd_count_is_the_middle_one() -> None:
    figures = report(answered_after(1, 2, 10))
    assert figures["response"] == {"median": 120, "p90": 600, "mean": 260.0}


def test_the_median_of_an_even_count_is_the_mean_of_the_two_middle_ones() -> None:
    figures = report(answered_after(1, 2, 5, 15))
    assert figures["response"] == {"median": 210, "p90": 900, "mean": 345.0}
    assert report(answered_after(1, 121 / 60))["response"]["median"] == 90.5


@pytest.mark.parametrize(
    ("count", "rank"),
    [(1, 1), (9, 9), (10, 9), (11, 10), (19, 18), (20, 18), (21, 19)],
)
def test_p90_is_the_nearest_rank(count: int, rank: int) -> None:
    """The ⌈0.9·n⌉-th smallest, never a value between two (10 items: the 9th, not 9.1)."""
    figures = report(answered_after(*range(1, count + 1)))
    assert figures["response"]["p90"] == rank * 60


def test_the_mean_is_rounded_half_up_to_one_decimal() -> None:
    # Answered after 0 s and 0.5 s: a mean of 0.25 s.
    figures = report(answered_after(0, 0.5 / 60))
    assert figures["response"] == {"median": 0.25, "p90": 0.5, "mean": 0.3}


def test_an_answer_at_the_items_own_time_answers_it_in_no_time() -> None:
    figures = report([mention("m1", 0), reply("r1", 0, "m1")])
    assert (figures["answered"], figures["response"]["median"], figures["within"]["1h"]) == (1, 0, 1.0)


def test_a_reply_stamped_before_the_item_does_not_answer_it() -> None:
    figures = report([mention("m1", 10), reply("r1", 9, "m1")])
    assert (figures["items"], figures["answered"], figures["unanswered"]) == (1, 0, 1)


def test_a_reply_in_the_thread_answers_every_item_before_it() -> None:
    """The thread is the engine's: a reply to the customer's follow-up finds the first post's thread."""
    events = [
        mention("m1", 0),
        {"id": "c1", "type": "comment", "time": at(5), "in_reply_to": "m1", "author": {"handle": "@bob"}},
        reply("r1", 20, "c1"),
    ]
    figures = report(events)
    assert figures["answered"] == 2
    assert figures["by_type"] == {
        "comment": {"items": 1, "answered": 1, "median": 900},
        "mention": {"items": 1, "answered": 1, "median": 1200},
    }


def test_a_follow_up_after_the_answer_is_a_new_item_waiting_for_its_own() -> None:
    events = [
        mention("m1", 0),
        reply("r1", 10, "m1"),
        {"id": "m2", "type": "reply", "time": at(30), "in_reply_to": "r1", "author": {"handle": "@jane"}},
    ]
    figures = report(events)
    assert (figures["items"], figures["answered"], figures["unanswered"]) == (2, 1, 1)
    answered_later = report([*events, reply("r2", 75, "m2")])
    assert answered_later["answered"] == 2
    assert answered_later["by_type"]["reply"] == {"items": 1, "answered": 1, "median": 2700}


def test_a_late_reply_answers_only_what_came_before_its_time() -> None:
    events = [mention("m1", 0), {**mention("m2", 30), "thread": "m1"}, reply("r1", 20, "m1")]
    figures = report(events)
    assert (figures["answered"], figures["response"]["median"]) == (1, 1200)


def test_handled_answers_the_item_it_names() -> None:
    events = [
        mention("m1", 0),
        {**mention("m2", 1), "in_reply_to": "m1"},
        {"id": "h1", "type": "handled", "time": at(45), "ref": "m2"},
    ]
    figures = report(events)
    assert (figures["events"], figures["items"], figures["answered"]) == (3, 2, 1)
    assert figures["response"]["median"] == 44 * 60


def test_handled_naming_the_thread_answers_all_its_items() -> None:
    events = [
        {**mention("m1", 0), "thread": "t1"},
        {**mention("m2", 10), "thread": "t1"},
        {"id": "h1", "type": "handled", "time": at(40), "ref": "t1"},
    ]
    assert report(events)["response"] == {"median": 2100, "p90": 2400, "mean": 2100.0}


def test_handled_stamped_before_the_item_answers_it_in_no_time() -> None:
    events = [mention("m1", 10), {"id": "h1", "type": "handled", "time": at(5), "ref": "m1"}]
    figures = report(events)
    assert (figures["answered"], figures["response"]["median"]) == (1, 0)


def test_handled_before_the_item_is_processed_does_not_answer_it() -> None:
    events = [{"id": "h1", "type": "handled", "time": at(0), "ref": "m1"}, mention("m1", 5)]
    assert report(events)["answered"] == 0


def test_the_brand_is_not_an_item_and_its_handles_ignore_case() -> None:
    events = [
        mention("m1", 0),
        reply("r1", 5, "m1", author={"handle": "@ACME"}),
        {"id": "p1", "type": "mention", "time": at(6), "author": {"handle": "@Acme"}},
    ]
    figures = report(events)
    assert (figures["events"], figures["items"], figures["answered"]) == (3, 1, 1)


def test_the_brand_comes_from_the_playbooks_and_from_the_option() -> None:
    events = [mention("m1", 0), reply("r1", 5, "m1"), reply("r2", 6, "m1", author={"handle": "@acme_help"})]
    from_playbook = report(events, playbook='brand "@acme_help"\n', brand=())
    assert (from_playbook["items"], from_playbook["answered"]) == (2, 2)  # @acme's reply is an item
    both = report(events, playbook='brand "@acme_help"\n', brand=("@acme",))
    assert (both["items"], both["answered"]) == (1, 1)
    assert "rules" not in both  # playbooks without rules


# --- shares, groups, hours ---


def test_within_is_the_share_of_all_items_answered_in_less_than_the_level() -> None:
    events = [*answered_after(10, 30, 45), mention("m9", 5)]
    figures = report(events, slas=("30m", "1h", "10m", "45m", "1h30m", "30m"))
    assert figures["within"] == {"10m": 0.0, "30m": 0.25, "45m": 0.5, "1h": 0.75, "1h30m": 0.75}


def test_within_is_keyed_by_each_level_as_it_was_given() -> None:
    """`--sla D` names the level to report, so `within` has D as given, from the shortest;
    the playbooks' waits, when no --sla is given, in their shortest form."""
    events = [*answered_after(10, 30, 45), mention("m9", 5)]
    figures = report(events, slas=("90m", "24h", " 45m ", "90 minutes"))
    assert list(figures["within"].items()) == [
        ("45m", 0.5),
        ("90 minutes", 0.75),
        ("90m", 0.75),
        ("24h", 0.75),
    ]
    waits = 'brand "@acme"\nwhen mention and unanswered 90 minutes then escalate\n'
    assert list(report(events, playbook=waits, slas=())["within"]) == ["1h30m"]


def test_shares_are_rounded_half_up_to_four_decimals() -> None:
    # 1 of 32 items answered within the hour: 0.03125.
    events = [*answered_after(1), *(mention(f"x{n}", 2 + n) for n in range(31))]
    assert report(events)["within"] == {"1h": 0.0313}
    thirds = [*answered_after(1, 70, 80)]
    assert report(thirds)["within"] == {"1h": 0.3333}


def test_events_without_a_platform_count_under_none() -> None:
    events = [
        mention("m1", 0, platform="twitter"),
        mention("m2", 1, platform="Twitter"),
        mention("m3", 2),
        mention("m4", 3, platform=None),
        mention("m5", 4, platform=["odd"]),
        reply("r1", 10, "m1"),
    ]
    assert report(events)["by_platform"] == {
        "none": {"items": 3, "answered": 0, "median": None},
        "twitter": {"items": 2, "answered": 1, "median": 600},
    }


def test_hours_count_items_by_weekday_from_monday_and_hour_in_utc() -> None:
    events = [
        mention("m1", 0),  # Friday 09:00
        mention("m2", 59),  # Friday 09:59
        {"id": "m3", "type": "mention", "time": "2026-11-23T23:30:00+01:00"},  # Monday 22:30 UTC
        {"id": "m4", "type": "review", "time": "2026-11-22T23:59:59Z"},  # Sunday
        reply("r1", 1, "m1"),  # the brand's posts are not items
    ]
    hours = report(events)["hours"]
    assert len(hours) == 7 and all(len(row) == 24 for row in hours)
    assert (hours[4][9], hours[0][22], hours[6][23]) == (2, 1, 1)
    assert sum(map(sum, hours)) == 4


def test_nothing_to_measure_is_null() -> None:
    nobody_answered = report([mention("m1", 0)])
    assert nobody_answered["response"] == {"median": None, "p90": None, "mean": None}
    assert nobody_answered["by_type"] == {"mention": {"items": 1, "answered": 0, "median": None}}
    assert nobody_answered["within"] == {"1h": 0.0}
    only_the_brand = report([reply("r1", 0, "m0")])
    assert (only_the_brand["events"], only_the_brand["items"], only_the_brand["within"]) == (
        1,
        0,
        {"1h": None},
    )
    nothing = report([])
    assert (nothing["from"], nothing["to"], nothing["events"], nothing["by_type"]) == (None, None, 0, {})


def test_the_period_runs_from_the_earliest_event_to_until_or_the_last() -> None:
    events = [mention("m1", 10), mention("m2", 0), mention("m3", 5)]  # m2 is late
    assert (report(events)["from"], report(events)["to"]) == (at(0), at(10))
    assert report(events, until="2026-11-21T00:00:00Z")["to"] == "2026-11-21T00:00:00Z"
    assert report(events, until=at(1))["to"] == at(10)


def test_the_keys_are_the_contract() -> None:
    figures = report(answered_after(1), playbook='brand "@acme"\nwhen mention then tag "seen"\n')
    assert list(figures) == [*KEYS, "rules"]
    assert list(report(answered_after(1))) == KEYS


# --- service levels ---


def test_service_levels_default_to_the_rules_waits_then_an_hour() -> None:
    playbook = """brand "@acme"
    when mention and unanswered 2h then escalate
    when comment and no reply within 30 minutes then escalate
    when message and unanswered for 120m then escalate
    """
    assert list(report(answered_after(1), playbook=playbook, slas=())["within"]) == ["30m", "2h"]
    assert list(report(answered_after(1), playbook='brand "@acme"\n', slas=())["within"]) == ["1h"]
    assert list(report(answered_after(1), playbook=playbook, slas=("4h",))["within"]) == ["4h"]


# --- the rules: what dry-run reports ---


def test_rules_are_what_a_dry_run_reports_for_the_same_events() -> None:
    ruleset = load_ruleset([str(ROOT / "playbooks")])
    until = parse_time("2026-11-21T00:00:00Z")
    with open(ROOT / "examples" / "events.jsonl", "rb") as lines:
        dry = dry_run(ruleset, lines, lambda record: None, until=until)
    plan = make_plan(ruleset, (), (), None)
    with open(ROOT / "examples" / "events.jsonl", "rb") as lines:
        result = run_report(plan, lines, until)
    rules = result.figures.to_json()["rules"]
    expected = {
        rule.name: {
            "fired": dry.engine.stats[rule.key].fired,
            "actions": dry.engine.stats[rule.key].actions,
            "suppressed": dry.engine.stats[rule.key].suppressed,
        }
        for rule in ruleset.rules
    }
    assert rules == expected
    assert sum(r["actions"] for r in rules.values()) == dry.actions > 0
    assert any(r["suppressed"] for r in rules.values())
    assert [line.line for line in result.skipped] == [line.line for line in dry.skipped]


def test_the_rules_run_with_the_playbooks_brand_alone_as_in_a_dry_run() -> None:
    """--brand adds handles to what counts as an answer, not to what the rules see."""
    playbook = 'brand "@acme"\nrule "Wait": when mention and unanswered 30m then escalate\n'
    events = [mention("m1", 0), reply("r1", 10, "m1", author={"handle": "@acme_help"})]
    figures = report(events, playbook=playbook, brand=("@acme_help",), until=at(60))
    assert figures["answered"] == 1
    assert figures["rules"] == {"Wait": {"fired": 1, "actions": 1, "suppressed": 0}}


# --- memory: items waiting past the horizon ---


def test_an_item_waiting_longer_than_the_engine_keeps_threads_counts_as_not_answered() -> None:
    day = 24 * 60  # minutes
    # The brand's own posts move the clock on without being items.
    keep_going = [mention(f"k{n}", n * day / 4, author=BRAND) for n in range(1, 4 * 16)]
    late_answer = [mention("m1", 0), *keep_going[: 4 * 6], reply("r1", 6 * day, "m1")]
    assert report(late_answer)["answered"] == 1
    result = run([mention("m1", 0), *keep_going, reply("r1", 16 * day, "m1")])
    assert (result.figures.answered, result.forgotten) == (0, 1)
    assert summary(result).endswith(
        "items: 1 waited longer than the engine keeps threads, and count as not answered\n"
    )


# --- the command ---


def playbook(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "playbook", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "PYTHONHASHSEED": "0"},
    )


@pytest.fixture
def events_file(tmp_path: Path) -> Path:
    path = tmp_path / "events.jsonl"
    lines = [json.dumps(e) for e in answered_after(5, 50)] + ["not json", ""]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_json_on_stdout_and_the_summary_on_stderr(events_file: Path) -> None:
    result = playbook("report", "--brand", "@acme", "--events", str(events_file), "--format", "json")
    assert result.returncode == 0, result.stderr
    figures = json.loads(result.stdout)
    assert (figures["items"], figures["answered"], figures["response"]["median"]) == (2, 2, 1650)
    assert (
        result.stderr
        == "events: 4 read, 1 line skipped\n  line 5: not valid JSON (invalid literal, expected 'null')\n"
    )


def test_the_text_report_shows_the_figures_in_tables(events_file: Path) -> None:
    result = playbook("report", "--brand", "@acme", "--events", str(events_file), "--sla", "30m")
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert out.startswith("Playbook: 2026-11-20T09:00:00Z to 2026-11-20T09:51:00Z\n")
    for line in (
        " items              2",
        " answered           2   100.0%",
        " median                    27m 30s",
        " 9 in 10 within                50m",
        " 30m                      50.0%",
        " mention       2          2   100.0%   27m 30s",
    ):
        assert line in out.splitlines(), f"{line!r} not in\n{out}"
    fri = next(line for line in out.splitlines() if line.startswith(" Fri "))
    assert fri.split()[1:] == ["·"] * 9 + ["2"] + ["·"] * 14
    assert all(line == line.rstrip() for line in out.splitlines())


def test_the_report_of_the_example_day(tmp_path: Path) -> None:
    result = playbook(
        "report",
        "playbooks",
        "--events",
        "examples/events.jsonl",
        "--format",
        "json",
        "--output",
        str(tmp_path / "r.json"),
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout == ""
    figures = json.loads((tmp_path / "r.json").read_text())
    assert (figures["events"], figures["items"], figures["answered"]) == (340, 266, 84)
    assert list(figures["within"]) == ["15m", "30m", "1h", "2h", "4h", "8h"]
    assert "Thank advocates" in figures["rules"]
    again = playbook(
        "report",
        "playbooks",
        "--events",
        "examples/events.jsonl",
        "--format",
        "json",
        "--output",
        str(tmp_path / "again.json"),
    )
    assert (
        again.returncode == 0 and (tmp_path / "again.json").read_bytes() == (tmp_path / "r.json").read_bytes()
    )


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            [],
            "playbook: error: no brand handles: a report needs to know the brand's own accounts to tell answers from questions (give --brand @yourbrand, or playbooks with a 'brand' statement)\n",
        ),
        (
            ["--brand", "@acme", "--schedule", "office"],
            "playbook: error: --schedule office: there is no schedule 'office' in any playbook (none was given)\n",
        ),
        (
            ["--brand", "@acme", "--sla", "2 fortnights"],
            "playbook: error: --sla 2 fortnights: not a duration (write it like 30m, 2h, 1h30m or '90 minutes')\n",
        ),
        (
            ["--brand", "@acme", "--sla", "0m"],
            "playbook: error: --sla 0m: a service level must be longer than zero\n",
        ),
    ],
)
def test_usage_errors_exit_2_and_say_what_to_do(events_file: Path, args: list[str], message: str) -> None:
    result = playbook("report", "--events", str(events_file), *args)
    assert (result.returncode, result.stdout, result.stderr) == (2, "", message)


def test_a_schedule_the_playbooks_do_not_have_is_named(events_file: Path) -> None:
    result = playbook("report", "playbooks", "--events", str(events_file), "--schedule", "ofice")
    assert result.returncode == 2
    assert result.stderr.endswith(
        "playbook: error: --schedule ofice: there is no schedule 'ofice' in the playbooks given "
        "(did you mean 'office'?)\n"
    )


OFFICE = """brand "@acme"
schedule office = mon-fri 09:00-17:00 in "{zone}"
when mention and unanswered 2h during office then escalate
"""


def scheduled(events: list[dict[str, Any]], zone: str = "Europe/London") -> dict[str, Any]:
    """The JSON of a report counted in the open time of OFFICE in `zone`."""
    plan = make_plan(ruleset_from(OFFICE.format(zone=zone)), ("@acme",), ("2h",), "office")
    return run_report(plan, [orjson.dumps(e) for e in events]).figures.to_json()


def test_with_a_schedule_a_wait_over_the_weekend_counts_only_open_time() -> None:
    # Friday 16:30 in London, answered Monday 09:30: 30 minutes on Friday, 30 on Monday.
    events = [mention("m1", 7 * 60 + 30), reply("r1", 3 * 24 * 60 + 30, "m1")]
    figures = scheduled(events)
    assert figures["response"] == {"median": 3600, "p90": 3600, "mean": 3600.0}
    assert figures["within"] == {"2h": 1.0}
    assert report(events, slas=("2h",))["response"]["median"] == 65 * 3600  # by the clock


def test_with_a_schedule_the_hours_table_is_in_its_zone() -> None:
    # Saturday 02:00 UTC is Friday 21:00 in New York.
    events = [mention("m1", 17 * 60)]
    assert scheduled(events, "America/New_York")["hours"][4][21] == 1
    assert report(events)["hours"][5][2] == 1


def test_files_that_cannot_be_used_are_usage_errors(events_file: Path, tmp_path: Path) -> None:
    missing = playbook("report", "--brand", "@acme", "--events", str(tmp_path / "nope.jsonl"))
    assert missing.returncode == 2
    assert "playbook: error: cannot read events from" in missing.stderr and "No such file" in missing.stderr
    unwritable = playbook(
        "report", "--brand", "@acme", "--events", str(events_file), "--output", str(tmp_path / "no" / "r.txt")
    )
    assert unwritable.returncode == 2 and "cannot write the report to" in unwritable.stderr
    no_playbooks = playbook("report", str(tmp_path / "nowhere"), "--events", str(events_file))
    assert no_playbooks.returncode == 2 and "no such file or folder" in no_playbooks.stderr
    bad_format = playbook("report", "--brand", "@acme", "--events", str(events_file), "--format", "csv")
    assert bad_format.returncode == 2 and "invalid choice: 'csv'" in bad_format.stderr


def test_invalid_playbooks_exit_1(events_file: Path, tmp_path: Path) -> None:
    (tmp_path / "bad.play").write_text("when mention then shout\n", encoding="utf-8")
    result = playbook("report", str(tmp_path / "bad.play"), "--events", str(events_file))
    assert result.returncode == 1
    assert "bad.play:1:" in result.stderr and result.stdout == ""


def test_events_from_standard_input(events_file: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "playbook", "report", "--brand", "@acme", "--events", "-", "--format", "json"],
        input=events_file.read_bytes(),
        capture_output=True,
        timeout=120,
    )
    assert result.returncode == 0 and json.loads(result.stdout)["answered"] == 2


def test_a_report_watched_on_a_terminal_shows_progress_and_the_same_report() -> None:
    import pty
    import threading

    command = [sys.executable, "-m", "playbook", "report", "playbooks", "--events", "examples/events.jsonl"]
    plain = subprocess.run(command, cwd=ROOT, capture_output=True, timeout=120)
    master, terminal = pty.openpty()
    shown = bytearray()

    def drain() -> None:
        try:
            while chunk := os.read(master, 65536):
                shown.extend(chunk)
        except OSError:
            pass

    reader = threading.Thread(target=drain, daemon=True)
    reader.start()
    watched = subprocess.run(command, cwd=ROOT, timeout=120, stdout=subprocess.PIPE, stderr=terminal)
    os.close(terminal)
    reader.join(timeout=5)
    os.close(master)
    assert watched.returncode == 0
    assert watched.stdout == plain.stdout
    assert "━".encode() in shown, "a progress bar was drawn"


def test_help_says_what_an_item_is_and_shows_examples() -> None:
    result = playbook("report", "--help")
    assert result.returncode == 0
    assert "An item is any event that is not the brand's own and not 'handled'." in result.stdout
    assert (
        "playbook report playbooks/ --events events.jsonl --format html --output report.html" in result.stdout
    )


# --- what the charts show ---


def test_days_run_from_the_first_items_to_the_last_with_empty_days_between() -> None:
    events = [mention("m1", 0), reply("r1", 10, "m1"), mention("m2", 2 * 24 * 60 + 5)]
    days = run(events).figures.by_day
    assert list(days) == ["2026-11-20", "2026-11-21", "2026-11-22"]
    assert [(g.items, g.answered, g.median) for g in days.values()] == [
        (1, 1, 600),
        (0, 0, None),
        (1, 0, None),
    ]


def test_the_spread_puts_each_answered_item_in_its_band_and_counts_the_rest() -> None:
    events = [*answered_after(4, 5, 59, 60, 60 * 30), mention("m9", 1)]
    spread = dict(run(events).figures.spread)
    assert (spread["under 5m"], spread["5–15m"], spread["30m–1h"], spread["1–2h"], spread["1–2d"]) == (
        1,
        1,
        1,
        1,
        1,
    )
    assert spread["not answered"] == 1 and sum(spread.values()) == 6


def test_the_bench_times_a_report_and_a_dry_run_of_the_desk(tmp_path: Path) -> None:
    from bench.generate import write
    from bench.report import COMMANDS, measure

    stream = tmp_path / "stream.jsonl"
    with open(stream, "wb") as out:
        write(out, 2000, seed=3)
    results = measure(stream)
    assert list(results) == list(COMMANDS)
    assert all(run.seconds > 0 and run.peak_mb > 10 for run in results.values())
