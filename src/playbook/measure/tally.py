"""Every answer of a stream, kept for the report's figures (SPEC section 10).

Memory stays bounded on any stream: an answered item leaves 20 bytes behind
(its response time and the codes of its type, platform and quarter of an
hour, in arrays that the figures sort at the end), and an item still waiting
is kept at most twice the horizon of the engine's thread links (`Items`).
"""

from __future__ import annotations

from array import array

from playbook.language.timestamps import MICROS
from playbook.measure.items import Items, ResponseTime, elapsed
from playbook.runtime.threads import ThreadIndex

# Every time zone's offset is a whole number of quarters of an hour.
QUARTER = 900 * MICROS


class Tally(Items):
    """Items, answers and response times of a stream, taken event by event.

    Items are counted by quarter of an hour (UTC), which any time zone's
    hours and days are made of.
    """

    def __init__(
        self,
        extra_brand: frozenset[str],
        threads: ThreadIndex,
        horizon: int,
        response_time: ResponseTime = elapsed,
    ) -> None:
        super().__init__(extra_brand, threads, horizon, response_time)
        self.quarter_items: dict[int, int] = {}
        # One entry per answered item, in the order they were answered.
        self.answer_times = array("q")
        self.answer_types = array("I")
        self.answer_platforms = array("I")
        self.answer_quarters = array("i")

    def _counted(self, time: int, type_code: int, platform_code: int) -> None:
        quarter = time // QUARTER
        quarters = self.quarter_items
        quarters[quarter] = quarters.get(quarter, 0) + 1

    def _answered(self, item_time: int, response: int, type_code: int, platform_code: int) -> None:
        self.answer_times.append(response)
        self.answer_types.append(type_code)
        self.answer_platforms.append(platform_code)
        self.answer_quarters.append(item_time // QUARTER)
