"""The translation kept up to date from model changes: only what a change touches is recomputed.

`translate(state)` is the reference and stays pure and total; at 100,000
Ucast_Macs_Remote rows it takes seconds, and the agent must answer one
changed row in milliseconds. `Incremental` holds the same result in pieces:

- the per-switch part (`translate_core`: ports, bindings, logical switches,
  tunnels, flood groups, ACLs, routers, all id allocation), recomputed in
  full only when a row it reads changes, or when the MAC rows change what it
  sees of them (`MacSummary`: a new remote VTEP, a host behind a router);
- one contribution per Ucast_Macs_Remote row and per learned MAC
  (`ucast_entries`, `learned_entries`), recomputed when the row changes or
  when the ids it uses change (its logical switch's, its tunnel's, its
  binding's);
- per entry identity, the claims of every contributor with a rank that
  reproduces translate's "first writer wins" (per-switch entries, then
  learned MACs, then remote MACs, then what those override), so the wanted
  entry for an identity is the best-ranked claim.

Every change records the identities it touched; `take_changes()` gives the
wanted entry (or None) for each, which `reconcile.reconcile_changes` turns
into updates against the realized entries. Validation is incremental the
same way: the rows other than Ucast_Macs_Remote go through `validate` as a
whole (they are few), each MAC row through the same per-row rule.

Invariant, checked by tests/gwctl/test_incremental.py: after any sequence
of changes, `entries()`, `ids` and `faults` equal those of
`validate` + `translate` of the resulting state with the previous ids.
"""

from __future__ import annotations

import functools
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from gwctl import validate as validation
from gwctl.inventory import Inventory
from gwctl.model import (
    DesiredState,
    Fault,
    FrozenMap,
    LearnedMac,
    PhysicalPort,
    PhysicalSwitch,
    UcastMacRemote,
)
from gwctl.pipelines import vtep_gateway as p4
from gwctl.reconcile import Entry
from gwctl.translate import (
    Core,
    Ids,
    MacSummary,
    _is_ipv4,
    learned_entries,
    translate_core,
    ucast_entries,
)
from gwctl.validate import Capabilities

Identity = tuple
Rank = tuple
MacKey = tuple[str, str]

_CORE_FIRST: Rank = (0,)
_CORE_LAST: Rank = (2,)
"""Ranks: per-switch entries (0), learned MACs (1, 0, mac), remote MACs (1, 1, key), overridable ones (2).

A remote MAC's claims and contribution are filed under its bare key (ls, mac) instead, which the rows
already hold (a rank tuple each was 6 MB at 100,000 rows); `_rank` gives it its place when claims
are compared, which only happens when several claim one entry."""

# model categories, as gwctl.vtep_index names them
SWITCH, PORT, LS, UCAST, MCAST, LR, ARP, ACL = "switch", "port", "ls", "ucast", "mcast", "lr", "arp", "acl"
_CORE_CATEGORIES = (PORT, LS, MCAST, LR, ACL)


@dataclass(frozen=True)
class ModelChange:
    """A model item that appeared, changed or went (new None); `gwctl.vtep_index.Change` has this shape."""

    key: tuple[str, Any]
    new: Any


def state_changes(old: DesiredState, new: DesiredState) -> list[ModelChange]:
    """The model changes that turn `old` into `new` (what the vtep DB adapter reports, for tests and resyncs)."""
    out: list[ModelChange] = []
    if old.switch != new.switch:
        if old.switch is not None and (new.switch is None or new.switch.name != old.switch.name):
            out.append(ModelChange((SWITCH, old.switch.name), None))
        if new.switch is not None:
            out.append(ModelChange((SWITCH, new.switch.name), new.switch))
    for category, a, b in ((PORT, old.ports, new.ports), (LS, old.logical_switches, new.logical_switches),
                           (UCAST, old.ucast_macs_remote, new.ucast_macs_remote),
                           (MCAST, old.mcast_macs_remote, new.mcast_macs_remote),
                           (LR, old.logical_routers, new.logical_routers), (ACL, old.acls, new.acls)):
        for k in a.keys() - b.keys():
            out.append(ModelChange((category, k), None))
        for k, v in b.items():
            if a.get(k) != v:
                out.append(ModelChange((category, k), v))
    for arp in old.arp_sources_remote - new.arp_sources_remote:
        out.append(ModelChange((ARP, arp), None))
    for arp in new.arp_sources_remote - old.arp_sources_remote:
        out.append(ModelChange((ARP, arp), arp))
    return out


