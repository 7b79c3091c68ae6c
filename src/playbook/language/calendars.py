"""Time zones (IANA, through `zoneinfo` and the `tzdata` package) and public holidays
(the `holidays` package), as schedules name them.

Both are imported only for a rule set that has schedules, and `holidays`
(which reads every country's calendar at once) only for one that names holidays.
"""

from __future__ import annotations

import difflib
import re
from datetime import date
from functools import cache
from typing import TYPE_CHECKING, Any

from playbook.language.hours import HoursError

if TYPE_CHECKING:
    from zoneinfo import ZoneInfo

# Years the holidays package is asked about: dates outside them have no holidays.
HOLIDAY_YEARS = range(1, 10000)
_CODE = re.compile(r"([A-Za-z]{2,3})(?:-(.+))?")


@cache
def zone_names() -> frozenset[str]:
    """Every IANA time-zone name (those of the `tzdata` package, and any more this machine has)."""
    from zoneinfo import available_timezones

    return frozenset(available_timezones())


def zone(name: str) -> ZoneInfo:
    """The time zone `name`; HoursError, with the nearest names, if there is none.

    A name is known when the `tzdata` package has it, so a playbook means the
    same on every machine, whatever time zones the system has besides."""
    if _in_tzdata(name):
        from zoneinfo import ZoneInfo

        return ZoneInfo(name)
    raise HoursError(f"unknown time zone '{name}'", _zone_hint(name))


def _in_tzdata(name: str) -> bool:
    from importlib.resources import files

    parts = name.split("/")
    if not name or any(part in ("", ".", "..") or part.startswith("_") for part in parts):
        return False
    found = files("tzdata").joinpath("zoneinfo", *parts)
    if not found.is_file():
        return False
    with found.open("rb") as data:  # a zone, not one of the tables beside them
        return data.read(4) == b"TZif"


def _zone_hint(name: str) -> str:
    names = sorted(zone_names())
    folded = {n.casefold(): n for n in names}
    near = folded.get(name.casefold().strip())
    if near is None:
        # "London" is the last part of "Europe/London".
        by_city = {n.rsplit("/", 1)[-1].casefold(): n for n in names if "/" in n}
        near = by_city.get(name.casefold().replace(" ", "_"))
    if near is None:
        found = difflib.get_close_matches(name, names, n=1, cutoff=0.75)
        near = found[0] if found else None
    if near is not None:
        return f"did you mean '{near}'?"
    return 'use an IANA time-zone name such as "Europe/London", "America/New_York" or "UTC"'


def _holidays() -> Any:
    import holidays

    return holidays


@cache
def _countries() -> dict[str, str]:
    """Every country code the holidays package knows (ISO alpha-2, alpha-3 and its
    aliases, such as UK), by the alpha-2 code it stands for."""
    found: dict[str, str] = {}
    for entry in _holidays().registry.COUNTRIES.values():
        codes = [code for code in entry[1:] if 2 <= len(code) <= 3 and code.isupper()]
        for code in codes:
            found.setdefault(code, codes[0])
    return found


@cache
def _country_names() -> dict[str, str]:
    """Country names as the holidays package spells them (`united kingdom`), by alpha-2 code."""
    return {
        module.replace("_", " "): entry[1]
        for module, entry in _holidays().registry.COUNTRIES.items()
        if len(entry) > 1
    }


def holiday_calendar(code: str) -> tuple[str, str | None]:
    """The country and subdivision of `"CC"` or `"CC-SUB"` (`"GB-ENG"`, `"US-CA"`);
    HoursError, with the nearest codes, if the holidays package knows none."""
    match = _CODE.fullmatch(code)
    country, subdivision = (match.group(1), match.group(2)) if match else (code, None)
    countries = _countries()
    if match is None or country not in countries:
        raise HoursError(f"unknown holiday country '{country}'", _country_hint(country))
    if subdivision is not None:
        codes, aliases = subdivisions(country)
        known = list(codes) + list(aliases)
        if subdivision not in known:
            raise HoursError(
                f"unknown subdivision '{subdivision}' of '{country}' for holidays",
                _subdivision_hint(country, subdivision, list(codes), known),
            )
    return country, subdivision


