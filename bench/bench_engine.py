#!/usr/bin/env python3
"""p4sim engine throughput and table lookup cost.

  python3 bench/bench_engine.py [--packets N] [--quick]

Prints packets/s through ``Switch.process`` on a two-table L2 program
(source MAC check + destination MAC forward) and the cost of one lookup per
match kind with 1, 1,000 and 100,000 entries. Figures only: nothing is
asserted (CI must not gate on timings).
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from p4sim.engine import Switch  # noqa: E402
from p4sim.engine.entries import ActionSpec, KeyMatch, TableEntry  # noqa: E402
from p4sim.engine.tables import ActionInfo, TableState  # noqa: E402
from p4sim.frontend import compile_source  # noqa: E402

L2 = """
#include <core.p4>
#include <v1model.p4>
header eth_t { bit<48> dst; bit<48> src; bit<16> type; }
struct headers_t { eth_t eth; }
struct meta_t { bit<1> known; }
parser P(packet_in pkt, out headers_t hdr, inout meta_t meta, inout standard_metadata_t std) {
    state start { pkt.extract(hdr.eth); transition accept; }
}
control V(inout headers_t hdr, inout meta_t meta) { apply { } }
control I(inout headers_t hdr, inout meta_t meta, inout standard_metadata_t std) {
    action known() { meta.known = 1; }
    action unknown() { meta.known = 0; }
    action fwd(bit<9> port) { std.egress_spec = port; }
    action flood() { std.mcast_grp = 1; }
    table smac {
        key = { hdr.eth.src: exact; } actions = { known; unknown; } default_action = unknown(); size = 200000;
    }
    table dmac { key = { hdr.eth.dst: exact; } actions = { fwd; flood; } default_action = flood(); size = 200000; }
    apply { smac.apply(); dmac.apply(); }
}
control E(inout headers_t hdr, inout meta_t meta, inout standard_metadata_t std) { apply { } }
control C(inout headers_t hdr, inout meta_t meta) { apply { } }
control D(packet_out pkt, in headers_t hdr) { apply { pkt.emit(hdr.eth); } }
V1Switch(P(), V(), I(), E(), C(), D()) main;
"""


def bench_switch(n_entries: int, packets: int) -> float:
    sw = Switch(compile_source(L2, "bench_l2.p4"))
    macs = [0x020000000000 + i for i in range(max(n_entries, 2))]
    for i, mac in enumerate(macs[:n_entries]):
        sw.table_insert("I.smac", TableEntry((KeyMatch("exact", mac),), ActionSpec("I.known")))
        sw.table_insert("I.dmac", TableEntry((KeyMatch("exact", mac),), ActionSpec("I.fwd", (1 + i % 8,))))
    frames = []
    rnd = random.Random(1)
    for _ in range(256):
        d, s = rnd.choice(macs[:n_entries]), rnd.choice(macs[:n_entries])
        frames.append(d.to_bytes(6, "big") + s.to_bytes(6, "big") + b"\x08\x00" + bytes(46))
    t0 = time.perf_counter()
    for i in range(packets):
        sw.process(1, frames[i & 255])
    dt = time.perf_counter() - t0
    return packets / dt


def make_table(kind: str, n: int) -> tuple[TableState, list[tuple]]:
    width = 32
    kinds = [kind]
    t = TableState("bench", kinds, [width], ["k"], [ActionInfo("a", (8,))], ActionSpec("a", (0,)), size=n + 1)
    rnd = random.Random(2)
    keys = []
    for i in range(n):
        v = rnd.getrandbits(24) << 8
        if kind == "exact":
            km = KeyMatch("exact", v | (i & 0xFF))
            prio = 0
        elif kind == "lpm":
            plen = rnd.choice((8, 16, 24))
            v &= ((1 << width) - 1) ^ ((1 << (width - plen)) - 1)
            km = KeyMatch("lpm", v, plen)
            prio = 0
        elif kind == "ternary":
            km = KeyMatch("ternary", v, 0xFFFFFF00)
            prio = i + 1
        else:
            km = KeyMatch("range", v, v + 255)
            prio = i + 1
        try:
            t.insert(TableEntry((km,), ActionSpec("a", (i & 0xFF,)), priority=prio))
        except Exception:  # a random duplicate: skip it
            continue
        keys.append((v | 7,))
    return t, keys


WARMUP = 5  # lookups after which a range table has built its index (4 scans, then the build)


def make_acl(n: int) -> tuple[TableState, list[tuple]]:
    """vtep_gateway-like ACL: ternary address, source and destination port
    ranges; most entries have any source port (a don't-care range)."""
    kinds = ["ternary", "range", "range"]
    t = TableState("acl", kinds, [32, 16, 16], ["dst", "sport", "dport"], [ActionInfo("a", (8,))],
                   ActionSpec("a", (0,)), size=n + 1)
    rnd = random.Random(3)
    keys = []
    for i in range(n):
        lo = rnd.randrange(0, 65000)
        sport = KeyMatch("dontcare") if rnd.random() < 0.9 else KeyMatch("range", 1024, 65535)
        km = (KeyMatch("ternary", 0x0A000000, 0xFF000000), sport, KeyMatch("range", lo, lo + rnd.choice((0, 10, 500))))
        try:
            t.insert(TableEntry(km, ActionSpec("a", (i & 0xFF,)), priority=i + 1))
        except Exception:  # a random duplicate: skip it
            continue
        keys.append((0x0A000001, 2000, lo))
    return t, keys


def bench_lookup(kind: str, n: int, rounds: int) -> float:
    t, keys = make_table(kind, n)
    probes = [keys[i % len(keys)] for i in range(rounds)]
    for _ in range(WARMUP):  # a range table builds its interval index after a few lookups (timed apart)
        t.lookup(probes[0])
    t0 = time.perf_counter()
    for k in probes:
        t.lookup(k)
    return (time.perf_counter() - t0) / rounds * 1e6


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--packets", type=int, default=50000)
    ap.add_argument("--quick", action="store_true", help="fewer packets and lookups")
    a = ap.parse_args()
    packets = 5000 if a.quick else a.packets
    print("two-table L2 program through Switch.process:")
    for n in (1, 1000, 100000):
        if a.quick and n == 100000:
            continue
        print(f"  {n:>7} entries per table: {bench_switch(n, packets):>9.0f} packets/s")
    print("one lookup (microseconds):")
    for kind in ("exact", "lpm", "ternary", "range"):
        row = []
        for n in (1, 1000, 100000):
            rounds = 2000
            if a.quick and n == 100000:
                continue
            row.append(f"{n}: {bench_lookup(kind, n, rounds):8.2f}")
        print(f"  {kind:<8} " + "   ".join(row))
    print("ACL-like range table (ternary dst, two 16-bit port ranges, source port mostly any):")
    for n in (1000, 4096):
        t, keys = make_acl(n)
        probes = [keys[i % len(keys)] for i in range(2000)]
        for _ in range(WARMUP):
            t.lookup(probes[0])
        t0 = time.perf_counter()
        for k in probes:
            t.lookup(k)
        print(f"  {n:>7} entries: {(time.perf_counter() - t0) / len(probes) * 1e6:8.2f} us per lookup")
    print(f"range table, the first {WARMUP} lookups after the inserts (scans, then the index build), milliseconds:")
    row = []
    for n in (1000, 100000):
        if a.quick and n == 100000:
            continue
        t, keys = make_table("range", n)
        t0 = time.perf_counter()
        for _ in range(WARMUP):
            t.lookup(keys[0])
        row.append(f"{n}: {(time.perf_counter() - t0) * 1e3:8.1f}")
    print("  range    " + "   ".join(row))


if __name__ == "__main__":
    main()
