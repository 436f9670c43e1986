"""v1model restrictions that p4c's BMv2 back end enforces on a whole program.

p4sim could run more than BMv2 does, but a program that only p4sim accepts
would fail the day it meets real p4c + simple_switch, so these are errors:
checksum calls live only in the two checksum controls, and those controls
hold nothing else (v1model.p4: "The only legal statements in the
implementation of the VerifyChecksum control are: block statements, calls to
the verify_checksum and verify_checksum_with_payload methods, and return
statements", and likewise for ComputeChecksum).
"""

from __future__ import annotations

from collections.abc import Iterator

from p4sim import ir
from p4sim.errors import P4CompileError

_VERIFY = ("verify_checksum", "verify_checksum_with_payload")
_UPDATE = ("update_checksum", "update_checksum_with_payload")


def check_v1model(prog: ir.Program) -> None:
    for e in prog.externs:
        if e.type.name == "register" and e.type.type_args and not isinstance(e.type.type_args[0], ir.BitsType):
            raise P4CompileError(e.loc, f"{e.name}: register<{e.type.type_args[0]}>: BMv2 registers hold only "
                                        f"bit<W> or int<W> values")
    _checksum_control(prog.verify_checksum, _VERIFY, "VerifyChecksum")
    _checksum_control(prog.compute_checksum, _UPDATE, "ComputeChecksum")
    for block in (prog.ingress, prog.egress, prog.deparser):
        for call in _calls_in_control(block):
            if call.name in _VERIFY + _UPDATE:
                where = "VerifyChecksum" if call.name in _VERIFY else "ComputeChecksum"
                raise P4CompileError(call.loc, f"{call.name}: can only be called from the {where} control of "
                                               f"V1Switch (BMv2 computes checksums only there)")
    for state in _parser_states(prog.parser):
        for call in _calls_in_stmts(state.stmts):
            if call.name in _VERIFY + _UPDATE:
                raise P4CompileError(call.loc, f"{call.name}: cannot be called from a parser in v1model")


def _checksum_control(c: ir.ControlInstance, allowed: tuple[str, ...], role: str) -> None:
    if c.tables or c.subcontrols or c.externs:
        what = "tables" if c.tables else "control instances" if c.subcontrols else "extern instances"
        raise P4CompileError(c.loc, f"{c.type_name}: the {role} control cannot declare {what} (v1model allows only "
                                    f"{' and '.join(allowed)} calls there)")
    for s in _flatten(c.apply):
        ok = isinstance(s, ir.Return | ir.Empty) or (
            isinstance(s, ir.CallStmt) and isinstance(s.call, ir.ExternFunctionCall) and s.call.name in allowed)
        if not ok:
            raise P4CompileError(s.loc, f"{c.type_name}: only {' and '.join(allowed)} calls are allowed in the "
                                        f"{role} control (v1model)")


def _flatten(b: ir.Block) -> Iterator[ir.Stmt]:
    for s in b.stmts:
        if isinstance(s, ir.Block):
            yield from _flatten(s)
        else:
            yield s


def _calls_in_control(c: ir.ControlInstance) -> Iterator[ir.ExternFunctionCall]:
    yield from _calls_in_stmts(c.apply.stmts)
    for a in c.actions:
        yield from _calls_in_stmts(a.body.stmts)
    for sub in c.subcontrols:
        yield from _calls_in_control(sub)


def _parser_states(p: ir.ParserInstance) -> Iterator[ir.ParserState]:
    yield from p.states.values()
    for sub in p.subparsers:
        yield from _parser_states(sub)


def _calls_in_stmts(stmts: list[ir.Stmt]) -> Iterator[ir.ExternFunctionCall]:
    for s in stmts:
        if isinstance(s, ir.CallStmt) and isinstance(s.call, ir.ExternFunctionCall):
            yield s.call
        elif isinstance(s, ir.Block):
            yield from _calls_in_stmts(s.stmts)
        elif isinstance(s, ir.If):
            yield from _calls_in_stmts([s.then] + ([s.otherwise] if s.otherwise is not None else []))
        elif isinstance(s, ir.Switch):
            for case in s.cases:
                if case.body is not None:
                    yield from _calls_in_stmts(case.body.stmts)
