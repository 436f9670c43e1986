"""Table semantics a controller relies on: match kinds, priorities,
validation errors, size limits, const tables and defaults."""

from __future__ import annotations

import pytest

from p4sim.engine.entries import ActionSpec, KeyMatch, TableEntry
from p4sim.engine.tables import ActionInfo, TableState
from p4sim.errors import AlreadyExists, InvalidArgument, NotFound, PermissionDenied, ResourceExhausted

ACTIONS = [
    ActionInfo("fwd", (9,), "all", ("port",)),
    ActionInfo("drop", ()),
    ActionInfo("NoAction", (), "default_only"),
]


def table(kinds: list[str], widths: list[int], **kw) -> TableState:
    return TableState("t", kinds, widths, [f"k{i}" for i in range(len(kinds))], ACTIONS,
                      ActionSpec("NoAction"), **kw)


def fwd(port: int) -> ActionSpec:
    return ActionSpec("fwd", (port,))


def hit_port(t: TableState, key: tuple) -> int | None:
    e = t.lookup(key)
    return None if e is None else e.args[0]


def test_exact_hit_and_miss() -> None:
    t = table(["exact"], [48])
    t.insert(TableEntry((KeyMatch("exact", 0x0A),), fwd(1)))
    assert hit_port(t, (0x0A,)) == 1
    assert t.lookup((0x0B,)) is None
    assert t.get_default() == ActionSpec("NoAction")


def test_lpm_longest_prefix_wins_regardless_of_order() -> None:
    t = table(["lpm"], [32])
    t.insert(TableEntry((KeyMatch("lpm", 0x0A000000, 8),), fwd(1)))
    t.insert(TableEntry((KeyMatch("lpm", 0x0A010100, 24),), fwd(3)))
    t.insert(TableEntry((KeyMatch("lpm", 0x0A010000, 16),), fwd(2)))
    assert hit_port(t, (0x0A010105,)) == 3
    assert hit_port(t, (0x0A010205,)) == 2
    assert hit_port(t, (0x0A020205,)) == 1
    assert t.lookup((0x0B000000,)) is None


def test_lpm_with_exact_key_and_default_route() -> None:
    t = table(["exact", "lpm"], [16, 32])
    t.insert(TableEntry((KeyMatch("exact", 7), KeyMatch("dontcare")), fwd(9)))
    t.insert(TableEntry((KeyMatch("exact", 7), KeyMatch("lpm", 0xC0000200, 24)), fwd(4)))
    assert hit_port(t, (7, 0xC0000201)) == 4
    assert hit_port(t, (7, 0x01020304)) == 9
    assert t.lookup((8, 0xC0000201)) is None


def test_ternary_highest_priority_wins() -> None:
    t = table(["ternary", "exact"], [32, 8])
    t.insert(TableEntry((KeyMatch("ternary", 0x0A000000, 0xFF000000), KeyMatch("exact", 6)), fwd(1), priority=10))
    t.insert(TableEntry((KeyMatch("ternary", 0x0A010000, 0xFFFF0000), KeyMatch("exact", 6)), fwd(2), priority=20))
    t.insert(TableEntry((KeyMatch("dontcare"), KeyMatch("exact", 6)), fwd(3), priority=5))
    assert hit_port(t, (0x0A010001, 6)) == 2
    assert hit_port(t, (0x0A020001, 6)) == 1
    assert hit_port(t, (0x0B000001, 6)) == 3
    assert t.lookup((0x0B000001, 17)) is None


def test_range_and_optional() -> None:
    t = table(["range", "optional"], [16, 8])
    t.insert(TableEntry((KeyMatch("range", 0, 1023), KeyMatch("optional", 6)), fwd(1), priority=1))
    t.insert(TableEntry((KeyMatch("range", 22, 22), KeyMatch("dontcare")), fwd(2), priority=2))
    assert hit_port(t, (22, 6)) == 2
    assert hit_port(t, (80, 6)) == 1
    assert t.lookup((80, 17)) is None
    assert t.lookup((2000, 6)) is None


