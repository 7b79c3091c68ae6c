"""The daemon's configuration file (SPEC section 7): read, filled in from the
environment, checked, with a message naming whatever is wrong."""

from __future__ import annotations

import os
import re
from collections.abc import Hashable
from dataclasses import dataclass, field, replace
from hashlib import blake2b
from typing import Any
from urllib.parse import urlsplit

import yaml

from playbook.compiler.actions import ActionRecord
from playbook.daemon.mapping import FeedMap, MapError, parse_map
from playbook.daemon.redact import display_url, secret_parts
from playbook.daemon.routing import EVERY_RECORD, Match, MatchError, parse_match
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
_MAPPED = ("map", "each")
SOURCE_KEYS = {
    "file": ("type", "path", *_MAPPED),
    "http": ("type", "token", "secret", "max_bytes", *_MAPPED),
    "stdin": ("type", *_MAPPED),
}
_EVERY_SINK = ("type", "name", "match", "shadow")
SINK_KEYS = {
    "stdout": _EVERY_SINK,
    "file": (*_EVERY_SINK, "path"),
    "webhook": (*_EVERY_SINK, "url", "secret"),
    "slack": (*_EVERY_SINK, "url", "digest"),
    "email": (
        *_EVERY_SINK,
        *("host", "port", "starttls", "ssl", "username", "password", "from", "to", "digest"),
    ),
}
# The sinks that can gather records into one message (SPEC section 11).
DIGEST_SINKS = ("slack", "email")
# The port of an SMTP server by how it is reached: SSL from the start, STARTTLS, or plain.
SMTP_PORTS = {"ssl": 465, "starttls": 587, "plain": 25}
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
    map: FeedMap | None = None

    @property
    def name(self) -> str:
        return f"file:{self.path}" if self.type == "file" else self.type


@dataclass(frozen=True, slots=True)
class MailServer:
    """How an `email` sink reaches its SMTP server, and whom it writes to."""

    host: str
    port: int
    starttls: bool
    ssl: bool
    username: str | None
    password: str | None
    sender: str
    to: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Sink:
    """Where action records go: `stdout`, a JSONL `file`, a `webhook`, `slack` or `email`.

    `name` is what people see of it (logs, metrics, `/healthz`): its own `name:`, or
    its type and path, URL cut after the host, or recipients; never a secret. `key`
    names its rows in the outbox: it stays the same while the sink's `name:`, or
    else its destination, does. A `shadow` sink takes the records of shadow rules, and no other sink does.
    A `slack` or `email` sink with a `digest` (seconds of wall-clock time) sends the
    records it takes within that long of the first as one message.
    """

    type: str
    name: str
    key: str
    path: str | None = None
    url: str | None = None
    secret: str | None = None
    mail: MailServer | None = None
    match: Match = EVERY_RECORD
    shadow: bool = False
    digest: float | None = None

    def takes(self, record: ActionRecord) -> bool:
        """Whether this sink takes `record`: its `match`, and shadow records only for a
        `shadow: true` sink, which takes no other (SPEC sections 9 and 11)."""
        return self.shadow == record.shadow and self.match.matches(record)


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

    @property
    def secrets(self) -> list[str]:
        """Every token, secret, password and URL of the configuration, and the parts of
        each URL after its host: what must never be shown."""
        found: list[str] = []
        for source in self.sources:
            found += [s for s in (source.token, source.secret) if s]
        for sink in self.sinks:
            found += [s for s in (sink.secret, sink.mail.password if sink.mail else None) if s]
            if sink.url:
                found += secret_parts(sink.url)
        return found


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
    """A token, secret or password; empty (an unset `${NAME}`, say) is none. The
    message for a wrong one says what it is, never what it holds."""
    value = mapping.get(key)
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        quoted = " (write it in quotes)" if isinstance(value, int | float) else ""
        raise ConfigError(f"{where}'{key}' must be a text, not {_kind(value)}{quoted}")
    return value


