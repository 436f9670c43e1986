"""Desired state -> the entries and groups vtep_gateway.p4 needs. Pure, deterministic, total.

Input: the validated desired state (rows that cannot be realized are already
out), the MACs learned on local bindings, the switch inventory (port
numbers, uplinks) and the ids allocated last time. Output: every entry the
target must hold, the ids now in use, and faults for what the switch lacks
(a port not on this box, an id range or a route missing). The same input
always gives the same output; nothing here does I/O.

Behaviour follows OVS's VTEP emulator (ovs-vtep) where the schema leaves
room: a logical switch is realized when this switch has a binding in it (or
a logical router uses it); BUM traffic goes to local bindings and, in
service_node mode, to one unknown-dst locator (the lowest IP, for
stability, skipping locators whose BFD session is down), in source_node mode to all of them; a MAC learned locally wins
over the same MAC listed as remote (it has just been seen here).
"""

from __future__ import annotations

import dataclasses
import ipaddress
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from gwctl.alloc import allocate
from gwctl.inventory import Inventory, UnderlayRoute, Uplink
from gwctl.model import (
    UNKNOWN_DST,
    AclAction,
    AclEntry,
    DesiredState,
    Fault,
    FaultTable,
    FrozenMap,
    LearnedMac,
    PhysicalLocator,
    PhysicalSwitch,
    ReplicationMode,
    UcastMacRemote,
)
from gwctl.pipelines import vtep_gateway as p4
from gwctl.reconcile import Entry


@dataclass(frozen=True)
class Ids:
    """Ids allocated to names; carried from one translation to the next so they stay put."""

    ls: FrozenMap[str, int] = field(default_factory=FrozenMap)
    binding: FrozenMap[tuple[str, int], int] = field(default_factory=FrozenMap)
    tunnel: FrozenMap[str, int] = field(default_factory=FrozenMap)
    acl: FrozenMap[str, int] = field(default_factory=FrozenMap)
    vrf: FrozenMap[str, int] = field(default_factory=FrozenMap)
    mac_group: FrozenMap[tuple[str, str], int] = field(default_factory=FrozenMap)
    member: FrozenMap[str, int] = field(default_factory=FrozenMap)
    route_group: FrozenMap[str, int] = field(default_factory=FrozenMap)


@dataclass(frozen=True)
class Translation:
    entries: frozenset[Entry]
    ids: Ids
    faults: tuple[Fault, ...]


class _Out:
    """Collects entries by identity; the first writer of an identity wins, later ones are reported."""

    def __init__(self) -> None:
        self.entries: dict[tuple, Entry] = {}
        self.faults: list[Fault] = []

    def add(self, entry: Entry, conflict: Fault | None = None) -> bool:
        seen = self.entries.get(entry.identity)
        if seen is None:
            self.entries[entry.identity] = entry
            return True
        if seen != entry and conflict is not None:
            self.faults.append(conflict)
        return False


@dataclass(frozen=True)
class MacSummary:
    """What the per-switch part of the translation needs to know of the Ucast_Macs_Remote rows.

    The rows themselves are translated one by one (`ucast_entries`); only two
    things about them reach further: which remote VTEPs they name (tunnels
    are allocated for those) and which hosts with an IPv4 address live in a
    switch (a logical router routes to them). Keeping this summary apart lets
    the incremental layer re-run the per-switch part only when it changes.
    """

    ips: Mapping[str, Collection[str]] = field(default_factory=dict)
    """Logical switch -> locator IPs of its rows."""
    hosts: Mapping[str, Mapping[str, tuple[str, str]]] = field(default_factory=dict)
    """Logical switch -> MAC -> (IPv4 ipaddr, locator IP), for rows with an IPv4 ipaddr."""


def summarize_macs(rows: Iterable[UcastMacRemote]) -> MacSummary:
    ips: dict[str, set[str]] = {}
    hosts: dict[str, dict[str, tuple[str, str]]] = {}
    for row in rows:
        ips.setdefault(row.logical_switch, set()).add(row.locator.dst_ip)
        if row.ipaddr and _is_ipv4(row.ipaddr):
            hosts.setdefault(row.logical_switch, {})[row.mac] = (row.ipaddr, row.locator.dst_ip)
    return MacSummary(ips, hosts)


