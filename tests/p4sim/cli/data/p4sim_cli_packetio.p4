/* Packet I/O through the CPU port: a PacketOut leaves on the port its
 * metadata names; any frame from a port goes to the controller with its
 * ingress port as PacketIn metadata. */
#include <core.p4>
#include <v1model.p4>

#define CPU_PORT 64

@controller_header("packet_out")
header packet_out_t { bit<9> egress_port; bit<7> pad; }
@controller_header("packet_in")
header packet_in_t { bit<9> ingress_port; bit<7> pad; }
header ethernet_t { bit<48> dst; bit<48> src; bit<16> ether_type; }

struct headers_t { packet_out_t packet_out; packet_in_t packet_in; ethernet_t ethernet; }
struct meta_t { }

parser P(packet_in pkt, out headers_t hdr, inout meta_t meta, inout standard_metadata_t std) {
    state start {
        transition select(std.ingress_port) {
            CPU_PORT: parse_packet_out;
            default: parse_ethernet;
        }
    }
    state parse_packet_out { pkt.extract(hdr.packet_out); transition parse_ethernet; }
    state parse_ethernet { pkt.extract(hdr.ethernet); transition accept; }
}

control V(inout headers_t hdr, inout meta_t meta) { apply { } }

control I(inout headers_t hdr, inout meta_t meta, inout standard_metadata_t std) {
    apply {
        if (hdr.packet_out.isValid()) {
            std.egress_spec = hdr.packet_out.egress_port;
            hdr.packet_out.setInvalid();
        } else {
            std.egress_spec = CPU_PORT;
            hdr.packet_in.setValid();
            hdr.packet_in.ingress_port = std.ingress_port;
        }
    }
}

control E(inout headers_t hdr, inout meta_t meta, inout standard_metadata_t std) { apply { } }
control C(inout headers_t hdr, inout meta_t meta) { apply { } }

control D(packet_out pkt, in headers_t hdr) {
    apply {
        pkt.emit(hdr.packet_in);
        pkt.emit(hdr.ethernet);
    }
}

V1Switch(P(), V(), I(), E(), C(), D()) main;
