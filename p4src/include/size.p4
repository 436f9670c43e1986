/*
 * size.p4: every table, counter and selector size of the VTEP gateway, in one
 * place.  The identifier ranges gwctl allocates (binding_id, tunnel_id, ...)
 * follow from the counter sizes: an id must be < the size of the counter it
 * indexes.  See docs/pipeline.md.
 */
#ifndef _VTEP_SIZE_P4_
#define _VTEP_SIZE_P4_

#define PORT_TABLE_SIZE            512     /* port_role, uplink_nexthop */
#define BINDING_TABLE_SIZE         4096    /* port_vlan_to_ls, egress_binding; binding_id < 4096 */
#define LOGICAL_SWITCH_TABLE_SIZE  4096    /* logical_switch, vni_to_ls; ls_id < 4096 */
#define TUNNEL_IP_TABLE_SIZE       64      /* tunnel_term: our tunnel IPs x tunnel types */
#define REMOTE_VTEP_TABLE_SIZE     4096    /* remote_vtep_check, tunnel_encap; >= 1K remote VTEPs */
#define MAC_TABLE_SIZE             131072  /* dmac, smac_learn: >= 100,000 MACs (issue #5 scale) */
#define ARP_SUPPRESS_TABLE_SIZE    65536   /* arp_suppress */
#define ROUTER_MAC_TABLE_SIZE      4096    /* router_mac */
#define IPV4_ROUTE_TABLE_SIZE      16384   /* ipv4_route */
#define UNDERLAY_ROUTE_TABLE_SIZE  1024    /* underlay_nexthop */
#define UNDERLAY_SELECTOR_SIZE     1024    /* underlay_ecmp_selector members */
#define UNDERLAY_SELECTOR_WIDTH    16      /* selector hash output bits */
#define ACL_TABLE_SIZE             4096    /* acl_ingress and acl_egress, each */

/* indexed counters */
#define BINDING_COUNTER_SIZE       4096    /* binding_rx, binding_tx: index binding_id */
#define REMOTE_VTEP_COUNTER_SIZE   4096    /* remote_vtep_rx, remote_vtep_tx: index tunnel_id */
/* drop_reason counters: DROP_REASON_COUNT in define.p4 */

#endif /* _VTEP_SIZE_P4_ */
