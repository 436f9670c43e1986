"""The generator alone, fed hand-built IR mirroring the conformance programs,
must reproduce p4c's recorded P4Info; and p4c's rules for what is left out
(unapplied tables, unlisted actions) must hold."""

from __future__ import annotations

import pytest
from finsy.proto.p4.config.v1 import p4info_pb2
from p4info_compare import assert_same_p4info, recorded
from p4info_irbuild import (
    NO_ACTION,
    action,
    ann,
    bits,
    const,
    control,
    enum_member,
    extern,
    key,
    program,
    table,
)

from p4sim import ir
from p4sim.errors import P4CompileError
from p4sim.p4info import generate


def l2_l3_program() -> ir.Program:
    drop = action("ConfIngress.drop")
    to_port = action("ConfIngress.to_port", ("port", 9))
    route = action("ConfIngress.route", ("port", 9), ("next_mac", 48))
    classify = action("ConfIngress.classify", ("cls", 8))
    dmac = table("ConfIngress.dmac", [key("hdr.ethernet.dst", 48, "exact")], [to_port, drop, NO_ACTION],
                 NO_ACTION, entries_const=True)
    lpm = table("ConfIngress.ipv4_lpm", [key("hdr.ipv4.dst_addr", 32, "lpm")], [route, drop], drop,
                entries_const=True)
    acl = table("ConfIngress.acl",
                [key("hdr.ipv4.src_addr", 32, "ternary"), key("hdr.ipv4.protocol", 8, "ternary"),
                 key("hdr.l4.dst_port", 16, "range")],
                [classify, drop, NO_ACTION], NO_ACTION, entries_const=True)
    ingress = control("ConfIngress", tables=[dmac, lpm, acl], actions=[drop, to_port, route, classify])
    return program(ingress)


def control_program() -> ir.Program:
    def accumulate(path: str) -> ir.ControlInstance:
        acc_add = action(f"{path}.acc_add", ("v", 8))
        t = table(f"{path}.acc_t", [key("meta.acc", 8, "exact")], [acc_add, NO_ACTION], acc_add, (1,),
                  entries_const=True)
        return control(path, tables=[t], actions=[acc_add])

    set_a = action("CIngress.set_a", ("port", 9))
    set_b = action("CIngress.set_b")
    stop = action("CIngress.stop_here")
    fallback = action("CIngress.fallback")
    classify = table("CIngress.classify",
                     [key("hdr.ethernet.ether_type", 16, "exact"), key("hdr.ethernet.dst[7:0]", 8, "ternary")],
                     [set_a, set_b, stop, fallback], fallback, entries_const=True)
    seen = extern("register", "CIngress.seen_count", (bits(32),), size=const(16, 32))
    ingress = control("CIngress", tables=[classify], actions=[set_a, set_b, stop, fallback], externs=[seen],
                      subcontrols=[accumulate("CIngress.acc1"), accumulate("CIngress.acc2")])
    return program(ingress)


def test_l2_l3_matches_p4c():
    assert_same_p4info(generate(l2_l3_program()), recorded("conf_l2_l3"))


def test_control_matches_p4c():
    assert_same_p4info(generate(control_program()), recorded("conf_control"))


def test_program_without_tables_has_only_pkg_info_and_type_info():
    assert_same_p4info(generate(program(control("ArithIngress"))), recorded("conf_arith"))


def test_unapplied_table_and_its_actions_are_left_out():
    used = action("I.used")
    unused = action("I.unused")
    t_used = table("I.t_used", [], [used], used)
    t_unused = table("I.t_unused", [], [unused], unused)
    ingress = control("I", tables=[t_used, t_unused], actions=[used, unused],
                      apply=ir.Block(ir.NOWHERE, [ir.CallStmt(ir.NOWHERE, ir.TableApply(ir.VoidType(),
                                                                                       ir.NOWHERE, t_used))]))
    info = generate(program(ingress))
    assert [t.preamble.name for t in info.tables] == ["I.t_used"]
    assert [a.preamble.name for a in info.actions] == ["I.used"]


