"""translate: the entries vtep_gateway.p4 needs for a hardware_vtep state, and their stability."""

from __future__ import annotations

from dataclasses import replace

from hypothesis import given, settings
from hypothesis import strategies as st

from gwctl.inventory import from_dict
from gwctl.model import (
    UNKNOWN_DST,
    Acl,
    AclAction,
    AclDirection,
    AclEntry,
    DesiredState,
    FaultTable,
    FrozenMap,
    LearnedMac,
    LogicalRouter,
    LogicalSwitch,
    McastMacRemote,
    PhysicalLocator,
    PhysicalPort,
    PhysicalSwitch,
    ReplicationMode,
    UcastMacRemote,
)
from gwctl.pipelines import vtep_gateway as p4
from gwctl.reconcile import Entry, Kind, apply, reconcile
from gwctl.translate import Ids, learned_from_digest, recover_ids, recover_learned, translate
from gwctl.validate import validate

TUNNEL_IP = "198.18.0.1"
HV1, HV2, HV3 = "198.18.1.1", "198.18.1.2", "198.18.1.3"
MAC1, MAC2, MAC3 = "00:00:5e:00:53:01", "00:00:5e:00:53:02", "00:00:5e:00:53:03"
ROUTER_MAC = "02:00:00:00:00:fe"

INV = from_dict({
    "switch": {"name": "gw1", "tunnel_ips": [TUNNEL_IP], "router_mac": ROUTER_MAC},
    "port": [{"name": "p1", "number": 1}, {"name": "p2", "number": 2}, {"name": "p3", "number": 3}],
    "uplink": [{"name": "up1", "number": 10, "mac": "02:00:00:00:01:0a", "nexthop_mac": "02:00:00:00:02:0a"},
               {"name": "up2", "number": 11, "mac": "02:00:00:00:01:0b", "nexthop_mac": "02:00:00:00:02:0b"}],
})


def state(**changes) -> DesiredState:
    base = DesiredState(
        switch=PhysicalSwitch("gw1", frozenset({TUNNEL_IP})),
        ports=FrozenMap({
            "p1": PhysicalPort("p1", FrozenMap({10: "ls1"})),
            "p2": PhysicalPort("p2", FrozenMap({0: "ls1", 20: "ls2"})),
        }),
        logical_switches=FrozenMap({"ls1": LogicalSwitch("ls1", 5001), "ls2": LogicalSwitch("ls2", 5002)}),
        ucast_macs_remote=FrozenMap({
            ("ls1", MAC1): UcastMacRemote(MAC1, "ls1", PhysicalLocator(HV1), "192.0.2.11"),
        }),
        mcast_macs_remote=FrozenMap({
            ("ls1", UNKNOWN_DST): McastMacRemote(UNKNOWN_DST, "ls1",
                                                 frozenset({PhysicalLocator(HV2), PhysicalLocator(HV1)})),
        }),
    )
    return replace(base, **changes)


def table(entries, name):
    return {e for e in entries if e.table == name and e.kind == Kind.TABLE}


def one(entries, name, **key):
    found = [e for e in table(entries, name) if all(dict(e.key).get(k) == v for k, v in key.items())]
    assert len(found) == 1, (name, key, found)
    return found[0]


def params(entry):
    return dict(entry.params)


def groups(entries):
    return {e.key[0]: e.params for e in entries if e.kind == Kind.MCAST_GROUP}


