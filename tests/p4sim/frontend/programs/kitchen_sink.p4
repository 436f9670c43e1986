/* Uses most of what a v1model program can: the front end must compile all of it
 * into an IR with no front-end-only types left (tests/p4sim/frontend). */
#include <core.p4>
#define V1MODEL_VERSION 20200408
#include <v1model.p4>

typedef bit<48> mac_t;
type bit<32> ip_t;
const bit<16> ETH_IPV4 = 0x0800;
const bit<16> ETH_VLAN = 16w0x8100;
enum bit<8> Proto { TCP = 6, UDP = 17 }
enum Color { RED, GREEN }
error { BadVersion, TooManyLabels }

@controller_header("packet_in")
header packet_in_t { bit<9> ingress_port; bit<7> pad; }
@controller_header("packet_out")
header packet_out_t { bit<9> egress_port; bit<7> pad; }

header ethernet_t { mac_t dst; mac_t src; bit<16> ether_type; }
header vlan_t { bit<3> pcp; bit<1> dei; bit<12> vid; bit<16> ether_type; }
header mpls_t { bit<20> label; bit<3> tc; bit<1> bos; bit<8> ttl; }
header ipv4_t {
    bit<4> version; bit<4> ihl; bit<8> diffserv; bit<16> total_len;
    bit<16> identification; bit<3> flags; bit<13> frag_offset;
    bit<8> ttl; Proto protocol; bit<16> hdr_checksum;
    bit<32> src_addr; bit<32> dst_addr;
}
header ipv4_opts_t { varbit<320> options; }
header tcp_t { bit<16> sport; bit<16> dport; }
header udp_t { bit<16> sport; bit<16> dport; bit<16> len; bit<16> csum; }
header_union l4_t { tcp_t tcp; udp_t udp; }

struct learn_t { mac_t src; PortId_t port; }
struct inner_meta_t { @field_list(1, 2) bit<16> x; bit<8> y; }
struct meta_t {
    @field_list(1) bit<32> tag;
    inner_meta_t inner;
    bit<8> color;
    bool flag;
    int<16> sval;
    bit<16> hash_out;
    bit<32> rnd;
}
struct headers_t {
    packet_out_t packet_out;
    packet_in_t packet_in;
    ethernet_t ethernet;
    vlan_t[2] vlan;
    mpls_t[3] mpls;
    ipv4_t ipv4;
    ipv4_opts_t ipv4_opts;
    l4_t l4;
}

bit<16> add16(in bit<16> a, in bit<16> b) { return a + b; }
void set_flag(inout meta_t m) { m.flag = true; }

parser MplsParser(packet_in pkt, inout headers_t hdr) {
    state start {
        pkt.extract(hdr.mpls.next);
        transition select(hdr.mpls.last.bos) {
            0: start;
            1: accept;
        }
    }
}

parser P(packet_in pkt, out headers_t hdr, inout meta_t meta, inout standard_metadata_t std) {
    value_set<bit<16>>(4) tunnel_types;
    MplsParser() mpls_p;
    bit<8> depth = 0;
    state start {
        transition select(std.ingress_port) {
            64: parse_packet_out;
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
            ETH_VLAN: parse_vlan;
            ETH_IPV4: parse_ipv4;
            0x8847: parse_mpls;
            tunnel_types: accept;
            0x9000 &&& 0xf000: reject;
            0xa000 .. 0xa0ff: accept;
            _: accept;
        }
    }
    state parse_vlan {
        pkt.extract(hdr.vlan.next);
        depth = depth + 1;
        verify(hdr.vlan.lastIndex < 2, error.TooManyLabels);
        transition select(hdr.vlan.last.ether_type) {
            ETH_VLAN: parse_vlan;
            ETH_IPV4: parse_ipv4;
            default: accept;
        }
    }
    state parse_mpls {
        mpls_p.apply(pkt, hdr);
        transition accept;
    }
    state parse_ipv4 {
        pkt.extract(hdr.ipv4);
        verify(hdr.ipv4.version == 4, error.BadVersion);
        pkt.extract(hdr.ipv4_opts, (bit<32>)(((bit<16>)hdr.ipv4.ihl - 5) * 32));
        bit<16> peek = pkt.lookahead<bit<16>>();
        transition select(hdr.ipv4.protocol, peek[15:8]) {
            (Proto.TCP, _): parse_tcp;
            (Proto.UDP, 0 .. 0x7f): parse_udp;
            default: accept;
        }
    }
    state parse_tcp { pkt.extract(hdr.l4.tcp); transition accept; }
    state parse_udp { pkt.extract(hdr.l4.udp); pkt.advance(32); transition accept; }
}

