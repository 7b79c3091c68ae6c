"""The daemon's configuration file (SPEC section 7): read, filled in from the
environment, checked, with a message naming whatever is wrong."""

from __future__ import annotations

import os
import re
from collections.abc import Hashable
from dataclasses import dataclass, field
from typing import Any

import yaml

from playbook.language.durations import parse_duration
from playbook.language.fields import suggest
from playbook.language.timestamps import MICROS
from playbook.language.vocabulary import ACTION_WORDS

DEFAULT_LISTEN = "127.0.0.1:8787"
DEFAULT_MAX_BYTES = 1024 * 1024
DEFAULT_MAX_AHEAD = "1h"
DEFAULT_REQUEST_TIMEOUT = "10s"
TOP_KEYS = (
    "playbooks",
    "brand",
    "state",
    "lateness",
    "max_ahead",
    "dead_letter",
    "listen",
    "request_timeout",
    "sources",
    "sinks",
    "guard",
)
SOURCE_KEYS = {"file": ("type", "path"), "http": ("type", "token", "secret", "max_bytes"), "stdin": ("type",)}
SINK_KEYS = {
    "stdout": ("type", "shadow"),
    "file": ("type", "path", "shadow"),
    "webhook": ("type", "url", "secret", "shadow"),
}
GUARD_KEYS = ("actions", "max", "within")
_VARIABLE = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")


class ConfigError(Exception):
    """The configuration cannot be used; the message says where and why."""


@dataclass(frozen=True, slots=True)
class Source:
    """Where events come from: `file` (followed), `http` (POST /events) or `stdin`."""

    type: str
    path: str | None = None
    token: str | None = None
    secret: str | None = None
    max_bytes: int = DEFAULT_MAX_BYTES

    @property
    def name(self) -> str:
        return f"file:{self.path}" if self.type == "file" else self.type


@dataclass(frozen=True, slots=True)
class Sink:
    """Where action records go: `stdout`, a JSONL `file`, or a `webhook`; a
    `shadow` sink takes the records of shadow rules, and no other sink does."""

    type: str
    path: str | None = None
    url: str | None = None
    secret: str | None = None
    shadow: bool = False

    @property
    def name(self) -> str:
        if self.type == "file":
            return f"file:{self.path}"
        if self.type == "webhook":
            return f"webhook:{self.url}"
        return self.type


@dataclass(frozen=True, slots=True)
class GuardSettings:
    """`guard: {actions, max, within}` (SPEC section 9): a live rule whose records of
    `actions` within `within` (microseconds) would number more than `max` is
    paused; `max` 0 turns the guard off."""

    actions: tuple[str, ...] = ("reply", "hide")
    max: int = 20
    within: int = 600 * MICROS

    @property
    def on(self) -> bool:
        return self.max > 0


@dataclass(slots=True)
class Config:
    """A checked configuration; paths are absolute."""

    path: str
    playbooks: str
    brand: list[str]
    state: str
    lateness: int
    max_ahead: int | None
    dead_letter: str
    host: str
    port: int
    request_timeout: float
    sources: list[Source] = field(default_factory=list)
    sinks: list[Sink] = field(default_factory=list)
    guard: GuardSettings = GuardSettings()


class _DuplicateKey(yaml.YAMLError):
    def __init__(self, key: Any, line: int, first: int) -> None:
        super().__init__(f"'{key}' is given twice (first on line {first}); keep one")
        self.line = line


