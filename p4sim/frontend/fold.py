"""Compile-time evaluation of operators on constants.

P4 needs it for everything that must be a constant (widths, stack sizes,
table entries, select labels) and p4c folds every constant subexpression,
so the engine never sees ``8w3 + 8w4``. Values follow the IR convention:
``bit<N>``/``int<N>`` as unsigned N-bit patterns, ``int`` as Python ints.
"""

from __future__ import annotations

from p4sim import ir
from p4sim.errors import P4CompileError

from .typesys import BOOL, INT


def to_signed(v: int, w: int) -> int:
    return v - (1 << w) if v >> (w - 1) & 1 else v


def numeric(c: ir.Const) -> int:
    """The mathematical value of a constant of a bits or int type."""
    t = c.type
    v = c.value
    assert isinstance(v, int)
    if isinstance(t, ir.BitsType) and t.signed:
        return to_signed(v, t.width)
    return v


def make(t: ir.Type, v: int, loc: ir.SourceLoc) -> ir.Const:
    """A constant of type ``t`` holding the mathematical value ``v`` wrapped
    to the type (two's complement for both bit<N> and int<N>)."""
    if isinstance(t, ir.BitsType):
        return ir.Const(t, loc, v & ((1 << t.width) - 1))
    if isinstance(t, ir.BoolType):
        return ir.Const(t, loc, bool(v))
    return ir.Const(t, loc, v)


def fold_unary(op: str, c: ir.Const, loc: ir.SourceLoc) -> ir.Const:
    t = c.type
    if op == "!":
        return ir.Const(BOOL, loc, not c.value)
    if op == "-":
        return make(t, -numeric(c), loc)
    if op == "~":
        if isinstance(t, ir.IntType):
            return ir.Const(t, loc, ~numeric(c))
        return make(t, ~c.value, loc)  # type: ignore[operator]
    raise P4CompileError(loc, f"cannot evaluate {op}")


def fold_binary(op: str, a: ir.Const, b: ir.Const, result: ir.Type, loc: ir.SourceLoc) -> ir.Const:
    """``a op b``; operands already have their final types, ``result`` is the
    result type the checker computed."""
    if op in ("&&", "||"):
        return ir.Const(BOOL, loc, (a.value and b.value) if op == "&&" else (a.value or b.value))
    if isinstance(a.type, ir.BoolType) and op in ("==", "!="):
        return ir.Const(BOOL, loc, (a.value == b.value) == (op == "=="))
    x, y = numeric(a), numeric(b)
    t = a.type
    if op in ("==", "!=", "<", "<=", ">", ">="):
        r = {"==": x == y, "!=": x != y, "<": x < y, "<=": x <= y, ">": x > y, ">=": x >= y}[op]
        return ir.Const(BOOL, loc, r)
    if op == "++":
        assert isinstance(a.type, ir.BitsType) and isinstance(b.type, ir.BitsType)
        return ir.Const(result, loc, (a.value << b.type.width) | b.value)  # type: ignore[operator]
    if op == "<<":
        if isinstance(t, ir.IntType):
            return ir.Const(INT, loc, x << y)
        return make(t, a.value << y, loc)  # type: ignore[operator]
    if op == ">>":
        return make(t, x >> y, loc)
    if op in ("/", "%"):
        what = "Division" if op == "/" else "Modulo"
        if x < 0 or y < 0:
            raise P4CompileError(loc, f"{what} is not defined for negative numbers")
        if y == 0:
            raise P4CompileError(loc, f"{what} by zero")
        return make(t, x // y if op == "/" else x % y, loc)
    if op in ("|+|", "|-|"):
        r = x + y if op == "|+|" else x - y
        if isinstance(t, ir.BitsType):
            if t.signed:
                lo, hi = -(1 << (t.width - 1)), (1 << (t.width - 1)) - 1
            else:
                lo, hi = 0, (1 << t.width) - 1
            r = max(lo, min(hi, r))
        return make(t, r, loc)
    r = {
        "+": lambda: x + y,
        "-": lambda: x - y,
        "*": lambda: x * y,
        "&": lambda: x & y,
        "|": lambda: x | y,
        "^": lambda: x ^ y,
    }[op]()
    return make(t, r, loc)


def fold_cast(c: ir.Const, to: ir.Type, loc: ir.SourceLoc) -> ir.Expr:
    src = c.type
    if isinstance(to, ir.BitsType):
        if isinstance(src, ir.BoolType):
            return ir.Const(to, loc, 1 if c.value else 0)
        if isinstance(src, ir.BitsType):
            v = numeric(c) if src.signed else c.value
            return make(to, v, loc)  # type: ignore[arg-type]
        return make(to, numeric(c), loc)
    if isinstance(to, ir.BoolType):
        return ir.Const(BOOL, loc, bool(c.value))
    if isinstance(to, ir.IntType):
        return ir.Const(INT, loc, numeric(c))
    if isinstance(to, ir.EnumType) and to.underlying is not None:
        v = make(to.underlying, numeric(c) if not isinstance(src, ir.IntType) else c.value, loc).value
        for name, val in to.values.items():
            if val == v:
                return ir.EnumMember(to, loc, name, val)
        return ir.Cast(to, loc, ir.Const(to.underlying, loc, v))
    return ir.Cast(to, loc, c)


__all__ = ["fold_unary", "fold_binary", "fold_cast", "make", "numeric", "to_signed"]
