/*
 * egress_binding.p4: the local binding a packet leaves by (from dmac, an
 * ARP reply, or a flood replica's rid): its VLAN (0 = untagged) and its ACL.
 * A miss drops (DROP_EGRESS_BINDING_MISS).
 */
#ifndef _VTEP_CONTROL_EGRESS_BINDING_P4_
#define _VTEP_CONTROL_EGRESS_BINDING_P4_

control EgressBinding(inout headers_t hdr,
                      inout local_metadata_t meta,
                      inout standard_metadata_t standard_metadata) {

    action set_egress_binding(vlan_id_t vid, acl_id_t acl_id) {
        meta.eg.out_vid = vid;
        meta.eg.out_acl = acl_id;
    }

    action drop_unknown_binding() {
        meta.fwd.drop_reason = DROP_EGRESS_BINDING_MISS;
    }

    table egress_binding {
        key = {
            meta.fwd.out_binding : exact @name("binding_id");
        }
        actions = {
            set_egress_binding;
            @defaultonly drop_unknown_binding;
        }
        const default_action = drop_unknown_binding();
        size = BINDING_TABLE_SIZE;
    }

    apply {
        egress_binding.apply();
    }
}

#endif
