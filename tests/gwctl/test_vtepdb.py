"""The OVSDB adapter against a real ovsdb-server, driven with the real vtep-ctl."""

from __future__ import annotations

import re

import pytest

from gwctl.model import (
    UNKNOWN_DST,
    BindingStats,
    Fault,
    FaultTable,
    LogicalSwitch,
    McastMacLocal,
    PhysicalLocator,
    ReplicationMode,
    UcastMacLocal,
)
from gwctl.validate import Capabilities, validate
from gwctl.vtepdb import VtepDb, VtepDbError, VtepDbNotReady
from tests.gwctl.vtep_server import VtepServer

TUNNEL_IP = "198.18.0.1"
HV1, HV2 = "198.18.0.11", "198.18.0.12"
MAC1, MAC2 = "00:00:5e:00:53:01", "00:00:5e:00:53:02"
TIMEOUT = 10.0


@pytest.fixture
def db(vtep_server: VtepServer):
    adapter = VtepDb(vtep_server.unix_remote, "gw1")
    adapter.run_until(lambda: adapter.synced, TIMEOUT)
    adapter.register_switch([TUNNEL_IP], management_ips=["127.0.0.1"], ports=["p1", "p2"])
    yield adapter
    adapter.close()


def wait(db: VtepDb, predicate) -> None:
    db.run_until(predicate, TIMEOUT)


def ls_setup(server: VtepServer, name: str = "ls1", key: int = 5001) -> None:
    server.vtep_ctl("add-ls", name)
    server.vtep_ctl("set", "Logical_Switch", name, f"tunnel_key={key}")


def test_register_switch_is_visible_to_vtep_ctl_and_idempotent(vtep_server, db):
    assert vtep_server.vtep_ctl("list-ps") == "gw1"
    assert vtep_server.vtep_ctl("list-ports", "gw1").split() == ["p1", "p2"]
    assert vtep_server.vtep_ctl("get", "Physical_Switch", "gw1", "tunnel_ips") == f'["{TUNNEL_IP}"]'
    db.register_switch([TUNNEL_IP], ports=["p1", "p2", "p3"])
    assert vtep_server.vtep_ctl("list-ports", "gw1").split() == ["p1", "p2", "p3"]
    wait(db, lambda: set(db.desired.ports) == {"p1", "p2", "p3"})
    assert db.desired.switch is not None and db.desired.switch.tunnel_ip == TUNNEL_IP


def test_rows_written_with_vtep_ctl_appear_in_the_model(vtep_server, db):
    ls_setup(vtep_server)
    vtep_server.vtep_ctl("bind-ls", "gw1", "p1", "10", "ls1")
    vtep_server.vtep_ctl("bind-ls", "gw1", "p2", "0", "ls1")
    vtep_server.vtep_ctl("set-replication-mode", "ls1", "source_node")
    vtep_server.vtep_ctl("add-ucast-remote", "ls1", MAC1.upper(), HV1)
    vtep_server.vtep_ctl("add-mcast-remote", "ls1", "unknown-dst", HV1)
    vtep_server.vtep_ctl("add-mcast-remote", "ls1", "unknown-dst", HV2)
    wait(db, lambda: len(getattr(db.desired.mcast_macs_remote.get(("ls1", UNKNOWN_DST)), "locator_set", ())) == 2)
    state = db.desired
    assert state.logical_switches["ls1"] == LogicalSwitch("ls1", 5001, ReplicationMode.SOURCE_NODE)
    assert dict(state.ports["p1"].vlan_bindings) == {10: "ls1"}
    assert dict(state.ports["p2"].vlan_bindings) == {0: "ls1"}
    ucast = state.ucast_macs_remote[("ls1", MAC1)]
    assert ucast.locator == PhysicalLocator(HV1)
    assert state.mcast_macs_remote[("ls1", UNKNOWN_DST)].locator_set == {PhysicalLocator(HV1), PhysicalLocator(HV2)}
    assert validate(state, Capabilities()).faults == ()