control V(inout headers_t hdr, inout meta_t meta) {
    apply {
        verify_checksum(hdr.ipv4.isValid(), { hdr.ipv4.version, hdr.ipv4.ihl, hdr.ipv4.diffserv,
            hdr.ipv4.total_len, hdr.ipv4.identification, hdr.ipv4.flags, hdr.ipv4.frag_offset,
            hdr.ipv4.ttl, hdr.ipv4.protocol, hdr.ipv4.src_addr, hdr.ipv4.dst_addr },
            hdr.ipv4.hdr_checksum, HashAlgorithm.csum16);
        verify_checksum_with_payload(hdr.l4.udp.isValid(), { hdr.ipv4.src_addr, hdr.ipv4.dst_addr, 8w0,
            hdr.ipv4.protocol, hdr.l4.udp.len, hdr.l4.udp.sport, hdr.l4.udp.dport, hdr.l4.udp.len },
            hdr.l4.udp.csum, HashAlgorithm.csum16);
    }
}

control Counted(inout meta_t meta)(bit<32> n) {
    counter<bit<32>>(n, CounterType.packets) hits;
    apply { hits.count(meta.tag); meta.tag = meta.tag + n; }
}

control I(inout headers_t hdr, inout meta_t meta, inout standard_metadata_t std) {
    direct_counter(CounterType.packets_and_bytes) dmac_hits;
    direct_meter<bit<8>>(MeterType.bytes) dmac_meter;
    meter<bit<16>>(128, MeterType.packets) port_meter;
    register<bit<32>, bit<8>>(256) regs;
    action_selector(HashAlgorithm.crc16, 1024, 14) ecmp_sel;
    Counted(16) c16;
    Counted(n = 32) c32;
    bit<32> tmp = 7;

    action drop() { mark_to_drop(std); }
    action fwd(PortId_t port) { std.egress_spec = port; dmac_meter.read(meta.color); }
    action set_nh(mac_t dmac, PortId_t port) { hdr.ethernet.dst = dmac; std.egress_spec = port; }
    @name("learn_it") action learn() { digest<learn_t>(1, { hdr.ethernet.src, std.ingress_port }); }
    action to_cpu() {
        hdr.packet_in.setValid();
        hdr.packet_in.ingress_port = std.ingress_port;
        std.egress_spec = 64;
    }
    action with_dir(inout bit<8> x, bit<8> v) { x = x + v; }

    table dmac {
        key = { hdr.ethernet.dst: exact @name("dst_mac"); hdr.vlan[0].vid: ternary; hdr.ipv4.isValid(): exact; }
        actions = { fwd; drop; @defaultonly NoAction; @tableonly to_cpu; }
        default_action = NoAction();
        counters = dmac_hits;
        meters = dmac_meter;
        size = 4096;
        support_timeout = true;
    }
    table ecmp {
        key = { hdr.ipv4.dst_addr: lpm; meta.hash_out: selector; }
        actions = { set_nh; drop; }
        implementation = ecmp_sel;
        const default_action = drop();
    }
    table prof {
        key = { hdr.ethernet.ether_type: exact; }
        actions = { fwd; }
        implementation = action_profile(32w64);
    }
    @name(".global_acl") table acl {
        key = {
            hdr.ipv4.src_addr & 0xffff0000: ternary @name("src_hi");
            hdr.l4.tcp.dport: range;
            meta.inner.y: optional;
            hdr.ipv4.protocol: exact;
        }
        actions = { drop; NoAction; with_dir(meta.inner.y); }
        const entries = {
            priority = 10: (0x0a000000 &&& 0xff000000, 22 .. 22, 5, Proto.TCP): drop();
            @priority(3) (_, _, _, Proto.UDP): with_dir(9);
            (_, 0 .. 1023, _, 6): NoAction();
        }
    }
    table learn_t_tbl {
        key = { hdr.ethernet.src: exact; }
        actions = { learn; NoAction; }
        default_action = learn();
        entries = {
            0x000000000001: NoAction();
        }
    }

    apply {
        meta.sval = -16s5;
        meta.inner.x = add16(meta.inner.x, 1);
        set_flag(meta);
        if (hdr.packet_out.isValid()) {
            std.egress_spec = hdr.packet_out.egress_port;
            hdr.packet_out.setInvalid();
            exit;
        }
        hash(meta.hash_out, HashAlgorithm.crc16, 16w0, { hdr.ipv4.src_addr, hdr.ipv4.dst_addr, hdr.ipv4.protocol }, 32w65536);
        random(meta.rnd, 0, 100);
        bit<32> r;
        regs.read(r, (bit<8>)meta.tag);
        regs.write(8w3, r + tmp);
        port_meter.execute_meter((bit<16>)std.ingress_port, meta.color);
        c16.apply(meta);
        c32.apply(meta);
        switch (dmac.apply().action_run) {
            fwd:
            drop: { meta.inner.y = 1; }
            default: { learn_t_tbl.apply(); }
        }
        if (ecmp.apply().hit) { prof.apply(); } else if (acl.apply().miss) { return; }
        switch (meta.color) {
            0: { std.mcast_grp = 1; }
            1:
            2: { truncate(64); }
        }
        Color c = Color.RED;
        switch (c) { Color.RED: { meta.flag = false; } Color.GREEN: {} }
        hdr.vlan.push_front(1);
        hdr.vlan[0].setValid();
        hdr.vlan[0].vid = hdr.vlan.size == 2 ? 12w10 : 12w20;
        hdr.vlan.pop_front(1);
        hdr.ethernet.dst[7:0] = 0xff;
        hdr.ethernet.src = hdr.ethernet.src[47:8] ++ 8w1;
        meta.inner.y = (bit<8>)(meta.flag ? 1w1 : 1w0) + (bit<8>)hdr.ipv4.protocol;
        meta.sval = meta.sval >> 2;
        bool b = (bool)1w1;
        ip_t addr = (ip_t)hdr.ipv4.dst_addr;
        meta.tag = (bit<32>)addr + (bit<32>)ipv4_t.minSizeInBits() + hdr.ipv4.minSizeInBytes();
        log_msg("port {} tag {}", { std.ingress_port, meta.tag });
        log_msg("plain");
        assert(meta.tag != 0);
        assume(b);
        clone(CloneType.I2E, 5);
        clone_preserving_field_list(CloneType.I2E, 5, 1);
        resubmit_preserving_field_list(2);
        if (meta.tag == 3) { recirculate_preserving_field_list(1); }
        clone3(CloneType.E2E, 7, { meta.tag });
        learn_t l = { src = hdr.ethernet.src, port = std.ingress_port };
        digest(2, l);
        if (std.parser_error == error.BadVersion) { drop(); }
    }
}

