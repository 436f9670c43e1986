/*
 * define.p4: constants shared by the VTEP gateway and the SmartNIC programs.
 *
 * Everything the control plane must agree on (port numbers, port roles,
 * tunnel types, drop reasons, punt reasons, egress_rid encoding) lives here
 * and is documented in docs/pipeline.md.  Change a value here only together
 * with that document and gwctl's pipeline mapping.
 */
#ifndef _VTEP_DEFINE_P4_
#define _VTEP_DEFINE_P4_

/* ---- ports ------------------------------------------------------------ */
/* CPU port: the target's --cpu-port.  Override with -DCPU_PORT=N. */
#ifndef CPU_PORT
#define CPU_PORT 255
#endif
const bit<9> CPU_PORT_ID = CPU_PORT;

/* ---- ethertypes, IP protocols, UDP ports ------------------------------- */
const bit<16> ETHERTYPE_IPV4 = 0x0800;
const bit<16> ETHERTYPE_ARP  = 0x0806;
const bit<16> ETHERTYPE_VLAN = 0x8100;
const bit<16> ETHERTYPE_TEB  = 0x6558;   /* transparent Ethernet bridging (Geneve payload) */

const bit<8> IP_PROTO_ICMP = 1;
const bit<8> IP_PROTO_TCP  = 6;
const bit<8> IP_PROTO_UDP  = 17;

const bit<16> UDP_PORT_VXLAN  = 4789;
const bit<16> UDP_PORT_GENEVE = 6081;

const bit<16> ARP_HTYPE_ETHERNET = 1;
const bit<16> ARP_OPER_REQUEST   = 1;
const bit<16> ARP_OPER_REPLY     = 2;

/* VXLAN flags byte: only the I bit (0x08) must be set (RFC 7348). */
const bit<8> VXLAN_FLAGS_I = 0x08;

/* BFD over VXLAN/Geneve (as OVS sends it): inner destination MAC. */
const bit<48> BFD_INNER_DMAC = 0x002320000001;

/* ---- encapsulation defaults ------------------------------------------- */
const bit<8>  ENCAP_IPV4_TTL   = 64;
const bit<3>  ENCAP_IPV4_FLAGS = 3w0x2;    /* DF */
const bit<16> ENCAP_UDP_SPORT_BASE = 0xC000; /* source port = base | hash[13:0] */
/* bytes added in front of the tenant frame */
const bit<16> VXLAN_ENCAP_BYTES  = 50;     /* 14 eth + 20 ipv4 + 8 udp + 8 vxlan */
const bit<16> GENEVE_ENCAP_BYTES = 50;     /* 14 eth + 20 ipv4 + 8 udp + 8 geneve */
const bit<16> GENEVE_SRC_BINDING_OPT_BYTES = 8;

/* ---- Geneve options ---------------------------------------------------- */
/* Our option carrying the logical source binding (experimental class range
 * 0xFF00-0xFFFF of RFC 8926 section 7).  Type 0x01: critical bit clear, so a
 * receiver that does not know it ignores it.  Length 1 (4 bytes of data):
 * bit<16> source binding id, bit<16> reserved (0). */
const bit<16> GENEVE_OPT_CLASS_VTEPGW   = 0xFF01;
const bit<8>  GENEVE_OPT_TYPE_SRC_BINDING = 0x01;
const bit<5>  GENEVE_OPT_LEN_SRC_BINDING  = 1;
/* Bounds on what the parser accepts: total option area (opt_len, 4-byte
 * words) and number of options.  GENEVE_MAX_OPT_WORDS must match the size of
 * hdr.geneve_opts (header.p4) and the mask in parser.p4. */
#define GENEVE_MAX_OPT_WORDS 16
#define GENEVE_MAX_OPTS 8

/* ---- port roles (port_role table) -------------------------------------- */
typedef bit<2> port_role_t;
const port_role_t PORT_ROLE_NONE   = 0;
const port_role_t PORT_ROLE_ACCESS = 1;
const port_role_t PORT_ROLE_UPLINK = 2;

/* ---- tunnel types (meta.tunnel.type; keys of tunnel_term and
 *      remote_vtep_check) ------------------------------------------------- */
typedef bit<2> tunnel_type_t;
const tunnel_type_t TUNNEL_NONE   = 0;
const tunnel_type_t TUNNEL_VXLAN  = 1;
const tunnel_type_t TUNNEL_GENEVE = 2;

/* ---- identifiers allocated by gwctl ------------------------------------- */
typedef bit<16> ls_id_t;        /* logical switch, 1..4095 (0 = none) */
typedef bit<16> binding_id_t;   /* (access port, vlan) binding, 1..4095 (0 = none) */
typedef bit<16> tunnel_id_t;    /* remote VTEP (Physical_Locator), 1..4095 (0 = none) */
typedef bit<16> acl_id_t;       /* ACL, 1..65535 (0 = no ACL) */
typedef bit<16> vrf_id_t;       /* Logical_Router, 1..65535 */
typedef bit<24> vni_t;
typedef bit<12> vlan_id_t;
typedef bit<48> mac_addr_t;
typedef bit<32> ipv4_addr_t;

/* ---- multicast replicas: egress_rid encoding ---------------------------- */
/* rid 0x0001..0x0FFF      replica to local binding  (rid = binding_id)
 * rid 0x8000 | tunnel_id  replica to remote VTEP    (tunnel_id 1..0x0FFF)
 * anything else is dropped in egress (DROP_BAD_REPLICA). */
