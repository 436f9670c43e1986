/*
 * tunnel_term.p4: uplink ingress.
 *
 *   parser error                   -> drop DROP_PARSER_ERROR
 *   ARP                            -> packet-in PUNT_UNDERLAY_ARP
 *   not IPv4                       -> drop DROP_UPLINK_NOT_TUNNEL
 *   bad outer IPv4 checksum        -> drop DROP_UNDERLAY_IPV4_CSUM
 *   tunnel_term (dst IP, tunnel type):
 *     miss                         -> drop DROP_NOT_OUR_TUNNEL_IP
 *     punt_to_cpu                  -> packet-in PUNT_TUNNEL_IP
 *     term_tunnel:
 *       malformed tunnel header    -> drop with the parser's reason
 *       outer IPv4 MF flag         -> drop DROP_UNDERLAY_FRAGMENT (no reassembly)
 *       remote_vtep_check miss     -> drop DROP_REMOTE_VTEP_UNKNOWN (anti-spoofing)
 *       Geneve O bit               -> packet-in PUNT_GENEVE_OAM
 *       inner dmac BFD             -> packet-in PUNT_TUNNEL_BFD
 *       vni_to_ls miss             -> drop DROP_VNI_UNKNOWN
 *       else decapsulate: the inner headers replace the plain ones.
 */
#ifndef _VTEP_CONTROL_TUNNEL_TERM_P4_
#define _VTEP_CONTROL_TUNNEL_TERM_P4_

