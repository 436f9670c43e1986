/*
 * parser.p4: the v1model parser of the VTEP gateway.
 *
 *   start --(CPU port)--> packet_out --> accept
 *   start --> ethernet [--> vlan] --> arp | ipv4 --> icmp | tcp | udp
 *   udp dst 4789 --> vxlan --> inner_ethernet --> inner_arp | inner_ipv4 --> inner l4
 *   udp dst 6081 --> geneve --> options (bounded loop) --> inner_ethernet ...
 *
 * The parser does not know port roles, so it parses a tunnel after any UDP
 * header with a tunnel port, on any port.  It never skips bytes: every byte
 * it consumes is kept in a header and re-emitted, so a tenant frame that
 * merely looks like a tunnel is forwarded unchanged.  Malformed tunnel headers
 * do not raise a parser error: the parser records a drop reason in
 * meta.tunnel.malformed and accepts (the rest is payload); ingress drops the
 * packet with that reason only if it terminates the tunnel.
 *
 * Geneve options: the option area (opt_len words) may be at most
 * GENEVE_MAX_OPT_WORDS words and hold at most GENEVE_MAX_OPTS options; each
 * option must fit in what opt_len announces.  Every word goes into
 * hdr.geneve_opts in packet order.  Our option (class GENEVE_OPT_CLASS_VTEPGW,
 * type GENEVE_OPT_TYPE_SRC_BINDING, length 1) is exposed as
 * meta.tunnel.geneve_src_binding; any other option is skipped unless its type
 * has the critical bit (0x80), which drops the packet (RFC 8926 3.5).
 */
#ifndef _VTEP_PARSER_P4_
#define _VTEP_PARSER_P4_

#include "header.p4"

