"""Language suite: one small program per feature; each test compiles it and
checks the IR the engine and the P4Info generator rely on."""

from __future__ import annotations

import pytest
from fe_helpers import compile_snippet, program, stmts

from p4sim import ir
from p4sim.errors import P4CompileError
from p4sim.frontend import compile_source

# ------------------------------------------------------------------ types


def test_typedef_newtype_const_and_serializable_enum() -> None:
    prog = compile_snippet(
        types="typedef bit<9> port_t; type bit<32> addr_t; const port_t CPU = 64;\n"
        "enum bit<8> Kind { A = 1, B = 0x20 }\nenum Plain { X, Y }\n",
        meta="port_t p; addr_t a; Kind k; bit<8> raw;",
        ingress="meta.p = CPU; meta.k = Kind.B; meta.raw = (bit<8>)meta.k; Plain q = Plain.Y;",
    )
    s = stmts(prog)
    assert isinstance(s[0], ir.Assign) and isinstance(s[0].rhs, ir.Const)
    assert s[0].rhs.type == ir.BitsType(9) and s[0].rhs.value == 64
    k = s[1].rhs
    assert isinstance(k, ir.EnumMember) and k.value == 0x20 and k.type.underlying == ir.BitsType(8)
    assert isinstance(s[2].rhs, ir.Cast) and s[2].rhs.type == ir.BitsType(8)
    decl = s[3]
    assert isinstance(decl, ir.VarDecl) and isinstance(decl.var.type, ir.EnumType)
    assert decl.var.type.members == ["X", "Y"] and decl.var.type.underlying is None


def test_user_errors_follow_core_errors_in_order() -> None:
    prog = compile_snippet(types="error { Bad1, Bad2 }\n",
                           parser_body="state start { verify(false, error.Bad2); transition accept; }")
    assert prog.errors == ["NoError", "PacketTooShort", "NoMatch", "StackOutOfBounds", "HeaderTooShort",
                           "ParserTimeout", "ParserInvalidArgument", "Bad1", "Bad2"]
    call = prog.parser.states["start"].stmts[0].call
    assert isinstance(call, ir.ExternFunctionCall) and call.name == "verify"
    err = call.args[1].value
    assert isinstance(err, ir.ErrorMember) and err.code == 8


def test_int_literal_widths_signed_and_wrapping() -> None:
    prog = compile_snippet(meta="int<8> s; bit<8> u; bit<4> n;",
                           ingress="meta.s = -1; meta.u = -1; meta.n = 8w0x1f[3:0]; meta.s = 8s127 + 1;")
    s = stmts(prog)
    assert s[0].rhs.type == ir.BitsType(8, True) and s[0].rhs.value == 0xFF
    assert s[1].rhs.value == 0xFF
    assert s[2].rhs.value == 0xF and s[2].rhs.type == ir.BitsType(4)
    assert s[3].rhs.value == 0x80  # wraps in two's complement


def test_constant_folding_through_named_constants() -> None:
    prog = compile_snippet(globals_="const bit<16> BASE = 0x100; const int SHIFT = 4;\n",
                           ingress="meta.y = BASE + (16w1 << SHIFT) | 3;")
    rhs = stmts(prog)[0].rhs
    assert isinstance(rhs, ir.Const) and rhs.value == (0x100 + 16) | 3 and rhs.type == ir.BitsType(16)


def test_casts_and_concat_and_slices_as_lvalues() -> None:
    prog = compile_snippet(
        meta="bit<8> x; bit<16> y; bit<32> z; int<8> s; bool b;",
        ingress="meta.y = meta.x ++ meta.x; meta.z[15:8] = meta.x; meta.s = (int<8>)meta.x;"
        "meta.b = (bool)meta.x[0:0]; meta.z = (bit<32>)(int<32>)meta.s;",
    )
    s = stmts(prog)
    assert s[0].rhs.type == ir.BitsType(16)
    assert isinstance(s[1].lhs, ir.Slice) and (s[1].lhs.hi, s[1].lhs.lo) == (15, 8)
    assert s[2].rhs.type == ir.BitsType(8, True)
    assert s[3].rhs.type == ir.BoolType()
    inner = s[4].rhs
    assert isinstance(inner, ir.Cast) and isinstance(inner.operand, ir.Cast)
    assert inner.operand.type == ir.BitsType(32, True)


