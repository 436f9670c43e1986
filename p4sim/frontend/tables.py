"""Tables: keys with their P4Info names, action lists, default actions,
entries folded into KeyMatch, and the v1model table properties."""

from __future__ import annotations

from collections.abc import Callable

from p4sim import ir
from p4sim.errors import P4CompileError

from . import ast as A
from . import fold
from .context import Context, Env, anno, anno_string, cp_name, ir_annotations
from .exprs import ExprLowerer, TypeRefR, is_const
from .scope import ActionEntity
from .show import show
from .typesys import fits_width

_KINDS = ("exact", "ternary", "lpm", "range", "optional", "selector")


def int_text(value: int, base: int) -> str:
    """An integer as p4c prints a constant: in its literal's base, no width."""
    if value < 0:
        return "-" + int_text(-value, base)
    return {16: hex(value), 2: bin(value), 8: f"0o{value:o}"}.get(base, str(value))


def key_name(e: A.Expr, constant: Callable[[str], str | None] = lambda _n: None) -> str | None:
    """The match field name p4c generates (frontends/p4/tableKeyNames.cpp).
    p4c names keys after constant folding, so a named constant prints as its
    value: ``constant(name)`` gives that text, or None for other names."""
    if isinstance(e, A.NameExpr):
        return constant(e.name) or e.name
    if isinstance(e, A.MemberExpr):
        base = key_name(e.base, constant)
        return None if base is None else f"{base}.{e.name}"
    if isinstance(e, A.CallExpr) and isinstance(e.callee, A.MemberExpr) and e.callee.name == "isValid" \
            and not e.args:
        base = key_name(e.callee.base, constant)
        return None if base is None else f"{base}.$valid$"
    if isinstance(e, A.IndexExpr):
        b, i = key_name(e.base, constant), key_name(e.index, constant)
        return None if b is None or i is None else f"{b}[{i}]"
    if isinstance(e, A.SliceExpr):
        b, h, lo = key_name(e.base, constant), key_name(e.hi, constant), key_name(e.lo, constant)
        return None if b is None or h is None or lo is None else f"{b}[{h}:{lo}]"
    if isinstance(e, A.IntExpr):
        return int_text(e.lit.value, e.lit.base)
    if isinstance(e, A.BinaryExpr) and e.op == "&":
        left, right = key_name(e.left, constant), key_name(e.right, constant)
        return None if left is None or right is None else f"{left} & {right}"
    return None


def _key_value(v: ir.Expr) -> int:
    if isinstance(v, ir.Const):
        return int(v.value)  # type: ignore[arg-type]
    if isinstance(v, ir.EnumMember) and v.value is not None:
        return v.value
    if isinstance(v, ir.ErrorMember):
        return v.code
    raise TypeError(v)


