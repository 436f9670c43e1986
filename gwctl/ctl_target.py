"""What the operator sees of the switch: `gwctl status | entries | diff`, computed as the agent computes.

Status and diff run the agent's own decision (`agent.compute` on the
database's desired state and the entries read back from the target, with
ids and learned MACs recovered the way the agent recovers them after a
restart), so they can never disagree with what the agent would write.

They connect as a P4Runtime *backup* (a low election id, 1 by default): a
backup may read, and the arbitration answer it gets carries the election id
of the primary, which is how `status` tells whether an agent holds the
switch. If nobody else is connected the probe itself becomes primary for a
moment, which says just that: no agent is primary. It never writes.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from gwctl.agent import Plan, compute
from gwctl.ctl_render import Widths, render, widths_of
from gwctl.inventory import Inventory
from gwctl.model import DesiredState, Fault
from gwctl.p4rt import (
    P4RuntimeError,
    P4RuntimeTarget,
    Pipeline,
    PipelineState,
    read_pipeline_cookie,
)
from gwctl.reconcile import Entry, Kind, Op, summarize
from gwctl.translate import recover_ids, recover_learned


class UnknownTable(ValueError):
    """`gwctl entries TABLE` names nothing in the P4Info."""


@dataclass(frozen=True)
class TargetView:
    """One read-only look at the target."""

    address: str
    reachable: bool
    error: str = ""
    pipeline: PipelineState | None = None
    primary_election_id: int | None = None
    """The election id of another controller that is primary; None when none is."""
    entries: frozenset[Entry] = frozenset()
    tables: tuple[str, ...] = ()
    """Names the P4Info knows (tables and action profiles), for checking a TABLE argument."""
    widths: Mapping[tuple[str, str], tuple[int, str]] = field(default_factory=dict)
    """For printing values as what they are (MAC, IPv4): see `ctl_render`."""


async def look(address: str, pipeline: Pipeline, *, device_id: int, election_id: int,
               timeout: float = 10.0) -> TargetView:
    """Connect as a backup, note who is primary, read every managed entry; errors become `error`."""
    try:
        state = await read_pipeline_cookie(address, device_id, timeout)
        if not state.loaded:
            return TargetView(address, True, "no pipeline loaded", state)
        target = P4RuntimeTarget(address, pipeline, device_id=device_id, election_id=election_id,
                                 name="gwctl-probe")
        async with asyncio.timeout(timeout):
            async with target:
                primary = None if target.is_primary else target.primary_election_id
                entries = frozenset(await target.read_entries())
                schema = target.p4info
                names = tuple(sorted({t.name for t in schema.tables}
                                     | {p.name for p in schema.action_profiles}))
                widths = widths_of(schema)
    except P4RuntimeError as exc:
        return TargetView(address, False, str(exc))
    except TimeoutError:
        return TargetView(address, False, f"{address}: no answer in {timeout:g}s")
    return TargetView(address, True, "", state, primary, entries, names, widths)


def plan_for(desired: DesiredState, inventory: Inventory, realized: frozenset[Entry]) -> Plan:
    """The agent's decision for this database and this target, as the agent makes it after a restart."""
    ids = recover_ids(realized, desired, inventory)
    return compute(desired, recover_learned(realized, ids), inventory, ids, realized)


# ------------------------------------------------------------------ rendering (pure)


def _pairs(values: tuple[Any, ...]) -> Any:
    """((name, value), ...) as a dict; anything else (ids, replicas) as a list."""
    if values and all(isinstance(v, tuple) and len(v) == 2 and isinstance(v[0], str) for v in values):
        return {name: _plain(v) for name, v in values}
    return [_plain(v) for v in values]


def _plain(value: Any) -> Any:
    return [_plain(v) for v in value] if isinstance(value, tuple) else value


def entry_dict(entry: Entry) -> dict[str, Any]:
    """An entry in JSON form: names from the P4Info, values as integers ([value, mask] for ternary...)."""
    out: dict[str, Any] = {"kind": entry.kind.name, "table": entry.table, "key": _pairs(entry.key)}
    if entry.priority:
        out["priority"] = entry.priority
    if entry.action:
        out["action"] = entry.action
    out["params"] = _pairs(entry.params)
    return out