@dataclass(frozen=True)
class Core:
    """The translation of everything but the per-MAC rows, and what those need from it.

    `first` holds entries that precede the MAC entries in precedence (no
    MAC entry can share their identity anyway), `last` those that MAC
    entries override: a multicast MAC's dmac entry and a router's ARP reply
    lose to a unicast MAC row or a learned MAC with the same identity.
    """

    first: Mapping[tuple, Entry]
    last: Mapping[tuple, Entry]
    ids: Ids
    faults: tuple[Fault, ...]
    tunnels: Mapping[str, int]
    """Remote VTEP IP -> tunnel_id, for MAC rows (empty without a tunnel IP of our own)."""
    bindings: Mapping[tuple[str, int], tuple[int, int, str]]
    """Realized (port, VLAN) -> (binding_id, port number, logical switch), for learned MACs."""


def translate(state: DesiredState, learned: Iterable[LearnedMac], inventory: Inventory,
              previous: Ids = Ids(), *, down_locators: frozenset[str] | None = None) -> Translation:
    """The whole translation: per-switch part, then learned MACs, remote MACs, and what they override.

    The reference for `gwctl.incremental`, which must always arrive at the same result.
    `down_locators` (remote VTEPs whose BFD session is enabled and not up),
    when given, replaces `state.switch.down_locators`: service-node
    replication picks a locator not in it.
    """
    state = with_liveness(state, down_locators, inventory)
    core = translate_core(state, summarize_macs(state.ucast_macs_remote.values()), inventory, previous)
    entries = dict(core.first)
    for m in sorted(set(learned)):
        for e in learned_entries(m, core):
            entries.setdefault(e.identity, e)
    for _key, row in sorted(state.ucast_macs_remote.items()):
        for e in ucast_entries(row, core):
            entries.setdefault(e.identity, e)
    for ident, e in core.last.items():
        entries.setdefault(ident, e)
    return Translation(frozenset(entries.values()), core.ids, core.faults)


def with_liveness(state: DesiredState, down_locators: frozenset[str] | None, inventory: Inventory) -> DesiredState:
    """The state with the switch's `down_locators` set (None: unchanged); a switch row is assumed if missing."""
    if down_locators is None or (state.switch is None and not down_locators):
        return state
    switch = state.switch if state.switch is not None else PhysicalSwitch(inventory.switch_name)
    if switch.down_locators == down_locators:
        return state
    return dataclasses.replace(state, switch=dataclasses.replace(switch, down_locators=frozenset(down_locators)))


def pick_service_node(ips: Sequence[str], down: Collection[str]) -> str | None:
    """vtep(5) service_node: one locator of the set; the first live one (BFD not down), else the first.

    `ips` in preference order (lowest IP first, for stability). With BFD off
    nothing is down, and the choice is the lowest IP as before.
    """
    live = [ip for ip in ips if ip not in down]
    return live[0] if live else (ips[0] if ips else None)


def learned_entries(m: LearnedMac, core: Core) -> tuple[Entry, ...]:
    """A MAC learned on a local binding: forward to it, and stop the digests for it."""
    found = core.bindings.get((m.port, m.vlan))
    if found is None or found[2] != m.logical_switch:
        return ()
    bid, port, ls = found
    ls_id = core.ids.ls[ls]
    return (p4.dmac_to_binding(ls_id, m.mac, bid, port), p4.smac_known(ls_id, m.mac, bid))


def ucast_entries(row: UcastMacRemote, core: Core) -> tuple[Entry, ...]:
    """A remote MAC: to the tunnel of its VTEP, and ARP suppression for its IPv4 address."""
    ls_id = core.ids.ls.get(row.logical_switch)
    tid = core.tunnels.get(row.locator.dst_ip)
    if ls_id is None or tid is None:
        return ()
    fwd = p4.dmac_to_tunnel(ls_id, row.mac, tid, row.locator.dst_ip)
    if row.ipaddr and _is_ipv4(row.ipaddr):
        return (fwd, p4.arp_reply(ls_id, row.ipaddr, row.mac))
    return (fwd,)