class TableLowerer:
    def __init__(self, ctx: Context, ex: ExprLowerer,
                 make_instance: Callable[[A.Expr, Env, str, str, list[A.Anno]], ir.ExternInstance]):
        self.ctx = ctx
        self.ex = ex
        self.make_instance = make_instance  # in-place constructor calls (implementation = action_profile(..))

    def table(self, d: A.TableDecl, env: Env) -> ir.Table:
        name = cp_name(env.path, d.name, d.annotations)
        props: dict[str, A.TablePropAst] = {}
        for p in d.properties:
            if p.name in props:
                raise P4CompileError(p.loc, f"{p.name}: duplicate property in table {d.name}")
            props[p.name] = p
        keys = [self.key(k, env) for k in props["key"].value] if "key" in props else []  # type: ignore[union-attr]
        if "actions" not in props:
            raise P4CompileError(d.loc, f"table {d.name} does not have an actions property")
        actions = [self.action_ref(r, env) for r in props["actions"].value]  # type: ignore[union-attr]
        seen: set[int] = set()
        for r, ast_ref in zip(actions, props["actions"].value, strict=True):  # type: ignore[arg-type]
            if id(r.action) in seen:
                raise P4CompileError(ast_ref.loc, f"{ast_ref.name}: duplicate action in table {d.name}")
            seen.add(id(r.action))
        if sum(k.match_kind == "lpm" for k in keys) > 1:
            raise P4CompileError(d.loc, f"{d.name}: Multiple LPM keys in table (BMv2 allows one)")
        t = ir.Table(d.name, name, keys, actions, self._noaction(d), annotations=ir_annotations(d.annotations),
                     loc=d.loc)
        for pname, p in props.items():
            if pname in ("key", "actions"):
                continue
            if pname == "default_action":
                t.default_action = self.bound_action(p.value, t, env, "default_action")  # type: ignore[arg-type]
                t.default_const = p.is_const
                ref = next(r for r in actions if r.action is t.default_action.action)
                if ref.scope == "table_only":
                    raise P4CompileError(p.loc, f"{ref.action.name}: an action annotated @tableonly cannot be "
                                                f"the default action")
            elif pname == "entries":
                t.entries = [self.entry(e, t, env) for e in p.value]  # type: ignore[union-attr]
                t.entries_const = p.is_const
            elif pname == "size":
                t.size = self.ex.const_int(p.value, env)  # type: ignore[arg-type]
                t.size_given = True
                if t.size < 0:
                    raise P4CompileError(p.loc, f"size: table size must be positive, not {t.size}")
            elif pname == "implementation":
                t.implementation = self.extern_prop(p, env, d, ("action_profile", "action_selector"))
            elif pname == "counters":
                t.counters = self.extern_prop(p, env, d, ("direct_counter",))
            elif pname == "meters":
                t.meters = self.extern_prop(p, env, d, ("direct_meter",))
            elif pname == "support_timeout":
                v = self.ex.constant(p.value, env)  # type: ignore[arg-type]
                if not isinstance(v.type, ir.BoolType):
                    raise P4CompileError(p.loc, "support_timeout: expected true or false")
                t.support_timeout = bool(v.value)  # type: ignore[attr-defined]
            else:
                raise P4CompileError(p.loc, f"{pname}: unknown table property (v1model tables have key, actions, "
                                            f"default_action, entries, size, implementation, counters, meters, "
                                            f"support_timeout)")
        if t.entries and not t.keys:
            raise P4CompileError(props["entries"].loc, f"table {d.name}: entries need a key")
        if "default_action" not in props and all(r.action is not t.default_action.action for r in actions):
            # p4c makes the implicit NoAction default a @defaultonly member of the action list.
            actions.append(ir.ActionRef(t.default_action.action, annotations=(ir.Annotation("defaultonly"),),
                                        scope="default_only"))
        self.ctx.tables.append(t)
        return t

    def _noaction(self, d: A.TableDecl) -> ir.BoundAction:
        if self.ctx.noaction is None:
            raise P4CompileError(d.loc, "NoAction: declaration not found (is core.p4 included?)")
        return ir.BoundAction(self.ctx.noaction, [])

    # ------------------------------------------------------------------ keys

    def key(self, k: A.KeyElementAst, env: Env) -> ir.KeyElement:
        e = self.ex.value(k.expr, env)
        if k.match_kind not in self.ctx.match_kinds:
            raise P4CompileError(k.loc, f"{k.match_kind}: declaration not found (not a match_kind)")
        if k.match_kind not in _KINDS:
            raise P4CompileError(k.loc, f"{k.match_kind}: match kind not supported by v1model")
        if isinstance(e.type, ir.IntType) or not fits_width(e.type):
            raise P4CompileError(k.expr.loc, f"{show(k.expr)}: key must have a fixed width, not {e.type}")
        name = anno_string(k.annotations, "name")
        if name is None:
            name = key_name(k.expr, lambda n: self._constant_text(n, env))
            if name is None:
                raise P4CompileError(k.expr.loc, f"{show(k.expr)}: Complex key expression requires a @name "
                                                 f"annotation")
        elif name.startswith("."):
            name = name[1:]
        return ir.KeyElement(e, k.match_kind, name, ir_annotations(k.annotations), k.loc)

    # --------------------------------------------------------------- actions

    def _constant_text(self, name: str, env: Env) -> str | None:
        c = env.scope.lookup(name)
        if not isinstance(c, ir.Constant) or not isinstance(c.value, ir.Const):
            return None
        v = c.value
        if isinstance(v.value, bool) or not isinstance(v.value, int):
            return None
        return int_text(fold.numeric(v), self.ex.const_base.get(id(c), 10))

    def action_ref(self, r: A.ActionRefAst, env: Env) -> ir.ActionRef:
        scope = env.scope.root() if r.dot else env.scope
        ent = scope.lookup(r.name)
        if not isinstance(ent, ActionEntity):
            if ent is None:
                raise P4CompileError(r.loc, f"{r.name}: declaration not found")
            raise P4CompileError(r.loc, f"{r.name}: is not an action")
        act = ent.action
        args: list[ir.Argument] = []
        directional = [p for p in act.params if p.direction is not None]
        if r.args:
            if len(r.args) > len(directional):
                raise P4CompileError(r.loc, f"{r.name}: the actions list may only bind directional parameters")
            for p, a in zip(directional, r.args, strict=False):
                if a.value is None:
                    raise P4CompileError(a.loc, f"{r.name}: _ is not allowed here")
                v = self.ex.value(a.value, env)
                args.append(ir.Argument(p, self.ex.coerce(v, p.type, a.loc, show(a.value))))
        elif directional:
            raise P4CompileError(r.loc, f"{r.name}: action parameters with a direction need arguments in the "
                                        f"actions list")
        scope_kind = "all"
        if anno(r.annotations, "tableonly"):
            scope_kind = "table_only"
        if anno(r.annotations, "defaultonly"):
            scope_kind = "default_only"
        return ir.ActionRef(act, args, ir_annotations(r.annotations), scope_kind)

    def bound_action(self, r: A.ActionRefAst, t: ir.Table, env: Env, what: str) -> ir.BoundAction:
        scope = env.scope.root() if r.dot else env.scope
        ent = scope.lookup(r.name)
        target = ent.action if isinstance(ent, ActionEntity) else None
        ref = next((x for x in t.actions if x.action is target), None)
        if ref is None:
            if target is None and ent is None:
                raise P4CompileError(r.loc, f"{r.name}: declaration not found")
            raise P4CompileError(r.loc, f"{r.name}: {what} action is not present in the actions list of table "
                                        f"{t.name}")
        act = ref.action
        cp = act.cp_params
        given = r.args or []
        if r.args is None and cp:
            raise P4CompileError(r.loc, f"{r.name}: the action needs arguments for {', '.join(p.name for p in cp)}")
        if len(given) == len(act.params) and len(given) != len(cp):
            given = given[len(act.params) - len(cp):]
        if len(given) != len(cp):
            raise P4CompileError(r.loc, f"{r.name}: expected {len(cp)} arguments, got {len(given)}")
        vals: list[ir.Const] = []
        for p, a in zip(cp, given, strict=True):
            if a.value is None:
                raise P4CompileError(a.loc, f"{r.name}: _ is not allowed as an action argument")
            v = self.ex.coerce(self.ex.value(a.value, env), p.type, a.loc, show(a.value))
            if isinstance(v, ir.EnumMember) and v.value is not None:
                v = ir.Const(p.type, v.loc, v.value)
            if not isinstance(v, ir.Const):
                raise P4CompileError(a.loc, f"{show(a.value)}: Compile-time constant expected as an argument of "
                                            f"{r.name} in {what}")
            vals.append(v)
        if what == "entry" and ref.scope == "default_only":
            raise P4CompileError(r.loc, f"{r.name}: action annotated @defaultonly cannot be used in an entry")
        return ir.BoundAction(act, vals)

    # --------------------------------------------------------------- entries

    def entry(self, e: A.EntryAst, t: ir.Table, env: Env) -> ir.ConstEntry:
        elems = e.keyset.elements if isinstance(e.keyset, A.TupleKeyset) else [e.keyset]
        if len(elems) != len(t.keys):
            raise P4CompileError(e.keyset.loc, f"{show(e.keyset)}: {len(elems)} key values for table {t.name}, "
                                               f"which has {len(t.keys)} keys")
        keys = [self.key_match(x, k, env) for x, k in zip(elems, t.keys, strict=True)]
        action = self.bound_action(e.action, t, env, "entry")
        prio = None
        if e.priority is not None:
            prio = self.ex.const_int(e.priority, env)
        pa = anno(e.annotations, "priority")
        if pa is not None and prio is None:
            if not pa.tokens or pa.tokens[0].kind != "int":
                raise P4CompileError(pa.loc, "@priority needs an integer")
            prio = pa.tokens[0].value.value  # type: ignore[union-attr]
        return ir.ConstEntry(keys, action, prio, ir_annotations(e.annotations), e.loc)

    def key_match(self, x: A.Expr, k: ir.KeyElement, env: Env) -> ir.KeyMatch:
        kt = k.expr.type
        width = k.width
        full = (1 << width) - 1
        kind = k.match_kind
        if isinstance(x, A.DontCareExpr):
            if kind == "exact":
                raise P4CompileError(x.loc, f"{k.name}: an exact key cannot be a don't care (_)")
            return ir.KeyMatch("dontcare")
        if isinstance(x, A.MaskExpr):
            v = self._const(x.value, kt, env)
            m = self._const(x.mask, kt, env)
            if kind == "ternary":
                return ir.KeyMatch("ternary", v & m, m)
            if kind == "lpm":
                plen = bin(m).count("1")
                if m != (full >> (width - plen) << (width - plen)) & full:
                    raise P4CompileError(x.mask.loc, f"{show(x.mask)}: mask for lpm key {k.name} is not a prefix")
                return ir.KeyMatch("lpm", v & m, plen)
            raise P4CompileError(x.loc, f"{show(x)}: &&& is not allowed for a {kind} key ({k.name})")
        if isinstance(x, A.RangeExpr):
            if kind != "range":
                raise P4CompileError(x.loc, f"{show(x)}: .. is only allowed for a range key, {k.name} is {kind}")
            lo = self._const(x.low, kt, env)
            hi = self._const(x.high, kt, env)
            return ir.KeyMatch("range", lo, hi)
        v = self._const(x, kt, env)
        if kind == "ternary":
            return ir.KeyMatch("ternary", v, full)
        if kind == "lpm":
            return ir.KeyMatch("lpm", v, width)
        if kind == "range":
            return ir.KeyMatch("range", v, v)
        if kind == "optional":
            return ir.KeyMatch("optional", v)  # the engine's canonical form (P4Runtime's Optional)
        return ir.KeyMatch("exact", v)

    def _const(self, x: A.Expr, t: ir.Type, env: Env) -> int:
        v = self.ex.value(x, env)
        v = self.ex.coerce(v, t, x.loc, show(x))
        if not is_const(v):
            raise P4CompileError(x.loc, f"{show(x)}: Compile-time constant expected in a table entry")
        return _key_value(v)

    # ------------------------------------------------------------- externs

    def extern_prop(self, p: A.TablePropAst, env: Env, d: A.TableDecl, kinds: tuple[str, ...]) -> ir.ExternInstance:
        x = p.value
        assert isinstance(x, A.Expr)
        if isinstance(x, A.CallExpr) and isinstance(x.callee, A.TypeNameExpr):
            # p4c names the anonymous instance after the table, unless the
            # property itself carries a @name
            given = anno_string(p.annotations, "name")
            local = given.lstrip(".") if given is not None else d.name
            cp = cp_name(env.path, local, p.annotations) if given is not None else \
                cp_name(env.path, d.name, d.annotations)
            inst = self.make_instance(x, env, local, cp, p.annotations)
        else:
            r = self.ex.lower(x, env)
            if isinstance(r, TypeRefR) or not isinstance(r, ir.ExternRef):
                raise P4CompileError(x.loc, f"{show(x)}: {p.name} must name an extern instance")
            inst = r.instance
        if inst.type.name not in kinds:
            raise P4CompileError(x.loc, f"{show(x)}: {p.name} must be {' or '.join(kinds)}, not {inst.type.name}")
        return inst


__all__ = ["TableLowerer", "key_name", "int_text"]
