"""Which rows of the desired state can be realized, and faults for the others.

A bad row must not stop the good ones: `validate` never raises on content, it
returns the realizable subset of the state plus one `Fault` per problem. The
subset is closed: anything that refers to a dropped row (a binding to a
logical switch without a tunnel key, a port binding to a broken ACL) is
dropped too, so `translate` can assume every reference resolves.

What the P4 program can express is a parameter (`Capabilities`), provided by
the pipeline module, so this stays independent of P4 names.
"""

from __future__ import annotations

import ipaddress
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field, replace

from gwctl.model import (
    UNKNOWN_DST,
    VLAN_MAX,
    VNI_MAX,
    Acl,
    AclEntry,
    DesiredState,
    Encapsulation,
    Fault,
    FaultTable,
    FrozenMap,
    LogicalRouter,
    LogicalSwitch,
    McastMacRemote,
    PhysicalLocator,
    PhysicalPort,
    ReplicationMode,
    UcastMacRemote,
    is_ip,
    is_mac,
    is_multicast_mac,
)


@dataclass(frozen=True)
class Capabilities:
    """What the P4 program can realize; rows needing more become faults rather than wrong forwarding."""

    source_node_replication: bool = True
    logical_routing: bool = True
    acl_fields: frozenset[str] = frozenset(AclEntry.L2_FIELDS + AclEntry.L3_FIELDS)
    acl_mixed_l2_l3: bool = True
    """Whether one rule may match L2 and L3/L4 fields together (vtep(5) allows switches to refuse)."""
    acl_per_vlan: bool = True
    """Whether ACLs can be bound to one VLAN of a port rather than the whole port."""
    encapsulations: frozenset[str] = frozenset({Encapsulation.VXLAN_OVER_IPV4.value})
    acl_directions: frozenset[str] = field(default=frozenset({"ingress", "egress"}))
    acl_ipv6: bool = True
    acl_max_sequence: int | None = None
    """Largest ACL_entry sequence the pipeline can order (it becomes a P4 priority); None: no limit."""
    ipv6_routing: bool = True
    router_acls: bool = True
    """Whether ACLs can be bound to logical router interfaces (Logical_Router.acl_binding)."""


SwitchFault = Callable[[str, str], None]
Switches = FrozenMap[str, LogicalSwitch]
Acls = FrozenMap[str, Acl]


@dataclass(frozen=True)
class Validated:
    state: DesiredState
    faults: tuple[Fault, ...]


def validate(state: DesiredState, caps: Capabilities) -> Validated:
    """Split `state` into what can be realized and the faults of the rest (sorted, deterministic)."""
    faults: list[Fault] = []
    switch_name = state.switch.name if state.switch else ""

    def switch_fault(code: str, detail: str) -> None:
        if switch_name:
            faults.append(Fault(FaultTable.PHYSICAL_SWITCH, switch_name, code, detail))

    if state.switch is not None and not state.switch.tunnel_ips:
        switch_fault("unspecified_fault", "no tunnel_ips: cannot originate tunnels")
    elif state.switch is not None:
        for ip in state.switch.tunnel_ips:
            if not is_ip(ip):
                switch_fault("unspecified_fault", f"tunnel_ips has {ip!r}, not an IP address")

    switches = _valid_logical_switches(state, caps, faults, switch_fault)
    acls = _valid_acls(state, caps, faults)
    ports = _valid_ports(state, caps, switches, acls, faults)
    ucast = _valid_ucast(state, caps, switches, faults)
    mcast = _valid_mcast(state, caps, switches, faults)
    routers = _valid_routers(state, caps, switches, acls, faults, switch_fault)
    arp = frozenset(
        a for a in state.arp_sources_remote
        if _locator_ok(a.locator, caps, faults, FaultTable.ARP_SOURCES_REMOTE, a.src_mac)
        and _mac_ok(a.src_mac, faults, FaultTable.ARP_SOURCES_REMOTE, a.src_mac)
    )
    valid = replace(
        state,
        ports=ports,
        logical_switches=switches,
        ucast_macs_remote=ucast,
        mcast_macs_remote=mcast,
        logical_routers=routers,
        arp_sources_remote=arp,
        acls=acls,
    )
    return Validated(valid, tuple(sorted(set(faults))))


