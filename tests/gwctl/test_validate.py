"""Validation: bad rows become faults in the schema's terms, good rows still get realized."""

from dataclasses import replace

from gwctl.model import (
    Acl,
    AclAction,
    AclDirection,
    AclEntry,
    DesiredState,
    Fault,
    FaultTable,
    FrozenMap,
    LogicalRouter,
    LogicalSwitch,
    McastMacRemote,
    PhysicalLocator,
    PhysicalPort,
    PhysicalSwitch,
    ReplicationMode,
    UcastMacRemote,
    normalize_mac,
)
from gwctl.validate import Capabilities, validate

LOC = PhysicalLocator("198.18.0.2")


def base_state(**changes) -> DesiredState:
    state = DesiredState(
        switch=PhysicalSwitch("gw1", tunnel_ips=frozenset({"198.18.0.1"})),
        ports=FrozenMap({"p1": PhysicalPort("p1", vlan_bindings=FrozenMap({10: "ls1", 20: "ls2"}))}),
        logical_switches=FrozenMap({
            "ls1": LogicalSwitch("ls1", tunnel_key=5001),
            "ls2": LogicalSwitch("ls2", tunnel_key=5002),
        }),
        ucast_macs_remote=FrozenMap({
            ("ls1", "00:00:00:00:00:01"): UcastMacRemote("00:00:00:00:00:01", "ls1", LOC),
        }),
        mcast_macs_remote=FrozenMap({
            ("ls1", "unknown-dst"): McastMacRemote("unknown-dst", "ls1", frozenset({LOC})),
        }),
    )
    return replace(state, **changes)


def codes(faults, table=None):
    return {(f.table, f.row, f.code) for f in faults if table is None or f.table == table}


def test_good_state_has_no_faults_and_is_kept_whole():
    state = base_state()
    result = validate(state, Capabilities())
    assert result.faults == ()
    assert result.state == state


def test_vlan_out_of_range_faults_port_but_keeps_its_other_bindings():
    port = PhysicalPort("p1", vlan_bindings=FrozenMap({10: "ls1", 4096: "ls2"}))
    result = validate(base_state(ports=FrozenMap({"p1": port})), Capabilities())
    assert codes(result.faults) == {(FaultTable.PHYSICAL_PORT, "p1", "invalid_vlan_map")}
    assert dict(result.state.ports["p1"].vlan_bindings) == {10: "ls1"}


def test_binding_to_missing_logical_switch_is_invalid_vlan_map():
    port = PhysicalPort("p1", vlan_bindings=FrozenMap({10: "ls1", 30: "nope"}))
    result = validate(base_state(ports=FrozenMap({"p1": port})), Capabilities())
    assert codes(result.faults) == {(FaultTable.PHYSICAL_PORT, "p1", "invalid_vlan_map")}
    assert dict(result.state.ports["p1"].vlan_bindings) == {10: "ls1"}


def test_missing_tunnel_key_drops_switch_and_what_refers_to_it_without_port_fault():
    state = base_state()
    switches = state.logical_switches.set("ls1", LogicalSwitch("ls1"))
    result = validate(replace(state, logical_switches=switches), Capabilities())
    assert codes(result.faults) == {(FaultTable.LOGICAL_SWITCH, "ls1", "missing_tunnel_key")}
    assert "ls1" not in result.state.logical_switches
    assert dict(result.state.ports["p1"].vlan_bindings) == {20: "ls2"}
    assert not result.state.ucast_macs_remote
    assert not result.state.mcast_macs_remote


def test_duplicate_and_out_of_range_tunnel_keys():
    switches = FrozenMap({
        "ls1": LogicalSwitch("ls1", tunnel_key=7),
        "ls2": LogicalSwitch("ls2", tunnel_key=7),
        "ls3": LogicalSwitch("ls3", tunnel_key=1 << 24),
        "ls4": LogicalSwitch("ls4", tunnel_key=8),
    })
    result = validate(base_state(logical_switches=switches), Capabilities())
    assert codes(result.faults) == {
        (FaultTable.LOGICAL_SWITCH, "ls1", "duplicate_tunnel_key"),
        (FaultTable.LOGICAL_SWITCH, "ls2", "duplicate_tunnel_key"),
        (FaultTable.LOGICAL_SWITCH, "ls3", "invalid_tunnel_key"),
    }
    assert set(result.state.logical_switches) == {"ls4"}


