"""The three recorded conformance programs compile to the IR that the engine
and the P4Info generator need: names exactly as in the recorded P4Info,
widths, const entries folded, default actions, instances elaborated."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from p4sim import ir
from p4sim.frontend import compile_file

CONF = Path(__file__).resolve().parents[3].parent / "shared" / "conformance"

pytestmark = pytest.mark.skipif(not CONF.is_dir(), reason="conformance vectors not present on this machine")


def p4info_names(name: str, section: str) -> list[str]:
    """Preamble names of one P4Info section (tables, actions, registers...)."""
    text = (CONF / f"{name}.p4info.txtpb").read_text()
    out = []
    for block in re.split(r"\n(?=\w+ \{)", text):
        if block.startswith(section + " {"):
            m = re.search(r'preamble \{\s*id: \d+\s*name: "([^"]+)"', block)
            assert m is not None
            out.append(m.group(1))
    return out


@pytest.fixture(scope="module")
def control() -> ir.Program:
    return compile_file(str(CONF / "conf_control.p4"))


@pytest.fixture(scope="module")
def l2l3() -> ir.Program:
    return compile_file(str(CONF / "conf_l2_l3.p4"))


@pytest.fixture(scope="module")
def arith() -> ir.Program:
    return compile_file(str(CONF / "conf_arith.p4"))


def test_table_names_match_recorded_p4info(control: ir.Program, l2l3: ir.Program) -> None:
    assert sorted(t.cp_name for t in control.tables) == sorted(p4info_names("conf_control", "tables"))
    assert sorted(t.cp_name for t in l2l3.tables) == sorted(p4info_names("conf_l2_l3", "tables"))


def test_action_names_cover_recorded_p4info(control: ir.Program, l2l3: ir.Program) -> None:
    for prog, name in ((control, "conf_control"), (l2l3, "conf_l2_l3")):
        have = {a.cp_name for a in prog.actions}
        assert set(p4info_names(name, "actions")) <= have


def test_register_instance(control: ir.Program) -> None:
    reg = control.extern("CIngress.seen_count")
    assert p4info_names("conf_control", "registers") == ["CIngress.seen_count"]
    assert reg.type.name == "register"
    assert reg.type.type_args == (ir.BitsType(32),)
    assert reg.ctor_params == ["size"]
    assert isinstance(reg.arg("size"), ir.Const) and reg.arg("size").value == 16


def test_two_instances_of_a_control_are_separate(control: ir.Program) -> None:
    subs = control.ingress.subcontrols
    assert [(s.type_name, s.path) for s in subs] == [("Accumulate", "CIngress.acc1"), ("Accumulate", "CIngress.acc2")]
    t1, t2 = control.table("CIngress.acc1.acc_t"), control.table("CIngress.acc2.acc_t")
    assert t1 is not t2
    assert t1.default_action.action is control.action("CIngress.acc1.acc_add")
    assert t2.default_action.action is control.action("CIngress.acc2.acc_add")
    assert [c.value for c in t1.default_action.args] == [1]
    # the constructor-less sub-control's apply parameter `add` is its own Param per instance
    assert subs[0].params[1] is not subs[1].params[1]


def test_key_names_and_widths(control: ir.Program, l2l3: ir.Program) -> None:
    keys = [(k.name, k.match_kind, k.width) for k in control.table("CIngress.classify").keys]
    assert keys == [("hdr.ethernet.ether_type", "exact", 16), ("hdr.ethernet.dst[7:0]", "ternary", 8)]
    acl = [(k.name, k.match_kind, k.width) for k in l2l3.table("ConfIngress.acl").keys]
    assert acl == [("hdr.ipv4.src_addr", "ternary", 32), ("hdr.ipv4.protocol", "ternary", 8),
                   ("hdr.l4.dst_port", "range", 16)]


def test_const_entries_folded(control: ir.Program, l2l3: ir.Program) -> None:
    cls = control.table("CIngress.classify")
    assert cls.entries_const
    assert [e.keys for e in cls.entries] == [
        [ir.KeyMatch("exact", 0x0800), ir.KeyMatch("ternary", 0x01, 0xFF)],
        [ir.KeyMatch("exact", 0x0800), ir.KeyMatch("dontcare")],
        [ir.KeyMatch("exact", 0x86DD), ir.KeyMatch("ternary", 0x00, 0x01)],
    ]
    assert [e.action.action.name for e in cls.entries] == ["set_a", "set_b", "stop_here"]
    assert cls.entries[0].action.args[0].type == ir.BitsType(9)
    lpm = l2l3.table("ConfIngress.ipv4_lpm")
    assert [e.keys[0] for e in lpm.entries] == [
        ir.KeyMatch("lpm", 0xC0000200, 24),
        ir.KeyMatch("lpm", 0xC0000280, 25),
        ir.KeyMatch("lpm", 0xC6120000, 15),
        ir.KeyMatch("lpm", 0xC6120001, 32),
    ]
    assert [c.value for c in lpm.entries[0].action.args] == [1, 0x020000000101]
    acl = l2l3.table("ConfIngress.acl")
    assert acl.entries[0].keys == [ir.KeyMatch("ternary", 0xCB007100, 0xFFFFFF00), ir.KeyMatch("ternary", 6, 0xFF),
                                   ir.KeyMatch("range", 22, 22)]
    assert all(e.priority is None for e in acl.entries)


def test_default_actions(l2l3: ir.Program) -> None:
    assert l2l3.table("ConfIngress.dmac").default_action.action.cp_name == "NoAction"
    assert l2l3.table("ConfIngress.ipv4_lpm").default_action.action.cp_name == "ConfIngress.drop"
    assert not l2l3.table("ConfIngress.ipv4_lpm").default_const
    assert l2l3.table("ConfIngress.dmac").size == 1024


def test_noaction_annotation(l2l3: ir.Program) -> None:
    na = l2l3.action("NoAction")
    assert [str(a) for a in na.annotations] == ['@noWarn("unused")']


def test_errors_and_version(arith: ir.Program) -> None:
    assert arith.errors[:7] == ["NoError", "PacketTooShort", "NoMatch", "StackOutOfBounds", "HeaderTooShort",
                                "ParserTimeout", "ParserInvalidArgument"]
    assert arith.v1model_version == 20180101


def _assign_to(prog: ir.Program, field: str) -> ir.Assign:
    for s in prog.ingress.apply.stmts:
        if isinstance(s, ir.Assign) and isinstance(s.lhs, ir.Member) and s.lhs.name == field:
            return s
    raise AssertionError(field)


def test_arith_precedence_and_widths(arith: ir.Program) -> None:
    # (w << 3) ^ ((w >> 5) + (bit<32>)c): + binds tighter than ^
    rhs = _assign_to(arith, "w_mix").rhs
    assert isinstance(rhs, ir.Binary) and rhs.op == "^"
    assert isinstance(rhs.right, ir.Binary) and rhs.right.op == "+"
    concat = _assign_to(arith, "concat16").rhs
    assert isinstance(concat, ir.Binary) and concat.op == "++" and concat.type == ir.BitsType(16)
    sadd = _assign_to(arith, "sadd").rhs
    assert sadd.type == ir.BitsType(8, signed=True)
    x = _assign_to(arith, "and_or_xor").rhs
    assert isinstance(x, ir.Binary) and isinstance(x.right, ir.Binary)
    lit = x.right.right
    assert isinstance(lit, ir.Const) and lit.type == ir.BitsType(8) and lit.value == 0x5A


def test_checksum_call(l2l3: ir.Program) -> None:
    (stmt,) = l2l3.verify_checksum.apply.stmts
    assert isinstance(stmt, ir.CallStmt) and isinstance(stmt.call, ir.ExternFunctionCall)
    call = stmt.call
    assert call.name == "verify_checksum"
    data = call.args[1].value
    assert isinstance(data, ir.ListExpr) and len(data.elements) == 11
    assert call.type_args[1] == ir.BitsType(16)
    algo = call.args[3].value
    assert isinstance(algo, ir.EnumMember) and algo.member == "csum16"


def test_parser_select(l2l3: ir.Program) -> None:
    states = l2l3.parser.states
    assert list(states) == ["start", "parse_ipv4", "parse_l4"]
    tr = states["parse_ipv4"].transition
    assert tr.select is not None and [k.type for k in tr.select] == [ir.BitsType(4), ir.BitsType(8)]
    first = tr.cases[0]
    assert [(k.value, k.type) for k in first.keysets] == [(5, ir.BitsType(4)), (6, ir.BitsType(8))]
    assert isinstance(tr.cases[-1].keysets[0], ir.DontCare)


def test_locations_point_into_the_original_file(l2l3: ir.Program) -> None:
    t = l2l3.table("ConfIngress.dmac")
    assert t.loc.file.endswith("conf_l2_l3.p4")
    assert t.loc.line == 64
    na = l2l3.action("NoAction")
    assert na.loc.file.endswith("core.p4")