def _reference_hit(entries: list[tuple[tuple, int, int, int]], kinds: list[str], key: tuple) -> int | None:
    """BMv2's rule by brute force: of the entries that match, the highest
    priority; among equal priorities the first inserted. entries: (keys,
    priority, seq, port) with keys as (kind, a, b)."""
    best = None
    for keys, prio, seq, port in entries:
        ok = True
        for (kind, a, b), v in zip(keys, key, strict=True):
            if kind == "range" and not a <= v <= b or kind == "ternary" and v & b != a or kind == "exact" and v != a:
                ok = False
                break
        if ok and (best is None or prio > best[0] or (prio == best[0] and seq < best[1])):
            best = (prio, seq, port)
    return None if best is None else best[2]


@pytest.mark.parametrize("kinds", [["range"], ["exact", "range"], ["ternary", "range"], ["range", "range"],
                                   ["exact", "ternary", "range", "range"]])
def test_range_lookups_follow_priority_then_insertion_order(kinds) -> None:
    # Interleaved inserts, lookups, deletes and modifies: the interval index
    # (built lazily, with entries added since the build checked one by one;
    # with several range keys, one index per distinct prefix of ranges) must
    # answer exactly as a priority-ordered scan of all entries.
    import random

    rnd = random.Random(7)
    t = table(kinds, [8] * len(kinds), size=10_000)
    live: dict[tuple, tuple] = {}
    seq = 0

    def rand_key():
        out = []
        for kind in kinds:
            if kind == "range" and rnd.random() < 0.5:
                out.append(("range", *rnd.choice(((0, 254), (10, 20), (100, 200)))))  # shared ranges
            elif kind == "range":
                a = rnd.randrange(0, 250)
                out.append(("range", a, min(254, a + rnd.choice((0, 3, 20, 100)))))
            elif kind == "ternary":
                m = rnd.choice((0xF0, 0xFF, 0x0F))
                out.append(("ternary", rnd.randrange(256) & m, m))
            else:
                out.append(("exact", rnd.randrange(3), None))
        return tuple(out)

    for step in range(3000):
        r = rnd.random()
        if r < 0.45 or not live:
            keys, prio = rand_key(), rnd.randrange(1, 6)
            if (keys, prio) in live:
                continue
            port = rnd.randrange(1, 500)
            t.insert(TableEntry(tuple(KeyMatch(k, a, b) for k, a, b in keys), fwd(port), priority=prio))
            seq += 1
            live[(keys, prio)] = (keys, prio, seq, port)
        elif r < 0.5:
            keys, prio = rnd.choice(list(live))
            t.delete(tuple(KeyMatch(k, a, b) for k, a, b in keys), prio)
            del live[(keys, prio)]
        elif r < 0.55:
            keys, prio = rnd.choice(list(live))
            port = rnd.randrange(1, 500)
            t.modify(TableEntry(tuple(KeyMatch(k, a, b) for k, a, b in keys), fwd(port), priority=prio))
            old = live[(keys, prio)]
            live[(keys, prio)] = (keys, prio, old[2], port)  # MODIFY keeps the entry's place
        else:
            key = tuple(rnd.randrange(3) if k == "exact" else rnd.randrange(256) for k in kinds)
            assert hit_port(t, key) == _reference_hit(list(live.values()), kinds, key), (step, key)


def test_const_source_entries_first_wins() -> None:
    t = table(["ternary"], [8], is_const=True)
    t.load_initial([
        TableEntry((KeyMatch("ternary", 0x01, 0x0F),), fwd(1)),
        TableEntry((KeyMatch("dontcare"),), fwd(2)),
    ], const=True)
    assert hit_port(t, (0x11,)) == 1
    assert hit_port(t, (0x12,)) == 2
    snap = t.snapshot()
    assert [e.priority for e in snap] == [2, 1]
    assert all(e.is_const for e in snap)
    with pytest.raises(PermissionDenied):
        t.insert(TableEntry((KeyMatch("ternary", 3, 3),), fwd(3), priority=9))


