/*
 * drop_stats.p4: the end of ingress and of egress.  A packet with a drop
 * reason is counted in `drops` at index drop_reason (DROP_* in define.p4)
 * and dropped.  Instantiated twice: VtepIngress.drop_stats.drops and
 * VtepEgress.drop_stats.drops (same reason codes).
 */
#ifndef _VTEP_CONTROL_DROP_STATS_P4_
#define _VTEP_CONTROL_DROP_STATS_P4_

control DropStats(inout local_metadata_t meta,
                  inout standard_metadata_t standard_metadata) {

    counter(DROP_REASON_COUNT, CounterType.packets) drops;

    apply {
        if (meta.fwd.drop_reason != DROP_NONE) {
            drops.count((bit<32>)meta.fwd.drop_reason);
            mark_to_drop(standard_metadata);
        }
    }
}

#endif