def test_table_without_default_gets_defaultonly_noaction():
    a = action("I.a")
    t = table("I.t", [key("x", 8, "exact")], [a], NO_ACTION)
    info = generate(program(control("I", tables=[t], actions=[a])))
    (tm,) = info.tables
    refs = {r.id: r for r in tm.action_refs}
    noaction = refs[21257015]
    assert noaction.scope == p4info_pb2.ActionRef.DEFAULT_ONLY
    assert list(noaction.annotations) == ["@defaultonly"]
    assert tm.initial_default_action.action_id == 21257015
    assert not tm.is_const_table and not tm.has_initial_entries


def test_default_action_arguments_are_padded_bytes():
    a = action("I.a", ("port", 9), ("mac", 48))
    t = table("I.t", [], [a], a, (1, 0x0200000000AB), default_const=True)
    info = generate(program(control("I", tables=[t], actions=[a])))
    (tm,) = info.tables
    assert tm.const_default_action_id == tm.initial_default_action.action_id
    values = [arg.value for arg in tm.initial_default_action.arguments]
    assert values == [b"\x00\x01", b"\x02\x00\x00\x00\x00\xab"]


def test_selector_key_is_skipped_but_keeps_its_id_slot():
    a = action("I.a")
    sel = extern("action_selector", "I.sel", (), (ann("max_group_size", "16", 16),
                                                  ann("selector_size_semantics", '"sum_of_weights"')),
                 algorithm=enum_member("crc16"), size=const(64, 32), outputWidth=const(10, 32))
    t = table("I.t", [key("h", 32, "selector"), key("x", 8, "exact")], [a], a, implementation=sel)
    info = generate(program(control("I", tables=[t], actions=[a], externs=[sel])))
    (tm,) = info.tables
    assert [(m.id, m.name) for m in tm.match_fields] == [(2, "x")]
    (ap,) = info.action_profiles
    assert tm.implementation_id == ap.preamble.id and ap.preamble.id >> 24 == 0x11
    assert list(ap.table_ids) == [tm.preamble.id]
    assert ap.with_selector and ap.size == 64 and ap.max_group_size == 16
    assert ap.HasField("sum_of_weights")
    assert list(ap.preamble.annotations) == []


def test_counters_meters_and_direct_resources():
    a = action("I.a")
    dc = extern("direct_counter", "I.dc", type=enum_member("packets_and_bytes"))
    dm = extern("direct_meter", "I.dm", (bits(2),), type=enum_member("bytes"))
    c = extern("counter", "I.c", size=const(8, 32), type=enum_member("packets"))
    m = extern("meter", "I.m", size=const(4, 32), type=enum_member("packets"))
    t = table("I.t", [key("x", 8, "exact")], [a], a, counters=dc, meters=dm, support_timeout=True)
    info = generate(program(control("I", tables=[t], actions=[a], externs=[dc, dm, c, m])))
    (tm,) = info.tables
    (dcm,) = info.direct_counters
    (dmm,) = info.direct_meters
    assert list(tm.direct_resource_ids) == [dcm.preamble.id, dmm.preamble.id]
    assert dcm.direct_table_id == tm.preamble.id and dcm.spec.unit == p4info_pb2.CounterSpec.BOTH
    assert dmm.spec.unit == p4info_pb2.MeterSpec.BYTES
    assert tm.idle_timeout_behavior == p4info_pb2.Table.NOTIFY_CONTROL
    (cm,) = info.counters
    (mm,) = info.meters
    assert (cm.size, cm.spec.unit, cm.preamble.id >> 24) == (8, p4info_pb2.CounterSpec.PACKETS, 0x12)
    assert (mm.size, mm.spec.unit, mm.preamble.id >> 24) == (4, p4info_pb2.MeterSpec.PACKETS, 0x14)


def test_digest_struct_goes_to_type_info():
    learn = ir.StructType("learn_t", [ir.StructField("src", bits(48)), ir.StructField("port", bits(9))])
    info = generate(program(control("I"), digests=[ir.DigestSite(learn)]))
    (d,) = info.digests
    assert d.preamble.name == "learn_t" and d.preamble.id >> 24 == 0x17
    assert d.type_spec.struct.name == "learn_t"
    members = info.type_info.structs["learn_t"].members
    assert [(mm.name, mm.type_spec.bitstring.bit.bitwidth) for mm in members] == [("src", 48), ("port", 9)]


