"""Type references to IR types, and the type relations P4 needs.

``resolve_type`` turns a written type into an ``ir.Type``: typedefs vanish,
widths are evaluated (they may be named constants), extern types get their
type arguments. ``same_type`` is the equality P4 uses when it checks that
two operands or an assignment agree.
"""

from __future__ import annotations

from collections.abc import Callable

from p4sim import ir
from p4sim.errors import P4CompileError

from . import ast as A
from .lexer import MAX_WIDTH
from .scope import BlockTypeEntity, ExternTypeEntity, Scope, TypeEntity, TypeVar

BOOL = ir.BoolType()
INT = ir.IntType()
VOID = ir.VoidType()
STRING = ir.StringType()
ERROR = ir.ErrorType()
MATCH_KIND = ir.MatchKindType()
BIT32 = ir.BitsType(32)
MAX_STACK = 4096


def bits(width: int, signed: bool = False) -> ir.BitsType:
    return ir.BitsType(width, signed)


def resolve_type(
    ref: A.TypeRef,
    scope: Scope,
    eval_int: Callable[[A.Expr, Scope], int],
    tvars: dict[str, ir.Type] | None = None,
) -> ir.Type:
    """The IR type a reference denotes; ``tvars`` binds type parameters."""
    if isinstance(ref, A.BaseTypeRef):
        n = ref.name
        if n in ("bit", "int", "varbit"):
            if ref.width is None:
                return INT if n == "int" else bits(1)
            w = eval_int(ref.width, scope)
            if w > MAX_WIDTH:
                raise P4CompileError(ref.loc, f"{n}<{w}>: width too large (at most {MAX_WIDTH} bits)")
            if n == "varbit":
                if w <= 0:
                    raise P4CompileError(ref.loc, f"varbit<{w}>: width must be positive")
                return ir.VarbitType(w)
            if w <= 0 or (n == "int" and w < 2 and w != 1):
                raise P4CompileError(ref.loc, f"{n}<{w}>: invalid type width")
            return bits(w, n == "int")
        return {"bool": BOOL, "error": ERROR, "string": STRING, "void": VOID, "match_kind": MATCH_KIND}[n]
    if isinstance(ref, A.NamedTypeRef):
        if tvars and ref.name in tvars and not ref.dot:
            return tvars[ref.name]
        ent = (scope.root() if ref.dot else scope).lookup(ref.name)
        if isinstance(ent, TypeEntity):
            if ref.args:
                raise P4CompileError(ref.loc, f"{ref.name}: type is not generic")
            return ent.type
        if isinstance(ent, ExternTypeEntity):
            args = tuple(resolve_type(a, scope, eval_int, tvars) for a in ref.args)
            return ir.ExternType(ref.name, args)
        if isinstance(ent, BlockTypeEntity):
            return ir.ExternType(ref.name, ())
        if ent is None:
            raise P4CompileError(ref.loc, f"{ref.name}: declaration not found")
        raise P4CompileError(ref.loc, f"{ref.name}: is not a type")
    if isinstance(ref, A.StackTypeRef):
        elem = resolve_type(ref.element, scope, eval_int, tvars)
        if not isinstance(elem, ir.HeaderType | ir.HeaderUnionType):
            raise P4CompileError(ref.loc, f"{elem}: header stack elements must be headers or header unions")
        size = eval_int(ref.size, scope)
        if size > MAX_STACK:
            raise P4CompileError(ref.size.loc, f"{size}: header stack size too large (at most {MAX_STACK})")
        if size <= 0:
            raise P4CompileError(ref.size.loc, f"{size}: header stack size must be positive")
        return ir.StackType(elem, size)
    if isinstance(ref, A.TupleTypeRef):
        return ir.TupleType(tuple(resolve_type(e, scope, eval_int, tvars) for e in ref.elements))
    if isinstance(ref, A.DontCareTypeRef):
        return TypeVar("_")
    raise P4CompileError(ref.loc, "unsupported type")


def same_type(a: ir.Type, b: ir.Type) -> bool:
    if a is b:
        return True
    if isinstance(a, ir.BitsType | ir.BoolType | ir.VarbitType | ir.IntType | ir.StringType
                  | ir.ErrorType | ir.VoidType | ir.MatchKindType):
        return a == b
    if isinstance(a, ir.StackType) and isinstance(b, ir.StackType):
        return a.size == b.size and same_type(a.element, b.element)
    if isinstance(a, ir.TupleType) and isinstance(b, ir.TupleType):
        return len(a.elements) == len(b.elements) and all(
            same_type(x, y) for x, y in zip(a.elements, b.elements, strict=True))
    if isinstance(a, ir.ExternType) and isinstance(b, ir.ExternType):
        return a.name == b.name and len(a.type_args) == len(b.type_args) and all(
            same_type(x, y) for x, y in zip(a.type_args, b.type_args, strict=True))
    return False


def substitute(t: ir.Type, binding: dict[str, ir.Type]) -> ir.Type:
    """Replace bound type variables inside ``t``."""
    if isinstance(t, TypeVar):
        return binding.get(t.name, t)
    if isinstance(t, ir.TupleType):
        return ir.TupleType(tuple(substitute(e, binding) for e in t.elements))
    if isinstance(t, ir.ExternType) and t.type_args:
        return ir.ExternType(t.name, tuple(substitute(e, binding) for e in t.type_args))
    return t


def has_typevar(t: ir.Type) -> bool:
    if isinstance(t, TypeVar):
        return True
    if isinstance(t, ir.TupleType):
        return any(has_typevar(e) for e in t.elements)
    if isinstance(t, ir.ExternType):
        return any(has_typevar(e) for e in t.type_args)
    return False


def unify(param: ir.Type, arg: ir.Type, binding: dict[str, ir.Type]) -> None:
    """Bind type variables of ``param`` from ``arg`` (first binding wins;
    the caller checks compatibility afterwards by coercion)."""
    if isinstance(param, TypeVar):
        if param.name not in binding and not isinstance(arg, ir.IntType) and not has_typevar(arg):
            binding[param.name] = arg
        return
    if isinstance(param, ir.TupleType) and isinstance(arg, ir.TupleType) and len(param.elements) == len(
            arg.elements):
        for p, a in zip(param.elements, arg.elements, strict=True):
            unify(p, a, binding)
    if isinstance(param, ir.ExternType) and isinstance(arg, ir.ExternType) and len(param.type_args) == len(
            arg.type_args):
        for p, a in zip(param.type_args, arg.type_args, strict=True):
            unify(p, a, binding)


def fits_width(t: ir.Type) -> bool:
    """Types with a fixed bit width (for keys, casts, lookahead)."""
    try:
        t.bit_width()
    except (TypeError, AttributeError):
        return False
    return True
