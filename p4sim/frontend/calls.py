"""Calls: binding arguments to parameters, inferring type arguments, and
checking directions, for every callable P4 has (extern functions and
methods, actions, functions, table/control/parser apply, header builtins).

Binding follows p4c: positional then named arguments; an ``out``/``inout``
argument must be a left-value; a directionless extern parameter must be a
compile-time constant; type parameters are inferred from the arguments that
have a sized type, and unsized ``int`` arguments then take the inferred type.
"""

from __future__ import annotations

from p4sim import ir
from p4sim.errors import P4CompileError

from . import ast as A
from .context import Context, Env, anno, from_target_library, ir_annotations
from .exprs import (
    APPLY_RESULT,
    ActionR,
    ExprLowerer,
    FuncR,
    MethodR,
    TypeRefR,
    is_const,
    is_lvalue,
)
from .scope import ExternFuncEntity, ExternTypeEntity, FunctionEntity, TypeVar
from .show import show
from .typesys import BIT32, BOOL, INT, VOID, has_typevar, same_type, substitute, unify


class CallLowerer:
    def __init__(self, ctx: Context, ex: ExprLowerer):
        self.ctx = ctx
        self.ex = ex
        self.lower_function = None  # set by the program lowerer: FunctionEntity -> ir.Function

    # -------------------------------------------------------------- dispatch

    def call(self, e: A.CallExpr, env: Env) -> ir.Expr:
        callee = self.ex.lower(e.callee, env)
        text = show(e)
        if isinstance(callee, MethodR):
            if callee.kind == "builtin":
                return self._builtin(callee, e, env, text)
            if callee.kind == "typebuiltin":
                return self._size_builtin(callee.target, callee.name, e.loc)  # type: ignore[arg-type]
            if callee.kind == "table":
                if e.args:
                    raise P4CompileError(e.loc, f"{text}: table apply takes no arguments")
                if env.kind != "apply":
                    raise P4CompileError(e.loc, f"{text}: tables can only be applied from a control's apply "
                                                f"block, not from a{'n' if env.kind[0] in 'aeiou' else ''} "
                                                f"{env.kind}")
                return ir.TableApply(APPLY_RESULT, e.loc, callee.target, "")  # type: ignore[arg-type]
            if callee.kind == "instance":
                inst = callee.target
                args = self.bind_ir_params(inst.params, e.args, env, e.loc, text,  # type: ignore[attr-defined]
                                           const_directionless=False)
                if isinstance(inst, ir.ControlInstance):
                    if env.kind not in ("apply", "control"):
                        raise P4CompileError(e.loc, f"{text}: controls can only be applied from a control")
                    return ir.ControlApply(VOID, e.loc, inst, args)
                if env.kind != "state":
                    raise P4CompileError(e.loc, f"{text}: parsers can only be applied from a parser state")
                return ir.ParserApply(VOID, e.loc, inst, args)  # type: ignore[arg-type]
            return self._extern_method(callee, e, env, text)
        if isinstance(callee, FuncR):
            if isinstance(callee.entity, ExternFuncEntity):
                return self._extern_function(callee.name, callee.entity, e, env, text)
            return self._function(callee.entity, e, env, text)
        if isinstance(callee, ActionR):
            if env.kind in ("parser", "state", "function"):
                raise P4CompileError(e.loc, f"{text}: actions cannot be called from a {env.kind}")
            act = callee.action
            args = self.bind_ir_params(act.params, e.args, env, e.loc, text, const_directionless=False)
            return ir.ActionCall(VOID, e.loc, act, args)
        if isinstance(callee, TypeRefR):
            raise P4CompileError(e.loc, f"{text}: constructor calls are only allowed in instantiations")
        raise P4CompileError(e.loc, f"{text}: is not a method or function")

    # ------------------------------------------------------------- builtins

    def _builtin(self, m: MethodR, e: A.CallExpr, env: Env, text: str) -> ir.Expr:
        target = m.target
        assert isinstance(target, ir.Expr)
        if m.name in ("isValid", "setValid", "setInvalid"):
            if e.args:
                raise P4CompileError(e.loc, f"{text}: {m.name} takes no arguments")
            if m.name != "isValid":
                if isinstance(target.type, ir.HeaderUnionType):
                    raise P4CompileError(e.loc, f"{text}: {m.name} cannot be called on a header_union")
                if not is_lvalue(target):
                    raise P4CompileError(e.loc, f"{text}: {m.name} needs a header that can be written")
            return ir.BuiltinCall(BOOL if m.name == "isValid" else VOID, e.loc, m.name, target, [])
        # push_front / pop_front
        if len(e.args) != 1 or e.args[0].value is None:
            raise P4CompileError(e.loc, f"{text}: {m.name} takes one argument (a count)")
        n = self.ex.const_int(e.args[0].value, env)
        if n < 0:
            raise P4CompileError(e.args[0].loc, f"{text}: {m.name} count must be positive")
        if not is_lvalue(target):
            raise P4CompileError(e.loc, f"{text}: {m.name} needs a header stack that can be written")
        return ir.BuiltinCall(VOID, e.loc, m.name, target, [ir.Const(BIT32, e.args[0].loc, n)])

    def _size_builtin(self, t: ir.Type, name: str, loc: ir.SourceLoc) -> ir.Expr:
        try:
            w = t.bit_width()
        except (TypeError, AttributeError) as exc:
            raise P4CompileError(loc, f"{name}: {t} has no fixed size") from exc
        if isinstance(t, ir.HeaderType) and name.startswith("max"):
            w += sum(f.type.max_width for f in t.fields if isinstance(f.type, ir.VarbitType))
        return ir.Const(INT, loc, w if name.endswith("Bits") else (w + 7) // 8)

    # -------------------------------------------------------------- externs

    def _extern_decl(self, t: ir.Type, loc: ir.SourceLoc) -> A.ExternDecl:
        assert isinstance(t, ir.ExternType)
        ent = self.ctx.root.lookup(t.name)
        if not isinstance(ent, ExternTypeEntity):
            raise P4CompileError(loc, f"{t.name}: not an extern type")
        return ent.decl

    def _extern_method(self, m: MethodR, e: A.CallExpr, env: Env, text: str) -> ir.Expr:
        target = m.target
        assert isinstance(target, ir.Expr)
        et = target.type
        assert isinstance(et, ir.ExternType)
        decl = self._extern_decl(et, e.loc)
        cands = [x for x in decl.methods if x.name == m.name and x.return_type is not None]
        if not cands:
            raise P4CompileError(m.loc, f"{text}: {et.name} has no method {m.name}")
        tvars: dict[str, ir.Type] = {}
        for i, tp in enumerate(decl.type_params):
            tvars[tp] = et.type_args[i] if i < len(et.type_args) else TypeVar(tp)
        method = self._pick(cands, e, text)
        args, binding, params = self.bind_ast_params(method.params, method.type_params, e.type_args, e.args,
                                                     env, e.loc, text, tvars)
        ret = self._ret_type(method.return_type, tvars, method.type_params, binding, e.loc, text)
        targs = tuple(binding.get(tp, TypeVar(tp)) for tp in method.type_params)
        self._check_packet_method(et.name, m.name, args, e, text)
        if et.name == "packet_in" and m.name == "lookahead" and targs and not _lookahead_type_ok(targs[0]):
            raise P4CompileError(
                e.loc, f"{text}: lookahead<{targs[0]}>: the type must be bit<W>, int<W>, bool, a header, or a "
                "struct of bit<W>, int<W>, bool and such structs")
        return ir.ExternMethodCall(ret, e.loc, target, et.name, m.name, args, targs)

    def _check_packet_method(self, extern: str, method: str, args: list[ir.Argument], e: A.CallExpr,
                             text: str) -> None:
        if extern == "packet_in" and method == "extract":
            v = args[0].value
            t = v.type if v is not None else None
            if not isinstance(t, ir.HeaderType):
                raise P4CompileError(e.args[0].loc if e.args else e.loc,
                                     f"{text}: extract: argument must be a header, not {t}")
            has_varbit = any(isinstance(f.type, ir.VarbitType) for f in t.fields)
            if len(args) == 2 and not has_varbit:
                raise P4CompileError(e.loc, f"{text}: two-argument extract needs a header with a varbit field")
            if len(args) == 1 and has_varbit:
                raise P4CompileError(e.loc, f"{text}: {t} has a varbit field: extract needs its size in bits")
        if extern == "packet_out" and method == "emit":
            v = args[0].value
            t = v.type if v is not None else None
            if not isinstance(t, ir.HeaderType | ir.HeaderUnionType | ir.StackType | ir.StructType):
                raise P4CompileError(e.loc, f"{text}: emit: argument must be a header, header stack, "
                                            f"header_union or struct, not {t}")

    def _extern_function(self, name: str, ent: ExternFuncEntity, e: A.CallExpr, env: Env,
                         text: str) -> ir.Expr:
        decl = self._pick(ent.overloads, e, text)
        if not from_target_library(decl.loc):
            raise P4CompileError(e.loc, f"{text}: extern function {name} is not implemented by the v1model target "
                                        f"(BMv2 simple_switch runs only the externs of v1model.p4 and core.p4)")
        args, binding, params = self.bind_ast_params(decl.params, decl.type_params, e.type_args, e.args, env,
                                                     e.loc, text, {})
        if name == "static_assert":
            return self._static_assert(args, e, text)
        ret = self._ret_type(decl.return_type, {}, decl.type_params, binding, e.loc, text)
        targs = tuple(binding.get(tp, TypeVar(tp)) for tp in decl.type_params)
        if name == "digest" and targs:
            self.ctx.note_digest(targs[0], e.loc)
        if name in ("mark_to_drop",) and not args:
            raise P4CompileError(e.loc, f"{text}: mark_to_drop() without arguments is not supported by "
                                        f"BMv2; use mark_to_drop(standard_metadata)")
        return ir.ExternFunctionCall(ret, e.loc, name, args, targs)

    def _static_assert(self, args: list[ir.Argument], e: A.CallExpr, text: str) -> ir.Expr:
        """Evaluated here, as p4c does: a false condition is a compile error;
        the call itself becomes the constant true."""
        cond = args[0].value
        if not isinstance(cond, ir.Const):
            raise P4CompileError(e.loc, f"{text}: static_assert needs a compile-time constant condition")
        if not cond.value:
            msg = args[1].value.value if len(args) > 1 and isinstance(args[1].value, ir.Const) else ""
            raise P4CompileError(e.loc, f"static_assert failed: {msg}" if msg else f"{text}: static_assert failed")
        return ir.Const(BOOL, e.loc, True)

    def _pick(self, cands: list, e: A.CallExpr, text: str):  # noqa: ANN202
        n = len(e.args)
        names = {a.name for a in e.args if a.name}
        fitting = []
        for c in cands:
            required = [p for p in c.params if p.default is None and anno(p.annotations, "optional") is None]
            if len(required) <= n <= len(c.params) and names <= {p.name for p in c.params}:
                fitting.append(c)
        if not fitting:
            if len(cands) == 1:
                need = len(cands[0].params)
                raise P4CompileError(e.loc, f"{text}: Expected {need} arguments, got {n}"
                                     if n < need else f"{text}: Too many arguments: expected {need}, got {n}")
            raise P4CompileError(e.loc, f"{text}: no overload of {show(e.callee)} takes {n} arguments")
        if len(fitting) > 1 and e.type_args:
            fitting = [c for c in fitting if len(c.type_params) == len(e.type_args)] or fitting
        # prefer the exact arity
        exact = [c for c in fitting if len(c.params) == n]
        return (exact or fitting)[0]

    def _ret_type(self, ref: A.TypeRef | None, tvars: dict[str, ir.Type], tparams: list[str],
                  binding: dict[str, ir.Type], loc: ir.SourceLoc, text: str) -> ir.Type:
        if ref is None:
            return VOID
        all_vars = dict(tvars)
        for tp in tparams:
            all_vars[tp] = TypeVar(tp)
        t = substitute(self.ex.resolve_type(ref, self.ctx.root, all_vars), binding)
        for k, v in tvars.items():
            if isinstance(v, TypeVar) and k in binding:
                t = substitute(t, {v.name: binding[k]})
        if has_typevar(t):
            raise P4CompileError(loc, f"{text}: cannot infer the result type; give the type argument "
                                      f"explicitly")
        return t

    # -------------------------------------------------------------- binding

    def bind_ast_params(
        self,
        params: list[A.ParamAst],
        tparams: list[str],
        explicit: list[A.TypeRef],
        args: list[A.Arg],
        env: Env,
        loc: ir.SourceLoc,
        text: str,
        outer: dict[str, ir.Type],
    ) -> tuple[list[ir.Argument], dict[str, ir.Type], list[ir.Param]]:
        """Bind call arguments to the parameters of an extern declaration."""
        tvars = dict(outer)
        for tp in tparams:
            tvars[tp] = TypeVar(tp)
        binding: dict[str, ir.Type] = {}
        for k, v in outer.items():
            if not isinstance(v, TypeVar):
                binding[k] = v
        if explicit:
            if len(explicit) != len(tparams):
                raise P4CompileError(loc, f"{text}: expected {len(tparams)} type arguments, got {len(explicit)}")
            for tp, ref in zip(tparams, explicit, strict=True):
                binding[tp] = self.ex.resolve_type(ref, env.scope)
        ir_params = [
            ir.Param(p.name, p.direction, self.ex.resolve_type(p.type, self.ctx.root, tvars),
                     ir_annotations(p.annotations), p.loc)
            for p in params
        ]
        # outer type vars left open (e.g. counter<I> without type args) are inferred as the method's own
        bound = self._match(ir_params, args, loc, text)
        values: list[ir.Expr | None] = []
        for p, a in bound:
            if a is None or a.value is None or isinstance(a.value, A.DontCareExpr):
                values.append(None)
                continue
            v = self.ex.value(a.value, env)
            unify(p.type, v.type, binding)
            for k, tv in tvars.items():
                if isinstance(tv, TypeVar) and tv.name != k and tv.name in binding:
                    binding.setdefault(k, binding[tv.name])
            values.append(v)
        # int arguments for still-open type variables: p4c infers int; we pick bit<32>
        for (p, _a), v in zip(bound, values, strict=True):
            if v is not None and isinstance(p.type, TypeVar) and p.type.name not in binding and isinstance(
                    v.type, ir.IntType):
                binding[p.type.name] = BIT32
        out: list[ir.Argument] = []
        final_params: list[ir.Param] = []
        for (p, a), v in zip(bound, values, strict=True):
            pt = substitute(p.type, binding)
            fp = ir.Param(p.name, p.direction, pt, p.annotations, p.loc)
            final_params.append(fp)
            if v is None:
                if (a is not None and a.value is not None and isinstance(a.value, A.DontCareExpr) or (
                        a is not None and a.value is None)) and p.direction != "out":
                    raise P4CompileError(a.loc, f"{text}: _ can only be passed to an out parameter")
                out.append(ir.Argument(fp, None))
                continue
            out.append(ir.Argument(fp, self._check_arg(fp, v, a, text, const_directionless=True)))  # type: ignore
        return out, binding, final_params

    def bind_ir_params(self, params: list[ir.Param], args: list[A.Arg], env: Env, loc: ir.SourceLoc,
                       text: str, const_directionless: bool) -> list[ir.Argument]:
        """Bind call arguments to already-typed parameters (actions,
        functions, control/parser apply)."""
        bound = self._match(params, args, loc, text)
        out: list[ir.Argument] = []
        for p, a in bound:
            if a is None:
                if p.default is not None:
                    out.append(ir.Argument(p, p.default))
                    continue
                out.append(ir.Argument(p, None))
                continue
            if a.value is None or isinstance(a.value, A.DontCareExpr):
                if p.direction != "out":
                    raise P4CompileError(a.loc, f"{text}: _ can only be passed to an out parameter")
                out.append(ir.Argument(p, None))
                continue
            v = self.ex.value(a.value, env)
            out.append(ir.Argument(p, self._check_arg(p, v, a, text, const_directionless)))
        return out

    def _match(self, params: list[ir.Param], args: list[A.Arg], loc: ir.SourceLoc,
               text: str) -> list[tuple[ir.Param, A.Arg | None]]:
        slots: dict[str, A.Arg | None] = {p.name: None for p in params}
        positional = True
        for i, a in enumerate(args):
            if a.name is None:
                if not positional:
                    raise P4CompileError(a.loc, f"{text}: positional argument after named arguments")
                if i >= len(params):
                    raise P4CompileError(a.loc, f"{text}: Too many arguments: expected {len(params)}, "
                                                f"got {len(args)}")
                slots[params[i].name] = a
            else:
                positional = False
                if a.name not in slots:
                    raise P4CompileError(a.loc, f"{text}: No parameter named {a.name}")
                if slots[a.name] is not None:
                    raise P4CompileError(a.loc, f"{text}: parameter {a.name} given twice")
                slots[a.name] = a
        out = []
        for p in params:
            a = slots[p.name]
            if a is None and p.default is None and not self._optional(p):
                raise P4CompileError(loc, f"{text}: Not enough arguments: parameter {p.name} has no value")
            out.append((p, a))
        return out

    @staticmethod
    def _optional(p: ir.Param) -> bool:
        return any(a.name == "optional" for a in p.annotations)

    def _check_arg(self, p: ir.Param, v: ir.Expr, a: A.Arg, text: str, const_directionless: bool) -> ir.Expr:
        assert a.value is not None
        if p.direction in ("out", "inout"):
            if not is_lvalue(v):
                raise P4CompileError(a.loc, f"{show(a.value)}: Read-only value used for out/inout "
                                            f"parameter '{p.name}'")
            if not isinstance(p.type, TypeVar) and not same_type(v.type, p.type):
                raise P4CompileError(a.loc, f"'{show(a.value)}': Cannot unify type '{v.type}' with type "
                                            f"'{p.type}' (argument for {p.direction} parameter '{p.name}')")
            return v
        v = self.ex.coerce(v, p.type, a.loc, show(a.value))
        _check_sized(v)
        if p.direction is None and const_directionless and not is_const(v):
            raise P4CompileError(a.loc, f"{show(a.value)}: argument for directionless parameter '{p.name}' "
                                        f"must be a compile-time constant")
        return v

    # ------------------------------------------------------------ functions

    def _function(self, ent: FunctionEntity, e: A.CallExpr, env: Env, text: str) -> ir.Expr:
        assert self.lower_function is not None
        d = ent.decl
        targs: tuple[ir.Type, ...] = ()
        if d.type_params:
            # infer the type arguments as for an extern function, then call
            # the specialization for them
            _args, binding, _params = self.bind_ast_params(d.params, d.type_params, e.type_args, e.args, env,
                                                           e.loc, text, {})
            missing = [tp for tp in d.type_params if tp not in binding]
            if missing:
                raise P4CompileError(e.loc, f"{text}: cannot infer type argument {missing[0]}; give it explicitly")
            targs = tuple(binding[tp] for tp in d.type_params)
        fn = self.lower_function(ent, targs)
        args = self.bind_ir_params(fn.params, e.args, env, e.loc, text, const_directionless=False)
        return ir.FunctionCall(fn.return_type, e.loc, fn, args)


def _check_sized(v: ir.Expr) -> None:
    """A list bound to a generic parameter (hash data, digest, log_msg...)
    takes its element types as written, so an unsized literal in it has no
    width to take: p4c cannot infer one either."""
    if isinstance(v, ir.ListExpr):
        for x in v.elements:
            if isinstance(x.type, ir.IntType):
                raise P4CompileError(x.loc, f"{x.value}: could not infer a width for this integer; "  # type: ignore
                                            f"write it with one (e.g. 8w{x.value}) or cast it")  # type: ignore
            _check_sized(x)


__all__ = ["CallLowerer"]


def _lookahead_type_ok(t: ir.Type) -> bool:
    """Types p4sim's lookahead reads (p4c's ExpandLookahead splits structs
    into their fields)."""
    if isinstance(t, ir.BitsType | ir.BoolType | ir.HeaderType):
        return True
    if isinstance(t, ir.StructType):
        return all(_lookahead_type_ok(f.type) and not isinstance(f.type, ir.HeaderType) for f in t.fields)
    return False
