"""P4Runtime IDs exactly as p4c allocates them.

A controller that was written against p4c's P4Info hard-codes nothing but the
names, yet many tools (and recorded test vectors) carry the numeric IDs, so a
target that renumbers breaks them. p4c's scheme (control-plane/
p4RuntimeSymbolTable.cpp) is reproduced here: the kind's 8-bit prefix in the
top byte, the Jenkins one-at-a-time hash of the name in the low 24 bits, ``@id``
values reserved before any hash is placed, and collisions resolved by probing
hash+1, hash+2, ... with names visited in byte order so the result never
depends on declaration order.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import IntEnum

from p4sim.errors import P4CompileError
from p4sim.ir import SourceLoc

from .aliases import SuffixSet


class Kind(IntEnum):
    """The P4Ids.Prefix values of p4info.proto, one per entity kind."""

    ACTION = 0x01
    TABLE = 0x02
    VALUE_SET = 0x03
    CONTROLLER_HEADER = 0x04
    ACTION_PROFILE = 0x11
    COUNTER = 0x12
    DIRECT_COUNTER = 0x13
    METER = 0x14
    DIRECT_METER = 0x15
    REGISTER = 0x16
    DIGEST = 0x17


_MASK32 = 0xFFFFFFFF
_LOW24 = 0xFFFFFF


def jenkins_one_at_a_time(data: bytes) -> int:
    """Bob Jenkins' one-at-a-time hash in 32-bit arithmetic, as p4c computes it."""
    h = 0
    for b in data:
        h = (h + b) & _MASK32
        h = (h + (h << 10)) & _MASK32
        h ^= h >> 6
    h = (h + (h << 3)) & _MASK32
    h ^= h >> 11
    h = (h + (h << 15)) & _MASK32
    return h


def hashed_id(kind: Kind, name: str) -> int:
    """The ID a name gets when nothing collides with it."""
    return (int(kind) << 24) | (jenkins_one_at_a_time(name.encode()) & _LOW24)


def with_prefix(kind: Kind, value: int, loc: SourceLoc | None, what: str) -> int:
    """Apply p4c's rule for an ``@id`` value: a bare number gets the kind's
    prefix; a number that already carries a prefix must carry the right one."""
    if value < 0 or value > _MASK32:
        raise P4CompileError(loc, f"{what}: @id {value} is not a 32-bit unsigned integer")
    top = value & 0xFF000000
    expected = int(kind) << 24
    if top not in (0, expected):
        raise P4CompileError(
            loc, f"{what}: @id {value:#010x} has the wrong 8-bit prefix (expected {expected >> 24:#04x})"
        )
    return value | expected


@dataclass
class _Symbol:
    name: str
    explicit: int | None
    loc: SourceLoc | None
    id: int = 0


@dataclass
class SymbolTable:
    """Collects every control-plane visible name, then assigns all IDs at once.

    IDs depend on the complete set of names (probing order), so they can only
    be read after ``assign()``; adding the same (kind, name) twice is harmless,
    as in p4c, because top-level actions are met once per control using them.
    """

    _symbols: dict[Kind, dict[str, _Symbol]] = field(default_factory=dict)
    _suffixes: SuffixSet = field(default_factory=SuffixSet)
    _assigned: bool = False

    def add(self, kind: Kind, name: str, explicit_id: int | None = None, loc: SourceLoc | None = None) -> None:
        if self._assigned:
            raise RuntimeError(f"symbol {name!r} added after IDs were assigned")
        table = self._symbols.setdefault(kind, {})
        if name in table:
            return
        table[name] = _Symbol(name, explicit_id, loc)
        self._suffixes.add(name)

    def assign(self) -> None:
        """Reserve ``@id`` values, then hash the rest in byte order of name."""
        taken: dict[int, str] = {}
        for kind in sorted(self._symbols):
            for sym in self._symbols[kind].values():
                if sym.explicit is None:
                    continue
                value = with_prefix(kind, sym.explicit, sym.loc, sym.name)
                if value in taken:
                    raise P4CompileError(
                        sym.loc, f"@id {value} is assigned to both {taken[value]!r} and {sym.name!r}"
                    )
                taken[value] = sym.name
                sym.id = value
        for kind in sorted(self._symbols):
            pending = [s for s in self._symbols[kind].values() if s.explicit is None]
            pending.sort(key=lambda s: s.name.encode())
            for sym in pending:
                sym.id = _probe(kind, sym.name, taken)
                taken[sym.id] = sym.name
        self._assigned = True

    def id(self, kind: Kind, name: str) -> int:
        if not self._assigned:
            raise RuntimeError("IDs are read before assign()")
        try:
            return self._symbols[kind][name].id
        except KeyError:
            raise KeyError(f"no {kind.name.lower()} named {name!r} in the symbol table") from None

    def alias(self, name: str) -> str:
        return self._suffixes.shortest_unique_suffix(name)

    def names(self, kind: Kind) -> list[str]:
        return list(self._symbols.get(kind, {}))


def _probe(kind: Kind, name: str, taken: dict[int, str]) -> int:
    start = jenkins_one_at_a_time(name.encode())
    prefix = int(kind) << 24
    for step in range(1 << 24):
        candidate = prefix | ((start + step) & _LOW24)
        if candidate not in taken:
            return candidate
    raise P4CompileError(None, f"no P4Runtime ID left for {name!r}")


def allocate_field_ids(explicit: list[int | None], what: list[str], loc: SourceLoc | None) -> list[int]:
    """IDs of match fields, action params, packet metadata and value-set
    fields: ``@id`` first, then 1, 2, ... by position, skipping taken values
    (p4c's FieldIdAllocator, including its position-based counter)."""
    taken: set[int] = set()
    for value, name in zip(explicit, what, strict=True):
        if value is None:
            continue
        if value == 0:
            raise P4CompileError(loc, f"{name}: 0 is not a valid @id value")
        if value in taken:
            raise P4CompileError(loc, f"{name}: @id {value} is used multiple times")
        taken.add(value)
    result: list[int] = []
    index = 1
    for value in explicit:
        if value is not None:
            result.append(value)
            index += 1
            continue
        while index in taken:
            index += 1
        result.append(index)
        taken.add(index)
    return result
