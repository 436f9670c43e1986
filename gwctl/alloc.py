"""Stable small integer ids for things the pipeline indexes (logical switches, bindings, tunnels...).

The pipeline wants dense ids (ls_id < 4096, binding_id indexes counters);
the database has names. Numbering by sorted position would renumber
everything after an insertion and rewrite half the tables, so ids are
sticky: `allocate` keeps every id still in use and gives new keys the
lowest free ones. After an agent restart the previous allocation is
recovered from the entries the target holds (see the pipeline module), so a
restart rewrites nothing.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Mapping
from dataclasses import dataclass
from typing import Generic, TypeVar

from gwctl.model import FrozenMap

K = TypeVar("K", bound=Hashable)


@dataclass(frozen=True)
class Allocated(Generic[K]):
    ids: FrozenMap[K, int]
    exhausted: tuple[K, ...]
    """Keys that got no id because the range is full (reported as faults, realized later)."""


def allocate(previous: Mapping[K, int], keys: Iterable[K], lo: int, hi: int) -> Allocated[K]:
    """Ids in lo..hi for `keys`: previous ids kept, new keys (in sorted order) get the lowest free ids.

    Previous ids outside the range or shared by two keys are dropped and
    reassigned, so a corrupt recovery cannot produce conflicting entries.
    """
    wanted = sorted(set(keys), key=repr)
    ids: dict[K, int] = {}
    used: set[int] = set()
    seen: dict[int, int] = {}
    for k in wanted:
        if k in previous:
            seen[previous[k]] = seen.get(previous[k], 0) + 1
    for k in wanted:
        old = previous.get(k)
        if old is not None and lo <= old <= hi and seen[old] == 1:
            ids[k] = old
            used.add(old)
    free = (i for i in range(lo, hi + 1) if i not in used)
    exhausted = []
    for k in wanted:
        if k in ids:
            continue
        nxt = next(free, None)
        if nxt is None:
            exhausted.append(k)
        else:
            ids[k] = nxt
    return Allocated(FrozenMap(ids), tuple(exhausted))
