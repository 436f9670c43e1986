"""Code for "data" arguments serialized the BMv2 way (hash inputs, checksum
field lists, selector keys, digest and log values).

BMv2 builds these buffers with BufBuilder: fields back to back, MSB first;
a field whose header is invalid is skipped entirely (it does not contribute
zeros). The code produced here is a single expression so it can also live
inside a lambda (selector keys are only serialized when a group is hit).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from p4sim import ir

if TYPE_CHECKING:
    from p4sim.engine.codegen import CodeGen

__all__ = ["parts_code", "pack_code", "selector_parts_code", "flat_values_code"]


def _member(base: ir.Expr, f: ir.StructField) -> ir.Member:
    return ir.Member(f.type, base.loc, base, f.name)


def _header_fields(gen: CodeGen, code: str, t: ir.HeaderType) -> str:
    pairs = []
    for f in t.fields:
        v = f"{code}.f_{f.name}"
        if isinstance(f.type, ir.BoolType):
            pairs.append(f"(int({v}), 1)")
        elif isinstance(f.type, ir.VarbitType):
            pairs.append(f"({v}[1], {v}[0])")
        else:
            pairs.append(f"({v}, {f.type.bit_width()})")
    return f"*(({''.join(p + ', ' for p in pairs)}) if {code}.valid else ())"


def parts_code(gen: CodeGen, e: ir.Expr) -> list[str]:
    """Items of a Python list display of (value, width) pairs."""
    t = e.type
    if isinstance(e, ir.ListExpr):
        out: list[str] = []
        for el in e.elements:
            out.extend(parts_code(gen, el))
        return out
    if isinstance(t, ir.HeaderType):
        return [_header_fields(gen, gen.ex(e), t)]
    if isinstance(t, ir.HeaderUnionType):
        code = gen.ex(e)
        return [_header_fields(gen, f"{code}.f_{f.name}", f.type) for f in t.fields]  # type: ignore[arg-type]
    if isinstance(t, ir.StructType):
        out = []
        for f in t.fields:
            out.extend(parts_code(gen, _member(e, f)))
        return out
    if isinstance(t, ir.StackType):
        code = gen.ex(e)
        assert isinstance(t.element, ir.HeaderType)
        return [_header_fields(gen, f"{code}.elems[{i}]", t.element) for i in range(t.size)]
    if isinstance(t, ir.TupleType):
        code = gen.ex(e)
        return [f"({code}[{i}], {et.bit_width()})" for i, et in enumerate(t.elements)]
    code = gen.ex(e)
    if isinstance(t, ir.BoolType):
        pair = f"(int({code}), 1)"
    elif isinstance(t, ir.VarbitType):
        pair = f"({code}[1], {code}[0])"
    else:
        pair = f"({code}, {t.bit_width()})"
    if isinstance(e, ir.Member) and isinstance(e.base.type, ir.HeaderType):
        return [f"*(({pair},) if {gen.ex(e.base)}.valid else ())"]
    return [pair]


def pack_code(gen: CodeGen, e: ir.Expr, payload: str | None = None) -> str:
    """Expression giving the serialized bytes of ``e`` (+ payload)."""
    code = f"pack_bits([{', '.join(parts_code(gen, e))}])"
    return f"({code} + {payload})" if payload else code


def selector_parts_code(gen: CodeGen, keys: list[ir.KeyElement]) -> str:
    items: list[str] = []
    for k in keys:
        items.extend(parts_code(gen, k.expr))
    return f"pack_bits([{', '.join(items)}])"


def flat_values_code(gen: CodeGen, e: ir.Expr) -> list[str]:
    """Scalar values of a struct/list in field order (digests, log_msg)."""
    t = e.type
    if isinstance(e, ir.ListExpr):
        out: list[str] = []
        for el in e.elements:
            out.extend(flat_values_code(gen, el))
        return out
    if isinstance(t, (ir.StructType, ir.HeaderType)):
        out = []
        for f in t.fields:
            out.extend(flat_values_code(gen, _member(e, f)))
        return out
    code = gen.ex(e)
    if isinstance(t, ir.BoolType):
        return [f"int({code})"]
    return [code]