@pytest.mark.parametrize("keys,prio,msg", [
    ((KeyMatch("exact", 1 << 48),), 0, "does not fit"),
    ((KeyMatch("ternary", 1, 1),), 0, "exact field given a ternary"),
])
def test_exact_validation(keys, prio, msg) -> None:
    t = table(["exact"], [48])
    with pytest.raises(InvalidArgument, match=msg):
        t.insert(TableEntry(keys, fwd(1), priority=prio))


def test_ternary_validation_messages_name_the_field() -> None:
    t = table(["ternary"], [8])
    with pytest.raises(InvalidArgument, match="k0: value has bits set outside the mask"):
        t.insert(TableEntry((KeyMatch("ternary", 0x11, 0x0F),), fwd(1), priority=1))
    with pytest.raises(InvalidArgument, match="need a priority"):
        t.insert(TableEntry((KeyMatch("ternary", 0x01, 0x0F),), fwd(1)))


def test_lpm_bits_beyond_prefix_refused() -> None:
    t = table(["lpm"], [32])
    with pytest.raises(InvalidArgument, match="beyond the /8 prefix"):
        t.insert(TableEntry((KeyMatch("lpm", 0x0A000001, 8),), fwd(1)))


def test_action_validation() -> None:
    t = table(["exact"], [8])
    with pytest.raises(InvalidArgument, match="not one of its actions"):
        t.insert(TableEntry((KeyMatch("exact", 1),), ActionSpec("nope")))
    with pytest.raises(InvalidArgument, match="takes 1 arguments"):
        t.insert(TableEntry((KeyMatch("exact", 1),), ActionSpec("fwd")))
    with pytest.raises(InvalidArgument, match="port: value 0x200 does not fit in 9 bits"):
        t.insert(TableEntry((KeyMatch("exact", 1),), fwd(512)))
    with pytest.raises(InvalidArgument, match="defaultonly"):
        t.insert(TableEntry((KeyMatch("exact", 1),), ActionSpec("NoAction")))


def test_duplicates_missing_and_full() -> None:
    t = table(["exact"], [8], size=2)
    t.insert(TableEntry((KeyMatch("exact", 1),), fwd(1)))
    with pytest.raises(AlreadyExists):
        t.insert(TableEntry((KeyMatch("exact", 1),), fwd(2)))
    t.insert(TableEntry((KeyMatch("exact", 2),), fwd(2)))
    with pytest.raises(ResourceExhausted):
        t.insert(TableEntry((KeyMatch("exact", 3),), fwd(3)))
    with pytest.raises(NotFound):
        t.delete((KeyMatch("exact", 9),))
    with pytest.raises(NotFound):
        t.modify(TableEntry((KeyMatch("exact", 9),), fwd(1)))
    t.modify(TableEntry((KeyMatch("exact", 1),), fwd(7)))
    assert hit_port(t, (1,)) == 7
    t.delete((KeyMatch("exact", 1),))
    assert t.lookup((1,)) is None
    t.clear()
    assert t.snapshot() == []


def test_default_action_set_and_reset() -> None:
    t = table(["exact"], [8])
    t.set_default(fwd(5))
    assert t.default == (0, (5,))
    t.set_default(None)
    assert t.get_default() == ActionSpec("NoAction")
    c = table(["exact"], [8], default_const=True)
    with pytest.raises(PermissionDenied):
        c.set_default(fwd(1))


def test_same_key_different_priority_are_distinct_entries() -> None:
    t = table(["ternary"], [8])
    t.insert(TableEntry((KeyMatch("ternary", 1, 0xFF),), fwd(1), priority=1))
    t.insert(TableEntry((KeyMatch("ternary", 1, 0xFF),), fwd(2), priority=2))
    assert hit_port(t, (1,)) == 2
    t.delete((KeyMatch("ternary", 1, 0xFF),), priority=2)
    assert hit_port(t, (1,)) == 1
