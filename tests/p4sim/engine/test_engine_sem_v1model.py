"""v1model architecture rules as BMv2 simple_switch applies them: drop
port, default port 0, end-of-ingress and end-of-egress order, multicast,
clones, resubmit, recirculate, digests, truncate, checksums, stateful
externs, packet I/O through the CPU port, and robustness."""

from __future__ import annotations

from engine_progs import frame, outputs, program, switch

from p4sim.engine.entries import CounterData, MeterConfig, Replica
from p4sim.engine.hashes import csum16

INFO = """header info_t {
    bit<32> instance_type; bit<16> rid; bit<16> eport; bit<16> espec; bit<16> iport; bit<8> f; bit<32> plen;
}"""
EGRESS_INFO = """
    hdr.info.setValid();
    hdr.info.instance_type = std.instance_type;
    hdr.info.rid = std.egress_rid;
    hdr.info.eport = (bit<16>)std.egress_port;
    hdr.info.espec = (bit<16>)std.egress_spec;
    hdr.info.iport = (bit<16>)std.ingress_port;
    hdr.info.f = meta.keep;
    hdr.info.plen = std.packet_length;
"""


def info(raw: bytes) -> dict[str, int]:
    b = raw[14:]
    return {
        "instance_type": int.from_bytes(b[0:4], "big"), "rid": int.from_bytes(b[4:6], "big"),
        "eport": int.from_bytes(b[6:8], "big"), "espec": int.from_bytes(b[8:10], "big"),
        "iport": int.from_bytes(b[10:12], "big"), "f": b[12], "plen": int.from_bytes(b[13:17], "big"),
    }


def v1(ingress: str, egress: str = EGRESS_INFO, **kw) -> str:
    return program(types=INFO, headers="info_t info;", meta="@field_list(1) bit<8> keep; bit<8> other;",
                   ingress=ingress, egress=egress, **kw)


def test_unset_egress_spec_goes_to_port_0_and_egress_sees_bmv2_start_values() -> None:
    sw = switch(v1(""))
    out = outputs(sw, 3, frame(0x1234, b"abc"))
    assert [p for p, _ in out] == [0]
    i = info(out[0][1])
    # egress_spec is set to drop_port + 1 = 512, which a bit<9> field holds as 0
    assert i == {"instance_type": 0, "rid": 0, "eport": 0, "espec": 0, "iport": 3, "f": 0, "plen": 17}


def test_mark_to_drop_and_port_511_drop() -> None:
    assert outputs(switch(v1("mark_to_drop(std);")), 0, frame(1)) == []
    assert outputs(switch(v1("std.egress_spec = 511;")), 0, frame(1)) == []
    # drop in egress too
    assert outputs(switch(v1("std.egress_spec = 2;", egress="mark_to_drop(std);")), 0, frame(1)) == []


def test_multicast_replicas_rid_and_instance_type() -> None:
    sw = switch(v1("std.mcast_grp = 7; std.egress_spec = 3;"))
    sw.mcast_group_insert(7, [Replica(2, 5), Replica(1, 5), Replica(4, 9)])
    res = sw.process(0, frame(1))
    assert [p for p, _ in res.outputs] == [1, 2, 4]
    got = {p: info(b) for p, b in res.outputs}
    assert got[1]["rid"] == 5 and got[4]["rid"] == 9
    assert all(i["instance_type"] == 5 and i["eport"] == p for p, i in got.items())
    # an unknown group replicates to nothing: the original is discarded either way
    sw.mcast_group_delete(7)
    assert outputs(sw, 0, frame(1)) == []


def test_i2e_clone_of_the_original_packet_with_field_list() -> None:
    src = v1("""
        meta.keep = 0x5a; meta.other = 1;
        hdr.eth.type = 0xffff;
        clone_preserving_field_list(CloneType.I2E, 3, 1);
        std.egress_spec = 1;
    """)
    sw = switch(src)
    sw.clone_session_insert(3, [Replica(6)])
    data = frame(0x1234, b"pp")
    out = dict(outputs(sw, 2, data))
    assert sorted(out) == [1, 6]
    assert out[1][12:14] == b"\xff\xff"  # original was modified by ingress
    assert out[6][12:14] == b"\x12\x34"  # the clone is the packet as received, re-parsed
    i = info(out[6])
    assert i["instance_type"] == 1 and i["f"] == 0x5A and i["eport"] == 6
    assert i["iport"] == 0  # kept for the re-parse only, then reset with the other metadata
    # a clone to an unconfigured session is skipped silently
    sw.clone_session_delete(3)
    assert [p for p, _ in outputs(sw, 2, data)] == [1]


