"""Operator edits of the hardware_vtep database: `gwctl ls | bind | unbind | mac`, as vtep-ctl does them.

Why not shell out to vtep-ctl: gwctl validates against what it can realize
(VNI range, MAC syntax, ports of *this* switch) before anything is written,
and reports a problem as one line. Each command is one OVSDB transaction
built on the ovs IDL, so it is all or nothing: a refused or conflicting
transaction leaves the database as it was (TRY_AGAIN is retried with the
checks run again on the fresh content).

Errors are `CtlError` (the operator's input does not fit the database: no
such switch, port or logical switch, a bad VLAN) or `CtlDbError` (the
database cannot be reached or refused the transaction); the CLI prints
either as one line and exits with status 2.
"""

from __future__ import annotations

import ipaddress
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import ovs.db.idl
import ovs.poller
from ovs.db.idl import Row, Transaction

from gwctl.model import VLAN_MAX, VNI_MAX, is_mac, normalize_mac
from gwctl.vtepdb import AGENT_ELECTION_ID, AGENT_P4RT, DEFAULT_SCHEMA

VXLAN = "vxlan_over_ipv4"
TABLES = ("Global", "Physical_Switch", "Physical_Port", "Logical_Switch", "Logical_Router",
          "Ucast_Macs_Remote", "Ucast_Macs_Local", "Mcast_Macs_Remote", "Mcast_Macs_Local",
          "Physical_Locator", "Physical_Locator_Set", "Tunnel")


class CtlError(ValueError):
    """The request does not fit the database (or is malformed); nothing was written."""


class CtlDbError(RuntimeError):
    """The database is unreachable, or refused the transaction; nothing was written."""


@dataclass(frozen=True)
class LogicalSwitchInfo:
    name: str
    tunnel_key: int | None
    description: str
    bindings: tuple[str, ...]
    """`switch/port/vlan` for every binding to this logical switch."""

    def as_dict(self) -> dict[str, Any]:
        return {"name": self.name, "tunnel_key": self.tunnel_key, "description": self.description,
                "bindings": list(self.bindings)}


@dataclass(frozen=True, order=True)
class MacInfo:
    logical_switch: str
    mac: str
    kind: str
    """"remote" (Ucast_Macs_Remote, written by the NVC or an operator) or "local" (learned by a switch)."""
    locator: str
    encapsulation: str
    ipaddr: str

    def as_dict(self) -> dict[str, Any]:
        return {"type": self.kind, "logical_switch": self.logical_switch, "mac": self.mac,
                "locator": self.locator, "encapsulation": self.encapsulation, "ipaddr": self.ipaddr}


# ------------------------------------------------------------------ argument checks (pure)


def parse_vlan(text: str) -> int:
    """A VLAN id gwctl can realize: 0 (untagged) .. 4094 (802.1Q reserves 4095)."""
    try:
        vlan = int(text, 10)
    except ValueError:
        raise CtlError(f"VLAN {text!r} is not an integer") from None
    if not 0 <= vlan <= VLAN_MAX:
        raise CtlError(f"VLAN {vlan} out of range 0..{VLAN_MAX}")
    return vlan


def parse_tunnel_key(text: str) -> int:
    try:
        key = int(text, 0)
    except ValueError:
        raise CtlError(f"tunnel key {text!r} is not an integer") from None
    if not 1 <= key <= VNI_MAX:
        raise CtlError(f"tunnel key {key} out of range 1..{VNI_MAX} (24-bit VNI)")
    return key


def parse_mac(text: str) -> str:
    mac = normalize_mac(text)
    if not is_mac(mac):
        raise CtlError(f"{text!r} is not a MAC address (xx:xx:xx:xx:xx:xx)")
    if int(mac[:2], 16) & 1:
        raise CtlError(f"{mac} is a multicast MAC: Ucast_Macs_Remote holds unicast MACs")
    return mac


def parse_ipv4(text: str, what: str) -> str:
    try:
        ip = ipaddress.ip_address(text)
    except ValueError:
        raise CtlError(f"{what} {text!r} is not an IP address") from None
    if ip.version != 4:
        raise CtlError(f"{what} {text} is not IPv4 (locators are {VXLAN})")
    return str(ip)


