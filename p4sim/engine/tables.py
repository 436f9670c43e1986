"""Match tables: validation of control-plane entries and fast lookups.

One ``TableState`` per P4 table. Lookup structures are chosen by the key's
match kinds so that a packet never scans every entry when it need not:

* exact keys only: one dict from the key tuple to the entry (O(1));
* one LPM key (plus exact ones): one dict per prefix length, probed from the
  longest length down (BMv2 picks the longest prefix; priorities do not
  apply);
* ternary / optional / range (or several LPM keys): highest priority wins.
  Without range keys entries are grouped by their mask tuple, one dict per
  distinct mask, so the cost is the number of distinct masks, not entries.
  With range keys, entries are grouped the same way by their non-range
  keys; inside a group, entries with one range key are found through an
  interval index (elementary segments -> best entry, rebuilt lazily);
  with several range keys, entries are split by their ranges on all but the
  last key and each part is indexed on the last one.

Priorities follow P4Runtime (a larger number wins; ties go to the entry
inserted first). Const entries written in P4 get priorities N..1 in source
order, so the first one wins, as in BMv2 and as P4Runtime reports them.
"""

from __future__ import annotations

import bisect
import heapq
import time
from dataclasses import dataclass
from typing import Any

from p4sim.engine.entries import ActionSpec, CounterData, TableEntry
from p4sim.errors import AlreadyExists, InvalidArgument, NotFound, PermissionDenied, ResourceExhausted
from p4sim.ir import KeyMatch

__all__ = ["TableState", "Entry", "ActionInfo", "normalize_key"]

TERNARY_KINDS = ("ternary", "optional", "range")


@dataclass(frozen=True, slots=True)
class ActionInfo:
    """What a table needs to know about one of its actions."""

    name: str
    param_widths: tuple[int, ...]
    scope: str = "all"  # "all", "table_only", "default_only"
    param_names: tuple[str, ...] = ()


@dataclass(slots=True, eq=False)
class Entry:
    """An installed entry in the form the packet path wants it."""

    keys: tuple  # normalized key, one item per match key
    priority: int
    action_idx: int  # index into the table's actions; -1 for profile entries
    args: tuple[int, ...]
    member_id: int | None
    group_id: int | None
    counter: CounterData
    meter: Any  # engine.externs.Meter or None
    seq: int
    is_const: bool
    idle_timeout_ns: int = 0
    metadata: bytes = b""
    form: tuple = ()  # (value, mask) per key, for priority tables
    last_hit: int = 0  # time.monotonic_ns() of the last hit (or of the write), for idle timeout


def _priority_order(e: Entry) -> tuple[int, int]:
    """Sort key: highest priority first, then earliest inserted."""
    return (-e.priority, e.seq)


def _better(a: Entry, b: Entry | None) -> bool:
    return b is None or a.priority > b.priority or (a.priority == b.priority and a.seq < b.seq)