control E(inout headers_t hdr, inout meta_t meta, inout standard_metadata_t std) {
    apply {
        if (std.instance_type == 1) { hdr.ipv4.ttl = hdr.ipv4.ttl |-| 1; }
    }
}

control C(inout headers_t hdr, inout meta_t meta) {
    apply {
        update_checksum(hdr.ipv4.isValid(), { hdr.ipv4.version, hdr.ipv4.ihl, hdr.ipv4.diffserv,
            hdr.ipv4.total_len, hdr.ipv4.identification, hdr.ipv4.flags, hdr.ipv4.frag_offset,
            hdr.ipv4.ttl, hdr.ipv4.protocol, hdr.ipv4.src_addr, hdr.ipv4.dst_addr },
            hdr.ipv4.hdr_checksum, HashAlgorithm.csum16);
        update_checksum_with_payload(hdr.l4.udp.isValid(), { hdr.ipv4.src_addr, hdr.ipv4.dst_addr, 8w0,
            hdr.ipv4.protocol, hdr.l4.udp.len, hdr.l4.udp.sport, hdr.l4.udp.dport, hdr.l4.udp.len },
            hdr.l4.udp.csum, HashAlgorithm.csum16);
    }
}

control D(packet_out pkt, in headers_t hdr) {
    apply {
        pkt.emit(hdr.packet_in);
        pkt.emit(hdr.ethernet);
        pkt.emit(hdr.vlan);
        pkt.emit(hdr.mpls);
        pkt.emit(hdr.ipv4);
        pkt.emit(hdr.ipv4_opts);
        pkt.emit(hdr.l4);
    }
}

V1Switch(P(), V(), I(), E(), C(), D()) main;
