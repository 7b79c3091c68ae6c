"""The report as one self-contained HTML page (`--format html`).

The page has no script, no link and no font or image from elsewhere: its
charts are inline SVG, its style is inline CSS, so it opens with no network
and with scripts off. Everything from the events or the playbooks (rule
names, handles, types, platforms, the title) goes through Jinja's
autoescaping.
"""

from __future__ import annotations

from functools import lru_cache

from jinja2 import Template
from markupsafe import Markup

from playbook.measure import charts
from playbook.measure.figures import Figures
from playbook.measure.pages import environment
from playbook.report.text import period


@lru_cache(maxsize=1)
def _template() -> Template:
    return environment("playbook.report").get_template("report.html.j2")


def page(figures: Figures, title: str) -> str:
    """The whole page."""
    drawn = [
        ("per_day", charts.per_day(figures) if figures.by_day else None),
        ("spread", charts.spread(figures) if figures.items else None),
        ("heat_map", charts.heat_map(figures) if figures.items else None),
        ("platforms", charts.platforms(figures) if figures.by_platform else None),
        ("rules", charts.rules(figures) if figures.rules else None),
    ]
    return _template().render(
        title=title,
        period=period(figures),
        figures=figures,
        charts=[(name, Markup(svg)) for name, svg in drawn if svg is not None],
    )