const bit<16> RID_TUNNEL_FLAG = 0x8000;

/* ---- drop reasons: index of the drop_reason counters -------------------- */
typedef bit<8> drop_reason_t;
const drop_reason_t DROP_NONE                 = 0;
const drop_reason_t DROP_PORT_NO_ROLE         = 1;   /* port_role miss */
const drop_reason_t DROP_PARSER_ERROR         = 2;   /* parser_error on an uplink, or no Ethernet */
const drop_reason_t DROP_VLAN_UNBOUND         = 3;   /* port_vlan_to_ls miss */
const drop_reason_t DROP_UPLINK_NOT_TUNNEL    = 4;   /* uplink: neither ARP nor IPv4 */
const drop_reason_t DROP_NOT_OUR_TUNNEL_IP    = 5;   /* tunnel_term miss */
const drop_reason_t DROP_UNDERLAY_IPV4_CSUM   = 6;   /* bad outer IPv4 checksum */
const drop_reason_t DROP_VXLAN_BAD_FLAGS      = 7;   /* VXLAN I flag clear */
const drop_reason_t DROP_GENEVE_BAD_VERSION   = 8;   /* Geneve version != 0 */
const drop_reason_t DROP_GENEVE_BAD_PROTOCOL  = 9;   /* Geneve protocol != 0x6558 */
const drop_reason_t DROP_GENEVE_OPTS_TOO_LONG = 10;  /* opt_len > GENEVE_MAX_OPT_WORDS */
const drop_reason_t DROP_GENEVE_TOO_MANY_OPTS = 11;  /* more than GENEVE_MAX_OPTS options */
const drop_reason_t DROP_GENEVE_BAD_OPT_LEN   = 12;  /* option overruns opt_len */
const drop_reason_t DROP_GENEVE_CRITICAL_OPT  = 13;  /* unknown option with C bit (RFC 8926) */
const drop_reason_t DROP_REMOTE_VTEP_UNKNOWN  = 14;  /* remote_vtep_check miss (anti-spoofing) */
const drop_reason_t DROP_VNI_UNKNOWN          = 15;  /* vni_to_ls miss */
const drop_reason_t DROP_ACL_INGRESS_DENY     = 16;
const drop_reason_t DROP_ACL_EGRESS_DENY      = 17;
const drop_reason_t DROP_ROUTER_NOT_IPV4      = 18;  /* to router MAC, not IPv4 */
const drop_reason_t DROP_ROUTE_IPV4_OPTIONS   = 19;  /* routed IPv4 with ihl != 5 */
const drop_reason_t DROP_ROUTE_IPV4_CSUM      = 20;  /* routed IPv4 with bad checksum (access) */
const drop_reason_t DROP_TTL_EXPIRED          = 21;  /* routed with ttl <= 1 */
const drop_reason_t DROP_ROUTE_MISS           = 22;  /* ipv4_route miss */
const drop_reason_t DROP_LS_UNKNOWN           = 23;  /* logical_switch miss */
const drop_reason_t DROP_SAME_BINDING         = 24;  /* unicast back to its own binding */
const drop_reason_t DROP_SPLIT_HORIZON        = 25;  /* tunnel -> tunnel (bridged) */
const drop_reason_t DROP_NO_FLOOD_GROUP       = 26;  /* flood in a logical switch with group 0 */
const drop_reason_t DROP_UNDERLAY_ROUTE_MISS  = 27;  /* underlay_nexthop miss */
const drop_reason_t DROP_BAD_REPLICA          = 28;  /* egress_rid not decodable */
const drop_reason_t DROP_SOURCE_PRUNE         = 29;  /* flood replica to its own binding */
const drop_reason_t DROP_EGRESS_BINDING_MISS  = 30;  /* egress_binding miss */
const drop_reason_t DROP_TUNNEL_ENCAP_MISS    = 31;  /* tunnel_encap miss */
const drop_reason_t DROP_UPLINK_NEXTHOP_MISS  = 32;  /* uplink_nexthop miss (flood replica) */
const drop_reason_t DROP_UNDERLAY_FRAGMENT    = 33;  /* terminated tunnel in an IPv4 fragment (MF set) */
#define DROP_REASON_COUNT 64

/* ---- packet-in reasons (packet_in.reason) ------------------------------- */
typedef bit<8> punt_reason_t;
const punt_reason_t PUNT_NONE         = 0;
const punt_reason_t PUNT_UNDERLAY_ARP = 1;   /* ARP received on an uplink */
const punt_reason_t PUNT_TUNNEL_IP    = 2;   /* tunnel_term punt_to_cpu (e.g. ICMP to a tunnel IP) */
const punt_reason_t PUNT_TUNNEL_BFD   = 3;   /* BFD inside VXLAN/Geneve (inner dmac 00:23:20:00:00:01) */
const punt_reason_t PUNT_GENEVE_OAM   = 4;   /* Geneve O bit set */

/* ---- instance types (standard_metadata.instance_type, BMv2) ------------- */
const bit<32> PKT_INSTANCE_TYPE_NORMAL      = 0;
const bit<32> PKT_INSTANCE_TYPE_REPLICATION = 5;

/* digest receiver id (ignored by P4Runtime) */
const bit<32> MAC_LEARN_RECEIVER = 1;

#endif /* _VTEP_DEFINE_P4_ */
