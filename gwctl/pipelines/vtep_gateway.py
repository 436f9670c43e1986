"""p4src/vtep_gateway.p4 as gwctl sees it: every P4 name, constant and id range, in one place.

`gwctl.translate` decides *what* the switch must do; this module says *how*
that is written in this program's tables. If the program renames a table or
changes an id range, only this file changes (together with p4src/include/
define.p4, size.p4 and docs/pipeline.md, which it mirrors).

Values are integers (MACs and IPv4 addresses too), as `gwctl.reconcile.Entry`
expects; ternary fields are (value, mask), ranges (lo, hi), LPM
(value, prefix_len); don't-care fields are left out of the key.
"""

from __future__ import annotations

import functools
import ipaddress
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from gwctl.reconcile import Entry, Kind
from gwctl.validate import Capabilities

PROGRAM = "vtep_gateway.p4"

# ---- constants of define.p4 / size.p4 ------------------------------------
TUNNEL_VXLAN = 1
TUNNEL_GENEVE = 2
RID_TUNNEL_FLAG = 0x8000
ID_MIN = 1
LS_ID_MAX = 4095          # LOGICAL_SWITCH_TABLE_SIZE - 1
BINDING_ID_MAX = 4095     # BINDING_COUNTER_SIZE - 1, and rid < 0x1000
TUNNEL_ID_MAX = 4095      # REMOTE_VTEP_COUNTER_SIZE - 1, and rid & 0x0FFF
ACL_ID_MAX = 65535
VRF_ID_MAX = 65535
FLOOD_GROUP_BASE = 0      # flood group of a logical switch = ls_id (1..4095)
MAC_GROUP_MIN, MAC_GROUP_MAX = 0x1000, 0x7FFF   # groups of Mcast_Macs_Remote rows with a MAC
ECMP_MEMBER_MIN, ECMP_MEMBER_MAX = 1, 1024      # UNDERLAY_SELECTOR_SIZE
ECMP_GROUP_MIN, ECMP_GROUP_MAX = 1, 1024        # UNDERLAY_ROUTE_TABLE_SIZE
ACL_PRIORITY_TOP = 1_000_000
"""P4 priority of an ACL entry = ACL_PRIORITY_TOP - sequence: lower sequence matches first (vtep(5))."""

CAPABILITIES = Capabilities(
    source_node_replication=True,
    logical_routing=True,
    acl_mixed_l2_l3=True,
    acl_per_vlan=True,
    acl_ipv6=False,
    acl_max_sequence=ACL_PRIORITY_TOP - 1,
    ipv6_routing=False,
    router_acls=False,   # docs/pipeline.md 3.6: Logical_Router.acl_binding is not implemented
)

# ---- names ---------------------------------------------------------------
PORT_ROLE = "VtepIngress.ports.port_role"
PORT_VLAN_TO_LS = "VtepIngress.access.port_vlan_to_ls"
TUNNEL_TERM = "VtepIngress.tunnel.tunnel_term"
REMOTE_VTEP_CHECK = "VtepIngress.tunnel.remote_vtep_check"
VNI_TO_LS = "VtepIngress.tunnel.vni_to_ls"
ACL_INGRESS = "VtepIngress.acl.acl_ingress"
SMAC_LEARN = "VtepIngress.learning.smac_learn"
ARP_SUPPRESS = "VtepIngress.arp.arp_suppress"
ROUTER_MAC = "VtepIngress.routing.router_mac"
IPV4_ROUTE = "VtepIngress.routing.ipv4_route"
LOGICAL_SWITCH = "VtepIngress.ls.logical_switch"
DMAC = "VtepIngress.l2.dmac"
UNDERLAY_NEXTHOP = "VtepIngress.underlay.underlay_nexthop"
UNDERLAY_SELECTOR = "VtepIngress.underlay.underlay_ecmp_selector"
EGRESS_BINDING = "VtepEgress.binding.egress_binding"
ACL_EGRESS = "VtepEgress.acl.acl_egress"
TUNNEL_ENCAP = "VtepEgress.encap.tunnel_encap"
UPLINK_NEXTHOP = "VtepEgress.encap.uplink_nexthop"

MAC_LEARN_DIGEST = "mac_learn_digest_t"
CPU_PORT = 255            # define.p4 CPU_PORT: the target must run with --cpu-port 255
PUNT_UNDERLAY_ARP = 1     # packet_in.reason: any ARP received on an uplink
PUNT_TUNNEL_BFD = 3       # packet_in.reason: terminated VXLAN from a known VTEP to inner MAC 00:23:20:00:00:01
BINDING_RX_COUNTER = "VtepIngress.access.binding_rx"
BINDING_TX_COUNTER = "VtepEgress.vlan.binding_tx"
REMOTE_VTEP_RX_COUNTER = "VtepIngress.tunnel.remote_vtep_rx"   # index tunnel_id; counts BFD packets too

