"""Small constructors for hand-built IR programs.

They let the P4Info tests describe a program's control-plane surface (tables,
actions, externs) without a front end, so the generator can be checked in
isolation against p4c's recorded output."""

from __future__ import annotations

from p4sim import ir

LOC = ir.SourceLoc("test.p4", 1, 1)


def bits(width: int) -> ir.BitsType:
    return ir.BitsType(width)


def const(value: int, width: int) -> ir.Const:
    return ir.Const(bits(width), LOC, value)


def ann(name: str, body: str | None = None, value: object = None) -> ir.Annotation:
    return ir.Annotation(name, body, value)


def action(cp_name: str, *params: tuple[str, int], annotations: tuple[ir.Annotation, ...] = ()) -> ir.Action:
    return ir.Action(
        name=cp_name.rsplit(".", 1)[-1],
        cp_name=cp_name,
        params=[ir.Param(n, None, bits(w), loc=LOC) for n, w in params],
        body=ir.Block(LOC, []),
        annotations=annotations,
        loc=LOC,
    )


NO_ACTION = action("NoAction", annotations=(ann("noWarn", '"unused"', "unused"),))


def key(name: str, width: int, kind: str, annotations: tuple[ir.Annotation, ...] = ()) -> ir.KeyElement:
    expr = ir.VarRef(bits(width), LOC, ir.Variable(name, bits(width)))
    return ir.KeyElement(expr, kind, name, annotations, LOC)


def table(
    cp_name: str,
    keys: list[ir.KeyElement],
    actions: list[ir.Action | ir.ActionRef],
    default: ir.Action,
    default_args: tuple[int, ...] = (),
    **kw,
) -> ir.Table:
    refs = [a if isinstance(a, ir.ActionRef) else ir.ActionRef(a) for a in actions]
    args = [const(v, p.type.bit_width()) for v, p in zip(default_args, default.cp_params, strict=True)]
    return ir.Table(
        name=cp_name.rsplit(".", 1)[-1],
        cp_name=cp_name,
        keys=keys,
        actions=refs,
        default_action=ir.BoundAction(default, args),
        loc=LOC,
        **kw,
    )


def apply_tables(*tables: ir.Table) -> ir.Block:
    return ir.Block(LOC, [ir.CallStmt(LOC, ir.TableApply(ir.VoidType(), LOC, t)) for t in tables])


def control(
    path: str,
    tables: list[ir.Table] = (),  # type: ignore[assignment]
    actions: list[ir.Action] = (),  # type: ignore[assignment]
    externs: list[ir.ExternInstance] = (),  # type: ignore[assignment]
    subcontrols: list[ir.ControlInstance] = (),  # type: ignore[assignment]
    apply: ir.Block | None = None,
) -> ir.ControlInstance:
    if apply is None:
        stmts: list[ir.Stmt] = [ir.CallStmt(LOC, ir.TableApply(ir.VoidType(), LOC, t)) for t in tables]
        stmts += [ir.CallStmt(LOC, ir.ControlApply(ir.VoidType(), LOC, c, [])) for c in subcontrols]
        apply = ir.Block(LOC, stmts)
    return ir.ControlInstance(
        type_name=path.split(".")[0],
        path=path,
        params=[],
        variables=[],
        actions=list(actions),
        tables=list(tables),
        externs=list(externs),
        subcontrols=list(subcontrols),
        apply=apply,
        loc=LOC,
    )


def extern(type_name: str, cp_name: str, type_args=(), annotations=(), **ctor: ir.Expr) -> ir.ExternInstance:
    return ir.ExternInstance(
        name=cp_name.rsplit(".", 1)[-1],
        cp_name=cp_name,
        type=ir.ExternType(type_name, tuple(type_args)),
        ctor_params=list(ctor),
        ctor_args=list(ctor.values()),
        annotations=tuple(annotations),
        loc=LOC,
    )


def enum_member(name: str) -> ir.EnumMember:
    return ir.EnumMember(ir.EnumType("CounterType", []), LOC, name)


def program(ingress: ir.ControlInstance, egress: ir.ControlInstance | None = None, **kw) -> ir.Program:
    def collect(c: ir.ControlInstance, attr: str) -> list:
        out = list(getattr(c, attr))
        for s in c.subcontrols:
            out += collect(s, attr)
        return out

    egress = egress or control("E")
    controls = [ingress, egress]
    parser = ir.ParserInstance("P", "P", [], [], {}, [], [], [])
    actions = [NO_ACTION] + [a for c in controls for a in collect(c, "actions")]
    return ir.Program(
        source_file="test.p4",
        parser=parser,
        verify_checksum=control("V"),
        ingress=ingress,
        egress=egress,
        compute_checksum=control("C"),
        deparser=control("D"),
        errors=["NoError"],
        types=[],
        actions=kw.pop("actions", actions),
        tables=[t for c in controls for t in collect(c, "tables")],
        externs=[e for c in controls for e in collect(c, "externs")],
        value_sets=kw.pop("value_sets", []),
        digests=kw.pop("digests", []),
        field_lists={},
        controller_headers=kw.pop("controller_headers", {}),
        **kw,
    )
