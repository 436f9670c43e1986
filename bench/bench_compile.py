"""How long p4sim takes to compile a realistic ~1,000-line v1model program
(front end + P4Info), and how long the engine takes to build a Switch from
it: together the cost a user pays at every ``p4sim run`` start and every
SetForwardingPipelineConfig.

    python3 bench/bench_compile.py [--lines 1000] [--repeat 3] [--keep FILE]

The program is generated: headers, a parser state per header, actions with
parameters, tables with every match kind, counters, registers, a digest and
checksum code, so every front-end stage is exercised at scale.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

_PRELUDE = """\
#include <core.p4>
#include <v1model.p4>

header ethernet_t { bit<48> dst; bit<48> src; bit<16> ether_type; }
header ipv4_t {
    bit<4> version; bit<4> ihl; bit<8> diffserv; bit<16> total_len;
    bit<16> identification; bit<3> flags; bit<13> frag_offset;
    bit<8> ttl; bit<8> protocol; bit<16> hdr_checksum;
    bit<32> src_addr; bit<32> dst_addr;
}
struct learn_t { bit<48> src; bit<9> port; }
"""


def _header(i: int) -> str:
    return (
        f"header h{i}_t {{\n    bit<8> kind;\n    bit<8> next;\n    bit<16> a;\n"
        f"    bit<32> b;\n    bit<48> c;\n}}\n"
    )


def generate(n: int) -> str:
    """A v1model program with ``n`` extension headers (about 22 lines each)."""
    out = [_PRELUDE]
    out += [_header(i) for i in range(n)]
    out.append("struct headers_t {\n    ethernet_t ethernet;\n    ipv4_t ipv4;\n")
    out += [f"    h{i}_t h{i};\n" for i in range(n)]
    out.append("}\n")
    out.append("struct meta_t {\n    bit<32> acc;\n    bit<16> cls;\n    bit<8> hops;\n}\n\n")

    out.append(
        "parser P(packet_in pkt, out headers_t hdr, inout meta_t meta,\n"
        "         inout standard_metadata_t std) {\n"
        "    state start {\n        pkt.extract(hdr.ethernet);\n"
        "        transition select(hdr.ethernet.ether_type) {\n"
        "            0x0800: parse_ipv4;\n"
    )
    out += [f"            16w{0x9000 + i}: parse_h{i};\n" for i in range(n)]
    out.append("            default: accept;\n        }\n    }\n")
    out.append("    state parse_ipv4 {\n        pkt.extract(hdr.ipv4);\n        transition accept;\n    }\n")
    for i in range(n):
        nxt = f"parse_h{i + 1}" if i + 1 < n else "accept"
        out.append(
            f"    state parse_h{i} {{\n        pkt.extract(hdr.h{i});\n"
            f"        transition select(hdr.h{i}.next) {{\n"
            f"            1: {nxt};\n            default: accept;\n        }}\n    }}\n"
        )
    out.append("}\n\n")

    out.append(
        "control V(inout headers_t hdr, inout meta_t meta) {\n    apply {\n"
        "        verify_checksum(hdr.ipv4.isValid(), { hdr.ipv4.version, hdr.ipv4.ihl,\n"
        "            hdr.ipv4.diffserv, hdr.ipv4.total_len, hdr.ipv4.identification,\n"
        "            hdr.ipv4.flags, hdr.ipv4.frag_offset, hdr.ipv4.ttl, hdr.ipv4.protocol,\n"
        "            hdr.ipv4.src_addr, hdr.ipv4.dst_addr }, hdr.ipv4.hdr_checksum,\n"
        "            HashAlgorithm.csum16);\n    }\n}\n\n"
    )

    out.append(
        "control I(inout headers_t hdr, inout meta_t meta, inout standard_metadata_t std) {\n"
        f"    counter(32w{n + 1}, CounterType.packets_and_bytes) per_header;\n"
        "    register<bit<32>>(32w64) seen;\n"
        "    action drop() { mark_to_drop(std); }\n"
        "    action learn() { digest<learn_t>(1, { hdr.ethernet.src, std.ingress_port }); }\n"
    )
    kinds = ["exact", "ternary", "lpm", "range"]
    for i in range(n):
        kind = kinds[i % len(kinds)]
        out.append(
            f"    action set_{i}(bit<9> port, bit<16> cls) {{\n"
            f"        std.egress_spec = port;\n        meta.cls = cls;\n"
            f"        meta.acc = meta.acc + (bit<32>)hdr.h{i}.a;\n"
            f"        per_header.count(32w{i});\n    }}\n"
            f"    table t_{i} {{\n"
            f"        key = {{ hdr.h{i}.b: {kind}; hdr.h{i}.kind: exact; }}\n"
            f"        actions = {{ set_{i}; drop; learn; NoAction; }}\n"
            f"        default_action = NoAction();\n        size = {256 + i};\n    }}\n"
        )
    out.append("    apply {\n")
    for i in range(n):
        out.append(f"        if (hdr.h{i}.isValid()) {{\n            t_{i}.apply();\n        }}\n")
    out.append(
        "        bit<32> count;\n        seen.read(count, (bit<32>)std.ingress_port[5:0]);\n"
        "        seen.write((bit<32>)std.ingress_port[5:0], count + 1);\n    }\n}\n\n"
    )
    out.append(
        "control E(inout headers_t hdr, inout meta_t meta, inout standard_metadata_t std) {\n"
        "    apply { }\n}\n\n"
        "control C(inout headers_t hdr, inout meta_t meta) {\n    apply {\n"
        "        update_checksum(hdr.ipv4.isValid(), { hdr.ipv4.version, hdr.ipv4.ihl,\n"
        "            hdr.ipv4.diffserv, hdr.ipv4.total_len, hdr.ipv4.identification,\n"
        "            hdr.ipv4.flags, hdr.ipv4.frag_offset, hdr.ipv4.ttl, hdr.ipv4.protocol,\n"
        "            hdr.ipv4.src_addr, hdr.ipv4.dst_addr }, hdr.ipv4.hdr_checksum,\n"
        "            HashAlgorithm.csum16);\n    }\n}\n\n"
        "control D(packet_out pkt, in headers_t hdr) {\n    apply {\n"
        "        pkt.emit(hdr.ethernet);\n        pkt.emit(hdr.ipv4);\n"
    )
    out += [f"        pkt.emit(hdr.h{i});\n" for i in range(n)]
    out.append("    }\n}\n\nV1Switch(P(), V(), I(), E(), C(), D()) main;\n")
    return "".join(out)


def program_with_lines(lines: int) -> str:
    """The smallest generated program with at least ``lines`` lines."""
    n = 1
    while generate(n).count("\n") < lines:
        n += 1
    return generate(n)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--lines", type=int, default=1000)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--keep", type=Path, help="also write the generated program here")
    a = ap.parse_args(argv)

    from p4sim.engine import Switch
    from p4sim.frontend import compile_file
    from p4sim.p4info import generate as p4info

    source = program_with_lines(a.lines)
    if a.keep:
        a.keep.write_text(source)
    with tempfile.TemporaryDirectory() as d:
        path = Path(d) / "bench.p4"
        path.write_text(source)
        front, total, engine = [], [], []
        for _ in range(a.repeat):
            t0 = time.perf_counter()
            prog = compile_file(str(path), [])
            t1 = time.perf_counter()
            info = p4info(prog)
            t2 = time.perf_counter()
            Switch(prog)
            t3 = time.perf_counter()
            front.append(t1 - t0)
            total.append(t2 - t0)
            engine.append(t3 - t2)
    print(f"program: {source.count(chr(10))} lines, {len(info.tables)} tables, {len(info.actions)} actions")
    print(f"front end: median {statistics.median(front):.3f} s  (min {min(front):.3f} s, {a.repeat} runs)")
    print(f"front end + P4Info: median {statistics.median(total):.3f} s")
    print(f"engine build (Switch): median {statistics.median(engine):.3f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