class _RangeBucket:
    """Entries of a range table that agree on every non-range key, so that
    only their ranges tell them apart. ``entries`` is kept in priority order.

    With one range key and enough entries, lookups use an interval index:
    the sorted boundaries of all ranges cut the key space into segments, and
    each segment stores its best entry (highest priority, then earliest
    inserted), found with a sweep and a heap in O(n log n). The index is
    rebuilt lazily at the next lookup after a delete or modify, or when the
    entries inserted since the last build (checked one by one) grow past an
    eighth of the bucket; until then the first few lookups scan the entries
    in priority order, so writes interleaved with lookups cost no more than
    a scan.

    With several range keys, entries are split by their ranges on all but
    the last range key (ACLs repeat few distinct source-port ranges, for
    instance); a lookup checks each distinct prefix of ranges and asks the
    sub-bucket, indexed on the last range key, for its best entry."""

    __slots__ = ("entries", "rpos", "bounds", "best", "added", "dirty", "subs", "scans")

    SMALL = 8
    SCANS_BEFORE_BUILD = 4  # a build costs about as much as a few scans

    def __init__(self, rpos: tuple[int, ...]):
        self.entries: list[Entry] = []
        self.rpos = rpos
        self.bounds: list[int] = []
        self.best: list[Entry | None] = []
        self.added: list[Entry] = []
        self.dirty = True
        self.subs: dict[tuple, _RangeBucket] = {}
        self.scans = 0

    def _sub(self, e: Entry, create: bool) -> tuple[tuple, _RangeBucket | None]:
        pk = tuple(e.form[p] for p in self.rpos[:-1])
        sub = self.subs.get(pk)
        if sub is None and create:
            sub = self.subs[pk] = _RangeBucket(self.rpos[-1:])
        return pk, sub

    def add(self, e: Entry, rebuild: bool) -> None:
        if len(self.rpos) > 1:
            sub = self._sub(e, True)[1]
            assert sub is not None
            sub.add(e, rebuild)
        if rebuild:
            self.entries.append(e)  # sorted once by finish()
            self.dirty = True
        else:
            bisect.insort(self.entries, e, key=_priority_order)
            if not self.dirty:
                self.added.append(e)

    def remove(self, e: Entry) -> None:
        if len(self.rpos) > 1:
            pk, sub = self._sub(e, False)
            assert sub is not None
            sub.remove(e)
            if not sub.entries:
                del self.subs[pk]
        _remove_identical(self.entries, e)
        self.dirty = True
        self.added = []
        self.scans = 0  # build only after several lookups in a row without writes

    def finish(self) -> None:
        self.entries.sort(key=_priority_order)
        for sub in self.subs.values():
            sub.finish()

    def _build(self) -> None:
        p = self.rpos[0]
        by_low = sorted(self.entries, key=lambda e: e.form[p][0])
        points = sorted({e.form[p][0] for e in by_low} | {e.form[p][1] + 1 for e in by_low})
        heap: list[tuple[int, int, Entry]] = []
        best: list[Entry | None] = []
        j, n = 0, len(by_low)
        for pt in points:
            while j < n and by_low[j].form[p][0] <= pt:
                e = by_low[j]
                heapq.heappush(heap, (-e.priority, e.seq, e))
                j += 1
            while heap and heap[0][2].form[p][1] < pt:
                heapq.heappop(heap)
            best.append(heap[0][2] if heap else None)
        self.bounds = points
        self.best = best
        self.added = []
        self.dirty = False
        self.scans = 0

    def lookup(self, key: tuple) -> Entry | None:
        rpos = self.rpos
        if len(rpos) > 1:
            if len(self.entries) <= self.SMALL:
                return self._scan(key)
            found = None
            prefix = rpos[:-1]
            for pk, sub in self.subs.items():
                for (lo, hi), p in zip(pk, prefix, strict=True):
                    if not lo <= key[p] <= hi:
                        break
                else:
                    e = sub.lookup(key)
                    if e is not None and _better(e, found):
                        found = e
            return found
        if len(self.entries) <= self.SMALL:
            return self._scan(key)
        if self.dirty or len(self.added) > max(self.SMALL, len(self.entries) >> 3):
            # after a delete, modify or many inserts: scan a few times before
            # rebuilding, so that writes interleaved with lookups never cost
            # more than the plain scan
            if self.scans < self.SCANS_BEFORE_BUILD:
                self.scans += 1
                return self._scan(key)
            self._build()
        p = rpos[0]
        v = key[p]
        i = bisect.bisect_right(self.bounds, v) - 1
        found = self.best[i] if i >= 0 else None
        for e in self.added:
            lo, hi = e.form[p]
            if lo <= v <= hi and _better(e, found):
                found = e
        return found

    def _scan(self, key: tuple) -> Entry | None:
        for e in self.entries:
            for p in self.rpos:
                lo, hi = e.form[p]
                if not lo <= key[p] <= hi:
                    break
            else:
                return e
        return None


def _mask(width: int) -> int:
    return (1 << width) - 1


def _prefix_mask(width: int, plen: int) -> int:
    return _mask(width) ^ _mask(width - plen)