def test_struct_initializer_and_tuple_list_expression() -> None:
    prog = compile_snippet(
        types="struct pair_t { bit<8> a; bit<16> b; }\n",
        ingress="pair_t p = { b = 2, a = 1 }; pair_t q = { 3, 4 }; tuple<bit<8>, bool> t = { 5, true };",
    )
    p, q, t = stmts(prog)
    assert isinstance(p.init, ir.ListExpr) and p.init.names == ["a", "b"]
    assert [(e.value, e.type) for e in p.init.elements] == [(1, ir.BitsType(8)), (2, ir.BitsType(16))]
    assert [e.value for e in q.init.elements] == [3, 4]
    assert isinstance(t.var.type, ir.TupleType) and t.init.elements[0].type == ir.BitsType(8)


def test_varbit_extract_with_length() -> None:
    prog = compile_snippet(
        types="header opts_t { varbit<320> data; }\n",
        headers="ethernet_t ethernet; ipv4_t ipv4; opts_t opts;",
        parser_body="state start { pkt.extract(hdr.ipv4);"
        " pkt.extract(hdr.opts, (bit<32>)hdr.ipv4.ihl * 32 - 160); transition accept; }",
    )
    call = prog.parser.states["start"].stmts[1].call
    assert isinstance(call, ir.ExternMethodCall) and call.method == "extract" and len(call.args) == 2
    assert call.args[1].value.type == ir.BitsType(32)
    opts = next(t for t in prog.types if getattr(t, "name", "") == "opts_t")
    assert opts.fields[0].type == ir.VarbitType(320)


def test_header_union_validity() -> None:
    prog = compile_snippet(
        types="header a_t { bit<8> v; } header b_t { bit<16> w; } header_union u_t { a_t a; b_t b; }\n",
        headers="ethernet_t ethernet; ipv4_t ipv4; u_t u;",
        ingress="if (hdr.u.isValid()) { hdr.u.b.setValid(); hdr.u.b.w = 1; }",
    )
    cond = stmts(prog)[0].cond
    assert isinstance(cond, ir.BuiltinCall) and isinstance(cond.target.type, ir.HeaderUnionType)


# ----------------------------------------------------------- header stacks


def test_header_stack_operations() -> None:
    prog = compile_snippet(
        types="header tag_t { bit<16> v; }\n",
        headers="ethernet_t ethernet; ipv4_t ipv4; tag_t[4] tags;",
        parser_body="state start { pkt.extract(hdr.tags.next);"
        " transition select(hdr.tags.last.v) { 0: accept; default: start; } }",
        ingress="hdr.tags.push_front(2); hdr.tags[1].v = (bit<16>)hdr.tags.lastIndex;"
        " meta.z = hdr.tags.size; hdr.tags.pop_front(1); hdr.tags[meta.x].v = 1;",
    )
    ex = prog.parser.states["start"].stmts[0].call
    assert isinstance(ex.args[0].value, ir.StackProp) and ex.args[0].value.prop == "next"
    sel = prog.parser.states["start"].transition.select[0]
    assert isinstance(sel, ir.Member) and isinstance(sel.base, ir.StackProp) and sel.base.prop == "last"
    s = stmts(prog)
    assert isinstance(s[0].call, ir.BuiltinCall) and s[0].call.method == "push_front"
    assert s[0].call.args[0].value == 2
    assert isinstance(s[1].rhs.operand, ir.StackProp) and s[1].rhs.operand.prop == "lastIndex"
    assert isinstance(s[2].rhs, ir.Const) and s[2].rhs.value == 4
    assert isinstance(s[4].lhs.base, ir.StackIndex) and not isinstance(s[4].lhs.base.index, ir.Const)


# ------------------------------------------------------------------ parsers


