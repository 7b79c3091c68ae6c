"""A deterministic, realistic social stream for benchmarks (SPEC section 1 events).

Mentions, comments, direct messages and reviews from a Zipf-like pool of
authors with log-normal follower counts, on a daily rhythm with bursts; brand
replies in their threads after log-normal delays (some never come); texts of
complaints, praise and questions naming products from a catalogue, with
hashtags and emoji. The same seed and size give the same bytes.

    python -m bench.generate --events 100000 --seed 7 > stream.jsonl
"""

from __future__ import annotations

import argparse
import bisect
import heapq
import math
import random
import sys
from collections.abc import Iterator
from datetime import UTC, datetime
from itertools import accumulate
from typing import Any, BinaryIO

import orjson

START = int(datetime(2026, 11, 2, tzinfo=UTC).timestamp())
BRAND = ("@acme", "@acme_help")
PLATFORMS = ("twitter", "instagram", "facebook", "tiktok")
ADJECTIVES = ("smart", "mini", "pro", "max", "lite", "ultra", "air", "go", "neo", "prime")
NOUNS = ("widget", "buds", "hub", "lamp", "kettle", "speaker", "camera", "watch", "router", "charger")


def catalogue(size: int) -> list[str]:
    """`size` distinct product names: "acme smart widget 3", ..."""
    names = []
    n = 0
    while len(names) < size:
        adjective = ADJECTIVES[n % len(ADJECTIVES)]
        noun = NOUNS[(n // len(ADJECTIVES)) % len(NOUNS)]
        series = n // (len(ADJECTIVES) * len(NOUNS))
        names.append(f"acme {adjective} {noun}" + (f" {series + 1}" if series else ""))
        n += 1
    return names


COMPLAINTS = (
    "my {p} arrived broken",
    "the {p} stopped working after two days",
    "still waiting for a refund on my {p}",
    "worst support ever, {p} keeps crashing",
    "{p} won't turn on, this is a joke",
    "never buying a {p} again",
)
PRAISE = (
    "I love my new {p}",
    "thanks for the quick fix on the {p}!",
    "the {p} is amazing",
    "best purchase this year: {p}",
    "awesome service, {p} works great",
)
QUESTIONS = (
    "does the {p} work with android?",
    "when is the {p} back in stock?",
    "how do I reset my {p}?",
    "is there a discount on the {p}?",
)
CHATTER = (
    "just saw an ad for the {p}",
    "thinking about getting a {p}",
    "anyone tried the {p}",
    "{p} unboxing tonight",
)
# What the brand's replies say.
REPLY_TEXT = "Sorry to hear that, we're on it"
TAGS = ("#acme", "#acmefail", "#gadgets", "#unboxing", "#techsupport", "")
EMOJI = ("", "", " 😡", " 😍", " 🙏", " 🔥", " 🤔")


class Stream:
    """Generates events in time order."""

    def __init__(self, seed: int, products: int = 200, authors: int = 20000) -> None:
        self.rng = random.Random(seed)
        self.products = catalogue(products)
        rng = self.rng
        self.authors = [
            {
                "id": f"u{i}",
                "handle": f"@user{i}",
                "followers": int(rng.lognormvariate(5.5, 2.0)),
                "verified": rng.random() < 0.01,
            }
            for i in range(authors)
        ]
        weights = [1 / (rank + 1) ** 1.1 for rank in range(authors)]
        self.cumulative = list(accumulate(weights))
        self.replies: list[tuple[float, int, dict[str, Any]]] = []
        self.seq = 0

    def _author(self) -> dict[str, Any]:
        index = bisect.bisect_left(self.cumulative, self.rng.random() * self.cumulative[-1])
        return self.authors[min(index, len(self.authors) - 1)]

    def _rate(self, t: float) -> float:
        """Events per second: a daily rhythm, quiet at night, with bursts."""
        hour = (t - START) / 3600 % 24
        daily = 0.25 + 0.75 * math.exp(-(((hour - 15) / 5) ** 2))
        burst = 6.0 if int((t - START) // 1800) % 37 == 5 else 1.0
        return 2.0 * daily * burst

    def _text(self, kind: str) -> str:
        rng = self.rng
        pool = {"complaint": COMPLAINTS, "praise": PRAISE, "question": QUESTIONS}.get(kind, CHATTER)
        product = self.products[min(int(rng.paretovariate(1.2)) - 1, len(self.products) - 1)]
        return (rng.choice(pool).format(p=product) + " " + rng.choice(TAGS)).strip() + rng.choice(EMOJI)

    def events(self, count: int) -> Iterator[dict[str, Any]]:
        rng = self.rng
        t = float(START)
        produced = 0
        while produced < count:
            t += rng.expovariate(self._rate(t))
            while self.replies and self.replies[0][0] <= t and produced < count:
                yield heapq.heappop(self.replies)[2]
                produced += 1
            if produced >= count:
                break
            yield self._item(t)
            produced += 1

    def _item(self, t: float) -> dict[str, Any]:
        rng = self.rng
        self.seq += 1
        kind = rng.choices(("complaint", "praise", "question", "chatter"), (0.3, 0.2, 0.2, 0.3))[0]
        event_type = rng.choices(("mention", "comment", "message", "review"), (0.7, 0.15, 0.1, 0.05))[0]
        event: dict[str, Any] = {
            "id": f"e{self.seq}",
            "type": event_type,
            "time": _stamp(t),
            "author": self._author(),
            "text": self._text(kind),
            "platform": "reviews" if event_type == "review" else rng.choice(PLATFORMS),
        }
        if rng.random() < 0.6:
            event["labels"] = [kind] if kind != "chatter" else []
        if event_type == "review":
            event["rating"] = {"complaint": 1, "praise": 5, "question": 3}.get(kind, 4)
        if event_type == "message":
            event["thread"] = f"dm-{event['author']['id']}"
        if rng.random() < 0.75:
            delay = rng.lognormvariate(math.log(1800), 1.3)
            self.seq += 1
            reply = {
                "id": f"e{self.seq}",
                "type": "reply",
                "time": _stamp(t + delay),
                "author": {"handle": rng.choice(BRAND)},
                "text": REPLY_TEXT,
                "in_reply_to": event["id"],
                "platform": event["platform"],
            }
            heapq.heappush(self.replies, (t + delay, self.seq, reply))
        return event


def _stamp(t: float) -> str:
    return datetime.fromtimestamp(int(t), UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def write(out: BinaryIO, count: int, seed: int) -> None:
    dumps = orjson.dumps
    for event in Stream(seed).events(count):
        out.write(dumps(event) + b"\n")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--events", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    write(sys.stdout.buffer, args.events, args.seed)


if __name__ == "__main__":
    main()
