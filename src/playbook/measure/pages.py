"""The Jinja set-up of the HTML pages that show figures: the report (`--format html`)
and the daemon's status page.

Autoescaping is on, so everything from the events or the playbooks (rule
names, handles, types, platforms, titles) is shown as text. `figures.html.j2`
holds what both pages show alike: the style, the figure cards, the charts,
the tables by type and by platform.
"""

from __future__ import annotations

from jinja2 import ChoiceLoader, Environment, PackageLoader, StrictUndefined

from playbook.measure.display import duration, percent


def environment(package: str) -> Environment:
    """Jinja for the templates of `package`, which may import "figures.html.j2"."""
    environment = Environment(
        loader=ChoiceLoader([PackageLoader(package, "."), PackageLoader("playbook.measure", ".")]),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    environment.filters["duration"] = duration
    environment.filters["percent"] = percent
    return environment