def translate_core(state: DesiredState, macs: MacSummary, inventory: Inventory,
                   previous: Ids = Ids()) -> Core:
    """Everything but the per-MAC entries; `state.ucast_macs_remote` is not read (`macs` stands for it)."""
    out = _Out()
    switch_name = state.switch.name if state.switch else inventory.switch_name

    def switch_fault(code: str, detail: str) -> None:
        out.faults.append(Fault(FaultTable.PHYSICAL_SWITCH, switch_name, code, detail))

    # ---- ports and underlay (inventory only) ----
    for port in inventory.access_ports.values():
        out.add(p4.port_role(port.number, uplink=False))
    for up in inventory.uplinks.values():
        out.add(p4.port_role(up.number, uplink=True))
        out.add(p4.uplink_nexthop(up.number, up.mac, up.nexthop_mac))
    members = allocate(previous.member, inventory.uplinks, p4.ECMP_MEMBER_MIN, p4.ECMP_MEMBER_MAX)
    routes = inventory.effective_routes()
    route_groups = allocate(previous.route_group, [r.prefix for r in routes], p4.ECMP_GROUP_MIN,
                            p4.ECMP_GROUP_MAX)
    for name, member_id in members.ids.items():
        up = inventory.uplinks[name]
        out.add(p4.ecmp_member(member_id, up.number, up.mac, up.nexthop_mac))
    for route in routes:
        gid = route_groups.ids.get(route.prefix)
        if gid is None or ipaddress.ip_network(route.prefix).version != 4:
            switch_fault("unspecified_fault", f"underlay route {route.prefix} not realizable")
            continue
        out.add(p4.ecmp_group(gid, [members.ids[u] for u in route.uplinks if u in members.ids]))
        out.add(p4.underlay_route(route.prefix, gid))
    for ip in inventory.tunnel_ips:
        out.add(p4.tunnel_term(ip))
    src_ip = inventory.tunnel_ip

    # ---- bindings ----
    bindings: dict[tuple[str, int], str] = {}
    for name, port in sorted(state.ports.items()):
        if not port.vlan_bindings:
            continue
        if name not in inventory.access_ports:
            out.faults.append(Fault(FaultTable.PHYSICAL_PORT, name, "unspecified_fault",
                                    "port has bindings but is not an access port of this switch"))
            continue
        for vlan, ls in port.vlan_bindings.items():
            bindings[(name, vlan)] = ls
    routed_ls = {ls for lr in state.logical_routers.values() for ls in lr.switch_binding.values()}
    keyed = {name for name, row in state.logical_switches.items() if row.tunnel_key is not None}
    active_ls = sorted((set(bindings.values()) | routed_ls) & keyed)
    ls_ids = allocate(previous.ls, active_ls, p4.ID_MIN, p4.LS_ID_MAX)
    for ls in ls_ids.exhausted:
        switch_fault("unspecified_fault", f"logical switch {ls}: no ls_id left")
    binding_ids = allocate(previous.binding, [b for b, ls in bindings.items() if ls in ls_ids.ids],
                           p4.ID_MIN, p4.BINDING_ID_MAX)
    for port_name, vlan in binding_ids.exhausted:
        out.faults.append(Fault(FaultTable.PHYSICAL_PORT, port_name, "unspecified_fault",
                                f"VLAN {vlan}: no binding_id left"))

    def binding_acl(port_name: str, vlan: int) -> str | None:
        acls = state.ports[port_name].acl_bindings
        return acls.get(vlan, acls.get(0))

    used_acls = {a for (pn, v) in binding_ids.ids if (a := binding_acl(pn, v)) in state.acls}
    acl_ids = allocate(previous.acl, used_acls, p4.ID_MIN, p4.ACL_ID_MAX)
    for (port_name, vlan), bid in sorted(binding_ids.ids.items()):
        ls_id = ls_ids.ids[bindings[(port_name, vlan)]]
        acl = binding_acl(port_name, vlan)
        acl_id = acl_ids.ids.get(acl, 0) if acl is not None else 0
        out.add(p4.port_vlan_to_ls(inventory.access_ports[port_name].number, vlan, ls_id, bid, acl_id))
        out.add(p4.egress_binding(bid, vlan, acl_id))
    for name, acl_id in sorted(acl_ids.ids.items()):
        for entry in state.acls[name].entries:
            try:
                realized = p4.acl_entry(entry.direction.value, acl_id, entry.sequence,
                                        entry.action == AclAction.PERMIT, _acl_match(entry))
            except ValueError as exc:  # only for unvalidated input, e.g. an IPv6 field
                out.faults.append(Fault(FaultTable.ACL_ENTRY, entry.key, "invalid_acl_entry", str(exc)))
                continue
            out.add(realized, Fault(FaultTable.ACL_ENTRY, entry.key, "invalid_acl_entry",
                                    f"same match and sequence as another entry of ACL {name}"))

    # ---- tunnels ----
    remote_ips: set[str] = set()
    for ls in ls_ids.ids:
        remote_ips.update(macs.ips.get(ls, ()))
    for (ls, _mac), row in state.mcast_macs_remote.items():
        if ls in ls_ids.ids:
            remote_ips |= {loc.dst_ip for loc in row.locator_set}
    remote_ips -= set(inventory.tunnel_ips)
    remote_ips = {ip for ip in remote_ips if ipaddress.ip_address(ip).version == 4}
    tunnel_ids = allocate(previous.tunnel, remote_ips, p4.ID_MIN, p4.TUNNEL_ID_MAX)
    for ip in tunnel_ids.exhausted:
        switch_fault("tunnel_exhaustion", f"no tunnel_id left for remote VTEP {ip}")
    if src_ip is not None:
        for ip, tid in sorted(tunnel_ids.ids.items()):
            out.add(p4.tunnel_encap(tid, src_ip, ip))
            out.add(p4.remote_vtep_check(ip, tid))
    tunnels = tunnel_ids.ids if src_ip is not None else FrozenMap()
    down = state.switch.down_locators if state.switch is not None else frozenset()

    def uplink_port(ip: str, tid: int) -> int | None:
        up = uplink_for(inventory, ip, tid)
        return up.number if up is not None else None

    def tunnel_replicas(locators: Iterable[PhysicalLocator], mode: ReplicationMode) -> list[tuple[int, int]]:
        ips = sorted({loc.dst_ip for loc in locators if loc.dst_ip in tunnels},
                     key=lambda ip: int(ipaddress.IPv4Address(ip)))
        if mode == ReplicationMode.SERVICE_NODE:
            chosen = pick_service_node(ips, down)
            ips = [chosen] if chosen is not None else []
        replicas = []
        for ip in ips:
            port = uplink_port(ip, tunnels[ip])
            if port is None:
                switch_fault("unspecified_fault", f"no underlay route to remote VTEP {ip}")
                continue
            replicas.append((port, p4.tunnel_rid(tunnels[ip])))
        return replicas

    # ---- logical switches and flooding ----
    local_replicas: dict[str, list[tuple[int, int]]] = {ls: [] for ls in ls_ids.ids}
    for (port_name, vlan), bid in binding_ids.ids.items():
        local_replicas[bindings[(port_name, vlan)]].append(
            (inventory.access_ports[port_name].number, p4.binding_rid(bid)))
    for ls, ls_id in sorted(ls_ids.ids.items()):
        row = state.logical_switches[ls]
        unknown = state.mcast_macs_remote.get((ls, UNKNOWN_DST))
        replicas = local_replicas[ls] + (
            tunnel_replicas(unknown.locator_set, row.replication_mode) if unknown else [])
        group = p4.FLOOD_GROUP_BASE + ls_id if replicas else 0
        if replicas:
            out.add(p4.flood_group(group, replicas))
        vni = row.tunnel_key if row.tunnel_key is not None else 0  # active switches all have one
        out.add(p4.logical_switch(ls_id, vni, group))
        out.add(p4.vni_to_ls(vni, ls_id))

    # ---- what MAC entries override: multicast MACs, logical routers ----
    late = _Out()
    hosts: dict[str, list[tuple[str, str]]] = {}
    for ls in ls_ids.ids:
        found = macs.hosts.get(ls)
        if found:
            hosts[ls] = [(ipaddr, mac) for mac, (ipaddr, ip) in sorted(found.items()) if ip in tunnels]
    specific = sorted(k for k in state.mcast_macs_remote if k[1] != UNKNOWN_DST and k[0] in ls_ids.ids)
    mac_groups = allocate(previous.mac_group, specific, p4.MAC_GROUP_MIN, p4.MAC_GROUP_MAX)
    for key in mac_groups.exhausted:
        switch_fault("mac_table_exhaustion", f"no multicast group left for {key[0]}/{key[1]}")
    for (ls, mac), gid in sorted(mac_groups.ids.items()):
        mrow = state.mcast_macs_remote[(ls, mac)]
        mode = state.logical_switches[ls].replication_mode
        replicas = local_replicas[ls] + tunnel_replicas(mrow.locator_set, mode)
        if replicas:
            late.add(p4.flood_group(gid, replicas))
            late.add(p4.dmac_to_group(ls_ids.ids[ls], mac, gid))
    vrf_ids = allocate(previous.vrf, state.logical_routers, p4.ID_MIN, p4.VRF_ID_MAX)
    for name, vrf_id in sorted(vrf_ids.ids.items()):
        _route(state, name, vrf_id, ls_ids.ids, hosts, inventory.router_mac, late)

    bound = {key: (bid, inventory.access_ports[key[0]].number, bindings[key])
             for key, bid in binding_ids.ids.items()}
    return Core(
        out.entries, late.entries,
        Ids(ls_ids.ids, binding_ids.ids, tunnel_ids.ids, acl_ids.ids, vrf_ids.ids, mac_groups.ids,
            members.ids, route_groups.ids),
        tuple(sorted(set(out.faults + late.faults))),
        tunnels, bound,
    )


