"""The incremental row index gives the same model as building it from scratch, after any edit sequence.

Pure (no database): rows are fed as the IDL would deliver them. This is what
makes "no full rescan per change" safe: every dependency (a port reading a
logical switch's name, a MAC row reading its locator, ports belonging to the
switch) must be tracked, or a stale value would survive here.
"""

from __future__ import annotations

import uuid

from hypothesis import given, settings
from hypothesis import strategies as st

from gwctl.vtep_index import VtepIndex

LS = [uuid.UUID(int=i) for i in range(1, 4)]
LOC = [uuid.UUID(int=i) for i in range(10, 13)]
LSET = [uuid.UUID(int=i) for i in range(20, 22)]
PORTS = [uuid.UUID(int=i) for i in range(30, 33)]
PS = [uuid.UUID(int=40), uuid.UUID(int=41)]
UCAST = [uuid.UUID(int=i) for i in range(50, 54)]
MCAST = [uuid.UUID(int=i) for i in range(60, 62)]


def ls_row(draw):
    return {"name": draw(st.sampled_from(["ls1", "ls2", "blue"])), "description": "",
            "tunnel_key": draw(st.sampled_from([[], [5001], [5002]])),
            "replication_mode": draw(st.sampled_from([[], ["source_node"]]))}


def ops():
    """One edit: (table, uuid, row or None for a delete)."""
    return st.one_of(
        st.builds(lambda u, row: ("Logical_Switch", u, row), st.sampled_from(LS),
                  st.composite(lambda draw: ls_row(draw))()),
        st.builds(lambda u, ip: ("Physical_Locator", u, {"dst_ip": ip, "encapsulation_type": "vxlan_over_ipv4",
                                                         "tunnel_key": []}),
                  st.sampled_from(LOC), st.sampled_from(["198.18.1.1", "198.18.1.2"])),
        st.builds(lambda u, locs: ("Physical_Locator_Set", u, {"locators": sorted(locs)}),
                  st.sampled_from(LSET), st.sets(st.sampled_from(LOC), min_size=1)),
        st.builds(lambda u, name, b: ("Physical_Port", u, {"name": name, "description": "", "vlan_bindings": b,
                                                           "acl_bindings": {}, "vlan_stats": {},
                                                           "port_fault_status": []}),
                  st.sampled_from(PORTS), st.sampled_from(["p1", "p2"]),
                  st.dictionaries(st.integers(0, 3), st.sampled_from(LS), max_size=2)),
        st.builds(lambda u, name, ports: ("Physical_Switch", u, {
            "name": name, "description": "", "ports": sorted(ports), "tunnel_ips": ["198.18.0.1"],
            "management_ips": [], "switch_fault_status": []}),
            st.sampled_from(PS), st.sampled_from(["gw1", "other"]), st.sets(st.sampled_from(PORTS))),
        st.builds(lambda u, mac, ls, loc: ("Ucast_Macs_Remote", u, {"MAC": mac, "logical_switch": ls,
                                                                    "locator": loc, "ipaddr": ""}),
                  st.sampled_from(UCAST), st.sampled_from(["00:00:5e:00:53:01", "00:00:5E:00:53:02"]),
                  st.sampled_from(LS), st.sampled_from(LOC)),
        st.builds(lambda u, ls, s: ("Mcast_Macs_Remote", u, {"MAC": "unknown-dst", "logical_switch": ls,
                                                             "locator_set": s, "ipaddr": ""}),
                  st.sampled_from(MCAST), st.sampled_from(LS), st.sampled_from(LSET)),
        st.builds(lambda t, u: (t, u, None), st.sampled_from(["Logical_Switch", "Physical_Locator",
                                                              "Ucast_Macs_Remote", "Physical_Port",
                                                              "Physical_Switch", "Mcast_Macs_Remote"]),
                  st.sampled_from(LS + LOC + UCAST + PORTS + PS + MCAST)),
    )


@settings(max_examples=300, deadline=None)
@given(st.lists(st.lists(ops(), min_size=1, max_size=6), min_size=1, max_size=8))
def test_incremental_equals_rebuild(batches):
    incremental = VtepIndex("gw1")
    for batch in batches:
        for table, u, row in batch:
            if row is None:
                incremental.delete(table, u)
            else:
                incremental.upsert(table, u, row)
        incremental.flush()
    rebuilt = VtepIndex("gw1")
    for table, rows in incremental.rows.items():
        for u, row in rows.items():
            rebuilt.upsert(table, u, row)
    rebuilt.flush()
    assert incremental.desired() == rebuilt.desired()


def test_changes_report_old_and_new_values():
    index = VtepIndex("gw1")
    index.upsert("Logical_Switch", LS[0], {"name": "ls1", "description": "", "tunnel_key": [1],
                                           "replication_mode": []})
    (change,) = index.flush()
    assert change.key == ("ls", "ls1") and change.old is None and change.new.tunnel_key == 1
    index.upsert("Logical_Switch", LS[0], {"name": "ls1", "description": "", "tunnel_key": [2],
                                           "replication_mode": []})
    (change,) = index.flush()
    assert (change.old.tunnel_key, change.new.tunnel_key) == (1, 2)
    assert index.flush() == []
    index.delete("Logical_Switch", LS[0])
    (change,) = index.flush()
    assert change.new is None and not index.desired().logical_switches
