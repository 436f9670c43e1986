"""Run-time helpers the generated pipeline code calls.

Kept apart from the code generator so the hot path's building blocks are
plain, testable Python: exceptions that steer control flow (parser errors,
``exit``), the parser's view of the packet, header stacks, and the
arithmetic that is awkward to inline (shifts with run-time amounts,
saturating and signed operations).
"""

from __future__ import annotations

from collections.abc import Callable

__all__ = [
    "ParserError",
    "P4Exit",
    "PacketIn",
    "HeaderStack",
    "shl",
    "sat_add_s",
    "sat_sub_s",
    "div_u",
    "mod_u",
    "to_signed",
]


class ParserError(Exception):
    """Stops the parser; ``code`` is the error's index in Program.errors,
    or None for an explicit ``transition reject`` (parser_error unchanged)."""

    def __init__(self, code: int | None):
        super().__init__(code)
        self.code = code


class P4Exit(Exception):
    """``exit``: unwinds to the pipeline block that is running."""


class PacketIn:
    """The bytes being parsed and the extraction cursor (in bytes: BMv2
    requires headers to be a whole number of bytes)."""

    __slots__ = ("data", "pos", "n")

    def __init__(self, data: bytes):
        self.data = data
        self.pos = 0
        self.n = len(data)


class HeaderStack:
    """``H[size]``: elements plus the ``nextIndex`` the parser advances."""

    __slots__ = ("elems", "nxt", "size", "factory")

    def __init__(self, factory: Callable[[], object], size: int):
        self.factory = factory
        self.size = size
        self.elems = [factory() for _ in range(size)]
        self.nxt = 0

    def copy(self) -> HeaderStack:
        s = HeaderStack.__new__(HeaderStack)
        s.factory = self.factory
        s.size = self.size
        s.elems = [e.copy() for e in self.elems]
        s.nxt = self.nxt
        return s

    def set_from(self, other: HeaderStack) -> None:
        for mine, theirs in zip(self.elems, other.elems, strict=True):
            mine.set_from(theirs)
        self.nxt = other.nxt

    def reset(self) -> None:
        for e in self.elems:
            e.reset()
        self.nxt = 0

    def push_front(self, count: int) -> None:
        """Shift elements up by ``count``; the first ``count`` become invalid
        (P4 spec 8.18; nextIndex grows, capped at size)."""
        count = min(count, self.size)
        new = [self.factory() for _ in range(count)]
        self.elems = new + self.elems[: self.size - count]
        self.nxt = min(self.nxt + count, self.size)

    def pop_front(self, count: int) -> None:
        count = min(count, self.size)
        self.elems = self.elems[count:] + [self.factory() for _ in range(count)]
        self.nxt = max(self.nxt - count, 0)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, HeaderStack) and self.elems == other.elems

    __hash__ = None  # type: ignore[assignment]


def shl(value: int, amount: int, width: int) -> int:
    """``<<`` on bit<W>/int<W>: bits shifted past the width are lost; an
    amount >= W gives 0 (guarded so a huge amount cannot allocate)."""
    if amount >= width:
        return 0
    return (value << amount) & ((1 << width) - 1)


def to_signed(value: int, width: int) -> int:
    half = 1 << (width - 1)
    return (value ^ half) - half


def sat_add_s(a: int, b: int, width: int) -> int:
    """Signed saturating add on two's-complement patterns."""
    r = to_signed(a, width) + to_signed(b, width)
    hi = (1 << (width - 1)) - 1
    lo = -(1 << (width - 1))
    return max(lo, min(hi, r)) & ((1 << width) - 1)


def sat_sub_s(a: int, b: int, width: int) -> int:
    r = to_signed(a, width) - to_signed(b, width)
    hi = (1 << (width - 1)) - 1
    lo = -(1 << (width - 1))
    return max(lo, min(hi, r)) & ((1 << width) - 1)


def div_u(a: int, b: int) -> int:
    """Unsigned division; BMv2 has no defined result for a zero divisor,
    we give 0 rather than crash the packet."""
    return a // b if b else 0


def mod_u(a: int, b: int) -> int:
    return a % b if b else 0


def div_s(a: int, b: int, width: int) -> int:
    sa, sb = to_signed(a, width), to_signed(b, width)
    if sb == 0:
        return 0
    q = abs(sa) // abs(sb)
    if (sa < 0) != (sb < 0):
        q = -q
    return q & ((1 << width) - 1)


def mod_s(a: int, b: int, width: int) -> int:
    sa, sb = to_signed(a, width), to_signed(b, width)
    if sb == 0:
        return 0
    r = abs(sa) % abs(sb)
    if sa < 0:
        r = -r
    return r & ((1 << width) - 1)