class Incremental:
    """The translation of a desired state and learned MACs, updated change by change (see the module doc)."""

    def __init__(self, inventory: Inventory, previous: Ids | None = None,
                 caps: Capabilities = p4.CAPABILITIES) -> None:
        self._inv = inventory
        self._caps = caps
        self._reset(previous if previous is not None else Ids())

    def _reset(self, previous: Ids) -> None:
        # the model, as rows
        self._switch: PhysicalSwitch | None = None
        self._rows: dict[str, dict[Any, Any]] = {c: {} for c in _CORE_CATEGORIES}
        self._arp: set[Any] = set()
        self._ucast: dict[str, dict[str, UcastMacRemote]] = {}
        """Logical switch -> MAC -> row, valid or not."""
        self._learned: set[LearnedMac] = set()
        # validation of MAC rows, and what the per-switch part sees of them
        self._summaries: dict[MacKey, tuple[str, str]] = {}
        """Valid rows -> (locator IP, IPv4 ipaddr or "")."""
        self._row_faults: dict[MacKey, list[Fault]] = {}
        self._ips: dict[str, Counter[str]] = {}
        self._hosts: dict[str, dict[str, tuple[str, str]]] = {}
        self._by_ip: dict[str, set[MacKey]] = {}
        # the per-switch part
        self._core_dirty = True
        self._checked: validation.Validated = validation.validate(DesiredState(), self._caps)
        self._routed: frozenset[str] = frozenset()
        """Logical switches attached to a router: their hosts matter to the per-switch part."""
        self._ls_rows: FrozenMap[str, Any] = FrozenMap()
        self._core = Core({}, {}, previous, (), {}, {})
        # claims by identity, contributions by rank
        self._claims: dict[Identity, tuple[Rank, Entry] | list[tuple[Rank, Entry]]] = {}
        self._contrib: dict[Rank, Entry | tuple[Entry, ...]] = {}
        self._touched: set[Identity] = set()
        self._faults: tuple[Fault, ...] | None = None

    # ------------------------------------------------------------ input

    def load(self, state: DesiredState, learned: Iterable[LearnedMac] = ()) -> None:
        """Start over from a whole state (initial sync, resync): the bulk form of `update`."""
        touched = set(self._claims) | self._touched
        self._reset(self._core.ids)
        self._touched = touched
        self._switch = state.switch
        self._rows = {PORT: dict(state.ports), LS: dict(state.logical_switches),
                      MCAST: dict(state.mcast_macs_remote), LR: dict(state.logical_routers),
                      ACL: dict(state.acls)}
        self._arp = set(state.arp_sources_remote)
        for (ls, mac), row in state.ucast_macs_remote.items():
            self._ucast.setdefault(ls, {})[mac] = row
        self._learned = set(learned)
        self._refresh(set(state.ucast_macs_remote), set(self._learned))

    def update(self, changes: Iterable[Any], learned: Iterable[LearnedMac] | None = None) -> None:
        """Apply model changes (objects with `.key` = (category, identity) and `.new`) and the learned MACs.

        Categories other than the desired state's (discovered rows, stats) are ignored.
        """
        rows: set[MacKey] = set()
        for change in changes:
            category, ident = change.key
            new = change.new
            if category == UCAST:
                ls, mac = ident
                if new is None:
                    found = self._ucast.get(ls)
                    if found is not None:
                        found.pop(mac, None)
                        if not found:
                            del self._ucast[ls]
                else:
                    self._ucast.setdefault(ls, {})[mac] = new
                rows.add(ident)
            elif category in _CORE_CATEGORIES:
                if new is None:
                    self._rows[category].pop(ident, None)
                else:
                    self._rows[category][ident] = new
                self._core_dirty = True
            elif category == SWITCH:
                self._switch = new
                self._core_dirty = True
            elif category == ARP:
                if new is None:
                    self._arp.discard(ident)
                else:
                    self._arp.add(new)
                self._core_dirty = True
        moved: set[LearnedMac] = set()
        if learned is not None:
            now = set(learned)
            moved = now ^ self._learned
            self._learned = now
        if rows or moved or self._core_dirty:
            self._refresh(rows, moved)

    def set_learned(self, learned: Iterable[LearnedMac]) -> None:
        self.update((), learned)

    # ------------------------------------------------------------ output

    @property
    def ids(self) -> Ids:
        return self._core.ids

    @property
    def checked(self) -> DesiredState:
        """The validated state without its Ucast_Macs_Remote rows (ports, switches, routers...)."""
        return self._checked.state

    @property
    def ports(self) -> Mapping[str, PhysicalPort]:
        """Physical_Ports as the database has them (before validation)."""
        return self._rows[PORT]

    @property
    def learned(self) -> frozenset[LearnedMac]:
        return frozenset(self._learned)

    @property
    def faults(self) -> tuple[Fault, ...]:
        """validate's and translate's faults together, as `agent.compute` reports them."""
        if self._faults is None:
            found = set(self._checked.faults) | set(self._core.faults)
            for faults in self._row_faults.values():
                found.update(faults)
            self._faults = tuple(sorted(found))
        return self._faults

    def wanted(self, ident: Identity) -> Entry | None:
        claims = self._claims.get(ident)
        if claims is None:
            return None
        return claims[1] if isinstance(claims, tuple) else min(claims, key=_rank)[1]

    def entries(self) -> frozenset[Entry]:
        return frozenset(self.index().values())

    def index(self) -> dict[Identity, Entry]:
        """Every wanted entry by identity."""
        out = {}
        for ident, claims in self._claims.items():
            out[ident] = claims[1] if isinstance(claims, tuple) else min(claims, key=_rank)[1]
        return out

    def take_changes(self) -> dict[Identity, Entry | None]:
        """The wanted entry (None: not wanted) of every identity touched since the last call."""
        touched, self._touched = self._touched, set()
        return {ident: self.wanted(ident) for ident in touched}

    # ------------------------------------------------------------ the work

    def _refresh(self, rows: set[MacKey], moved: set[LearnedMac]) -> None:
        self._faults = None
        old_core = self._core
        changed_ls: set[str] = set()
        if self._core_dirty:
            old_valid, old_all = self._checked.state.logical_switches, self._ls_rows
            self._ls_rows = FrozenMap(self._rows[LS])
            self._checked = validation.validate(self._core_state(), self._caps)
            self._routed = frozenset(ls for lr in self._checked.state.logical_routers.values()
                                     for ls in lr.switch_binding.values())
            new_valid = self._checked.state.logical_switches
            # MAC rows are valid depending on their logical switch existing and being valid
            changed_ls = {ls for ls in old_valid.keys() | new_valid.keys() if old_valid.get(ls) != new_valid.get(ls)}
            changed_ls |= old_all.keys() ^ self._ls_rows.keys()
        # validate the MAC rows that changed, and those of logical switches that did
        recheck = set(rows)
        for ls in changed_ls:
            recheck.update((ls, mac) for mac in self._ucast.get(ls, ()))
        summary_changed = self._validate_rows(recheck)
        if self._core_dirty or summary_changed:
            self._core = translate_core(self._checked.state, MacSummary(self._ips, self._hosts), self._inv,
                                        old_core.ids)
            self._core_dirty = False
        core = self._core
        # the per-switch entries: only identities whose entry differs
        self._contribute_map(_CORE_FIRST, old_core.first, core.first)
        self._contribute_map(_CORE_LAST, old_core.last, core.last)
        # MAC contributions whose inputs changed
        redo = set(recheck)
        redo_learned = set(moved)
        if core is not old_core:
            old_ls, new_ls = old_core.ids.ls, core.ids.ls
            ls_moved = {ls for ls in old_ls.keys() | new_ls.keys() if old_ls.get(ls) != new_ls.get(ls)}
            for ls in ls_moved:
                redo.update((ls, mac) for mac in self._ucast.get(ls, ()))
            for ip in old_core.tunnels.keys() | core.tunnels.keys():
                if old_core.tunnels.get(ip) != core.tunnels.get(ip):
                    redo.update(self._by_ip.get(ip, ()))
            old_b, new_b = old_core.bindings, core.bindings
            if old_b != new_b or ls_moved:
                b_moved = {b for b in old_b.keys() | new_b.keys() if old_b.get(b) != new_b.get(b)}
                redo_learned.update(m for m in self._learned
                                    if (m.port, m.vlan) in b_moved or m.logical_switch in ls_moved)
        for key in redo:
            ls, mac = key
            row = self._ucast.get(ls, {}).get(mac) if key in self._summaries else None
            self._contribute(key, ucast_entries(row, core) if row is not None else ())   # rank (1, 1, key)
        for m in redo_learned:
            self._contribute((1, 0, m), learned_entries(m, core) if m in self._learned else ())

    def _core_state(self) -> DesiredState:
        r = self._rows
        return DesiredState(self._switch, FrozenMap(r[PORT]), self._ls_rows, FrozenMap(), FrozenMap(r[MCAST]),
                            FrozenMap(r[LR]), frozenset(self._arp), FrozenMap(r[ACL]))

    def _validate_rows(self, keys: set[MacKey]) -> bool:
        """Re-validate these MAC rows; True if what the per-switch part sees of them changed."""
        if not keys:
            return False
        present: dict[MacKey, UcastMacRemote] = {}
        for key in keys:
            row = self._ucast.get(key[0], {}).get(key[1])
            if row is not None:
                present[key] = row
        faults: list[Fault] = []
        probe = DesiredState(logical_switches=self._ls_rows, ucast_macs_remote=FrozenMap(present))
        good = validation._valid_ucast(probe, self._caps, self._checked.state.logical_switches, faults)
        by_row: dict[str, list[Fault]] = {}
        for f in faults:
            by_row.setdefault(f.row, []).append(f)
        changed = False
        for key in keys:
            found = by_row.get(f"{key[0]}/{key[1]}")
            if found:
                self._row_faults[key] = found
            else:
                self._row_faults.pop(key, None)
            row = good.get(key)
            old = self._summaries.get(key)
            new = None if row is None else _summary(
                row.locator.dst_ip, row.ipaddr if row.ipaddr and _is_ipv4(row.ipaddr) else "")
            if old == new:
                continue
            if old is not None:
                changed |= self._forget(key, old)
            if new is not None:
                changed |= self._remember(key, new)
            if key[0] in self._routed and ((old is not None and old[1]) or (new is not None and new[1])):
                changed = True
        return changed

    def _forget(self, key: MacKey, summary: tuple[str, str]) -> bool:
        """Drop a valid row from the summary; True if its logical switch no longer names its VTEP."""
        ls, mac = key
        ip, host = summary
        del self._summaries[key]
        counts = self._ips[ls]
        counts[ip] -= 1
        gone = counts[ip] == 0
        if gone:
            del counts[ip]
            if not counts:
                del self._ips[ls]
        keys = self._by_ip[ip]
        keys.discard(key)
        if not keys:
            del self._by_ip[ip]
        if host:
            hosts = self._hosts[ls]
            del hosts[mac]
            if not hosts:
                del self._hosts[ls]
        return gone

    def _remember(self, key: MacKey, summary: tuple[str, str]) -> bool:
        """Add a valid row to the summary; True if its logical switch names a VTEP it did not before."""
        ls, mac = key
        ip, host = summary
        self._summaries[key] = summary
        counts = self._ips.get(ls)
        if counts is None:
            counts = self._ips[ls] = Counter()
        counts[ip] += 1
        self._by_ip.setdefault(ip, set()).add(key)
        if host:
            self._hosts.setdefault(ls, {})[mac] = (host, ip)
        return counts[ip] == 1

    def _contribute(self, rank: Rank, entries: tuple[Entry, ...]) -> None:
        old = self._contrib.pop(rank, ())
        if type(old) is Entry:
            old = (old,)
        if entries:
            # one entry alone when there is one (most MAC rows): 100,000 tuples fewer
            self._contrib[rank] = entries[0] if len(entries) == 1 else entries
        if old == entries:
            return
        for e in old:
            if e not in entries:
                self._unclaim(e.identity, rank)
        for e in entries:
            if e not in old:
                self._claim(e.identity, rank, e)

    def _contribute_map(self, rank: Rank, old: Mapping[Identity, Entry], new: Mapping[Identity, Entry]) -> None:
        if old is new:
            return
        for ident, e in old.items():
            if new.get(ident) != e:
                self._unclaim(ident, rank)
        for ident, e in new.items():
            if old.get(ident) != e:
                self._claim(ident, rank, e)

    # The claims on one identity: nearly always one, kept as a (rank, entry) pair; a list when several.

    def _claim(self, ident: Identity, rank: Rank, entry: Entry) -> None:
        claims = self._claims.get(ident)
        if claims is None or (isinstance(claims, tuple) and claims[0] == rank):
            self._claims[ident] = (rank, entry)
        else:
            others = [claims] if isinstance(claims, tuple) else [c for c in claims if c[0] != rank]
            self._claims[ident] = [*others, (rank, entry)]
        self._touched.add(ident)

    def _unclaim(self, ident: Identity, rank: Rank) -> None:
        claims = self._claims.get(ident)
        if claims is None:
            return
        if isinstance(claims, tuple):
            if claims[0] == rank:
                del self._claims[ident]
        else:
            rest = [c for c in claims if c[0] != rank]
            if len(rest) == 1:
                self._claims[ident] = rest[0]
            elif rest:
                self._claims[ident] = rest
            else:
                del self._claims[ident]
        self._touched.add(ident)


@functools.lru_cache(maxsize=1 << 12)
def _summary(ip: str, host: str) -> tuple[str, str]:
    """Shared (locator IP, host) pairs: most of 100,000 rows have no host and one of a few VTEPs."""
    return (ip, host)


def _rank(claim: tuple[Rank, Entry]) -> Rank:
    rank = claim[0]
    return (1, 1, rank) if len(rank) == 2 else rank   # a remote MAC's bare (ls, mac): see _CORE_LAST