def _valid_logical_switches(
    state: DesiredState, caps: Capabilities, faults: list[Fault], switch_fault: SwitchFault
) -> FrozenMap[str, LogicalSwitch]:
    by_key: dict[int, list[str]] = defaultdict(list)
    good: dict[str, LogicalSwitch] = {}
    for name, ls in state.logical_switches.items():
        if ls.tunnel_key is None:
            faults.append(Fault(FaultTable.LOGICAL_SWITCH, name, "missing_tunnel_key",
                                "no tunnel_key (VNI) yet; its bindings and MACs wait for one"))
            continue
        if not 0 <= ls.tunnel_key <= VNI_MAX:
            faults.append(Fault(FaultTable.LOGICAL_SWITCH, name, "invalid_tunnel_key",
                                f"tunnel_key {ls.tunnel_key} outside 0..{VNI_MAX}"))
            continue
        if ls.replication_mode == ReplicationMode.SOURCE_NODE and not caps.source_node_replication:
            switch_fault("unsupported_source_node_replication",
                         f"logical switch {name} asks for source_node replication")
            ls = replace(ls, replication_mode=ReplicationMode.SERVICE_NODE)
        by_key[ls.tunnel_key].append(name)
        good[name] = ls
    for key, names in by_key.items():
        if len(names) > 1:
            for name in names:
                faults.append(Fault(FaultTable.LOGICAL_SWITCH, name, "duplicate_tunnel_key",
                                    f"tunnel_key {key} shared by {sorted(names)}: VNI would be ambiguous"))
                del good[name]
    return FrozenMap(good)


def _acl_entry_problem(entry: AclEntry, caps: Capabilities) -> str | None:
    unsupported = entry.used_fields() - caps.acl_fields
    if unsupported:
        return f"pipeline cannot match {sorted(unsupported)}"
    used = entry.used_fields()
    if (not caps.acl_mixed_l2_l3 and used & set(AclEntry.L2_FIELDS)
            and used & set(AclEntry.L3_FIELDS)):
        return "mixes L2 and L3/L4 fields in one rule"
    if entry.direction.value not in caps.acl_directions:
        return f"direction {entry.direction.value} not supported"
    if caps.acl_max_sequence is not None and not 0 <= entry.sequence <= caps.acl_max_sequence:
        return f"sequence {entry.sequence} outside 0..{caps.acl_max_sequence}"
    for name in ("source_mac", "dest_mac"):
        value = getattr(entry, name)
        if value is not None and not is_mac(value.lower()):
            return f"{name} {value!r} is not a MAC"
    if entry.ethertype is not None:
        try:
            if not 0 <= int(entry.ethertype, 16) <= 0xFFFF:
                raise ValueError
        except ValueError:
            return f"ethertype {entry.ethertype!r} is not 0xHHHH"
    for ip_name, mask_name in (("source_ip", "source_mask"), ("dest_ip", "dest_mask")):
        ip, mask = getattr(entry, ip_name), getattr(entry, mask_name)
        if ip is not None and not is_ip(ip):
            return f"{ip_name} {ip!r} is not an IP address"
        if ip is not None and not caps.acl_ipv6 and ipaddress.ip_address(ip).version == 6:
            return f"{ip_name} {ip}: pipeline matches IPv4 only"
        if mask is not None:
            if ip is None:
                return f"{mask_name} without {ip_name}"
            if not _is_mask_of(mask, ipaddress.ip_address(ip).version):
                return f"{mask_name} {mask!r} is not an address of the same family"
    for lo_name, hi_name in (("source_port_min", "source_port_max"), ("dest_port_min", "dest_port_max")):
        lo, hi = getattr(entry, lo_name), getattr(entry, hi_name)
        for n, v in ((lo_name, lo), (hi_name, hi)):
            if v is not None and not 0 <= v <= 0xFFFF:
                return f"{n} {v} outside 0..65535"
        if lo is not None and hi is not None and lo > hi:
            return f"{lo_name} {lo} > {hi_name} {hi}"
    if entry.protocol is not None and not 0 <= entry.protocol <= 255:
        return f"protocol {entry.protocol} outside 0..255"
    if entry.tcp_flags_mask is not None and entry.tcp_flags is None:
        return "tcp_flags_mask without tcp_flags"
    return None


def _is_mask_of(mask: str, version: int) -> bool:
    """A mask is any address of the same family (ternary matches take arbitrary bit masks)."""
    try:
        return ipaddress.ip_address(mask).version == version
    except ValueError:
        return False