_ACL_TABLES = {"ingress": ACL_INGRESS, "egress": ACL_EGRESS}
_ACL_ACTIONS = {
    ("ingress", "permit"): "VtepIngress.acl.acl_ingress_permit",
    ("ingress", "deny"): "VtepIngress.acl.acl_ingress_deny",
    ("egress", "permit"): "VtepEgress.acl.acl_egress_permit",
    ("egress", "deny"): "VtepEgress.acl.acl_egress_deny",
}
_FULL = {"src_mac": 48, "dst_mac": 48, "ether_type": 16, "ipv4_src": 32, "ipv4_dst": 32, "ip_proto": 8,
         "tcp_flags": 8, "icmp_type": 8, "icmp_code": 8}


def _t(table: str, key: Mapping[str, object], action: str, priority: int = 0, **params: int) -> Entry:
    return Entry(Kind.TABLE, table, tuple(sorted(key.items())), priority, action, tuple(sorted(params.items())))


def mac_int(mac: str) -> int:
    return int(mac.replace(":", ""), 16)


@functools.lru_cache(maxsize=1 << 16)
def ip_int(ip: str) -> int:
    """Cached: every remote MAC entry names one of a few VTEP addresses, and ipaddress parses slowly."""
    return int(ipaddress.IPv4Address(ip))


# ---- entry constructors ----------------------------------------------------


def port_role(port: int, uplink: bool) -> Entry:
    action = "VtepIngress.ports.set_uplink_port" if uplink else "VtepIngress.ports.set_access_port"
    return _t(PORT_ROLE, {"ingress_port": port}, action)


def port_vlan_to_ls(port: int, vid: int, ls_id: int, binding_id: int, acl_id: int) -> Entry:
    return _t(PORT_VLAN_TO_LS, {"ingress_port": port, "vid": vid}, "VtepIngress.access.set_ingress_binding",
              ls_id=ls_id, binding_id=binding_id, acl_id=acl_id)


def egress_binding(binding_id: int, vid: int, acl_id: int) -> Entry:
    return _t(EGRESS_BINDING, {"binding_id": binding_id}, "VtepEgress.binding.set_egress_binding",
              vid=vid, acl_id=acl_id)


def tunnel_term(ip: str) -> Entry:
    return _t(TUNNEL_TERM, {"dst_ip": ip_int(ip), "tunnel_type": TUNNEL_VXLAN}, "VtepIngress.tunnel.term_tunnel")


def remote_vtep_check(ip: str, tunnel_id: int) -> Entry:
    return _t(REMOTE_VTEP_CHECK, {"src_ip": ip_int(ip), "tunnel_type": TUNNEL_VXLAN},
              "VtepIngress.tunnel.set_remote_vtep", tunnel_id=tunnel_id)


def vni_to_ls(vni: int, ls_id: int) -> Entry:
    return _t(VNI_TO_LS, {"vni": vni}, "VtepIngress.tunnel.set_ls_from_vni", ls_id=ls_id)


def logical_switch(ls_id: int, vni: int, flood_group: int) -> Entry:
    return _t(LOGICAL_SWITCH, {"ls_id": ls_id}, "VtepIngress.ls.set_logical_switch",
              vni=vni, flood_group=flood_group)


# The per-MAC constructors build their (already sorted) tuples directly: they run once per MAC row.


def dmac_to_binding(ls_id: int, mac: str, binding_id: int, port: int) -> Entry:
    return Entry(Kind.TABLE, DMAC, (("dst_mac", mac_int(mac)), ("ls_id", ls_id)), 0,
                 "VtepIngress.l2.forward_to_binding", (("binding_id", binding_id), ("port", port)))


def dmac_to_tunnel(ls_id: int, mac: str, tunnel_id: int, remote_ip: str) -> Entry:
    return Entry(Kind.TABLE, DMAC, (("dst_mac", mac_int(mac)), _ls_pair(ls_id)), 0,
                 "VtepIngress.l2.forward_to_tunnel", _tunnel_params(ip_int(remote_ip), tunnel_id))


@functools.lru_cache(maxsize=1 << 12)
def _ls_pair(ls_id: int) -> tuple[str, int]:
    """Shared by every MAC entry of a logical switch (memory: 100,000 entries, a few switches)."""
    return ("ls_id", ls_id)


@functools.lru_cache(maxsize=1 << 12)
def _tunnel_params(remote_ip: int, tunnel_id: int) -> tuple[tuple[str, int], ...]:
    """Shared by every MAC entry behind one tunnel."""
    return (("remote_ip", remote_ip), ("tunnel_id", tunnel_id))


