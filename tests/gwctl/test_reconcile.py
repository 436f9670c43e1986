"""reconcile: minimal, ordered updates; applying them reaches exactly the wanted entries."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gwctl.reconcile import Entry, Kind, Op, ReconcileError, Update, apply, reconcile, summarize

PROFILE = "ing.ecmp_profile"


def table(name, key, action="fwd", prio=0, **params):
    return Entry(Kind.TABLE, name, tuple(key), prio, action, tuple(sorted(params.items())))


def group(gid, *ports):
    return Entry(Kind.MCAST_GROUP, "", (gid,), params=tuple((p, 1) for p in ports))


def ops(batches):
    return [(u.op, u.entry.identity) for b in batches for u in b]


def test_in_sync_gives_no_updates():
    entries = {group(1, 1, 2), table("dmac", [("mac", 1)], port=3)}
    assert reconcile(entries, set(entries)) == []


def test_insert_modify_delete_minimal():
    keep = table("dmac", [("mac", 1)], port=1)
    old_mod = table("dmac", [("mac", 2)], port=2)
    new_mod = table("dmac", [("mac", 2)], port=5)
    gone = table("dmac", [("mac", 3)], port=3)
    new = table("dmac", [("mac", 4)], port=4)
    batches = reconcile({keep, new_mod, new}, {keep, old_mod, gone})
    flat = [u for b in batches for u in b]
    assert set(flat) == {Update(Op.MODIFY, new_mod), Update(Op.INSERT, new), Update(Op.DELETE, gone)}
    assert summarize(batches) == {Op.INSERT: 1, Op.MODIFY: 1, Op.DELETE: 1}


def test_priority_is_part_of_identity():
    a = table("acl", [("ip", (1, 0xFF))], "deny", prio=10)
    b = table("acl", [("ip", (1, 0xFF))], "deny", prio=20)
    batches = reconcile({b}, {a})
    assert {(u.op, u.entry) for batch in batches for u in batch} == {(Op.INSERT, b), (Op.DELETE, a)}


def test_groups_before_entries_and_deletes_reversed():
    g_new = group(2, 1, 2)
    g_old = group(1, 3)
    e_new = table("flood", [("ls", 1)], "flood", grp=2)
    e_old = table("flood", [("ls", 9)], "flood", grp=1)
    batches = reconcile({g_new, e_new}, {g_old, e_old})
    assert ops(batches) == [
        (Op.INSERT, g_new.identity), (Op.INSERT, e_new.identity),
        (Op.DELETE, e_old.identity), (Op.DELETE, g_old.identity),
    ]
    assert [len(b) for b in batches] == [1, 1, 1, 1]


def test_default_entries_only_modified_never_deleted():
    d = Entry(Kind.DEFAULT, "dmac", (), action="flood_unknown")
    assert ops(reconcile({d}, set())) == [(Op.MODIFY, d.identity)]
    assert reconcile(set(), {d}) == []
    d2 = Entry(Kind.DEFAULT, "dmac", (), action="drop")
    assert ops(reconcile({d2}, {d})) == [(Op.MODIFY, d2.identity)]


def test_conflicting_duplicates_rejected():
    with pytest.raises(ReconcileError, match="wanted"):
        reconcile([table("t", [("k", 1)], port=1), table("t", [("k", 1)], port=2)], [])


def test_apply_rejects_what_a_target_rejects():
    e = table("t", [("k", 1)])
    with pytest.raises(ReconcileError):
        apply({e}, [Update(Op.INSERT, e)])
    with pytest.raises(ReconcileError):
        apply(set(), [Update(Op.DELETE, e)])
    with pytest.raises(ReconcileError):
        apply(set(), [Update(Op.MODIFY, e)])


# ------------------------------------------------------------------ properties
# A closed world of entries with references: table entries point to multicast
# groups (param grp) or to action-profile groups, groups list their members.

def refs(entry: Entry) -> set[tuple]:
    params = dict(entry.params) if entry.kind in (Kind.TABLE, Kind.PROFILE_MEMBER) else {}
    out = set()
    if entry.kind == Kind.TABLE:
        if "grp" in params:
            out.add((Kind.MCAST_GROUP, "", (params["grp"],), 0))
        if "$group" in params:
            out.add((Kind.PROFILE_GROUP, PROFILE, (params["$group"],), 0))
    if entry.kind == Kind.PROFILE_GROUP:
        out |= {(Kind.PROFILE_MEMBER, PROFILE, (m,), 0) for m, _w in entry.params}
    return out


@st.composite
def worlds(draw):
    """A self-consistent set of entries, as translate would produce and a target would hold."""
    mcast = draw(st.dictionaries(st.integers(1, 6), st.frozensets(st.integers(0, 4), min_size=1), max_size=4))
    members = draw(st.dictionaries(st.integers(1, 6), st.integers(0, 3), max_size=4))
    entries = {Entry(Kind.MCAST_GROUP, "", (g,), params=tuple((p, 1) for p in sorted(ports)))
               for g, ports in mcast.items()}
    entries |= {Entry(Kind.PROFILE_MEMBER, PROFILE, (m,), action="nhop", params=(("port", p),))
                for m, p in members.items()}
    groups = {}
    if members:
        groups = draw(st.dictionaries(
            st.integers(1, 4), st.frozensets(st.sampled_from(sorted(members)), min_size=1), max_size=3))
    entries |= {Entry(Kind.PROFILE_GROUP, PROFILE, (g,), params=tuple((m, 1) for m in sorted(ms)))
                for g, ms in groups.items()}
    targets = [("port", p) for p in range(3)]
    targets += [("grp", g) for g in mcast] + [("$group", g) for g in groups]
    for mac, prio in draw(st.dictionaries(st.integers(0, 8), st.sampled_from([0, 10]), max_size=6)).items():
        name, value = draw(st.sampled_from(targets))
        action = "" if name == "$group" else "fwd"
        entries.add(Entry(Kind.TABLE, "dmac", (("mac", mac),), prio, action, ((name, value),)))
    if draw(st.booleans()):
        entries.add(Entry(Kind.DEFAULT, "dmac", (), action=draw(st.sampled_from(["drop", "flood"]))))
    return frozenset(entries)


def dangling(state: frozenset[Entry]) -> set:
    idents = {e.identity for e in state}
    return {(e, r) for e in state for r in refs(e) if r not in idents}


@settings(max_examples=300, deadline=None)
@given(worlds(), worlds())
def test_applying_reconcile_reaches_wanted(actual, wanted):
    batches = reconcile(wanted, actual)
    result = apply(actual, [u for b in batches for u in b])
    defaults_kept = {e for e in actual if e.kind == Kind.DEFAULT
                     and e.identity not in {w.identity for w in wanted}}
    assert result == wanted | defaults_kept


@settings(max_examples=300, deadline=None)
@given(worlds(), worlds())
def test_no_dangling_reference_between_batches(actual, wanted):
    state = actual
    for batch in reconcile(wanted, actual):
        assert len({u.entry.kind for u in batch}) == 1, "a batch mixes dependency levels"
        state = apply(state, batch)
        assert not dangling(state)


@settings(max_examples=200, deadline=None)
@given(worlds(), worlds())
def test_updates_are_minimal(actual, wanted):
    batches = reconcile(wanted, actual)
    flat = [u for b in batches for u in b]
    assert len({u.entry.identity for u in flat}) == len(flat), "an identity touched twice"
    assert all(u.entry not in actual for u in flat if u.op != Op.DELETE), "rewrote an entry already right"
    assert all(u.entry not in wanted for u in flat if u.op == Op.DELETE), "deleted a wanted entry"
    assert reconcile(wanted, apply(actual, flat)) == []
