"""Source-like text of syntax-tree expressions: for diagnostics (p4c quotes
the offending expression) and for table key names (P4Info's match field
names are the key expressions as written)."""

from __future__ import annotations

from . import ast as A


def show_type(t: A.TypeRef) -> str:
    if isinstance(t, A.BaseTypeRef):
        return t.name if t.width is None else f"{t.name}<{show(t.width)}>"
    if isinstance(t, A.NamedTypeRef):
        base = ("." if t.dot else "") + t.name
        return base + (f"<{', '.join(show_type(a) for a in t.args)}>" if t.args else "")
    if isinstance(t, A.StackTypeRef):
        return f"{show_type(t.element)}[{show(t.size)}]"
    if isinstance(t, A.TupleTypeRef):
        return f"tuple<{', '.join(show_type(a) for a in t.elements)}>"
    return "_"


def show(e: A.Expr | None) -> str:
    if e is None:
        return "_"
    if isinstance(e, A.IntExpr):
        return e.text
    if isinstance(e, A.BoolExpr):
        return "true" if e.value else "false"
    if isinstance(e, A.StringExpr):
        return '"' + e.value + '"'
    if isinstance(e, A.NameExpr):
        return ("." if e.dot else "") + e.name
    if isinstance(e, A.TypeNameExpr):
        return show_type(e.ref)
    if isinstance(e, A.MemberExpr):
        return f"{show(e.base)}.{e.name}"
    if isinstance(e, A.IndexExpr):
        return f"{show(e.base)}[{show(e.index)}]"
    if isinstance(e, A.SliceExpr):
        return f"{show(e.base)}[{show(e.hi)}:{show(e.lo)}]"
    if isinstance(e, A.UnaryExpr):
        return f"{e.op}{_operand(e.operand)}"
    if isinstance(e, A.BinaryExpr):
        return f"{_operand(e.left)} {e.op} {_operand(e.right)}"
    if isinstance(e, A.CastExpr):
        return f"({show_type(e.type)}){_operand(e.operand)}"
    if isinstance(e, A.MuxExpr):
        return f"{_operand(e.cond)} ? {_operand(e.then)} : {_operand(e.otherwise)}"
    if isinstance(e, A.CallExpr):
        targs = f"<{', '.join(show_type(t) for t in e.type_args)}>" if e.type_args else ""
        args = ", ".join((f"{a.name} = " if a.name else "") + show(a.value) for a in e.args)
        return f"{show(e.callee)}{targs}({args})"
    if isinstance(e, A.ListExpr):
        if e.names:
            return "{" + ", ".join(f"{n} = {show(x)}" for n, x in zip(e.names, e.elements, strict=True)) + "}"
        return "{" + ", ".join(show(x) for x in e.elements) + "}"
    if isinstance(e, A.DontCareExpr):
        return "_"
    if isinstance(e, A.MaskExpr):
        return f"{show(e.value)} &&& {show(e.mask)}"
    if isinstance(e, A.RangeExpr):
        return f"{show(e.low)} .. {show(e.high)}"
    if isinstance(e, A.TupleKeyset):
        return "(" + ", ".join(show(x) for x in e.elements) + ")"
    return "<expr>"


def _operand(e: A.Expr) -> str:
    """An operand, parenthesized when it is itself an operation, so the text
    reads with the grouping the parser gave it."""
    text = show(e)
    return f"({text})" if isinstance(e, A.BinaryExpr | A.MuxExpr | A.CastExpr) else text