def test_source_node_unsupported_is_switch_fault_and_falls_back_to_service_node():
    switches = FrozenMap({"ls1": LogicalSwitch("ls1", 1, ReplicationMode.SOURCE_NODE)})
    result = validate(base_state(logical_switches=switches, ports=FrozenMap()),
                      Capabilities(source_node_replication=False))
    assert codes(result.faults) == {
        (FaultTable.PHYSICAL_SWITCH, "gw1", "unsupported_source_node_replication")}
    assert result.state.logical_switches["ls1"].replication_mode == ReplicationMode.SERVICE_NODE


def test_switch_without_tunnel_ip_is_a_switch_fault():
    result = validate(base_state(switch=PhysicalSwitch("gw1")), Capabilities())
    assert (FaultTable.PHYSICAL_SWITCH, "gw1", "unspecified_fault") in codes(result.faults)


def _acl(*entries: AclEntry, name="a1") -> Acl:
    return Acl(name, entries)


def _entry(key="e1", seq=10, **fields) -> AclEntry:
    return AclEntry(key, seq, AclDirection.INGRESS, AclAction.DENY, **fields)


def test_acl_the_pipeline_cannot_express_faults_entry_acl_and_binding():
    acl = _acl(_entry("e1", source_mac="00:00:00:00:00:02", source_ip="192.0.2.1"),
               _entry("e2", 20, dest_ip="192.0.2.9"))
    port = PhysicalPort("p1", vlan_bindings=FrozenMap({10: "ls1"}), acl_bindings=FrozenMap({0: "a1"}))
    state = base_state(acls=FrozenMap({"a1": acl}), ports=FrozenMap({"p1": port}))
    assert validate(state, Capabilities()).faults == ()
    result = validate(state, Capabilities(acl_mixed_l2_l3=False))
    assert codes(result.faults) == {
        (FaultTable.ACL_ENTRY, "e1", "invalid_acl_entry"),
        (FaultTable.ACL, "a1", "invalid_acl"),
        (FaultTable.PHYSICAL_PORT, "p1", "invalid_ACL_binding"),
    }
    assert not result.state.acls
    assert not result.state.ports["p1"].acl_bindings
    assert dict(result.state.ports["p1"].vlan_bindings) == {10: "ls1"}


def test_acl_entry_value_checks():
    caps = Capabilities()
    bad = {
        "m": _entry("m", source_mac="zz"),
        "mask": _entry("mask", source_ip="192.0.2.0", source_mask="255.0.255.x"),
        "v6": _entry("v6", dest_ip="2001:db8::1"),
        "seq": _entry("seq", seq=2_000_000),
        "fam": _entry("fam", source_ip="192.0.2.0", source_mask="ffff::"),
        "ports": _entry("ports", dest_port_min=90, dest_port_max=80),
        "eth": _entry("eth", ethertype="0xZZ"),
        "field": _entry("field", tcp_flags=2),
    }
    for key, entry in bad.items():
        state = base_state(acls=FrozenMap({"a": _acl(entry, name="a")}))
        limited = replace(caps, acl_fields=caps.acl_fields - {"tcp_flags"}, acl_ipv6=False,
                          acl_max_sequence=999_999)
        result = validate(state, limited)
        assert (FaultTable.ACL_ENTRY, key, "invalid_acl_entry") in codes(result.faults), key
    ok = _entry("ok", source_ip="192.0.2.0", source_mask="255.0.255.0", ethertype="0x0800")
    assert validate(base_state(acls=FrozenMap({"a": _acl(ok, name="a")})), caps).faults == ()


def test_acl_entries_ordered_by_sequence():
    acl = _acl(_entry("b", 30), _entry("a", 10), _entry("c", 20))
    assert [e.key for e in acl.entries] == ["a", "c", "b"]


def test_acl_binding_mixing_port_and_vlan_is_invalid():
    acl = _acl(_entry())
    port = PhysicalPort("p1", acl_bindings=FrozenMap({0: "a1", 10: "a1"}))
    result = validate(base_state(acls=FrozenMap({"a1": acl}), ports=FrozenMap({"p1": port})), Capabilities())
    assert codes(result.faults) == {(FaultTable.PHYSICAL_PORT, "p1", "invalid_ACL_binding")}