def uplink_for(inventory: Inventory, ip: str, tunnel_id: int) -> Uplink | None:
    """The uplink a tunnel's replicas (and its BFD packets) leave by: longest-match underlay route, then the
    tunnel id spread over the route's uplinks. None without a route to `ip`."""
    route = _longest_match(inventory.effective_routes(), ip)
    if route is None or not route.uplinks:
        return None
    return inventory.uplinks[route.uplinks[tunnel_id % len(route.uplinks)]]


def _route(state: DesiredState, name: str, vrf_id: int, ls_ids: FrozenMap[str, int],
           hosts: dict[str, list[tuple[str, str]]], rmac: str, out: _Out) -> None:
    """A logical router: its MAC on each attached switch, host routes for known IPs, static routes."""
    lr = state.logical_routers[name]
    attached: list[tuple[ipaddress.IPv4Interface, str]] = []
    for prefix, ls in sorted(lr.switch_binding.items()):
        if ls not in ls_ids or not _is_ipv4(prefix.split("/")[0]):
            continue
        iface = ipaddress.IPv4Interface(prefix)
        attached.append((iface, ls))
        ls_id = ls_ids[ls]
        out.add(p4.router_mac(ls_id, rmac, vrf_id))
        out.add(p4.arp_reply(ls_id, str(iface.ip), rmac))
    known: dict[str, tuple[str, str]] = {}
    for iface, ls in attached:
        for ip, mac in hosts.get(ls, []):
            if ipaddress.IPv4Address(ip) in iface.network and ip not in known:
                known[ip] = (ls, mac)
                out.add(p4.ipv4_route(vrf_id, f"{ip}/32", ls_ids[ls], rmac, mac))
    for prefix, nexthop in sorted(lr.static_routes.items()):
        target = known.get(nexthop)
        if target is None:
            out.faults.append(Fault(FaultTable.LOGICAL_ROUTER, name, "unspecified_fault",
                                    f"static route {prefix}: next hop {nexthop} not a known host"))
            continue
        net = ipaddress.IPv4Network(prefix, strict=False)
        out.add(p4.ipv4_route(vrf_id, str(net), ls_ids[target[0]], rmac, target[1]))


