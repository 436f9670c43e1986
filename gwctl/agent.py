"""The gwctl agent: keeps the P4 switch equal to the hardware_vtep database, and reports back.

One asyncio loop ties the edges together:

    vtep DB changes --+                      +--> P4Runtime batches (only the diff)
    learn digests ----+--> compute() (pure) -+--> fault columns, Ucast/Mcast_Macs_Local
    counters (timer) -------------------------> Logical_Binding_Stats

`compute` is the whole decision as one pure function (validate, translate,
reconcile): the reference, and what `gwctl diff` shows. The agent reaches
the same result incrementally (`gwctl.incremental`): a changed row
recomputes only the entries it touches and reconciles only those against
what the target holds, so one change costs about the same at 100,000 MACs
as at 10; a full resync (start, reconnect, refused writes) compares
everything. The rest moves data. All OVSDB work runs on one dedicated
thread (the IDL is not thread-safe); P4Runtime is asyncio through
`gwctl.p4rt`.

On start, the target's entries are read back, ids and learned MACs are
recovered from them, and only differences are written: a restarted agent
leaves a correct data plane untouched.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import gc
import logging
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from gwctl import tunnels
from gwctl.bfd_io import BfdSessions
from gwctl.incremental import Incremental, ModelChange
from gwctl.inventory import Inventory
from gwctl.model import (
    UNKNOWN_DST,
    BindingStats,
    DesiredState,
    Fault,
    FaultTable,
    LearnedMac,
    McastMacLocal,
    UcastMacLocal,
)
from gwctl.p4rt import (
    P4RuntimeError,
    P4RuntimeTarget,
    P4RuntimeUnavailable,
    P4RuntimeWriteError,
    Pipeline,
    UpdateFailure,
)
from gwctl.pipelines import vtep_gateway as p4
from gwctl.reconcile import Batch, Entry, apply_to, reconcile, reconcile_changes, summarize
from gwctl.translate import Ids, learned_from_digest, recover_ids, recover_learned, translate, with_liveness
from gwctl.underlay_arp import arp_reply
from gwctl.validate import validate
from gwctl.vtepdb import VtepDb, VtepDbError

log = logging.getLogger(__name__)
T = TypeVar("T")
BULK_UPDATES = 1000
"""A sync writing more updates than this built enough long-lived objects to move them out of GC's reach."""
RX_READ_INTERVAL = 0.5
"""Seconds between reads of the per-tunnel rx counter while a BFD session uses data traffic."""
RETRY_DELAY = 2.0
"""Seconds before retrying writes that failed (P4Runtime refusals, database away)."""


@dataclass(frozen=True)
class Plan:
    """Everything one computation decides."""

    entries: frozenset[Entry]
    batches: list[Batch]
    ids: Ids
    faults: tuple[Fault, ...]
    ucast_local: frozenset[UcastMacLocal]
    mcast_local: frozenset[McastMacLocal]


def compute(desired: DesiredState, learned: frozenset[LearnedMac], inventory: Inventory, ids: Ids,
            realized: frozenset[Entry]) -> Plan:
    """Desired state + what the target holds -> what to write where. Pure."""
    checked = validate(desired, p4.CAPABILITIES)
    t = translate(checked.state, learned, inventory, ids)
    ucast, mcast = local_macs(checked.state, t.ids, learned, inventory)
    return Plan(t.entries, reconcile(t.entries, realized), t.ids, tuple(sorted(set(checked.faults + t.faults))),
                ucast, mcast)


