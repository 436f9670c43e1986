/*
 * tunnel_encap.p4: encapsulation towards a remote VTEP, in egress, per packet
 * or per flood replica.  tunnel_encap: tunnel_id -> encapsulation, our
 * tunnel IP, the remote VTEP IP.  The outer MACs come from underlay_nexthop
 * (known unicast, chosen in ingress) or, for flood replicas, from
 * uplink_nexthop keyed by the replica's egress port.  Headers are prepended
 * (encap_*), the tenant frame is not touched:
 *   Ethernet  src/dst = underlay next hop, type 0x0800
 *   IPv4      ihl 5, tos 0, id 0, DF, ttl 64, proto 17, checksum computed
 *   UDP       src = 0xC000 | flow_hash, dst 4789 / 6081, checksum 0
 *   VXLAN     flags 0x08, VNI of the logical switch
 *   Geneve    version 0, O 0, C 0, protocol 0x6558, VNI; with
 *             encap_geneve_src_binding one option (opt_len 2): class 0xFF01,
 *             type 0x01, length 1, data = source binding id, 0
 */
#ifndef _VTEP_CONTROL_TUNNEL_ENCAP_P4_
#define _VTEP_CONTROL_TUNNEL_ENCAP_P4_

control TunnelEncap(inout headers_t hdr,
                    inout local_metadata_t meta,
                    inout standard_metadata_t standard_metadata) {

    /* packets/bytes sent to each remote VTEP, index tunnel_id */
    counter(REMOTE_VTEP_COUNTER_SIZE, CounterType.packets_and_bytes) remote_vtep_tx;

    action encap_vxlan(ipv4_addr_t src_ip, ipv4_addr_t dst_ip) {
        meta.eg.encap_type = TUNNEL_VXLAN;
        meta.eg.encap_src_ip = src_ip;
        meta.eg.encap_dst_ip = dst_ip;
    }

    action encap_geneve(ipv4_addr_t src_ip, ipv4_addr_t dst_ip) {
        meta.eg.encap_type = TUNNEL_GENEVE;
        meta.eg.encap_src_ip = src_ip;
        meta.eg.encap_dst_ip = dst_ip;
    }

    action encap_geneve_src_binding(ipv4_addr_t src_ip, ipv4_addr_t dst_ip) {
        meta.eg.encap_type = TUNNEL_GENEVE;
        meta.eg.encap_src_binding_opt = 1w1;
        meta.eg.encap_src_ip = src_ip;
        meta.eg.encap_dst_ip = dst_ip;
    }

    action drop_unknown_tunnel() {
        meta.fwd.drop_reason = DROP_TUNNEL_ENCAP_MISS;
    }

    table tunnel_encap {
        key = {
            meta.fwd.out_tunnel : exact @name("tunnel_id");
        }
        actions = {
            encap_vxlan;
            encap_geneve;
            encap_geneve_src_binding;
            @defaultonly drop_unknown_tunnel;
        }
        const default_action = drop_unknown_tunnel();
        size = REMOTE_VTEP_TABLE_SIZE;
    }

    action set_uplink_nexthop(mac_addr_t src_mac, mac_addr_t dst_mac) {
        meta.fwd.underlay_set = 1w1;
        meta.fwd.underlay_smac = src_mac;
        meta.fwd.underlay_dmac = dst_mac;
    }

    action drop_no_uplink_nexthop() {
        meta.fwd.drop_reason = DROP_UPLINK_NEXTHOP_MISS;
    }

    table uplink_nexthop {
        key = {
            standard_metadata.egress_port : exact @name("egress_port");
        }
        actions = {
            set_uplink_nexthop;
            @defaultonly drop_no_uplink_nexthop;
        }
        const default_action = drop_no_uplink_nexthop();
        size = PORT_TABLE_SIZE;
    }

    apply {
        tunnel_encap.apply();
        if (meta.fwd.drop_reason == DROP_NONE && meta.fwd.underlay_set == 1w0) {
            uplink_nexthop.apply();
        }
        if (meta.fwd.drop_reason == DROP_NONE) {
            bit<16> tunnel_len = meta.fwd.frame_len + 16w16;   /* UDP + VXLAN/Geneve */
            if (meta.eg.encap_src_binding_opt == 1w1) {
                tunnel_len = tunnel_len + GENEVE_SRC_BINDING_OPT_BYTES;
            }

            hdr.encap_ethernet.setValid();
            hdr.encap_ethernet.dst_addr = meta.fwd.underlay_dmac;
            hdr.encap_ethernet.src_addr = meta.fwd.underlay_smac;
            hdr.encap_ethernet.ether_type = ETHERTYPE_IPV4;

            hdr.encap_ipv4.setValid();
            hdr.encap_ipv4.version = 4w4;
            hdr.encap_ipv4.ihl = 4w5;
            hdr.encap_ipv4.dscp = 6w0;
            hdr.encap_ipv4.ecn = 2w0;
            hdr.encap_ipv4.total_len = tunnel_len + 16w20;
            hdr.encap_ipv4.identification = 16w0;
            hdr.encap_ipv4.flags = ENCAP_IPV4_FLAGS;
            hdr.encap_ipv4.frag_offset = 13w0;
            hdr.encap_ipv4.ttl = ENCAP_IPV4_TTL;
            hdr.encap_ipv4.protocol = IP_PROTO_UDP;
            hdr.encap_ipv4.hdr_checksum = 16w0;       /* computed in the deparser */
            hdr.encap_ipv4.src_addr = meta.eg.encap_src_ip;
            hdr.encap_ipv4.dst_addr = meta.eg.encap_dst_ip;

            hdr.encap_udp.setValid();
            hdr.encap_udp.src_port = meta.fwd.flow_hash | ENCAP_UDP_SPORT_BASE;
            hdr.encap_udp.length = tunnel_len;
            hdr.encap_udp.checksum = 16w0;

            if (meta.eg.encap_type == TUNNEL_VXLAN) {
                hdr.encap_udp.dst_port = UDP_PORT_VXLAN;
                hdr.encap_vxlan.setValid();
                hdr.encap_vxlan.flags = VXLAN_FLAGS_I;
                hdr.encap_vxlan.reserved = 24w0;
                hdr.encap_vxlan.vni = meta.fwd.vni;
                hdr.encap_vxlan.reserved2 = 8w0;
            } else {
                hdr.encap_udp.dst_port = UDP_PORT_GENEVE;
                hdr.encap_geneve.setValid();
                hdr.encap_geneve.version = 2w0;
                hdr.encap_geneve.opt_len = 6w0;
                hdr.encap_geneve.oam = 1w0;
                hdr.encap_geneve.critical = 1w0;
                hdr.encap_geneve.reserved = 6w0;
                hdr.encap_geneve.protocol_type = ETHERTYPE_TEB;
                hdr.encap_geneve.vni = meta.fwd.vni;
                hdr.encap_geneve.reserved2 = 8w0;
                if (meta.eg.encap_src_binding_opt == 1w1) {
                    hdr.encap_geneve.opt_len = 6w2;
                    hdr.encap_geneve_opt.setValid();
                    hdr.encap_geneve_opt.opt_class = GENEVE_OPT_CLASS_VTEPGW;
                    hdr.encap_geneve_opt.opt_type = GENEVE_OPT_TYPE_SRC_BINDING;
                    hdr.encap_geneve_opt.reserved = 3w0;
                    hdr.encap_geneve_opt.length = GENEVE_OPT_LEN_SRC_BINDING;
                    hdr.encap_geneve_opt.src_binding = meta.fwd.in_binding;
                    hdr.encap_geneve_opt.reserved2 = 16w0;
                }
            }
            remote_vtep_tx.count((bit<32>)meta.fwd.out_tunnel);
        }
    }
}

#endif
