/* A small program with control-plane-filled tables, for driving p4sim with
 * the tools P4 users already have (p4runtime-shell). */
#include <core.p4>
#include <v1model.p4>

header ethernet_t { bit<48> dst; bit<48> src; bit<16> ether_type; }
struct headers_t { ethernet_t ethernet; }
struct meta_t { }

parser P(packet_in pkt, out headers_t hdr, inout meta_t meta, inout standard_metadata_t std) {
    state start { pkt.extract(hdr.ethernet); transition accept; }
}
control V(inout headers_t hdr, inout meta_t meta) { apply { } }
control Ing(inout headers_t hdr, inout meta_t meta, inout standard_metadata_t std) {
    action drop() { mark_to_drop(std); }
    action to_port(bit<9> port) { std.egress_spec = port; }
    table dmac {
        key = { hdr.ethernet.dst: exact; }
        actions = { to_port; drop; }
        default_action = drop();
        size = 4096;
    }
    table acl {
        key = { hdr.ethernet.src: ternary; hdr.ethernet.ether_type: range; }
        actions = { drop; NoAction; }
        default_action = NoAction();
    }
    apply {
        dmac.apply();
        acl.apply();
    }
}
control E(inout headers_t hdr, inout meta_t meta, inout standard_metadata_t std) { apply { } }
control C(inout headers_t hdr, inout meta_t meta) { apply { } }
control D(packet_out pkt, in headers_t hdr) { apply { pkt.emit(hdr.ethernet); } }
V1Switch(P(), V(), Ing(), E(), C(), D()) main;
