"""Control-flow semantics: copy-in/copy-out, exit, return, switch on
action_run (with fall-through) and on values, functions, sub-controls,
and tables driven through the Switch API."""

from __future__ import annotations

import pytest
from engine_progs import frame, outputs, program, switch

from p4sim.engine.entries import ActionSpec, GroupMember, KeyMatch, TableEntry
from p4sim.errors import InvalidArgument

R = "header r_t { bit<8> a; bit<8> b; bit<8> c; }"


def result(sw, data: bytes = b"") -> bytes:
    f = frame(0x1234, data)
    out = outputs(sw, 0, f)
    assert len(out) == 1, out
    return out[0][1][14:]


def test_copy_in_copy_out_for_functions_and_actions() -> None:
    src = program(
        types=R,
        headers="r_t r;",
        top="""
        bit<8> twice(inout bit<8> x, out bit<8> old) { old = x; x = x + x; return x + 1; }
        """,
        ingress_decls="action bump(inout bit<8> v, bit<8> by) { v = v + by; }",
        ingress="""
            hdr.r.setValid();
            hdr.r.a = 5;
            hdr.r.c = twice(hdr.r.a, hdr.r.b);
            bump(hdr.r.a, 3);
            std.egress_spec = 1;
        """,
    )
    assert result(switch(src)) == bytes([13, 5, 11])


def test_exit_in_action_ends_ingress_but_egress_runs() -> None:
    src = program(
        types=R,
        headers="r_t r;",
        ingress_decls="action stop() { hdr.r.a = 1; exit; }",
        ingress="hdr.r.setValid(); std.egress_spec = 1; stop(); hdr.r.a = 99;",
        egress="hdr.r.b = 2;",
    )
    assert result(switch(src)) == bytes([1, 2, 0])


def test_return_in_control_apply() -> None:
    src = program(
        types=R, headers="r_t r;",
        ingress="hdr.r.setValid(); std.egress_spec = 1; if (hdr.eth.type == 0x1234) { return; } hdr.r.a = 1;",
    )
    assert result(switch(src)) == bytes([0, 0, 0])


def test_sub_control_instances_have_their_own_state_and_scalar_inout() -> None:
    src = program(
        types=R, headers="r_t r;",
        top="""
        control Add(inout bit<8> acc, in bit<8> by) {
            bit<8> calls;
            apply { calls = calls + 1; acc = acc + by + calls; }
        }
        """,
        ingress_decls="Add() a1; Add() a2;",
        ingress="hdr.r.setValid(); a1.apply(hdr.r.a, 10); a2.apply(hdr.r.a, 20); a1.apply(hdr.r.b, 1);"
                "std.egress_spec = 1;",
    )
    # control locals restart at zero on every apply (BMv2 after p4c inlining)
    assert result(switch(src)) == bytes([32, 2, 0])


SWITCH_PROG = program(
    types=R, headers="r_t r;",
    ingress_decls="""
        action a1() { hdr.r.a = 1; }
        action a2() { hdr.r.a = 2; }
        action a3() { hdr.r.a = 3; }
        table t {
            key = { hdr.eth.type: exact; }
            actions = { a1; a2; a3; }
            default_action = a3();
            const entries = { 0x0001: a1(); 0x0002: a2(); }
        }
    """,
    ingress="""
        hdr.r.setValid();
        std.egress_spec = 1;
        switch (t.apply().action_run) {
            a1:
            a2: { hdr.r.b = 12; }
            default: { hdr.r.b = 99; }
        }
        switch (hdr.r.a) {
            1: { hdr.r.c = 10; }
            2: { hdr.r.c = 20; }
        }
    """,
)


@pytest.mark.parametrize("etype,expect", [(1, [1, 12, 10]), (2, [2, 12, 20]), (7, [3, 99, 0])])
def test_switch_on_action_run_with_fallthrough(etype: int, expect: list[int]) -> None:
    sw = switch(SWITCH_PROG)
    out = outputs(sw, 0, frame(etype))
    assert list(out[0][1][14:]) == expect


TABLES = program(
    types=R, headers="r_t r;",
    ingress_decls="""
        direct_counter(CounterType.packets_and_bytes) hits;
        action set(bit<8> v) { hdr.r.a = v; hits.count(); }
        action other() { hdr.r.a = 0xEE; }
        table t {
            key = { hdr.eth.dst: exact; hdr.eth.type: ternary; }
            actions = { set; other; }
            default_action = other();
            counters = hits;
        }
    """,
    ingress="hdr.r.setValid(); t.apply(); std.egress_spec = 1;",
)


