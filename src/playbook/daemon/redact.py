"""Keeping secrets out of what people see: sink names, logs, `/healthz`.

Webhook and Slack URLs carry their credentials in the path (Slack's
`https://hooks.slack.com/services/T…/B…/X…` is the secret itself), so a URL is
shown cut after its host. Anything else that might repeat a secret (an
exception's text, a traceback) goes through a Redactor, which knows every
secret of the configuration.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from urllib.parse import urlsplit

import orjson

HIDDEN = "…"
# A piece of a URL shorter than this is no secret (a path of "/hook").
SHORTEST_SECRET = 6
# A secret shorter than this is hidden only where it stands alone, so that a secret
# "hook" does not turn every "webhook" of the log into "web…".
SHORTEST_ANYWHERE = 8


def display_url(url: str) -> str:
    """The URL as people may see it: scheme and host, then `/…` when more follows."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    if ":" in host:
        host = f"[{host}]"
    if parts.port is not None:
        host += f":{parts.port}"
    more = parts.path not in ("", "/") or parts.query or parts.fragment or parts.username
    return f"{parts.scheme}://{host}" + (f"/{HIDDEN}" if more else "")


def secret_parts(url: str) -> list[str]:
    """The texts of a URL that must not be shown: the URL, what follows its host, and the
    user and password in it."""
    parts = urlsplit(url)
    after_host = url.split(parts.netloc, 1)[1] if parts.netloc else ""
    found = [url, after_host, parts.username or "", parts.password or ""]
    return [part for part in found if len(part.strip("/")) >= SHORTEST_SECRET]


class Redactor:
    """Replaces each secret, as written and as escaped in JSON, with `…`."""

    def __init__(self, secrets: Iterable[str]) -> None:
        forms = set()
        for secret in secrets:
            if secret:
                forms.add(secret)
                forms.add(orjson.dumps(secret).decode()[1:-1])
        # The longest first, so that a URL goes whole before the path inside it.
        patterns = [_pattern(form) for form in sorted(forms, key=len, reverse=True)]
        self.pattern = re.compile("|".join(patterns)) if patterns else None

    def __call__(self, text: str) -> str:
        return self.pattern.sub(HIDDEN, text) if self.pattern is not None else text


def _pattern(secret: str) -> str:
    if len(secret) >= SHORTEST_ANYWHERE:
        return re.escape(secret)
    return rf"(?<![\w-]){re.escape(secret)}(?![\w-])"
