"""Invariants of the IR every program must satisfy, whatever it uses: the
engine relies on them (ir.py's contract) and cannot check them cheaply."""

from __future__ import annotations

from pathlib import Path

import pytest
from fe_walk import walk

from p4sim import ir
from p4sim.frontend import compile_file

HERE = Path(__file__).resolve().parent
CONF = Path(__file__).resolve().parents[3].parent / "shared" / "conformance"
PROGRAMS = [HERE / "programs" / "kitchen_sink.p4"] + sorted(CONF.glob("*.p4"))


@pytest.fixture(scope="module", params=PROGRAMS, ids=[p.name for p in PROGRAMS])
def prog(request: pytest.FixtureRequest) -> ir.Program:
    return compile_file(str(request.param))


def test_no_front_end_types_left(prog: ir.Program) -> None:
    for node in walk(prog):
        if isinstance(node, ir.Expr):
            assert not isinstance(node.type, ir.IntType), f"int-typed {type(node).__name__} at {node.loc}"
            assert type(node.type).__module__ == "p4sim.ir", f"{node.type} at {node.loc}"
        if isinstance(node, ir.ExternMethodCall | ir.ExternFunctionCall):
            assert all(type(t).__module__ == "p4sim.ir" for t in node.type_args), node.loc


def test_constants_fit_their_type(prog: ir.Program) -> None:
    for node in walk(prog):
        if isinstance(node, ir.Const) and isinstance(node.type, ir.BitsType):
            assert 0 <= node.value < (1 << node.type.width), f"{node.value} in {node.type} at {node.loc}"


def test_assignments_and_arguments_are_typed_alike(prog: ir.Program) -> None:
    for node in walk(prog):
        if isinstance(node, ir.Assign):
            assert node.lhs.type == node.rhs.type or node.lhs.type is node.rhs.type, node.loc
        if isinstance(node, ir.Binary) and node.op in ("+", "-", "*", "&", "|", "^", "|+|", "|-|"):
            assert node.left.type == node.right.type == node.type, node.loc


def test_names_are_unique(prog: ir.Program) -> None:
    for items in (prog.tables, prog.actions, prog.externs, prog.value_sets):
        names = [x.cp_name for x in items]
        assert len(names) == len(set(names))
    for t in prog.tables:
        assert all(r.action in prog.actions for r in t.actions)
        assert t.default_action.action in prog.actions
        for e in t.entries:
            assert len(e.keys) == len(t.keys)
            assert [a.type for a in e.action.args] == [p.type for p in e.action.action.cp_params]


def test_kitchen_sink_details() -> None:
    p = compile_file(str(HERE / "programs" / "kitchen_sink.p4"))
    assert p.v1model_version == 20200408
    assert p.errors[7:] == ["BadVersion", "TooManyLabels"]
    assert p.field_lists == {1: [("tag",), ("inner", "x")], 2: [("inner", "x")]}
    assert [d.type.name for d in p.digests] == ["learn_t"]
    assert [e.cp_name for e in p.externs if e.type.name == "counter"] == ["I.c16.hits", "I.c32.hits"]
    assert [e.arg("size").value for e in p.externs if e.type.name == "counter"] == [16, 32]
    acl = p.table("global_acl")
    assert [e.priority for e in acl.entries] == [10, 3, None]
    assert [k.name for k in acl.keys] == ["src_hi", "hdr.l4.tcp.dport", "meta.inner.y", "hdr.ipv4.protocol"]
    assert p.parser.subparsers[0].path == "P.mpls_p"