def test_bindings_vnis_remote_macs_and_flooding():
    t = translate(state(), [], INV)
    e = t.entries
    assert t.faults == ()
    ls1, ls2 = t.ids.ls["ls1"], t.ids.ls["ls2"]
    b_p1 = t.ids.binding[("p1", 10)]
    b_p2 = t.ids.binding[("p2", 0)]
    assert params(one(e, p4.PORT_VLAN_TO_LS, ingress_port=1, vid=10)) == {"ls_id": ls1, "binding_id": b_p1,
                                                                         "acl_id": 0}
    assert params(one(e, p4.EGRESS_BINDING, binding_id=b_p2)) == {"vid": 0, "acl_id": 0}
    assert params(one(e, p4.VNI_TO_LS, vni=5002)) == {"ls_id": ls2}
    assert {dict(x.key)["ingress_port"]: x.action.rsplit(".", 1)[1] for x in table(e, p4.PORT_ROLE)} == {
        1: "set_access_port", 2: "set_access_port", 3: "set_access_port",
        10: "set_uplink_port", 11: "set_uplink_port"}
    # remote unicast MAC: to the tunnel of its hypervisor, and ARP suppression for its IP
    tid1 = t.ids.tunnel[HV1]
    fwd = one(e, p4.DMAC, ls_id=ls1, dst_mac=p4.mac_int(MAC1))
    assert (fwd.action, params(fwd)) == ("VtepIngress.l2.forward_to_tunnel",
                                         {"tunnel_id": tid1, "remote_ip": p4.ip_int(HV1)})
    assert params(one(e, p4.ARP_SUPPRESS, ls_id=ls1)) == {"target_mac": p4.mac_int(MAC1)}
    assert params(one(e, p4.TUNNEL_ENCAP, tunnel_id=tid1)) == {"src_ip": p4.ip_int(TUNNEL_IP),
                                                               "dst_ip": p4.ip_int(HV1)}
    assert {params(x)["tunnel_id"] for x in table(e, p4.REMOTE_VTEP_CHECK)} == {tid1, t.ids.tunnel[HV2]}
    # service_node: local bindings plus ONE unknown-dst locator (the lowest IP)
    flood = params(one(e, p4.LOGICAL_SWITCH, ls_id=ls1))["flood_group"]
    ports = {r[0] for r in groups(e)[flood]}
    assert {(1, b_p1), (2, b_p2)} <= set(groups(e)[flood])
    tunnel_replicas = [r for r in groups(e)[flood] if r[1] & p4.RID_TUNNEL_FLAG]
    assert [r[1] for r in tunnel_replicas] == [p4.RID_TUNNEL_FLAG | tid1]
    assert ports - {1, 2} <= {10, 11}
    # ls2 has one local binding and no remote: floods to it alone
    flood2 = params(one(e, p4.LOGICAL_SWITCH, ls_id=ls2))["flood_group"]
    assert groups(e)[flood2] == ((2, t.ids.binding[("p2", 20)]),)


def test_source_node_replicates_to_every_unknown_dst_locator():
    s = state()
    s = replace(s, logical_switches=s.logical_switches.set("ls1", LogicalSwitch("ls1", 5001,
                                                                               ReplicationMode.SOURCE_NODE)))
    t = translate(s, [], INV)
    flood = params(one(t.entries, p4.LOGICAL_SWITCH, ls_id=t.ids.ls["ls1"]))["flood_group"]
    rids = {r[1] for r in groups(t.entries)[flood] if r[1] & p4.RID_TUNNEL_FLAG}
    assert rids == {p4.RID_TUNNEL_FLAG | t.ids.tunnel[HV1], p4.RID_TUNNEL_FLAG | t.ids.tunnel[HV2]}


def test_learned_local_mac_forwards_to_its_binding_and_wins_over_remote():
    learned = [LearnedMac("ls1", MAC1, "p1", 10), LearnedMac("ls1", MAC2, "p2", 0),
               LearnedMac("ls1", MAC3, "p3", 5)]  # p3/5 is no binding: ignored
    t = translate(state(), learned, INV)
    ls1 = t.ids.ls["ls1"]
    fwd = one(t.entries, p4.DMAC, ls_id=ls1, dst_mac=p4.mac_int(MAC1))
    assert (fwd.action, params(fwd)) == ("VtepIngress.l2.forward_to_binding",
                                         {"binding_id": t.ids.binding[("p1", 10)], "port": 1})
    assert one(t.entries, p4.SMAC_LEARN, ls_id=ls1, src_mac=p4.mac_int(MAC2))
    assert not [x for x in table(t.entries, p4.DMAC) if dict(x.key)["dst_mac"] == p4.mac_int(MAC3)]


def test_port_not_on_this_switch_is_a_port_fault():
    s = state(ports=state().ports.set("p9", PhysicalPort("p9", FrozenMap({30: "ls2"}))))
    t = translate(s, [], INV)
    assert [(f.table, f.row, f.code) for f in t.faults] == [(FaultTable.PHYSICAL_PORT, "p9", "unspecified_fault")]
    assert ("p9", 30) not in t.ids.binding


