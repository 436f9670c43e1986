"""IR -> Python source for the whole pipeline, compiled once per program.

Why generated source: a packet then runs straight-line Python (attribute
loads, integer arithmetic with masks known at compile time, dict lookups)
instead of walking IR nodes. One Python function per control instance,
parser instance, action and P4 function:

* Controls: ``ctl(ctx, params...)``. Their actions and tables are nested
  functions, so actions see the control's parameters and locals as closure
  variables (``nonlocal`` for the scalars they assign).
* Parsers: ``prs(ctx, pkt, params...)`` with one nested function per state
  that returns the next state's function (None for accept).
* Calling convention (copy-in/copy-out): composite values (headers,
  structs, stacks, unions) are passed by reference for in/inout/out, which
  is copy-in/copy-out when arguments do not alias (P4 forbids writing
  ``in`` parameters); scalar out/inout parameters come back as the
  function's return tuple and the caller stores them into its l-values.
* Composite assignment copies in place (``dst.set_from(src)``) so object
  identity, which closures and union siblings rely on, never changes.

Values follow ir.py: bit<N>/int<N> are unsigned patterns in [0, 2**N), bool
is bool, non-serializable enums are strings, errors are their codes.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from p4sim import ir
from p4sim.engine import hashes, support
from p4sim.engine.emitter import Emitter
from p4sim.engine.values import TypeClasses, is_composite, scalar_default

__all__ = ["CodeGen", "CompileError"]


class CompileError(Exception):
    """A construct the engine cannot execute; names the source location."""

    def __init__(self, loc: ir.SourceLoc | None, message: str):
        super().__init__(f"{loc}: {message}" if loc else message)


@dataclass
class Frame:
    """One generated Python function: the names it owns and the enclosing
    names it must declare nonlocal."""

    owned: set[str]
    ret: str = "return"
    nonlocals: set[str] = field(default_factory=set)
    parent: Frame | None = None


def mask(width: int) -> int:
    return (1 << width) - 1


def bits_info(t: ir.Type) -> tuple[int, bool] | None:
    """(width, signed) for types stored as integers."""
    if isinstance(t, ir.BitsType):
        return t.width, t.signed
    if isinstance(t, ir.EnumType) and t.underlying is not None:
        return t.underlying.width, t.underlying.signed
    if isinstance(t, ir.BoolType):
        return None
    return None


class CodeGen:
    """Generates and executes the pipeline source for one program.

    ``objects`` maps ``id()`` of IR tables, extern instances and value sets
    to the engine's run-time objects (TableState, CounterArray, ...)."""

    def __init__(self, program: ir.Program, objects: dict[int, Any]):
        self.p = program
        self.objects = objects
        self.err = {name: i for i, name in enumerate(program.errors)}
        self.types = TypeClasses(self.err)
        self.env = self.types.env
        self.env.update(
            P4Exit=support.P4Exit,
            shl=support.shl,
            sat_add_s=support.sat_add_s,
            sat_sub_s=support.sat_sub_s,
            div_u=support.div_u,
            mod_u=support.mod_u,
            div_s=support.div_s,
            mod_s=support.mod_s,
            pack_bits=hashes.pack_bits,
        )
        self.top = Emitter()
        self.out = Emitter()
        self.frame = Frame(set())
        self._names: dict[tuple[str, int], str] = {}
        self._n = 0
        self._generated: set[int] = set()
        # field lists made from clone3/resubmit/recirculate data (codegen_externs.data_field_list)
        self.data_field_lists: dict[int, list[tuple[str, ...]]] = {}
        self.action_owner: dict[int, ir.ControlInstance] = {}
        for ci in self._all_controls():
            for a in ci.actions:
                self.action_owner[id(a)] = ci

    # ------------------------------------------------------------ plumbing
    def _all_controls(self) -> Iterator[ir.ControlInstance]:
        stack = [self.p.verify_checksum, self.p.ingress, self.p.egress, self.p.compute_checksum, self.p.deparser]
        while stack:
            ci = stack.pop()
            yield ci
            stack.extend(ci.subcontrols)

    def name(self, obj: object, prefix: str, hint: str = "") -> str:
        key = (prefix, id(obj))
        n = self._names.get(key)
        if n is None:
            self._n += 1
            safe = "".join(c if c.isalnum() else "_" for c in hint)[:30]
            n = f"{prefix}{self._n}_{safe}" if safe else f"{prefix}{self._n}"
            self._names[key] = n
        return n

    def tmp(self) -> str:
        self._n += 1
        return f"_t{self._n}"

    def var(self, decl: ir.Param | ir.Variable) -> str:
        return self.name(decl, "v", decl.name)

    def global_obj(self, obj: object, prefix: str, hint: str) -> str:
        """Bind a run-time object into the generated module's globals."""
        n = self.name(obj, prefix, hint)
        if n not in self.env:
            rt = self.objects.get(id(obj))
            if rt is None:
                raise CompileError(getattr(obj, "loc", None), f"no run-time object for {hint}")
            self.env[n] = rt
        return n

    def const(self, value: object) -> str:
        """Bind an arbitrary Python value as a global; returns its name."""
        self._n += 1
        n = f"_c{self._n}"
        self.env[n] = value
        return n

    @contextmanager
    def function(self, owned: set[str], ret: str, nested: bool) -> Iterator[Emitter]:
        """Generate a function body into a fresh emitter; the caller wraps it."""
        saved_out, saved_frame = self.out, self.frame
        self.out = Emitter()
        self.frame = Frame(set(owned), ret, parent=saved_frame if nested else None)
        try:
            yield self.out
        finally:
            self.out, self.frame = saved_out, saved_frame

    def _wrap(self, header: str, body: Emitter, frame_nonlocals: set[str], dest: Emitter) -> None:
        dest.line(header)
        dest.depth += 1
        if frame_nonlocals:
            dest.line("nonlocal " + ", ".join(sorted(frame_nonlocals)))
        if body.lines:
            dest.extend(body.lines)
        else:
            dest.line("pass")
        dest.depth -= 1

    def note_assign(self, name: str) -> None:
        """A scalar local of an enclosing function is rebound: nonlocal."""
        if name not in self.frame.owned:
            self.frame.nonlocals.add(name)

    # ------------------------------------------------------------ entry point
    def build(self) -> dict[str, Callable[..., Any]]:
        p = self.p
        names = {
            "parser": self.gen_parser(p.parser),
            "verify": self.gen_control(p.verify_checksum),
            "ingress": self.gen_control(p.ingress),
            "egress": self.gen_control(p.egress),
            "compute": self.gen_control(p.compute_checksum),
            "deparser": self.gen_control(p.deparser),
        }
        self.source = self.top.text()
        code = compile(self.source, f"<p4sim:{p.source_file}>", "exec")
        exec(code, self.env)  # noqa: S102 - our own generated source
        return {k: self.env[v] for k, v in names.items()}

    # ------------------------------------------------------------ types
    def factory(self, t: ir.Type) -> str:
        return self.types.factory(t)

    # ------------------------------------------------------------ controls
    def _out_params(self, params: list[ir.Param]) -> list[ir.Param]:
        return [p for p in params if p.direction in ("out", "inout") and not is_composite(p.type)
                and not isinstance(p.type, ir.ExternType)]

    def _ret_text(self, params: list[ir.Param], has_value: bool = False) -> str:
        outs = [self.var(p) for p in self._out_params(params)]
        if not outs:
            return "return"
        return "return (" + "".join(o + ", " for o in outs) + ")"

    def gen_control(self, ci: ir.ControlInstance) -> str:
        fname = self.name(ci, "ctl", ci.path)
        if id(ci) in self._generated:
            return fname
        self._generated.add(id(ci))
        for sub in ci.subcontrols:
            self.gen_control(sub)
        params = [self.var(p) for p in ci.params]
        owned = set(params) | {self.var(v) for v in ci.variables}
        ret = self._ret_text(ci.params)
        with self.function(owned, ret, nested=False) as body:
            for v in ci.variables:
                body.line(f"{self.var(v)} = {self.factory(v.type)}")
            for a in ci.actions:
                self.gen_action(a, nested=True)
            for t in ci.tables:
                self.gen_table(t)
            self.gen_stmt(ci.apply)
            body.line(ret)
            nl = self.frame.nonlocals
        self._wrap(f"def {fname}(ctx, {''.join(p + ', ' for p in params)}):", body, nl, self.top)
        return fname

    def gen_action(self, a: ir.Action, nested: bool) -> str:
        fname = self.name(a, "act", a.cp_name)
        if id(a) in self._generated:
            return fname
        self._generated.add(id(a))
        params = [self.var(p) for p in a.params]
        ret = self._ret_text(a.params)
        with self.function(set(params), ret, nested=nested) as body:
            body.line(f"if ctx.trace: ctx.trace({('Action ' + a.cp_name)!r})")
            self.gen_stmt(a.body)
            if ret != "return":
                body.line(ret)
            nl = self.frame.nonlocals
        dest = self.out if nested else self.top
        self._wrap(f"def {fname}(ctx, {''.join(p + ', ' for p in params)}):", body, nl, dest)
        return fname

    def action_ref(self, a: ir.Action) -> str:
        """Name to call an action by, generating top-level ones on demand."""
        if id(a) in self.action_owner:
            return self.name(a, "act", a.cp_name)
        return self.gen_action(a, nested=False)

    def gen_function(self, f: ir.Function) -> str:
        fname = self.name(f, "fn", f.name)
        if id(f) in self._generated:
            return fname
        self._generated.add(id(f))
        params = [self.var(p) for p in f.params]
        outs = [self.var(p) for p in self._out_params(f.params)]
        has_value = not isinstance(f.return_type, ir.VoidType)
        if outs:
            ret = "return (" + ("{value}, " if has_value else "") + "".join(o + ", " for o in outs) + ")"
        else:
            ret = "return {value}" if has_value else "return"
        with self.function(set(params), ret, nested=False) as body:
            self.gen_stmt(f.body)
            if not has_value:
                body.line(ret)
            nl = self.frame.nonlocals
        self._wrap(f"def {fname}(ctx, {''.join(p + ', ' for p in params)}):", body, nl, self.top)
        return fname

    # ------------------------------------------------------------ tables
    def gen_table(self, t: ir.Table) -> None:
        from p4sim.engine.codegen_data import selector_parts_code

        ts = self.global_obj(t, "TB", t.cp_name)
        fname = self.name(t, "tbl", t.cp_name)
        acts = []
        for ar in t.actions:
            fn = self.action_ref(ar.action)
            if ar.args:
                bound = [a for a in ar.args if a.value is not None]
                pre = "".join(self.ex(a.value) + ", " for a in bound)  # type: ignore[arg-type]
                fn = f"(lambda ctx, *a: {fn}(ctx, {pre}*a))"
            acts.append(fn)
        acts_name = f"{fname}_acts"
        self.out.line(f"{acts_name} = ({''.join(a + ', ' for a in acts)})")
        names = self.const(tuple(ar.action.cp_name for ar in t.actions))
        with self.function(set(), "return", nested=True) as body:
            match = [k for k in t.keys if k.match_kind != "selector"]
            sel = [k for k in t.keys if k.match_kind == "selector"]
            parts = []
            for k in match:
                code = self.ex(k.expr)
                if isinstance(k.expr.type, ir.BoolType):
                    code = f"int({code})"
                parts.append(code)
            body.line(f"ent = {ts}.lookup(({''.join(x + ', ' for x in parts)}))")
            body.line("if ent is None:")
            with body.indent():
                body.line(f"ai, args = {ts}.default")
                body.line("hit = False")
            body.line("else:")
            with body.indent():
                body.line("hit = True")
                if t.support_timeout:
                    body.line(f"ent.last_hit = {self.const(time.monotonic_ns)}()")
                if t.counters is not None:
                    body.line("c = ent.counter; c.packets += 1; c.bytes += ctx.ilen")
                if t.meters is not None:
                    body.line("ctx.dm_color = ent.meter.execute(ctx.ilen)")
                if t.implementation is not None:
                    sel_code = selector_parts_code(self, sel) if sel else "b''"
                    body.line(f"r = {ts}.resolve(ent, lambda: {sel_code})")
                    body.line("if r is None:")
                    with body.indent():
                        body.line(f"ai, args = {ts}.default")
                        body.line("hit = False")
                    body.line("else:")
                    with body.indent():
                        body.line("ai, args = r")
                else:
                    body.line("ai = ent.action_idx; args = ent.args")
            body.line(
                f"if ctx.trace: ctx.trace('Table {t.cp_name}: ' + ('hit' if hit else 'miss') "
                f"+ ', action ' + {names}[ai])"
            )
            body.line(f"{acts_name}[ai](ctx, *args)")
            body.line("return hit, ai")
            nl = self.frame.nonlocals
        self._wrap(f"def {fname}():", body, nl, self.out)

    # ------------------------------------------------------------ parsers
    def gen_parser(self, pi: ir.ParserInstance) -> str:
        fname = self.name(pi, "prs", pi.path)
        if id(pi) in self._generated:
            return fname
        self._generated.add(id(pi))
        for sub in pi.subparsers:
            self.gen_parser(sub)
        params = [self.var(p) for p in pi.params]
        owned = set(params) | {self.var(v) for v in pi.variables}
        ret = self._ret_text(pi.params)
        state_fn = {name: self.name(st, "st", f"{pi.path}_{name}") for name, st in pi.states.items()}
        with self.function(owned, ret, nested=False) as body:
            for v in pi.variables:
                body.line(f"{self.var(v)} = {self.factory(v.type)}")
            for name, st in pi.states.items():
                with self.function(set(), "return", nested=True) as sbody:
                    sbody.line(f"if ctx.trace: ctx.trace({('Parser state ' + name)!r})")
                    for s in st.stmts:
                        self.gen_stmt(s)
                    self.gen_transition(st.transition, state_fn)
                    nl = self.frame.nonlocals
                self._wrap(f"def {state_fn[name]}():", sbody, nl, body)
                self.frame.nonlocals |= {n for n in nl if n not in self.frame.owned}
            if "start" not in state_fn:
                raise CompileError(pi.loc, f"parser {pi.path} has no start state")
            body.line(f"st = {state_fn['start']}")
            body.line("while st is not None:")
            with body.indent():
                body.line("st = st()")
            body.line(ret)
            nl = self.frame.nonlocals
        self._wrap(f"def {fname}(ctx, {''.join(p + ', ' for p in params)}):", body, nl, self.top)
        return fname

    def _state_target(self, name: str, state_fn: dict[str, str]) -> str:
        if name == "accept":
            return "return None"
        if name == "reject":
            return "raise ParserError(None)"
        if name not in state_fn:
            raise CompileError(None, f"transition to unknown state {name}")
        return f"return {state_fn[name]}"

    def gen_transition(self, tr: ir.Transition, state_fn: dict[str, str]) -> None:
        out = self.out
        if tr.select is None:
            out.line(self._state_target(tr.next_state or "accept", state_fn))
            return
        keys = []
        for k in tr.select:
            tname = self.tmp()
            out.line(f"{tname} = {self.ex(k)}")
            keys.append((tname, k.type))
        for case in tr.cases:
            conds = self._keyset_conds(case.keysets, keys)
            target = self._state_target(case.next_state, state_fn)
            if conds == "True":
                out.line(target)
                return
            out.line(f"if {conds}:")
            with out.indent():
                out.line(target)
        out.line(f"raise ParserError({self.err.get('NoMatch', 2)})")

    def _keyset_conds(self, keysets: list[ir.Expr], keys: list[tuple[str, ir.Type]]) -> str:
        if len(keysets) == 1 and isinstance(keysets[0], ir.ValueSetRef):
            vs = self.global_obj(keysets[0].value_set, "VS", keysets[0].value_set.cp_name)
            tup = "(" + "".join((f"int({k})" if isinstance(t, ir.BoolType) else k) + ", " for k, t in keys) + ")"
            return f"{vs}.matches({tup})"
        if len(keysets) == 1 and len(keys) > 1 and isinstance(keysets[0], ir.DontCare):
            return "True"
        if len(keysets) != len(keys):
            raise CompileError(None, f"select has {len(keys)} keys but a case has {len(keysets)} keysets")
        conds = []
        for ks, (k, _t) in zip(keysets, keys, strict=True):
            if isinstance(ks, ir.DontCare):
                continue
            if isinstance(ks, ir.Mask):
                m = self.ex(ks.mask)
                conds.append(f"({k} & {m}) == ({self.ex(ks.value)} & {m})")
            elif isinstance(ks, ir.Range):
                conds.append(f"{self.ex(ks.low)} <= {k} <= {self.ex(ks.high)}")
            elif isinstance(ks, ir.ValueSetRef):
                vs = self.global_obj(ks.value_set, "VS", ks.value_set.cp_name)
                conds.append(f"{vs}.matches(({k},))")
            else:
                conds.append(f"{k} == {self.ex(ks)}")
        return " and ".join(conds) if conds else "True"

    # ------------------------------------------------------------ statements
    def gen_stmt(self, s: ir.Stmt) -> None:
        out = self.out
        if isinstance(s, ir.Block):
            for x in s.stmts:
                self.gen_stmt(x)
        elif isinstance(s, ir.Assign):
            self.store(s.lhs, self.ex(s.rhs))
        elif isinstance(s, ir.VarDecl):
            name = self.var(s.var)
            self.frame.owned.add(name)
            if s.init is None:
                out.line(f"{name} = {self.factory(s.var.type)}")
            elif is_composite(s.var.type):
                out.line(f"{name} = ({self.ex(s.init)}).copy()")
            else:
                out.line(f"{name} = {self.ex(s.init)}")
        elif isinstance(s, ir.CallStmt):
            self.gen_call_stmt(s.call)
        elif isinstance(s, ir.If):
            out.line(f"if {self.ex(s.cond)}:")
            with out.indent():
                self.gen_stmt(s.then)
            if s.otherwise is not None:
                out.line("else:")
                with out.indent():
                    self.gen_stmt(s.otherwise)
        elif isinstance(s, ir.Switch):
            self.gen_switch(s)
        elif isinstance(s, ir.Exit):
            out.line("raise P4Exit()")
        elif isinstance(s, ir.Return):
            if s.value is not None:
                out.line(self.frame.ret.format(value=self.ex(s.value)))
            else:
                out.line(self.frame.ret.replace("{value}", "None"))
        elif isinstance(s, ir.Empty):
            pass
        else:
            raise CompileError(s.loc, f"unsupported statement {type(s).__name__}")

    def gen_switch(self, s: ir.Switch) -> None:
        out = self.out
        subj = self.tmp()
        is_action = isinstance(s.subject, ir.TableApply)
        if is_action:
            assert isinstance(s.subject, ir.TableApply)
            table = s.subject.table
            out.line(f"{subj} = {self.name(table, 'tbl', table.cp_name)}()[1]")
            index = {id(ar.action): i for i, ar in enumerate(table.actions)}
        else:
            out.line(f"{subj} = {self.ex(s.subject)}")
        pending: list[str] = []
        first = True
        for case in s.cases:
            for lab in case.labels:
                if isinstance(lab, str) and lab == "default" or isinstance(lab, ir.DontCare):
                    pending.append("True")
                elif is_action and isinstance(lab, ir.Action):
                    pending.append(f"{subj} == {index[id(lab)]}")
                elif isinstance(lab, ir.Expr):
                    pending.append(f"{subj} == {self.ex(lab)}")
                else:
                    raise CompileError(case.loc, f"unsupported switch label {lab!r}")
            if case.body is None:
                continue
            cond = "True" if "True" in pending else " or ".join(pending)
            out.line(f"{'if' if first else 'elif'} {cond}:")
            with out.indent():
                self.gen_stmt(case.body)
            first = False
            pending = []

    # ------------------------------------------------------------ l-values
    def store(self, lhs: ir.Expr, value: str) -> None:
        out = self.out
        t = lhs.type
        if is_composite(t):
            out.line(f"{self.ex(lhs)}.set_from({value})")
            return
        if isinstance(lhs, ir.VarRef):
            name = self.var(lhs.decl)
            self.note_assign(name)
            out.line(f"{name} = {value}")
        elif isinstance(lhs, ir.Member):
            out.line(f"{self.ex(lhs.base)}.f_{lhs.name} = {value}")
        elif isinstance(lhs, ir.Slice):
            width = lhs.base.type.bit_width()
            m = mask(lhs.hi - lhs.lo + 1)
            keep = mask(width) ^ (m << lhs.lo)
            v = self.tmp()
            out.line(f"{v} = {value}")
            self.store(lhs.base, f"(({self.ex(lhs.base)}) & {keep:#x}) | ((({v}) & {m:#x}) << {lhs.lo})")
        elif isinstance(lhs, ir.Cast):
            self.store(lhs.operand, value)
        else:
            raise CompileError(lhs.loc, f"cannot assign to {type(lhs).__name__}")

    # ------------------------------------------------------------ calls
    def call_args(self, params: list[ir.Param], args: list[ir.Argument]) -> tuple[list[str], list[ir.Expr | None]]:
        """Argument code per parameter, and for each scalar out/inout
        parameter (in order) the l-value receiving its final value."""
        by_param = {id(a.param): a for a in args}
        codes: list[str] = []
        outs: list[ir.Expr | None] = []
        for i, p in enumerate(params):
            a = by_param.get(id(p))
            if a is None and i < len(args) and args[i].param.name == p.name:
                a = args[i]
            val = None if a is None else a.value
            if isinstance(val, ir.DontCare):
                val = None
            if p.direction in (None, "in") or isinstance(p.type, ir.ExternType):
                if val is None:
                    codes.append(self.ex(p.default) if p.default is not None else self.factory(p.type))
                else:
                    codes.append(self.ex(val))
            elif is_composite(p.type):
                codes.append(self.ex(val) if val is not None else self.factory(p.type))
            else:
                if p.direction == "inout" and val is not None:
                    codes.append(self.ex(val))
                else:
                    codes.append(scalar_default(p.type))
                outs.append(val)
        return codes, outs

    def emit_call(self, fn: str, params: list[ir.Param], args: list[ir.Argument], has_value: bool) -> str | None:
        """Emit a call; returns the code of its value (if any)."""
        codes, outs = self.call_args(params, args)
        call = f"{fn}(ctx, {''.join(c + ', ' for c in codes)})"
        if not outs:
            if has_value:
                r = self.tmp()
                self.out.line(f"{r} = {call}")
                return r
            self.out.line(call)
            return None
        r = self.tmp()
        self.out.line(f"{r} = {call}")
        base = 1 if has_value else 0
        for i, lv in enumerate(outs):
            if lv is not None:
                self.store(lv, f"{r}[{base + i}]")
        return f"{r}[0]" if has_value else None

    def gen_call_stmt(self, c: ir.Expr) -> None:
        from p4sim.engine.codegen_externs import extern_function, extern_method

        if isinstance(c, ir.ActionCall):
            self.emit_call(self.action_ref(c.action), c.action.params, c.args, False)
        elif isinstance(c, ir.FunctionCall):
            fn = self.gen_function(c.function)
            self.emit_call(fn, c.function.params, c.args, not isinstance(c.function.return_type, ir.VoidType))
        elif isinstance(c, ir.TableApply):
            self.out.line(f"{self.name(c.table, 'tbl', c.table.cp_name)}()")
        elif isinstance(c, ir.ControlApply):
            self.emit_call(self.gen_control(c.instance), c.instance.params, c.args, False)
        elif isinstance(c, ir.ParserApply):
            self.emit_call(self.gen_parser(c.instance), c.instance.params, c.args, False)
        elif isinstance(c, ir.BuiltinCall):
            self.gen_builtin(c)
        elif isinstance(c, ir.ExternFunctionCall):
            extern_function(self, c, as_value=False)
        elif isinstance(c, ir.ExternMethodCall):
            extern_method(self, c, as_value=False)
        else:
            self.out.line(self.ex(c))

    def gen_builtin(self, c: ir.BuiltinCall) -> None:
        out = self.out
        m = c.method
        if m == "setValid":
            h = self.tmp()
            out.line(f"{h} = {self.ex(c.target)}")
            out.line(f"if not {h}.valid:")
            with out.indent():
                out.line(f"{h}.zero(); {h}.valid = True")
            if isinstance(c.target, ir.Member) and isinstance(c.target.base.type, ir.HeaderUnionType):
                out.line(f"{self.ex(c.target.base)}.only({h})")
        elif m == "setInvalid":
            if isinstance(c.target.type, ir.HeaderUnionType):
                out.line(f"{self.ex(c.target)}.reset()")
            else:
                out.line(f"{self.ex(c.target)}.valid = False")
        elif m in ("push_front", "pop_front"):
            out.line(f"{self.ex(c.target)}.{m}({self.ex(c.args[0])})")
        else:
            out.line(self.ex(c))

    # ------------------------------------------------------------ expressions
    def ex(self, e: ir.Expr) -> str:
        fn = getattr(self, "_ex_" + type(e).__name__, None)
        if fn is None:
            raise CompileError(e.loc, f"unsupported expression {type(e).__name__}")
        return fn(e)

    def _ex_Const(self, e: ir.Const) -> str:
        v = e.value
        if isinstance(v, bool):
            return "True" if v else "False"
        if isinstance(v, int):
            return str(v) if v < 1024 else hex(v)
        if isinstance(v, str):
            return repr(v)
        return self.const(v)

    def _ex_VarRef(self, e: ir.VarRef) -> str:
        return self.var(e.decl)

    def _ex_Member(self, e: ir.Member) -> str:
        return f"{self.ex(e.base)}.f_{e.name}"

    def _ex_StackIndex(self, e: ir.StackIndex) -> str:
        return f"{self.ex(e.base)}.elems[{self.ex(e.index)}]"

    def _ex_StackProp(self, e: ir.StackProp) -> str:
        base = self.ex(e.base)
        oob = self.err.get("StackOutOfBounds", 3)
        if e.prop == "next":
            s = self.tmp()
            self.out.line(f"{s} = {base}")
            self.out.line(f"if {s}.nxt >= {s}.size: raise ParserError({oob})")
            return f"{s}.elems[{s}.nxt]"
        if e.prop == "last":
            s = self.tmp()
            self.out.line(f"{s} = {base}")
            self.out.line(f"if {s}.nxt == 0: raise ParserError({oob})")
            return f"{s}.elems[{s}.nxt - 1]"
        if e.prop == "lastIndex":
            return f"(({base}.nxt - 1) & 0xffffffff)"
        if e.prop == "size":
            return f"{base}.size"
        raise CompileError(e.loc, f"unknown stack property {e.prop}")

    def _ex_Slice(self, e: ir.Slice) -> str:
        m = mask(e.hi - e.lo + 1)
        b = self.ex(e.base)
        if e.lo == 0:
            return f"(({b}) & {m:#x})"
        return f"((({b}) >> {e.lo}) & {m:#x})"

    def _ex_Unary(self, e: ir.Unary) -> str:
        a = self.ex(e.operand)
        if e.op == "!":
            return f"(not {a})"
        info = bits_info(e.type)
        if info is None:
            return f"({e.op}{a})"
        m = mask(info[0])
        if e.op == "-":
            return f"((-({a})) & {m:#x})"
        if e.op == "~":
            return f"(({a}) ^ {m:#x})"
        if e.op == "+":
            return a
        raise CompileError(e.loc, f"unknown unary operator {e.op}")

    def _ex_Binary(self, e: ir.Binary) -> str:
        op = e.op
        if op == "&&":
            return f"({self.ex(e.left)} and {self.ex(e.right)})"
        if op == "||":
            return f"({self.ex(e.left)} or {self.ex(e.right)})"
        a, b = self.ex(e.left), self.ex(e.right)
        if op in ("==", "!="):
            return f"({a} {op} {b})"
        if op in ("<", "<=", ">", ">="):
            info = bits_info(e.left.type)
            if info is not None and info[1]:
                h = 1 << (info[0] - 1)
                return f"((({a}) ^ {h:#x}) - {h:#x} {op} (({b}) ^ {h:#x}) - {h:#x})"
            return f"({a} {op} {b})"
        info = bits_info(e.type)
        if info is None:
            # compile-time int left over: plain arithmetic
            pyop = {"/": "//", "++": None}.get(op, op)
            if pyop is None:
                raise CompileError(e.loc, "'++' needs sized operands")
            return f"({a} {pyop} {b})"
        w, signed = info
        m = f"{mask(w):#x}"
        if op == "+":
            return f"(({a} + {b}) & {m})"
        if op == "-":
            return f"(({a} - {b}) & {m})"
        if op == "*":
            return f"(({a} * {b}) & {m})"
        if op in ("&", "|", "^"):
            return f"({a} {op} {b})"
        if op == "|+|":
            return f"sat_add_s({a}, {b}, {w})" if signed else f"min({a} + {b}, {m})"
        if op == "|-|":
            return f"sat_sub_s({a}, {b}, {w})" if signed else f"max({a} - {b}, 0)"
        if op == "<<":
            if isinstance(e.right, ir.Const) and isinstance(e.right.value, int):
                n = e.right.value
                return "0" if n >= w else f"(({a} << {n}) & {m})"
            return f"shl({a}, {b}, {w})"
        if op == ">>":
            if signed:
                h = 1 << (w - 1)
                return f"(((({a}) ^ {h:#x}) - {h:#x}) >> {b} & {m})"
            return f"({a} >> {b})"
        if op == "++":
            wb = e.right.type.bit_width()
            return f"(({a} << {wb}) | {b})"
        if op == "/":
            return f"div_s({a}, {b}, {w})" if signed else f"div_u({a}, {b})"
        if op == "%":
            return f"mod_s({a}, {b}, {w})" if signed else f"mod_u({a}, {b})"
        raise CompileError(e.loc, f"unknown binary operator {op}")

    def _ex_Cast(self, e: ir.Cast) -> str:
        return self.cast(self.ex(e.operand), e.operand.type, e.type)

    def cast(self, code: str, src: ir.Type, dst: ir.Type) -> str:
        if src == dst or src is dst:
            return code
        if isinstance(dst, ir.BoolType):
            return f"(({code}) != 0)" if not isinstance(src, ir.BoolType) else code
        dinfo = bits_info(dst)
        if dinfo is None:
            return code
        dw = dinfo[0]
        if isinstance(src, ir.BoolType):
            return f"(1 if {code} else 0)"
        sinfo = bits_info(src)
        if sinfo is None:  # compile-time int
            return f"(({code}) & {mask(dw):#x})"
        sw, ssigned = sinfo
        if dw > sw:
            if ssigned:
                h = 1 << (sw - 1)
                return f"(((({code}) ^ {h:#x}) - {h:#x}) & {mask(dw):#x})"
            return code
        if dw < sw:
            return f"(({code}) & {mask(dw):#x})"
        return code

    def _ex_Mux(self, e: ir.Mux) -> str:
        return f"({self.ex(e.then)} if {self.ex(e.cond)} else {self.ex(e.otherwise)})"

    def _ex_ListExpr(self, e: ir.ListExpr) -> str:
        t = e.type
        if isinstance(t, ir.StructLikeType):
            obj = self.tmp()
            self.out.line(f"{obj} = {self.factory(t)}")
            names = e.names or [f.name for f in t.fields]
            for n, el in zip(names, e.elements, strict=True):
                ft = t.field(n).type
                if is_composite(ft):
                    self.out.line(f"{obj}.f_{n}.set_from({self.ex(el)})")
                else:
                    self.out.line(f"{obj}.f_{n} = {self.ex(el)}")
            if isinstance(t, ir.HeaderType):
                self.out.line(f"{obj}.valid = True")
            return obj
        return "(" + "".join(self.ex(x) + ", " for x in e.elements) + ")"

    def _ex_EnumMember(self, e: ir.EnumMember) -> str:
        if e.value is not None:
            return str(e.value)
        tname = e.type.name if isinstance(e.type, ir.EnumType) else str(e.type)
        return repr(f"{tname}.{e.member}")

    def _ex_ErrorMember(self, e: ir.ErrorMember) -> str:
        return str(e.code)

    def _ex_MatchKindMember(self, e: ir.MatchKindMember) -> str:
        return repr(e.name)

    def _ex_DontCare(self, e: ir.DontCare) -> str:
        return "None"

    def _ex_BuiltinCall(self, e: ir.BuiltinCall) -> str:
        if e.method == "isValid":
            if isinstance(e.target.type, ir.HeaderUnionType):
                return f"{self.ex(e.target)}.is_valid()"
            return f"{self.ex(e.target)}.valid"
        if e.method in ("minSizeInBits", "minSizeInBytes"):
            t = e.target.type
            bits = t.bit_width() if isinstance(t, ir.HeaderType) else 0
            return str(bits if e.method == "minSizeInBits" else (bits + 7) // 8)
        self.gen_builtin(e)
        return "None"

    def _ex_TableApply(self, e: ir.TableApply) -> str:
        call = f"{self.name(e.table, 'tbl', e.table.cp_name)}()"
        if e.result == "hit":
            return f"{call}[0]"
        if e.result == "miss":
            return f"(not {call}[0])"
        if e.result == "action_run":
            return f"{call}[1]"
        return call

    def _ex_FunctionCall(self, e: ir.FunctionCall) -> str:
        fn = self.gen_function(e.function)
        has_value = not isinstance(e.function.return_type, ir.VoidType)
        r = self.emit_call(fn, e.function.params, e.args, has_value)
        return r or "None"

    def _ex_ActionCall(self, e: ir.ActionCall) -> str:
        self.emit_call(self.action_ref(e.action), e.action.params, e.args, False)
        return "None"

    def _ex_ExternFunctionCall(self, e: ir.ExternFunctionCall) -> str:
        from p4sim.engine.codegen_externs import extern_function

        return extern_function(self, e, as_value=True) or "None"

    def _ex_ExternMethodCall(self, e: ir.ExternMethodCall) -> str:
        from p4sim.engine.codegen_externs import extern_method

        return extern_method(self, e, as_value=True) or "None"

    def _ex_ExternRef(self, e: ir.ExternRef) -> str:
        return self.global_obj(e.instance, "X", e.instance.cp_name)

    def _ex_ValueSetRef(self, e: ir.ValueSetRef) -> str:
        return self.global_obj(e.value_set, "VS", e.value_set.cp_name)
