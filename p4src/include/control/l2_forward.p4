/*
 * l2_forward.p4: L2 forwarding in the logical switch.
 * dmac: (logical switch, destination MAC) ->
 *   forward_to_binding(binding_id, port)  Ucast_Macs_Local
 *   forward_to_tunnel(tunnel_id, remote_ip)  Ucast_Macs_Remote
 *   forward_to_group(mcast_grp)           Mcast_Macs_* with a specific MAC
 *   flood()  (default)                    unknown unicast, broadcast, multicast:
 *                                         the logical switch's flood group
 * Bridged (not routed) traffic never goes back out of the binding it came in
 * on (DROP_SAME_BINDING) nor from a tunnel into a tunnel (DROP_SPLIT_HORIZON).
 * A flood in a logical switch without a group drops (DROP_NO_FLOOD_GROUP).
 */
#ifndef _VTEP_CONTROL_L2_FORWARD_P4_
#define _VTEP_CONTROL_L2_FORWARD_P4_

control L2Forward(inout headers_t hdr,
                  inout local_metadata_t meta,
                  inout standard_metadata_t standard_metadata) {

    action forward_to_binding(binding_id_t binding_id, bit<9> port) {
        meta.fwd.out_binding = binding_id;
        standard_metadata.egress_spec = port;
    }

    action forward_to_tunnel(tunnel_id_t tunnel_id, ipv4_addr_t remote_ip) {
        meta.fwd.out_tunnel = tunnel_id;
        meta.fwd.out_remote_ip = remote_ip;
    }

    action forward_to_group(bit<16> mcast_grp) {
        meta.fwd.flood = 1w1;
        standard_metadata.mcast_grp = mcast_grp;
    }

    action flood() {
        meta.fwd.flood = 1w1;
        standard_metadata.mcast_grp = meta.fwd.flood_group;
    }

    table dmac {
        key = {
            meta.fwd.ls_id        : exact @name("ls_id");
            hdr.ethernet.dst_addr : exact @name("dst_mac");
        }
        actions = {
            forward_to_binding;
            forward_to_tunnel;
            forward_to_group;
            flood;
        }
        const default_action = flood();
        size = MAC_TABLE_SIZE;
    }

    apply {
        dmac.apply();
        if (meta.fwd.flood == 1w1) {
            if (standard_metadata.mcast_grp == 16w0) {
                meta.fwd.drop_reason = DROP_NO_FLOOD_GROUP;
            }
        } else if (meta.fwd.routed == 1w0) {
            if (meta.fwd.out_binding != 16w0 &&
                meta.fwd.out_binding == meta.fwd.in_binding) {
                meta.fwd.drop_reason = DROP_SAME_BINDING;
            } else if (meta.fwd.out_tunnel != 16w0 && meta.fwd.from_tunnel == 1w1) {
                meta.fwd.drop_reason = DROP_SPLIT_HORIZON;
            }
        }
    }
}

#endif