def test_deterministic_whatever_the_insertion_order():
    s = state()
    reordered = replace(s, ports=FrozenMap(reversed(list(s.ports.items()))),
                        logical_switches=FrozenMap(reversed(list(s.logical_switches.items()))))
    assert translate(s, [], INV) == translate(reordered, [], INV)


def test_ids_are_sticky_so_adding_a_switch_rewrites_nothing_else():
    first = translate(state(), [], INV)
    s2 = state(ports=state().ports.set("p3", PhysicalPort("p3", FrozenMap({7: "aaa"}))),
               logical_switches=state().logical_switches.set("aaa", LogicalSwitch("aaa", 4000)))
    second = translate(s2, [], INV, first.ids)
    assert first.entries <= second.entries
    fresh = translate(s2, [], INV)   # without the previous ids "aaa" would take ls_id 1
    assert not first.entries <= fresh.entries


def test_restart_recovers_ids_from_target_and_converges_without_updates():
    s = state(acls=FrozenMap({"a1": Acl("a1", (AclEntry("e1", 10, AclDirection.INGRESS, AclAction.DENY,
                                                        dest_ip="192.0.2.0", dest_mask="255.255.255.0"),))}),
              logical_routers=FrozenMap({"lr1": LogicalRouter("lr1", FrozenMap({"192.0.2.1/24": "ls1"}))}))
    s = replace(s, ports=s.ports.set("p1", PhysicalPort("p1", FrozenMap({10: "ls1"}), FrozenMap({0: "a1"}))))
    learned = [LearnedMac("ls1", MAC2, "p1", 10)]
    # ids obtained after some churn (not the ones a fresh run would pick)
    churn = translate(replace(s, logical_switches=s.logical_switches.set("aaa", LogicalSwitch("aaa", 1)),
                              ports=s.ports.set("p3", PhysicalPort("p3", FrozenMap({3: "aaa"})))),
                      learned, INV)
    before = translate(s, learned, INV, churn.ids)
    assert reconcile(translate(s, learned, INV).entries, before.entries) != [], "fresh ids would differ"
    recovered = recover_ids(before.entries, s, INV)
    assert recover_learned(before.entries, recovered) == set(learned)
    after = translate(s, recover_learned(before.entries, recovered), INV, recovered)
    assert reconcile(after.entries, before.entries) == []
    assert after.ids.acl == before.ids.acl and after.ids.vrf == before.ids.vrf


def test_acl_bound_to_port_becomes_prioritized_ternary_entries():
    entries = (
        AclEntry("e2", 20, AclDirection.INGRESS, AclAction.PERMIT, source_ip="192.0.2.0",
                 source_mask="255.255.255.0", protocol=6, dest_port_min=80, dest_port_max=80),
        AclEntry("e1", 10, AclDirection.INGRESS, AclAction.DENY, source_mac="00:00:5E:00:53:09"),
        AclEntry("e3", 5, AclDirection.EGRESS, AclAction.DENY, ethertype="0x86dd"),
    )
    s = state(acls=FrozenMap({"a1": Acl("a1", entries)}))
    s = replace(s, ports=s.ports.set("p1", PhysicalPort("p1", FrozenMap({10: "ls1"}), FrozenMap({0: "a1"}))))
    t = translate(s, [], INV)
    acl_id = t.ids.acl["a1"]
    assert params(one(t.entries, p4.PORT_VLAN_TO_LS, ingress_port=1))["acl_id"] == acl_id
    assert params(one(t.entries, p4.EGRESS_BINDING, binding_id=t.ids.binding[("p1", 10)]))["acl_id"] == acl_id
    ing = sorted(table(t.entries, p4.ACL_INGRESS), key=lambda x: -x.priority)
    assert [x.action.rsplit(".", 1)[1] for x in ing] == ["acl_ingress_deny", "acl_ingress_permit"]
    assert dict(ing[0].key) == {"acl_id": acl_id, "src_mac": (p4.mac_int("00:00:5e:00:53:09"), (1 << 48) - 1)}
    assert dict(ing[1].key) == {"acl_id": acl_id, "ipv4_src": (p4.ip_int("192.0.2.0"), 0xFFFFFF00),
                                "ip_proto": (6, 0xFF), "l4_dport": (80, 80)}
    (egress,) = table(t.entries, p4.ACL_EGRESS)
    assert dict(egress.key) == {"acl_id": acl_id, "ether_type": (0x86DD, 0xFFFF)}
    # the port's other bindings get no ACL
    assert params(one(t.entries, p4.PORT_VLAN_TO_LS, ingress_port=2, vid=20))["acl_id"] == 0


