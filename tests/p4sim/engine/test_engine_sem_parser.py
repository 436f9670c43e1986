"""Parser semantics as BMv2 runs them: select forms, stacks, unions,
varbit, lookahead/advance, verify, and parser errors (parsing stops,
parser_error is set, extracted headers stay valid, the rest is payload,
the packet is not dropped)."""

from __future__ import annotations

from engine_progs import ETH, frame, outputs, program, switch

from p4sim.engine.entries import KeyMatch

ERR_HDR = "header err_t { bit<8> code; }"


def error_probe(parser: str, headers: str, types: str, deparser: str = "pkt.emit(hdr);") -> str:
    """Ingress reports std.parser_error as an index via a small table of
    comparisons (errors have no numeric value in P4)."""
    return program(
        types=types + ERR_HDR,
        headers=headers + " err_t err;",
        parser=parser,
        ingress="""
            hdr.err.setValid();
            if (std.parser_error == error.NoError) { hdr.err.code = 0; }
            else if (std.parser_error == error.PacketTooShort) { hdr.err.code = 1; }
            else if (std.parser_error == error.NoMatch) { hdr.err.code = 2; }
            else if (std.parser_error == error.StackOutOfBounds) { hdr.err.code = 3; }
            else if (std.parser_error == error.HeaderTooShort) { hdr.err.code = 4; }
            else { hdr.err.code = 9; }
            std.egress_spec = 1;
        """,
        deparser=deparser,
    )


def test_packet_too_short_keeps_earlier_headers_and_payload() -> None:
    src = error_probe(
        "state start { pkt.extract(hdr.eth); pkt.extract(hdr.ip); transition accept; }",
        "ip_t ip;", "header ip_t { bit<32> a; bit<32> b; }",
        deparser="pkt.emit(hdr.eth); pkt.emit(hdr.err); pkt.emit(hdr.ip);",
    )
    sw = switch(src)
    data = frame(0x0800, b"\x01\x02\x03")  # 3 bytes: ip_t needs 8
    assert outputs(sw, 0, data) == [(1, data[:14] + b"\x01" + b"\x01\x02\x03")]


def test_select_no_match_is_error_nomatch() -> None:
    src = error_probe(
        "state start { pkt.extract(hdr.eth); transition select(hdr.eth.type) { 0x0800: accept; } }",
        "", "", deparser="pkt.emit(hdr.eth); pkt.emit(hdr.err);",
    )
    sw = switch(src)
    assert outputs(sw, 0, frame(0x0800, b"zz")) == [(1, frame(0x0800) + b"\x00zz")]
    assert outputs(sw, 0, frame(0x86DD, b"zz")) == [(1, frame(0x86DD) + b"\x02zz")]


def test_select_masks_ranges_default_and_tuples() -> None:
    src = program(
        types="header tag_t { bit<8> v; }",
        headers="tag_t tag;",
        parser="""
        state start {
            pkt.extract(hdr.eth);
            transition select(hdr.eth.type, hdr.eth.dst[7:0]) {
                (0x8100 &&& 0xFF00, _): tagged;
                (0x0600 .. 0x06FF, 1): tagged;
                default: accept;
            }
        }
        state tagged { pkt.extract(hdr.tag); transition accept; }
        """,
        ingress="std.egress_spec = hdr.tag.isValid() ? 9w2 : 9w3;",
    )
    sw = switch(src)
    assert outputs(sw, 0, frame(0x81AB, b"\x07"))[0][0] == 2
    assert outputs(sw, 0, frame(0x0650, b"\x07"))[0][0] == 2  # dst ends in 01
    assert outputs(sw, 0, frame(0x0750, b"\x07"))[0][0] == 3