def dmac_to_group(ls_id: int, mac: str, group: int) -> Entry:
    return _t(DMAC, {"ls_id": ls_id, "dst_mac": mac_int(mac)}, "VtepIngress.l2.forward_to_group",
              mcast_grp=group)


def smac_known(ls_id: int, mac: str, binding_id: int) -> Entry:
    return Entry(Kind.TABLE, SMAC_LEARN, (("binding_id", binding_id), ("ls_id", ls_id), ("src_mac", mac_int(mac))),
                 0, "VtepIngress.learning.mac_known", ())


def arp_reply(ls_id: int, ip: str, mac: str) -> Entry:
    return Entry(Kind.TABLE, ARP_SUPPRESS, (("ls_id", ls_id), ("target_ip", ip_int(ip))), 0,
                 "VtepIngress.arp.arp_reply", (("target_mac", mac_int(mac)),))


def router_mac(ls_id: int, mac: str, vrf_id: int) -> Entry:
    return _t(ROUTER_MAC, {"ls_id": ls_id, "dst_mac": mac_int(mac)}, "VtepIngress.routing.set_router",
              vrf_id=vrf_id)


def ipv4_route(vrf_id: int, prefix: str, ls_id: int, src_mac: str, dst_mac: str) -> Entry:
    net = ipaddress.IPv4Network(prefix)
    key: dict[str, object] = {"vrf_id": vrf_id}
    if net.prefixlen:
        key["ipv4_dst"] = (int(net.network_address), net.prefixlen)
    return _t(IPV4_ROUTE, key, "VtepIngress.routing.route_to_ls",
              ls_id=ls_id, src_mac=mac_int(src_mac), dst_mac=mac_int(dst_mac))


def tunnel_encap(tunnel_id: int, src_ip: str, dst_ip: str) -> Entry:
    return _t(TUNNEL_ENCAP, {"tunnel_id": tunnel_id}, "VtepEgress.encap.encap_vxlan",
              src_ip=ip_int(src_ip), dst_ip=ip_int(dst_ip))


def uplink_nexthop(port: int, src_mac: str, dst_mac: str) -> Entry:
    return _t(UPLINK_NEXTHOP, {"egress_port": port}, "VtepEgress.encap.set_uplink_nexthop",
              src_mac=mac_int(src_mac), dst_mac=mac_int(dst_mac))


def ecmp_member(member_id: int, port: int, src_mac: str, dst_mac: str) -> Entry:
    return Entry(Kind.PROFILE_MEMBER, UNDERLAY_SELECTOR, (member_id,), 0,
                 "VtepIngress.underlay.set_underlay_nexthop",
                 (("dst_mac", mac_int(dst_mac)), ("port", port), ("src_mac", mac_int(src_mac))))


def ecmp_group(group_id: int, member_ids: Iterable[int]) -> Entry:
    return Entry(Kind.PROFILE_GROUP, UNDERLAY_SELECTOR, (group_id,), params=tuple((m, 1) for m in sorted(member_ids)))


def underlay_route(prefix: str, group_id: int) -> Entry:
    net = ipaddress.IPv4Network(prefix)
    key = (("remote_ip", (int(net.network_address), net.prefixlen)),) if net.prefixlen else ()
    return Entry(Kind.TABLE, UNDERLAY_NEXTHOP, key, 0, "", (("$group", group_id),))


def flood_group(group_id: int, replicas: Iterable[tuple[int, int]]) -> Entry:
    """A multicast group; replicas are (egress port, egress_rid) with rid encoding as in define.p4."""
    return Entry(Kind.MCAST_GROUP, "", (group_id,), params=tuple(sorted(set(replicas))))


def binding_rid(binding_id: int) -> int:
    return binding_id


def tunnel_rid(tunnel_id: int) -> int:
    return RID_TUNNEL_FLAG | tunnel_id


@dataclass(frozen=True)
class AclMatch:
    """One ACL_entry's match in pipeline terms (None = don't care)."""

    src_mac: str | None = None
    dst_mac: str | None = None
    ether_type: int | None = None
    ipv4_src: tuple[str, str] | None = None
    ipv4_dst: tuple[str, str] | None = None
    ip_proto: int | None = None
    l4_sport: tuple[int, int] | None = None
    l4_dport: tuple[int, int] | None = None
    tcp_flags: tuple[int, int] | None = None
    icmp_type: int | None = None
    icmp_code: int | None = None