def test_table_entries_through_the_api_and_direct_counters() -> None:
    sw = switch(TABLES)
    key = (KeyMatch("exact", 0x020000000001), KeyMatch("ternary", 0x1200, 0xFF00))
    sw.table_insert("I.t", TableEntry(key, ActionSpec("I.set", (7,)), priority=1))
    assert result(sw)[0] == 7
    assert result(sw)[0] == 7
    f = frame(0x1234)
    assert sw.direct_counter_read("I.t", key, 1).packets == 2
    assert sw.direct_counter_read("I.t", key, 1).bytes == 2 * len(f)
    sw.table_delete("I.t", key, 1)
    assert result(sw)[0] == 0xEE
    sw.table_set_default("I.t", ActionSpec("I.set", (9,)))
    assert result(sw)[0] == 9
    with pytest.raises(InvalidArgument):
        sw.table_insert("I.t", TableEntry(key, ActionSpec("I.set", (7,)), priority=0))


SELECTOR = program(
    types=R, headers="r_t r;",
    ingress_decls="""
        action_selector(HashAlgorithm.crc16, 32w64, 32w16) sel;
        action pick(bit<8> v) { hdr.r.a = v; }
        table ecmp {
            key = { hdr.eth.type: exact; hdr.eth.src: selector; }
            actions = { pick; NoAction; }
            implementation = sel;
            default_action = NoAction();
        }
    """,
    ingress="hdr.r.setValid(); ecmp.apply(); std.egress_spec = 1;",
)


def test_action_selector_spreads_by_crc16_of_selector_keys() -> None:
    from p4sim.engine.hashes import crc16

    sw = switch(SELECTOR)
    for m in (1, 2, 3, 4):
        sw.profile_member_insert("I.sel", m, ActionSpec("I.pick", (m * 10,)))
    sw.profile_group_insert("I.sel", 1, [GroupMember(m) for m in (1, 2, 3, 4)])
    sw.table_insert("I.ecmp", TableEntry((KeyMatch("exact", 0x1234),), group_id=1))
    src_mac = 0x020000000002
    want = [10, 20, 30, 40][crc16(src_mac.to_bytes(6, "big")) % 4]
    assert result(sw)[0] == want
    sw.table_insert("I.ecmp", TableEntry((KeyMatch("exact", 0x9999),), member_id=3))
    assert outputs(sw, 0, frame(0x9999))[0][1][14] == 30


def test_hash_extern_base_plus_modulo() -> None:
    from p4sim.engine.hashes import crc16, crc32

    src = program(
        types="header h_t { bit<16> a; bit<32> b; bit<16> c; }", headers="h_t h;",
        ingress="""
            hdr.h.setValid();
            hash(hdr.h.a, HashAlgorithm.crc16, 16w100, { hdr.eth.dst, hdr.eth.type }, 32w1000);
            hash(hdr.h.b, HashAlgorithm.crc32, 32w0, { hdr.eth.src }, 32w0xffffffff);
            hash(hdr.h.c, HashAlgorithm.crc16, 16w7, { hdr.eth.src }, 32w0);
            std.egress_spec = 1;
        """,
    )
    sw = switch(src)
    f = frame(0x1234)
    r = outputs(sw, 0, f)[0][1][14:]
    assert int.from_bytes(r[0:2], "big") == 100 + crc16(f[0:6] + f[12:14]) % 1000
    assert int.from_bytes(r[2:6], "big") == crc32(f[6:12]) % 0xFFFFFFFF
    assert int.from_bytes(r[6:8], "big") == 7  # max 0 is treated as 1 by BMv2: base + 0


def test_idle_entries_report_time_since_last_hit() -> None:
    import time

    src = program(
        types=R, headers="r_t r;",
        ingress_decls="""
            action a() { hdr.r.a = 1; }
            table t { key = { hdr.eth.type: exact; } actions = { a; NoAction; }
                      default_action = NoAction(); support_timeout = true; }
        """,
        ingress="t.apply(); std.egress_spec = 1;",
    )
    sw = switch(src)
    sw.table_insert("I.t", TableEntry((KeyMatch("exact", 0x1234),), ActionSpec("I.a"), idle_timeout_ns=10**9))
    sw.table_insert("I.t", TableEntry((KeyMatch("exact", 0x9999),), ActionSpec("I.a")))
    time.sleep(0.05)
    [(entry, idle_before)] = sw.idle_entries("I.t")
    assert entry.keys == (KeyMatch("exact", 0x1234),) and idle_before >= 50_000_000
    outputs(sw, 0, frame(0x1234))
    [(_, idle_after)] = sw.idle_entries("I.t")
    assert idle_after < idle_before
