"""Nodes and positions are frozen dataclasses: they compare, hash and order by their fields, and never change."""

from __future__ import annotations

import dataclasses

import pytest

from playbook.language.diagnostics import Pos
from playbook.language.nodes import Field, Name


def test_nodes_compare_and_hash_by_their_fields() -> None:
    a, b = Name("vip", Pos("p.play", 1, 2)), Name("vip", Pos("p.play", 1, 2))
    assert a == b and hash(a) == hash(b) and len({a, b}) == 1
    assert a != Name("vip", Pos("p.play", 1, 3))
    assert a != Field("vip", Pos("p.play", 1, 2)), "nodes of two kinds are never equal"


def test_positions_order_by_file_line_and_column() -> None:
    assert sorted([Pos("b", 1, 1), Pos("a", 2, 1), Pos("a", 1, 9)]) == [
        Pos("a", 1, 9),
        Pos("a", 2, 1),
        Pos("b", 1, 1),
    ]


def test_a_node_cannot_be_changed() -> None:
    name = Name("vip", Pos("p.play", 1, 2))
    with pytest.raises(dataclasses.FrozenInstanceError):
        name.name = "spam"  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError):
        name.pos.line = 3  # type: ignore[misc]