def acl_entry(direction: str, acl_id: int, sequence: int, permit: bool, m: AclMatch) -> Entry:
    key: dict[str, object] = {"acl_id": acl_id}
    full = {name: (1 << bits) - 1 for name, bits in _FULL.items()}
    if m.src_mac is not None:
        key["src_mac"] = (mac_int(m.src_mac), full["src_mac"])
    if m.dst_mac is not None:
        key["dst_mac"] = (mac_int(m.dst_mac), full["dst_mac"])
    if m.ether_type is not None:
        key["ether_type"] = (m.ether_type, full["ether_type"])
    for name, value in (("ipv4_src", m.ipv4_src), ("ipv4_dst", m.ipv4_dst)):
        if value is not None:
            ip, mask = ip_int(value[0]), ip_int(value[1])
            if mask:
                key[name] = (ip & mask, mask)
    for name, value in (("ip_proto", m.ip_proto), ("icmp_type", m.icmp_type), ("icmp_code", m.icmp_code)):
        if value is not None:
            key[name] = (value, full[name])
    if m.tcp_flags is not None and m.tcp_flags[1]:
        key["tcp_flags"] = (m.tcp_flags[0] & m.tcp_flags[1], m.tcp_flags[1])
    for name, rng in (("l4_sport", m.l4_sport), ("l4_dport", m.l4_dport)):
        if rng is not None and rng != (0, 0xFFFF):
            key[name] = rng
    action = _ACL_ACTIONS[(direction, "permit" if permit else "deny")]
    return _t(_ACL_TABLES[direction], key, action, ACL_PRIORITY_TOP - sequence)


# ---- reading entries back (id recovery after a restart) ---------------------


def _key(entry: Entry) -> dict:
    return dict(entry.key)


def _params(entry: Entry) -> dict:
    return dict(entry.params)


@dataclass(frozen=True)
class RecoveredIds:
    """Ids found in the target's entries, by what they identify in pipeline terms (numbers, not names)."""

    ls_by_vni: dict[int, int]
    binding_by_port_vid: dict[tuple[int, int], int]
    tunnel_by_ip: dict[int, int]
    acl_by_binding: dict[int, int]
    vrf_by_ls_mac: dict[tuple[int, int], int]
    group_by_ls_mac: dict[tuple[int, int], int]
    member_by_port: dict[int, int]
    group_by_prefix: dict[tuple[int, int] | None, int]
    learned: set[tuple[int, int, int]]
    """(ls_id, MAC, binding_id) of smac_learn entries: MACs learned before a restart."""


def recover(entries: Iterable[Entry]) -> RecoveredIds:
    out = RecoveredIds({}, {}, {}, {}, {}, {}, {}, {}, set())
    for e in entries:
        if e.kind not in (Kind.TABLE, Kind.PROFILE_MEMBER):
            continue
        k, p = _key(e) if e.kind == Kind.TABLE else {}, _params(e)
        if e.table == LOGICAL_SWITCH and e.kind == Kind.TABLE:
            out.ls_by_vni[p["vni"]] = k["ls_id"]
        elif e.table == PORT_VLAN_TO_LS:
            out.binding_by_port_vid[(k["ingress_port"], k["vid"])] = p["binding_id"]
            out.acl_by_binding[p["binding_id"]] = p["acl_id"]
        elif e.table == SMAC_LEARN:
            out.learned.add((k["ls_id"], k["src_mac"], k["binding_id"]))
        elif e.table == TUNNEL_ENCAP:
            out.tunnel_by_ip[p["dst_ip"]] = k["tunnel_id"]
        elif e.table == ROUTER_MAC:
            out.vrf_by_ls_mac[(k["ls_id"], k["dst_mac"])] = p["vrf_id"]
        elif e.table == DMAC and e.action == "VtepIngress.l2.forward_to_group":
            out.group_by_ls_mac[(k["ls_id"], k["dst_mac"])] = p["mcast_grp"]
        elif e.kind == Kind.PROFILE_MEMBER and e.table == UNDERLAY_SELECTOR:
            out.member_by_port[p["port"]] = e.key[0]
        elif e.table == UNDERLAY_NEXTHOP and e.kind == Kind.TABLE:
            out.group_by_prefix[k.get("remote_ip")] = p.get("$group", 0)
    return out


@dataclass(frozen=True)
class LearnEvent:
    """One mac_learn_digest_t item: a source MAC seen on a binding that smac_learn did not know."""

    ls_id: int
    mac: str
    port: int
    vid: int
    binding_id: int


def mac_text(value: int) -> str:
    text = f"{value:012x}"
    return ":".join(text[i:i + 2] for i in range(0, 12, 2))


def parse_learn_digest(item: Mapping[str, int]) -> LearnEvent:
    return LearnEvent(item["ls_id"], mac_text(item["src_mac"]), item["ingress_port"], item["vid"],
                      item["binding_id"])


def packet_in_port_and_reason(metadata: Mapping[str, int]) -> tuple[int, int]:
    return metadata["ingress_port"], metadata["reason"]


def packet_out_metadata(egress_port: int) -> dict[str, int]:
    """packet_out header: the frame leaves by `egress_port` untouched (no lookups)."""
    return {"egress_port": egress_port, "_pad": 0}