def fault_dict(fault: Fault) -> dict[str, str]:
    return {"table": fault.table.value, "row": fault.row, "code": fault.code, "detail": fault.detail}


def matches(entry: Entry, table: str) -> bool:
    """TABLE as a full name (VtepIngress.l2.dmac), a dotted suffix (l2.dmac, dmac) or a kind (MCAST_GROUP)."""
    if table.upper() == entry.kind.name:
        return True
    return bool(entry.table) and (entry.table == table or entry.table.endswith("." + table))


def select(entries: frozenset[Entry], table: str | None, known: tuple[str, ...]) -> list[Entry]:
    """Entries of `table` (all when None), sorted; UnknownTable if the name means nothing here."""
    if table is not None:
        kinds = {k.name for k in Kind}
        if table.upper() not in kinds and not any(n == table or n.endswith("." + table) for n in known):
            raise UnknownTable(f"no table {table!r} in the P4Info (nor an entity kind: {', '.join(sorted(kinds))})")
    chosen = [e for e in entries if table is None or matches(e, table)]
    return sorted(chosen, key=lambda e: (e.kind, e.table, repr(e.key), e.priority))


@dataclass(frozen=True)
class Diff:
    """What a sync would change, from both sides: desired and not realized, realized and not desired."""

    insert: tuple[Entry, ...] = ()
    modify: tuple[tuple[Entry, Entry], ...] = ()
    """(on the target, desired)."""
    delete: tuple[Entry, ...] = ()
    counts: dict[str, int] = field(default_factory=dict)

    @property
    def in_sync(self) -> bool:
        return not (self.insert or self.modify or self.delete)

    def lines(self, widths: Widths) -> list[str]:
        """+ desired, not on the switch; ~ desired, differing on the switch (shown below it); - the reverse of +."""
        out = [f"+ {render(e, widths)}" for e in self.insert]
        for old, new in self.modify:
            out += [f"~ {render(new, widths)}", f"    on the switch: {render(old, widths)}"]
        out += [f"- {render(e, widths)}" for e in self.delete]
        return out

    def as_dict(self) -> dict[str, Any]:
        return {"in_sync": self.in_sync,
                "desired_not_realized": [entry_dict(e) for e in self.insert],
                "differing": [{"realized": entry_dict(old), "desired": entry_dict(new)} for old, new in self.modify],
                "realized_not_desired": [entry_dict(e) for e in self.delete]}


def diff_of(plan: Plan, realized: frozenset[Entry]) -> Diff:
    """The plan's batches, read as a difference (the agent would write exactly these updates)."""
    have = {e.identity: e for e in realized}
    ins, mod, dele = [], [], []
    for batch in plan.batches:
        for update in batch:
            if update.op == Op.INSERT:
                ins.append(update.entry)
            elif update.op == Op.DELETE:
                dele.append(update.entry)
            else:
                old = have.get(update.entry.identity)
                if old is None:     # a default action the target does not report: it is a set, really
                    ins.append(update.entry)
                else:
                    mod.append((old, update.entry))
    counts = {op.value.lower(): n for op, n in summarize(plan.batches).items()}
    return Diff(tuple(ins), tuple(mod), tuple(dele), counts)


