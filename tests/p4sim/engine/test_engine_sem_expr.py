"""Expression semantics (P4_16 spec section 8) as BMv2 computes them.

Each program reads operands from a header after Ethernet, writes results
into a result header, and sends the packet to port 1; the test checks the
result bytes."""

from __future__ import annotations

import pytest
from engine_progs import frame, outputs, program, switch

from p4sim.engine.entries import ActionSpec, KeyMatch, TableEntry

OPS = "header ops_t { bit<8> a; bit<8> b; int<8> s; int<8> t; bit<8> n; }"
PARSE_OPS = """
state start { pkt.extract(hdr.eth); pkt.extract(hdr.ops); transition accept; }
"""


def run_ops(res_fields: str, body: str, a: int, b: int, s: int = 0, t: int = 0, n: int = 0) -> bytes:
    sw = switch(program(
        types=OPS + f"header res_t {{ {res_fields} }}",
        headers="ops_t ops; res_t res;",
        parser=PARSE_OPS,
        ingress="hdr.res.setValid(); std.egress_spec = 1;" + body,
    ))
    data = frame(0x88B5, bytes([a, b, s & 0xFF, t & 0xFF, n]))
    out = outputs(sw, 0, data)
    assert len(out) == 1 and out[0][0] == 1
    return out[0][1][len(data):]


def test_unsigned_arithmetic_wraps_modulo_2_pow_n() -> None:
    r = run_ops("bit<8> add; bit<8> sub; bit<8> mul; bit<8> neg;",
                "hdr.res.add = hdr.ops.a + hdr.ops.b; hdr.res.sub = hdr.ops.a - hdr.ops.b;"
                "hdr.res.mul = hdr.ops.a * hdr.ops.b; hdr.res.neg = -hdr.ops.a;", 200, 100)
    assert list(r) == [(300) % 256, (100) % 256, (20000) % 256, 56]


def test_saturating_unsigned() -> None:
    r = run_ops("bit<8> up; bit<8> down; bit<8> ok;",
                "hdr.res.up = hdr.ops.a |+| hdr.ops.b; hdr.res.down = hdr.ops.b |-| hdr.ops.a;"
                "hdr.res.ok = hdr.ops.a |-| hdr.ops.b;", 200, 100)
    assert list(r) == [255, 0, 100]


@pytest.mark.parametrize("s,t,add,sub", [(100, 100, 127, 0), (-100, 100, 0, -128), (-100, -100, -128, 0)])
def test_saturating_signed(s: int, t: int, add: int, sub: int) -> None:
    r = run_ops("int<8> add; int<8> sub;",
                "hdr.res.add = hdr.ops.s |+| hdr.ops.t; hdr.res.sub = hdr.ops.s |-| hdr.ops.t;", 0, 0, s, t)
    assert list(r) == [add & 0xFF, sub & 0xFF]


def test_signed_comparison_and_arithmetic_shift() -> None:
    r = run_ops("bit<8> lt; int<8> shr; bit<8> ushr;",
                "hdr.res.lt = (hdr.ops.s < hdr.ops.t) ? 8w1 : 8w0;"
                "hdr.res.shr = hdr.ops.s >> 2; hdr.res.ushr = hdr.ops.a >> 2;", 0x80, 0, -8, 3)
    assert list(r) == [1, (-2) & 0xFF, 0x20]


def test_shift_by_width_or_more_gives_zero_or_sign_fill() -> None:
    r = run_ops("bit<8> l; bit<8> r; int<8> sr;",
                "hdr.res.l = hdr.ops.a << hdr.ops.n; hdr.res.r = hdr.ops.a >> hdr.ops.n;"
                "hdr.res.sr = hdr.ops.s >> hdr.ops.n;", 0xFF, 0, -1, 0, n=200)
    assert list(r) == [0, 0, 0xFF]


def test_slices_read_and_write_and_concat() -> None:
    r = run_ops("bit<8> hi; bit<16> cat; bit<8> w;",
                "hdr.res.hi = (bit<8>)hdr.ops.a[7:4]; hdr.res.cat = hdr.ops.a ++ hdr.ops.b;"
                "hdr.res.w = hdr.ops.a; hdr.res.w[3:0] = hdr.ops.b[7:4];", 0xAB, 0xCD)
    assert r.hex() == "0a" + "abcd" + "ac"


def test_casts_sign_extend_truncate_and_bool() -> None:
    r = run_ops("bit<16> sx; bit<16> zx; bit<4> tr; bit<1> fromb; bit<3> pad; bit<8> tob;",
                "hdr.res.sx = (bit<16>)(int<16>)hdr.ops.s; hdr.res.zx = (bit<16>)hdr.ops.a;"
                "hdr.res.tr = (bit<4>)hdr.ops.a; hdr.res.fromb = (bit<1>)(hdr.ops.a == 0xF3);"
                "hdr.res.tob = ((bool)hdr.res.fromb) ? 8w7 : 8w9;", 0xF3, 0, -3)
    sx, zx = int.from_bytes(r[0:2], "big"), int.from_bytes(r[2:4], "big")
    assert (sx, zx) == (0xFFFD, 0x00F3)
    assert r[4] >> 4 == 0x3  # truncation keeps the low 4 bits
    assert (r[4] >> 3) & 1 == 1  # bool -> bit<1>
    assert r[5] == 7  # bit<1> -> bool


def test_division_and_modulo() -> None:
    r = run_ops("bit<8> q; bit<8> m;", "hdr.res.q = hdr.ops.a / 8w7; hdr.res.m = hdr.ops.a % 8w7;", 100, 0)
    assert list(r) == [14, 2]


def test_bitwise_and_logic() -> None:
    r = run_ops("bit<8> x; bit<8> y;",
                "hdr.res.x = (hdr.ops.a & hdr.ops.b) | (~hdr.ops.a ^ 8w0x0F);"
                "if (hdr.ops.a > 8w1 && !(hdr.ops.b == 8w0) || false) { hdr.res.y = 1; }", 0x3C, 0xF0)
    assert list(r) == [(0x3C & 0xF0) | ((~0x3C & 0xFF) ^ 0x0F), 1]


def test_values_of_a_type_declaration_behave_as_the_underlying_type() -> None:
    # `type bit<16> T` is a distinct type for P4Info; values are bit<16>
    sw = switch(program(
        types="type bit<16> Tag_t; header tag_t { Tag_t t; }",
        headers="tag_t tag;",
        parser="state start { pkt.extract(hdr.eth); pkt.extract(hdr.tag); transition accept; }",
        ingress_decls="""
            action set(Tag_t v) { hdr.tag.t = v; }
            table tt { key = { hdr.tag.t: exact; } actions = { set; NoAction; } default_action = NoAction(); }
        """,
        ingress="""
            std.egress_spec = 1;
            if (hdr.tag.t == (Tag_t)16w7) { hdr.tag.t = (Tag_t)((bit<16>)hdr.tag.t + 1); }
            tt.apply();
        """,
    ))
    assert outputs(sw, 0, frame(0x88B5, (7).to_bytes(2, "big")))[0][1][-2:] == b"\x00\x08"
    sw.table_insert("I.tt", TableEntry((KeyMatch("exact", 8),), ActionSpec("I.set", (0xABCD,))))
    assert outputs(sw, 0, frame(0x88B5, (7).to_bytes(2, "big")))[0][1][-2:] == b"\xab\xcd"
