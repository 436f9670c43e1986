"""From raw hardware_vtep rows to model values: one pure function per table.

Declarative on purpose (in the spirit of ovsdbapp's RowEvent): `SPECS` says,
per table, which columns gwctl monitors and how a row becomes model items.
The OVSDB adapter (`gwctl.vtepdb`) owns the connection and calls `derive`
only for rows that changed or that read a row that changed, which is what
makes updates incremental; it never needs to know what a table means.

A raw row is a mapping of column name to Python value, with references as
UUID text (the adapter converts the IDL's `uuid.UUID`) and optional columns as lists.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from gwctl.model import (
    Acl,
    AclAction,
    AclDirection,
    AclEntry,
    ArpSourceRemote,
    BindingStats,
    FrozenMap,
    LogicalRouter,
    LogicalSwitch,
    McastMacLocal,
    McastMacRemote,
    PhysicalLocator,
    PhysicalPort,
    PhysicalSwitch,
    ReplicationMode,
    UcastMacLocal,
    UcastMacRemote,
    normalize_mac,
)

RawRow = Mapping[str, Any]
ModelKey = tuple[str, Any]
"""(category, identity): ("ls", "ls1"), ("ucast", ("ls1", "00:..")), ("port", "p1"), ..."""


class RowReader(Protocol):
    """Read access to the current rows; the adapter records every read as a dependency."""

    switch_name: str

    def get(self, table: str, row_uuid: str) -> RawRow | None: ...

    def our_switch(self) -> tuple[str, RawRow] | None: ...


Items = Iterator[tuple[ModelKey, Any]]
Derive = Callable[[str, RawRow, RowReader], Iterable[tuple[ModelKey, Any]]]


@dataclass(frozen=True)
class RowSpec:
    table: str
    columns: tuple[str, ...]
    derive: Derive | None = None
    """None for tables that only matter through references (locators, locator sets, ACL entries)."""


def _opt(value: Any) -> Any:
    """The schema's optional columns (min 0, max 1) come as [] or [x]."""
    if isinstance(value, list):
        return value[0] if value else None
    return value


def locator(reader: RowReader, row_uuid: str) -> PhysicalLocator | None:
    row = reader.get("Physical_Locator", row_uuid)
    if row is None:
        return None
    return _locator_value(row["dst_ip"], row["encapsulation_type"], _opt(row["tunnel_key"]))


@functools.lru_cache(maxsize=1 << 12)
def _locator_value(dst_ip: str, encapsulation: str, tunnel_key: int | None) -> PhysicalLocator:
    """One shared value per locator: 100,000 MAC rows point to a few VTEPs."""
    return PhysicalLocator(dst_ip, encapsulation, tunnel_key)


def locator_set(reader: RowReader, row_uuid: str) -> frozenset[PhysicalLocator] | None:
    row = reader.get("Physical_Locator_Set", row_uuid)
    if row is None:
        return None
    locs = [locator(reader, u) for u in row["locators"]]
    return frozenset(loc for loc in locs if loc is not None)


def _ls_name(reader: RowReader, row_uuid: str) -> str:
    """Name of a referenced logical switch; "" if it is gone, which validation reports."""
    row = reader.get("Logical_Switch", row_uuid)
    return row["name"] if row is not None else ""


def _acl_name(reader: RowReader, row_uuid: str) -> str:
    row = reader.get("ACL", row_uuid)
    return row["acl_name"] if row is not None else ""


def derive_switch(u: str, row: RawRow, reader: RowReader) -> Items:
    if row["name"] != reader.switch_name:
        return
    yield ("switch", row["name"]), PhysicalSwitch(
        row["name"], frozenset(row["tunnel_ips"]), frozenset(row["management_ips"]), row["description"])


def derive_port(u: str, row: RawRow, reader: RowReader) -> Items:
    ours = reader.our_switch()
    if ours is None or u not in ours[1]["ports"]:
        return
    yield ("port", row["name"]), PhysicalPort(
        row["name"],
        FrozenMap({vlan: _ls_name(reader, ls) for vlan, ls in row["vlan_bindings"].items()}),
        FrozenMap({vlan: _acl_name(reader, acl) for vlan, acl in row["acl_bindings"].items()}),
        row["description"],
    )
    for vlan, stats_uuid in row["vlan_stats"].items():
        stats = reader.get("Logical_Binding_Stats", stats_uuid)
        if stats is not None:
            yield ("stats", (row["name"], vlan)), BindingStats(
                row["name"], vlan, stats["packets_from_local"], stats["bytes_from_local"],
                stats["packets_to_local"], stats["bytes_to_local"])


def derive_logical_switch(u: str, row: RawRow, reader: RowReader) -> Items:
    mode = _opt(row["replication_mode"]) or ReplicationMode.SERVICE_NODE.value
    yield ("ls", row["name"]), LogicalSwitch(
        row["name"], _opt(row["tunnel_key"]), ReplicationMode(mode), row["description"])


def derive_ucast_remote(u: str, row: RawRow, reader: RowReader) -> Items:
    loc = locator(reader, row["locator"])
    if loc is None:
        return
    ls, mac = _ls_name(reader, row["logical_switch"]), normalize_mac(row["MAC"])
    yield ("ucast", (ls, mac)), UcastMacRemote(mac, ls, loc, row["ipaddr"])


