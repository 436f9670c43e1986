"""The OVSDB edge: a hardware_vtep IDL connection, model changes out, discovered state and faults in.

Single-threaded and poll-driven like the `ovs` IDL itself: `run()` processes
what the server sent and returns model changes; `wait()`/`poll()` block until
there is more. The agent drives it from one thread (or an executor); nothing
here spawns threads.

Reconnection is the IDL's (exponential backoff up to `max_backoff_ms`). While
disconnected the model keeps its last content, so the data plane keeps
forwarding; once the new monitor reply is in, rows the server no longer has
are dropped (the IDL re-sends rows, not deletions) and only real differences
come out as changes.

Writes are transactions of their own, each idempotent (they set the rows to
a wanted content rather than append), so retrying after TRY_AGAIN or a
reconnect is safe.
"""

from __future__ import annotations

import dataclasses
import logging
import time
import uuid
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any

import ovs.db.idl
import ovs.jsonrpc
import ovs.poller
from ovs.db.idl import Transaction

from gwctl import ovs_json
from gwctl.model import (
    FAULT_COLUMNS,
    BindingStats,
    DesiredState,
    DiscoveredState,
    Encapsulation,
    Fault,
    FaultTable,
    FrozenMap,
    McastMacLocal,
    UcastMacLocal,
    lowest_ip,
)
from gwctl.tunnels import BFD_CONFIG_LOCAL, TunnelRow, down_locators
from gwctl.tunnels import plan as plan_tunnels
from gwctl.vtep_index import Change, VtepIndex
from gwctl.vtep_rows import SPEC_BY_TABLE, SPECS

log = logging.getLogger(__name__)
ovs_json.install()   # the ovs library's own JSON lexer is pure Python: 60% of a 100,000-row sync

DEFAULT_SCHEMA = Path("/usr/share/openvswitch/vtep.ovsschema")
AGENT_ELECTION_ID = "gwctl-election-id"
AGENT_P4RT = "gwctl-p4rt"
"""Physical_Switch.other_config keys where the primary agent says who it is on P4Runtime."""
VXLAN = Encapsulation.VXLAN_OVER_IPV4.value


class VtepDbError(RuntimeError):
    """A transaction failed or the database is not usable; the message says which write and why."""


class VtepDbNotReady(VtepDbError):
    """Not connected, or the initial dump has not arrived: writing now could duplicate rows."""