def normalize_key(
    table: str, kinds: list[str], widths: list[int], names: list[str], keys: tuple[KeyMatch, ...],
    lenient: bool = False,
) -> tuple:
    """Turn P4Runtime-style KeyMatch values into the canonical per-kind form
    (exact: value; lpm: (value, plen); ternary/optional: (value, mask);
    range: (low, high)), raising InvalidArgument with the field named.
    ``lenient`` accepts what P4 source may write in const entries (a ternary
    mask on an LPM key, value bits outside a mask)."""
    if len(keys) != len(kinds):
        raise InvalidArgument(f"table {table}: {len(keys)} match fields given, the table has {len(kinds)}")
    out = []
    for km, kind, width, name in zip(keys, kinds, widths, names, strict=True):
        full = _mask(width)
        where = f"table {table}, field {name}"
        k = km.kind
        if k not in ("dontcare", "exact", "lpm", "ternary", "range", "optional"):
            raise InvalidArgument(f"{where}: unknown match kind {k!r}")
        if kind == "exact":
            if k not in ("exact", "optional") and not (lenient and k == "ternary" and km.mask & full == full):
                raise InvalidArgument(f"{where}: exact field given a {k} match")
            _check_width(where, km.value, width)
            out.append(km.value)
        elif kind == "lpm":
            if k == "dontcare":
                out.append((0, 0))
                continue
            if k == "exact":
                _check_width(where, km.value, width)
                out.append((km.value, width))
                continue
            if k == "ternary" and lenient:
                plen = _mask_to_plen(where, km.mask & full, width)
                out.append((km.value & km.mask & full, plen))
                continue
            if k != "lpm":
                raise InvalidArgument(f"{where}: lpm field given a {k} match")
            plen = km.mask
            if not 0 <= plen <= width:
                raise InvalidArgument(f"{where}: prefix length {plen} outside 0..{width}")
            _check_width(where, km.value, width)
            pm = _prefix_mask(width, plen)
            if km.value & ~pm and not lenient:
                raise InvalidArgument(f"{where}: value has bits set beyond the /{plen} prefix")
            if plen == 0 and not lenient:
                raise InvalidArgument(f"{where}: a /0 prefix is a don't-care and must be omitted")
            out.append((km.value & pm, plen))
        elif kind in ("ternary", "optional"):
            if k == "dontcare":
                out.append((0, 0))
                continue
            if k in ("exact", "optional"):
                _check_width(where, km.value, width)
                out.append((km.value, full))
                continue
            if k == "lpm" and lenient:
                pm = _prefix_mask(width, km.mask)
                out.append((km.value & pm, pm))
                continue
            if k != "ternary" or kind == "optional":
                raise InvalidArgument(f"{where}: {kind} field given a {k} match")
            _check_width(where, km.value, width)
            _check_width(where, km.mask, width)
            if km.value & ~km.mask and not lenient:
                raise InvalidArgument(f"{where}: value has bits set outside the mask")
            if km.mask == 0 and not lenient:
                raise InvalidArgument(f"{where}: an all-zero mask is a don't-care and must be omitted")
            out.append((km.value & km.mask, km.mask))
        elif kind == "range":
            if k == "dontcare":
                out.append((0, full))
                continue
            if k == "exact" and lenient:
                out.append((km.value, km.value))
                continue
            if k != "range":
                raise InvalidArgument(f"{where}: range field given a {k} match")
            _check_width(where, km.value, width)
            _check_width(where, km.mask, width)
            if km.value > km.mask:
                raise InvalidArgument(f"{where}: range low {km.value} above high {km.mask}")
            if km.value == 0 and km.mask == full and not lenient:
                raise InvalidArgument(f"{where}: a full range is a don't-care and must be omitted")
            out.append((km.value, km.mask))
        else:
            raise InvalidArgument(f"{where}: unsupported match kind {kind!r}")
    return tuple(out)


def _check_width(where: str, value: int, width: int) -> None:
    if value < 0 or value >> width:
        raise InvalidArgument(f"{where}: value {value:#x} does not fit in {width} bits")


def _mask_to_plen(where: str, mask: int, width: int) -> int:
    plen = bin(mask).count("1")
    if mask != _prefix_mask(width, plen):
        raise InvalidArgument(f"{where}: mask {mask:#x} is not a prefix")
    return plen


