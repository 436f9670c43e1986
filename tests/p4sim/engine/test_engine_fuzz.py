"""Malformed traffic cannot crash or corrupt the switch.

Thousands of seeded random, truncated and mutated frames (runts, cut
headers, wrong lengths) go through the conformance programs and a
stack/varbit parser; the switch must never raise, never count an internal
error, stay deterministic for a stateless program, and still forward the
recorded conformance packets exactly afterwards."""

from __future__ import annotations

import json
import random
from pathlib import Path

from engine_progs import program, switch

from p4sim.engine import Switch
from p4sim.frontend import compile_file

CONF = Path(__file__).resolve().parents[3] / ".." / "shared" / "conformance"


def mutations(seeds: list[bytes], rnd: random.Random, count: int) -> list[bytes]:
    out = []
    for i in range(count):
        base = bytearray(rnd.choice(seeds))
        choice = i % 4
        if choice == 0:  # truncate anywhere, runts included
            base = base[: rnd.randrange(0, len(base) + 1)]
        elif choice == 1:  # flip bytes
            for _ in range(rnd.randrange(1, 6)):
                if base:
                    base[rnd.randrange(len(base))] = rnd.randrange(256)
        elif choice == 2:  # random garbage of random length
            base = bytearray(rnd.randbytes(rnd.randrange(0, 80)))
        else:  # keep the Ethernet/IP headers, cut inside later headers, append junk
            base = base[: rnd.randrange(14, max(15, len(base)))] + rnd.randbytes(rnd.randrange(0, 4))
        out.append(bytes(base))
    return out


def replay_expected(sw: Switch, name: str) -> None:
    cases = json.loads((CONF / f"{name}.cases.json").read_text())["cases"]
    expected = json.loads((CONF / f"{name}.expected.json").read_text())["results"]
    for case, exp in list(zip(cases, expected, strict=True))[:40]:
        res = sw.process(case["in_port"], bytes.fromhex(case["packet"]))
        got = sorted(({"port": p, "packet": b.hex()} for p, b in res.outputs),
                     key=lambda o: (o["port"], o["packet"]))
        assert got == exp


def test_fuzz_conf_l2_l3_stays_alive_and_deterministic() -> None:
    prog = compile_file(str(CONF / "conf_l2_l3.p4"))
    sw = Switch(prog)
    cases = json.loads((CONF / "conf_l2_l3.cases.json").read_text())["cases"]
    seeds = [bytes.fromhex(c["packet"]) for c in cases]
    rnd = random.Random(20261124)
    frames = mutations(seeds, rnd, 3000)
    first = []
    for i, f in enumerate(frames):
        res = sw.process(i % 5, f)
        for port, data in res.outputs:
            assert 0 <= port < 511 and isinstance(data, bytes)
        first.append(res.outputs)
    assert sw.stats.errors == 0
    again = Switch(prog)
    for i, f in enumerate(frames[:500]):
        assert again.process(i % 5, f).outputs == first[i]
    replay_expected(sw, "conf_l2_l3")


def test_fuzz_stateful_conf_control() -> None:
    sw = Switch(compile_file(str(CONF / "conf_control.p4")))
    cases = json.loads((CONF / "conf_control.cases.json").read_text())["cases"]
    frames = mutations([bytes.fromhex(c["packet"]) for c in cases], random.Random(7), 1500)
    for i, f in enumerate(frames):
        sw.process(i % 5, f)
    assert sw.stats.errors == 0
    assert sw.stats.packets_in == 1500


def test_fuzz_stack_and_varbit_parser() -> None:
    src = program(
        types="""
        header lbl_t { bit<7> v; bit<1> bos; }
        header opt_t { bit<8> len; varbit<256> data; }
        """,
        headers="lbl_t[4] lbl; opt_t opt;",
        parser="""
        state start {
            pkt.extract(hdr.eth);
            transition select(hdr.eth.type) { 0x8847: lbl; 0x9999: opt; default: accept; }
        }
        state lbl {
            pkt.extract(hdr.lbl.next);
            transition select(hdr.lbl.last.bos) { 1: accept; default: lbl; }
        }
        state opt {
            bit<8> n = pkt.lookahead<bit<8>>();
            pkt.extract(hdr.opt, (bit<32>)n * 8);
            transition accept;
        }
        """,
        ingress="std.egress_spec = (bit<9>)hdr.lbl.lastIndex[2:0];",
    )
    sw = switch(src)
    rnd = random.Random(99)
    seeds = [
        bytes(12) + b"\x88\x47" + bytes([0x10, 0x20, 0x31]) + b"payload",
        bytes(12) + b"\x99\x99" + bytes([3, 1, 2, 3]) + b"tail",
    ]
    for i, f in enumerate(mutations(seeds, rnd, 3000)):
        res = sw.process(i % 3, f)
        assert len(res.outputs) <= 1
    assert sw.stats.errors == 0
