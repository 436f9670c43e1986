"""Incremental row -> model index, independent of the OVSDB connection.

The adapter feeds it row upserts and deletes as the IDL reports them; `flush`
re-derives only the rows that changed and the rows that read them (a locator
whose IP changed re-derives the MAC rows that use it, a renamed logical
switch the ports bound to it), and reports model changes. Every read a
derivation makes is recorded, so dependencies need no hand-written rules
except one: which ports belong to our switch is decided by the switch's
`ports` column, so a switch change also re-derives the ports it lists.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from gwctl.model import DesiredState, DiscoveredState, FrozenMap
from gwctl.vtep_rows import SPEC_BY_TABLE, ModelKey, RawRow, merge

log = logging.getLogger(__name__)

RowId = tuple[str, str]


@dataclass(frozen=True, slots=True)
class Change:
    """One model item that appeared (old None), changed, or disappeared (new None)."""

    key: ModelKey
    old: Any
    new: Any


class _Reader:
    """The RowReader handed to derivations; remembers what was read."""

    def __init__(self, index: VtepIndex) -> None:
        self._index = index
        self.switch_name = index.switch_name
        self.reads: set[RowId] = set()

    def get(self, table: str, row_uuid: str) -> RawRow | None:
        self.reads.add((table, row_uuid))
        return self._index.rows[table].get(row_uuid)

    def our_switch(self) -> tuple[str, RawRow] | None:
        for u, row in self._index.rows["Physical_Switch"].items():
            if row["name"] == self.switch_name:
                self.reads.add(("Physical_Switch", u))
                return u, row
        return None


def _stable(keys: set[ModelKey]) -> list[ModelKey]:
    """Model keys in a stable order: as they are (fast: 100,000 at an initial sync), by text if they do not compare."""
    try:
        return sorted(keys)
    except TypeError:
        return sorted(keys, key=repr)


READ_SETS_MAX = 4096
"""Distinct read sets kept for sharing (MAC rows have a few; ports and ACLs one each)."""
_DERIVE = {table: spec.derive for table, spec in SPEC_BY_TABLE.items()}


class VtepIndex:
    def __init__(self, switch_name: str) -> None:
        self.switch_name = switch_name
        self.rows: dict[str, dict[str, RawRow]] = {t: {} for t in SPEC_BY_TABLE}
        self._dirty: set[RowId] = set()
        self._readers: dict[RowId, set[RowId]] = defaultdict(set)
        self._reads: dict[RowId, frozenset[RowId]] = {}
        self._read_sets: dict[frozenset[RowId], frozenset[RowId]] = {}
        self._contrib: dict[RowId, tuple[ModelKey, Any] | tuple[tuple[ModelKey, Any], ...]] = {}
        self._claims: dict[ModelKey, tuple[RowId, Any] | dict[RowId, Any]] = {}
        self._merged: dict[str, dict[Any, Any]] = defaultdict(dict)
        self._desired: DesiredState | None = None
        self._discovered: DiscoveredState | None = None

    # ------------------------------------------------------------ input

    def upsert(self, table: str, row_uuid: str, row: RawRow) -> None:
        old = self.rows[table].get(row_uuid)
        if old == row:
            return
        self.rows[table][row_uuid] = row
        self._touch(table, row_uuid, old, row)

    def delete(self, table: str, row_uuid: str) -> None:
        old = self.rows[table].pop(row_uuid, None)
        if old is not None:
            self._touch(table, row_uuid, old, None)

    def retain(self, present: Mapping[str, set[str]], tables: Iterable[str] | None = None) -> None:
        """Drop rows the server no longer has: after a reconnect the IDL re-sends rows but not deletions.

        Only `tables` (default: all) are pruned: each connection resynchronizes the tables it monitors.
        """
        for table in (self.rows if tables is None else tables):
            rows = self.rows[table]
            for row_uuid in [u for u in rows if u not in present.get(table, set())]:
                self.delete(table, row_uuid)

    def _touch(self, table: str, row_uuid: str, old: RawRow | None, new: RawRow | None) -> None:
        self._dirty.add((table, row_uuid))
        if table == "Physical_Switch":
            for row in (old, new):
                if row is not None:
                    self._dirty.update(("Physical_Port", p) for p in row["ports"])

    # ------------------------------------------------------------ derivation

    def flush(self) -> list[Change]:
        """Re-derive what changed since the last flush; the model changes, in a stable order."""
        if not self._dirty:
            return []
        todo: set[RowId] = set(self._dirty)
        readers = self._readers
        for rid in self._dirty:
            found = readers.get(rid)
            if found:
                todo.update(found)
        self._dirty.clear()
        touched: set[ModelKey] = set()
        for rid in todo:
            self._rederive(rid, touched)
        changes = []
        claims_by_key = self._claims
        merged = self._merged
        for key in _stable(touched):
            category, ident = key
            claims = claims_by_key.get(key)
            if claims is None:
                new = None
            elif type(claims) is tuple:   # one row claims it: nearly always
                new = claims[1]
            else:
                values = list(claims.values())
                new = merge(category, values)
                if len({repr(v) for v in values}) > 1 and category != "mcast":
                    log.warning("rows %s disagree on %s; using %s", sorted(str(r[1]) for r in claims), key, new)
            by_category = merged[category]
            old = by_category.get(ident)
            if new is None:
                by_category.pop(ident, None)
            else:
                by_category[ident] = new
            if old != new:
                changes.append(Change(key, old, new))
        if changes:
            self._desired = None
            self._discovered = None
        return changes

    def _rederive(self, rid: RowId, touched: set[ModelKey]) -> None:
        """Derive one row again; the model keys whose claims changed go into `touched`."""
        table, row_uuid = rid
        derive = _DERIVE[table]
        if derive is None:
            return
        row = self.rows[table].get(row_uuid)
        readers = self._readers
        for read in self._reads.pop(rid, ()):
            readers[read].discard(rid)
        new: dict[ModelKey, Any] = {}
        if row is not None:
            reader = _Reader(self)
            try:
                new = dict(derive(row_uuid, row, reader))
            except (KeyError, ValueError, TypeError) as exc:
                # One malformed row must not stop the others; it simply contributes nothing.
                log.error("cannot read %s row %s: %s: %s", table, row_uuid, type(exc).__name__, exc)
                new = {}
            # one shared set per distinct set of reads: 100,000 MAC rows read one of a few (switch, locator)
            # pairs (a tuple each was 7 MB); a cache only, so it is simply dropped when it grows
            reads = frozenset(reader.reads)
            shared = self._read_sets.get(reads)
            if shared is None:
                if len(self._read_sets) >= READ_SETS_MAX:
                    self._read_sets.clear()
                shared = self._read_sets[reads] = reads
            self._reads[rid] = shared
            reads = shared
            for read in reads:
                readers[read].add(rid)
        old = self._contrib.pop(rid, None)
        if new:
            # (key, value) pairs, not a dict, and one pair alone when there is one: 100,000 rows each keep theirs
            self._contrib[rid] = next(iter(new.items())) if len(new) == 1 else tuple(new.items())
        if old is not None and type(old[0][0]) is str:   # one pair: its key is (category, identity)
            old = (old,)
        if old is None:   # a new row: everything it derives is a new claim
            for key, value in new.items():
                self._claim(key, rid, value)
                touched.add(key)
            return
        old_map = dict(old)
        for key, value in new.items():
            if key not in old_map or old_map[key] != value:
                self._claim(key, rid, value)
                touched.add(key)
        for key in old_map:
            if key not in new:
                self._unclaim(key, rid)
                touched.add(key)

    # Claims of the rows that derive one model key. Nearly always one row: kept as a (row, value) pair then,
    # a dict only when several rows claim the key (a dict per MAC row cost 23 MB at 100,000 rows).

    def _claim(self, key: ModelKey, rid: RowId, value: Any) -> None:
        found = self._claims.get(key)
        if found is None or (isinstance(found, tuple) and found[0] == rid):
            self._claims[key] = (rid, value)
        elif isinstance(found, tuple):
            self._claims[key] = {found[0]: found[1], rid: value}
        else:
            found[rid] = value

    def _unclaim(self, key: ModelKey, rid: RowId) -> None:
        found = self._claims.get(key)
        if isinstance(found, tuple):
            if found[0] == rid:
                del self._claims[key]
        elif found is not None:
            found.pop(rid, None)
            if len(found) == 1:
                self._claims[key] = next(iter(found.items()))
            elif not found:
                del self._claims[key]

    # ------------------------------------------------------------ output

    def desired(self) -> DesiredState:
        if self._desired is None:
            m = self._merged
            switch = m["switch"].get(self.switch_name)
            self._desired = DesiredState(
                switch=switch,
                ports=FrozenMap(m["port"]),
                logical_switches=FrozenMap(m["ls"]),
                ucast_macs_remote=FrozenMap(m["ucast"]),
                mcast_macs_remote=FrozenMap(m["mcast"]),
                logical_routers=FrozenMap(m["lr"]),
                arp_sources_remote=frozenset(m["arp"].values()),
                acls=FrozenMap(m["acl"]),
            )
        return self._desired

    def discovered(self) -> DiscoveredState:
        if self._discovered is None:
            m = self._merged
            self._discovered = DiscoveredState(
                ucast_macs_local=frozenset(m["ucast_local"].values()),
                mcast_macs_local=frozenset(m["mcast_local"].values()),
                binding_stats=FrozenMap(m["stats"]),
            )
        return self._discovered