def test_parser_select_masks_ranges_value_sets_and_default() -> None:
    prog = compile_snippet(
        parser_body="""
    value_set<bit<16>>(8) special;
    state start {
        pkt.extract(hdr.ethernet);
        transition select(hdr.ethernet.ether_type) {
            0x0800: parse_ipv4;
            0x8100 &&& 0xefff: accept;
            0x9000 .. 0x90ff: reject;
            special: accept;
            _: accept;
        }
    }
    state parse_ipv4 { pkt.extract(hdr.ipv4); transition select(hdr.ipv4.protocol, hdr.ipv4.ttl) {
        (6, 0 .. 10): accept; (_, 64): accept; default: reject; } }""",
    )
    cases = prog.parser.states["start"].transition.cases
    assert isinstance(cases[1].keysets[0], ir.Mask) and cases[1].keysets[0].mask.value == 0xEFFF
    assert isinstance(cases[2].keysets[0], ir.Range) and cases[2].next_state == "reject"
    vs = cases[3].keysets[0]
    assert isinstance(vs, ir.ValueSetRef) and vs.value_set.cp_name == "P.special" and vs.value_set.size == 8
    assert isinstance(cases[4].keysets[0], ir.DontCare)
    assert prog.value_sets == [vs.value_set]
    two = prog.parser.states["parse_ipv4"].transition.cases
    assert isinstance(two[0].keysets[1], ir.Range) and isinstance(two[1].keysets[0], ir.DontCare)
    assert all(isinstance(k, ir.DontCare) for k in two[2].keysets)


def test_lookahead_advance_and_subparser() -> None:
    src = program(
        globals_="""parser Sub(packet_in pkt, inout headers_t hdr) {
    state start { pkt.extract(hdr.ipv4); transition accept; } }""",
        parser_body="""Sub() sub;
    state start {
        bit<16> peek = pkt.lookahead<bit<16>>();
        pkt.advance(16);
        transition select(peek) { 0x4500: go; default: accept; }
    }
    state go { sub.apply(pkt, hdr); transition accept; }""",
    )
    prog = compile_source(src, "sub.p4")
    start = prog.parser.states["start"].stmts
    assert isinstance(start[0], ir.VarDecl) and isinstance(start[0].init, ir.ExternMethodCall)
    assert start[0].init.method == "lookahead" and start[0].init.type == ir.BitsType(16)
    assert start[0].init.type_args == (ir.BitsType(16),)
    (sub,) = prog.parser.subparsers
    assert sub.path == "P.sub" and "start" in sub.states
    call = prog.parser.states["go"].stmts[0].call
    assert isinstance(call, ir.ParserApply) and call.instance is sub


# ----------------------------------------------------------------- controls


def test_subcontrol_with_constructor_arguments() -> None:
    src = program(
        globals_="""control Add(inout meta_t meta)(bit<8> step, bool twice) {
    action bump() { meta.x = meta.x + step; }
    table t { key = { meta.x: exact; } actions = { bump; } default_action = bump(); }
    apply { t.apply(); if (twice) { meta.x = meta.x + step; } } }""",
        ingress_decls="Add(1, false) one; Add(step = 5, twice = true) five;",
        ingress="one.apply(meta); five.apply(meta);",
    )
    prog = compile_source(src, "sub.p4")
    one, five = prog.ingress.subcontrols
    assert (one.path, five.path) == ("I.one", "I.five")
    assert {t.cp_name for t in prog.tables} == {"I.one.t", "I.five.t"}
    bump5 = prog.action("I.five.bump")
    rhs = bump5.body.stmts[0].rhs
    assert isinstance(rhs.right, ir.Const) and rhs.right.value == 5
    # the constant condition of the instance is folded
    assert isinstance(five.apply.stmts[1].cond, ir.Const) and five.apply.stmts[1].cond.value is True


def test_control_local_variable_initializers_run_at_apply_start() -> None:
    prog = compile_snippet(ingress_decls="bit<8> counter_local = 3; bit<16> plain;", ingress="meta.x = counter_local;")
    assert [v.name for v in prog.ingress.variables] == ["counter_local", "plain"]
    first = stmts(prog)[0]
    assert isinstance(first, ir.Assign) and first.lhs.decl is prog.ingress.variables[0] and first.rhs.value == 3


def test_functions_and_return() -> None:
    prog = compile_snippet(
        globals_="bit<8> max8(in bit<8> a, in bit<8> b) { if (a > b) { return a; } return b; }",
        ingress="meta.x = max8(meta.x, 7);",
    )
    call = stmts(prog)[0].rhs
    assert isinstance(call, ir.FunctionCall) and call.function.return_type == ir.BitsType(8)
    assert call.args[1].value.type == ir.BitsType(8)


