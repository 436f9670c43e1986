"""Bugs found while wiring p4sim's parts together, each pinned by a test."""

from p4sim.engine import Switch
from p4sim.frontend import compile_source

NO_DEFAULT = """
#include <core.p4>
#include <v1model.p4>
header h_t { bit<8> a; }
struct H { h_t h; }
struct M { }
parser P(packet_in pkt, out H hdr, inout M m, inout standard_metadata_t s) {
    state start { pkt.extract(hdr.h); transition accept; }
}
control V(inout H hdr, inout M m) { apply { } }
control I(inout H hdr, inout M m, inout standard_metadata_t s) {
    action fwd(bit<9> p) { s.egress_spec = p; }
    table t { key = { hdr.h.a: exact; } actions = { fwd; } }
    apply { s.egress_spec = 2; t.apply(); }
}
control E(inout H hdr, inout M m, inout standard_metadata_t s) { apply { } }
control C(inout H hdr, inout M m) { apply { } }
control D(packet_out pkt, in H hdr) { apply { pkt.emit(hdr.h); } }
V1Switch(P(), V(), I(), E(), C(), D()) main;
"""


def test_table_without_default_action_runs_noaction_on_miss():
    """p4c gives such a table NoAction as a @defaultonly action; the engine
    used to refuse the program because NoAction was not in the action list."""
    program = compile_source(NO_DEFAULT, "no_default.p4")
    table = program.tables[0]
    assert [(r.action.cp_name, r.scope) for r in table.actions] == [("I.fwd", "all"), ("NoAction", "default_only")]
    sw = Switch(program)
    assert sw.process(0, b"\x07").outputs == [(2, b"\x07")]
