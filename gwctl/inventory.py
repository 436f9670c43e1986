"""What the switch itself is: its ports, uplinks and underlay, from gwctl's configuration file.

The hardware_vtep database says which port and VLAN belong to which logical
switch, but not which P4 port number a port name is, which ports face the
underlay, or which next hop reaches a remote VTEP: that is local knowledge of
the box (ovs-vtep gets it from the OVS bridge). It is kept apart from the
desired state because the NVC never writes it.

File format (TOML):

    [switch]
    name = "gw1"
    tunnel_ips = ["198.18.0.1"]
    router_mac = "02:00:00:00:00:01"     # source MAC of routed packets

    [[port]]                              # access ports, as named in Physical_Port
    name = "p1"
    number = 1

    [[uplink]]
    name = "up1"
    number = 10
    mac = "02:00:00:00:01:0a"             # our MAC on the underlay link
    nexthop_mac = "02:00:00:00:02:0a"     # the underlay router's MAC

    [[route]]                             # underlay routes to remote VTEPs (default: all uplinks)
    prefix = "198.18.0.0/15"
    uplinks = ["up1"]
"""

from __future__ import annotations

import dataclasses
import ipaddress
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from gwctl.model import FrozenMap, is_mac, lowest_ip, normalize_mac


class InventoryError(ValueError):
    """The configuration file is wrong; the message names the entry and the problem."""


@dataclass(frozen=True, order=True)
class AccessPort:
    name: str
    number: int


@dataclass(frozen=True, order=True)
class Uplink:
    name: str
    number: int
    mac: str
    nexthop_mac: str


@dataclass(frozen=True, order=True)
class UnderlayRoute:
    prefix: str
    uplinks: tuple[str, ...]


@dataclass(frozen=True)
class Inventory:
    switch_name: str
    tunnel_ips: tuple[str, ...]
    access_ports: FrozenMap[str, AccessPort]
    uplinks: FrozenMap[str, Uplink]
    routes: tuple[UnderlayRoute, ...] = ()
    router_mac: str = "02:00:00:00:00:01"

    @property
    def tunnel_ip(self) -> str | None:
        """Our tunnels' source address (`model.lowest_ip` of tunnel_ips)."""
        return lowest_ip(self.tunnel_ips)

    def effective_routes(self) -> tuple[UnderlayRoute, ...]:
        """Configured routes, or one default route over every uplink when none are configured."""
        if self.routes:
            return self.routes
        if not self.uplinks:
            return ()
        return (UnderlayRoute("0.0.0.0/0", tuple(sorted(self.uplinks))),)


def _port_number(value: Any, where: str) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value < 511:
        raise InventoryError(f"{where}: number {value!r} must be an integer in 0..510 (511 drops, in BMv2)")
    return value


def _mac(value: Any, where: str) -> str:
    if not isinstance(value, str) or not is_mac(value.lower()):
        raise InventoryError(f"{where}: {value!r} is not a MAC address")
    return normalize_mac(value)


def checked_tunnel_ips(values: Any, where: str) -> tuple[str, ...]:
    ips = tuple(values)
    for ip in ips:
        try:
            version = ipaddress.ip_address(ip).version
        except ValueError as exc:
            raise InventoryError(f"{where}: {ip!r} is not an IP address") from exc
        if version != 4:
            raise InventoryError(f"{where}: {ip} is not IPv4 (the pipeline is VXLAN over IPv4)")
    return ips


def with_switch(inv: Inventory, name: str | None = None, tunnel_ips: list[str] | None = None) -> Inventory:
    """The inventory with the switch's name or tunnel IPs given on the command line instead."""
    if tunnel_ips:
        inv = dataclasses.replace(inv, tunnel_ips=checked_tunnel_ips(tunnel_ips, "--tunnel-ip"))
    if name:
        inv = dataclasses.replace(inv, switch_name=name)
    return inv


def from_dict(data: dict[str, Any]) -> Inventory:
    """Build and check an Inventory; every problem names where it is."""
    switch = data.get("switch", {})
    name = switch.get("name")
    if not isinstance(name, str) or not name:
        raise InventoryError("[switch] name is required")
    tunnel_ips = checked_tunnel_ips(switch.get("tunnel_ips", ()), "[switch] tunnel_ips")
    ports: dict[str, AccessPort] = {}
    uplinks: dict[str, Uplink] = {}
    numbers: dict[int, str] = {}
    for i, p in enumerate(data.get("port", [])):
        where = f"[[port]] #{i + 1} {p.get('name', '?')!r}"
        port = AccessPort(str(p["name"]), _port_number(p.get("number"), where))
        ports[port.name] = port
        if port.number in numbers:
            raise InventoryError(f"{where}: number {port.number} already used by {numbers[port.number]}")
        numbers[port.number] = port.name
    for i, u in enumerate(data.get("uplink", [])):
        where = f"[[uplink]] #{i + 1} {u.get('name', '?')!r}"
        uplink = Uplink(str(u["name"]), _port_number(u.get("number"), where),
                        _mac(u.get("mac"), where), _mac(u.get("nexthop_mac"), where))
        if uplink.number in numbers or uplink.name in ports:
            raise InventoryError(f"{where}: port {uplink.name}/{uplink.number} already configured")
        numbers[uplink.number] = uplink.name
        uplinks[uplink.name] = uplink
    routes = []
    for i, r in enumerate(data.get("route", [])):
        where = f"[[route]] #{i + 1}"
        try:
            net = ipaddress.ip_network(r["prefix"])
        except (KeyError, ValueError) as exc:
            raise InventoryError(f"{where}: prefix {r.get('prefix')!r}: {exc}") from exc
        names = tuple(sorted(r.get("uplinks", sorted(uplinks))))
        missing = [n for n in names if n not in uplinks]
        if missing or not names:
            raise InventoryError(f"{where}: uplinks {missing or '[]'} not configured")
        routes.append(UnderlayRoute(str(net), names))
    return Inventory(name, tunnel_ips, FrozenMap(ports), FrozenMap(uplinks), tuple(routes),
                     _mac(switch.get("router_mac", "02:00:00:00:00:01"), "[switch] router_mac"))


def load(path: Path) -> Inventory:
    try:
        with path.open("rb") as f:
            return from_dict(tomllib.load(f))
    except tomllib.TOMLDecodeError as exc:
        raise InventoryError(f"{path}: {exc}") from exc
    except InventoryError as exc:
        raise InventoryError(f"{path}: {exc}") from exc