def _kind(value: Any) -> str:
    if isinstance(value, bool):
        return "true or false"
    if isinstance(value, int | float):
        return "a number"
    return "a list" if isinstance(value, list) else "a mapping" if isinstance(value, dict) else "that"


def _flag(mapping: dict[str, Any], key: str, where: str) -> bool:
    value = mapping.get(key, False)
    if not isinstance(value, bool):
        raise ConfigError(f"{where}'{key}' must be true or false, not {value!r}")
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
    try:
        data = _expand(raw, "")
    except ConfigError as exc:
        raise ConfigError(f"{prefix}{exc}") from None
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
        feed_map = _feed_map(entry, where)
        if kind == "file":
            path = where_is(_text(entry, "path", where, required=True))
            sources.append(Source("file", path=path, map=feed_map))
        elif kind == "http":
            token = _secret(entry, "token", where)
            secret = _secret(entry, "secret", where)
            if token is None and secret is None:
                raise ConfigError(f"{where}an http source needs a 'token' or a 'secret' (or both)")
            max_bytes = entry.get("max_bytes", DEFAULT_MAX_BYTES)
            if not isinstance(max_bytes, int) or isinstance(max_bytes, bool) or max_bytes <= 0:
                raise ConfigError(f"{where}'max_bytes' must be a positive whole number, not {max_bytes!r}")
            sources.append(Source("http", token=token, secret=secret, max_bytes=max_bytes, map=feed_map))
        else:
            sources.append(Source("stdin", map=feed_map))
    names = [s.name for s in sources]
    for name in names:
        if names.count(name) > 1:
            raise ConfigError(f"{prefix}'sources' lists {name} twice")
    return sources


def _feed_map(entry: dict[str, Any], where: str) -> FeedMap | None:
    if "map" not in entry:
        if "each" in entry:
            raise ConfigError(f"{where}'each' needs a 'map' to apply to each item")
        return None
    try:
        return parse_map(entry["map"], entry.get("each"))
    except MapError as exc:
        raise ConfigError(f"{where}{exc}") from None


def _sinks(value: Any, prefix: str, where_is: Any) -> list[Sink]:
    if isinstance(value, list):
        for index, entry in enumerate(value):
            if isinstance(entry, dict) and "digest" in entry and entry.get("type") not in DIGEST_SINKS:
                raise ConfigError(
                    f"{prefix}sinks[{index}]: 'digest' is for slack and email sinks, which people read; "
                    f"a {entry.get('type')} sink takes each record as it comes"
                )
    sinks = []
    for where, entry in _entries(value, "sinks", SINK_KEYS, prefix):
        kind = entry["type"]
        match = EVERY_RECORD
        if "match" in entry:
            try:
                match = parse_match(entry["match"])
            except MatchError as exc:
                raise ConfigError(f"{where}{exc}") from None
        label = _text(entry, "name", where)
        if kind == "file":
            path = where_is(_text(entry, "path", where, required=True))
            sink = Sink("file", f"file:{path}", f"file:{path}", path=path, match=match)
        elif kind in ("webhook", "slack"):
            url = _url(entry, where)
            secret = _secret(entry, "secret", where) if kind == "webhook" else None
            sink = Sink(kind, f"{kind}:{display_url(url)}", f"{kind}:{_digest(url)}", url=url, secret=secret)
            sink = replace(sink, match=match)
        elif kind == "email":
            mail = _mail_server(entry, where)
            destination = f"{mail.host}:{mail.port}:{mail.sender}:{','.join(mail.to)}"
            sink = Sink("email", f"email:{','.join(mail.to)}", f"email:{_digest(destination)}", mail=mail)
            sink = replace(sink, match=match)
        else:
            sink = Sink("stdout", "stdout", "stdout", match=match)
        if label is not None:
            sink = replace(sink, name=f"{kind}:{label}", key=f"{kind}:name:{label}")
        sinks.append(replace(sink, shadow=_flag(entry, "shadow", where), digest=_digest_window(entry, where)))
    _unique(sinks, prefix)
    return sinks


