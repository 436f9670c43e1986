/*
 * header.p4: header types, the header struct, metadata and the digest type.
 *
 * Header naming: the packet as seen by the tenant ("plain" headers: ethernet,
 * vlan, arp, ipv4, icmp, tcp, udp) is parsed first.  A tunnel that follows a
 * UDP header (vxlan or geneve + options, then inner_*) is parsed after it.
 * On an uplink, tunnel termination copies inner_* over the plain headers, so
 * every later stage only looks at the plain headers.  Encapsulation in egress
 * never moves a header: it prepends the encap_* headers, which the deparser
 * emits first.  A tenant frame that itself carries VXLAN or Geneve therefore
 * leaves byte for byte as it came in, inside our tunnel or not.
 */
#ifndef _VTEP_HEADER_P4_
#define _VTEP_HEADER_P4_

#include "define.p4"

/* ---- controller headers ------------------------------------------------- */
@controller_header("packet_in")
header packet_in_t {
    bit<9>  ingress_port;
    bit<8>  reason;        /* PUNT_* in define.p4 */
    bit<7>  _pad;
}

@controller_header("packet_out")
header packet_out_t {
    bit<9>  egress_port;   /* sent as is out of this port, no lookups */
    bit<7>  _pad;
}

/* ---- L2 ----------------------------------------------------------------- */
header ethernet_t {
    mac_addr_t dst_addr;
    mac_addr_t src_addr;
    bit<16>    ether_type;
}

header vlan_t {
    bit<3>    pcp;
    bit<1>    dei;
    vlan_id_t vid;
    bit<16>   ether_type;
}

header arp_t {
    bit<16>     htype;
    bit<16>     ptype;
    bit<8>      hlen;
    bit<8>      plen;
    bit<16>     oper;
    mac_addr_t  sha;
    ipv4_addr_t spa;
    mac_addr_t  tha;
    ipv4_addr_t tpa;
}

/* ---- L3 / L4 ------------------------------------------------------------ */
header ipv4_t {
    bit<4>      version;
    bit<4>      ihl;
    bit<6>      dscp;
    bit<2>      ecn;
    bit<16>     total_len;
    bit<16>     identification;
    bit<3>      flags;
    bit<13>     frag_offset;
    bit<8>      ttl;
    bit<8>      protocol;
    bit<16>     hdr_checksum;
    ipv4_addr_t src_addr;
    ipv4_addr_t dst_addr;
}

header icmp_t {
    bit<8>  icmp_type;
    bit<8>  icmp_code;
    bit<16> checksum;
}

header tcp_t {
    bit<16> src_port;
    bit<16> dst_port;
    bit<32> seq_no;
    bit<32> ack_no;
    bit<4>  data_offset;
    bit<4>  res;
    bit<8>  flags;         /* CWR ECE URG ACK PSH RST SYN FIN */
    bit<16> window;
    bit<16> checksum;
    bit<16> urgent_ptr;
}

header udp_t {
    bit<16> src_port;
    bit<16> dst_port;
    bit<16> length;
    bit<16> checksum;
}

/* ---- tunnels ------------------------------------------------------------ */
header vxlan_t {
    bit<8>  flags;         /* 0x08 = I (VNI valid) */
    bit<24> reserved;
    vni_t   vni;
    bit<8>  reserved2;
}

header geneve_t {
    bit<2>  version;
    bit<6>  opt_len;       /* option area, 4-byte words */
    bit<1>  oam;
    bit<1>  critical;
    bit<6>  reserved;
    bit<16> protocol_type;
    vni_t   vni;
    bit<8>  reserved2;
}

/* One 4-byte word of the Geneve option area (option headers and data alike),
 * so that options are kept in packet order. */
header geneve_opt_word_t {
    bit<32> data;
}

/* The option we add on encapsulation (see define.p4). */
header geneve_src_binding_opt_t {
    bit<16>      opt_class;
    bit<8>       opt_type;
    bit<3>       reserved;
    bit<5>       length;
    binding_id_t src_binding;
    bit<16>      reserved2;
}

struct headers_t {
    packet_in_t              packet_in;
    packet_out_t             packet_out;
    /* prepended by tunnel_encap in egress */
    ethernet_t               encap_ethernet;
    ipv4_t                   encap_ipv4;
    udp_t                    encap_udp;
    vxlan_t                  encap_vxlan;
    geneve_t                 encap_geneve;
    geneve_src_binding_opt_t encap_geneve_opt;
    /* plain (tenant after termination; underlay on an uplink before it) */
    ethernet_t               ethernet;
    vlan_t                   vlan;
    arp_t                    arp;
    ipv4_t                   ipv4;
    icmp_t                   icmp;
    tcp_t                    tcp;
    udp_t                    udp;
    /* tunnel */
    vxlan_t                  vxlan;
    geneve_t                 geneve;
    geneve_opt_word_t[GENEVE_MAX_OPT_WORDS] geneve_opts;
    /* inner (tenant frame inside a tunnel) */
    ethernet_t               inner_ethernet;
    arp_t                    inner_arp;
    ipv4_t                   inner_ipv4;
    icmp_t                   inner_icmp;
    tcp_t                    inner_tcp;
    udp_t                    inner_udp;
}

