/*
 * access.p4: access port ingress.  (port, VLAN id) -> logical switch and
 * binding (Physical_Port.vlan_bindings; VLAN 0 = untagged or priority
 * tagged).  A port may have tagged and untagged bindings at once.  Unbound
 * traffic drops (DROP_VLAN_UNBOUND).  The tag is removed here; egress adds the
 * tag of the binding the packet leaves by, so push, pop and rewrite are all
 * "pop on ingress, push on egress".
 */
#ifndef _VTEP_CONTROL_ACCESS_P4_
#define _VTEP_CONTROL_ACCESS_P4_

control AccessIngress(inout headers_t hdr,
                      inout local_metadata_t meta,
                      inout standard_metadata_t standard_metadata) {

    /* packets/bytes received on the binding, index binding_id.  vtep(5):
     * Logical_Binding_Stats packets_to_local / bytes_to_local ("received by
     * the Physical_Switch"). */
    counter(BINDING_COUNTER_SIZE, CounterType.packets_and_bytes) binding_rx;

    action set_ingress_binding(ls_id_t ls_id, binding_id_t binding_id, acl_id_t acl_id) {
        meta.fwd.ls_id = ls_id;
        meta.fwd.in_binding = binding_id;
        meta.fwd.in_acl = acl_id;
    }

    action drop_unbound() {
        meta.fwd.drop_reason = DROP_VLAN_UNBOUND;
    }

    table port_vlan_to_ls {
        key = {
            standard_metadata.ingress_port : exact @name("ingress_port");
            meta.fwd.in_vid                : exact @name("vid");
        }
        actions = {
            set_ingress_binding;
            @defaultonly drop_unbound;
        }
        const default_action = drop_unbound();
        size = BINDING_TABLE_SIZE;
    }

    apply {
        if (hdr.vlan.isValid()) {
            meta.fwd.in_vid = hdr.vlan.vid;
            meta.fwd.in_pcp = hdr.vlan.pcp;
        }
        if (port_vlan_to_ls.apply().hit) {
            binding_rx.count((bit<32>)meta.fwd.in_binding);
            if (hdr.vlan.isValid()) {
                hdr.ethernet.ether_type = hdr.vlan.ether_type;
                hdr.vlan.setInvalid();
                meta.fwd.frame_len = meta.fwd.frame_len - 16w4;
            }
        }
    }
}

#endif