def test_switch_on_action_run_with_fallthrough_and_on_values() -> None:
    prog = compile_snippet(
        ingress_decls="action a() {} action b() {} action c() {}"
        " table t { key = { meta.x: exact; } actions = { a; b; c; } }",
        ingress="switch (t.apply().action_run) { a: b: { meta.x = 1; } default: { } }"
        " switch (meta.y) { 1: 2: { exit; } 3: { return; } }",
    )
    sw, sw2 = stmts(prog)
    assert isinstance(sw.subject, ir.TableApply) and sw.subject.result == "action_run"
    assert sw.cases[0].body is None and [c.labels for c in sw.cases][2] == ["default"]
    assert sw.cases[0].labels[0] is prog.action("I.a")
    assert [c.labels[0].value for c in sw2.cases] == [1, 2, 3] and sw2.cases[0].body is None
    assert isinstance(sw2.cases[1].body.stmts[0], ir.Exit)


def test_hit_and_miss() -> None:
    prog = compile_snippet(
        ingress_decls="table t { key = { meta.x: exact; } actions = { NoAction; } }",
        ingress="if (t.apply().hit) { meta.x = 1; } if (!t.apply().miss) { meta.x = 2; }",
    )
    a, b = stmts(prog)
    assert isinstance(a.cond, ir.TableApply) and a.cond.result == "hit" and a.cond.type == ir.BoolType()
    assert isinstance(b.cond, ir.Unary) and b.cond.operand.result == "miss"


# ------------------------------------------------------------------- tables


def test_table_properties_and_names() -> None:
    prog = compile_snippet(
        ingress_decls="""
    direct_counter(CounterType.packets) hits;
    direct_meter<bit<2>>(MeterType.bytes) rate;
    action_selector(HashAlgorithm.crc16, 32w128, 32w10) sel;
    @name("set") action set_port(bit<9> port) { std.egress_spec = port; rate.read(meta.color2); }
    @name(".global_drop") action drop() { mark_to_drop(std); }
    @name("renamed") table t {
        key = { hdr.ethernet.dst: exact; hdr.ipv4.isValid(): exact; hdr.ipv4.dst_addr & 0xff: ternary;
                meta.x: optional @name("meta_x"); }
        actions = { set_port; @defaultonly drop; @tableonly NoAction; }
        const default_action = drop();
        counters = hits;
        meters = rate;
        size = 512;
        support_timeout = true;
    }
    table ecmp {
        key = { hdr.ipv4.dst_addr: lpm; meta.y: selector; }
        actions = { set_port; }
        implementation = sel;
    }
    table prof { key = { meta.x: exact; } actions = { set_port; } implementation = action_profile(64); }""",
        meta="bit<8> x; bit<16> y; bit<32> z; bit<2> color2;",
        ingress="t.apply(); ecmp.apply(); prof.apply();",
    )
    t = prog.table("I.renamed")
    assert [k.name for k in t.keys] == ["hdr.ethernet.dst", "hdr.ipv4.$valid$", "hdr.ipv4.dst_addr & 0xff", "meta_x"]
    assert [k.width for k in t.keys] == [48, 1, 32, 8]
    assert [(r.action.cp_name, r.scope) for r in t.actions] == [
        ("I.set", "all"), ("global_drop", "default_only"), ("NoAction", "table_only")]
    assert t.default_action.action.cp_name == "global_drop" and t.default_const
    assert (t.size, t.size_given, t.support_timeout) == (512, True, True)
    assert t.counters is prog.extern("I.hits") and t.meters is prog.extern("I.rate")
    ecmp = prog.table("I.ecmp")
    assert ecmp.implementation is prog.extern("I.sel") and ecmp.keys[1].match_kind == "selector"
    assert ecmp.implementation.arg("outputWidth").value == 10
    prof = prog.table("I.prof")
    assert prof.implementation.type.name == "action_profile" and prof.implementation.cp_name == "I.prof"
    assert prof.implementation in prog.externs


