"""Every entry translate produces is valid for the real vtep_gateway.p4 P4Info.

The P4Info is what p4sim compiles from p4src/vtep_gateway.p4; each entry is
encoded by finsy against it, which checks table, action, match field and
parameter names, match kinds and value widths. A renamed table or a changed
action signature in the program fails here, not on a switch.
"""

from dataclasses import replace
from pathlib import Path

import finsy
import pytest
from finsy import p4entity

from gwctl.model import Acl, AclAction, AclDirection, AclEntry, FrozenMap, LearnedMac, LogicalRouter, PhysicalPort
from gwctl.p4rt import from_entity, to_entity
from gwctl.pipelines import vtep_gateway as p4
from gwctl.reconcile import Kind
from gwctl.translate import translate
from tests.gwctl.p4sim_target import REPO, compile_program
from tests.gwctl.test_translate import INV, MAC2, state


@pytest.fixture(scope="module")
def schema(tmp_path_factory: pytest.TempPathFactory) -> finsy.P4Schema:
    prog = compile_program(REPO / "p4src/vtep_gateway.p4", Path(tmp_path_factory.mktemp("p4")))
    return finsy.P4Schema(prog.p4info)


def rich_translation():
    acl = Acl("a1", (
        AclEntry("e1", 10, AclDirection.INGRESS, AclAction.DENY, source_mac="00:00:5e:00:53:09",
                 ethertype="0x0800", source_ip="192.0.2.0", source_mask="255.255.255.0", protocol=6,
                 source_port_min=1000, dest_port_max=1023, tcp_flags=2, tcp_flags_mask=2),
        AclEntry("e2", 20, AclDirection.EGRESS, AclAction.PERMIT, dest_ip="198.51.100.1", icmp_type=8,
                 icmp_code=0),
    ))
    s = state(acls=FrozenMap({"a1": acl}),
              logical_routers=FrozenMap({"lr1": LogicalRouter(
                  "lr1", FrozenMap({"192.0.2.1/24": "ls1", "198.51.100.1/24": "ls2"}),
                  FrozenMap({"203.0.113.0/24": "192.0.2.11"}))}))
    s = replace(s, ports=s.ports.set("p1", PhysicalPort("p1", FrozenMap({10: "ls1"}), FrozenMap({0: "a1"}))))
    return translate(s, [LearnedMac("ls1", MAC2, "p1", 10)], INV)


def test_every_translated_entry_encodes_and_round_trips(schema):
    t = rich_translation()
    kinds = {e.kind for e in t.entries}
    tables = {e.table for e in t.entries if e.kind == Kind.TABLE}
    assert {Kind.TABLE, Kind.MCAST_GROUP, Kind.PROFILE_MEMBER, Kind.PROFILE_GROUP} <= kinds
    assert len(tables) >= 16, sorted(tables)
    for entry in sorted(t.entries, key=str):
        wire = to_entity(entry).encode(schema)
        assert from_entity(p4entity.decode_entity(wire, schema), schema) == entry, str(entry)


def test_pipeline_module_names_exist_in_p4info(schema):
    tables = {t.name for t in schema.tables}
    for name in (p4.PORT_ROLE, p4.PORT_VLAN_TO_LS, p4.TUNNEL_TERM, p4.REMOTE_VTEP_CHECK, p4.VNI_TO_LS,
                 p4.ACL_INGRESS, p4.SMAC_LEARN, p4.ARP_SUPPRESS, p4.ROUTER_MAC, p4.IPV4_ROUTE,
                 p4.LOGICAL_SWITCH, p4.DMAC, p4.UNDERLAY_NEXTHOP, p4.EGRESS_BINDING, p4.ACL_EGRESS,
                 p4.TUNNEL_ENCAP, p4.UPLINK_NEXTHOP):
        assert name in tables
    assert p4.UNDERLAY_SELECTOR in {a.name for a in schema.action_profiles}
    assert p4.MAC_LEARN_DIGEST in {d.name for d in schema.digests}
    assert {p4.BINDING_RX_COUNTER, p4.BINDING_TX_COUNTER} <= {c.name for c in schema.counters}
