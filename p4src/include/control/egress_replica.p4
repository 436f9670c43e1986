/*
 * egress_replica.p4: what a multicast replica is for, from its egress_rid
 * (define.p4, docs/pipeline.md):
 *   rid 0x0001..0x0FFF       local binding, binding_id = rid
 *   rid 0x8001..0x8FFF       remote VTEP, tunnel_id = rid & 0x0FFF
 * anything else drops (DROP_BAD_REPLICA).  Then the pruning of bridged
 * floods: never back to the binding the packet came from
 * (DROP_SOURCE_PRUNE); what came from a tunnel goes to local bindings only
 * (split horizon, DROP_SPLIT_HORIZON).
 */
#ifndef _VTEP_CONTROL_EGRESS_REPLICA_P4_
#define _VTEP_CONTROL_EGRESS_REPLICA_P4_

control EgressReplica(inout headers_t hdr,
                      inout local_metadata_t meta,
                      inout standard_metadata_t standard_metadata) {
    apply {
        if (standard_metadata.egress_rid[15:12] == 4w0x8) {
            meta.fwd.out_tunnel = standard_metadata.egress_rid & 16w0x0FFF;
        } else if (standard_metadata.egress_rid[15:12] == 4w0x0) {
            meta.fwd.out_binding = standard_metadata.egress_rid;
        }
        if (meta.fwd.out_tunnel == 16w0 && meta.fwd.out_binding == 16w0) {
            meta.fwd.drop_reason = DROP_BAD_REPLICA;
        } else if (meta.fwd.routed == 1w0) {
            if (meta.fwd.out_binding != 16w0 &&
                meta.fwd.out_binding == meta.fwd.in_binding) {
                meta.fwd.drop_reason = DROP_SOURCE_PRUNE;
            } else if (meta.fwd.out_tunnel != 16w0 && meta.fwd.from_tunnel == 1w1) {
                meta.fwd.drop_reason = DROP_SPLIT_HORIZON;
            }
        }
    }
}

#endif
