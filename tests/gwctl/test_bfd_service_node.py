"""Service-node replication uses BFD liveness: translate (pure) and the incremental engine agree."""

from __future__ import annotations

from dataclasses import replace

from gwctl.incremental import Incremental, ModelChange
from gwctl.model import LogicalSwitch, ReplicationMode
from gwctl.pipelines import vtep_gateway as p4
from gwctl.reconcile import Kind
from gwctl.translate import pick_service_node, translate, with_liveness
from gwctl.validate import validate
from tests.gwctl.test_translate import HV1, HV2, INV, groups, one, params, state


def service_node_replicas(entries, ids) -> set[int]:
    flood = params(one(entries, p4.LOGICAL_SWITCH, ls_id=ids.ls["ls1"]))["flood_group"]
    return {r[1] & ~p4.RID_TUNNEL_FLAG for r in groups(entries)[flood] if r[1] & p4.RID_TUNNEL_FLAG}


def test_pick_prefers_the_first_live_locator_and_falls_back_to_the_first():
    assert pick_service_node([HV1, HV2], frozenset()) == HV1
    assert pick_service_node([HV1, HV2], {HV1}) == HV2
    assert pick_service_node([HV1, HV2], {HV1, HV2}) == HV1
    assert pick_service_node([], set()) is None


def test_bum_moves_to_a_live_service_node_and_back():
    s = state()   # ls1 is service_node with unknown-dst -> {HV1, HV2}
    healthy = translate(s, [], INV)
    assert service_node_replicas(healthy.entries, healthy.ids) == {healthy.ids.tunnel[HV1]}
    failed = translate(s, [], INV, healthy.ids, down_locators=frozenset({HV1}))
    assert failed.ids == healthy.ids   # only the group changes: tunnels and MACs stay put
    assert service_node_replicas(failed.entries, failed.ids) == {healthy.ids.tunnel[HV2]}
    assert {e.kind for e in failed.entries ^ healthy.entries} == {Kind.MCAST_GROUP}   # one group rewritten
    every_down = translate(s, [], INV, healthy.ids, down_locators=frozenset({HV1, HV2}))
    assert service_node_replicas(every_down.entries, every_down.ids) == {healthy.ids.tunnel[HV1]}
    assert translate(s, [], INV, healthy.ids, down_locators=frozenset()).entries == healthy.entries


def test_source_node_ignores_liveness():
    s = state()
    s = replace(s, logical_switches=s.logical_switches.set(
        "ls1", LogicalSwitch("ls1", 5001, ReplicationMode.SOURCE_NODE)))
    both = translate(s, [], INV)
    assert translate(s, [], INV, both.ids, down_locators=frozenset({HV1})).entries == both.entries


def test_the_incremental_engine_follows_a_liveness_change_as_translate_does():
    s = state()
    inc = Incremental(INV)
    inc.load(s)
    inc.take_changes()
    ids = inc.ids
    live = with_liveness(s, frozenset({HV1}), INV)
    inc.update([ModelChange(("switch", "gw1"), live.switch)])
    touched = inc.take_changes()
    expected = translate(validate(s, p4.CAPABILITIES).state, [], INV, ids, down_locators=frozenset({HV1}))
    assert inc.entries() == expected.entries
    changed = [inc.wanted(ident) for ident in touched]
    assert changed and {e.kind for e in changed if e is not None} <= {Kind.MCAST_GROUP, Kind.TABLE}
    assert service_node_replicas(inc.entries(), inc.ids) == {ids.tunnel[HV2]}


def test_any_sequence_of_liveness_changes_keeps_the_engine_equal_to_translate():
    s = state()
    inc = Incremental(INV)
    inc.load(s)
    ids = inc.ids
    for down in ({HV1}, {HV1, HV2}, {HV2}, set(), {HV2}, {HV1}, set()):
        live = with_liveness(s, frozenset(down), INV)
        inc.update([ModelChange(("switch", "gw1"), live.switch)])
        expected = translate(validate(s, p4.CAPABILITIES).state, [], INV, ids, down_locators=frozenset(down))
        assert inc.entries() == expected.entries, down
        assert inc.ids == ids   # liveness never reallocates ids