def parse_name(text: str, what: str) -> str:
    if not text or text != text.strip():
        raise CtlError(f"{what} name {text!r} is empty or has surrounding blanks")
    return text


# ------------------------------------------------------------------ the connection


class VtepCtl:
    """A short-lived IDL session for one operator command: connect, read, one transaction, close."""

    def __init__(self, remote: str, *, timeout: float = 5.0, schema: Path = DEFAULT_SCHEMA) -> None:
        if not (remote.startswith("unix:") or remote.startswith("tcp:")):
            raise CtlError(f"database {remote!r}: expected unix:PATH or tcp:IP:PORT")
        helper = ovs.db.idl.SchemaHelper(location=str(schema))
        for table in TABLES:
            helper.register_table(table)
        self.remote = remote
        self.timeout = timeout
        self._idl = ovs.db.idl.Idl(remote, helper)
        self._wait_synced()

    def __enter__(self) -> VtepCtl:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self._idl.close()

    def _wait_synced(self) -> None:
        deadline = time.monotonic() + self.timeout
        while True:
            self._idl.run()
            if self._idl.has_ever_connected() and self._idl.state == self._idl.IDL_S_MONITORING:
                return
            left = deadline - time.monotonic()
            if left <= 0:
                self.close()
                raise CtlDbError(f"vtep database {self.remote} unreachable (no answer in {self.timeout:g}s)")
            poller = ovs.poller.Poller()
            self._idl.wait(poller)
            poller.timer_wait(int(min(left, 0.1) * 1000))
            poller.block()

    def rows(self, table: str) -> list[Row]:
        return list(self._idl.tables[table].rows.values())

    def _transact(self, what: str, build: Callable[[Transaction], None], attempts: int = 5) -> None:
        """One transaction; `build` checks and stages. Retried (checks again) on TRY_AGAIN only."""
        for _ in range(attempts):
            txn = Transaction(self._idl)
            txn.add_comment(f"gwctl: {what}")
            try:
                build(txn)
            except CtlError:
                txn.abort()
                raise
            status = txn.commit_block()
            if status in (Transaction.SUCCESS, Transaction.UNCHANGED):
                return
            if status != Transaction.TRY_AGAIN:
                error = txn.get_error() or status
                raise CtlDbError(f"{what}: database refused the transaction: {error}")
            self._wait_change()
        raise CtlDbError(f"{what}: database content kept changing; nothing written after {attempts} attempts")

    def _wait_change(self) -> None:
        poller = ovs.poller.Poller()
        self._idl.wait(poller)
        poller.timer_wait(100)
        poller.block()
        self._idl.run()

    # ------------------------------------------------------------ lookups (raise CtlError)

    def _ls(self, name: str) -> Row:
        for row in self.rows("Logical_Switch"):
            if row.name == name:
                return row
        raise CtlError(f"no logical switch {name!r}")

    def _switch(self, name: str) -> Row:
        for row in self.rows("Physical_Switch"):
            if row.name == name:
                return row
        raise CtlError(f"no physical switch {name!r} in the database (is its agent running?)")

    def _port(self, switch: str, port: str) -> Row:
        ps = self._switch(switch)
        for row in ps.ports:
            if row.name == port:
                return row
        names = ", ".join(sorted(p.name for p in ps.ports)) or "none"
        raise CtlError(f"switch {switch} has no port {port!r} (ports: {names})")

    def _bindings_to(self, ls: Row) -> list[str]:
        out = []
        for ps in self.rows("Physical_Switch"):
            for port in ps.ports:
                out += [f"{ps.name}/{port.name}/{vlan}" for vlan, target in port.vlan_bindings.items()
                        if target.uuid == ls.uuid]
        return sorted(out)

    # ------------------------------------------------------------ fault columns (read-only)

    def reported_faults(self, switch: str) -> list[dict[str, str]]:
        """The fault columns as the agent wrote them: our switch and its ports, routers, ACLs.

        They hold what only the agent knows (a full table on the switch),
        besides what `validate` finds in the database.
        """
        rows: list[tuple[str, str, Row, str]] = []
        for ps in self.rows("Physical_Switch"):
            if ps.name == switch:
                rows.append(("Physical_Switch", ps.name, ps, "switch_fault_status"))
                rows += [("Physical_Port", p.name, p, "port_fault_status") for p in ps.ports]
        rows += [("Logical_Router", r.name, r, "LR_fault_status") for r in self.rows("Logical_Router")]
        out = [{"table": table, "row": name, "code": code}
               for table, name, row, column in rows for code in getattr(row, column)]
        return sorted(out, key=lambda f: (f["table"], f["row"], f["code"]))

    def agent(self, switch: str) -> tuple[int | None, str]:
        """(election id, P4Runtime address) the switch's primary agent wrote in other_config; (None, "") if none."""
        for ps in self.rows("Physical_Switch"):
            if ps.name == switch:
                config = dict(ps.other_config)
                election = config.get(AGENT_ELECTION_ID, "")
                return (int(election) if election.isdigit() else None), config.get(AGENT_P4RT, "")
        return None, ""

    def tunnels(self, switch: str) -> list[dict[str, str]]:
        """Our switch's Tunnel rows as the agent keeps them: remote VTEP, and its BFD session as bfd_status says."""
        out = []
        for ps in self.rows("Physical_Switch"):
            if ps.name != switch:
                continue
            for t in ps.tunnels:
                status = dict(t.bfd_status)
                enabled = dict(t.bfd_params).get("enable") == "true"
                out.append({"remote": t.remote.dst_ip, "local": t.local.dst_ip,
                            "bfd": status.get("state", "(none yet)") if enabled else "off",
                            "diagnostic": status.get("diagnostic", "") if enabled else ""})
        return sorted(out, key=lambda t: t["remote"])

    # ------------------------------------------------------------ Logical_Switch

    def ls_list(self) -> list[LogicalSwitchInfo]:
        out = []
        for row in self.rows("Logical_Switch"):
            key = row.tunnel_key[0] if row.tunnel_key else None
            out.append(LogicalSwitchInfo(row.name, key, row.description, tuple(self._bindings_to(row))))
        return sorted(out, key=lambda i: i.name)

    def ls_add(self, name: str, tunnel_key: int | None, description: str = "", may_exist: bool = False) -> None:
        """Create (or with may_exist, update) a logical switch; its tunnel key must be unused."""
        parse_name(name, "logical switch")

        def build(txn: Transaction) -> None:
            existing = {row.name: row for row in self.rows("Logical_Switch")}
            if tunnel_key is not None:
                for other in existing.values():
                    if other.name != name and tunnel_key in other.tunnel_key:
                        raise CtlError(f"tunnel key {tunnel_key} already used by logical switch {other.name}")
            row = existing.get(name)
            if row is not None and not may_exist:
                raise CtlError(f"logical switch {name} already exists")
            for other in existing.values():
                other.verify("tunnel_key")
            if row is None:     # a new row has no columns to read yet
                row = txn.insert(self._idl.tables["Logical_Switch"])
                row.name = name
                row.tunnel_key = [] if tunnel_key is None else [tunnel_key]
                row.description = description
                return
            if tunnel_key is not None and list(row.tunnel_key) != [tunnel_key]:
                row.tunnel_key = [tunnel_key]
            if description and row.description != description:
                row.description = description

        self._transact(f"ls add {name}", build)

    def ls_del(self, name: str, if_exists: bool = False) -> None:
        """Delete a logical switch and its MAC rows; refused while a port binds it (unbind first)."""

        def build(txn: Transaction) -> None:
            try:
                ls = self._ls(name)
            except CtlError:
                if if_exists:
                    return
                raise
            bound = self._bindings_to(ls)
            if bound:
                raise CtlError(f"logical switch {name} is bound at {', '.join(bound)}: unbind first")
            for router in self.rows("Logical_Router"):
                if any(target.uuid == ls.uuid for target in router.switch_binding.values()):
                    raise CtlError(f"logical switch {name} is attached to logical router {router.name}")
            for ps in self.rows("Physical_Switch"):
                for port in ps.ports:
                    port.verify("vlan_bindings")
            for table in ("Ucast_Macs_Remote", "Ucast_Macs_Local", "Mcast_Macs_Remote", "Mcast_Macs_Local"):
                for row in self.rows(table):
                    if row.logical_switch.uuid == ls.uuid:
                        row.delete()
            ls.delete()

        self._transact(f"ls del {name}", build)

    # ------------------------------------------------------------ Physical_Port.vlan_bindings

    def bind(self, switch: str, port: str, vlan: int, ls_name: str) -> None:
        """Bind PORT+VLAN of our switch to a logical switch (replacing another binding of that VLAN)."""

        def build(txn: Transaction) -> None:
            row = self._port(switch, port)
            ls = self._ls(ls_name)
            ls.verify("name")
            row.verify("vlan_bindings")
            current = row.vlan_bindings.get(vlan)
            if current is None or current.uuid != ls.uuid:
                row.setkey("vlan_bindings", vlan, ls)

        self._transact(f"bind {switch} {port} {vlan} {ls_name}", build)

    def unbind(self, switch: str, port: str, vlan: int, ls_name: str | None = None) -> None:
        """Remove the binding of PORT+VLAN; with `ls_name`, only if it points to that logical switch."""

        def build(txn: Transaction) -> None:
            row = self._port(switch, port)
            current = row.vlan_bindings.get(vlan)
            if current is None:
                raise CtlError(f"port {switch}/{port} has no binding for VLAN {vlan}")
            if ls_name is not None:
                ls = self._ls(ls_name)
                if current.uuid != ls.uuid:
                    raise CtlError(f"port {switch}/{port} VLAN {vlan} is bound to {current.name}, not {ls_name}")
            row.verify("vlan_bindings")
            row.delkey("vlan_bindings", vlan)

        self._transact(f"unbind {switch} {port} {vlan}", build)

    # ------------------------------------------------------------ Ucast_Macs_Remote / _Local

    def mac_list(self, ls_name: str | None = None) -> list[MacInfo]:
        if ls_name is not None:
            self._ls(ls_name)
        out = []
        for table, kind in (("Ucast_Macs_Remote", "remote"), ("Ucast_Macs_Local", "local")):
            for row in self.rows(table):
                if ls_name is not None and row.logical_switch.name != ls_name:
                    continue
                out.append(MacInfo(row.logical_switch.name, row.MAC, kind, row.locator.dst_ip,
                                   row.locator.encapsulation_type, row.ipaddr))
        return sorted(out)

    def _locator(self, txn: Transaction, ip: str) -> Row:
        """The existing vxlan locator for `ip` (the schema indexes them) or a new one."""
        for row in self.rows("Physical_Locator"):
            if row.dst_ip == ip and row.encapsulation_type == VXLAN and not row.tunnel_key:
                return row
        row = txn.insert(self._idl.tables["Physical_Locator"])
        row.dst_ip = ip
        row.encapsulation_type = VXLAN
        return row

    def mac_add(self, ls_name: str, mac: str, locator_ip: str, ipaddr: str = "") -> None:
        """Make MAC in LS reachable at the VTEP `locator_ip`, replacing an earlier row, as vtep-ctl does."""

        def build(txn: Transaction) -> None:
            ls = self._ls(ls_name)
            ls.verify("name")
            for row in self.rows("Ucast_Macs_Remote"):
                if row.logical_switch.uuid == ls.uuid and normalize_mac(row.MAC) == mac:
                    if (row.locator.dst_ip, row.locator.encapsulation_type, row.ipaddr) == (
                            locator_ip, VXLAN, ipaddr) and not row.locator.tunnel_key:
                        return
                    row.delete()
            row = txn.insert(self._idl.tables["Ucast_Macs_Remote"])
            row.MAC = mac
            row.logical_switch = ls
            row.locator = self._locator(txn, locator_ip)
            row.ipaddr = ipaddr

        self._transact(f"mac add {ls_name} {mac} {locator_ip}", build)

    def mac_del(self, ls_name: str, mac: str, if_exists: bool = False) -> None:

        def build(txn: Transaction) -> None:
            ls = self._ls(ls_name)
            rows = [row for row in self.rows("Ucast_Macs_Remote")
                    if row.logical_switch.uuid == ls.uuid and normalize_mac(row.MAC) == mac]
            if not rows and not if_exists:
                raise CtlError(f"no remote MAC {mac} in logical switch {ls_name}")
            for row in rows:
                row.delete()

        self._transact(f"mac del {ls_name} {mac}", build)
