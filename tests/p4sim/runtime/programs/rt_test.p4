/* P4Runtime server test program: one table per match kind and table
 * property the server handles, every extern P4Runtime reaches, packet I/O
 * through controller headers, a digest, multicast and cloning (v1model). */
#include <core.p4>
#include <v1model.p4>
#include "rt_headers.p4"

#define CPU_PORT 64

parser RtParser(packet_in pkt, out headers_t hdr, inout meta_t meta,
                inout standard_metadata_t std) {
    value_set<bit<16>>(4) special_types;
    state start {
        transition select(std.ingress_port) {
            CPU_PORT: parse_packet_out;
            default: parse_ethernet;
        }
    }
    state parse_packet_out {
        pkt.extract(hdr.packet_out);
        transition parse_ethernet;
    }
    state parse_ethernet {
        pkt.extract(hdr.ethernet);
        transition select(hdr.ethernet.ether_type) {
            special_types: mark_special;
            default: accept;
        }
    }
    state mark_special {
        meta.special = 1;
        transition accept;
    }
}

control RtVerify(inout headers_t hdr, inout meta_t meta) { apply { } }

control RtIngress(inout headers_t hdr, inout meta_t meta,
                  inout standard_metadata_t std) {
    direct_counter(CounterType.packets_and_bytes) dmac_counter;
    direct_meter<bit<2>>(MeterType.bytes) dmeter;
    counter(32w512, CounterType.packets_and_bytes) port_counter;
    meter(32w16, MeterType.packets) port_meter;
    register<bit<32>>(32w16) reg;
    action_selector(HashAlgorithm.crc16, 32w64, 32w16) selector;

    action drop() { mark_to_drop(std); }
    action forward(bit<9> port) { std.egress_spec = port; }
    action flood(bit<16> grp) { std.mcast_grp = grp; }
    action to_cpu() { std.egress_spec = CPU_PORT; }
    action forward_and_mirror(bit<9> port, bit<32> session) {
        std.egress_spec = port;
        clone(CloneType.I2E, session);
    }
    action learn() { digest<learn_t>(1, { hdr.ethernet.src, std.ingress_port }); }
    action set_tag(bit<8> tag) { meta.tag = tag; }
    action a_tab() { meta.tag = 1; }
    action a_def() { meta.tag = 2; }
    action read_meter() { dmeter.read(meta.color); }

    table smac {
        key = { hdr.ethernet.src: exact; }
        actions = { learn; NoAction; }
        default_action = learn();
    }
    table dmac {
        key = { hdr.ethernet.dst: exact; }
        actions = { forward; flood; to_cpu; forward_and_mirror; drop; }
        default_action = drop();
        counters = dmac_counter;
        support_timeout = true;
        size = 4096;
    }
    table lpm_t {
        key = { hdr.ethernet.dst: lpm; }
#ifdef RT_V2
        actions = { set_tag; drop; NoAction; }
#else
        actions = { set_tag; NoAction; }
#endif
        default_action = NoAction();
    }
    table tern_t {
        key = {
            hdr.ethernet.src: ternary;
            hdr.ethernet.ether_type: range;
            hdr.ethernet.dst: optional;
        }
        actions = { set_tag; NoAction; }
        default_action = NoAction();
        size = 8;
    }
    table scoped_t {
        key = { hdr.ethernet.ether_type: exact; }
        actions = { @tableonly a_tab; @defaultonly a_def; set_tag; NoAction; }
        default_action = NoAction();
    }
    table const_def_t {
        key = { hdr.ethernet.ether_type: exact; }
        actions = { set_tag; NoAction; }
        const default_action = NoAction();
    }
    table const_t {
        key = { hdr.ethernet.ether_type: ternary; }
        actions = { set_tag; NoAction; }
        default_action = NoAction();
        const entries = {
            0x0800 &&& 0xffff: set_tag(8);
            0x8600 &&& 0xff00: set_tag(6);
        }
    }
    table prof_t {
        key = { hdr.ethernet.ether_type: exact; }
        actions = { forward; drop; NoAction; }
        implementation = action_profile(32w128);
    }
    table sel_t {
        key = {
            hdr.ethernet.src: exact;
            hdr.ethernet.dst: selector;
        }
        actions = { forward; drop; NoAction; }
        implementation = selector;
    }
    table meter_t {
        key = { hdr.ethernet.dst: exact; }
        actions = { read_meter; NoAction; }
        default_action = NoAction();
        meters = dmeter;
    }

    apply {
        if (hdr.packet_out.isValid()) {
            std.egress_spec = hdr.packet_out.egress_port;
            hdr.packet_out.setInvalid();
        } else {
            port_counter.count((bit<32>)std.ingress_port);
            if (meta.special == 1) {
                std.egress_spec = 9;
                exit;
            }
            smac.apply();
            dmac.apply();
            if (hdr.ethernet.ether_type == 0x9999) {
                lpm_t.apply();
                tern_t.apply();
                scoped_t.apply();
                const_def_t.apply();
                const_t.apply();
                prof_t.apply();
                sel_t.apply();
                meter_t.apply();
                port_meter.execute_meter((bit<32>)std.ingress_port, meta.color);
                reg.write(0, (bit<32>)meta.tag);
            }
        }
    }
}

control RtEgress(inout headers_t hdr, inout meta_t meta,
                 inout standard_metadata_t std) {
    apply {
        if (std.egress_port == CPU_PORT) {
            hdr.packet_in.setValid();
            hdr.packet_in.ingress_port = std.ingress_port;
        }
    }
}

control RtCompute(inout headers_t hdr, inout meta_t meta) { apply { } }

control RtDeparser(packet_out pkt, in headers_t hdr) {
    apply {
        pkt.emit(hdr.packet_in);
        pkt.emit(hdr.ethernet);
    }
}

V1Switch(RtParser(), RtVerify(), RtIngress(), RtEgress(), RtCompute(), RtDeparser()) main;