def test_e2e_clone_keeps_egress_headers_even_if_original_dropped() -> None:
    src = v1("std.egress_spec = 1;", egress=EGRESS_INFO + """
        if (std.instance_type == 0) {
            hdr.eth.type = 0xE2E0;
            clone(CloneType.E2E, 4);
            mark_to_drop(std);
        }
    """)
    sw = switch(src)
    sw.clone_session_insert(4, [Replica(5)])
    out = outputs(sw, 0, frame(0x1234))
    assert [p for p, _ in out] == [5]
    assert out[0][1][12:14] == b"\xe2\xe0"
    assert info(out[0][1])["instance_type"] == 2


def test_resubmit_with_preserved_field() -> None:
    src = v1("""
        if (std.instance_type == 0) {
            meta.keep = 0x77;
            hdr.eth.type = 0x9999;
            resubmit_preserving_field_list(1);
        } else {
            std.egress_spec = 2;
        }
    """)
    out = outputs(switch(src), 1, frame(0x1234))
    assert [p for p, _ in out] == [2]
    assert out[0][1][12:14] == b"\x12\x34"  # resubmit re-parses the packet as received
    i = info(out[0][1])
    assert i["f"] == 0x77 and i["instance_type"] == 0  # NORMAL again when it leaves ingress
    assert i["iport"] == 0  # BMv2 resets standard metadata too: ingress_port is not preserved


def test_recirculate_deparsed_packet() -> None:
    src = v1("""
        if (std.instance_type == 4) { std.egress_spec = 3; } else { std.egress_spec = 1; }
    """, egress="""
        if (std.instance_type != 4 && std.egress_port == 1) {
            hdr.eth.type = 0x4444;
            meta.keep = 9;
            recirculate_preserving_field_list(1);
        }
    """)
    out = outputs(switch(src), 0, frame(0x1234, b"z"))
    assert out == [(3, frame(0x4444, b"z"))]


def test_digest_values_and_name() -> None:
    src = v1("digest<learn_t>(1, { hdr.eth.src, std.ingress_port }); std.egress_spec = 1;",
             top="struct learn_t { bit<48> mac; bit<9> port; }")
    res = switch(src).process(7, frame(1))
    assert res.digests == [("learn_t", (0x020000000002, 7))]


def test_digest_data_is_taken_at_the_call_even_if_fields_change_later() -> None:
    # p4c's BMv2 back end copies the digest data into temporaries at the call
    # (backends/bmv2/common/lower.cpp, RemoveComplexExpressions), so BMv2's
    # learn engine, which reads the fields at the end of ingress, sees the
    # values of the call.
    src = v1("""
        meta.other = 5;
        digest<learn_t>(1, { meta.other, std.ingress_port });
        meta.other = 6;
        std.egress_spec = 1;
    """, top="struct learn_t { bit<8> v; bit<9> port; }")
    assert switch(src).process(7, frame(1)).digests == [("learn_t", (5, 7))]


def test_field_list_values_are_those_at_the_end_of_ingress() -> None:
    # @field_list fields are copied when BMv2 carries out the clone, at the
    # end of ingress (simple_switch.cpp ingress_thread): a later assignment wins.
    src = v1("""
        meta.keep = 1;
        clone_preserving_field_list(CloneType.I2E, 3, 1);
        meta.keep = 2;
        std.egress_spec = 1;
    """)
    sw = switch(src)
    sw.clone_session_insert(3, [Replica(6)])
    out = dict(outputs(sw, 2, frame(0x1234)))
    assert info(out[6])["f"] == 2


