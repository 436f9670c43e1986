"""Tunnel rows of the hardware_vtep database: which ones this switch has, and the BFD settings they carry. Pure.

vtep(5) has one Tunnel row per (local, remote) Physical_Locator pair the
switch uses, listed in Physical_Switch.tunnels; the NVC configures BFD on it
(bfd_params, bfd_config_remote) and the switch reports back in bfd_status.
ovs-vtep creates the row for every remote VTEP its logical switches use
(from Ucast_Macs_Remote and the Mcast_Macs_Remote locator sets) and removes
it when the last use goes. gwctl does the same, with "used" meaning exactly
what the translation allocated a tunnel id for (`Ids.tunnel`): the remotes
the data plane can reach, so a Tunnel row and the switch's tunnels cannot
disagree.

`plan` decides the row changes from what the database holds; the OVSDB
adapter (`VtepDb.write_tunnels`) applies them. Writing is idempotent: rows
that are right are kept (with the NVC's bfd_params), so an agent restart
changes nothing.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from gwctl import bfd
from gwctl.model import FrozenMap

BFD_CONFIG_LOCAL = FrozenMap({"bfd_dst_mac": bfd.BFD_DEFAULT_DST_MAC, "bfd_dst_ip": bfd.BFD_DEFAULT_DST_IP})
"""What we expect on received BFD packets; the HSC writes it (vtep(5)), with the defaults as ovs-vtep does."""


@dataclass(frozen=True, order=True)
class TunnelRow:
    """A Tunnel row of our Physical_Switch, as read from the database."""

    uuid: str
    local_ip: str
    remote_ip: str
    bfd_params: FrozenMap[str, str] = field(default_factory=FrozenMap)
    bfd_config_remote: FrozenMap[str, str] = field(default_factory=FrozenMap)
    bfd_config_local: FrozenMap[str, str] = field(default_factory=FrozenMap)
    bfd_status: FrozenMap[str, str] = field(default_factory=FrozenMap)


@dataclass(frozen=True)
class TunnelPlan:
    create: tuple[str, ...] = ()
    """Remote IPs that need a Tunnel row (local = our tunnel IP)."""
    delete: tuple[str, ...] = ()
    """UUIDs of rows to remove from Physical_Switch.tunnels (the row goes with its last reference)."""
    set_config_local: tuple[str, ...] = ()
    """UUIDs of kept rows whose bfd_config_local is not what we expect."""

    def __bool__(self) -> bool:
        return bool(self.create or self.delete or self.set_config_local)


def plan(remotes: Iterable[str], local_ip: str | None, rows: Iterable[TunnelRow]) -> TunnelPlan:
    """The row changes that leave exactly one Tunnel (local_ip -> remote) per remote in use.

    Rows from another local IP (our tunnel IP changed), to a remote no longer
    used, or duplicates go; of duplicates the one the NVC configured (with
    bfd_params) stays. Without a tunnel IP of our own no tunnel can exist.
    """
    wanted = set(remotes) - {local_ip} if local_ip is not None else set()
    keep: dict[str, TunnelRow] = {}
    delete: list[str] = []
    for row in sorted(rows, key=lambda r: (not r.bfd_params, r.uuid)):
        if row.local_ip != local_ip or row.remote_ip not in wanted or row.remote_ip in keep:
            delete.append(row.uuid)
        else:
            keep[row.remote_ip] = row
    fix = tuple(sorted(r.uuid for r in keep.values() if r.bfd_config_local != BFD_CONFIG_LOCAL))
    return TunnelPlan(tuple(sorted(wanted - keep.keys())), tuple(sorted(delete)), fix)


@dataclass(frozen=True)
class TunnelBfd:
    """What the BFD side needs of one Tunnel row: its remote and checked settings, or why they are refused."""

    remote_ip: str
    config: bfd.Config
    problem: str = ""


def bfd_settings(rows: Iterable[TunnelRow], local_ip: str | None) -> dict[str, TunnelBfd]:
    """Remote IP -> BFD settings of our tunnels; a row with invalid settings gets BFD off and the reason.

    The reason goes to bfd_status (enabled=false, info), which is where vtep(5)
    tells the NVC that BFD could not be enabled on a tunnel.
    """
    out: dict[str, TunnelBfd] = {}
    for row in sorted(rows, key=lambda r: (not r.bfd_params, r.uuid)):
        if row.local_ip != local_ip or row.remote_ip in out:
            continue
        try:
            config = bfd.config_from_row(row.bfd_params, row.bfd_config_remote, row.bfd_config_local)
        except ValueError as exc:
            out[row.remote_ip] = TunnelBfd(row.remote_ip, bfd.Config(), str(exc))
            continue
        out[row.remote_ip] = TunnelBfd(row.remote_ip, config)
    return out


def down_locators(statuses: Mapping[str, Mapping[str, str]]) -> frozenset[str]:
    """Remote IPs whose BFD session is enabled and not up: what service-node selection avoids."""
    return frozenset(ip for ip, st in statuses.items() if st.get("enabled") == "true" and st.get("state") != "up")