control TunnelTermination(inout headers_t hdr,
                          inout local_metadata_t meta,
                          inout standard_metadata_t standard_metadata) {

    /* packets/bytes received from each remote VTEP, index tunnel_id */
    counter(REMOTE_VTEP_COUNTER_SIZE, CounterType.packets_and_bytes) remote_vtep_rx;

    /* ---- tunnel_term: is the outer destination one of our tunnel IPs? ---- */
    action term_tunnel() {
    }

    action punt_to_cpu() {
        meta.fwd.punt = 1w1;
        meta.fwd.punt_reason = PUNT_TUNNEL_IP;
        standard_metadata.egress_spec = CPU_PORT_ID;
    }

    action drop_not_our_ip() {
        meta.fwd.drop_reason = DROP_NOT_OUR_TUNNEL_IP;
    }

    table tunnel_term {
        key = {
            hdr.ipv4.dst_addr : exact @name("dst_ip");
            meta.tunnel.type  : exact @name("tunnel_type");
        }
        actions = {
            term_tunnel;
            punt_to_cpu;
            @defaultonly drop_not_our_ip;
        }
        const default_action = drop_not_our_ip();
        size = TUNNEL_IP_TABLE_SIZE;
    }

    /* ---- remote_vtep_check: anti-spoofing of the outer source ----------- */
    action set_remote_vtep(tunnel_id_t tunnel_id) {
        meta.fwd.in_tunnel = tunnel_id;
    }

    action drop_unknown_vtep() {
        meta.fwd.drop_reason = DROP_REMOTE_VTEP_UNKNOWN;
    }

    table remote_vtep_check {
        key = {
            hdr.ipv4.src_addr : exact @name("src_ip");
            meta.tunnel.type  : exact @name("tunnel_type");
        }
        actions = {
            set_remote_vtep;
            @defaultonly drop_unknown_vtep;
        }
        const default_action = drop_unknown_vtep();
        size = REMOTE_VTEP_TABLE_SIZE;
    }

    /* ---- vni_to_ls ------------------------------------------------------ */
    action set_ls_from_vni(ls_id_t ls_id) {
        meta.fwd.ls_id = ls_id;
    }

    action drop_unknown_vni() {
        meta.fwd.drop_reason = DROP_VNI_UNKNOWN;
    }

    table vni_to_ls {
        key = {
            meta.tunnel.vni : exact @name("vni");
        }
        actions = {
            set_ls_from_vni;
            @defaultonly drop_unknown_vni;
        }
        const default_action = drop_unknown_vni();
        size = LOGICAL_SWITCH_TABLE_SIZE;
    }

    action punt(punt_reason_t reason) {
        meta.fwd.punt = 1w1;
        meta.fwd.punt_reason = reason;
        standard_metadata.egress_spec = CPU_PORT_ID;
    }

    apply {
        if (standard_metadata.parser_error != error.NoError) {
            meta.fwd.drop_reason = DROP_PARSER_ERROR;
        } else if (hdr.arp.isValid()) {
            punt(PUNT_UNDERLAY_ARP);
        } else if (!hdr.ipv4.isValid()) {
            meta.fwd.drop_reason = DROP_UPLINK_NOT_TUNNEL;
        } else if (standard_metadata.checksum_error == 1w1) {
            meta.fwd.drop_reason = DROP_UNDERLAY_IPV4_CSUM;
        } else if (tunnel_term.apply().hit) {
            if (meta.fwd.punt == 1w0) {
                if (meta.tunnel.type == TUNNEL_NONE) {
                    /* term_tunnel on a non-tunnel key: nothing to terminate */
                    meta.fwd.drop_reason = DROP_NOT_OUR_TUNNEL_IP;
                } else if (meta.tunnel.malformed != DROP_NONE) {
                    meta.fwd.drop_reason = meta.tunnel.malformed;
                } else if (hdr.ipv4.flags[0:0] == 1w1) {
                    /* first fragment of a tunnel packet: the rest would be lost */
                    meta.fwd.drop_reason = DROP_UNDERLAY_FRAGMENT;
                } else if (remote_vtep_check.apply().hit) {
                    remote_vtep_rx.count((bit<32>)meta.fwd.in_tunnel);
                    if (meta.tunnel.geneve_oam == 1w1) {
                        punt(PUNT_GENEVE_OAM);
                    } else if (hdr.inner_ethernet.dst_addr == BFD_INNER_DMAC) {
                        punt(PUNT_TUNNEL_BFD);
                    } else if (vni_to_ls.apply().hit) {
                        /* ---- decapsulate ---- */
                        meta.fwd.from_tunnel = 1w1;
                        if (hdr.vlan.isValid()) {
                            meta.fwd.frame_len = meta.fwd.frame_len - 16w4;
                        }
                        if (hdr.geneve.isValid()) {
                            meta.fwd.frame_len = meta.fwd.frame_len - GENEVE_ENCAP_BYTES
                                - (((bit<16>)hdr.geneve.opt_len) << 2);
                        } else {
                            meta.fwd.frame_len = meta.fwd.frame_len - VXLAN_ENCAP_BYTES;
                        }
                        hdr.ethernet = hdr.inner_ethernet;
                        hdr.vlan.setInvalid();
                        if (hdr.inner_arp.isValid()) {
                            hdr.arp = hdr.inner_arp;
                        } else {
                            hdr.arp.setInvalid();
                        }
                        if (hdr.inner_ipv4.isValid()) {
                            hdr.ipv4 = hdr.inner_ipv4;
                        } else {
                            hdr.ipv4.setInvalid();
                        }
                        if (hdr.inner_icmp.isValid()) {
                            hdr.icmp = hdr.inner_icmp;
                        } else {
                            hdr.icmp.setInvalid();
                        }
                        if (hdr.inner_tcp.isValid()) {
                            hdr.tcp = hdr.inner_tcp;
                        } else {
                            hdr.tcp.setInvalid();
                        }
                        if (hdr.inner_udp.isValid()) {
                            hdr.udp = hdr.inner_udp;
                        } else {
                            hdr.udp.setInvalid();
                        }
                        hdr.vxlan.setInvalid();
                        hdr.geneve.setInvalid();
                        /* GENEVE_MAX_OPT_WORDS words */
                        hdr.geneve_opts[0].setInvalid();
                        hdr.geneve_opts[1].setInvalid();
                        hdr.geneve_opts[2].setInvalid();
                        hdr.geneve_opts[3].setInvalid();
                        hdr.geneve_opts[4].setInvalid();
                        hdr.geneve_opts[5].setInvalid();
                        hdr.geneve_opts[6].setInvalid();
                        hdr.geneve_opts[7].setInvalid();
                        hdr.geneve_opts[8].setInvalid();
                        hdr.geneve_opts[9].setInvalid();
                        hdr.geneve_opts[10].setInvalid();
                        hdr.geneve_opts[11].setInvalid();
                        hdr.geneve_opts[12].setInvalid();
                        hdr.geneve_opts[13].setInvalid();
                        hdr.geneve_opts[14].setInvalid();
                        hdr.geneve_opts[15].setInvalid();
                        hdr.inner_ethernet.setInvalid();
                        hdr.inner_arp.setInvalid();
                        hdr.inner_ipv4.setInvalid();
                        hdr.inner_icmp.setInvalid();
                        hdr.inner_tcp.setInvalid();
                        hdr.inner_udp.setInvalid();
                    }
                }
            }
        }
    }
}

#endif