def test_value_set_in_select() -> None:
    src = program(
        types="header tag_t { bit<8> v; }",
        headers="tag_t tag;",
        parser="""
        value_set<bit<16>>(4) pvs;
        state start {
            pkt.extract(hdr.eth);
            transition select(hdr.eth.type) { pvs: tagged; default: accept; }
        }
        state tagged { pkt.extract(hdr.tag); transition accept; }
        """,
        ingress="std.egress_spec = hdr.tag.isValid() ? 9w2 : 9w3;",
    )
    sw = switch(src)
    assert outputs(sw, 0, frame(0x88B5, b"\x07"))[0][0] == 3
    sw.value_set_write("P.pvs", [(KeyMatch("exact", 0x88B5),)])
    assert outputs(sw, 0, frame(0x88B5, b"\x07"))[0][0] == 2
    assert sw.value_set_read("P.pvs") == [(KeyMatch("exact", 0x88B5),)]


STACK = "header lbl_t { bit<7> v; bit<1> bos; }"


def test_stack_extract_loop_and_last_index() -> None:
    src = program(
        types=STACK + "header cnt_t { bit<32> last; bit<8> v; }",
        headers="lbl_t[3] lbl; cnt_t cnt;",
        parser="""
        state start { pkt.extract(hdr.eth); transition next_lbl; }
        state next_lbl {
            pkt.extract(hdr.lbl.next);
            transition select(hdr.lbl.last.bos) { 1: accept; default: next_lbl; }
        }
        """,
        ingress="hdr.cnt.setValid(); hdr.cnt.last = hdr.lbl.lastIndex; hdr.cnt.v = (bit<8>)hdr.lbl[1].v;"
                "std.egress_spec = 1;",
        deparser="pkt.emit(hdr.eth); pkt.emit(hdr.cnt); pkt.emit(hdr.lbl);",
    )
    sw = switch(src)
    labels = bytes([0x10, 0x20, 0x31])  # 8, 16, 24 with bos on the third
    out = outputs(sw, 0, frame(0x8847, labels + b"pl"))
    assert out == [(1, frame(0x8847) + (2).to_bytes(4, "big") + bytes([0x10]) + labels + b"pl")]


def test_stack_overflow_is_stack_out_of_bounds() -> None:
    src = error_probe(
        """
        state start { pkt.extract(hdr.eth); transition next_lbl; }
        state next_lbl {
            pkt.extract(hdr.lbl.next);
            transition select(hdr.lbl.last.bos) { 1: accept; default: next_lbl; }
        }
        """,
        "lbl_t[2] lbl;", STACK, deparser="pkt.emit(hdr.eth); pkt.emit(hdr.err); pkt.emit(hdr.lbl);",
    )
    sw = switch(src)
    labels = bytes([0x10, 0x20, 0x30, 0x41])
    # two labels extracted and kept, error 3, the rest is payload
    assert outputs(sw, 0, frame(0x8847, labels)) == [(1, frame(0x8847) + b"\x03" + labels)]


def test_push_and_pop_front() -> None:
    src = program(
        types=STACK,
        headers="lbl_t[3] lbl;",
        parser="state start { pkt.extract(hdr.eth); pkt.extract(hdr.lbl.next); transition accept; }",
        ingress="""
            if (hdr.eth.type == 1) {
                hdr.lbl.push_front(1);
                hdr.lbl[0].setValid();
                hdr.lbl[0].v = 0x7f;
            } else {
                hdr.lbl.pop_front(1);
            }
            std.egress_spec = 1;
        """,
    )
    sw = switch(src)
    assert outputs(sw, 0, frame(1, b"\x21xy")) == [(1, frame(1) + b"\xfe\x21xy")]
    assert outputs(sw, 0, frame(2, b"\x21xy")) == [(1, frame(2) + b"xy")]