def _plain(value: Any) -> Any:
    """IDL values -> plain Python, references as UUID text, so rows compare by content.

    Text, not `uuid.UUID`: the index hashes row ids millions of times in a bulk load, and a UUID's hash
    is a Python method while a string's is C and cached (0.65 s of a 100,000-row flush)."""
    if isinstance(value, ovs.db.idl.Row):
        return str(value.uuid)
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, dict):
        return {_plain(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


class _Idl(ovs.db.idl.Idl):
    """The IDL with its two hooks routed to the adapter: row notifications and (re)connects."""

    def __init__(self, remote: str, helper: ovs.db.idl.SchemaHelper, probe_interval: int,
                 on_row: Callable[[str, ovs.db.idl.Row], None], on_restart: Callable[[], None]) -> None:
        self._on_row = on_row
        self._on_restart = on_restart
        super().__init__(remote, helper, probe_interval=probe_interval)

    def notify(self, event: str, row: ovs.db.idl.Row, updates: ovs.db.idl.Row | None = None) -> None:
        self._on_row(event, row)

    def restart_fsm(self) -> None:
        self._on_restart()
        super().restart_fsm()


TUNNEL_COLUMNS = ("local", "remote", "bfd_config_local", "bfd_config_remote", "bfd_params", "bfd_status")
LEAN_TABLES = ("Ucast_Macs_Remote",)
"""Tables monitored without the IDL: read-only for gwctl, and 100,000s of rows, each of which costs the IDL
(Row, Datum and Atom objects per column) ~2.5 KB and as much parse time as the rest of the sync."""


def _lean_value(value: Any, refs: dict[str, str]) -> Any:
    """A scalar column's JSON value as the IDL adapter gives it: references as UUID text, atoms as they are.

    Referenced UUIDs are shared through `refs`: 100,000 MAC rows name a few switches and locators.
    """
    if isinstance(value, list) and len(value) == 2 and value[0] == "uuid":
        return refs.setdefault(value[1], value[1])
    return _fresh(value) if type(value) is str else value


def _fresh(text: str) -> str:
    """A copy of `text` in memory allocated now, not inside the parsed update.

    The update's 100,000 rows are ~130 MB of short-lived JSON objects; a string
    kept from among them pins the allocator's arenas they share, so the memory
    never goes back after the update is freed (+30 MB of resident memory at
    100,000 rows), so kept values are copied out of it.
    """
    return text.encode().decode()


class _LeanRow(tuple):
    """A lean table's row: its column values in monitor order, read by name as the IDL adapter's dict rows are.

    A tuple of 4 columns is 88 bytes where a dict is 232: 14 MB at 100,000 MAC rows.
    Subclassed per table with the column positions (`lean_row_type`).
    """

    __slots__ = ()
    _positions: dict[str, int] = {}

    def __getitem__(self, column: Any) -> Any:   # type: ignore[override]
        return tuple.__getitem__(self, self._positions[column])


def lean_row_type(table: str, columns: tuple[str, ...]) -> type[_LeanRow]:
    return type(f"{table}Row", (_LeanRow,), {"__slots__": (), "_positions": {c: i for i, c in enumerate(columns)}})


class _LeanMonitor:
    """One table through a JSON-RPC `monitor` on a connection of its own, straight into the index.

    Each update carries the monitored columns of a new or modified row in
    full ("new") or only "old" for a deleted one, so nothing but the index's
    plain rows is kept. Reconnects with the session's backoff; the reply to
    each new monitor request is the table's whole content, after which rows
    not in it are dropped, as the IDL adapter does for its tables.
    """

    def __init__(self, remote: str, table: str, columns: tuple[str, ...], schema: Any, index: VtepIndex,
                 probe_interval_ms: int, max_backoff_ms: int) -> None:
        for c in columns:
            ctype = schema.tables[table].columns[c].type
            if not (ctype.n_min == 1 and ctype.n_max == 1 and not ctype.is_map()):
                raise ValueError(f"{table}.{c}: only scalar columns can be monitored lean")
        self.table = table
        self.columns = columns
        self._db_name = schema.name
        self._index = index
        self._session = ovs.jsonrpc.Session.open(remote, probe_interval=probe_interval_ms)
        self._session.reconnect.set_backoff(250, max_backoff_ms)
        self._seqno = -1
        self._request: Any = None
        self._refs: dict[str, str] = {}
        self._row_type = lean_row_type(table, columns)
        self.synced = False

    def run(self) -> None:
        s = self._session
        s.run()
        if s.get_seqno() != self._seqno:   # a new connection (attempt) or a lost one since the last run
            self._seqno = s.get_seqno()
            self.synced = False
            self._request = None
        if s.is_connected() and self._request is None:
            self._request = ovs.jsonrpc.Message.create_request(
                "monitor", [self._db_name, f"gwctl-{self.table}", {self.table: {"columns": list(self.columns)}}])
            s.send(self._request)
        for _ in range(64):   # bounded, like the IDL's run
            msg = s.recv()
            if msg is None:
                break
            if self._request is not None and msg.id == self._request.id:
                if msg.type == ovs.jsonrpc.Message.T_ERROR:
                    log.error("vtep db: monitor %s refused: %s", self.table, msg.error)
                    s.force_reconnect()
                    break
                rows = msg.result.get(self.table, {})
                self._apply(rows)
                self._index.retain({self.table: set(rows)}, (self.table,))
                self.synced = True
            elif msg.type == ovs.jsonrpc.Message.T_NOTIFY and msg.method == "update" and len(msg.params) == 2:
                self._apply(msg.params[1].get(self.table, {}))

    def _apply(self, rows: dict[str, Any]) -> None:
        for u, update in rows.items():
            new = update.get("new")
            if new is None:
                self._index.delete(self.table, u)
            else:
                self._index.upsert(self.table, _fresh(u),
                                   self._row_type(_lean_value(new.get(c), self._refs) for c in self.columns))

    def wait(self, poller: ovs.poller.Poller) -> None:
        self._session.wait(poller)
        self._session.recv_wait(poller)

    @property
    def connected(self) -> bool:
        return self._session.is_connected()

    def close(self) -> None:
        self._session.close()


class VtepDb:
    """Connection to one hardware_vtep database on behalf of the physical switch `switch_name`."""

    def __init__(self, remote: str, switch_name: str, *, schema: Path = DEFAULT_SCHEMA,
                 probe_interval_ms: int = 5000, max_backoff_ms: int = 4000) -> None:
        if not (remote.startswith("unix:") or remote.startswith("tcp:")):
            raise ValueError(f"remote {remote!r}: expected unix:PATH or tcp:IP:PORT")
        helper = ovs.db.idl.SchemaHelper(location=str(schema))
        lean_helper = ovs.db.idl.SchemaHelper(location=str(schema))
        lean_helper.register_all()
        lean_schema = lean_helper.get_idl_schema()
        for spec in SPECS:
            if spec.table not in LEAN_TABLES:
                helper.register_columns(spec.table, list(spec.columns))
        # Tunnel rows are not part of the desired model: read and written here only (gwctl.tunnels)
        helper.register_columns("Physical_Switch", ["tunnels"])
        helper.register_columns("Tunnel", list(TUNNEL_COLUMNS))
        self.remote = remote
        self.switch_name = switch_name
        self.index = VtepIndex(switch_name)
        self._resync_pending = True
        self._ever_synced = False
        self._pending: list[Change] = []
        self.generation = 0
        """Completed (re)synchronizations: a change means the server may have lost what we wrote."""
        self._idl = _Idl(remote, helper, probe_interval_ms, self._on_row, self._on_restart)
        self._idl._session.reconnect.set_backoff(250, max_backoff_ms)
        self._lean = [_LeanMonitor(remote, t, SPEC_BY_TABLE[t].columns, lean_schema, self.index,
                                   probe_interval_ms, max_backoff_ms) for t in LEAN_TABLES]

    # ------------------------------------------------------------ reading

    def _on_row(self, event: str, row: ovs.db.idl.Row) -> None:
        table = row._table.name
        if table not in SPEC_BY_TABLE:
            return   # Tunnel: read from the IDL rows when needed (VtepDb.tunnels), not a model table
        if event == ovs.db.idl.ROW_DELETE:
            self.index.delete(table, str(row.uuid))
            return
        columns = SPEC_BY_TABLE[table].columns
        self.index.upsert(table, str(row.uuid), {c: _plain(getattr(row, c)) for c in columns})

    def _on_restart(self) -> None:
        if self._ever_synced:
            log.info("vtep db %s: reconnected, resynchronizing", self.remote)
        self._resync_pending = True

    @property
    def synced(self) -> bool:
        """Connected and holding the server's full content: the state is current and writes are safe."""
        return (self._idl._session.is_connected() and self._idl.state == self._idl.IDL_S_MONITORING
                and all(m.synced and m.connected for m in self._lean))

    @property
    def ever_synced(self) -> bool:
        return self._ever_synced

    def _process(self) -> None:
        """Let the IDL read what the server sent and fold it into the model; changes wait in _pending."""
        self._idl.run()
        for monitor in self._lean:
            monitor.run()
        if self._resync_pending and self._idl.state == self._idl.IDL_S_MONITORING:
            present = {name: {str(u) for u in t.rows} for name, t in self._idl.tables.items()
                       if name in SPEC_BY_TABLE}
            self.index.retain(present, present.keys())
            self._resync_pending = False
            self._ever_synced = True
            self.generation += 1
        self._pending += self.index.flush()

    def run(self) -> list[Change]:
        """Process what the server sent; return the model changes since the last run() (empty if none).

        Changes that arrived while one of our own transactions was committing
        are included: the IDL reads them then, and they must not be lost.
        """
        self._process()
        changes, self._pending = self._pending, []
        return changes

    def wait(self, poller: ovs.poller.Poller) -> None:
        self._idl.wait(poller)
        for monitor in self._lean:
            monitor.wait(poller)

    def poll(self, timeout: float) -> list[Change]:
        """run(), and if nothing changed block up to `timeout` seconds for the server, then run() again."""
        changes = self.run()
        if changes:
            return changes
        poller = ovs.poller.Poller()
        self.wait(poller)
        poller.timer_wait(int(timeout * 1000))
        poller.block()
        return self.run()

    def run_until(self, predicate: Callable[[], bool], timeout: float) -> list[Change]:
        """Poll until `predicate()` holds; the changes seen meanwhile. Raises TimeoutError with context."""
        deadline = time.monotonic() + timeout
        seen: list[Change] = []
        while True:
            seen += self.run()
            if predicate():
                return seen
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError(f"vtep db {self.remote}: condition not met in {timeout}s "
                                   f"(synced={self.synced})")
            seen += self.poll(min(left, 0.2))

    @property
    def desired(self) -> DesiredState:
        """The NVC's rows; the switch carries the remotes our Tunnel.bfd_status reports enabled and not up.

        So anything computing from the database (`gwctl diff`, `status`)
        picks the same service node as the agent, which has the sessions.
        """
        state = self.index.desired()
        if state.switch is None:
            return state
        down = down_locators({t.remote_ip: t.bfd_status for t in self.tunnels()})
        if down == state.switch.down_locators:
            return state
        return dataclasses.replace(state, switch=dataclasses.replace(state.switch, down_locators=down))

    @property
    def discovered(self) -> DiscoveredState:
        return self.index.discovered()

    def close(self) -> None:
        self._idl.close()
        for monitor in self._lean:
            monitor.close()

    # ------------------------------------------------------------ writing

    def _rows(self, table: str) -> dict[uuid.UUID, ovs.db.idl.Row]:
        return self._idl.tables[table].rows

    def _our_switch(self) -> ovs.db.idl.Row | None:
        for row in self._rows("Physical_Switch").values():
            if row.name == self.switch_name:
                return row
        return None

    def _transact(self, what: str, build: Callable[[Transaction], None], attempts: int = 5) -> None:
        """Run `build` in a transaction; retry on TRY_AGAIN (a concurrent change), raise on anything else."""
        for _ in range(attempts):
            if not self.synced:
                raise VtepDbNotReady(f"{what}: vtep db {self.remote} not synchronized")
            txn = Transaction(self._idl)
            txn.add_comment(f"gwctl: {what}")
            build(txn)
            status = txn.commit_block()
            if status in (Transaction.SUCCESS, Transaction.UNCHANGED):
                self._process()
                return
            if status != Transaction.TRY_AGAIN:
                raise VtepDbError(f"{what}: transaction {status}: {txn.get_error()}")
            log.info("%s: transaction must be retried", what)
            poller = ovs.poller.Poller()
            self.wait(poller)
            poller.timer_wait(100)
            poller.block()
            self._process()
        raise VtepDbError(f"{what}: still conflicting after {attempts} attempts")

    def write_agent(self, election_id: int, p4rt_address: str) -> None:
        """Say in our Physical_Switch's other_config which P4Runtime controller gwctl is (AGENT_KEYS).

        P4Runtime tells a client only the primary's election id; with this,
        `gwctl status` can tell whether the primary is this gateway's agent.
        Other other_config keys are the NVC's and stay as they are.
        """
        wanted = {AGENT_ELECTION_ID: str(election_id), AGENT_P4RT: p4rt_address}

        def build(txn: Transaction) -> None:
            ps = self._our_switch()
            if ps is None:
                raise VtepDbNotReady(f"physical switch {self.switch_name} is not registered")
            for key, value in wanted.items():
                if ps.other_config.get(key) != value:
                    ps.setkey("other_config", key, value)

        self._transact("write the agent's P4Runtime identity", build)

    def register_switch(self, tunnel_ips: Iterable[str], management_ips: Iterable[str] = (),
                        ports: Iterable[str] = (), description: str = "") -> None:
        """Make our Physical_Switch and its Physical_Ports exist, as the switch's own inventory.

        Existing ports and their bindings are left untouched (they are the
        NVC's configuration); only missing ones are added.
        """
        tunnel = sorted(set(tunnel_ips))
        mgmt = sorted(set(management_ips))
        wanted_ports = sorted(set(ports))

        def build(txn: Transaction) -> None:
            ps = self._our_switch()
            if ps is None:
                ps = txn.insert(self._idl.tables["Physical_Switch"])
                ps.name = self.switch_name
                globals_ = list(self._rows("Global").values())
                glob = globals_[0] if globals_ else txn.insert(self._idl.tables["Global"])
                glob.addvalue("switches", ps.uuid)
                ps.tunnel_ips = tunnel
                ps.management_ips = mgmt
                ps.description = description
                have: set[str] = set()
            else:
                have = {p.name for p in ps.ports}
                if sorted(ps.tunnel_ips) != tunnel:
                    ps.tunnel_ips = tunnel
                if sorted(ps.management_ips) != mgmt:
                    ps.management_ips = mgmt
                if description and ps.description != description:
                    ps.description = description
            for name in wanted_ports:
                if name not in have:
                    port = txn.insert(self._idl.tables["Physical_Port"])
                    port.name = name
                    ps.addvalue("ports", port.uuid)

        self._transact(f"register switch {self.switch_name}", build)

    def _locator(self, txn: Transaction, cache: dict[str, ovs.db.idl.Row], ip: str) -> ovs.db.idl.Row:
        """The vxlan locator for `ip`, reusing the existing row (the schema indexes them)."""
        if ip in cache:
            return cache[ip]
        for row in self._rows("Physical_Locator").values():
            if row.dst_ip == ip and row.encapsulation_type == VXLAN and not row.tunnel_key:
                cache[ip] = row
                return row
        row = txn.insert(self._idl.tables["Physical_Locator"])
        row.dst_ip = ip
        row.encapsulation_type = VXLAN
        cache[ip] = row
        return row

    def _logical_switches_by_name(self) -> dict[str, ovs.db.idl.Row]:
        return {row.name: row for row in self._rows("Logical_Switch").values()}

    def _our_ips(self) -> set[str]:
        ps = self._our_switch()
        if ps is None:
            raise VtepDbNotReady(f"physical switch {self.switch_name} is not registered")
        return set(ps.tunnel_ips)

    # ------------------------------------------------------------ Tunnel rows (gwctl.tunnels decides)

    @property
    def change_seqno(self) -> int:
        """Moves whenever the IDL's replica (every table but the lean ones) changes: lets a caller skip
        re-reading rows (Tunnel) that cannot have changed since it last did."""
        return self._idl.change_seqno

    def tunnels(self) -> list[TunnelRow]:
        """The Tunnel rows of our Physical_Switch (none while it is not registered)."""
        ps = self._our_switch()
        if ps is None:
            return []
        return [TunnelRow(str(t.uuid), t.local.dst_ip, t.remote.dst_ip, FrozenMap(t.bfd_params),
                          FrozenMap(t.bfd_config_remote), FrozenMap(t.bfd_config_local), FrozenMap(t.bfd_status))
                for t in ps.tunnels]

    def write_tunnels(self, remotes: Iterable[str]) -> None:
        """One Tunnel row (our tunnel IP -> remote) per remote VTEP in use, nothing else; kept rows untouched."""
        wanted = sorted(set(remotes))

        def build(txn: Transaction) -> None:
            ps = self._our_switch()
            if ps is None:
                raise VtepDbNotReady(f"physical switch {self.switch_name} is not registered")
            local_ip = lowest_ip(ps.tunnel_ips)
            change = plan_tunnels(wanted, local_ip, self.tunnels())
            by_uuid = {str(t.uuid): t for t in ps.tunnels}
            for row_uuid in change.delete:
                ps.delvalue("tunnels", by_uuid[row_uuid].uuid)
            for row_uuid in change.set_config_local:
                by_uuid[row_uuid].bfd_config_local = dict(BFD_CONFIG_LOCAL)
            cache: dict[str, ovs.db.idl.Row] = {}
            for ip in change.create:
                assert local_ip is not None   # plan creates nothing without one
                row = txn.insert(self._idl.tables["Tunnel"])
                row.local = self._locator(txn, cache, local_ip)
                row.remote = self._locator(txn, cache, ip)
                row.bfd_config_local = dict(BFD_CONFIG_LOCAL)
                ps.addvalue("tunnels", row.uuid)

        self._transact("write Tunnel rows", build)

    def write_bfd_status(self, statuses: Mapping[str, Mapping[str, str]]) -> None:
        """Tunnel.bfd_status of our tunnels, by remote IP; tunnels not named get an empty status."""

        def build(txn: Transaction) -> None:
            ps = self._our_switch()
            if ps is None:
                raise VtepDbNotReady(f"physical switch {self.switch_name} is not registered")
            for t in ps.tunnels:
                wanted = dict(statuses.get(t.remote.dst_ip, {}))
                if dict(t.bfd_status) != wanted:
                    t.bfd_status = wanted

        self._transact("write Tunnel bfd_status", build)

    def write_ucast_local(self, macs: Iterable[UcastMacLocal]) -> None:
        """Make Ucast_Macs_Local hold exactly `macs` among the rows located at our tunnel IPs.

        Rows of other switches (other locators) are not ours to touch. A MAC in
        a logical switch that no longer exists is skipped with a warning: the
        learning raced with a deletion, and the next learning round fixes it.
        """
        wanted = set(macs)
        ours = self._our_ips()

        def build(txn: Transaction) -> None:
            switches = self._logical_switches_by_name()
            cache: dict[str, ovs.db.idl.Row] = {}
            present: set[UcastMacLocal] = set()
            for row in list(self._rows("Ucast_Macs_Local").values()):
                if row.locator.dst_ip not in ours:
                    continue
                value = UcastMacLocal(row.MAC.lower(), row.logical_switch.name, row.locator.dst_ip,
                                      row.ipaddr)
                if value in wanted and value not in present:
                    present.add(value)
                else:
                    row.delete()
            for mac in sorted(wanted - present):
                ls = switches.get(mac.logical_switch)
                if ls is None:
                    log.warning("learned %s in missing logical switch %s: not written",
                                mac.mac, mac.logical_switch)
                    continue
                if mac.locator_ip not in ours:
                    raise VtepDbError(f"Ucast_Macs_Local {mac}: locator {mac.locator_ip} is not one of "
                                      f"our tunnel IPs {sorted(ours)}")
                row = txn.insert(self._idl.tables["Ucast_Macs_Local"])
                row.MAC = mac.mac
                row.logical_switch = ls
                row.locator = self._locator(txn, cache, mac.locator_ip)
                row.ipaddr = mac.ipaddr

        self._transact("write Ucast_Macs_Local", build)

    def write_mcast_local(self, rows: Iterable[McastMacLocal]) -> None:
        """Make Mcast_Macs_Local hold exactly `rows` among those whose locators are all ours.

        ovs-vtep writes one `unknown-dst` row per bound logical switch pointing
        at the switch's tunnel IP, so NVCs know where to send BUM traffic.
        """
        wanted = set(rows)
        ours = self._our_ips()

        def build(txn: Transaction) -> None:
            switches = self._logical_switches_by_name()
            cache: dict[str, ovs.db.idl.Row] = {}
            present: set[McastMacLocal] = set()
            for row in list(self._rows("Mcast_Macs_Local").values()):
                ips = frozenset(loc.dst_ip for loc in row.locator_set.locators)
                if not ips <= ours:
                    continue
                value = McastMacLocal(row.MAC.lower(), row.logical_switch.name, ips, row.ipaddr)
                if value in wanted and value not in present:
                    present.add(value)
                else:
                    row.delete()
            for mcast in sorted(wanted - present):
                ls = switches.get(mcast.logical_switch)
                if ls is None:
                    log.warning("Mcast_Macs_Local %s in missing logical switch: not written", mcast)
                    continue
                if not mcast.locator_ips or not mcast.locator_ips <= ours:
                    raise VtepDbError(f"Mcast_Macs_Local {mcast}: locators must be our tunnel IPs "
                                      f"{sorted(ours)}")
                locs = [self._locator(txn, cache, ip) for ip in sorted(mcast.locator_ips)]
                lset = txn.insert(self._idl.tables["Physical_Locator_Set"])
                lset.locators = locs
                row = txn.insert(self._idl.tables["Mcast_Macs_Local"])
                row.MAC = mcast.mac
                row.logical_switch = ls
                row.locator_set = lset
                row.ipaddr = mcast.ipaddr

        self._transact("write Mcast_Macs_Local", build)

    def write_binding_stats(self, stats: Iterable[BindingStats]) -> None:
        """One Logical_Binding_Stats row per bound (port, VLAN), as ovs-vtep keeps them.

        Counters not given are left as they are (created at zero); stats rows
        of VLANs no longer bound are removed from the port.
        """
        by_binding = {(s.port, s.vlan): s for s in stats}

        def build(txn: Transaction) -> None:
            ps = self._our_switch()
            if ps is None:
                raise VtepDbNotReady(f"physical switch {self.switch_name} is not registered")
            for port in ps.ports:
                current = dict(port.vlan_stats)
                bound = set(port.vlan_bindings)
                changed = False
                for vlan in sorted(bound):
                    row = current.get(vlan)
                    if row is None:
                        row = txn.insert(self._idl.tables["Logical_Binding_Stats"])
                        for column in ("packets_from_local", "bytes_from_local",
                                       "packets_to_local", "bytes_to_local"):
                            setattr(row, column, 0)
                        current[vlan] = row
                        changed = True
                    wanted = by_binding.get((port.name, vlan))
                    if wanted is not None:
                        for column in ("packets_from_local", "bytes_from_local",
                                       "packets_to_local", "bytes_to_local"):
                            if getattr(row, column) != getattr(wanted, column):
                                setattr(row, column, getattr(wanted, column))
                for vlan in sorted(set(current) - bound):
                    del current[vlan]
                    changed = True
                if changed:
                    port.vlan_stats = current

        self._transact("write Logical_Binding_Stats", build)

    def write_faults(self, faults: Iterable[Fault]) -> None:
        """Set each fault column to exactly the current faults of its row, clearing the rest.

        vtep(5): "the switch must clear this column when the fault has been
        cleared", so rows without faults are written empty too. Only rows that
        are ours (our switch and its ports; routers and ACLs, which have no
        owner) are touched, and only when the content differs.
        """
        wanted: dict[tuple[FaultTable, str], set[str]] = {}
        for fault in faults:
            if fault.table in FAULT_COLUMNS:
                wanted.setdefault((fault.table, fault.row), set()).add(fault.code)
            else:
                log.info("fault without a schema column: %s", fault)

        def build(txn: Transaction) -> None:
            ps = self._our_switch()
            rows: list[tuple[FaultTable, str, ovs.db.idl.Row]] = []
            if ps is not None:
                rows.append((FaultTable.PHYSICAL_SWITCH, ps.name, ps))
                rows += [(FaultTable.PHYSICAL_PORT, p.name, p) for p in ps.ports]
            rows += [(FaultTable.LOGICAL_ROUTER, r.name, r) for r in self._rows("Logical_Router").values()]
            rows += [(FaultTable.ACL, r.acl_name, r) for r in self._rows("ACL").values()]
            rows += [(FaultTable.ACL_ENTRY, str(r.uuid), r) for r in self._rows("ACL_entry").values()]
            known = {(t, name) for t, name, _ in rows}
            for table, name in sorted(set(wanted) - known):
                log.warning("fault for %s %s, which is not in the database", table.value, name)
            for table, name, row in rows:
                column = FAULT_COLUMNS[table]
                codes = sorted(wanted.get((table, name), set()))
                if sorted(getattr(row, column)) != codes:
                    setattr(row, column, codes)

        self._transact("write fault columns", build)
