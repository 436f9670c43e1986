/*
 * underlay.p4: underlay next hop of a known-unicast packet to a remote VTEP.
 * underlay_nexthop: remote VTEP IP (LPM) + flow hash (selector) ->
 * set_underlay_nexthop(port, src_mac, dst_mac) through the action selector
 * underlay_ecmp_selector (one group per route, one member per uplink next
 * hop: ECMP).  A miss drops (DROP_UNDERLAY_ROUTE_MISS).  Flood replicas to
 * remote VTEPs do not come here: their uplink is the one in the multicast
 * group and egress takes the MACs from uplink_nexthop.
 */
#ifndef _VTEP_CONTROL_UNDERLAY_P4_
#define _VTEP_CONTROL_UNDERLAY_P4_

control UnderlayNexthop(inout headers_t hdr,
                        inout local_metadata_t meta,
                        inout standard_metadata_t standard_metadata) {

    action_selector(HashAlgorithm.crc16, (bit<32>)UNDERLAY_SELECTOR_SIZE,
                    (bit<32>)UNDERLAY_SELECTOR_WIDTH) underlay_ecmp_selector;

    action set_underlay_nexthop(bit<9> port, mac_addr_t src_mac, mac_addr_t dst_mac) {
        standard_metadata.egress_spec = port;
        meta.fwd.underlay_set = 1w1;
        meta.fwd.underlay_smac = src_mac;
        meta.fwd.underlay_dmac = dst_mac;
    }

    table underlay_nexthop {
        key = {
            meta.fwd.out_remote_ip : lpm      @name("remote_ip");
            meta.fwd.flow_hash     : selector @name("flow_hash");
        }
        actions = {
            set_underlay_nexthop;
            @defaultonly NoAction;
        }
        implementation = underlay_ecmp_selector;
        size = UNDERLAY_ROUTE_TABLE_SIZE;
    }

    apply {
        if (!underlay_nexthop.apply().hit) {
            meta.fwd.drop_reason = DROP_UNDERLAY_ROUTE_MISS;
        }
    }
}

#endif