def test_changes_and_deletions_come_out_as_minimal_changes(vtep_server, db):
    ls_setup(vtep_server)
    vtep_server.vtep_ctl("bind-ls", "gw1", "p1", "10", "ls1")
    vtep_server.vtep_ctl("add-ucast-remote", "ls1", MAC1, HV1)
    wait(db, lambda: ("ls1", MAC1) in db.desired.ucast_macs_remote)

    vtep_server.vtep_ctl("add-ucast-remote", "ls1", MAC1, HV2)  # moves the MAC to another hypervisor
    changes = db.run_until(lambda: db.desired.ucast_macs_remote[("ls1", MAC1)].locator.dst_ip == HV2, TIMEOUT)
    assert [c.key for c in changes] == [("ucast", ("ls1", MAC1))]

    vtep_server.vtep_ctl("set", "Logical_Switch", "ls1", "tunnel_key=6000")
    wait(db, lambda: db.desired.logical_switches["ls1"].tunnel_key == 6000)

    vtep_server.vtep_ctl("del-ucast-remote", "ls1", MAC1)
    vtep_server.vtep_ctl("unbind-ls", "gw1", "p1", "10")
    wait(db, lambda: not db.desired.ucast_macs_remote and not db.desired.ports["p1"].vlan_bindings)
    vtep_server.vtep_ctl("del-ls", "ls1")
    wait(db, lambda: not db.desired.logical_switches)


def test_changes_arriving_during_our_own_write_are_not_lost(vtep_server, db):
    ls_setup(vtep_server)
    wait(db, lambda: "ls1" in db.desired.logical_switches)
    vtep_server.vtep_ctl("bind-ls", "gw1", "p1", "10", "ls1")
    # our transaction makes the IDL read the server's update for the binding first
    db.write_faults([])
    changes = db.run()
    assert [c.key for c in changes] == [("port", "p1")]
    assert dict(db.desired.ports["p1"].vlan_bindings) == {10: "ls1"}


def test_renaming_a_logical_switch_updates_bindings_that_refer_to_it(vtep_server, db):
    ls_setup(vtep_server)
    vtep_server.vtep_ctl("bind-ls", "gw1", "p1", "10", "ls1")
    vtep_server.vtep_ctl("add-ucast-remote", "ls1", MAC1, HV1)
    wait(db, lambda: dict(db.desired.ports["p1"].vlan_bindings) == {10: "ls1"})
    vtep_server.vtep_ctl("set", "Logical_Switch", "ls1", "name=blue")
    wait(db, lambda: dict(db.desired.ports["p1"].vlan_bindings) == {10: "blue"})
    assert set(db.desired.ucast_macs_remote) == {("blue", MAC1)}
    assert set(db.desired.logical_switches) == {"blue"}


def test_other_switches_ports_are_not_ours(vtep_server, db):
    ls_setup(vtep_server)
    vtep_server.vtep_ctl("add-ps", "other")
    vtep_server.vtep_ctl("add-port", "other", "q1")
    vtep_server.vtep_ctl("bind-ls", "other", "q1", "5", "ls1")
    vtep_server.vtep_ctl("bind-ls", "gw1", "p1", "7", "ls1")
    wait(db, lambda: dict(db.desired.ports["p1"].vlan_bindings) == {7: "ls1"})
    assert set(db.desired.ports) == {"p1", "p2"}
    assert db.desired.switch is not None and db.desired.switch.name == "gw1"


def test_faults_set_and_cleared_in_fault_columns(vtep_server, db):
    ls_setup(vtep_server)
    vtep_server.vtep_ctl("bind-ls", "gw1", "p1", "10", "ls1")
    vtep_server.vtep_ctl("set-replication-mode", "ls1", "source_node")
    vtep_server.vtep_ctl("add-lr", "lr1")
    vtep_server.vtep_ctl("set", "Logical_Router", "lr1", 'static_routes:"203.0.113.0/24"=bogus')
    wait(db, lambda: "lr1" in db.desired.logical_routers
         and db.desired.logical_switches["ls1"].replication_mode == ReplicationMode.SOURCE_NODE)
    result = validate(db.desired, Capabilities(source_node_replication=False))
    db.write_faults(result.faults)
    switch_faults = vtep_server.vtep_ctl("get", "Physical_Switch", "gw1", "switch_fault_status")
    assert "unsupported_source_node_replication" in switch_faults
    assert "lr_static_routes_fault" in switch_faults
    assert "unspecified_fault" in vtep_server.vtep_ctl("get", "Logical_Router", "lr1", "LR_fault_status")
    db.write_faults([Fault(FaultTable.PHYSICAL_PORT, "p1", "invalid_vlan_map")])
    assert vtep_server.vtep_ctl("get", "Physical_Port", "p1", "port_fault_status") == "[invalid_vlan_map]"
    assert vtep_server.vtep_ctl("get", "Physical_Switch", "gw1", "switch_fault_status") == "[]"
    assert vtep_server.vtep_ctl("get", "Logical_Router", "lr1", "LR_fault_status") == "[]"
    db.write_faults([])
    assert vtep_server.vtep_ctl("get", "Physical_Port", "p1", "port_fault_status") == "[]"