class _StrictLoader(yaml.SafeLoader):
    """Safe YAML that refuses a key given twice in one mapping, where PyYAML keeps the last."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: dict[Any, int] = {}
        for key_node, _ in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge":
                continue
            key = self.construct_object(key_node, deep=True)
            line = key_node.start_mark.line + 1
            if isinstance(key, Hashable):
                if key in seen:
                    raise _DuplicateKey(key, line, seen[key])
                seen[key] = line
        return super().construct_mapping(node, deep=deep)


def _expand(value: Any, where: str) -> Any:
    """`${NAME}` in every text replaced by the environment variable NAME."""
    if isinstance(value, str):

        def variable(match: re.Match[str]) -> str:
            name = match.group(1)
            if name not in os.environ:
                raise ConfigError(f"{where}: environment variable {name} is not set")
            return os.environ[name]

        return _VARIABLE.sub(variable, value)
    if isinstance(value, list):
        return [_expand(item, f"{where}[{i}]") for i, item in enumerate(value)]
    if isinstance(value, dict):
        return {key: _expand(item, f"{where}.{key}" if where else str(key)) for key, item in value.items()}
    return value


def _keys(mapping: dict[str, Any], allowed: tuple[str, ...], where: str) -> None:
    for key in mapping:
        if key not in allowed:
            close = suggest(str(key), allowed)
            hint = f" (did you mean '{close}'?)" if close else f" (known keys: {', '.join(allowed)})"
            raise ConfigError(f"{where}unknown key '{key}'{hint}")


def _text(mapping: dict[str, Any], key: str, where: str, required: bool = False) -> str | None:
    value = mapping.get(key)
    if value is None:
        if required:
            raise ConfigError(f"{where}'{key}' is required")
        return None
    if not isinstance(value, str) or not value:
        raise ConfigError(f"{where}'{key}' must be a non-empty text, not {value!r}")
    return value


def _secret(mapping: dict[str, Any], key: str, where: str) -> str | None:
    """A token or secret; empty (an unset `${NAME}`, say) is none."""
    value = mapping.get(key)
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        quoted = f' (write it in quotes: "{value}")' if isinstance(value, int | float) else ""
        raise ConfigError(f"{where}'{key}' must be a text, not {value!r}{quoted}")
    return value


def _duration(data: dict[str, Any], key: str, default: str, prefix: str) -> int:
    """A duration in microseconds."""
    text = str(data.get(key, default))
    if text in ("0", "0s"):
        return 0
    try:
        return parse_duration(text) * MICROS
    except ValueError:
        raise ConfigError(f"{prefix}'{key}' must be a duration like 30s or 2m, not {text!r}") from None


def load_config(path: str) -> Config:
    """Read and check a configuration file; ConfigError names what is wrong."""
    try:
        with open(path, encoding="utf-8") as handle:
            raw = yaml.load(handle, Loader=_StrictLoader)  # a SafeLoader, refusing duplicate keys
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read the configuration: {exc.strerror}") from None
    except _DuplicateKey as exc:
        raise ConfigError(f"{path}:{exc.line}: {exc}") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = f":{mark.line + 1}" if mark else ""
        raise ConfigError(f"{path}{line}: not valid YAML: {getattr(exc, 'problem', exc)}") from None
    if not isinstance(raw, dict):
        raise ConfigError(f"{path}: the configuration must be a mapping of keys to values")
    prefix = f"{path}: "
    _keys(raw, TOP_KEYS, prefix)
    data = _expand(raw, "")
    folder = os.path.dirname(os.path.abspath(path))

    def where_is(value: str) -> str:
        return os.path.normpath(os.path.join(folder, os.path.expanduser(value)))

    playbooks = where_is(_text(data, "playbooks", prefix) or "playbooks")
    if not os.path.exists(playbooks):
        raise ConfigError(f"{prefix}'playbooks': no such file or folder: {playbooks}")
    brand = data.get("brand", [])
    if isinstance(brand, str):
        brand = [brand]
    if not isinstance(brand, list) or not all(isinstance(h, str) and h for h in brand):
        raise ConfigError(f"{prefix}'brand' must be a list of handles, like [\"@acme\"]")
    lateness = _duration(data, "lateness", "0s", prefix)
    # YAML reads a bare `off` as false.
    off = data.get("max_ahead", DEFAULT_MAX_AHEAD) in (False, "off")
    max_ahead = None if off else _duration(data, "max_ahead", DEFAULT_MAX_AHEAD, prefix)
    request_timeout = _duration(data, "request_timeout", DEFAULT_REQUEST_TIMEOUT, prefix) / MICROS
    if request_timeout < 1:
        raise ConfigError(f"{prefix}'request_timeout' must be at least 1s")
    listen = _text(data, "listen", prefix) or DEFAULT_LISTEN
    host, _, port_text = listen.rpartition(":")
    if host.startswith("[") and host.endswith("]"):
        host = host[1:-1]  # an IPv6 address, as in "[::1]:8787"
    if not host or not port_text.isdigit() or not 0 <= int(port_text) < 65536:
        raise ConfigError(f"{prefix}'listen' must be HOST:PORT, like \"127.0.0.1:8787\", not {listen!r}")
    config = Config(
        path=os.path.abspath(path),
        playbooks=playbooks,
        brand=brand,
        state=where_is(_text(data, "state", prefix) or ".playbook/state.db"),
        lateness=lateness,
        max_ahead=max_ahead,
        dead_letter=where_is(_text(data, "dead_letter", prefix) or ".playbook/dead-letter.jsonl"),
        host=host,
        port=int(port_text),
        request_timeout=request_timeout,
    )
    config.sources = _sources(data.get("sources"), prefix, where_is)
    config.sinks = _sinks(data.get("sinks", [{"type": "stdout"}]), prefix, where_is)
    config.guard = _guard(data.get("guard", {}), prefix)
    written = [("state", config.state), ("dead_letter", config.dead_letter)]
    written += [(f"sinks[{i}].path", s.path) for i, s in enumerate(config.sinks) if s.path]
    for key, file in written:
        _writable(file, f"{prefix}'{key}': ")
    return config


def _writable(file: str, where: str) -> None:
    """Create the folder of a file Playbook writes; ConfigError when it cannot be created or written in."""
    folder = os.path.dirname(file)
    try:
        os.makedirs(folder, exist_ok=True)
    except OSError as exc:
        raise ConfigError(f"{where}cannot create the folder {folder}: {exc.strerror}") from None
    target = file if os.path.exists(file) else folder
    if not os.access(target, os.W_OK):
        raise ConfigError(f"{where}cannot write to {target}: permission denied or a read-only file system")


def _entries(
    value: Any, key: str, kinds: dict[str, tuple[str, ...]], prefix: str
) -> list[tuple[str, dict[str, Any]]]:
    if not isinstance(value, list) or not value:
        raise ConfigError(f"{prefix}'{key}' must be a list with at least one entry")
    out = []
    for index, entry in enumerate(value):
        where = f"{prefix}{key}[{index}]: "
        if not isinstance(entry, dict):
            raise ConfigError(f"{where}each entry must be a mapping like {{type: ...}}")
        kind = entry.get("type")
        if kind not in kinds:
            raise ConfigError(f"{where}'type' must be one of {', '.join(kinds)}, not {kind!r}")
        _keys(entry, kinds[kind], where)
        out.append((where, entry))
    return out


def _sources(value: Any, prefix: str, where_is: Any) -> list[Source]:
    if value is None:
        raise ConfigError(f"{prefix}'sources' is required: where the events come from")
    sources = []
    for where, entry in _entries(value, "sources", SOURCE_KEYS, prefix):
        kind = entry["type"]
        if kind == "file":
            sources.append(Source("file", path=where_is(_text(entry, "path", where, required=True))))
        elif kind == "http":
            token = _secret(entry, "token", where)
            secret = _secret(entry, "secret", where)
            if token is None and secret is None:
                raise ConfigError(f"{where}an http source needs a 'token' or a 'secret' (or both)")
            max_bytes = entry.get("max_bytes", DEFAULT_MAX_BYTES)
            if not isinstance(max_bytes, int) or isinstance(max_bytes, bool) or max_bytes <= 0:
                raise ConfigError(f"{where}'max_bytes' must be a positive whole number, not {max_bytes!r}")
            sources.append(Source("http", token=token, secret=secret, max_bytes=max_bytes))
        else:
            sources.append(Source("stdin"))
    names = [s.name for s in sources]
    for name in names:
        if names.count(name) > 1:
            raise ConfigError(f"{prefix}'sources' lists {name} twice")
    return sources


def _sinks(value: Any, prefix: str, where_is: Any) -> list[Sink]:
    sinks = []
    for where, entry in _entries(value, "sinks", SINK_KEYS, prefix):
        kind = entry["type"]
        shadow = _flag(entry, "shadow", where)
        if kind == "file":
            path = where_is(_text(entry, "path", where, required=True))
            sinks.append(Sink("file", path=path, shadow=shadow))
        elif kind == "webhook":
            url = _text(entry, "url", where, required=True)
            assert url is not None
            if not url.startswith(("http://", "https://")):
                raise ConfigError(f"{where}'url' must start with http:// or https://, not {url!r}")
            sinks.append(Sink("webhook", url=url, secret=_secret(entry, "secret", where), shadow=shadow))
        else:
            sinks.append(Sink("stdout", shadow=shadow))
    names = [s.name for s in sinks]
    for name in names:
        if names.count(name) > 1:
            raise ConfigError(f"{prefix}'sinks' lists {name} twice")
    return sinks


def _flag(mapping: dict[str, Any], key: str, where: str) -> bool:
    value = mapping.get(key, False)
    if not isinstance(value, bool):
        raise ConfigError(f"{where}'{key}' must be true or false, not {value!r}")
    return value


def _guard(value: Any, prefix: str) -> GuardSettings:
    """`guard:`, each key defaulting to `GuardSettings`'s."""
    where = f"{prefix}guard: "
    if not isinstance(value, dict):
        raise ConfigError(f"{where}must be a mapping like {{actions: [reply, hide], max: 20, within: 10m}}")
    _keys(value, GUARD_KEYS, where)
    default = GuardSettings()
    actions = value.get("actions", list(default.actions))
    if isinstance(actions, str):
        actions = [actions]
    if not isinstance(actions, list) or not actions or not all(isinstance(a, str) for a in actions):
        raise ConfigError(f"{where}'actions' must be a list of action words, like [reply, hide]")
    for action in actions:
        if action not in ACTION_WORDS:
            close = suggest(action, ACTION_WORDS)
            hint = f"did you mean '{close}'?" if close else f"actions are {', '.join(ACTION_WORDS)}"
            raise ConfigError(f"{where}'actions': unknown action '{action}' ({hint})")
    most = value.get("max", default.max)
    if not isinstance(most, int) or isinstance(most, bool) or most < 0:
        raise ConfigError(f"{where}'max' must be a whole number, 0 to turn the guard off, not {most!r}")
    within = _duration(value, "within", "10m", where)
    if within <= 0:
        raise ConfigError(f"{where}'within' must be longer than zero")
    return GuardSettings(tuple(dict.fromkeys(actions)), most, within)
