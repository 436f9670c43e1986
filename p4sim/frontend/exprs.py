"""Expressions: names resolved, types checked, ``int`` literals given their
contextual width, constants folded.

Typing is bottom-up: an unsized literal has type ``int`` until an operator
or an assignment meets it with a sized operand, where ``coerce`` gives it
that width (P4's implicit cast). ``int`` values are always constants, so
coercion only ever rewrites a ``Const`` (or the arms of a ``?:``).

Names that are not values (a table, a type, an extern function...) lower
to small front-end-only references (``*Ref`` below) that the caller turns
into a call, a member access or an error.
"""

from __future__ import annotations

from dataclasses import dataclass

from p4sim import ir
from p4sim.errors import P4CompileError

from . import ast as A
from . import fold
from .context import Context, Env
from .scope import (
    ActionEntity,
    BlockTypeEntity,
    ExternFuncEntity,
    ExternTypeEntity,
    FunctionEntity,
    MatchKindEntity,
    Scope,
    TypeEntity,
    TypeVar,
    did_you_mean,
)
from .show import show
from .typesys import BIT32, BOOL, ERROR, INT, MATCH_KIND, STRING, bits, resolve_type, same_type

# --------------------------------------------------------------- references


@dataclass(eq=False, slots=True)
class Ref:
    loc: ir.SourceLoc


@dataclass(eq=False, slots=True)
class TypeRefR(Ref):
    type: ir.Type
    decl: object = None  # ExternDecl / ParserDecl / ControlDecl for instantiable types


@dataclass(eq=False, slots=True)
class TableR(Ref):
    table: ir.Table


@dataclass(eq=False, slots=True)
class ActionR(Ref):
    action: ir.Action


@dataclass(eq=False, slots=True)
class InstanceR(Ref):
    instance: ir.ControlInstance | ir.ParserInstance


@dataclass(eq=False, slots=True)
class FuncR(Ref):
    name: str
    entity: ExternFuncEntity | FunctionEntity


@dataclass(eq=False, slots=True)
class MethodR(Ref):
    """``kind``: "builtin" (isValid, push_front...), "extern" (method of an
    extern object or packet_in/out), "table" (apply), "instance" (apply),
    "typebuiltin" (T.minSizeInBits)."""

    kind: str
    target: object
    name: str


# ``t.apply()`` and ``t.apply().action_run`` have no P4 value type: the IR
# marks them void (TableApply.result tells them apart).
APPLY_RESULT = ir.VoidType()
ACTION_RUN = ir.VoidType()
DONTCARE = TypeVar("_")


def is_const(e: ir.Expr) -> bool:
    if isinstance(e, ir.Const | ir.EnumMember | ir.ErrorMember | ir.MatchKindMember):
        return True
    if isinstance(e, ir.ListExpr):
        return all(is_const(x) for x in e.elements)
    return False


def copy_const(e: ir.Expr, loc: ir.SourceLoc) -> ir.Expr:
    if isinstance(e, ir.Const):
        return ir.Const(e.type, loc, e.value)
    if isinstance(e, ir.EnumMember):
        return ir.EnumMember(e.type, loc, e.member, e.value)
    if isinstance(e, ir.ErrorMember):
        return ir.ErrorMember(e.type, loc, e.name, e.code)
    if isinstance(e, ir.ListExpr):
        return ir.ListExpr(e.type, loc, [copy_const(x, loc) for x in e.elements],
                           list(e.names) if e.names is not None else None)
    return e


def is_lvalue(e: ir.Expr) -> bool:
    if isinstance(e, ir.VarRef):
        d = e.decl
        if isinstance(d, ir.Param):
            return d.direction in ("out", "inout")
        return True
    if isinstance(e, ir.Member | ir.StackIndex | ir.Slice):
        return is_lvalue(e.base)
    if isinstance(e, ir.StackProp):
        return e.prop in ("next", "last") and is_lvalue(e.base)
    return False