def local_macs(checked: DesiredState, ids: Ids, learned: frozenset[LearnedMac], inventory: Inventory,
               ) -> tuple[frozenset[UcastMacLocal], frozenset[McastMacLocal]]:
    """What this switch reports as its own: learned MACs, and an unknown-dst row per bound logical switch."""
    tunnel_ip = inventory.tunnel_ip
    if tunnel_ip is None:
        return frozenset(), frozenset()
    bound = {checked.ports[port].vlan_bindings[vlan] for port, vlan in ids.binding}
    ucast = frozenset(UcastMacLocal(m.mac, m.logical_switch, tunnel_ip) for m in learned
                      if (m.port, m.vlan) in ids.binding and m.logical_switch in bound)
    # ovs-vtep: every logical switch bound here floods unknown destinations to us
    mcast = frozenset(McastMacLocal(UNKNOWN_DST, ls, frozenset({tunnel_ip})) for ls in bound)
    return ucast, mcast


def write_failure_faults(switch: str, failures: list[UpdateFailure]) -> list[Fault]:
    """Refused updates as schema faults: a full table is the documented exhaustion fault."""
    out = []
    for f in failures:
        table = f.update.entry.table
        if f.code == "RESOURCE_EXHAUSTED" and table in (p4.DMAC, p4.SMAC_LEARN, p4.ARP_SUPPRESS):
            code = "mac_table_exhaustion"
        elif f.code == "RESOURCE_EXHAUSTED" and table in (p4.TUNNEL_ENCAP, p4.REMOTE_VTEP_CHECK):
            code = "tunnel_exhaustion"
        else:
            code = "unspecified_fault"
        out.append(Fault(FaultTable.PHYSICAL_SWITCH, switch, code, str(f)))
    return out


def tune_gc() -> None:
    """Collect garbage less often: the agent holds 100,000s of long-lived objects (rows, model, entries).

    With CPython's default thresholds (700, 10, 10) building them triggers
    full collections that scan them all again and again, which doubled the
    initial sync at 100,000 MACs. They are acyclic values, freed by reference
    counting; the cyclic collector only has to catch the rare cycle.
    """
    gc.set_threshold(100_000, 50, 100)


@dataclass
class AgentConfig:
    db_remote: str
    p4rt_address: str
    inventory: Inventory
    pipeline: Pipeline
    device_id: int = 0
    election_id: int = 10
    stats_interval: float = 5.0
    poll_interval: float = 0.2


@dataclass
class AgentState:
    """What the agent knows between computations (for `gwctl status` and tests)."""

    realized_index: dict[tuple, Entry] = field(default_factory=dict)
    """What the target holds, by identity; updated per applied update, never rebuilt."""
    ids: Ids = field(default_factory=Ids)
    learned: frozenset[LearnedMac] = frozenset()
    faults: tuple[Fault, ...] = ()
    syncs: int = 0
    connected: bool = False
    """P4Runtime stream up."""
    primary: bool | None = None
    """In charge of the switch (None until arbitration is known)."""
    last_error: str = ""

    @property
    def realized(self) -> frozenset[Entry]:
        """What the target holds (a copy: safe to read from another thread)."""
        return frozenset(list(self.realized_index.values()))

    @realized.setter
    def realized(self, entries: frozenset[Entry]) -> None:
        self.realized_index = {e.identity: e for e in entries}


