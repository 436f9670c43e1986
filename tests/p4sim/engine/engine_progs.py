"""Small v1model programs for the engine's semantics tests.

``program(...)`` fills a skeleton (Ethernet header, one parser, the six
v1model blocks) with the pieces a test cares about, so each test shows only
the P4 that exercises its rule."""

from __future__ import annotations

from collections.abc import Callable

from p4sim.engine import Switch
from p4sim.frontend import compile_source

ETH = bytes.fromhex("020000000001020000000002")  # dst, src


def program(
    *,
    types: str = "",
    headers: str = "",
    meta: str = "bit<8> unused;",
    parser: str = "state start { pkt.extract(hdr.eth); transition accept; }",
    verify: str = "",
    ingress: str = "",
    ingress_decls: str = "",
    egress: str = "",
    egress_decls: str = "",
    compute: str = "",
    deparser: str = "pkt.emit(hdr);",
    top: str = "",
) -> str:
    return f"""
#include <core.p4>
#include <v1model.p4>
header eth_t {{ bit<48> dst; bit<48> src; bit<16> type; }}
{types}
struct headers_t {{ eth_t eth; {headers} }}
struct meta_t {{ {meta} }}
{top}
parser P(packet_in pkt, out headers_t hdr, inout meta_t meta, inout standard_metadata_t std) {{
    {parser}
}}
control V(inout headers_t hdr, inout meta_t meta) {{ apply {{ {verify} }} }}
control I(inout headers_t hdr, inout meta_t meta, inout standard_metadata_t std) {{
    {ingress_decls}
    apply {{ {ingress} }}
}}
control E(inout headers_t hdr, inout meta_t meta, inout standard_metadata_t std) {{
    {egress_decls}
    apply {{ {egress} }}
}}
control C(inout headers_t hdr, inout meta_t meta) {{ apply {{ {compute} }} }}
control D(packet_out pkt, in headers_t hdr) {{ apply {{ {deparser} }} }}
V1Switch(P(), V(), I(), E(), C(), D()) main;
"""


def switch(source: str, cpu_port: int | None = None, log: Callable[[str], None] | None = None) -> Switch:
    return Switch(compile_source(source, "test.p4"), cpu_port=cpu_port, log=log)


def frame(ether_type: int, payload: bytes = b"") -> bytes:
    return ETH + ether_type.to_bytes(2, "big") + payload


def outputs(sw: Switch, port: int, data: bytes) -> list[tuple[int, bytes]]:
    return sorted(sw.process(port, data).outputs)
