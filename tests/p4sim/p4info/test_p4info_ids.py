"""IDs and aliases as p4c assigns them: controllers and recorded vectors carry
these numbers, so they must match p4c bit for bit."""

from __future__ import annotations

import pytest

from p4sim.errors import P4CompileError
from p4sim.p4info.aliases import SuffixSet
from p4sim.p4info.ids import Kind, SymbolTable, allocate_field_ids, hashed_id, jenkins_one_at_a_time


def test_hash_matches_p4c_reference_ids():
    # Values from the contract (p4c output for the P4 tutorials' programs).
    assert hashed_id(Kind.TABLE, "MyIngress.ingress_tbl") == 46478332
    assert hashed_id(Kind.ACTION, "MyIngress.drop") == 25652968
    assert hashed_id(Kind.ACTION, "NoAction") == 21257015


def test_hash_is_32_bit_one_at_a_time():
    assert jenkins_one_at_a_time(b"") == 0
    # Long inputs must wrap at 32 bits, never grow.
    assert 0 <= jenkins_one_at_a_time(b"x" * 10_000) < 2**32


def test_collision_probes_next_value_in_name_order():
    # Force a collision with an @id sitting exactly on the hash of "b".
    st = SymbolTable()
    st.add(Kind.ACTION, "b")
    st.add(Kind.ACTION, "a", explicit_id=hashed_id(Kind.ACTION, "b"))
    st.assign()
    assert st.id(Kind.ACTION, "a") == hashed_id(Kind.ACTION, "b")
    assert st.id(Kind.ACTION, "b") == hashed_id(Kind.ACTION, "b") + 1


def _colliding_pair() -> tuple[str, str]:
    seen: dict[int, str] = {}
    for i in range(200_000):
        name = f"c.t{i}"
        h = jenkins_one_at_a_time(name.encode()) & 0xFFFFFF
        if h in seen:
            return seen[h], name
        seen[h] = name
    raise AssertionError("no 24-bit collision found")


def test_natural_collision_resolved_in_strcmp_order():
    first, second = sorted(_colliding_pair(), key=str.encode)
    st = SymbolTable()
    # Declaration order must not matter: add the later name first.
    st.add(Kind.TABLE, second)
    st.add(Kind.TABLE, first)
    st.assign()
    base = hashed_id(Kind.TABLE, first)
    assert st.id(Kind.TABLE, first) == base
    assert st.id(Kind.TABLE, second) == (base & 0xFF000000) | ((base + 1) & 0xFFFFFF)


def test_explicit_id_gets_prefix_and_is_reserved_first():
    st = SymbolTable()
    st.add(Kind.TABLE, "c.t", explicit_id=5)
    st.add(Kind.TABLE, "c.u", explicit_id=0x02000006)
    st.assign()
    assert st.id(Kind.TABLE, "c.t") == 0x02000005
    assert st.id(Kind.TABLE, "c.u") == 0x02000006


def test_explicit_id_with_wrong_prefix_is_an_error():
    st = SymbolTable()
    st.add(Kind.TABLE, "c.t", explicit_id=0x01000005)
    with pytest.raises(P4CompileError, match="wrong 8-bit prefix"):
        st.assign()


def test_duplicate_explicit_id_is_an_error():
    st = SymbolTable()
    st.add(Kind.ACTION, "c.a", explicit_id=7)
    st.add(Kind.ACTION, "c.b", explicit_id=0x01000007)
    with pytest.raises(P4CompileError, match="assigned to both"):
        st.assign()


def test_aliases_are_shortest_unique_suffix_over_all_kinds():
    s = SuffixSet()
    for name in ["CIngress.acc1.acc_t", "CIngress.acc2.acc_t", "CIngress.classify", "NoAction",
                 "ingress.on_miss", "egress.on_miss", "a.b.c", "b.c"]:
        s.add(name)
    assert s.shortest_unique_suffix("CIngress.acc1.acc_t") == "acc1.acc_t"
    assert s.shortest_unique_suffix("CIngress.classify") == "classify"
    assert s.shortest_unique_suffix("NoAction") == "NoAction"
    assert s.shortest_unique_suffix("ingress.on_miss") == "ingress.on_miss"
    # A name that is itself a suffix of another keeps all its components.
    assert s.shortest_unique_suffix("b.c") == "b.c"
    assert s.shortest_unique_suffix("a.b.c") == "a.b.c"


def test_field_ids_follow_position_and_skip_explicit_ones():
    assert allocate_field_ids([None, None, None], ["a", "b", "c"], None) == [1, 2, 3]
    # @id(1) on the third field: the first two take 2 and 3.
    assert allocate_field_ids([None, None, 1], ["a", "b", "c"], None) == [2, 3, 1]
    # @id on the first: position counter still advances past it.
    assert allocate_field_ids([7, None], ["a", "b"], None) == [7, 2]


def test_field_id_errors():
    with pytest.raises(P4CompileError, match="0 is not a valid"):
        allocate_field_ids([0], ["a"], None)
    with pytest.raises(P4CompileError, match="used multiple times"):
        allocate_field_ids([3, 3], ["a", "b"], None)