def test_entries_priorities_and_lpm_masks() -> None:
    prog = compile_snippet(
        ingress_decls="""
    action set(bit<8> v) { meta.x = v; }
    table acl {
        key = { hdr.ipv4.src_addr: ternary; hdr.ipv4.protocol: range; meta.y: optional; }
        actions = { set; NoAction; }
        entries = {
            priority = 100: (0x0a000000 &&& 0xff000000, 1 .. 5, 7): set(1);
            @priority(7) (_, _, _): set(2);
            (0x0b000001, 6, _): NoAction();
        }
    }
    table lpm {
        key = { hdr.ipv4.dst_addr: lpm; }
        actions = { set; }
        const entries = { 0x0a000000 &&& 0xff000000: set(3); 0x0b000000: set(4); _: set(5); }
    }""",
        ingress="acl.apply(); lpm.apply();",
    )
    acl = prog.table("I.acl")
    assert not acl.entries_const
    assert [e.priority for e in acl.entries] == [100, 7, None]
    assert acl.entries[0].keys == [ir.KeyMatch("ternary", 0x0A000000, 0xFF000000), ir.KeyMatch("range", 1, 5),
                                   ir.KeyMatch("optional", 7)]
    assert acl.entries[2].keys[0] == ir.KeyMatch("ternary", 0x0B000001, 0xFFFFFFFF)
    lpm = prog.table("I.lpm")
    assert [e.keys[0] for e in lpm.entries] == [ir.KeyMatch("lpm", 0x0A000000, 8), ir.KeyMatch("lpm", 0x0B000000, 32),
                                                ir.KeyMatch("dontcare")]


def test_action_list_binds_directional_parameters() -> None:
    prog = compile_snippet(
        ingress_decls="action add(inout bit<8> acc, bit<8> v) { acc = acc + v; }"
        " table t { key = { meta.x: exact; } actions = { add(meta.x); } default_action = add(meta.x, 4); }",
        ingress="t.apply();",
    )
    t = prog.table("I.t")
    (ref,) = t.actions
    assert [a.param.name for a in ref.args] == ["acc"] and isinstance(ref.args[0].value, ir.Member)
    assert [c.value for c in t.default_action.args] == [4]
    assert [p.name for p in ref.action.cp_params] == ["v"]


# ------------------------------------------------------------------ externs


def test_v1model_extern_calls() -> None:
    prog = compile_snippet(
        types="struct learn_t { bit<48> src; bit<9> port; }\n",
        meta="bit<8> x; bit<16> y; bit<32> z; @field_list(1) bit<32> keep; bit<2> color;",
        ingress_decls="""
    counter(64, CounterType.bytes) ctr;
    meter(64, MeterType.packets) mtr;
    register<bit<16>>(32) reg;""",
        ingress="""
        ctr.count(3);
        mtr.execute_meter(5, meta.color);
        reg.read(meta.y, 1);
        reg.write(2, meta.y + 1);
        hash(meta.y, HashAlgorithm.crc16, 16w0, { hdr.ipv4.src_addr, hdr.ipv4.dst_addr }, 32w1024);
        random(meta.x, 1, 10);
        digest<learn_t>(1, { hdr.ethernet.src, std.ingress_port });
        clone(CloneType.I2E, 100);
        clone3(CloneType.I2E, 101, { meta.x });
        clone_preserving_field_list(CloneType.E2E, 102, 1);
        resubmit_preserving_field_list(1);
        recirculate_preserving_field_list(1);
        truncate(100);
        log_msg("x={}", { meta.x });
        assert(meta.x != 0);
        assume(true);
        mark_to_drop(std);""",
    )
    calls = [s.call for s in stmts(prog)]
    assert [getattr(c, "method", getattr(c, "name", "")) for c in calls][:4] == ["count", "execute_meter", "read",
                                                                                 "write"]
    assert calls[0].args[0].value.type == ir.BitsType(32)
    assert calls[1].type_args == (ir.BitsType(2),)
    assert calls[3].args[1].value.type == ir.BitsType(16)
    h = calls[4]
    assert h.name == "hash" and h.type_args[0] == ir.BitsType(16) and h.type_args[3] == ir.BitsType(32)
    assert isinstance(h.type_args[2], ir.TupleType)
    assert calls[5].type_args == (ir.BitsType(8),) and calls[5].args[1].value.type == ir.BitsType(8)
    d = calls[6]
    assert d.name == "digest" and isinstance(d.args[1].value, ir.ListExpr) and d.args[1].value.names == ["src", "port"]
    assert [dg.type.name for dg in prog.digests] == ["learn_t"]
    assert [c.name for c in calls[7:]] == ["clone", "clone3", "clone_preserving_field_list",
                                          "resubmit_preserving_field_list", "recirculate_preserving_field_list",
                                          "truncate", "log_msg", "assert", "assume", "mark_to_drop"]
    fl = calls[9].args[2].value
    assert isinstance(fl, ir.Const) and fl.value == 1
    assert prog.field_lists == {1: [("keep",)]}
    assert [e.cp_name for e in prog.externs] == ["I.ctr", "I.mtr", "I.reg"]