def _digest_window(entry: dict[str, Any], where: str) -> float | None:
    """`digest: D` in seconds; None without one."""
    if "digest" not in entry:
        return None
    value = entry["digest"]
    try:
        seconds = parse_duration(str(value)) if isinstance(value, str) else -1
    except ValueError:
        seconds = -1
    if seconds <= 0:
        raise ConfigError(
            f"{where}'digest' must be a duration longer than zero, like 10m or 1h, not {value!r}"
        )
    return float(seconds)


def _unique(sinks: list[Sink], prefix: str) -> None:
    """ConfigError when two sinks deliver to one place; two that only look alike to people
    (two webhooks on one host) are told apart by a number."""
    keys = [s.key for s in sinks]
    names = [s.name for s in sinks]
    for index, sink in enumerate(sinks):
        if keys.count(sink.key) > 1:
            what = f"the name '{sink.name}'" if ":name:" in sink.key else sink.name
            raise ConfigError(f"{prefix}'sinks' lists {what} twice")
        earlier = names[:index].count(sink.name)
        if earlier:
            sinks[index] = replace(sink, name=f"{sink.name} ({earlier + 1})")


def _digest(text: str) -> str:
    """A short, stable stand-in for a destination whose text may hold a secret."""
    return blake2b(text.encode(), digest_size=8).hexdigest()


def _url(entry: dict[str, Any], where: str) -> str:
    url = _secret(entry, "url", where)  # a webhook's URL is often its secret: never shown
    if url is None:
        raise ConfigError(f"{where}'url' is required")
    parsed = urlsplit(url)
    if parsed.scheme not in ("http", "https") or not parsed.hostname:
        raise ConfigError(f"{where}'url' must be an http:// or https:// address with a host")
    return url


def _mail_server(entry: dict[str, Any], where: str) -> MailServer:
    host = _text(entry, "host", where, required=True)
    sender = _text(entry, "from", where, required=True)
    assert host is not None and sender is not None
    starttls, ssl = _flag(entry, "starttls", where), _flag(entry, "ssl", where)
    if starttls and ssl:
        raise ConfigError(f"{where}'starttls' and 'ssl' are two ways to encrypt: set one of them")
    port = entry.get("port", SMTP_PORTS["ssl" if ssl else "starttls" if starttls else "plain"])
    if not isinstance(port, int) or isinstance(port, bool) or not 0 < port < 65536:
        raise ConfigError(f"{where}'port' must be a port number, like 587, not {port!r}")
    to = entry.get("to")
    if isinstance(to, str):
        to = [to]
    if not isinstance(to, list) or not to or not all(isinstance(a, str) and _address(a) for a in to):
        raise ConfigError(
            f"{where}'to' must be a list of e-mail addresses, like [\"care-leads@example.com\"]"
        )
    if not _address(sender):
        raise ConfigError(
            f"{where}'from' must be an e-mail address, like \"playbook@example.com\", not {sender!r}"
        )
    username, password = _secret(entry, "username", where), _secret(entry, "password", where)
    if (username is None) != (password is None):
        raise ConfigError(f"{where}'username' and 'password' go together: give both, or neither")
    if password is not None and not (starttls or ssl or _loopback(host)):
        raise ConfigError(
            f"{where}the password would cross the network unencrypted: set 'starttls: true' "
            "(or 'ssl: true' if the server takes SSL from the start)"
        )
    return MailServer(host, port, starttls, ssl, username, password, sender, tuple(to))


def _address(text: str) -> bool:
    name, at, domain = text.rpartition("@")
    return bool(name and at and domain and not any(c.isspace() for c in text))


def _loopback(host: str) -> bool:
    return host == "localhost" or host.startswith("127.") or host == "::1"


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