def test_logical_router_routes_to_known_hosts_and_static_routes():
    s = state(ucast_macs_remote=state().ucast_macs_remote.set(
        ("ls2", MAC2), UcastMacRemote(MAC2, "ls2", PhysicalLocator(HV3), "198.51.100.7")),
        logical_routers=FrozenMap({"lr1": LogicalRouter(
            "lr1", FrozenMap({"192.0.2.1/24": "ls1", "198.51.100.1/24": "ls2"}),
            FrozenMap({"203.0.113.0/24": "198.51.100.7", "0.0.0.0/0": "198.51.100.99"}))}))
    t = translate(s, [], INV)
    vrf = t.ids.vrf["lr1"]
    ls1, ls2 = t.ids.ls["ls1"], t.ids.ls["ls2"]
    assert params(one(t.entries, p4.ROUTER_MAC, ls_id=ls1, dst_mac=p4.mac_int(ROUTER_MAC))) == {"vrf_id": vrf}
    routes = {dict(x.key)["ipv4_dst"]: params(x) for x in table(t.entries, p4.IPV4_ROUTE)}
    host = {"ls_id": ls1, "src_mac": p4.mac_int(ROUTER_MAC), "dst_mac": p4.mac_int(MAC1)}
    assert routes[(p4.ip_int("192.0.2.11"), 32)] == host
    assert routes[(p4.ip_int("203.0.113.0"), 24)] == {"ls_id": ls2, "src_mac": p4.mac_int(ROUTER_MAC),
                                                      "dst_mac": p4.mac_int(MAC2)}
    # the router answers ARP for its interface addresses
    arp = {dict(x.key)["target_ip"]: params(x)["target_mac"] for x in table(t.entries, p4.ARP_SUPPRESS)}
    assert arp[p4.ip_int("198.51.100.1")] == p4.mac_int(ROUTER_MAC)
    assert [(f.table, f.row) for f in t.faults] == [(FaultTable.LOGICAL_ROUTER, "lr1")]  # 198.51.100.99 unknown


def test_underlay_ecmp_over_all_uplinks_by_default():
    t = translate(state(), [], INV)
    (route,) = table(t.entries, p4.UNDERLAY_NEXTHOP)
    assert route.key == () and dict(route.params) == {"$group": t.ids.route_group["0.0.0.0/0"]}
    (grp,) = [x for x in t.entries if x.kind == Kind.PROFILE_GROUP]
    members = {x.key[0]: params(x)["port"] for x in t.entries if x.kind == Kind.PROFILE_MEMBER}
    assert {members[m] for m, _w in grp.params} == {10, 11}


def test_without_tunnel_ip_no_tunnels_but_local_switching_works():
    inv = replace(INV, tunnel_ips=())
    t = translate(state(), [LearnedMac("ls1", MAC2, "p2", 0)], inv)
    assert not table(t.entries, p4.TUNNEL_ENCAP) and not table(t.entries, p4.TUNNEL_TERM)
    assert one(t.entries, p4.DMAC, dst_mac=p4.mac_int(MAC2))


# ------------------------------------------------------------------ properties

LS_NAMES = ["ls1", "ls2", "ls3"]
IPS = [HV1, HV2, HV3, "198.18.2.1"]
MACS = [MAC1, MAC2, MAC3, "00:00:5e:00:53:04"]