def test_v1model_version_20200408_generic_indices() -> None:
    src = program(
        prelude="#define V1MODEL_VERSION 20200408\n",
        ingress_decls="counter<bit<8>>(256, CounterType.packets) c; register<bit<32>, bit<4>>(16) r;",
        ingress="c.count(meta.x); r.write(4w1, 5); PortId_t p = std.ingress_port;",
    )
    prog = compile_source(src, "v.p4")
    assert prog.v1model_version == 20200408
    s = stmts(prog)
    assert s[0].call.args[0].value.type == ir.BitsType(8)
    assert s[1].call.args[0].value.type == ir.BitsType(4) and s[1].call.args[1].value.type == ir.BitsType(32)
    assert s[2].var.type == ir.BitsType(9)


def test_controller_headers() -> None:
    prog = compile_snippet(
        types='@controller_header("packet_in") header pin_t { bit<9> port; bit<7> pad; }\n'
        '@controller_header("packet_out") header pout_t { bit<9> port; bit<7> pad; }\n',
        headers="pout_t po; pin_t pi; ethernet_t ethernet; ipv4_t ipv4;",
    )
    assert {k: v.name for k, v in prog.controller_headers.items()} == {"packet_in": "pin_t", "packet_out": "pout_t"}


def test_preprocessor_defines_and_conditionals() -> None:
    src = program(prelude="#define WIDE\n#define PORT 7\n",
                  ingress="#ifdef WIDE\n std.egress_spec = PORT;\n#else\n std.egress_spec = 1;\n#endif\n")
    prog = compile_source(src, "pp.p4")
    (s,) = stmts(prog)
    assert s.rhs.value == 7


def test_value_named_like_a_type_shadows_it() -> None:
    prog = compile_snippet(
        types="header vlan { bit<16> tci; bit<16> ether_type; }\n",
        headers="ethernet_t ethernet; ipv4_t ipv4; vlan vlan;",
        ingress="vlan vlan = hdr.vlan; vlan.tci = 1; hdr.vlan = vlan;",
    )
    decl, assign, back = stmts(prog)
    assert isinstance(assign.lhs, ir.Member) and assign.lhs.base.decl is decl.var
    assert back.rhs.decl is decl.var


def test_parenthesized_single_keysets() -> None:
    prog = compile_snippet(
        ingress_decls="action a() {} table t { key = { hdr.ethernet.ether_type: ternary; } actions = { a; }"
        " const entries = { (0x0800 &&& 0xff00): a(); (_): a(); } }",
        ingress="t.apply();",
        parser_body="state start { pkt.extract(hdr.ethernet); transition select(hdr.ethernet.ether_type) {"
        " (0x86dd &&& 0xffff): accept; (default): reject; } }",
    )
    assert [e.keys for e in prog.table("I.t").entries] == [[ir.KeyMatch("ternary", 0x0800, 0xFF00)],
                                                           [ir.KeyMatch("dontcare")]]
    cases = prog.parser.states["start"].transition.cases
    assert isinstance(cases[0].keysets[0], ir.Mask) and isinstance(cases[1].keysets[0], ir.DontCare)


def test_annotation_bodies_as_p4c_prints_them() -> None:
    prog = compile_snippet(
        ingress_decls='@noWarn("unused") @my_anno(1, "two") @max_group_size(256) @hidden'
        ' action a() {}\n@name("t2") @brief("x") table t { key = { meta.x: exact; } actions = { a; } }',
        ingress="t.apply();",
    )
    annos = {x.name: x for x in prog.action("I.a").annotations}
    assert str(annos["noWarn"]) == '@noWarn("unused")' and annos["noWarn"].value == "unused"
    assert str(annos["my_anno"]) == '@my_anno(1 , "two")'  # unknown: token list, space-separated
    assert annos["max_group_size"].value == 256
    assert annos["hidden"].body is None and str(annos["hidden"]) == "@hidden"
    assert prog.table("I.t2").cp_name == "I.t2"