/* ---- metadata ----------------------------------------------------------- */

/* parser scratch */
struct parser_meta_t {
    bit<8>  opt_words_left;   /* Geneve option words not yet parsed */
    bit<8>  opt_data_left;    /* data words of the current option */
    bit<8>  opt_count;        /* options parsed */
    bit<8>  opt_rest;         /* opt_words_left after the current option */
    bit<1>  opt_overrun;      /* the current option overruns opt_len */
    bit<32> opt_word;         /* lookahead: current option header / data */
    bit<16> opt_class;
    bit<8>  opt_type;
}

/* what the parser and tunnel termination learnt about a tunnel */
struct tunnel_meta_t {
    tunnel_type_t type;              /* TUNNEL_* (parsed on any port) */
    vni_t         vni;
    drop_reason_t malformed;         /* DROP_* set by the parser, 0 = well formed */
    bit<1>        geneve_oam;
    bit<1>        geneve_src_binding_valid;  /* our option was present */
    binding_id_t  geneve_src_binding;        /* its value (sender's binding) */
}

/* lookup fields of the tenant packet, zero when the header is absent */
struct lookup_meta_t {
    bit<1>      is_ipv4;
    ipv4_addr_t ipv4_src;
    ipv4_addr_t ipv4_dst;
    bit<8>      ip_proto;
    bit<16>     l4_sport;
    bit<16>     l4_dport;
    bit<8>      tcp_flags;
    bit<8>      icmp_type;
    bit<8>      icmp_code;
}

/* forwarding state, set in ingress, read in egress (copied to every replica) */
struct fwd_meta_t {
    port_role_t   port_role;
    bit<9>        ingress_port;
    bit<16>       frame_len;       /* tenant frame length, untagged, no tunnel */
    bit<16>       flow_hash;       /* crc16 of the tenant flow */
    /* where it came from */
    vlan_id_t     in_vid;          /* 0 = untagged / priority tagged */
    bit<3>        in_pcp;
    binding_id_t  in_binding;      /* 0 when from a tunnel */
    acl_id_t      in_acl;
    bit<1>        from_tunnel;
    tunnel_id_t   in_tunnel;       /* 0 when from an access port */
    /* logical switch and router */
    ls_id_t       ls_id;           /* current (after routing: the target) */
    vni_t         vni;
    bit<16>       flood_group;
    vrf_id_t      vrf_id;
    bit<1>        routed;
    bit<1>        arp_reply;
    /* where it goes */
    bit<1>        flood;           /* mcast_grp set; egress decodes egress_rid */
    binding_id_t  out_binding;
    tunnel_id_t   out_tunnel;
    ipv4_addr_t   out_remote_ip;
    bit<1>        underlay_set;    /* underlay_nexthop chose the outer MACs */
    mac_addr_t    underlay_smac;
    mac_addr_t    underlay_dmac;
    /* special handling */
    bit<1>        bypass;          /* packet_out: no processing */
    bit<1>        punt;
    punt_reason_t punt_reason;
    drop_reason_t drop_reason;
}

/* egress scratch */
struct egress_meta_t {
    vlan_id_t     out_vid;
    acl_id_t      out_acl;
    tunnel_type_t encap_type;
    bit<1>        encap_src_binding_opt;
    ipv4_addr_t   encap_src_ip;
    ipv4_addr_t   encap_dst_ip;
}

struct local_metadata_t {
    parser_meta_t prs;
    tunnel_meta_t tunnel;
    lookup_meta_t lkp;
    fwd_meta_t    fwd;
    egress_meta_t eg;
}

/* ---- digest: source MAC learning ---------------------------------------- */
/* Sent when smac_learn misses: (ls_id, src_mac, binding_id) is not known.
 * gwctl turns it into a Ucast_Macs_Local row and an smac_learn entry. */
struct mac_learn_digest_t {
    ls_id_t      ls_id;
    mac_addr_t   src_mac;
    bit<9>       ingress_port;
    vlan_id_t    vid;
    binding_id_t binding_id;
}

#endif /* _VTEP_HEADER_P4_ */