def test_header_union_one_member_valid() -> None:
    src = program(
        types="header a_t { bit<8> x; } header b_t { bit<16> y; } header_union u_t { a_t a; b_t b; }",
        headers="u_t u;",
        parser="""
        state start {
            pkt.extract(hdr.eth);
            transition select(hdr.eth.type) { 1: pa; 2: pb; default: accept; }
        }
        state pa { pkt.extract(hdr.u.a); transition accept; }
        state pb { pkt.extract(hdr.u.b); transition accept; }
        """,
        ingress="""
            if (hdr.u.a.isValid()) { hdr.u.b.setValid(); hdr.u.b.y = 0xbeef; }
            std.egress_spec = hdr.u.isValid() ? 9w1 : 9w2;
        """,
    )
    sw = switch(src)
    # a valid -> b set valid instead: a disappears, b is emitted
    assert outputs(sw, 0, frame(1, b"\x05!")) == [(1, frame(1) + b"\xbe\xef!")]
    assert outputs(sw, 0, frame(2, b"\x01\x02!")) == [(1, frame(2) + b"\x01\x02!")]
    assert outputs(sw, 0, frame(3, b"!")) == [(2, frame(3) + b"!")]


def test_header_union_stack_extract_next_member_advances_next_index() -> None:
    # extract(hs.next.a) on a header_union stack fills the union at nextIndex
    # (its only valid member) and advances nextIndex, as BMv2's union-stack
    # extract does (p4c emits an extract of type "union_stack")
    src = program(
        types="header a_t { bit<8> x; } header b_t { bit<16> y; } header_union u_t { a_t a; b_t b; }",
        headers="u_t[2] us;",
        parser="""
        state start {
            pkt.extract(hdr.eth);
            transition select(hdr.eth.type) { 1: two; default: over; }
        }
        state two { pkt.extract(hdr.us.next.a); pkt.extract(hdr.us.next.b); transition accept; }
        state over { pkt.extract(hdr.us.next.a); pkt.extract(hdr.us.next.a); pkt.extract(hdr.us.next.a);
                     transition accept; }
        """,
        ingress="""
            std.egress_spec = (hdr.us[0].a.isValid() && hdr.us[1].b.isValid()) ? 9w1 : 9w2;
            if (std.parser_error == error.StackOutOfBounds) { std.egress_spec = 3; }
        """,
    )
    sw = switch(src)
    assert outputs(sw, 0, frame(1, b"\x11\x22\x33!")) == [(1, frame(1, b"\x11\x22\x33!"))]
    # a third extract into a 2-element stack is StackOutOfBounds; the two before stay
    assert outputs(sw, 0, frame(2, b"\x01\x02\x03!")) == [(3, frame(2, b"\x01\x02\x03!"))]


def test_lookahead_of_a_struct_type() -> None:
    # p4c's ExpandLookahead (midend/expandLookahead.cpp): lookahead<S>() reads
    # bit<W> of the struct's width and assigns each field from its slice,
    # first field most significant; nothing is consumed
    src = program(
        types="struct pair_t { bit<4> hi; bit<12> lo; bool f; bit<7> r; } header p_t { bit<24> v; }",
        headers="p_t p;",
        meta="bit<16> lo; bit<8> flags;",
        parser="""
        state start {
            pkt.extract(hdr.eth);
            pair_t s = pkt.lookahead<pair_t>();
            meta.lo = (bit<16>)s.lo;
            meta.flags = s.hi ++ (s.f ? 4w1 : 4w0);
            pkt.extract(hdr.p);
            transition accept;
        }
        """,
        ingress="std.egress_spec = 1; hdr.eth.src = (bit<48>)(meta.lo ++ meta.flags);",
    )
    out = outputs(switch(src), 0, frame(0x88B5, b"\xab\xcd\x80!"))
    assert out[0][1][6:12] == bytes([0, 0, 0, 0x0B, 0xCD, 0xA1])
    assert out[0][1][14:] == b"\xab\xcd\x80!"  # not consumed: extracted again by the next state