def _valid_acls(state: DesiredState, caps: Capabilities, faults: list[Fault]) -> FrozenMap[str, Acl]:
    good: dict[str, Acl] = {}
    for name, acl in state.acls.items():
        bad = []
        for entry in acl.entries:
            problem = _acl_entry_problem(entry, caps)
            if problem:
                faults.append(Fault(FaultTable.ACL_ENTRY, entry.key, "invalid_acl_entry", problem))
                bad.append(entry.key)
        if bad:
            # Realizing the rest would change what the ACL means (a dropped deny permits).
            faults.append(Fault(FaultTable.ACL, name, "invalid_acl", f"entries {sorted(bad)} not realizable"))
            continue
        if not acl.entries:
            faults.append(Fault(FaultTable.ACL, name, "invalid_acl", "no entries"))
            continue
        good[name] = acl
    return FrozenMap(good)


def _valid_ports(
    state: DesiredState, caps: Capabilities, switches: Switches, acls: Acls, faults: list[Fault]
) -> FrozenMap[str, PhysicalPort]:
    good: dict[str, PhysicalPort] = {}
    for name, port in state.ports.items():
        vlans: dict[int, str] = {}
        for vlan, ls in port.vlan_bindings.items():
            if not 0 <= vlan <= VLAN_MAX:
                faults.append(Fault(FaultTable.PHYSICAL_PORT, name, "invalid_vlan_map",
                                    f"VLAN {vlan} outside 0..{VLAN_MAX}"))
            elif ls not in state.logical_switches:
                faults.append(Fault(FaultTable.PHYSICAL_PORT, name, "invalid_vlan_map",
                                    f"VLAN {vlan} bound to missing logical switch {ls!r}"))
            elif ls in switches:
                vlans[vlan] = ls
            # else: the logical switch has its own fault; the binding waits for it.
        acl_map: dict[int, str] = {}
        keys = set(port.acl_bindings)
        mixed = 0 in keys and len(keys) > 1
        for vlan, acl in port.acl_bindings.items():
            problem = None
            if not 0 <= vlan <= VLAN_MAX:
                problem = f"VLAN {vlan} outside 0..{VLAN_MAX}"
            elif mixed:
                problem = "ACLs bound both to the whole port (VLAN 0) and to VLANs"
            elif vlan != 0 and not caps.acl_per_vlan:
                problem = f"ACL {acl!r} bound to VLAN {vlan}: pipeline binds ACLs per port only"
            elif acl not in acls:
                problem = f"ACL {acl!r} missing or not realizable"
            if problem:
                faults.append(Fault(FaultTable.PHYSICAL_PORT, name, "invalid_ACL_binding", problem))
            else:
                acl_map[vlan] = acl
        good[name] = replace(port, vlan_bindings=FrozenMap(vlans), acl_bindings=FrozenMap(acl_map))
    return FrozenMap(good)


def _mac_ok(mac: str, faults: list[Fault], table: FaultTable, row: str) -> bool:
    if is_mac(mac):
        return True
    faults.append(Fault(table, row, "invalid_mac", f"{mac!r} is not a MAC address"))
    return False


def _locator_ok(
    loc: PhysicalLocator, caps: Capabilities, faults: list[Fault], table: FaultTable, row: str) -> bool:
    if loc.encapsulation not in caps.encapsulations:
        faults.append(Fault(table, row, "unsupported_encapsulation", loc.encapsulation))
        return False
    if not is_ip(loc.dst_ip):
        faults.append(Fault(table, row, "invalid_locator", f"dst_ip {loc.dst_ip!r}"))
        return False
    if loc.tunnel_key is not None:
        # Key per Logical_Switch+Physical_Locator: the pipeline uses the per-switch VNI.
        faults.append(Fault(table, row, "unsupported_locator_tunnel_key", f"tunnel_key {loc.tunnel_key}"))
        return False
    return True


def _valid_ucast(
    state: DesiredState, caps: Capabilities, switches: Switches, faults: list[Fault]
) -> FrozenMap[tuple[str, str], UcastMacRemote]:
    good: dict[tuple[str, str], UcastMacRemote] = {}
    for (ls, mac), row in state.ucast_macs_remote.items():
        ident = f"{ls}/{mac}"
        if ls not in state.logical_switches:
            faults.append(Fault(FaultTable.UCAST_MACS_REMOTE, ident, "missing_logical_switch"))
            continue
        if ls not in switches:
            continue
        if not _mac_ok(mac, faults, FaultTable.UCAST_MACS_REMOTE, ident):
            continue
        if is_multicast_mac(mac):
            faults.append(Fault(FaultTable.UCAST_MACS_REMOTE, ident, "invalid_mac", "multicast MAC"))
            continue
        if _locator_ok(row.locator, caps, faults, FaultTable.UCAST_MACS_REMOTE, ident):
            good[(ls, mac)] = row
    return FrozenMap(good)


