"""Incremental MODIFY/DELETE keep a table's lookup index identical to one
built from scratch: a packet after any sequence of writes hits what a fresh
table holding the same entries would hit."""

from __future__ import annotations

import copy

from hypothesis import given, settings
from hypothesis import strategies as st

from p4sim.engine.entries import ActionSpec, KeyMatch, TableEntry
from p4sim.engine.tables import ActionInfo, TableState
from p4sim.errors import EngineError

ACTIONS = [ActionInfo("fwd", (9,), "all", ("port",)), ActionInfo("NoAction", (), "default_only")]
WIDTH = 4  # small keys so that random probes hit random entries often

KEY_OPS = {
    "exact": st.builds(lambda v: KeyMatch("exact", v), st.integers(0, 15)),
    "lpm": st.builds(lambda v, p: KeyMatch("lpm", (v >> (WIDTH - p)) << (WIDTH - p) if p else 0, p),
                     st.integers(0, 15), st.integers(1, WIDTH)),
    "ternary": st.builds(lambda v, m: KeyMatch("ternary", v & m, m), st.integers(0, 15), st.integers(1, 15)),
    "range": st.builds(lambda a, b: KeyMatch("range", min(a, b), max(a, b)), st.integers(0, 15), st.integers(0, 15)),
}


def make(kinds: list[str]) -> TableState:
    return TableState("t", kinds, [WIDTH] * len(kinds), [f"k{i}" for i in range(len(kinds))], ACTIONS,
                      ActionSpec("NoAction"), size=4096)


def ops(kinds: list[str]):
    key = st.tuples(*[KEY_OPS[k] for k in kinds])
    prio = st.integers(1, 4) if any(k in ("ternary", "range") for k in kinds) else st.just(0)
    op = st.tuples(st.sampled_from(["insert", "modify", "delete"]), key, prio, st.integers(0, 511))
    return st.lists(op, max_size=60)


def hits(t: TableState) -> list[tuple | None]:
    out = []
    for a in range(16):
        for b in range(16) if len(t.kinds) > 1 else [None]:
            key = (a,) if b is None else (a, b)
            e = t.lookup(key)
            out.append(None if e is None else (e.keys, e.priority, e.args))
    return out


def apply(t: TableState, program) -> None:
    for kind, keys, prio, port in program:
        try:
            if kind == "insert":
                t.insert(TableEntry(keys, ActionSpec("fwd", (port,)), priority=prio))
            elif kind == "modify":
                t.modify(TableEntry(keys, ActionSpec("fwd", (port,)), priority=prio))
            else:
                t.delete(keys, prio)
        except EngineError:
            continue  # duplicates, missing keys: refused, and the table must be unchanged


def check(kinds: list[str], program) -> None:
    t = make(kinds)
    apply(t, program)
    fresh = copy.copy(t)
    fresh._rebuild()
    assert hits(t) == hits(fresh)


@settings(max_examples=150, deadline=None)
@given(ops(["exact", "exact"]))
def test_exact_index(program):
    check(["exact", "exact"], program)


@settings(max_examples=150, deadline=None)
@given(ops(["exact", "lpm"]))
def test_lpm_index(program):
    check(["exact", "lpm"], program)


@settings(max_examples=150, deadline=None)
@given(ops(["ternary", "exact"]))
def test_ternary_index(program):
    check(["ternary", "exact"], program)


@settings(max_examples=150, deadline=None)
@given(ops(["range", "ternary"]))
def test_range_index(program):
    check(["range", "ternary"], program)