def test_inplace_implementation_names() -> None:
    prog = compile_snippet(
        ingress_decls="action a() {}\n"
        "table t1 { key = { meta.x: exact; meta.y: selector; } actions = { a; }\n"
        '  @name(".sel_profile") @mode("fair") implementation = action_selector(HashAlgorithm.crc16, 32w64, 32w14); }\n'
        "table t2 { key = { meta.x: exact; } actions = { a; } @name(\"prof\") implementation = action_profile(8); }\n"
        "table t3 { key = { meta.x: exact; } actions = { a; } implementation = action_profile(8); }",
        ingress="t1.apply(); t2.apply(); t3.apply();",
    )
    sel = prog.table("I.t1").implementation
    assert sel.cp_name == "sel_profile" and sel.type.name == "action_selector"
    assert [str(a) for a in sel.annotations if a.name == "mode"] == ['@mode("fair")']
    assert prog.table("I.t2").implementation.cp_name == "I.prof"
    assert prog.table("I.t3").implementation.cp_name == "I.t3"


def test_static_assert_is_evaluated_at_compile_time() -> None:
    prog = compile_snippet(globals_="const bit<8> W = 8; const bool ok = static_assert(W == 8);",
                           ingress='static_assert(W > 4, "W too small"); meta.x = W;')
    (only,) = stmts(prog)
    assert isinstance(only, ir.Assign)
    with pytest.raises(P4CompileError, match="static_assert failed: W too small"):
        compile_snippet(globals_="const bit<8> W = 2;", ingress='static_assert(W > 4, "W too small");')


def test_top_level_extern_instance() -> None:
    prog = compile_snippet(globals_="register<bit<32>>(8) global_reg;",
                           ingress="global_reg.write(1, 5); global_reg.read(meta.z, 1);")
    reg = prog.extern("global_reg")
    assert reg.type.type_args == (ir.BitsType(32),)
    call = stmts(prog)[0].call
    assert isinstance(call.target, ir.ExternRef) and call.target.instance is reg


def test_key_names_use_folded_constants() -> None:
    prog = compile_snippet(
        globals_="const bit<32> MASK = 0xffff0000; const int HI = 15; const int LO = 8;",
        ingress_decls="table t { key = { hdr.ipv4.src_addr & MASK: ternary; meta.y[HI:LO]: exact;"
        " hdr.ipv4.dst_addr & 0x00FF: ternary; } actions = { NoAction; } }",
        ingress="t.apply();",
    )
    assert [k.name for k in prog.table("I.t").keys] == ["hdr.ipv4.src_addr & 0xffff0000", "meta.y[15:8]",
                                                        "hdr.ipv4.dst_addr & 0xff"]
    assert [k.width for k in prog.table("I.t").keys] == [32, 8, 32]


def test_structured_annotations_are_parsed_and_kept_out_of_the_ir() -> None:
    prog = compile_snippet(ingress_decls='@anno[k=1, j="x"] @plain(2) action a() {}'
                           " table t { key = { meta.x: exact; } actions = { a; } }", ingress="t.apply();")
    assert [str(x) for x in prog.action("I.a").annotations] == ["@plain(2)"]


def test_generic_functions_are_specialized_per_type() -> None:
    prog = compile_snippet(globals_="T max<T>(in T a, in T b) { T r = a; if (b > a) { r = b; } return r; }",
                           ingress="meta.x = max(meta.x, 8w3); meta.y = max(meta.y, 16w9);"
                           " meta.x = max<bit<8>>(meta.x, 5);")
    a, b, c = (s.rhs for s in stmts(prog))
    assert a.function.return_type == ir.BitsType(8) and b.function.return_type == ir.BitsType(16)
    assert a.function is c.function and a.function is not b.function
    assert c.args[1].value.type == ir.BitsType(8)
    decl = a.function.body.stmts[0]
    assert isinstance(decl, ir.VarDecl) and decl.var.type == ir.BitsType(8)


def test_cast_of_an_int_conditional_sizes_both_arms() -> None:
    (s,) = stmts(compile_snippet(ingress="meta.y = (bit<16>)(meta.x == 1 ? 3 : 4);"))
    assert isinstance(s.rhs, ir.Mux) and s.rhs.type == ir.BitsType(16)
    assert s.rhs.then.type == ir.BitsType(16) and s.rhs.otherwise.value == 4