@st.composite
def states(draw) -> tuple[DesiredState, tuple[LearnedMac, ...]]:
    names = draw(st.lists(st.sampled_from(LS_NAMES), unique=True))
    vnis = draw(st.lists(st.integers(1, 50), min_size=len(names), max_size=len(names), unique=True))
    switches = {n: LogicalSwitch(n, v, draw(st.sampled_from(list(ReplicationMode))))
                for n, v in zip(names, vnis, strict=True)}
    ports = {}
    for port in ("p1", "p2", "p3"):
        if names:
            b = draw(st.dictionaries(st.integers(0, 4), st.sampled_from(names), max_size=3))
            ports[port] = PhysicalPort(port, FrozenMap(b))
    ucast = {}
    mcast = {}
    if names:
        for ls, mac in draw(st.lists(st.tuples(st.sampled_from(names), st.sampled_from(MACS)), unique=True)):
            ucast[(ls, mac)] = UcastMacRemote(mac, ls, PhysicalLocator(draw(st.sampled_from(IPS))))
        for ls in draw(st.lists(st.sampled_from(names), unique=True)):
            locs = draw(st.frozensets(st.sampled_from(IPS), min_size=1))
            mcast[(ls, UNKNOWN_DST)] = McastMacRemote(UNKNOWN_DST, ls, frozenset(map(PhysicalLocator, locs)))
    learned = []
    for port, p in ports.items():
        for vlan, ls in p.vlan_bindings.items():
            if draw(st.booleans()):
                learned.append(LearnedMac(ls, draw(st.sampled_from(MACS)), port, vlan))
    s = DesiredState(PhysicalSwitch("gw1", frozenset({TUNNEL_IP})), FrozenMap(ports), FrozenMap(switches),
                     FrozenMap(ucast), FrozenMap(mcast))
    return s, tuple(learned)


def referenced_groups(entries: frozenset[Entry]) -> set[int]:
    out = set()
    for e in entries:
        p = dict(e.params)
        if e.table == p4.LOGICAL_SWITCH and p["flood_group"]:
            out.add(p["flood_group"])
        if e.table == p4.DMAC and "mcast_grp" in p:
            out.add(p["mcast_grp"])
    return out


@settings(max_examples=150, deadline=None)
@given(states(), states())
def test_reconcile_from_one_state_to_another_reaches_exactly_the_new_entries(a, b):
    (s1, l1), (s2, l2) = a, b
    t1 = translate(validate(s1, p4.CAPABILITIES).state, l1, INV)
    t2 = translate(validate(s2, p4.CAPABILITIES).state, l2, INV, t1.ids)
    state_now = t1.entries
    for batch in reconcile(t2.entries, t1.entries):
        state_now = apply(state_now, batch)
        groups_now = {e.key[0] for e in state_now if e.kind == Kind.MCAST_GROUP}
        assert referenced_groups(state_now) <= groups_now, "entry points to a missing multicast group"
    assert state_now == t2.entries
    assert reconcile(t2.entries, state_now) == []


@settings(max_examples=100, deadline=None)
@given(states())
def test_translation_is_total_and_ids_in_range(a):
    s, learned = a
    t = translate(validate(s, p4.CAPABILITIES).state, learned, INV, Ids())
    assert all(1 <= i <= p4.LS_ID_MAX for i in t.ids.ls.values())
    assert all(1 <= i <= p4.BINDING_ID_MAX for i in t.ids.binding.values())
    assert referenced_groups(t.entries) <= {e.key[0] for e in t.entries if e.kind == Kind.MCAST_GROUP}
    # every binding of a realized logical switch is realized
    assert len(table(t.entries, p4.PORT_VLAN_TO_LS)) == sum(len(p.vlan_bindings) for p in s.ports.values())


def test_learn_digest_becomes_a_learned_mac_of_the_right_binding():
    t = translate(state(), [], INV)
    item = {"ls_id": t.ids.ls["ls1"], "src_mac": p4.mac_int(MAC3), "ingress_port": 2, "vid": 0,
            "binding_id": t.ids.binding[("p2", 0)]}
    event = p4.parse_learn_digest(item)
    assert learned_from_digest(event, t.ids) == LearnedMac("ls1", MAC3, "p2", 0)
    stale = p4.parse_learn_digest({**item, "binding_id": 999})
    assert learned_from_digest(stale, t.ids) is None