def test_varbit_extract_and_emit() -> None:
    src = program(
        types="header opt_t { bit<8> len; varbit<64> data; } header tail_t { bit<8> t; }",
        headers="opt_t opt; tail_t tail;",
        parser="""
        state start {
            pkt.extract(hdr.eth);
            bit<8> n = pkt.lookahead<bit<8>>();
            pkt.extract(hdr.opt, (bit<32>)n * 8);
            pkt.extract(hdr.tail);
            transition accept;
        }
        """,
        ingress="std.egress_spec = 1; hdr.tail.t = hdr.tail.t + 1;",
    )
    sw = switch(src)
    # lookahead reads len (2) without consuming it; opt = len (8 bits) + 2 bytes of varbit data
    data = frame(0x9999, b"\x02\xaa\xbb\x10zz")
    assert outputs(sw, 0, data) == [(1, frame(0x9999) + b"\x02\xaa\xbb\x11zz")]


def test_varbit_too_long_is_header_too_short() -> None:
    src = error_probe(
        "state start { pkt.extract(hdr.eth); pkt.extract(hdr.opt, 128); transition accept; }",
        "opt_t opt;", "header opt_t { bit<8> len; varbit<64> data; }",
        deparser="pkt.emit(hdr.eth); pkt.emit(hdr.err);",
    )
    sw = switch(src)
    assert outputs(sw, 0, frame(1, bytes(20))) == [(1, frame(1) + b"\x04" + bytes(20))]


def test_advance_and_verify() -> None:
    src = error_probe(
        """
        state start {
            pkt.extract(hdr.eth);
            pkt.advance(16);
            pkt.extract(hdr.t);
            verify(hdr.t.v != 0, error.NoMatch);
            transition accept;
        }
        """,
        "t_t t;", "header t_t { bit<8> v; }",
        deparser="pkt.emit(hdr.eth); pkt.emit(hdr.err); pkt.emit(hdr.t);",
    )
    sw = switch(src)
    # the two skipped bytes are dropped from the output (advance consumes them)
    assert outputs(sw, 0, frame(1, b"xx\x05rest")) == [(1, frame(1) + b"\x00\x05rest")]
    assert outputs(sw, 0, frame(1, b"xx\x00rest")) == [(1, frame(1) + b"\x02\x00rest")]


def test_lookahead_header_type() -> None:
    src = program(
        types="header t_t { bit<8> v; bit<8> w; }",
        headers="t_t t;",
        parser="""
        state start {
            pkt.extract(hdr.eth);
            transition select(pkt.lookahead<t_t>().w) { 0x42: take; default: accept; }
        }
        state take { pkt.extract(hdr.t); transition accept; }
        """,
        ingress="std.egress_spec = hdr.t.isValid() ? 9w1 : 9w2;",
    )
    sw = switch(src)
    assert outputs(sw, 0, frame(1, b"\x00\x42"))[0][0] == 1
    assert outputs(sw, 0, frame(1, b"\x00\x43"))[0][0] == 2
    # too short to look ahead: PacketTooShort, parsing stops, the packet still goes on
    assert outputs(sw, 0, frame(1, b"\x00")) == [(2, frame(1, b"\x00"))]


def test_runt_frame_is_not_dropped() -> None:
    sw = switch(program(ingress="std.egress_spec = 4;"))
    assert outputs(sw, 0, ETH[:5]) == [(4, ETH[:5])]


def test_explicit_reject_behaves_as_accept_on_bmv2() -> None:
    # p4c's BMv2 back end turns an explicit `transition reject` into the end
    # of parsing with no error ("not supported on this target" warning)
    src = error_probe(
        "state start { pkt.extract(hdr.eth); transition select(hdr.eth.type) { 1: reject; default: accept; } }",
        "", "", deparser="pkt.emit(hdr.eth); pkt.emit(hdr.err);",
    )
    assert outputs(switch(src), 0, frame(1, b"zz")) == [(1, frame(1) + b"\x00zz")]


def test_lookahead_of_a_struct_holding_a_header_is_a_compile_error() -> None:
    import pytest

    from p4sim.errors import P4CompileError

    src = program(types="struct s_t { eth_t e; }",
                  parser="state start { s_t x = pkt.lookahead<s_t>(); pkt.extract(hdr.eth); transition accept; }")
    with pytest.raises(P4CompileError, match=r"test.p4:\d+:\d+: error: .*lookahead<s_t>"):
        switch(src)