def test_clone3_preserves_its_data_fields_as_a_field_list() -> None:
    # deprecated clone3(type, session, data): p4c made a field list of data
    # (metadata fields, standard_metadata included), read at the end of ingress
    src = v1("""
        meta.keep = 1; meta.other = 9;
        clone3(CloneType.I2E, 3, { meta.keep, std });
        meta.keep = 0x33;
        std.egress_spec = 1;
    """)
    sw = switch(src)
    sw.clone_session_insert(3, [Replica(6)])
    out = dict(outputs(sw, 4, frame(0x1234)))
    i = info(out[6])
    assert i["f"] == 0x33 and i["instance_type"] == 1
    assert i["iport"] == 4  # standard_metadata was in the data: ingress_port preserved
    # the same without data fields keeps nothing
    plain = v1("meta.keep = 1; clone(CloneType.I2E, 3); std.egress_spec = 1;")
    sw = switch(plain)
    sw.clone_session_insert(3, [Replica(6)])
    assert info(dict(outputs(sw, 4, frame(0x1234)))[6])["f"] == 0


def test_deprecated_resubmit_and_recirculate_preserve_their_data() -> None:
    src = v1("""
        if (std.instance_type == 0) {
            meta.keep = 0x41;
            resubmit({ meta.keep });
        } else {
            std.egress_spec = 2;
        }
    """)
    i = info(outputs(switch(src), 1, frame(0x1234))[0][1])
    assert i["f"] == 0x41
    src = v1("""
        if (std.instance_type == 4) { std.egress_spec = 3; } else { std.egress_spec = 1; }
    """, egress="""
        if (std.instance_type != 4 && std.egress_port == 1) {
            meta.keep = 0x42;
            recirculate({ meta.keep });
        } else {
""" + EGRESS_INFO + """
        }
    """)
    out = outputs(switch(src), 0, frame(0x1234))
    assert [p for p, _ in out] == [3] and info(out[0][1])["f"] == 0x42


def test_truncate_applies_at_transmit() -> None:
    out = outputs(switch(v1("truncate(16); std.egress_spec = 1;", egress="")), 0, frame(1, b"0123456789"))
    assert out == [(1, frame(1, b"01"))]


def test_log_msg_goes_to_the_log() -> None:
    lines: list[str] = []
    sw = switch(v1('log_msg("port {} type {}", {std.ingress_port, hdr.eth.type}); std.egress_spec = 1;'),
                log=lines.append)
    sw.process(5, frame(0x0800))
    assert any("port 5 type 2048" in ln for ln in lines)


def test_trace_shows_parser_tables_and_egress_port() -> None:
    lines: list[str] = []
    src = program(ingress_decls="""
        action to(bit<9> p) { std.egress_spec = p; }
        table fwd { key = { hdr.eth.type: exact; } actions = { to; } default_action = to(2); }
    """, ingress="fwd.apply();")
    switch(src, log=lines.append).process(0, frame(1))
    text = "\n".join(lines)
    assert "Parser state start" in text
    assert "Table I.fwd: miss, action I.to" in text
    assert "Egress port is 2" in text
    assert "Transmitting packet of size 14 out of port 2" in text


def test_assert_failure_drops_packet_and_switch_keeps_running() -> None:
    lines: list[str] = []
    sw = switch(v1("assert(hdr.eth.type != 0xdead); std.egress_spec = 1;"), log=lines.append)
    assert outputs(sw, 0, frame(0xDEAD)) == []
    assert sw.stats.errors == 1
    assert any("error in ingress" in ln and "0200000000010200000000" in ln for ln in lines)
    assert [p for p, _ in outputs(sw, 0, frame(1))] == [1]


CSUM = program(
    types="header ip_t { bit<8> a; bit<8> b; bit<16> ck; bit<32> addr; }",
    headers="ip_t ip;",
    parser="state start { pkt.extract(hdr.eth); pkt.extract(hdr.ip); transition accept; }",
    verify="verify_checksum(hdr.ip.isValid(), { hdr.ip.a, hdr.ip.b, hdr.ip.addr }, hdr.ip.ck, HashAlgorithm.csum16);",
    ingress="""
        if (std.checksum_error == 1) { std.egress_spec = 9; } else { std.egress_spec = 1; }
        hdr.ip.addr = hdr.ip.addr + 1;
    """,
    compute="update_checksum(hdr.ip.isValid(), { hdr.ip.a, hdr.ip.b, hdr.ip.addr }, hdr.ip.ck, HashAlgorithm.csum16);",
)


