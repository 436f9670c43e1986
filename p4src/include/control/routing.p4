/*
 * routing.p4: routing between logical switches (Logical_Router).
 * router_mac: (logical switch, destination MAC) -> router (VRF).  A hit means
 * "routed": IPv4 only (DROP_ROUTER_NOT_IPV4), no IP options
 * (DROP_ROUTE_IPV4_OPTIONS), good header checksum when from an access port
 * (DROP_ROUTE_IPV4_CSUM), TTL > 1 (DROP_TTL_EXPIRED), then ipv4_route
 * (VRF, destination LPM) -> target logical switch and MACs, TTL - 1
 * (the IPv4 checksum is recomputed in the deparser).  A miss drops
 * (DROP_ROUTE_MISS).  L2 forwarding then runs in the target logical switch.
 */
#ifndef _VTEP_CONTROL_ROUTING_P4_
#define _VTEP_CONTROL_ROUTING_P4_

control Routing(inout headers_t hdr,
                inout local_metadata_t meta,
                inout standard_metadata_t standard_metadata) {

    action set_router(vrf_id_t vrf_id) {
        meta.fwd.vrf_id = vrf_id;
    }

    table router_mac {
        key = {
            meta.fwd.ls_id        : exact @name("ls_id");
            hdr.ethernet.dst_addr : exact @name("dst_mac");
        }
        actions = {
            set_router;
            @defaultonly NoAction;
        }
        const default_action = NoAction();
        size = ROUTER_MAC_TABLE_SIZE;
    }

    action route_to_ls(ls_id_t ls_id, mac_addr_t src_mac, mac_addr_t dst_mac) {
        meta.fwd.ls_id = ls_id;
        meta.fwd.routed = 1w1;
        hdr.ethernet.src_addr = src_mac;
        hdr.ethernet.dst_addr = dst_mac;
        hdr.ipv4.ttl = hdr.ipv4.ttl - 8w1;
    }

    action drop_route_miss() {
        meta.fwd.drop_reason = DROP_ROUTE_MISS;
    }

    table ipv4_route {
        key = {
            meta.fwd.vrf_id   : exact @name("vrf_id");
            hdr.ipv4.dst_addr : lpm   @name("ipv4_dst");
        }
        actions = {
            route_to_ls;
            drop_route_miss;
        }
        const default_action = drop_route_miss();
        size = IPV4_ROUTE_TABLE_SIZE;
    }

    apply {
        if (router_mac.apply().hit) {
            if (!hdr.ipv4.isValid()) {
                meta.fwd.drop_reason = DROP_ROUTER_NOT_IPV4;
            } else if (hdr.ipv4.ihl != 4w5) {
                meta.fwd.drop_reason = DROP_ROUTE_IPV4_OPTIONS;
            } else if (meta.fwd.from_tunnel == 1w0 &&
                       standard_metadata.checksum_error == 1w1) {
                meta.fwd.drop_reason = DROP_ROUTE_IPV4_CSUM;
            } else if (hdr.ipv4.ttl <= 8w1) {
                meta.fwd.drop_reason = DROP_TTL_EXPIRED;
            } else {
                ipv4_route.apply();
            }
        }
    }
}

#endif