def test_acl_entry_fault_written_to_acle_fault_status(vtep_server, db):
    entry = vtep_server.vtep_ctl("create", "ACL_entry", "sequence=10", "direction=ingress", "action=deny",
                                 f'source_mac="{MAC1}"', 'source_ip="192.0.2.1"')
    acl = vtep_server.vtep_ctl("create", "ACL", "acl_name=a1", f"acl_entries={entry}")
    vtep_server.vtep_ctl("set", "Physical_Port", "p1", f"acl_bindings:0={acl}")
    wait(db, lambda: "a1" in db.desired.acls and dict(db.desired.ports["p1"].acl_bindings) == {0: "a1"})
    assert db.desired.acls["a1"].entries[0].key == entry
    result = validate(db.desired, Capabilities(acl_mixed_l2_l3=False))
    db.write_faults(result.faults)
    assert vtep_server.vtep_ctl("get", "ACL_entry", entry, "acle_fault_status") == "[invalid_acl_entry]"
    assert vtep_server.vtep_ctl("get", "ACL", acl, "acl_fault_status") == "[invalid_acl]"
    assert vtep_server.vtep_ctl("get", "Physical_Port", "p1", "port_fault_status") == "[invalid_ACL_binding]"
    db.write_faults(validate(db.desired, Capabilities()).faults)
    assert vtep_server.vtep_ctl("get", "ACL_entry", entry, "acle_fault_status") == "[]"


def test_local_macs_written_back_with_our_locator(vtep_server, db):
    ls_setup(vtep_server)
    vtep_server.vtep_ctl("bind-ls", "gw1", "p1", "10", "ls1")
    wait(db, lambda: "ls1" in db.desired.logical_switches)
    learned = {UcastMacLocal(MAC1, "ls1", TUNNEL_IP), UcastMacLocal(MAC2, "ls1", TUNNEL_IP, "192.0.2.2")}
    db.write_ucast_local(learned)
    db.write_mcast_local({McastMacLocal(UNKNOWN_DST, "ls1", frozenset({TUNNEL_IP}))})
    listing = vtep_server.vtep_ctl("list-local-macs", "ls1")
    assert f"{MAC1} -> vxlan_over_ipv4/{TUNNEL_IP}" in listing
    assert f"{MAC2} -> vxlan_over_ipv4/{TUNNEL_IP}" in listing
    assert f"unknown-dst -> vxlan_over_ipv4/{TUNNEL_IP}" in listing
    wait(db, lambda: db.discovered.ucast_macs_local == learned)
    # one shared locator row for our tunnel IP, as the schema's index requires
    assert vtep_server.vtep_ctl("find", "Physical_Locator", f'dst_ip="{TUNNEL_IP}"').count("_uuid") == 1
    # a MAC ages out: exactly that row goes, the other stays; rows of other VTEPs are not touched
    vtep_server.vtep_ctl("add-ucast-local", "ls1", "00:00:5e:00:53:99", "198.18.0.99")
    db.write_ucast_local({UcastMacLocal(MAC2, "ls1", TUNNEL_IP, "192.0.2.2")})
    listing = vtep_server.vtep_ctl("list-local-macs", "ls1")
    assert MAC1 not in listing and MAC2 in listing and "00:00:5e:00:53:99" in listing
    with pytest.raises(VtepDbError, match="not one of our tunnel IPs"):
        db.write_ucast_local({UcastMacLocal(MAC1, "ls1", "198.18.0.77")})