def _acl_match(entry: AclEntry) -> p4.AclMatch:
    def ip_mask(ip: str | None, mask: str | None) -> tuple[str, str] | None:
        if ip is None:
            return None
        return (ip, mask or "255.255.255.255")

    def rng(lo: int | None, hi: int | None) -> tuple[int, int] | None:
        if lo is None and hi is None:
            return None
        return (lo if lo is not None else 0, hi if hi is not None else 0xFFFF)

    return p4.AclMatch(
        src_mac=entry.source_mac.lower() if entry.source_mac else None,
        dst_mac=entry.dest_mac.lower() if entry.dest_mac else None,
        ether_type=int(entry.ethertype, 16) if entry.ethertype else None,
        ipv4_src=ip_mask(entry.source_ip, entry.source_mask),
        ipv4_dst=ip_mask(entry.dest_ip, entry.dest_mask),
        ip_proto=entry.protocol,
        l4_sport=rng(entry.source_port_min, entry.source_port_max),
        l4_dport=rng(entry.dest_port_min, entry.dest_port_max),
        tcp_flags=(entry.tcp_flags, entry.tcp_flags_mask if entry.tcp_flags_mask is not None else 0xFF)
        if entry.tcp_flags is not None else None,
        icmp_type=entry.icmp_type,
        icmp_code=entry.icmp_code,
    )