class Agent:
    def __init__(self, config: AgentConfig) -> None:
        self.config = config
        self.state = AgentState()
        self._db_thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="vtepdb")
        self._db: VtepDb | None = None
        self._stop = asyncio.Event()
        self._learn_queue: asyncio.Queue[LearnedMac] = asyncio.Queue()
        self._written: dict[str, Any] = {}
        self._db_generation = 0
        self._retry_at: float | None = None
        self._tunnel_rows: tuple[int, list[Any]] = (-1, [])
        """(vtep DB change seqno, Tunnel rows) as last read."""
        self._undone: set[tuple] = set()
        """Identities a write left undone (refused, or not sent after a refusal): retried every RETRY_DELAY."""
        self._write_faults: dict[tuple, Fault] = {}
        """The fault of each refused identity, reported until the entry goes in or is no longer wanted."""
        self._engine: Incremental | None = None
        """The incremental translation; None until the first full sync (and after a reset)."""
        self.bfd: BfdSessions | None = None
        """BFD sessions of the Tunnel rows (gwctl.bfd_io); one set per P4Runtime connection."""
        self._down: frozenset[str] = frozenset()
        """Remote VTEPs whose BFD session is enabled and not up, as the translation last saw them."""
        self._next_rx_read = 0.0
        """When the per-tunnel rx counter is read next (BFD decay_min_rx, forwarding_if_rx)."""

    async def _db_call(self, fn: Callable[..., T], *args: Any) -> T:
        return await asyncio.get_running_loop().run_in_executor(self._db_thread, fn, *args)

    def stop(self) -> None:
        self._stop.set()

    async def run(self) -> None:
        """Run until stop(): connect both edges, converge, then follow changes.

        The vtep DB connection lives for the whole run (its IDL reconnects by
        itself); a lost P4Runtime connection is re-established with backoff and
        followed by a full read-back and resync, so a restarted target is
        reprogrammed and a surviving one is only corrected.
        """
        cfg = self.config
        inv = cfg.inventory
        tune_gc()
        self._db = await self._db_call(VtepDb, cfg.db_remote, inv.switch_name)
        db = self._db
        try:
            while not await self._db_call(self._poll_synced):
                if self._stop.is_set():
                    return
            await self._register()
            backoff = 0.5
            while not self._stop.is_set():
                try:
                    await self._run_target()
                    backoff = 0.5
                except P4RuntimeUnavailable as exc:
                    self.state.last_error = str(exc)
                    self.state.connected = False
                    self.state.primary = None
                    log.error("agent: %s; reconnecting in %.1fs", exc, backoff)
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(self._stop.wait(), backoff)
                    backoff = min(backoff * 2, 8.0)
        finally:
            await self._db_call(db.close)
            self._db_thread.shutdown(wait=False)

    async def _run_target(self) -> None:
        cfg = self.config
        db = self._db
        assert db is not None
        async with P4RuntimeTarget(cfg.p4rt_address, cfg.pipeline, device_id=cfg.device_id,
                                   election_id=cfg.election_id) as target:
            realized = frozenset(await target.read_entries())
            if not self.state.ids.ls and not self.state.ids.binding:
                self.state.ids = recover_ids(realized, db.desired, cfg.inventory)
            # MACs learned before a restart of either side are still behind their ports
            self.state.learned = self.state.learned | recover_learned(realized, self.state.ids)
            self.state.realized = realized
            self.state.connected = True
            log.info("agent: target holds %d entries, %d learned MACs known", len(realized),
                     len(self.state.learned))

            async def send(frame: bytes, port: int) -> None:
                if not target.is_primary:   # a backup must not talk for the switch
                    return
                try:
                    await target.send_packet(frame, p4.packet_out_metadata(port))
                except P4RuntimeUnavailable:
                    raise   # the connection is gone: reconnect
                except P4RuntimeError as exc:   # one refused packet-out: BFD tolerates a lost packet
                    log.warning("agent: BFD packet-out on port %d refused: %s", port, exc)

            self.bfd = BfdSessions(cfg.inventory, send)
            tasks = {asyncio.create_task(self._digests(target)), asyncio.create_task(self._loop(target)),
                     asyncio.create_task(self._packets(target)), asyncio.create_task(self.bfd.run())}
            try:
                done, _ = await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
            finally:
                for task in tasks:
                    task.cancel()
                await asyncio.gather(*tasks, return_exceptions=True)
            for task in done:
                task.result()   # a failure of either (digest stream or loop) surfaces here

    async def _register(self) -> None:
        """Our Physical_Switch and ports; again after every DB resync (the server may have been reset)."""
        db = self._db
        assert db is not None
        inv = self.config.inventory
        await self._db_call(db.register_switch, inv.tunnel_ips, (), sorted(inv.access_ports))
        self._db_generation = db.generation
        self._written.clear()   # what we wrote before may be gone too

    def _poll_synced(self) -> bool:
        """(DB thread) wait a little for the initial dump; True once the database is in."""
        assert self._db is not None
        self._db.poll(self.config.poll_interval)
        return self._db.synced

    async def _digests(self, target: P4RuntimeTarget) -> None:
        async for digest in target.digests(p4.MAC_LEARN_DIGEST):
            for item in digest.data:
                learned = learned_from_digest(p4.parse_learn_digest(item), self.state.ids)
                if learned is not None:
                    await self._learn_queue.put(learned)

    async def _packets(self, target: P4RuntimeTarget) -> None:
        """Packet-ins: answer ARP for our tunnel IPs on the uplinks (the switch has no IP stack)."""
        async for packet in target.packets():
            port, reason = p4.packet_in_port_and_reason(packet.metadata)
            if reason == p4.PUNT_TUNNEL_BFD and self.bfd is not None:
                self.bfd.receive(packet.payload)
                continue
            if reason != p4.PUNT_UNDERLAY_ARP:
                log.debug("agent: packet-in reason %d on port %d ignored", reason, port)
                continue
            reply = arp_reply(packet.payload, port, self.config.inventory)
            if reply is not None and target.is_primary:
                await target.send_packet(reply, p4.packet_out_metadata(port))

    async def _loop(self, target: P4RuntimeTarget) -> None:
        cfg = self.config
        db = self._db
        assert db is not None
        dirty = True
        changes: list[Any] = []
        learned_moved = False
        next_stats = time.monotonic()
        while not self._stop.is_set():
            target.check_up()
            if not target.is_primary:
                # A backup controller watches but never writes (to the switch or the database):
                # the primary does, and two writers would fight.
                if self.state.primary is not False:
                    log.warning("agent: backup for %s (another controller is primary); waiting",
                                cfg.p4rt_address)
                self.state.primary = False
                await self._db_call(db.poll, cfg.poll_interval)   # keep the DB session alive
                dirty = True                                       # resync on becoming primary
                continue
            if self.state.primary is not True:
                log.info("agent: primary for %s", cfg.p4rt_address)
                await target.enable_digest(p4.MAC_LEARN_DIGEST)   # only the primary may configure it
                self.state.realized = frozenset(await target.read_entries())  # the old primary may have written
            self.state.primary = True
            if db.generation != self._db_generation and db.synced:
                log.info("agent: vtep DB resynchronized; registering and rewriting discovered state")
                try:
                    await self._register()
                except VtepDbError as exc:
                    log.warning("agent: registration failed, will retry: %s", exc)
                dirty = True
            retry = self._retry_at is not None and time.monotonic() >= self._retry_at
            if retry:
                self._retry_at = None
            if dirty:
                await self._sync(target, None)
                dirty = False
                changes = []
            elif changes or learned_moved or retry:
                await self._sync(target, changes, retry=retry)
            if time.monotonic() >= next_stats:
                await self._stats(target)
                next_stats = time.monotonic() + cfg.stats_interval
            changes = await self._db_call(db.poll, cfg.poll_interval)
            changes = await self._tunnels_and_bfd(target, changes)
            learned = set(self.state.learned)
            while not self._learn_queue.empty():
                mac = self._learn_queue.get_nowait()
                # a MAC that moved replaces its old binding
                learned = {m for m in learned if (m.logical_switch, m.mac) != (mac.logical_switch, mac.mac)}
                learned.add(mac)
            learned_moved = learned != set(self.state.learned)
            if learned_moved:
                self.state.learned = frozenset(learned)

    async def _sync(self, target: P4RuntimeTarget, changes: list[Any] | None, *, retry: bool = False) -> None:
        """One convergence step: decide, write the diff, report faults and local MACs.

        `changes` None: a full resync (start, new primary, database resync):
        everything is translated again (with the ids in use) and compared
        with everything the target holds. Otherwise only what these model
        changes and the learned MACs touch, plus, on `retry`, the entries a
        previous write left undone (refused, e.g. a full table that may have
        drained, or never sent after a refusal): a retry costs what it
        retries, not a resync of 100,000 MACs every RETRY_DELAY.
        """
        db = self._db
        assert db is not None
        inv = self.config.inventory
        engine = self._engine
        realized = self.state.realized_index
        if changes is None or engine is None:
            gc.unfreeze()   # the previous translation may go now
            engine = self._engine = Incremental(inv, self.state.ids)
            engine.load(with_liveness(db.desired, self._down, inv), self.state.learned)
            wanted: dict[tuple, Entry | None] = dict(engine.index())
            for ident in realized:
                wanted.setdefault(ident, None)
            engine.take_changes()
        else:
            engine.update(changes, self.state.learned)
            wanted = engine.take_changes()
            if retry:
                for ident in self._undone:
                    wanted.setdefault(ident, engine.wanted(ident))
        batches = reconcile_changes(wanted, realized)
        # what this sync decides about replaces what earlier failures said about the same entries
        for ident in (wanted if changes is not None else list(self._undone)):
            self._undone.discard(ident)
            self._write_faults.pop(ident, None)
        ids = self.state.ids = engine.ids
        ucast_local, mcast_local = local_macs(engine.checked, ids, self.state.learned, inv)
        # forget MACs whose binding is gone (unbound VLAN, removed port): they would come back stale
        ports = engine.ports
        kept = frozenset(
            m for m in self.state.learned
            if (m.port, m.vlan) in ids.binding
            and m.port in ports and ports[m.port].vlan_bindings.get(m.vlan) == m.logical_switch)
        if kept != self.state.learned:
            self.state.learned = kept
            engine.set_learned(kept)   # they have no entries: nothing to write
        if batches:
            log.info("agent: writing %s", dict(summarize(batches)))
            try:
                applied = await target.write(batches)
                apply_to(realized, applied)
            except P4RuntimeWriteError as err:
                log.error("agent: %s", err)
                apply_to(realized, err.applied)
                self.state.last_error = str(err)
                done = {u.entry.identity for u in err.applied}
                self._undone |= {u.entry.identity for batch in batches for u in batch} - done
                for failure, fault in zip(err.failures, write_failure_faults(inv.switch_name, err.failures),
                                          strict=True):
                    self._write_faults[failure.update.entry.identity] = fault
        if self._undone and self._retry_at is None:
            self._retry_at = time.monotonic() + RETRY_DELAY   # e.g. a full table may drain
        faults = list(engine.faults) + list(self._write_faults.values())
        new_faults = tuple(sorted(set(faults)))
        if new_faults != self.state.faults:
            for fault in sorted(set(new_faults) - set(self.state.faults)):
                log.warning("fault: %s", fault)
            for fault in sorted(set(self.state.faults) - set(new_faults)):
                log.info("fault cleared: %s", fault)
        self.state.faults = new_faults
        self.state.syncs += 1
        if changes is None or sum(map(len, batches)) > BULK_UPDATES:
            # what a full sync or a bulk change built lives long: keep the collector from rescanning it
            # (a full collection over 100,000 MACs' objects is a 100+ ms pause in the middle of a change)
            gc.freeze()
        await self._write_once("faults", self.state.faults, db.write_faults)
        await self._write_once("agent", (self.config.election_id, self.config.p4rt_address),
                               lambda identity: db.write_agent(*identity))
        await self._write_once("ucast_local", ucast_local, db.write_ucast_local)
        await self._write_once("mcast_local", mcast_local, db.write_mcast_local)

    async def _tunnels_and_bfd(self, target: P4RuntimeTarget, changes: list[Any]) -> list[Any]:
        """Tunnel rows for the remotes in use, BFD sessions from their settings, bfd_status back, liveness in.

        Liveness reaches the translation as a switch change carrying
        `down_locators` (database switch changes get it too), so service-node
        replication moves when a session goes down or comes back.
        """
        db, sessions, engine = self._db, self.bfd, self._engine
        if db is None or sessions is None or engine is None:
            return changes
        inv = self.config.inventory
        tunnel_ids = engine.ids.tunnel
        await self._write_once("tunnels", frozenset(tunnel_ids), db.write_tunnels)
        local_ip = inv.tunnel_ip
        seqno = db.change_seqno
        if seqno != self._tunnel_rows[0]:   # not at every round: a DB thread hop costs every change ~0.5 ms
            self._tunnel_rows = (seqno, await self._db_call(db.tunnels))
        rows = self._tunnel_rows[1]
        sessions.configure(tunnels.bfd_settings(rows, local_ip), tunnel_ids)
        counters = sessions.data_counters()
        if counters and time.monotonic() >= self._next_rx_read:
            # forwarding_if_rx / decay_min_rx need to know whether data arrives from the remote
            self._next_rx_read = time.monotonic() + RX_READ_INTERVAL
            try:
                cells = await target.read_counter(p4.REMOTE_VTEP_RX_COUNTER, sorted(counters))
                sessions.account({ip: cells.get(tid, (0, 0))[0] for tid, ip in counters.items()})
            except P4RuntimeUnavailable:
                raise
            except P4RuntimeError as exc:
                log.error("agent: remote VTEP counters not read: %s", exc)
        sessions.changed.clear()
        await self._write_once("bfd_status", sessions.statuses(), db.write_bfd_status)
        down = sessions.down_locators()
        moved = down != self._down
        self._down = down
        out = [ModelChange(c.key, dataclasses.replace(c.new, down_locators=down))
               if c.key[0] == "switch" and c.new is not None else c for c in changes]
        switch = engine.checked.switch   # not db.desired: rebuilt after every MAC change, 100,000s of rows
        if moved and switch is not None and not any(c.key[0] == "switch" for c in out):
            log.info("agent: BFD down locators now %s", sorted(down) or "none")
            out.append(ModelChange(("switch", switch.name), dataclasses.replace(switch, down_locators=down)))
        return out

    async def _write_once(self, what: str, value: Any, write: Callable[[Any], None]) -> None:
        """Write discovered state only when it changed since the last successful write.

        A database that is away (restarting, unreachable) is not an agent
        failure: the write is retried later and the switch keeps forwarding.
        """
        if self._written.get(what) == value:
            return
        try:
            await self._db_call(write, value)
        except VtepDbError as exc:
            log.warning("agent: %s not written, will retry: %s", what, exc)
            self._retry_at = time.monotonic() + RETRY_DELAY
            return
        self._written[what] = value

    async def _stats(self, target: P4RuntimeTarget) -> None:
        """Binding counters -> Logical_Binding_Stats (vtep(5): "to_local" is received by the switch)."""
        db = self._db
        assert db is not None
        bids = self.state.ids.binding
        if not bids:
            return
        try:
            rx = await target.read_counter(p4.BINDING_RX_COUNTER, sorted(bids.values()))
            tx = await target.read_counter(p4.BINDING_TX_COUNTER, sorted(bids.values()))
        except P4RuntimeUnavailable:
            raise
        except P4RuntimeError as exc:
            log.error("agent: binding counters not read: %s", exc)
            return
        stats = [BindingStats(port, vlan, tx.get(bid, (0, 0))[0], tx.get(bid, (0, 0))[1],
                              rx.get(bid, (0, 0))[0], rx.get(bid, (0, 0))[1])
                 for (port, vlan), bid in sorted(bids.items())]
        await self._write_once("stats", tuple(stats), db.write_binding_stats)


def load_pipeline(p4info: Path, device_config: Path | None) -> Pipeline:
    if not p4info.is_file():
        raise FileNotFoundError(f"P4Info {p4info} not found")
    if device_config is not None and not device_config.is_file():
        raise FileNotFoundError(f"device config {device_config} not found")
    return Pipeline(p4info, device_config)