def test_verify_and_update_checksum() -> None:
    body = bytes([0x45, 0x11]) + b"\x00\x00" + bytes.fromhex("c0000201")
    good = csum16(body[:2] + body[4:])
    ok = body[:2] + good.to_bytes(2, "big") + body[4:]
    sw = switch(CSUM)
    out = outputs(sw, 0, frame(0x0800, ok))
    assert [p for p, _ in out] == [1]
    new = bytes([0x45, 0x11]) + bytes.fromhex("c0000202")
    assert out[0][1][14:] == bytes([0x45, 0x11]) + csum16(new).to_bytes(2, "big") + bytes.fromhex("c0000202")
    # a bad checksum sets checksum_error; the packet is not dropped
    bad = body[:2] + b"\x12\x34" + body[4:]
    assert [p for p, _ in outputs(sw, 0, frame(0x0800, bad))] == [9]


def test_counters_meters_registers_from_p4() -> None:
    src = v1("""
        cnt.count((bit<32>)std.ingress_port);
        bit<8> colour;
        mtr.execute_meter<bit<8>>(0, colour);
        hdr.eth.type = (bit<16>)colour;
        bit<16> seen;
        reg.read(seen, 1);
        reg.write(1, seen + 1);
        std.egress_spec = 1;
    """, egress="", ingress_decls="""
        counter(8, CounterType.packets_and_bytes) cnt;
        meter(4, MeterType.packets) mtr;
        register<bit<16>>(4) reg;
    """)
    sw = switch(src)
    sw.meter_set("I.mtr", 0, MeterConfig(cir=1, cburst=1, pir=1, pburst=2))
    colours = [outputs(sw, 2, frame(1))[0][1][13] for _ in range(3)]
    assert colours == [0, 1, 2]  # GREEN, YELLOW, RED
    assert sw.counter_read("I.cnt", 2) == CounterData(3, 3 * 14)
    assert sw.register_read("I.reg", 1) == 3
    sw.register_write("I.reg", 1, 100)
    outputs(sw, 2, frame(1))
    assert sw.register_read("I.reg", 1) == 101


PKTIO = program(
    types="""
    @controller_header("packet_in") header pin_t { bit<9> port; bit<7> pad; }
    @controller_header("packet_out") header pout_t { bit<9> port; bit<7> pad; }
    """,
    headers="pin_t pin; pout_t pout;",
    parser="""
    state start {
        transition select(std.ingress_port) { 64: from_cpu; default: eth; }
    }
    state from_cpu { pkt.extract(hdr.pout); transition eth; }
    state eth { pkt.extract(hdr.eth); transition accept; }
    """,
    ingress="""
        if (hdr.pout.isValid()) {
            std.egress_spec = hdr.pout.port;
            hdr.pout.setInvalid();
        } else {
            std.egress_spec = 64;
            hdr.pin.setValid();
            hdr.pin.port = std.ingress_port;
        }
    """,
    deparser="pkt.emit(hdr.pin); pkt.emit(hdr.eth);",
)


def test_packet_in_and_packet_out_through_cpu_port() -> None:
    sw = switch(PKTIO, cpu_port=64)
    res = sw.process(3, frame(0x1234, b"x"))
    assert res.outputs == []
    assert res.packet_ins == [({"port": 3, "pad": 0}, frame(0x1234, b"x"))]
    res = sw.packet_out(frame(0x5678, b"y"), {"port": 2})
    assert res.outputs == [(2, frame(0x5678, b"y"))]