@cache
def subdivisions(country: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The subdivision codes of a country the holidays package knows, and their aliases
    (`"Scotland"` for `SCT`).

    The package reads all its 250 countries' calendars when any one is asked for
    (its `holidays.countries` package imports them all, some 160 ms), which would
    double what `playbook check` takes; checking needs a few codes, so the module
    of the one country is read alone. Anything unexpected falls back to the
    package's own way.
    """
    try:
        entity = _country_alone(country)
    except Exception:  # the package laid out otherwise than this expects
        entity = getattr(_holidays(), country)
    return tuple(entity.subdivisions), tuple(getattr(entity, "subdivisions_aliases", {}))


def _country_alone(country: str) -> Any:
    """The holidays class of `country`, its module run alone, without its siblings."""
    import importlib.util
    from pathlib import Path

    holidays = _holidays()
    module, entry = next((m, e) for m, e in holidays.registry.COUNTRIES.items() if country in e[1:])
    path = Path(holidays.__file__).parent / "countries" / f"{module}.py"
    spec = importlib.util.spec_from_file_location(f"holidays.countries.{module}", path)
    assert spec is not None and spec.loader is not None
    loaded = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(loaded)
    return getattr(loaded, entry[0])


def _country_hint(written: str) -> str:
    countries = _countries()
    upper = written.upper()
    if upper in countries:
        return f"country codes are written in capitals: '{upper}'"
    by_name = _country_names().get(written.casefold().strip())
    if by_name is not None:
        return f"its code is '{by_name}'"
    regions = _regions_named(upper)
    if regions:
        return "did you mean " + " or ".join(f"'{region}'" for region in regions[:3]) + "?"
    # One letter away, those keeping the first letter first.
    near = sorted(
        (code[0] != upper[0], code)
        for code in countries
        if len(code) == len(upper) and sum(a != b for a, b in zip(code, upper)) == 1
    )
    if near:
        return "the nearest codes are " + ", ".join(f"'{code}'" for _, code in near[:4])
    return "use the country's two-letter code, such as 'GB', 'US' or 'DE'"


def _regions_named(written: str) -> list[str]:
    """`CC-SUB` for each subdivision whose code is `written` or starts with it (England, `EN`:
    `GB-ENG`): a region written where its country goes."""
    if len(written) < 2:
        return []
    found: list[str] = []
    for entry in _holidays().registry.COUNTRIES.values():
        if len(entry) < 2:
            continue
        entity = getattr(_holidays(), entry[1])
        found.extend(f"{entry[1]}-{code}" for code in entity.subdivisions if code.startswith(written))
    return sorted(found, key=lambda region: (region.split("-", 1)[1] != written, region))


def _subdivision_hint(country: str, written: str, codes: list[str], known: list[str]) -> str:
    folded = {k.casefold(): k for k in known}
    near = folded.get(written.casefold()) or next(
        iter(difflib.get_close_matches(written, known, 1, 0.6)), None
    )
    if near is not None:
        return f"did you mean '{country}-{near}'?"
    shown = ", ".join(codes[:12]) + (", ..." if len(codes) > 12 else "")
    return f"'{country}' has {shown}" if codes else f"'{country}' has no subdivisions: write '{country}'"


def holidays_in(country: str, subdivision: str | None, year: int) -> frozenset[date]:
    """The public holidays of `country` (and `subdivision`) in `year`, observed and
    substitute days included, as the holidays package lists them by default."""
    if year not in HOLIDAY_YEARS:
        return frozenset()
    try:
        found = _holidays().country_holidays(country, subdiv=subdivision, years=year)
    except (ValueError, OverflowError):  # a year the package cannot compute
        return frozenset()
    return frozenset(day for day in found if day.year == year)
