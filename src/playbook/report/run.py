"""The report's one pass: the engine runs the rules over the events exactly as
`dry-run` would, and a tally counts items and answers beside it."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from playbook.compiler.gcpause import cycle_collection_paused
from playbook.compiler.ruleset import RuleSet
from playbook.language.events import SkippedLine, read_events
from playbook.measure.figures import Figures, RuleFigures, Sla, figures
from playbook.measure.items import ResponseTime, elapsed
from playbook.measure.tally import Tally
from playbook.runtime.engine import Engine


@dataclass(frozen=True)
class ReportPlan:
    """What to run and measure: the rule set (None: no playbooks, no `rules` figures),
    the brand's handles (case-folded), the service levels, how response time is counted,
    and the zone of the hours table (None: UTC)."""

    ruleset: RuleSet | None
    brand: frozenset[str]
    slas: tuple[Sla, ...]
    response_time: ResponseTime = elapsed
    zone: ZoneInfo | None = None


@dataclass
class ReportResult:
    """The figures, and the lines that were not events."""

    figures: Figures
    skipped: list[SkippedLine] = field(default_factory=list)
    forgotten: int = 0


def run_report(plan: ReportPlan, lines: Iterable[bytes | str], until: int | None = None) -> ReportResult:
    """Run the plan over JSON Lines `lines`; at the end the clock moves to `until`
    (microseconds) when given, firing what is due by then, as in a dry run."""
    ruleset = plan.ruleset or RuleSet(rules=(), brand=plan.brand, sources={})
    engine = Engine(ruleset)
    threads = engine.threads
    tally = Tally(plan.brand - ruleset.brand, threads, threads.lifetime, plan.response_time)
    skipped: list[SkippedLine] = []
    process, take = engine.process, tally.take
    with cycle_collection_paused():
        for item in read_events(lines):
            if isinstance(item, SkippedLine):
                skipped.append(item)
                continue
            process(item)
            take(item)
        if until is not None:
            engine.advance(until)
    rules = None
    if plan.ruleset is not None and plan.ruleset.rules:
        rules = {}
        for rule in plan.ruleset.rules:
            stats = engine.stats[rule.key]
            rules[rule.name] = RuleFigures(stats.fired, stats.actions, stats.suppressed)
    return ReportResult(figures(tally, plan.slas, until, rules, plan.zone), skipped, tally.forgotten)