def test_logical_router_faults():
    good = LogicalRouter("lr1", switch_binding=FrozenMap({"192.0.2.1/24": "ls1", "198.51.100.1/24": "ls2"}),
                         static_routes=FrozenMap({"203.0.113.0/24": "192.0.2.254"}))
    state = base_state(logical_routers=FrozenMap({"lr1": good}))
    assert validate(state, Capabilities()).faults == ()
    unsupported = validate(state, Capabilities(logical_routing=False))
    assert codes(unsupported.faults) == {
        (FaultTable.PHYSICAL_SWITCH, "gw1", "lr_support_fault"),
        (FaultTable.LOGICAL_ROUTER, "lr1", "unspecified_fault"),
    }
    assert not unsupported.state.logical_routers
    overlap = replace(good, switch_binding=good.switch_binding.set("192.0.2.129/25", "ls2"))
    result = validate(base_state(logical_routers=FrozenMap({"lr1": overlap})), Capabilities())
    assert (FaultTable.PHYSICAL_SWITCH, "gw1", "lr_switch_bindings_fault") in codes(result.faults)
    bad_route = replace(good, static_routes=FrozenMap({"203.0.113.0/24": "2001:db8::1"}))
    result = validate(base_state(logical_routers=FrozenMap({"lr1": bad_route})), Capabilities())
    assert (FaultTable.PHYSICAL_SWITCH, "gw1", "lr_static_routes_fault") in codes(result.faults)
    bad_acl = replace(good, acl_binding=FrozenMap({"192.0.2.1": "nope"}))
    result = validate(base_state(logical_routers=FrozenMap({"lr1": bad_acl})), Capabilities())
    assert codes(result.faults) == {(FaultTable.LOGICAL_ROUTER, "lr1", "invalid_ACL_binding")}
    acl = Acl("a1", (_entry(),))
    with_acl = replace(good, acl_binding=FrozenMap({"192.0.2.1": "a1"}))
    s = base_state(logical_routers=FrozenMap({"lr1": with_acl}), acls=FrozenMap({"a1": acl}))
    assert validate(s, Capabilities()).faults == ()
    no_router_acls = validate(s, Capabilities(router_acls=False))
    assert codes(no_router_acls.faults) == {(FaultTable.LOGICAL_ROUTER, "lr1", "invalid_ACL_binding")}
    assert not no_router_acls.state.logical_routers


def test_mac_rows_checked_and_locator_with_own_key_unsupported():
    ucast = FrozenMap({
        ("ls1", "bogus"): UcastMacRemote("bogus", "ls1", LOC),
        ("ls1", "01:00:5e:00:00:01"): UcastMacRemote("01:00:5e:00:00:01", "ls1", LOC),
        ("ls2", "00:00:00:00:00:03"): UcastMacRemote(
            "00:00:00:00:00:03", "ls2", PhysicalLocator("198.18.0.3", tunnel_key=9)),
        ("ls2", "00:00:00:00:00:04"): UcastMacRemote("00:00:00:00:00:04", "ls2", LOC),
    })
    result = validate(base_state(ucast_macs_remote=ucast), Capabilities())
    assert codes(result.faults) == {
        (FaultTable.UCAST_MACS_REMOTE, "ls1/bogus", "invalid_mac"),
        (FaultTable.UCAST_MACS_REMOTE, "ls1/01:00:5e:00:00:01", "invalid_mac"),
        (FaultTable.UCAST_MACS_REMOTE, "ls2/00:00:00:00:00:03", "unsupported_locator_tunnel_key"),
    }
    assert set(result.state.ucast_macs_remote) == {("ls2", "00:00:00:00:00:04")}


def test_validation_is_deterministic_and_faults_sorted():
    port = PhysicalPort("p1", vlan_bindings=FrozenMap({10: "x", 11: "y", 4097: "ls1"}))
    state = base_state(ports=FrozenMap({"p1": port}))
    a, b = validate(state, Capabilities()), validate(state, Capabilities())
    assert a == b
    assert list(a.faults) == sorted(a.faults)
    assert all(isinstance(f, Fault) for f in a.faults)


def test_frozen_map_and_mac_normalization():
    m = FrozenMap({1: "a"})
    assert m == {1: "a"} and hash(m) == hash(FrozenMap({1: "a"}))
    assert m.set(2, "b") == {1: "a", 2: "b"} and m == {1: "a"}
    assert m.remove(1) == {} and m.remove(3) is m
    assert normalize_mac("AA:BB:CC:DD:EE:FF") == "aa:bb:cc:dd:ee:ff"
    assert normalize_mac("unknown-dst") == "unknown-dst"
    assert PhysicalSwitch("s", frozenset({"198.18.0.9", "198.18.0.10"})).tunnel_ip == "198.18.0.9"