def test_direct_meter_colours_only_on_hit() -> None:
    from p4sim.engine.entries import ActionSpec, KeyMatch, TableEntry

    src = v1("meta.keep = 0xAA; t.apply(); hdr.eth.src = (bit<48>)meta.keep; std.egress_spec = 1;",
             egress="", ingress_decls="""
        direct_meter<bit<8>>(MeterType.packets) dm;
        action colour() { dm.read(meta.keep); }
        table t { key = { hdr.eth.type: exact; } actions = { colour; NoAction; }
                  default_action = NoAction(); meters = dm; }
    """)
    sw = switch(src)
    key = (KeyMatch("exact", 1),)
    sw.table_insert("I.t", TableEntry(key, ActionSpec("I.colour")))
    sw.direct_meter_set("I.t", key, 0, MeterConfig(cir=1, cburst=1, pir=1, pburst=2))
    colours = [outputs(sw, 0, frame(1))[0][1][11] for _ in range(3)]
    assert colours == [0, 1, 2]
    assert outputs(sw, 0, frame(2))[0][1][11] == 0xAA  # miss: meter not executed, field untouched
    assert sw.direct_meter_get("I.t", key) == MeterConfig(cir=1, cburst=1, pir=1, pburst=2)


def test_set_valid_on_invalid_header_zeroes_fields_and_keeps_valid_ones() -> None:
    src = program(
        types="header t_t { bit<8> a; bit<8> b; }", headers="t_t t;",
        parser="state start { pkt.extract(hdr.eth); pkt.extract(hdr.t); transition accept; }",
        ingress="""
            if (hdr.eth.type == 1) { hdr.t.setInvalid(); }
            hdr.t.setValid();
            std.egress_spec = 1;
        """,
    )
    sw = switch(src)
    assert outputs(sw, 0, frame(1, b"\x11\x22")) == [(1, frame(1, b"\x00\x00"))]
    assert outputs(sw, 0, frame(2, b"\x11\x22")) == [(1, frame(2, b"\x11\x22"))]


def test_ingress_port_must_fit_bit9_and_not_be_the_drop_port() -> None:
    import pytest

    from p4sim.errors import InvalidArgument

    sw = switch(v1("std.egress_spec = 1;"))
    for bad in (-1, 511, 512):
        with pytest.raises(InvalidArgument):
            sw.process(bad, frame(1))
    assert [p for p, _ in outputs(sw, 510, frame(1))] == [1]


def test_update_checksum_with_payload_covers_the_payload() -> None:
    src = program(
        types="header l4_t { bit<16> port; bit<16> ck; }",
        headers="l4_t l4;",
        parser="state start { pkt.extract(hdr.eth); pkt.extract(hdr.l4); transition accept; }",
        ingress="std.egress_spec = 1;",
        compute="update_checksum_with_payload(hdr.l4.isValid(), { hdr.l4.port, 16w0 }, hdr.l4.ck,"
                " HashAlgorithm.csum16);",
    )
    payload = b"\x01\x02\x03"
    out = outputs(switch(src), 0, frame(0x1234, b"\x00\x35\xff\xff" + payload))
    want = csum16(b"\x00\x35\x00\x00" + payload)
    assert out == [(1, frame(0x1234, b"\x00\x35" + want.to_bytes(2, "big") + payload))]


def test_packets_and_control_plane_from_threads() -> None:
    import threading

    from p4sim.engine.entries import ActionSpec, KeyMatch, TableEntry

    src = program(ingress_decls="""
        action to(bit<9> p) { std.egress_spec = p; }
        table fwd { key = { hdr.eth.type: exact; } actions = { to; } default_action = to(2); size = 4096; }
    """, ingress="fwd.apply();")
    sw = switch(src)
    seen: list[int] = []

    def writer() -> None:
        for i in range(1000):
            sw.table_insert("I.fwd", TableEntry((KeyMatch("exact", i),), ActionSpec("I.to", (3,))))

    def reader() -> None:
        for i in range(1000):
            seen.extend(p for p, _ in sw.process(0, frame(i)).outputs)

    threads = [threading.Thread(target=writer), threading.Thread(target=reader)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sw.stats.errors == 0 and len(seen) == 1000 and set(seen) <= {2, 3}
    assert len(sw.table_entries("I.fwd")) == 1000
    assert [p for p, _ in outputs(sw, 0, frame(999))] == [3]


def test_endless_recirculation_is_cut_and_counted() -> None:
    lines: list[str] = []
    sw = switch(v1("std.egress_spec = 1;", egress="recirculate_preserving_field_list(1);"), log=lines.append)
    assert sw.process(0, frame(1)).outputs == []
    assert sw.stats.errors == 1
    assert any("recirculation loop" in ln for ln in lines)