def test_controller_headers_use_annotation_name_and_field_ids():
    hdr = ir.HeaderType("packet_in_header_t",
                        [ir.StructField("ingress_port", bits(9)), ir.StructField("_pad", bits(7))],
                        annotations=(ann("controller_header", '"packet_in"', "packet_in"),))
    info = generate(program(control("I"), controller_headers={"packet_in": hdr}))
    (cpm,) = info.controller_packet_metadata
    assert cpm.preamble.name == cpm.preamble.alias == "packet_in"
    assert cpm.preamble.id == (0x04 << 24) | (cpm.preamble.id & 0xFFFFFF)
    assert list(cpm.preamble.annotations) == ['@controller_header("packet_in")']
    assert [(m.id, m.name, m.bitwidth) for m in cpm.metadata] == [(1, "ingress_port", 9), (2, "_pad", 7)]


def test_annotations_exported_except_name_id_and_docs():
    a = action("I.a", annotations=(ann("name", '"a"', "a"), ann("id", "3", 3), ann("brief", '"does a"'),
                                   ann("my_anno", "1")))
    t = table("I.t", [], [a], a)
    info = generate(program(control("I", tables=[t], actions=[a])))
    (am,) = [x for x in info.actions if x.preamble.name == "I.a"]
    assert am.preamble.id == 0x01000003
    assert list(am.preamble.annotations) == ["@my_anno(1)"]
    assert am.preamble.doc.brief == "does a"


def test_bad_id_is_reported_with_location():
    a = action("I.a", annotations=(ann("id", "0x02000001", 0x02000001),))
    t = table("I.t", [], [a], a)
    with pytest.raises(P4CompileError) as exc:
        generate(program(control("I", tables=[t], actions=[a])))
    assert str(exc.value).startswith("test.p4:1:1: error:")


def test_value_sets_bits_and_struct():
    fields = [ir.StructField("a", bits(16)),
              ir.StructField("b", bits(8), annotations=(ann("match", "ternary"), ann("id", "7", 7)))]
    vs_bits = ir.ValueSet("pvs", "P.pvs", bits(16), 4, loc=ir.NOWHERE)
    vs_struct = ir.ValueSet("pvs2", "P.pvs2", ir.StructType("vs_t", fields), 8, loc=ir.NOWHERE)
    info = generate(program(control("I"), value_sets=[vs_bits, vs_struct]))
    by_name = {v.preamble.name: v for v in info.value_sets}
    one = by_name["P.pvs"]
    assert one.preamble.id >> 24 == 0x03 and one.size == 4
    assert [(m.id, m.name, m.bitwidth, m.match_type) for m in one.match] == [(1, "", 16, p4info_pb2.MatchField.EXACT)]
    two = by_name["P.pvs2"]
    assert [(m.id, m.name, m.bitwidth, m.match_type) for m in two.match] == [
        (1, "a", 16, p4info_pb2.MatchField.EXACT), (7, "b", 8, p4info_pb2.MatchField.TERNARY)]
    assert [list(m.annotations) for m in two.match] == [[], []]


def test_pkginfo_annotation_fills_pkg_info():
    prog = program(control("I"), main_annotations=(ann("pkginfo", 'name="gw", version="1.2"'), ann("custom")))
    pkg = generate(prog).pkg_info
    assert (pkg.arch, pkg.name, pkg.version) == ("v1model", "gw", "1.2")
    assert list(pkg.annotations) == ["@custom"]


def test_hidden_table_is_left_out_but_keeps_aliases_honest():
    a = action("I.a")
    shown = table("I.t", [], [a], a)
    hidden = table("J.t", [], [a], a, annotations=(ann("hidden"),))
    info = generate(program(control("I", tables=[shown, hidden], actions=[a])))
    (tm,) = info.tables
    # The hidden J.t still shares the suffix "t", so I.t's alias keeps "I.".
    assert (tm.preamble.name, tm.preamble.alias) == ("I.t", "I.t")


def test_two_tables_with_one_name_are_refused():
    a = action("I.a")
    t1 = table("x", [], [a], a)
    t2 = table("x", [], [a], a)
    t2.loc = ir.SourceLoc("test.p4", 9, 5)
    with pytest.raises(P4CompileError, match="name 'x' is used for multiple table objects") as exc:
        generate(program(control("I", tables=[t1, t2], actions=[a])))
    assert str(exc.value).startswith("test.p4:9:5:")