def status_dict(*, db_remote: str, switch: str, db_error: str, desired: DesiredState | None,
                inventory: Inventory, view: TargetView, device_id: int, election_id: int,
                reported_faults: list[dict[str, str]] | None = None,
                tunnels: list[dict[str, str]] | None = None,
                agent: tuple[int | None, str] = (None, "")) -> dict[str, Any]:
    """The `gwctl status` document (also the source of its text form)."""
    plan = diff = None
    if desired is not None and view.reachable and view.pipeline is not None and view.pipeline.loaded:
        plan = plan_for(desired, inventory, view.entries)
        diff = diff_of(plan, view.entries)
    elif desired is not None:
        plan = compute(desired, frozenset(), inventory, recover_ids(frozenset(), desired, inventory),
                       frozenset())
    managed = {e for e in view.entries if e.kind != Kind.DEFAULT or (plan and e in plan.entries)}
    cookie = view.pipeline.cookie if view.pipeline else None
    return {
        "database": {"remote": db_remote, "reachable": desired is not None, "error": db_error,
                     "switch": switch,
                     "switch_registered": desired is not None and desired.switch is not None},
        "target": {"address": view.address, "device_id": device_id, "reachable": view.reachable,
                   "error": view.error,
                   "pipeline_loaded": bool(view.pipeline and view.pipeline.loaded),
                   "cookie": None if cookie is None else f"{cookie:#x}",
                   "probe_election_id": election_id},
        "primary": view.primary_election_id is not None,
        "primary_election_id": view.primary_election_id,
        # whether that primary is this switch's gwctl: the agent writes its election id into the database
        "primary_is_gwctl": view.primary_election_id is not None and view.primary_election_id == agent[0],
        "agent": {"election_id": agent[0], "p4rt": agent[1]},
        "desired_entries": None if plan is None else len(plan.entries),
        "realized_entries": None if plan is None or diff is None else len(plan.entries & view.entries),
        "target_entries": len(managed) if view.reachable else None,
        "pending": None if diff is None else diff.counts,
        "in_sync": diff is not None and diff.in_sync,
        "faults": [] if plan is None else [fault_dict(f) for f in plan.faults],
        # as the database's fault columns hold them: what the agent wrote, e.g. a full table
        "reported_faults": reported_faults or [],
        # Tunnel rows: remote VTEPs in use and their BFD sessions ("off" unless bfd_params:enable=true)
        "tunnels": tunnels or [],
    }


def status_lines(doc: dict[str, Any]) -> list[str]:
    """`gwctl status` as text, one fact per line, in the order an operator checks them."""
    db, tgt = doc["database"], doc["target"]
    out = [f"database  {db['remote']}: " + ("connected" if db["reachable"] else f"UNREACHABLE ({db['error']})")]
    if db["reachable"]:
        out[-1] += f", switch {db['switch']} " + ("registered" if db["switch_registered"] else "NOT registered")
    if not tgt["reachable"]:
        out.append(f"target    {tgt['address']} device {tgt['device_id']}: UNREACHABLE ({tgt['error']})")
    elif not tgt["pipeline_loaded"]:
        out.append(f"target    {tgt['address']} device {tgt['device_id']}: connected, NO pipeline loaded")
    else:
        out.append(f"target    {tgt['address']} device {tgt['device_id']}: connected, pipeline cookie {tgt['cookie']}")
    agent_id = doc.get("agent", {}).get("election_id")
    if doc.get("primary_is_gwctl"):
        out.append(f"primary   gwctl (election id {doc['primary_election_id']})")
    elif doc["primary"]:
        known = f"; gwctl's is {agent_id}" if agent_id is not None else "; no gwctl has registered one"
        out.append(f"primary   ANOTHER controller (election id {doc['primary_election_id']}{known})")
    else:
        out.append("primary   NONE (no agent holds the switch)")
    if doc["desired_entries"] is not None:
        realized = "?" if doc["realized_entries"] is None else doc["realized_entries"]
        out.append(f"entries   {doc['desired_entries']} desired, {realized} realized, "
                   f"{doc['target_entries'] if doc['target_entries'] is not None else '?'} on the target")
    if doc["pending"] is not None:
        p = doc["pending"]
        state = "in sync" if doc["in_sync"] else (f"OUT OF SYNC: {p['insert']} to insert, {p['modify']} to modify, "
                                                   f"{p['delete']} to delete")
        out.append(f"sync      {state}")
    out.append(f"faults    {len(doc['faults'])} found in the database's rows, "
               f"{len(doc['reported_faults'])} in its fault columns")
    out += [f"  {f['table']} {f['row']}: {f['code']}" + (f" ({f['detail']})" if f["detail"] else "")
            for f in doc["faults"]]
    out += [f"  reported: {f['table']} {f['row']}: {f['code']}" for f in doc["reported_faults"]]
    tunnels = doc.get("tunnels", [])
    out.append(f"tunnels   {len(tunnels)} remote VTEP(s)")
    out += [f"  {t['local']} -> {t['remote']}: BFD {t['bfd']}" + (f" ({t['diagnostic']})" if t["diagnostic"] else "")
            for t in tunnels]
    return out