def derive_mcast_remote(u: str, row: RawRow, reader: RowReader) -> Items:
    locs = locator_set(reader, row["locator_set"])
    if locs is None:
        return
    ls, mac = _ls_name(reader, row["logical_switch"]), normalize_mac(row["MAC"])
    yield ("mcast", (ls, mac)), McastMacRemote(mac, ls, locs, row["ipaddr"])


def derive_ucast_local(u: str, row: RawRow, reader: RowReader) -> Items:
    loc = locator(reader, row["locator"])
    if loc is None:
        return
    value = UcastMacLocal(normalize_mac(row["MAC"]), _ls_name(reader, row["logical_switch"]),
                          loc.dst_ip, row["ipaddr"])
    yield ("ucast_local", value), value


def derive_mcast_local(u: str, row: RawRow, reader: RowReader) -> Items:
    locs = locator_set(reader, row["locator_set"])
    if locs is None:
        return
    value = McastMacLocal(normalize_mac(row["MAC"]), _ls_name(reader, row["logical_switch"]),
                          frozenset(loc.dst_ip for loc in locs), row["ipaddr"])
    yield ("mcast_local", value), value


def derive_router(u: str, row: RawRow, reader: RowReader) -> Items:
    yield ("lr", row["name"]), LogicalRouter(
        row["name"],
        FrozenMap({p: _ls_name(reader, ls) for p, ls in row["switch_binding"].items()}),
        FrozenMap(row["static_routes"]),
        FrozenMap({a: _acl_name(reader, acl) for a, acl in row["acl_binding"].items()}),
        row["description"],
    )


def derive_arp_remote(u: str, row: RawRow, reader: RowReader) -> Items:
    loc = locator(reader, row["locator"])
    if loc is None:
        return
    value = ArpSourceRemote(normalize_mac(row["src_mac"]), loc)
    yield ("arp", value), value


ACL_ENTRY_COLUMNS = (
    "sequence", "source_mac", "dest_mac", "ethertype", "source_ip", "source_mask", "dest_ip",
    "dest_mask", "protocol", "source_port_min", "source_port_max", "dest_port_min", "dest_port_max",
    "tcp_flags", "tcp_flags_mask", "icmp_type", "icmp_code", "direction", "action",
)


def acl_entry(row_uuid: str, row: RawRow) -> AclEntry:
    fields = {c: _opt(row[c]) for c in ACL_ENTRY_COLUMNS if c not in ("sequence", "direction", "action")}
    return AclEntry(str(row_uuid), row["sequence"], AclDirection(row["direction"]),
                    AclAction(row["action"]), **fields)


def derive_acl(u: str, row: RawRow, reader: RowReader) -> Items:
    entries = []
    for e in row["acl_entries"]:
        raw = reader.get("ACL_entry", e)
        if raw is not None:
            entries.append(acl_entry(e, raw))
    yield ("acl", row["acl_name"]), Acl(row["acl_name"], tuple(entries))


SPECS: tuple[RowSpec, ...] = (
    RowSpec("Global", ("switches",)),
    RowSpec("Physical_Switch", ("name", "description", "ports", "tunnel_ips", "management_ips",
                                "switch_fault_status", "other_config"), derive_switch),
    RowSpec("Physical_Port", ("name", "description", "vlan_bindings", "acl_bindings", "vlan_stats",
                              "port_fault_status"), derive_port),
    RowSpec("Logical_Binding_Stats", ("packets_from_local", "bytes_from_local", "packets_to_local",
                                      "bytes_to_local")),
    RowSpec("Logical_Switch", ("name", "description", "tunnel_key", "replication_mode"),
            derive_logical_switch),
    RowSpec("Ucast_Macs_Remote", ("MAC", "logical_switch", "locator", "ipaddr"), derive_ucast_remote),
    RowSpec("Mcast_Macs_Remote", ("MAC", "logical_switch", "locator_set", "ipaddr"), derive_mcast_remote),
    RowSpec("Ucast_Macs_Local", ("MAC", "logical_switch", "locator", "ipaddr"), derive_ucast_local),
    RowSpec("Mcast_Macs_Local", ("MAC", "logical_switch", "locator_set", "ipaddr"), derive_mcast_local),
    RowSpec("Logical_Router", ("name", "description", "switch_binding", "static_routes", "acl_binding",
                               "LR_fault_status"), derive_router),
    RowSpec("Arp_Sources_Remote", ("src_mac", "locator"), derive_arp_remote),
    RowSpec("Physical_Locator_Set", ("locators",)),
    RowSpec("Physical_Locator", ("encapsulation_type", "dst_ip", "tunnel_key")),
    RowSpec("ACL_entry", (*ACL_ENTRY_COLUMNS, "acle_fault_status")),
    RowSpec("ACL", ("acl_name", "acl_entries", "acl_fault_status"), derive_acl),
)
SPEC_BY_TABLE: Mapping[str, RowSpec] = FrozenMap({s.table: s for s in SPECS})


def merge(category: str, values: list[Any]) -> Any:
    """One model value from several rows claiming the same identity.

    Mcast_Macs_Remote rows for one (switch, MAC) add up (vtep-ctl creates one
    row per add-mcast-remote call in some versions); for the rest, which the
    schema does not index, the lowest value wins so the choice is stable.
    """
    if len(values) == 1:   # nearly always: and repr of 100,000 dataclasses costs a second
        return values[0]
    if category == "mcast":
        first = values[0]
        union = frozenset().union(*(v.locator_set for v in values))
        return McastMacRemote(first.mac, first.logical_switch, union, min(v.ipaddr for v in values))
    return min(values, key=repr)
