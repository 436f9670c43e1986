/*
 * logical_switch.p4: properties of the (final) logical switch: its VNI for
 * encapsulation and its flood multicast group (BUM).  A miss drops
 * (DROP_LS_UNKNOWN).
 */
#ifndef _VTEP_CONTROL_LOGICAL_SWITCH_P4_
#define _VTEP_CONTROL_LOGICAL_SWITCH_P4_

control LogicalSwitch(inout headers_t hdr,
                      inout local_metadata_t meta,
                      inout standard_metadata_t standard_metadata) {

    action set_logical_switch(vni_t vni, bit<16> flood_group) {
        meta.fwd.vni = vni;
        meta.fwd.flood_group = flood_group;
    }

    action drop_unknown_ls() {
        meta.fwd.drop_reason = DROP_LS_UNKNOWN;
    }

    table logical_switch {
        key = {
            meta.fwd.ls_id : exact @name("ls_id");
        }
        actions = {
            set_logical_switch;
            @defaultonly drop_unknown_ls;
        }
        const default_action = drop_unknown_ls();
        size = LOGICAL_SWITCH_TABLE_SIZE;
    }

    apply {
        logical_switch.apply();
    }
}

#endif
