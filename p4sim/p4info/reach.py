"""What survives p4c's front end and therefore appears in its P4Info.

p4c generates P4Info after its front end, which removes tables nobody applies,
control instances nobody applies (with everything declared inside them), and
actions no table lists (directly called actions are inlined first). Our IR
keeps all of those, so the P4Info generator asks this module which objects a
real p4c would still see.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field

from p4sim import ir


@dataclass
class Reachable:
    """Objects in p4c's order of discovery: pipeline controls in V1Switch
    order, and inside each control the nested instances' contents first, then
    its own declarations (p4c inlines nested instances where they are
    declared, which is usually before the tables that follow them)."""

    controls: list[ir.ControlInstance] = field(default_factory=list)
    tables: list[ir.Table] = field(default_factory=list)
    externs: list[ir.ExternInstance] = field(default_factory=list)


def _pipeline(program: ir.Program) -> list[ir.ControlInstance]:
    return [
        program.verify_checksum,
        program.ingress,
        program.egress,
        program.compute_checksum,
        program.deparser,
    ]


def _applied(block: ir.Stmt) -> tuple[set[int], list[ir.ControlInstance]]:
    """Tables (by id) and control instances applied anywhere under ``block``."""
    tables: set[int] = set()
    controls: list[ir.ControlInstance] = []
    seen: set[int] = set()
    stack: list[object] = [block]
    while stack:
        node = stack.pop()
        if isinstance(node, list | tuple):
            stack.extend(node)
            continue
        if not isinstance(node, ir.Stmt | ir.Expr | ir.SwitchCase | ir.Argument | ir.SelectCase):
            continue
        if id(node) in seen:
            continue
        seen.add(id(node))
        if isinstance(node, ir.TableApply):
            tables.add(id(node.table))
            continue
        if isinstance(node, ir.ControlApply):
            controls.append(node.instance)
            stack.extend(node.args)
            continue
        if isinstance(node, ir.ActionCall | ir.FunctionCall | ir.VarRef | ir.ExternRef | ir.ValueSetRef):
            # Their targets are declarations; only the arguments hold code.
            stack.extend(getattr(node, "args", ()))
            continue
        for f in dataclasses.fields(node):
            stack.append(getattr(node, f.name))
    return tables, controls


def _all_controls(roots: list[ir.ControlInstance]) -> list[ir.ControlInstance]:
    out: list[ir.ControlInstance] = []
    stack = list(reversed(roots))
    while stack:
        c = stack.pop()
        out.append(c)
        stack.extend(reversed(c.subcontrols))
    return out


def _parser_externs(p: ir.ParserInstance) -> list[ir.ExternInstance]:
    out = list(p.externs)
    for sub in p.subparsers:
        out.extend(_parser_externs(sub))
    return out


def reachable(program: ir.Program) -> Reachable:
    result = Reachable()
    applied_tables: set[int] = set()
    applied_controls: set[int] = set()

    def visit(c: ir.ControlInstance) -> None:
        if id(c) in applied_controls:
            return
        applied_controls.add(id(c))
        tables, subs = _applied(c.apply)
        applied_tables.update(tables)
        for sub in subs:
            visit(sub)

    for root in _pipeline(program):
        visit(root)

    def emit(c: ir.ControlInstance) -> None:
        if id(c) not in applied_controls:
            return
        for sub in c.subcontrols:
            emit(sub)
        result.controls.append(c)
        result.tables.extend(t for t in c.tables if id(t) in applied_tables)
        result.externs.extend(c.externs)

    for root in _pipeline(program):
        emit(root)

    declared_in_controls = {id(e) for c in _all_controls(_pipeline(program)) for e in c.externs}
    parser_externs = _parser_externs(program.parser)
    declared_in_parsers = {id(e) for e in parser_externs}
    # Top-level instances (outside any parser or control) are kept by p4c
    # whether used or not; so are extern instances of parsers.
    kept = {id(e) for e in result.externs}
    for e in parser_externs:
        if id(e) not in kept:
            result.externs.append(e)
            kept.add(id(e))
    for e in program.externs:
        if id(e) in kept or id(e) in declared_in_controls or id(e) in declared_in_parsers:
            continue
        result.externs.append(e)
        kept.add(id(e))
    return result


def table_actions(reach: Reachable, program: ir.Program) -> list[ir.Action]:
    """Actions listed by the reachable tables, deduplicated by control-plane
    name (p4c serializes a top-level action once although every control
    using it holds a copy). Order as p4c's: top-level actions first (they are
    localized at the top of each control), then each control's own."""
    wanted: dict[str, ir.Action] = {}
    for t in reach.tables:
        for ref in t.actions:
            wanted.setdefault(ref.action.cp_name, ref.action)
        wanted.setdefault(t.default_action.action.cp_name, t.default_action.action)
    in_controls = {id(a) for c in reach.controls for a in c.actions}
    top_level = [a for a in program.actions if id(a) not in in_controls]
    ordered: list[ir.Action] = []
    done: set[str] = set()
    for a in [*top_level, *(a for c in reach.controls for a in c.actions), *wanted.values()]:
        if a.cp_name in wanted and a.cp_name not in done:
            ordered.append(a)
            done.add(a.cp_name)
    return ordered
