/*
 * egress_vlan.p4: a packet that passed the egress ACL leaves by its binding:
 * count it in binding_tx (vtep(5) Logical_Binding_Stats packets_from_local /
 * bytes_from_local, "sent by the Physical_Switch") and add
 * the binding's VLAN tag (PCP as received on a tagged access port, else 0).
 */
#ifndef _VTEP_CONTROL_EGRESS_VLAN_P4_
#define _VTEP_CONTROL_EGRESS_VLAN_P4_

control EgressVlan(inout headers_t hdr,
                   inout local_metadata_t meta,
                   inout standard_metadata_t standard_metadata) {

    /* packets/bytes sent out of the binding, index binding_id */
    counter(BINDING_COUNTER_SIZE, CounterType.packets_and_bytes) binding_tx;

    apply {
        binding_tx.count((bit<32>)meta.fwd.out_binding);
        if (meta.eg.out_vid != 12w0) {
            hdr.vlan.setValid();
            hdr.vlan.pcp = meta.fwd.in_pcp;
            hdr.vlan.dei = 1w0;
            hdr.vlan.vid = meta.eg.out_vid;
            hdr.vlan.ether_type = hdr.ethernet.ether_type;
            hdr.ethernet.ether_type = ETHERTYPE_VLAN;
        }
    }
}

#endif