parser VtepParser(packet_in packet,
                  out headers_t hdr,
                  inout local_metadata_t meta,
                  inout standard_metadata_t standard_metadata) {

    state start {
        transition select(standard_metadata.ingress_port) {
            CPU_PORT_ID: parse_packet_out;
            default: parse_ethernet;
        }
    }

    state parse_packet_out {
        packet.extract(hdr.packet_out);
        transition accept;
    }

    /* ---- plain headers ------------------------------------------------- */
    state parse_ethernet {
        packet.extract(hdr.ethernet);
        transition select(hdr.ethernet.ether_type) {
            ETHERTYPE_VLAN: parse_vlan;
            ETHERTYPE_ARP: parse_arp;
            ETHERTYPE_IPV4: parse_ipv4;
            default: accept;
        }
    }

    state parse_vlan {
        packet.extract(hdr.vlan);
        transition select(hdr.vlan.ether_type) {
            ETHERTYPE_ARP: parse_arp;
            ETHERTYPE_IPV4: parse_ipv4;
            default: accept;
        }
    }

    state parse_arp {
        packet.extract(hdr.arp);
        transition accept;
    }

    state parse_ipv4 {
        packet.extract(hdr.ipv4);
        /* L4 only without IP options and in the first fragment */
        transition select(hdr.ipv4.ihl, hdr.ipv4.frag_offset, hdr.ipv4.protocol) {
            (4w5, 13w0, IP_PROTO_ICMP): parse_icmp;
            (4w5, 13w0, IP_PROTO_TCP): parse_tcp;
            (4w5, 13w0, IP_PROTO_UDP): parse_udp;
            default: accept;
        }
    }

    state parse_icmp {
        packet.extract(hdr.icmp);
        transition accept;
    }

    state parse_tcp {
        packet.extract(hdr.tcp);
        transition accept;
    }

    state parse_udp {
        packet.extract(hdr.udp);
        transition select(hdr.udp.dst_port) {
            UDP_PORT_VXLAN: parse_vxlan;
            UDP_PORT_GENEVE: parse_geneve;
            default: accept;
        }
    }

    /* ---- VXLAN (RFC 7348) ---------------------------------------------- */
    state parse_vxlan {
        meta.tunnel.type = TUNNEL_VXLAN;
        packet.extract(hdr.vxlan);
        meta.tunnel.vni = hdr.vxlan.vni;
        transition select(hdr.vxlan.flags) {
            VXLAN_FLAGS_I &&& VXLAN_FLAGS_I: parse_inner_ethernet;
            default: vxlan_bad_flags;
        }
    }

    state vxlan_bad_flags {
        meta.tunnel.malformed = DROP_VXLAN_BAD_FLAGS;
        transition accept;
    }

    /* ---- Geneve (RFC 8926) --------------------------------------------- */
    state parse_geneve {
        meta.tunnel.type = TUNNEL_GENEVE;
        packet.extract(hdr.geneve);
        meta.tunnel.vni = hdr.geneve.vni;
        meta.tunnel.geneve_oam = hdr.geneve.oam;
        meta.prs.opt_words_left = (bit<8>)hdr.geneve.opt_len;
        transition select(hdr.geneve.version, hdr.geneve.protocol_type) {
            (2w0, ETHERTYPE_TEB): parse_geneve_opt_area;
            (2w0, _): geneve_bad_protocol;
            default: geneve_bad_version;
        }
    }

    /* opt_len bound: 0 .. GENEVE_MAX_OPT_WORDS (16) */
    state parse_geneve_opt_area {
        transition select(hdr.geneve.opt_len) {
            6w0: parse_inner_ethernet;
            6w0 &&& 6w0x30: parse_geneve_opt;      /* 1 .. 15 */
            6w16: parse_geneve_opt;
            default: geneve_opts_too_long;
        }
    }

    /* one option: look at its header word before taking it */
    state parse_geneve_opt {
        meta.prs.opt_word = packet.lookahead<bit<32>>();
        meta.prs.opt_class = meta.prs.opt_word[31:16];
        meta.prs.opt_type = meta.prs.opt_word[15:8];
        meta.prs.opt_data_left = (bit<8>)meta.prs.opt_word[4:0];
        transition select(meta.prs.opt_count, meta.prs.opt_class,
                          meta.prs.opt_type, meta.prs.opt_data_left) {
            (GENEVE_MAX_OPTS, _, _, _): geneve_too_many_opts;
            (_, GENEVE_OPT_CLASS_VTEPGW, GENEVE_OPT_TYPE_SRC_BINDING, 8w1):
                parse_geneve_src_binding_opt;
            (_, _, 8w0x80 &&& 8w0x80, _): geneve_critical_opt;
            default: parse_geneve_opt_header;
        }
    }

    state parse_geneve_src_binding_opt {
        packet.extract(hdr.geneve_opts.next);           /* option header */
        meta.prs.opt_word = packet.lookahead<bit<32>>(); /* its data word */
        meta.tunnel.geneve_src_binding_valid = 1w1;
        meta.tunnel.geneve_src_binding = meta.prs.opt_word[31:16];
        transition parse_geneve_opt_account;
    }

    state parse_geneve_opt_header {
        packet.extract(hdr.geneve_opts.next);
        transition parse_geneve_opt_account;
    }

    /* the option takes 1 + data words; they must fit in what is left */
    state parse_geneve_opt_account {
        meta.prs.opt_rest = meta.prs.opt_words_left - 8w1 - meta.prs.opt_data_left;
        meta.prs.opt_overrun = meta.prs.opt_rest[7:7];
        meta.prs.opt_count = meta.prs.opt_count + 8w1;
        transition select(meta.prs.opt_overrun, meta.prs.opt_data_left) {
            (1w1, _): geneve_bad_opt_len;
            (1w0, 8w0): parse_geneve_opt_next;
            default: parse_geneve_opt_data;
        }
    }

    state parse_geneve_opt_data {
        packet.extract(hdr.geneve_opts.next);
        meta.prs.opt_data_left = meta.prs.opt_data_left - 8w1;
        transition select(meta.prs.opt_data_left) {
            8w0: parse_geneve_opt_next;
            default: parse_geneve_opt_data;
        }
    }

    state parse_geneve_opt_next {
        meta.prs.opt_words_left = meta.prs.opt_rest;
        transition select(meta.prs.opt_rest) {
            8w0: parse_inner_ethernet;
            default: parse_geneve_opt;
        }
    }

    state geneve_bad_version {
        meta.tunnel.malformed = DROP_GENEVE_BAD_VERSION;
        transition accept;
    }

    state geneve_bad_protocol {
        meta.tunnel.malformed = DROP_GENEVE_BAD_PROTOCOL;
        transition accept;
    }

    state geneve_opts_too_long {
        meta.tunnel.malformed = DROP_GENEVE_OPTS_TOO_LONG;
        transition accept;
    }

    state geneve_too_many_opts {
        meta.tunnel.malformed = DROP_GENEVE_TOO_MANY_OPTS;
        transition accept;
    }

    state geneve_bad_opt_len {
        meta.tunnel.malformed = DROP_GENEVE_BAD_OPT_LEN;
        transition accept;
    }

    state geneve_critical_opt {
        meta.tunnel.malformed = DROP_GENEVE_CRITICAL_OPT;
        transition accept;
    }

    /* ---- inner (tenant) frame ------------------------------------------ */
    state parse_inner_ethernet {
        packet.extract(hdr.inner_ethernet);
        transition select(hdr.inner_ethernet.ether_type) {
            ETHERTYPE_ARP: parse_inner_arp;
            ETHERTYPE_IPV4: parse_inner_ipv4;
            default: accept;
        }
    }

    state parse_inner_arp {
        packet.extract(hdr.inner_arp);
        transition accept;
    }

    state parse_inner_ipv4 {
        packet.extract(hdr.inner_ipv4);
        transition select(hdr.inner_ipv4.ihl, hdr.inner_ipv4.frag_offset,
                          hdr.inner_ipv4.protocol) {
            (4w5, 13w0, IP_PROTO_ICMP): parse_inner_icmp;
            (4w5, 13w0, IP_PROTO_TCP): parse_inner_tcp;
            (4w5, 13w0, IP_PROTO_UDP): parse_inner_udp;
            default: accept;
        }
    }

    state parse_inner_icmp {
        packet.extract(hdr.inner_icmp);
        transition accept;
    }

    state parse_inner_tcp {
        packet.extract(hdr.inner_tcp);
        transition accept;
    }

    state parse_inner_udp {
        packet.extract(hdr.inner_udp);
        transition accept;
    }
}

#endif /* _VTEP_PARSER_P4_ */