def _valid_mcast(
    state: DesiredState, caps: Capabilities, switches: Switches, faults: list[Fault]
) -> FrozenMap[tuple[str, str], McastMacRemote]:
    good_m: dict[tuple[str, str], McastMacRemote] = {}
    for (ls, mac), row in state.mcast_macs_remote.items():
        ident = f"{ls}/{mac}"
        if ls not in state.logical_switches:
            faults.append(Fault(FaultTable.MCAST_MACS_REMOTE, ident, "missing_logical_switch"))
            continue
        if ls not in switches:
            continue
        if mac != UNKNOWN_DST and not _mac_ok(mac, faults, FaultTable.MCAST_MACS_REMOTE, ident):
            continue
        if not row.locator_set:
            faults.append(Fault(FaultTable.MCAST_MACS_REMOTE, ident, "empty_locator_set"))
            continue
        table = FaultTable.MCAST_MACS_REMOTE
        if all(_locator_ok(loc, caps, faults, table, ident) for loc in sorted(row.locator_set)):
            good_m[(ls, mac)] = row
    return FrozenMap(good_m)


def _valid_routers(
    state: DesiredState, caps: Capabilities, switches: Switches, acls: Acls,
    faults: list[Fault], switch_fault: SwitchFault,
) -> FrozenMap[str, LogicalRouter]:
    good: dict[str, LogicalRouter] = {}
    for name, lr in state.logical_routers.items():
        if not caps.logical_routing:
            switch_fault("lr_support_fault", f"logical router {name}: pipeline has no routing")
            faults.append(Fault(FaultTable.LOGICAL_ROUTER, name, "unspecified_fault",
                                "routing not supported"))
            continue
        problems: list[tuple[str, str]] = []
        interfaces: dict[str, str] = {}
        for prefix, ls in lr.switch_binding.items():
            try:
                iface = ipaddress.ip_interface(prefix)
            except ValueError:
                problems.append(("lr_switch_bindings_fault", f"{prefix!r} is not address/prefix"))
                continue
            if iface.version == 6 and not caps.ipv6_routing:
                problems.append(("lr_switch_bindings_fault", f"{prefix}: pipeline routes IPv4 only"))
            elif ls not in state.logical_switches:
                problems.append(("lr_switch_bindings_fault",
                                 f"{prefix} bound to missing logical switch {ls!r}"))
            elif ls in switches:
                interfaces[str(iface.ip)] = ls
        nets = [ipaddress.ip_interface(p).network for p in lr.switch_binding if _is_interface(p)]
        for i, a in enumerate(nets):
            for b in nets[i + 1:]:
                if a.version == b.version and a.overlaps(b):
                    problems.append(("lr_switch_bindings_fault", f"subnets {a} and {b} overlap"))
        for prefix, nexthop in lr.static_routes.items():
            try:
                net = ipaddress.ip_network(prefix, strict=False)
                hop = ipaddress.ip_address(nexthop)
            except ValueError:
                problems.append(("lr_static_routes_fault", f"route {prefix!r} via {nexthop!r} unparsable"))
                continue
            if net.version != hop.version:
                problems.append(("lr_static_routes_fault", f"route {prefix} via {nexthop}: mixed families"))
            elif net.version == 6 and not caps.ipv6_routing:
                problems.append(("lr_static_routes_fault", f"route {prefix}: pipeline routes IPv4 only"))
        acl_problem = False
        for addr, acl in lr.acl_binding.items():
            if not caps.router_acls:
                faults.append(Fault(FaultTable.LOGICAL_ROUTER, name, "invalid_ACL_binding",
                                    f"ACL {acl!r} on {addr}: pipeline has no router interface ACLs"))
                acl_problem = True
            elif addr not in interfaces and addr not in lr.switch_binding:
                faults.append(Fault(FaultTable.LOGICAL_ROUTER, name, "invalid_ACL_binding",
                                    f"{addr} is not an interface of the router"))
                acl_problem = True
            elif acl not in acls:
                faults.append(Fault(FaultTable.LOGICAL_ROUTER, name, "invalid_ACL_binding",
                                    f"ACL {acl!r} missing or not realizable"))
                acl_problem = True
        if problems:
            for code, detail in problems:
                switch_fault(code, f"logical router {name}: {detail}")
                faults.append(Fault(FaultTable.LOGICAL_ROUTER, name, "unspecified_fault", detail))
            continue
        if acl_problem:
            continue
        good[name] = replace(lr, switch_binding=FrozenMap(
            (p, ls) for p, ls in lr.switch_binding.items() if ls in switches))
    return FrozenMap(good)


def _is_interface(text: str) -> bool:
    try:
        ipaddress.ip_interface(text)
    except ValueError:
        return False
    return True