class ExprLowerer:
    """Lowers expressions for one program (holds the shared Context)."""

    def __init__(self, ctx: Context):
        self.ctx = ctx
        self.calls = None  # set by the program lowerer: a calls.CallLowerer
        # base of the literal each named constant was written with (id of the
        # ir.Constant -> 16, 2 or 8), so that key names print it as p4c does
        self.const_base: dict[int, int] = {}

    # ------------------------------------------------------------ utilities

    def resolve_type(self, ref: A.TypeRef, scope: Scope, tvars: dict[str, ir.Type] | None = None) -> ir.Type:
        return resolve_type(ref, scope, self._eval_int_scope, tvars)

    def _eval_int_scope(self, e: A.Expr, scope: Scope) -> int:
        return self.const_int(e, Env(scope, "global"))

    def const_int(self, e: A.Expr, env: Env) -> int:
        v = self.value(e, env)
        if not isinstance(v, ir.Const) or isinstance(v.value, bool) or not isinstance(v.value, int):
            raise P4CompileError(e.loc, f"{show(e)}: Compile-time constant expected")
        return fold.numeric(v)

    def constant(self, e: A.Expr, env: Env, ty: ir.Type | None = None) -> ir.Expr:
        """A compile-time constant value (coerced to ``ty`` if given)."""
        v = self.value(e, env)
        if ty is not None:
            v = self.coerce(v, ty, e.loc, show(e))
        if not is_const(v):
            raise P4CompileError(e.loc, f"{show(e)}: Compile-time constant expected")
        return v

    def value(self, e: A.Expr, env: Env) -> ir.Expr:
        r = self.lower(e, env)
        if isinstance(r, Ref):
            raise P4CompileError(e.loc, f"{show(e)}: is not a value")
        return r

    # ------------------------------------------------------------- coercion

    def coerce(self, e: ir.Expr, to: ir.Type, loc: ir.SourceLoc, what: str = "") -> ir.Expr:
        """``e`` as a value of type ``to``: P4's implicit casts (int literals,
        list expressions to structs/headers/tuples), or an error."""
        t = e.type
        if same_type(t, to) or isinstance(to, TypeVar):
            return e
        if isinstance(t, ir.IntType):
            if isinstance(e, ir.Const) and isinstance(to, ir.BitsType):
                return fold.make(to, e.value, e.loc)  # type: ignore[arg-type]
            if isinstance(e, ir.Mux):
                return ir.Mux(to, e.loc, e.cond, self.coerce(e.then, to, loc, what),
                              self.coerce(e.otherwise, to, loc, what))
            if isinstance(e, ir.Const) and isinstance(to, ir.EnumType) and to.underlying is not None:
                return fold.fold_cast(e, to, e.loc)
        if isinstance(e, ir.ListExpr):
            if isinstance(to, ir.StructLikeType):
                return self._list_to_struct(e, to, loc, what)
            if isinstance(to, ir.TupleType) and len(to.elements) == len(e.elements):
                elems = [self.coerce(x, tt, loc, what) for x, tt in zip(e.elements, to.elements, strict=True)]
                return ir.ListExpr(to, e.loc, elems, e.names)
        if isinstance(e, ir.DontCare):
            return ir.DontCare(to, e.loc)
        if isinstance(t, ir.EnumType) and t.underlying is not None and same_type(t.underlying, to):
            # p4c accepts a serializable enum where its underlying type is expected
            if isinstance(e, ir.EnumMember) and e.value is not None:
                return ir.Const(to, e.loc, e.value)
            return ir.Cast(to, e.loc, e)
        if isinstance(to, ir.EnumType) and to.underlying is not None and isinstance(e, ir.Const) and \
                isinstance(t, ir.BitsType) and same_type(t, to.underlying):
            return fold.fold_cast(e, to, e.loc)
        where = f"'{what}'" if what else "expression"
        raise P4CompileError(loc, f"{where}: Cannot unify type '{t}' with type '{to}'")

    def _list_to_struct(self, e: ir.ListExpr, to: ir.StructLikeType, loc: ir.SourceLoc, what: str) -> ir.Expr:
        fields = to.fields
        if e.names is not None:
            byname = dict(zip(e.names, e.elements, strict=True))
            missing = [f.name for f in fields if f.name not in byname]
            extra = [n for n in e.names if all(f.name != n for f in fields)]
            if missing or extra:
                raise P4CompileError(loc, f"'{what}': initializer for {to.name} does not match its fields"
                                     f"{' (missing ' + ', '.join(missing) + ')' if missing else ''}"
                                     f"{' (unknown ' + ', '.join(extra) + ')' if extra else ''}")
            elems = [self.coerce(byname[f.name], f.type, loc, what) for f in fields]
        else:
            if len(e.elements) != len(fields):
                raise P4CompileError(loc, f"'{what}': {len(e.elements)} values for {to.name}, "
                                          f"which has {len(fields)} fields")
            elems = [self.coerce(x, f.type, loc, what) for x, f in zip(e.elements, fields, strict=True)]
        return ir.ListExpr(to, e.loc, elems, [f.name for f in fields])

    # ---------------------------------------------------------------- lower

    def lower(self, e: A.Expr, env: Env) -> ir.Expr | Ref:
        m = getattr(self, "_" + type(e).__name__, None)
        if m is None:
            raise P4CompileError(e.loc, f"{show(e)}: unexpected expression here")
        return m(e, env)

    def _IntExpr(self, e: A.IntExpr, env: Env) -> ir.Expr:
        lit = e.lit
        if lit.width is None:
            return ir.Const(INT, e.loc, lit.value)
        t = bits(lit.width, lit.signed)
        return fold.make(t, lit.value, e.loc)

    def _BoolExpr(self, e: A.BoolExpr, env: Env) -> ir.Expr:
        return ir.Const(BOOL, e.loc, e.value)

    def _StringExpr(self, e: A.StringExpr, env: Env) -> ir.Expr:
        return ir.Const(STRING, e.loc, e.value)

    def _DontCareExpr(self, e: A.DontCareExpr, env: Env) -> ir.Expr:
        return ir.DontCare(DONTCARE, e.loc)

    def _NameExpr(self, e: A.NameExpr, env: Env) -> ir.Expr | Ref:
        scope = env.scope.root() if e.dot else env.scope
        ent = scope.lookup(e.name)
        if ent is None:
            raise P4CompileError(e.loc, f"{e.name}: declaration not found"
                                        f"{did_you_mean(e.name, scope.visible_names())}")
        return self.entity_ref(ent, e.name, e.loc)

    def entity_ref(self, ent: object, name: str, loc: ir.SourceLoc) -> ir.Expr | Ref:
        if isinstance(ent, ir.Param | ir.Variable):
            return ir.VarRef(ent.type, loc, ent)
        if isinstance(ent, ir.Constant):
            return copy_const(ent.value, loc)  # type: ignore[arg-type]
        if isinstance(ent, TypeEntity):
            return TypeRefR(loc, ent.type)
        if isinstance(ent, ExternTypeEntity):
            return TypeRefR(loc, ir.ExternType(name), ent.decl)
        if isinstance(ent, BlockTypeEntity):
            return TypeRefR(loc, ir.ExternType(name), ent.decl)
        if isinstance(ent, ir.Table):
            return TableR(loc, ent)
        if isinstance(ent, ActionEntity):
            return ActionR(loc, ent.action)
        if isinstance(ent, ir.ExternInstance):
            return ir.ExternRef(ent.type, loc, ent)
        if isinstance(ent, ir.ControlInstance | ir.ParserInstance):
            return InstanceR(loc, ent)
        if isinstance(ent, ExternFuncEntity | FunctionEntity):
            return FuncR(loc, name, ent)
        if isinstance(ent, MatchKindEntity):
            return ir.MatchKindMember(MATCH_KIND, loc, ent.name)
        if isinstance(ent, ir.ValueSet):
            return ir.ValueSetRef(ent.element_type, loc, ent)
        raise P4CompileError(loc, f"{name}: cannot be used here")

    def _TypeNameExpr(self, e: A.TypeNameExpr, env: Env) -> ir.Expr | Ref:
        ref = e.ref
        if isinstance(ref, A.NamedTypeRef) and not ref.args:
            ent = (env.scope.root() if ref.dot else env.scope).lookup(ref.name)
            if isinstance(ent, ir.Param | ir.Variable | ir.Constant):
                # a value declared with the name of a type shadows the type
                return self.entity_ref(ent, ref.name, e.loc)
            if isinstance(ent, ExternTypeEntity | BlockTypeEntity):
                return TypeRefR(e.loc, ir.ExternType(ref.name), ent.decl)
        t = self.resolve_type(ref, env.scope)
        decl = None
        if isinstance(ref, A.NamedTypeRef):
            ent = env.scope.lookup(ref.name)
            if isinstance(ent, ExternTypeEntity | BlockTypeEntity):
                decl = ent.decl
        return TypeRefR(e.loc, t, decl)

    # -------------------------------------------------------------- members

    def _MemberExpr(self, e: A.MemberExpr, env: Env) -> ir.Expr | Ref:
        base = self.lower(e.base, env)
        return self.member(base, e.name, e.loc, e, env)

    def member(self, base: ir.Expr | Ref, name: str, loc: ir.SourceLoc, src: A.Expr,
               env: Env) -> ir.Expr | Ref:
        if isinstance(base, TypeRefR):
            t = base.type
            if isinstance(t, ir.EnumType):
                if name not in t.members:
                    raise P4CompileError(loc, f"{name}: not a member of enum {t.name}")
                return ir.EnumMember(t, loc, name, t.values.get(name))
            if isinstance(t, ir.ErrorType):
                code = self.ctx.error_code(name)
                if code is None:
                    raise P4CompileError(loc, f"error.{name}: declaration not found")
                return ir.ErrorMember(ERROR, loc, name, code)
            if name in ("minSizeInBits", "minSizeInBytes", "maxSizeInBits", "maxSizeInBytes"):
                return MethodR(loc, "typebuiltin", t, name)
            raise P4CompileError(loc, f"{show(src)}: {name} is not a member of type {t}")
        if isinstance(base, TableR):
            if name != "apply":
                raise P4CompileError(loc, f"{show(src)}: tables only have an apply method")
            return MethodR(loc, "table", base.table, name)
        if isinstance(base, InstanceR):
            if name != "apply":
                raise P4CompileError(loc, f"{show(src)}: only apply can be called on {base.instance.type_name}")
            return MethodR(loc, "instance", base.instance, name)
        if isinstance(base, Ref):
            raise P4CompileError(loc, f"{show(src)}: has no member {name}")
        t = base.type
        if isinstance(base, ir.TableApply) and base.result == "":
            if name in ("hit", "miss"):
                return ir.TableApply(BOOL, loc, base.table, name)
            if name == "action_run":
                return ir.TableApply(ACTION_RUN, loc, base.table, name)
            raise P4CompileError(loc, f"{show(src)}: table apply results are hit, miss and action_run")
        if isinstance(t, ir.StructLikeType):
            if isinstance(t, ir.HeaderType | ir.HeaderUnionType) and name in ("isValid", "setValid", "setInvalid"):
                return MethodR(loc, "builtin", base, name)
            if name in ("minSizeInBits", "minSizeInBytes", "maxSizeInBits", "maxSizeInBytes"):
                return MethodR(loc, "typebuiltin", t, name)
            for f in t.fields:
                if f.name == name:
                    return ir.Member(f.type, loc, base, name)
            kind = "header" if isinstance(t, ir.HeaderType) else "structure"
            raise P4CompileError(loc, f"Field {name} is not a member of {kind} {t.name}"
                                      f"{did_you_mean(name, [f.name for f in t.fields])}")
        if isinstance(t, ir.StackType):
            if name in ("next", "last"):
                if env.kind not in ("parser", "state"):
                    raise P4CompileError(loc, f"{show(src)}: 'last', and 'next' for stacks can only be used in "
                                              f"a parser")
                return ir.StackProp(t.element, loc, base, name)
            if name == "lastIndex":
                return ir.StackProp(BIT32, loc, base, name)
            if name == "size":
                return ir.Const(BIT32, loc, t.size)
            if name in ("push_front", "pop_front"):
                return MethodR(loc, "builtin", base, name)
            raise P4CompileError(loc, f"{show(src)}: header stacks have no member {name}")
        if isinstance(t, ir.ExternType):
            return MethodR(loc, "extern", base, name)
        raise P4CompileError(loc, f"{show(src)}: type {t} has no member {name}")

    def _IndexExpr(self, e: A.IndexExpr, env: Env) -> ir.Expr:
        base = self.value(e.base, env)
        t = base.type
        if not isinstance(t, ir.StackType):
            raise P4CompileError(e.loc, f"{show(e)}: indexing applies only to header stacks, not {t}")
        idx = self.value(e.index, env)
        if isinstance(idx, ir.Const):
            if isinstance(idx.type, ir.IntType):
                if idx.value < 0:  # type: ignore[operator]
                    raise P4CompileError(e.index.loc, f"{show(e)}: negative array index")
                idx = ir.Const(BIT32, idx.loc, idx.value)
            if fold.numeric(idx) >= t.size:
                raise P4CompileError(e.index.loc, f"{show(e)}: index {fold.numeric(idx)} out of bounds "
                                                  f"(stack size {t.size})")
        elif not isinstance(idx.type, ir.BitsType):
            raise P4CompileError(e.index.loc, f"{show(e.index)}: array index must be a number, not {idx.type}")
        return ir.StackIndex(t.element, e.loc, base, idx)

    def _SliceExpr(self, e: A.SliceExpr, env: Env) -> ir.Expr:
        base = self.value(e.base, env)
        hi = self.const_int(e.hi, env)
        lo = self.const_int(e.lo, env)
        t = base.type
        if isinstance(t, ir.IntType) and isinstance(base, ir.Const):
            v = (base.value >> lo) & ((1 << (hi - lo + 1)) - 1)  # type: ignore[operator]
            return ir.Const(bits(hi - lo + 1), e.loc, v)
        if not isinstance(t, ir.BitsType):
            raise P4CompileError(e.loc, f"{show(e)}: bit slices apply only to bit<N> or int<N> values, not {t}")
        if hi < lo:
            raise P4CompileError(e.loc, f"{show(e)}: bit slice indices must be in the order [high:low]")
        if hi >= t.width or lo < 0:
            raise P4CompileError(e.loc, f"{show(e)}: bit index {hi} greater than width {t.width}")
        rt = bits(hi - lo + 1)
        if isinstance(base, ir.Const):
            return ir.Const(rt, e.loc, (base.value >> lo) & ((1 << (hi - lo + 1)) - 1))  # type: ignore[operator]
        return ir.Slice(rt, e.loc, base, hi, lo)

    # ------------------------------------------------------------ operators

    def _UnaryExpr(self, e: A.UnaryExpr, env: Env) -> ir.Expr:
        v = self.value(e.operand, env)
        t = v.type
        if e.op == "!":
            if not isinstance(t, ir.BoolType):
                raise P4CompileError(e.loc, f"{show(e)}: ! cannot be applied to an operand of type {t}")
        elif e.op == "~":
            if not isinstance(t, ir.BitsType | ir.IntType):
                raise P4CompileError(e.loc, f"{show(e)}: ~ cannot be applied to an operand of type {t}")
        elif e.op == "-" and not isinstance(t, ir.BitsType | ir.IntType):
            raise P4CompileError(e.loc, f"{show(e)}: - cannot be applied to an operand of type {t}")
        if isinstance(v, ir.Const):
            return fold.fold_unary(e.op, v, e.loc)
        if isinstance(t, ir.IntType):
            raise P4CompileError(e.loc, f"{show(e)}: could not infer a width: cast the operand to bit<N> or int<N>")
        return ir.Unary(t, e.loc, e.op, v)

    def _BinaryExpr(self, e: A.BinaryExpr, env: Env) -> ir.Expr:
        left = self.value(e.left, env)
        right = self.value(e.right, env)
        return self.binary(e.op, left, right, e.loc, show(e))

    def binary(self, op: str, left: ir.Expr, right: ir.Expr, loc: ir.SourceLoc, text: str) -> ir.Expr:
        lt, rt = left.type, right.type
        if op in ("&&", "||"):
            for side, st in ((left, lt), (right, rt)):
                if not isinstance(st, ir.BoolType):
                    raise P4CompileError(side.loc, f"{text}: {op} expects bool operands, not {st}")
            result: ir.Type = BOOL
        elif op in ("<<", ">>"):
            if not isinstance(lt, ir.BitsType | ir.IntType):
                raise P4CompileError(loc, f"{text}: left operand of shift must be a numeric type, not {lt}")
            if isinstance(rt, ir.BitsType) and rt.signed:
                raise P4CompileError(loc, f"{text}: shift amount must be an unsigned number")
            if isinstance(rt, ir.IntType):
                if isinstance(right, ir.Const) and right.value < 0:  # type: ignore[operator]
                    raise P4CompileError(loc, f"{text}: shift amount must be positive")
            elif not isinstance(rt, ir.BitsType):
                raise P4CompileError(loc, f"{text}: shift amount must be a number, not {rt}")
            if isinstance(lt, ir.IntType) and not isinstance(right, ir.Const):
                raise P4CompileError(loc, f"{text}: shift of an int by a non-constant: "
                                          f"the left operand needs a width")
            if isinstance(lt, ir.IntType) and not isinstance(left, ir.Const):
                raise P4CompileError(loc, f"{text}: could not infer a width: cast the left operand to bit<N> "
                                          f"or int<N>")
            if isinstance(left, ir.Const) and isinstance(right, ir.Const):
                return fold.fold_binary(op, left, right, lt, loc)
            if isinstance(rt, ir.IntType):
                right = ir.Const(bits(max(1, int(right.value).bit_length())), right.loc, right.value)  # type: ignore
            return ir.Binary(lt, loc, op, left, right)
        elif op == "++":
            if isinstance(lt, ir.IntType) or isinstance(rt, ir.IntType):
                bad = left if isinstance(lt, ir.IntType) else right
                raise P4CompileError(bad.loc, f"{text}: Concatenation of an int needs a width")
            if not isinstance(lt, ir.BitsType) or not isinstance(rt, ir.BitsType):
                raise P4CompileError(loc, f"{text}: ++ applies to bit<N>/int<N> operands, not {lt} and {rt}")
            result = bits(lt.width + rt.width, lt.signed)
        else:
            left, right = self.unify_operands(left, right, loc, text)
            t = left.type
            if op in ("==", "!="):
                result = BOOL
            elif op in ("<", "<=", ">", ">="):
                if not isinstance(t, ir.BitsType | ir.IntType):
                    raise P4CompileError(loc, f"{text}: {op} is not defined on {t}")
                result = BOOL
            else:
                if not isinstance(t, ir.BitsType | ir.IntType):
                    raise P4CompileError(loc, f"{text}: {op} is not defined on {t}")
                if op in ("/", "%") and isinstance(t, ir.BitsType) and t.signed:
                    raise P4CompileError(loc, f"{text}: {op} is not defined on signed values")
                result = t
        if isinstance(left, ir.Const) and isinstance(right, ir.Const):
            return fold.fold_binary(op, left, right, result, loc)
        if isinstance(left.type, ir.IntType):
            raise P4CompileError(loc, f"{text}: could not infer a width: cast an operand to bit<N> or int<N>")
        return ir.Binary(result, loc, op, left, right)

    def unify_operands(self, left: ir.Expr, right: ir.Expr, loc: ir.SourceLoc,
                       text: str) -> tuple[ir.Expr, ir.Expr]:
        lt, rt = left.type, right.type
        if same_type(lt, rt):
            return left, right
        if isinstance(lt, ir.IntType) and not isinstance(rt, ir.IntType):
            return self.coerce(left, rt, loc, text), right
        if isinstance(rt, ir.IntType) and not isinstance(lt, ir.IntType):
            return left, self.coerce(right, lt, loc, text)
        if isinstance(lt, ir.BitsType) and isinstance(rt, ir.BitsType):
            if lt.width != rt.width:
                raise P4CompileError(loc, f"{text}: Cannot operate on values with different widths "
                                          f"{lt.width} and {rt.width}")
            raise P4CompileError(loc, f"{text}: Cannot operate on values with different signs")
        for a, b in ((left, right), (right, left)):
            at, bt = a.type, b.type
            if isinstance(at, ir.EnumType) and at.underlying is not None and same_type(at.underlying, bt):
                conv = self.coerce(a, bt, loc, text)
                return (conv, b) if a is left else (b, conv)
        if isinstance(left, ir.ListExpr) and isinstance(rt, ir.StructLikeType | ir.TupleType):
            return self.coerce(left, rt, loc, text), right
        if isinstance(right, ir.ListExpr) and isinstance(lt, ir.StructLikeType | ir.TupleType):
            return left, self.coerce(right, lt, loc, text)
        raise P4CompileError(loc, f"{text}: Cannot operate on values of types {lt} and {rt}")

    def _CastExpr(self, e: A.CastExpr, env: Env) -> ir.Expr:
        to = self.resolve_type(e.type, env.scope)
        v = self.value(e.operand, env)
        return self.cast(v, to, e.loc, show(e))

    def cast(self, v: ir.Expr, to: ir.Type, loc: ir.SourceLoc, text: str) -> ir.Expr:
        t = v.type
        if same_type(t, to):
            return v
        ok = False
        if isinstance(to, ir.BitsType):
            ok = isinstance(t, ir.IntType) or isinstance(t, ir.BitsType) and (
                t.signed == to.signed or t.width == to.width) or \
                isinstance(t, ir.BoolType) and to.width == 1 and not to.signed or \
                isinstance(t, ir.EnumType) and t.underlying is not None
            if isinstance(t, ir.BitsType) and t.signed != to.signed and t.width != to.width:
                ok = False
        elif isinstance(to, ir.BoolType):
            ok = isinstance(t, ir.BitsType) and t.width == 1 and not t.signed or isinstance(t, ir.IntType)
        elif isinstance(to, ir.IntType):
            ok = isinstance(t, ir.BitsType)
        elif isinstance(to, ir.EnumType) and to.underlying is not None:
            ok = isinstance(t, ir.BitsType | ir.IntType)
        elif isinstance(to, ir.StructLikeType | ir.TupleType) and isinstance(v, ir.ListExpr):
            return self.coerce(v, to, loc, text)
        if not ok:
            raise P4CompileError(loc, f"{text}: Illegal cast from {t} to {to}")
        if isinstance(v, ir.Const):
            return fold.fold_cast(v, to, loc)
        if isinstance(t, ir.IntType) and isinstance(to, ir.BitsType):
            return self.coerce(v, to, loc, text)  # a ?: of int constants: each arm takes the width
        if isinstance(v, ir.EnumMember) and v.value is not None and isinstance(to, ir.BitsType):
            assert isinstance(t, ir.EnumType) and t.underlying is not None
            return fold.fold_cast(ir.Const(t.underlying, loc, v.value), to, loc)
        return ir.Cast(to, loc, v)

    def _MuxExpr(self, e: A.MuxExpr, env: Env) -> ir.Expr:
        cond = self.value(e.cond, env)
        if not isinstance(cond.type, ir.BoolType):
            raise P4CompileError(e.cond.loc, f"{show(e.cond)}: Selector of ?: must be bool, not {cond.type}")
        then = self.value(e.then, env)
        other = self.value(e.otherwise, env)
        if isinstance(then.type, ir.IntType) and isinstance(other.type, ir.IntType):
            if isinstance(cond, ir.Const):
                return then if cond.value else other
            return ir.Mux(INT, e.loc, cond, then, other)
        then, other = self.unify_operands(then, other, e.loc, show(e))
        if isinstance(cond, ir.Const):
            return then if cond.value else other
        return ir.Mux(then.type, e.loc, cond, then, other)

    def _ListExpr(self, e: A.ListExpr, env: Env) -> ir.Expr:
        elems = [self.value(x, env) for x in e.elements]
        return ir.ListExpr(ir.TupleType(tuple(x.type for x in elems)), e.loc, elems,
                           list(e.names) if e.names is not None else None)

    def _CallExpr(self, e: A.CallExpr, env: Env) -> ir.Expr:
        assert self.calls is not None
        return self.calls.call(e, env)  # type: ignore[attr-defined]

    def _MaskExpr(self, e: A.MaskExpr, env: Env) -> ir.Expr:
        raise P4CompileError(e.loc, f"{show(e)}: &&& is only allowed in select and table entry keysets")

    def _RangeExpr(self, e: A.RangeExpr, env: Env) -> ir.Expr:
        raise P4CompileError(e.loc, f"{show(e)}: .. is only allowed in select and table entry keysets")


__all__ = [
    "ExprLowerer", "Ref", "TypeRefR", "TableR", "ActionR", "InstanceR", "FuncR", "MethodR",
    "is_lvalue", "is_const", "copy_const", "APPLY_RESULT", "ACTION_RUN",
]
