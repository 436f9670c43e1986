"""Builds small v1model programs around a snippet, for the front-end tests."""

from __future__ import annotations

from p4sim import ir
from p4sim.frontend import compile_source

HEADERS = """\
header ethernet_t { bit<48> dst; bit<48> src; bit<16> ether_type; }
header ipv4_t {
    bit<4> version; bit<4> ihl; bit<8> diffserv; bit<16> total_len;
    bit<16> identification; bit<3> flags; bit<13> frag_offset;
    bit<8> ttl; bit<8> protocol; bit<16> hdr_checksum;
    bit<32> src_addr; bit<32> dst_addr;
}
"""


def program(
    *,
    types: str = "",
    headers: str = "ethernet_t ethernet; ipv4_t ipv4;",
    meta: str = "bit<8> x; bit<16> y; bit<32> z;",
    parser_body: str = "state start { pkt.extract(hdr.ethernet); transition accept; }",
    ingress_decls: str = "",
    ingress: str = "",
    egress: str = "",
    deparser: str = "pkt.emit(hdr.ethernet);",
    prelude: str = "",
    globals_: str = "",
) -> str:
    return f"""{prelude}#include <core.p4>
#include <v1model.p4>
{HEADERS}{types}
struct headers_t {{ {headers} }}
struct meta_t {{ {meta} }}
{globals_}
parser P(packet_in pkt, out headers_t hdr, inout meta_t meta, inout standard_metadata_t std) {{
{parser_body}
}}
control V(inout headers_t hdr, inout meta_t meta) {{ apply {{ }} }}
control I(inout headers_t hdr, inout meta_t meta, inout standard_metadata_t std) {{
{ingress_decls}
    apply {{
{ingress}
    }}
}}
control E(inout headers_t hdr, inout meta_t meta, inout standard_metadata_t std) {{ apply {{ {egress} }} }}
control C(inout headers_t hdr, inout meta_t meta) {{ apply {{ }} }}
control D(packet_out pkt, in headers_t hdr) {{ apply {{ {deparser} }} }}
V1Switch(P(), V(), I(), E(), C(), D()) main;
"""


def compile_snippet(**kw: str) -> ir.Program:
    return compile_source(program(**kw), "snippet.p4")


def stmts(prog: ir.Program) -> list[ir.Stmt]:
    return prog.ingress.apply.stmts


def line_of(src: str, needle: str) -> int:
    """1-based line of the first line containing ``needle``."""
    for i, line in enumerate(src.splitlines(), 1):
        if needle in line:
            return i
    raise AssertionError(needle)
