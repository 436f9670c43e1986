/*
 * vtep_gateway.p4: P4 hardware VTEP gateway (v1model).
 *
 * This file only wires the stages together; each stage is one control in
 * include/control/, types in include/header.p4, constants in
 * include/define.p4, sizes in include/size.p4.  docs/pipeline.md is the
 * contract with the control plane (gwctl) and the tests.
 *
 * Ingress:  packet_io -> ports (port_role)
 *           -> access (port_vlan_to_ls)  |  tunnel (tunnel_term,
 *              remote_vtep_check, vni_to_ls, decap)
 *           -> lookup -> acl (acl_ingress) -> learning (smac_learn)
 *           -> arp (arp_suppress) -> routing (router_mac, ipv4_route)
 *           -> ls (logical_switch) -> l2 (dmac, flood)
 *           -> underlay (underlay_nexthop) -> drop_stats
 * Egress:   packet_io (to CPU) | replica (egress_rid)
 *           -> binding (egress_binding) -> acl (acl_egress) -> vlan
 *            | encap (tunnel_encap, uplink_nexthop)
 *           -> drop_stats
 */
#include <core.p4>
#include <v1model.p4>

#include "include/define.p4"
#include "include/size.p4"
#include "include/header.p4"
#include "include/parser.p4"
#include "include/checksum.p4"
#include "include/deparser.p4"
#include "include/control/packet_io.p4"
#include "include/control/port_role.p4"
#include "include/control/access.p4"
#include "include/control/tunnel_term.p4"
#include "include/control/lookup.p4"
#include "include/control/acl_ingress.p4"
#include "include/control/smac_learn.p4"
#include "include/control/arp_suppress.p4"
#include "include/control/routing.p4"
#include "include/control/logical_switch.p4"
#include "include/control/l2_forward.p4"
#include "include/control/underlay.p4"
#include "include/control/egress_replica.p4"
#include "include/control/egress_binding.p4"
#include "include/control/acl_egress.p4"
#include "include/control/egress_vlan.p4"
#include "include/control/tunnel_encap.p4"
#include "include/control/drop_stats.p4"

control VtepIngress(inout headers_t hdr,
                    inout local_metadata_t meta,
                    inout standard_metadata_t standard_metadata) {
    PacketIoIngress()   packet_io;
    PortRole()          ports;
    AccessIngress()     access;
    TunnelTermination() tunnel;
    LookupFields()      lookup;
    AclIngress()        acl;
    SmacLearn()         learning;
    ArpSuppress()       arp;
    Routing()           routing;
    LogicalSwitch()     ls;
    L2Forward()         l2;
    UnderlayNexthop()   underlay;
    DropStats()         drop_stats;

    apply {
        packet_io.apply(hdr, meta, standard_metadata);
        if (meta.fwd.bypass == 1w0) {
            ports.apply(hdr, meta, standard_metadata);
            if (meta.fwd.drop_reason == DROP_NONE) {
                if (meta.fwd.port_role == PORT_ROLE_ACCESS) {
                    access.apply(hdr, meta, standard_metadata);
                } else if (meta.fwd.port_role == PORT_ROLE_UPLINK) {
                    tunnel.apply(hdr, meta, standard_metadata);
                }
            }
            if (meta.fwd.drop_reason == DROP_NONE && meta.fwd.punt == 1w0) {
                lookup.apply(hdr, meta, standard_metadata);
                if (meta.fwd.in_acl != 16w0) {
                    acl.apply(hdr, meta, standard_metadata);
                }
                if (meta.fwd.drop_reason == DROP_NONE && meta.fwd.in_binding != 16w0) {
                    learning.apply(hdr, meta, standard_metadata);
                    arp.apply(hdr, meta, standard_metadata);
                }
                if (meta.fwd.drop_reason == DROP_NONE && meta.fwd.arp_reply == 1w0) {
                    routing.apply(hdr, meta, standard_metadata);
                    if (meta.fwd.drop_reason == DROP_NONE) {
                        ls.apply(hdr, meta, standard_metadata);
                    }
                    if (meta.fwd.drop_reason == DROP_NONE) {
                        l2.apply(hdr, meta, standard_metadata);
                    }
                    if (meta.fwd.drop_reason == DROP_NONE && meta.fwd.out_tunnel != 16w0) {
                        underlay.apply(hdr, meta, standard_metadata);
                    }
                }
            }
            drop_stats.apply(meta, standard_metadata);
        }
    }
}

control VtepEgress(inout headers_t hdr,
                   inout local_metadata_t meta,
                   inout standard_metadata_t standard_metadata) {
    PacketIoEgress() packet_io;
    EgressReplica()  replica;
    EgressBinding()  binding;
    AclEgress()      acl;
    EgressVlan()     vlan;
    TunnelEncap()    encap;
    DropStats()      drop_stats;

    apply {
        if (standard_metadata.egress_port == CPU_PORT_ID) {
            packet_io.apply(hdr, meta, standard_metadata);
        } else if (meta.fwd.bypass == 1w0) {
            if (meta.fwd.flood == 1w1) {
                replica.apply(hdr, meta, standard_metadata);
            }
            if (meta.fwd.drop_reason == DROP_NONE) {
                if (meta.fwd.out_binding != 16w0) {
                    binding.apply(hdr, meta, standard_metadata);
                    if (meta.fwd.drop_reason == DROP_NONE && meta.eg.out_acl != 16w0) {
                        acl.apply(hdr, meta, standard_metadata);
                    }
                    if (meta.fwd.drop_reason == DROP_NONE) {
                        vlan.apply(hdr, meta, standard_metadata);
                    }
                } else if (meta.fwd.out_tunnel != 16w0) {
                    encap.apply(hdr, meta, standard_metadata);
                }
            }
            drop_stats.apply(meta, standard_metadata);
        }
    }
}

V1Switch(VtepParser(),
         VtepVerifyChecksum(),
         VtepIngress(),
         VtepEgress(),
         VtepComputeChecksum(),
         VtepDeparser()) main;
