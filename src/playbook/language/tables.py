"""The quick parser's tables, kept on disk so that loading a playbook needs no Lark.

Building them means importing Lark and loading the grammar into it, about 60 ms
of every fresh `playbook check`. So the first load on a machine builds them and
writes them, with marshal, to `$XDG_CACHE_HOME/playbook/` (by default
`~/.cache/playbook/`); later loads read them back in about a millisecond.

Kept tables are used only by the code and for the grammar they were made
with: the file holds the grammar's text and a checksum of `lalr.py`, which
makes and reads them, so an edited grammar or parser builds new ones. Its name
carries the Python version, since marshal's format may change between
versions. A folder that cannot be written costs speed, never correctness: the
tables are then built in memory on every load.
"""

from __future__ import annotations

import marshal
import os
import sys
import zlib
from collections.abc import Callable

from playbook.language import lalr
from playbook.language.lalr import Tables


def _maker_checksum() -> int | None:
    """A checksum of `lalr.py`; None if its text cannot be read."""
    try:
        with open(lalr.__file__, "rb") as file:
            return zlib.crc32(file.read())
    except (OSError, TypeError):
        return None


def cache_file(grammar: str) -> str | None:
    """Where the tables of `grammar` are kept; None when there is nowhere to keep them."""
    return _cache_file(grammar, _maker_checksum())


def _cache_file(grammar: str, maker: int | None) -> str | None:
    base = os.environ.get("XDG_CACHE_HOME", "")
    if not os.path.isabs(base):  # unset, or relative, which the XDG spec says to ignore
        base = os.path.join(os.path.expanduser("~"), ".cache")
        if not os.path.isabs(base):
            return None
    if maker is None:
        return None
    key = zlib.crc32(grammar.encode("utf-8"), maker)
    version = f"{sys.version_info[0]}{sys.version_info[1]}"
    return os.path.join(base, "playbook", f"grammar-{key:08x}-py{version}.tables")


def load_tables(grammar: str, build: Callable[[], Tables]) -> Tables:
    """The tables of `grammar`: read back from disk, or made by `build` and written for the next load."""
    made_by = _maker_checksum()
    path = _cache_file(grammar, made_by)
    if path is None:
        return build()
    try:
        with open(path, "rb") as file:
            stored = marshal.load(file)
        if isinstance(stored, dict) and stored.get("grammar") == grammar and stored.get("maker") == made_by:
            return stored["tables"]  # type: ignore[no-any-return]
    except (OSError, EOFError, ValueError, TypeError):
        pass
    tables = build()
    _write(path, {"grammar": grammar, "maker": made_by, "tables": tables})
    return tables


def _write(path: str, data: dict[str, object]) -> None:
    # Written aside and renamed into place, so a reader never sees half a file
    # even when several processes build the tables at once.
    partial = f"{path}.{os.getpid()}.partial"
    try:
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(partial, "wb") as file:
            marshal.dump(data, file)
        os.replace(partial, path)
    except OSError:
        try:
            os.remove(partial)
        except OSError:
            pass
