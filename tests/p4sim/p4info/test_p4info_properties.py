"""Properties controllers rely on for any set of names: IDs are unique, carry
the kind's prefix and do not depend on declaration order; aliases are
unique suffixes of the names."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from p4sim.p4info.aliases import SuffixSet
from p4sim.p4info.ids import Kind, SymbolTable

component = st.sampled_from(["a", "b", "c", "t", "drop", "acc1", "acc2", "CIngress", "x.y"])
names = st.lists(st.lists(component, min_size=1, max_size=4).map(".".join), min_size=1, max_size=30, unique=True)


@settings(max_examples=200, deadline=None)
@given(names, st.randoms())
def test_ids_unique_prefixed_and_order_independent(ns, rnd):
    def assign(order):
        table = SymbolTable()
        for n in order:
            table.add(Kind.TABLE, n)
        table.assign()
        return {n: table.id(Kind.TABLE, n) for n in ns}

    first = assign(ns)
    shuffled = list(ns)
    rnd.shuffle(shuffled)
    assert assign(shuffled) == first
    assert len(set(first.values())) == len(ns)
    assert all(i >> 24 == Kind.TABLE for i in first.values())


@settings(max_examples=200, deadline=None)
@given(names)
def test_alias_is_a_unique_suffix(ns):
    s = SuffixSet()
    for n in ns:
        s.add(n)
    aliases = {n: s.shortest_unique_suffix(n) for n in ns}
    for n, a in aliases.items():
        assert n == a or n.endswith("." + a)
        # No other name ends with the same components, unless the alias is
        # the whole name (then nothing shorter could be unique either).
        others = [m for m in ns if m != n and (m == a or m.endswith("." + a))]
        assert not others or a == n