def test_binding_stats_follow_bindings(vtep_server, db):
    ls_setup(vtep_server)
    vtep_server.vtep_ctl("bind-ls", "gw1", "p1", "10", "ls1")
    vtep_server.vtep_ctl("bind-ls", "gw1", "p1", "20", "ls1")
    wait(db, lambda: len(db.desired.ports["p1"].vlan_bindings) == 2)
    db.write_binding_stats([BindingStats("p1", 10, 3, 300, 4, 400)])
    stats = vtep_server.vtep_ctl("get", "Physical_Port", "p1", "vlan_stats:10")
    assert vtep_server.vtep_ctl("get", "Logical_Binding_Stats", stats, "bytes_from_local") == "300"
    wait(db, lambda: db.discovered.binding_stats.get(("p1", 10)) == BindingStats("p1", 10, 3, 300, 4, 400))
    assert db.discovered.binding_stats[("p1", 20)] == BindingStats("p1", 20)
    vtep_server.vtep_ctl("unbind-ls", "gw1", "p1", "20")
    wait(db, lambda: 20 not in db.desired.ports["p1"].vlan_bindings)
    db.write_binding_stats([])
    stats_map = vtep_server.vtep_ctl("get", "Physical_Port", "p1", "vlan_stats")
    assert re.findall(r"(\d+)=", stats_map) == ["10"], stats_map
    wait(db, lambda: set(db.discovered.binding_stats) == {("p1", 10)})


def test_reconnect_after_server_restart_resyncs_without_losing_state(vtep_server, db):
    ls_setup(vtep_server)
    vtep_server.vtep_ctl("bind-ls", "gw1", "p1", "10", "ls1")
    vtep_server.vtep_ctl("add-ucast-remote", "ls1", MAC1, HV1)
    vtep_server.vtep_ctl("add-ucast-remote", "ls1", MAC2, HV2)
    wait(db, lambda: len(db.desired.ucast_macs_remote) == 2)
    before = db.desired

    vtep_server.stop()
    # Meanwhile another writer removed one MAC from the database file.
    mac2_uuid = _find_uuid(vtep_server, "Ucast_Macs_Remote", MAC2)
    vtep_server.offline_transact({"op": "delete", "table": "Ucast_Macs_Remote",
                                  "where": [["_uuid", "==", ["uuid", mac2_uuid]]]})
    db.poll(0.3)
    assert not db.synced
    assert db.desired == before, "state must hold while the database is away"
    with pytest.raises(VtepDbNotReady):
        db.write_faults([])

    vtep_server.start()
    changes = db.run_until(lambda: db.synced and len(db.desired.ucast_macs_remote) == 1, 20.0)
    assert [c.key for c in changes if c.new != c.old] == [("ucast", ("ls1", MAC2))]
    assert set(db.desired.ucast_macs_remote) == {("ls1", MAC1)}
    vtep_server.vtep_ctl("add-ucast-remote", "ls1", MAC2, HV1)
    wait(db, lambda: ("ls1", MAC2) in db.desired.ucast_macs_remote)
    db.write_faults([Fault(FaultTable.PHYSICAL_PORT, "p2", "unspecified_fault")])
    assert vtep_server.vtep_ctl("get", "Physical_Port", "p2", "port_fault_status") == "[unspecified_fault]"


def test_tcp_remote(vtep_server):
    db = VtepDb(vtep_server.tcp_remote, "gw1")
    try:
        vtep_server.vtep_ctl("add-ps", "gw1")
        db.run_until(lambda: db.synced and db.desired.switch is not None, TIMEOUT)
    finally:
        db.close()


def test_bad_remote_rejected():
    with pytest.raises(ValueError, match="unix:PATH or tcp"):
        VtepDb("ssl:127.0.0.1:6640", "gw1")


def _find_uuid(server: VtepServer, table: str, mac: str) -> str:
    """Read the file offline: ovsdb-tool query on the stopped server's database."""
    import json
    import subprocess

    out = subprocess.run(
        ["ovsdb-tool", "query", str(server.db_path),
         json.dumps(["hardware_vtep", {"op": "select", "table": table, "where": [["MAC", "==", mac]]}])],
        capture_output=True, text=True, check=True).stdout
    return json.loads(out)[0]["rows"][0]["_uuid"][1]
