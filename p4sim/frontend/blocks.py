"""Elaboration of controls, parsers, actions and instantiations.

A control or parser *type* is lowered afresh for every instance, so two
``Accumulate() acc1; Accumulate() acc2;`` get their own tables, actions and
externs, named under their own control-plane path (``CIngress.acc1``).
Constructor arguments become constants in the instance's scope.
"""

from __future__ import annotations

from p4sim import ir
from p4sim.errors import P4CompileError

from . import ast as A
from .context import Context, Env, cp_name, from_target_library, ir_annotations
from .exprs import ExprLowerer, is_const
from .scope import ActionEntity, BlockTypeEntity, ExternTypeEntity, Scope, TypeEntity
from .show import show
from .stmts import StmtLowerer
from .tables import TableLowerer


class BlockLowerer:
    def __init__(self, ctx: Context, ex: ExprLowerer, st: StmtLowerer):
        self.ctx = ctx
        self.ex = ex
        self.st = st
        self.tables = TableLowerer(ctx, ex, self.inplace_instance)
        self._active: list[str] = []

    # ------------------------------------------------------------- params

    def param(self, p: A.ParamAst, env: Env) -> ir.Param:
        t = self.ex.resolve_type(p.type, env.scope)
        default = None
        if p.default is not None:
            default = self.ex.constant(p.default, env, t)
        prm = ir.Param(p.name, p.direction, t, ir_annotations(p.annotations), p.loc, default)
        env.scope.declare(p.name, prm, p.loc)
        return prm

    def bind_ctor(self, params: list[A.ParamAst], args: list[A.Arg], env: Env, scope: Scope,
                  loc: ir.SourceLoc, what: str) -> None:
        """Constructor parameters of a control/parser become constants."""
        if len(args) > len(params):
            raise P4CompileError(loc, f"{what}: Too many arguments: expected {len(params)}, got {len(args)}")
        given: dict[str, A.Arg] = {}
        for i, a in enumerate(args):
            given[a.name or params[i].name] = a
        for p in params:
            t = self.ex.resolve_type(p.type, scope)
            a = given.get(p.name)
            if a is None or a.value is None:
                if p.default is None:
                    raise P4CompileError(loc, f"{what}: Not enough arguments: parameter {p.name} has no value")
                v = self.ex.constant(p.default, Env(scope, "global"), t)
            else:
                v = self.ex.constant(a.value, env, t)
            scope.declare(p.name, ir.Constant(p.name, t, v, p.loc), p.loc)

    # ------------------------------------------------------------ actions

    def action(self, d: A.ActionDecl, env: Env) -> ir.Action:
        aenv = env.child("action")
        params = [self.param(p, aenv) for p in d.params]
        seen_none = False
        for p, pa in zip(params, d.params, strict=True):
            if p.direction is None:
                seen_none = True
            elif seen_none:
                raise P4CompileError(pa.loc, f"{p.name}: action parameters with a direction must come before "
                                             f"directionless ones")
        body = self.st.block(d.body, aenv)
        act = ir.Action(d.name, cp_name(env.path, d.name, d.annotations), params, body,
                        ir_annotations(d.annotations), d.loc)
        env.scope.declare(d.name, ActionEntity(act, d), d.loc)
        self.ctx.actions.append(act)
        return act

    def function(self, d: A.FunctionDecl, scope: Scope, targs: tuple[ir.Type, ...] = ()) -> ir.Function:
        """Lowers a function; a generic one once per tuple of type arguments
        (its type parameters become type names in the body's scope)."""
        fscope = Scope(scope, "function")
        for tp, t in zip(d.type_params, targs, strict=True):
            fscope.declare(tp, TypeEntity(t), d.loc)
        fenv = Env(fscope, "function")
        rt = self.ex.resolve_type(d.return_type, fscope)
        fenv.return_type = rt
        params = [self.param(p, fenv) for p in d.params]
        body = self.st.block(d.body, fenv)
        if not isinstance(rt, ir.VoidType) and not _always_returns(body):
            raise P4CompileError(d.loc, f"{d.name}: function does not return a value on all paths")
        return ir.Function(d.name, params, rt, body, d.loc)

    # -------------------------------------------------------- instantiation

    def instance(self, d: A.InstanceDecl, env: Env) -> object:
        """A local ``T(args) name;``: an extern object, or a sub-control/parser."""
        ref = d.type
        if not isinstance(ref, A.NamedTypeRef):
            raise P4CompileError(d.loc, f"{d.name}: cannot instantiate {show_ref(ref)}")
        ent = env.scope.lookup(ref.name)
        if isinstance(ent, ExternTypeEntity):
            inst = self.extern_instance(ent.decl, ref, d.args, env, d.name, cp_name(env.path, d.name, d.annotations),
                                        d.annotations, d.loc)
            env.scope.declare(d.name, inst, d.loc)
            return inst
        if isinstance(ent, BlockTypeEntity) and isinstance(ent.decl, A.ControlDecl | A.ParserDecl):
            decl = ent.decl
            if decl.is_type_only:
                raise P4CompileError(d.loc, f"{ref.name}: cannot instantiate a {_kind(decl)} prototype")
            if isinstance(decl, A.ControlDecl) and env.kind != "control":
                raise P4CompileError(d.loc, f"{d.name}: a control can only be instantiated in a control")
            if isinstance(decl, A.ParserDecl) and env.kind != "parser":
                raise P4CompileError(d.loc, f"{d.name}: a parser can only be instantiated in a parser")
            path = cp_name(env.path, d.name, d.annotations)
            sub = self.control(decl, path, d.args, env) if isinstance(decl, A.ControlDecl) \
                else self.parser(decl, path, d.args, env)
            env.scope.declare(d.name, sub, d.loc)
            return sub
        if ent is None:
            raise P4CompileError(ref.loc, f"{ref.name}: declaration not found")
        raise P4CompileError(ref.loc, f"{ref.name}: cannot be instantiated")

    def extern_instance(self, decl: A.ExternDecl, ref: A.NamedTypeRef, args: list[A.Arg], env: Env, name: str,
                        cp: str, annos: list[A.Anno], loc: ir.SourceLoc) -> ir.ExternInstance:
        if not from_target_library(decl.loc):
            raise P4CompileError(loc, f"{name}: extern {decl.name} is not implemented by the v1model target "
                                      f"(BMv2 simple_switch runs only the externs of v1model.p4 and core.p4)")
        targs = tuple(self.ex.resolve_type(a, env.scope) for a in ref.args)
        if targs and len(targs) != len(decl.type_params):
            raise P4CompileError(ref.loc, f"{ref.name}: expected {len(decl.type_params)} type arguments, "
                                          f"got {len(targs)}")
        tvars = dict(zip(decl.type_params, targs, strict=False))
        ctors = [m for m in decl.methods if m.return_type is None]
        fitting = [c for c in ctors if len(c.params) == len(args)]
        if not fitting:
            raise P4CompileError(loc, f"{name}: {ref.name} has no constructor with {len(args)} arguments")
        ctor = fitting[0]
        vals: list[ir.Expr] = []
        for p, a in zip(ctor.params, args, strict=True):
            t = self.ex.resolve_type(p.type, self.ctx.root, tvars)
            if a.value is None:
                raise P4CompileError(a.loc, f"{name}: _ is not a constructor argument")
            v = self.ex.constant(a.value, env, t)
            vals.append(v)
        inst = ir.ExternInstance(name, cp, ir.ExternType(ref.name, targs), [p.name for p in ctor.params], vals,
                                 ir_annotations(annos), loc)
        self.ctx.externs.append(inst)
        return inst

    def inplace_instance(self, call: A.Expr, env: Env, name: str, cp: str, annos: list[A.Anno]) -> ir.ExternInstance:
        """``implementation = action_profile(32)``: p4c names the anonymous
        instance after the table."""
        assert isinstance(call, A.CallExpr) and isinstance(call.callee, A.TypeNameExpr)
        ref = call.callee.ref
        if not isinstance(ref, A.NamedTypeRef):
            raise P4CompileError(call.loc, f"{show(call)}: not an extern constructor")
        ent = env.scope.lookup(ref.name)
        if not isinstance(ent, ExternTypeEntity):
            raise P4CompileError(call.loc, f"{ref.name}: not an extern type")
        return self.extern_instance(ent.decl, ref, call.args, env, name, cp, annos, call.loc)

    # ------------------------------------------------------------ controls

    def control(self, d: A.ControlDecl, path: str, args: list[A.Arg], outer: Env) -> ir.ControlInstance:
        if d.name in self._active:
            raise P4CompileError(d.loc, f"{d.name}: recursive instantiation")
        self._active.append(d.name)
        try:
            scope = Scope(self.ctx.root, "control")
            env = Env(scope, "control", path)
            self.bind_ctor(d.ctor_params, args, outer, scope, d.loc, d.name)
            params = [self.param(p, env) for p in d.params]
            inst = ir.ControlInstance(d.name, path, params, [], [], [], [], [], ir.Block(d.loc, []),
                                      ir_annotations(d.annotations), d.loc)
            init: list[ir.Stmt] = []
            for local in d.locals:
                if isinstance(local, A.ConstDecl):
                    self.st.const_decl(local, env)
                elif isinstance(local, A.ActionDecl):
                    inst.actions.append(self.action(local, env))
                elif isinstance(local, A.TableDecl):
                    t = self.tables.table(local, env)
                    env.scope.declare(local.name, t, local.loc)
                    inst.tables.append(t)
                elif isinstance(local, A.InstanceDecl):
                    x = self.instance(local, env)
                    if isinstance(x, ir.ExternInstance):
                        inst.externs.append(x)
                    elif isinstance(x, ir.ControlInstance):
                        inst.subcontrols.append(x)
                elif isinstance(local, A.VarDeclStmt):
                    init.extend(self._local_var(local, env, inst.variables))
                else:
                    raise P4CompileError(getattr(local, "loc", d.loc), "declaration not allowed in a control")
            assert d.apply is not None
            body = self.st.block(d.apply, env.child("apply"))
            inst.apply = ir.Block(body.loc, init + body.stmts)
            return inst
        finally:
            self._active.pop()

    def _local_var(self, v: A.VarDeclStmt, env: Env, variables: list[ir.Variable]) -> list[ir.Stmt]:
        decl = self.st.var_decl(v, env)
        assert isinstance(decl, ir.VarDecl)
        variables.append(decl.var)
        if decl.init is None:
            return []
        return [ir.Assign(v.loc, ir.VarRef(decl.var.type, v.loc, decl.var), decl.init)]

    # ------------------------------------------------------------- parsers

    def parser(self, d: A.ParserDecl, path: str, args: list[A.Arg], outer: Env) -> ir.ParserInstance:
        if d.name in self._active:
            raise P4CompileError(d.loc, f"{d.name}: recursive instantiation")
        self._active.append(d.name)
        try:
            scope = Scope(self.ctx.root, "parser")
            env = Env(scope, "parser", path)
            self.bind_ctor(d.ctor_params, args, outer, scope, d.loc, d.name)
            params = [self.param(p, env) for p in d.params]
            inst = ir.ParserInstance(d.name, path, params, [], {}, [], [], [], ir_annotations(d.annotations), d.loc)
            init: list[ir.Stmt] = []
            for local in d.locals:
                if isinstance(local, A.ConstDecl):
                    self.st.const_decl(local, env)
                elif isinstance(local, A.ValueSetDecl):
                    vs = self.value_set(local, env)
                    inst.value_sets.append(vs)
                elif isinstance(local, A.InstanceDecl):
                    x = self.instance(local, env)
                    if isinstance(x, ir.ExternInstance):
                        inst.externs.append(x)
                    elif isinstance(x, ir.ParserInstance):
                        inst.subparsers.append(x)
                elif isinstance(local, A.VarDeclStmt):
                    init.extend(self._local_var(local, env, inst.variables))
                else:
                    raise P4CompileError(getattr(local, "loc", d.loc), "declaration not allowed in a parser")
            names = {s.name for s in d.states}
            for s in d.states:
                if s.name in ("accept", "reject"):
                    raise P4CompileError(s.loc, f"{s.name}: state name is reserved")
            if "start" not in names:
                raise P4CompileError(d.loc, f"parser {d.name} has no start state")
            seen: set[str] = set()
            ordered = sorted(d.states, key=lambda s: s.name != "start")
            for s in ordered:
                if s.name in seen:
                    raise P4CompileError(s.loc, f"{s.name}: duplicate declaration")
                seen.add(s.name)
                senv = env.child("state")
                stmts = self.st.stmts(s.stmts, senv)
                if s.name == "start":
                    stmts = init + stmts
                tr = self.transition(s, senv, names)
                inst.states[s.name] = ir.ParserState(s.name, stmts, tr, ir_annotations(s.annotations), s.loc)
            return inst
        finally:
            self._active.pop()

    def value_set(self, d: A.ValueSetDecl, env: Env) -> ir.ValueSet:
        t = self.ex.resolve_type(d.element_type, env.scope)
        size = self.ex.const_int(d.size, env)
        vs = ir.ValueSet(d.name, cp_name(env.path, d.name, d.annotations), t, size, ir_annotations(d.annotations),
                         d.loc)
        env.scope.declare(d.name, vs, d.loc)
        self.ctx.value_sets.append(vs)
        return vs

    def transition(self, s: A.StateDecl, env: Env, names: set[str]) -> ir.Transition:
        t = s.transition
        if t is None:
            raise P4CompileError(s.loc, f"state {s.name} has no transition statement")

        def check(name: str, loc: ir.SourceLoc) -> None:
            if name not in names and name not in ("accept", "reject"):
                raise P4CompileError(loc, f"{name}: declaration not found (no parser state named {name})")

        if t.select is None:
            assert t.state is not None
            check(t.state, t.loc)
            return ir.Transition(t.state, None, [], t.loc)
        keys = [self.ex.value(k, env) for k in t.select]
        for k, ka in zip(keys, t.select, strict=True):
            if isinstance(k.type, ir.IntType):
                raise P4CompileError(ka.loc, f"{show(ka)}: select key needs a width")
        cases: list[ir.SelectCase] = []
        for c in t.cases:
            check(c.state, c.loc)
            cases.append(ir.SelectCase(self.keysets(c.keyset, keys, env), c.state, c.loc))
        return ir.Transition(None, keys, cases, t.loc)

    def keysets(self, ks: A.Expr, keys: list[ir.Expr], env: Env) -> list[ir.Expr]:
        if isinstance(ks, A.DontCareExpr):
            return [ir.DontCare(k.type, ks.loc) for k in keys]
        elems = ks.elements if isinstance(ks, A.TupleKeyset) else [ks]
        if len(elems) == 1 and len(keys) > 1:
            r = self.ex.lower(elems[0], env)
            if isinstance(r, ir.ValueSetRef):
                return [r]
        if len(elems) != len(keys):
            raise P4CompileError(ks.loc, f"{show(ks)}: {len(elems)} values for {len(keys)} select keys")
        return [self.keyset(x, k, env) for x, k in zip(elems, keys, strict=True)]

    def keyset(self, x: A.Expr, key: ir.Expr, env: Env) -> ir.Expr:
        t = key.type
        if isinstance(x, A.DontCareExpr):
            return ir.DontCare(t, x.loc)
        if isinstance(x, A.MaskExpr):
            return ir.Mask(t, x.loc, self._kconst(x.value, t, env), self._kconst(x.mask, t, env))
        if isinstance(x, A.RangeExpr):
            return ir.Range(t, x.loc, self._kconst(x.low, t, env), self._kconst(x.high, t, env))
        r = self.ex.lower(x, env)
        if isinstance(r, ir.ValueSetRef):
            return r
        return self._kconst(x, t, env)

    def _kconst(self, x: A.Expr, t: ir.Type, env: Env) -> ir.Expr:
        v = self.ex.coerce(self.ex.value(x, env), t, x.loc, show(x))
        if not is_const(v):
            raise P4CompileError(x.loc, f"{show(x)}: Compile-time constant expected in a select case")
        return v


def _kind(d: object) -> str:
    return "control" if isinstance(d, A.ControlDecl) else "parser"


def show_ref(ref: A.TypeRef) -> str:
    from .show import show_type

    return show_type(ref)


def _always_returns(s: ir.Stmt | None) -> bool:
    if s is None:
        return False
    if isinstance(s, ir.Return):
        return True
    if isinstance(s, ir.Block):
        return any(_always_returns(x) for x in s.stmts)
    if isinstance(s, ir.If):
        return _always_returns(s.then) and _always_returns(s.otherwise)
    return False
