"""Records are frozen where mypy looks and compare, hash and order by their fields where the code runs."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from playbook.diagnostics import Pos
from playbook.nodes import Field, Name

SRC = Path(__file__).resolve().parent.parent / "src"


def test_records_compare_and_hash_by_their_fields() -> None:
    a, b = Name("vip", Pos("p.play", 1, 2)), Name("vip", Pos("p.play", 1, 2))
    assert a == b and hash(a) == hash(b) and len({a, b}) == 1
    assert a != Name("vip", Pos("p.play", 1, 3))
    assert a != Field("vip", Pos("p.play", 1, 2)), "records of two kinds are never equal"


def test_positions_order_by_file_line_and_column() -> None:
    assert sorted([Pos("b", 1, 1), Pos("a", 2, 1), Pos("a", 1, 9)]) == [Pos("a", 1, 9), Pos("a", 2, 1), Pos("b", 1, 1)]


def test_mypy_refuses_changing_a_record() -> None:
    code = (
        "from playbook.diagnostics import Pos\n"
        "from playbook.nodes import Name\n"
        "name = Name('vip', Pos('p.play', 1, 2))\n"
        "name.name = 'spam'\n"
        "name.pos.line = 3\n"
    )
    result = subprocess.run([sys.executable, "-m", "mypy", "--strict", "--no-incremental", "-c", code],
                            capture_output=True, text=True, cwd=SRC)
    assert result.returncode == 1, result.stdout
    assert '<string>:4: error: Property "name" defined in "Name" is read-only' in result.stdout
    assert '<string>:5: error: Property "line" defined in "Pos" is read-only' in result.stdout
