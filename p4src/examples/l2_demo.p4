/* A small v1model program for the demo: L2 forwarding by destination MAC
 * from const entries, and IPv4 routing between two /24s with TTL decrement
 * and checksum update. Standard P4_16: p4c accepts it as it is. */
#include <core.p4>
#include <v1model.p4>

header ethernet_t { bit<48> dst; bit<48> src; bit<16> ether_type; }
header ipv4_t {
    bit<4> version; bit<4> ihl; bit<8> diffserv; bit<16> total_len;
    bit<16> identification; bit<3> flags; bit<13> frag_offset;
    bit<8> ttl; bit<8> protocol; bit<16> hdr_checksum;
    bit<32> src_addr; bit<32> dst_addr;
}
struct headers_t { ethernet_t ethernet; ipv4_t ipv4; }
struct meta_t { }

parser DemoParser(packet_in pkt, out headers_t hdr, inout meta_t meta,
                  inout standard_metadata_t std) {
    state start {
        pkt.extract(hdr.ethernet);
        transition select(hdr.ethernet.ether_type) {
            0x0800: parse_ipv4;
            default: accept;
        }
    }
    state parse_ipv4 {
        pkt.extract(hdr.ipv4);
        transition accept;
    }
}

control DemoVerify(inout headers_t hdr, inout meta_t meta) {
    apply {
        verify_checksum(hdr.ipv4.isValid(),
            { hdr.ipv4.version, hdr.ipv4.ihl, hdr.ipv4.diffserv, hdr.ipv4.total_len,
              hdr.ipv4.identification, hdr.ipv4.flags, hdr.ipv4.frag_offset,
              hdr.ipv4.ttl, hdr.ipv4.protocol, hdr.ipv4.src_addr, hdr.ipv4.dst_addr },
            hdr.ipv4.hdr_checksum, HashAlgorithm.csum16);
    }
}

control DemoIngress(inout headers_t hdr, inout meta_t meta,
                    inout standard_metadata_t std) {
    action drop() { mark_to_drop(std); }
    action forward(bit<9> port) { std.egress_spec = port; }
    action route(bit<9> port, bit<48> router_mac, bit<48> next_hop_mac) {
        std.egress_spec = port;
        hdr.ethernet.src = router_mac;
        hdr.ethernet.dst = next_hop_mac;
        hdr.ipv4.ttl = hdr.ipv4.ttl - 1;
    }

    table dmac {
        key = { hdr.ethernet.dst: exact; }
        actions = { forward; drop; }
        default_action = drop();
        const entries = {
            0x020000000001: forward(0);
            0x020000000002: forward(1);
        }
    }
    table ipv4_route {
        key = { hdr.ipv4.dst_addr: lpm; }
        actions = { route; drop; }
        default_action = drop();
        const entries = {
            0xc0000200 &&& 0xffffff00: route(0, 0x0200000000fe, 0x020000000001);
            0xc6336400 &&& 0xffffff00: route(1, 0x0200000000fe, 0x020000000002);
        }
    }

    apply {
        if (std.checksum_error == 1) {
            drop();
        } else if (hdr.ipv4.isValid() && hdr.ethernet.dst == 0x0200000000fe) {
            if (hdr.ipv4.ttl <= 1) {
                drop();
            } else {
                ipv4_route.apply();
            }
        } else {
            dmac.apply();
        }
    }
}

control DemoEgress(inout headers_t hdr, inout meta_t meta,
                   inout standard_metadata_t std) { apply { } }

control DemoCompute(inout headers_t hdr, inout meta_t meta) {
    apply {
        update_checksum(hdr.ipv4.isValid(),
            { hdr.ipv4.version, hdr.ipv4.ihl, hdr.ipv4.diffserv, hdr.ipv4.total_len,
              hdr.ipv4.identification, hdr.ipv4.flags, hdr.ipv4.frag_offset,
              hdr.ipv4.ttl, hdr.ipv4.protocol, hdr.ipv4.src_addr, hdr.ipv4.dst_addr },
            hdr.ipv4.hdr_checksum, HashAlgorithm.csum16);
    }
}

control DemoDeparser(packet_out pkt, in headers_t hdr) {
    apply {
        pkt.emit(hdr.ethernet);
        pkt.emit(hdr.ipv4);
    }
}

V1Switch(DemoParser(), DemoVerify(), DemoIngress(), DemoEgress(),
         DemoCompute(), DemoDeparser()) main;