def _denormalize(kinds: list[str], widths: list[int], key: tuple) -> tuple[KeyMatch, ...]:
    out = []
    for kind, width, v in zip(kinds, widths, key, strict=True):
        if kind == "exact":
            out.append(KeyMatch("exact", v))
        elif kind == "lpm":
            out.append(KeyMatch("dontcare") if v[1] == 0 else KeyMatch("lpm", v[0], v[1]))
        elif kind == "ternary":
            out.append(KeyMatch("dontcare") if v[1] == 0 else KeyMatch("ternary", v[0], v[1]))
        elif kind == "optional":
            out.append(KeyMatch("dontcare") if v[1] == 0 else KeyMatch("optional", v[0]))
        else:
            full = _mask(width)
            out.append(KeyMatch("dontcare") if v == (0, full) else KeyMatch("range", v[0], v[1]))
    return tuple(out)


def _remove_identical(items: list, item: object) -> None:
    """list.remove by identity: entries compare by value, and only this very
    object may leave the index."""
    for i, x in enumerate(items):
        if x is item:
            del items[i]
            return
    raise KeyError("entry missing from the lookup index")


class TableState:
    """Entries, default action and lookup structures of one table.

    The switch holds its lock around every call; this class is not
    thread-safe on its own."""

    def __init__(
        self,
        name: str,
        kinds: list[str],
        widths: list[int],
        key_names: list[str],
        actions: list[ActionInfo],
        default: ActionSpec,
        default_const: bool = False,
        size: int = 1024,
        is_const: bool = False,
        profile: Any = None,
        with_counters: bool = False,
        meter_factory: Any = None,
    ):
        self.name = name
        self.kinds = kinds
        self.widths = widths
        self.key_names = key_names
        self.actions = actions
        self.action_index = {a.name: i for i, a in enumerate(actions)}
        self.size = size
        self.is_const = is_const
        self.profile = profile
        self.with_counters = with_counters
        self.meter_factory = meter_factory
        self.needs_priority = any(k in TERNARY_KINDS for k in kinds) or kinds.count("lpm") > 1
        self.lpm_pos = kinds.index("lpm") if ("lpm" in kinds and not self.needs_priority) else -1
        self.has_range = "range" in kinds
        self.range_pos = tuple(i for i, k in enumerate(kinds) if k == "range")
        self.other_pos = tuple(i for i, k in enumerate(kinds) if k != "range")
        self.program_default = self._resolve_action(default, for_default=True, check_scope=False)
        self.default_const = default_const
        self.default = self.program_default
        self._seq = 0
        self.entries: dict[tuple, Entry] = {}
        self._rebuild()

    # ------------------------------------------------------------ validation
    def _resolve_action(self, spec: ActionSpec, for_default: bool, check_scope: bool = True) -> tuple[int, tuple]:
        idx = self.action_index.get(spec.action)
        if idx is None:
            raise InvalidArgument(f"table {self.name}: action {spec.action} is not one of its actions")
        info = self.actions[idx]
        if check_scope:
            if for_default and info.scope == "table_only":
                raise InvalidArgument(f"table {self.name}: action {spec.action} is @tableonly")
            if not for_default and info.scope == "default_only":
                raise InvalidArgument(f"table {self.name}: action {spec.action} is @defaultonly")
        if len(spec.args) != len(info.param_widths):
            raise InvalidArgument(
                f"table {self.name}: action {spec.action} takes {len(info.param_widths)} arguments, "
                f"{len(spec.args)} given"
            )
        for i, (v, w) in enumerate(zip(spec.args, info.param_widths, strict=True)):
            if v < 0 or v >> w:
                pname = info.param_names[i] if i < len(info.param_names) else str(i)
                raise InvalidArgument(
                    f"table {self.name}: action {spec.action} parameter {pname}: "
                    f"value {v:#x} does not fit in {w} bits"
                )
        return idx, tuple(spec.args)

    def _key_id(self, keys: tuple[KeyMatch, ...], priority: int, lenient: bool = False) -> tuple[tuple, int]:
        norm = normalize_key(self.name, self.kinds, self.widths, self.key_names, keys, lenient)
        if self.needs_priority:
            if priority <= 0 and not lenient:
                raise InvalidArgument(f"table {self.name}: entries need a priority > 0")
        elif priority != 0 and not lenient:
            raise InvalidArgument(f"table {self.name}: priority must be 0 (no ternary/range/optional key)")
        elif not self.needs_priority:
            priority = 0
        return norm, priority

    def _make_entry(self, entry: TableEntry, norm: tuple, priority: int, is_const: bool) -> Entry:
        given = sum(x is not None for x in (entry.action, entry.member_id, entry.group_id))
        if given != 1:
            raise InvalidArgument(f"table {self.name}: an entry needs exactly one of action, member, group")
        action_idx, args = -1, ()
        if entry.action is not None:
            if self.profile is not None:
                raise InvalidArgument(f"table {self.name} uses action profile {self.profile.name}: give a member")
            action_idx, args = self._resolve_action(entry.action, for_default=False)
        else:
            if self.profile is None:
                raise InvalidArgument(f"table {self.name} has no action profile: give an action")
            if entry.group_id is not None and not self.profile.is_selector:
                raise InvalidArgument(f"table {self.name}: profile {self.profile.name} has no groups")
            if entry.member_id is not None and entry.member_id not in self.profile.members:
                raise NotFound(f"table {self.name}: member {entry.member_id} not in {self.profile.name}")
            if entry.group_id is not None and entry.group_id not in self.profile.groups:
                raise NotFound(f"table {self.name}: group {entry.group_id} not in {self.profile.name}")
        self._seq += 1
        meter = None
        if self.meter_factory is not None:
            meter = self.meter_factory()
            if entry.meter is not None:
                meter.configure(entry.meter)
        counter = CounterData()
        if entry.counter is not None:
            counter.packets, counter.bytes = entry.counter.packets, entry.counter.bytes
        return Entry(
            norm, priority, action_idx, args, entry.member_id, entry.group_id, counter, meter,
            self._seq, is_const, entry.idle_timeout_ns, entry.metadata, last_hit=time.monotonic_ns(),
        )

    # ------------------------------------------------------------ mutation
    def load_initial(self, entries: list[TableEntry], const: bool) -> None:
        """Entries from the P4 source (``entries``/``const entries``):
        checked leniently, with priorities N..1 unless given."""
        n = len(entries)
        for i, e in enumerate(entries):
            prio = e.priority if e.priority else (n - i if self.needs_priority else 0)
            norm, prio = self._key_id(e.keys, prio, lenient=True)
            if (norm, prio) in self.entries:
                continue  # a later duplicate of a source entry can never match first
            self.entries[(norm, prio)] = self._make_entry(e, norm, prio, const)
        self._rebuild()

    def insert(self, entry: TableEntry) -> None:
        if self.is_const:
            raise PermissionDenied(f"table {self.name} is const")
        norm, prio = self._key_id(entry.keys, entry.priority)
        if (norm, prio) in self.entries:
            raise AlreadyExists(f"table {self.name}: entry already exists")
        if len(self.entries) >= self.size:
            raise ResourceExhausted(f"table {self.name} is full ({self.size} entries)")
        self.entries[(norm, prio)] = self._make_entry(entry, norm, prio, False)
        self._add_to_index(self.entries[(norm, prio)])

    def modify(self, entry: TableEntry) -> None:
        if self.is_const:
            raise PermissionDenied(f"table {self.name} is const")
        norm, prio = self._key_id(entry.keys, entry.priority)
        old = self.entries.get((norm, prio))
        if old is None:
            raise NotFound(f"table {self.name}: no such entry to modify")
        new = self._make_entry(entry, norm, prio, False)
        # MODIFY keeps the entry's place, its counters unless given and its meter unless given
        new.seq = old.seq
        new.last_hit = old.last_hit
        if entry.counter is None:
            new.counter = old.counter
        if entry.meter is None:
            new.meter = old.meter
        self.entries[(norm, prio)] = new
        self._remove_from_index(old)
        self._add_to_index(new)

    def delete(self, keys: tuple[KeyMatch, ...], priority: int = 0) -> None:
        if self.is_const:
            raise PermissionDenied(f"table {self.name} is const")
        norm, prio = self._key_id(keys, priority)
        old = self.entries.pop((norm, prio), None)
        if old is None:
            raise NotFound(f"table {self.name}: no such entry to delete")
        self._remove_from_index(old)

    def find(self, keys: tuple[KeyMatch, ...], priority: int = 0) -> Entry:
        norm, prio = self._key_id(keys, priority)
        e = self.entries.get((norm, prio))
        if e is None:
            raise NotFound(f"table {self.name}: no such entry")
        return e

    def clear(self) -> None:
        self.entries = {k: e for k, e in self.entries.items() if e.is_const}
        self._rebuild()

    def set_default(self, spec: ActionSpec | None) -> None:
        if self.default_const:
            raise PermissionDenied(f"table {self.name}: the default action is const")
        if spec is None:
            self.default = self.program_default
        else:
            self.default = self._resolve_action(spec, for_default=True)

    def get_default(self) -> ActionSpec:
        idx, args = self.default
        return ActionSpec(self.actions[idx].name, args)

    def to_table_entry(self, e: Entry) -> TableEntry:
        action = None if e.action_idx < 0 else ActionSpec(self.actions[e.action_idx].name, e.args)
        return TableEntry(
            keys=_denormalize(self.kinds, self.widths, e.keys),
            action=action,
            member_id=e.member_id,
            group_id=e.group_id,
            priority=e.priority,
            counter=CounterData(e.counter.packets, e.counter.bytes),
            meter=None if e.meter is None else e.meter.config,
            idle_timeout_ns=e.idle_timeout_ns,
            metadata=e.metadata,
            is_const=e.is_const,
        )

    def idle_entries(self) -> list[tuple[TableEntry, int]]:
        """Entries with an idle timeout and the nanoseconds since their last
        hit (or since they were written), for IdleTimeoutNotification."""
        now = time.monotonic_ns()
        ordered = sorted(self.entries.values(), key=lambda e: e.seq)
        return [(self.to_table_entry(e), now - e.last_hit) for e in ordered if e.idle_timeout_ns]

    def snapshot(self) -> list[TableEntry]:
        ordered = sorted(self.entries.values(), key=lambda e: e.seq)
        return [self.to_table_entry(e) for e in ordered]

    # ------------------------------------------------------------ lookup structures
    def _rebuild(self) -> None:
        self._exact: dict = {}
        self._lpm: dict[int, dict] = {}
        self._lpm_lens: list[int] = []
        self._groups: dict[tuple, dict] = {}
        self._rgroups: dict[tuple, dict[tuple, _RangeBucket]] = {}
        for e in sorted(self.entries.values(), key=lambda e: e.seq):
            self._add_to_index(e, rebuild=True)
        self._finish_index()

    def _add_to_index(self, e: Entry, rebuild: bool = False) -> None:
        if not self.needs_priority and self.lpm_pos < 0:
            self._exact[e.keys] = e
        elif self.lpm_pos >= 0:
            pos = self.lpm_pos
            plen = e.keys[pos][1]
            masked = tuple(k[0] if i == pos else k for i, k in enumerate(e.keys))
            d = self._lpm.get(plen)
            if d is None:
                d = self._lpm[plen] = {}
                if not rebuild:
                    self._lpm_lens = sorted(self._lpm, reverse=True)
            d[masked] = e
        elif self.has_range:
            e.form = self._match_form(e.keys)
            masks, values = self._range_group(e.form)
            d = self._rgroups.setdefault(masks, {})
            bucket = d.get(values)
            if bucket is None:
                bucket = d[values] = _RangeBucket(self.range_pos)
            bucket.add(e, rebuild)
        else:
            form = self._match_form(e.keys)
            masks = tuple(m for _, m in form)
            values = tuple(v for v, _ in form)
            d = self._groups.setdefault(masks, {})
            lst = d.setdefault(values, [])
            lst.append(e)
            lst.sort(key=lambda x: (-x.priority, x.seq))
        if rebuild:
            return

    def _remove_from_index(self, e: Entry) -> None:
        """Undo ``_add_to_index`` for one entry, so that MODIFY and DELETE
        cost what INSERT costs instead of a rebuild of the whole table."""
        if not self.needs_priority and self.lpm_pos < 0:
            del self._exact[e.keys]
        elif self.lpm_pos >= 0:
            pos = self.lpm_pos
            plen = e.keys[pos][1]
            masked = tuple(k[0] if i == pos else k for i, k in enumerate(e.keys))
            d = self._lpm[plen]
            del d[masked]
            if not d:
                del self._lpm[plen]
                self._lpm_lens = sorted(self._lpm, reverse=True)
        elif self.has_range:
            masks, values = self._range_group(e.form)
            d = self._rgroups[masks]
            bucket = d[values]
            bucket.remove(e)
            if not bucket.entries:
                del d[values]
                if not d:
                    del self._rgroups[masks]
        else:
            form = self._match_form(e.keys)
            masks = tuple(m for _, m in form)
            values = tuple(v for v, _ in form)
            d = self._groups[masks]
            lst = d[values]
            _remove_identical(lst, e)
            if not lst:
                del d[values]
                if not d:
                    del self._groups[masks]

    def _match_form(self, keys: tuple) -> tuple[tuple[int, int | None], ...]:
        """(value, mask) per key for priority tables: exact keys get mask
        None (compared whole), LPM keys their prefix mask."""
        out = []
        for kind, width, k in zip(self.kinds, self.widths, keys, strict=True):
            if kind == "exact":
                out.append((k, None))
            elif kind == "lpm":
                out.append((k[0], _prefix_mask(width, k[1])))
            else:
                out.append(k)
        return tuple(out)

    def _range_group(self, form: tuple) -> tuple[tuple, tuple]:
        """(masks, masked values) of the non-range keys of a range-table entry."""
        other = [form[i] for i in self.other_pos]
        return tuple(m for _, m in other), tuple(v for v, _ in other)

    def _finish_index(self) -> None:
        self._lpm_lens = sorted(self._lpm, reverse=True)
        for d in self._rgroups.values():
            for bucket in d.values():
                bucket.finish()

    def resolve(self, ent: Entry, selector_input: Any) -> tuple[int, tuple] | None:
        """(action index, args) of a profile entry; a group's member is
        chosen with the selector hash. None when nothing can run (empty
        group), which the packet path treats as a miss."""
        prof = self.profile
        if ent.member_id is not None:
            spec = prof.member_action(ent.member_id)
        else:
            spec = prof.group_action(ent.group_id, selector_input())
        if spec is None:
            return None
        return self.action_index[spec.action], spec.args

    def lookup(self, key: tuple) -> Entry | None:
        """The entry a packet with these key values hits, or None (miss)."""
        if not self.needs_priority and self.lpm_pos < 0:
            return self._exact.get(key)
        if self.lpm_pos >= 0:
            pos = self.lpm_pos
            width = self.widths[pos]
            v = key[pos]
            for plen in self._lpm_lens:
                probe = key[:pos] + ((v >> (width - plen)) << (width - plen),) + key[pos + 1:]
                e = self._lpm[plen].get(probe)
                if e is not None:
                    return e
            return None
        if self.has_range:
            other = [key[i] for i in self.other_pos]
            found = None
            for masks, d in self._rgroups.items():
                bucket = d.get(tuple(v if m is None else v & m for v, m in zip(other, masks, strict=True)))
                if bucket is not None:
                    e = bucket.lookup(key)
                    if e is not None and _better(e, found):
                        found = e
            return found
        best = None
        for masks, d in self._groups.items():
            probe = tuple(v if m is None else v & m for v, m in zip(key, masks, strict=True))
            lst = d.get(probe)
            if lst:
                e = lst[0]
                if best is None or e.priority > best.priority or (
                    e.priority == best.priority and e.seq < best.seq
                ):
                    best = e
        return best