def _is_ipv4(text: str) -> bool:
    try:
        return ipaddress.ip_address(text).version == 4
    except ValueError:
        return False


def _longest_match(routes: Iterable[UnderlayRoute], ip: str) -> UnderlayRoute | None:
    addr = ipaddress.IPv4Address(ip)
    best = None
    for route in routes:
        net = ipaddress.ip_network(route.prefix)
        if net.version == 4 and addr in net and (best is None or net.prefixlen > best[0]):
            best = (net.prefixlen, route)
    return best[1] if best else None


def recover_ids(entries: Iterable[Entry], state: DesiredState, inventory: Inventory) -> Ids:
    """The ids the target's entries use, mapped back to today's names, so a restart changes nothing.

    Only what can be mapped unambiguously is recovered; anything else gets a
    fresh id at the next translation (and its old entries are replaced).
    """
    found = p4.recover(entries)
    ls = {name: found.ls_by_vni[row.tunnel_key] for name, row in state.logical_switches.items()
          if row.tunnel_key in found.ls_by_vni}
    port_names = {p.number: p.name for p in inventory.access_ports.values()}
    binding = {(port_names[port], vid): bid for (port, vid), bid in found.binding_by_port_vid.items()
               if port in port_names}
    tunnel = {str(ipaddress.IPv4Address(ip)): tid for ip, tid in found.tunnel_by_ip.items()}
    acl: dict[str, int] = {}
    for (port_name, vlan), bid in binding.items():
        port = state.ports.get(port_name)
        acl_id = found.acl_by_binding.get(bid, 0)
        if port is None or not acl_id:
            continue
        name = port.acl_bindings.get(vlan, port.acl_bindings.get(0))
        if name is not None:
            acl.setdefault(name, acl_id)
    ls_by_id = {v: k for k, v in ls.items()}
    vrf: dict[str, int] = {}
    rmac = p4.mac_int(inventory.router_mac)
    for lr_name, lr in state.logical_routers.items():
        for ls_name in lr.switch_binding.values():
            vid = found.vrf_by_ls_mac.get((ls.get(ls_name, -1), rmac))
            if vid is not None:
                vrf.setdefault(lr_name, vid)
    mac_group = {}
    for (ls_id, mac), gid in found.group_by_ls_mac.items():
        if ls_id in ls_by_id:
            mac_group[(ls_by_id[ls_id], p4.mac_text(mac))] = gid
    uplink_names = {u.number: u.name for u in inventory.uplinks.values()}
    member = {uplink_names[port]: mid for port, mid in found.member_by_port.items() if port in uplink_names}
    route_group = {}
    for key, gid in found.group_by_prefix.items():
        prefix = "0.0.0.0/0" if key is None else f"{ipaddress.IPv4Address(key[0])}/{key[1]}"
        route_group[prefix] = gid
    return Ids(FrozenMap(ls), FrozenMap(binding), FrozenMap(tunnel), FrozenMap(acl), FrozenMap(vrf),
               FrozenMap(mac_group), FrozenMap(member), FrozenMap(route_group))


def recover_learned(entries: Iterable[Entry], ids: Ids) -> frozenset[LearnedMac]:
    """MACs learned before a restart, from the target's smac_learn entries, so they are not dropped."""
    ls_by_id = {v: k for k, v in ids.ls.items()}
    binding_by_id = {v: k for k, v in ids.binding.items()}
    out = set()
    for ls_id, mac, binding_id in p4.recover(entries).learned:
        if ls_id in ls_by_id and binding_id in binding_by_id:
            port, vlan = binding_by_id[binding_id]
            out.add(LearnedMac(ls_by_id[ls_id], p4.mac_text(mac), port, vlan))
    return frozenset(out)


def learned_from_digest(event: p4.LearnEvent, ids: Ids) -> LearnedMac | None:
    """A digest item in model terms; None if it names ids that are gone (a race with a removal)."""
    ls = {v: k for k, v in ids.ls.items()}.get(event.ls_id)
    binding = {v: k for k, v in ids.binding.items()}.get(event.binding_id)
    if ls is None or binding is None or binding[1] != event.vid:
        return None
    return LearnedMac(ls, event.mac, binding[0], binding[1])
