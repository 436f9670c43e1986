/*
 * acl_egress.p4: ACL (egress direction) of a binding: ACL_entry rows with
 * direction "egress" of the ACL in Physical_Port.acl_bindings.  Applied to
 * packets to a local binding, before the VLAN tag is added,
 * only when the binding has an ACL (acl_id != 0).  Highest priority entry
 * wins; no match permits.  Per-entry hit counts in the direct counter.
 */
#ifndef _VTEP_CONTROL_ACL_EGRESS_P4_
#define _VTEP_CONTROL_ACL_EGRESS_P4_

control AclEgress(inout headers_t hdr,
                inout local_metadata_t meta,
                inout standard_metadata_t standard_metadata) {

    direct_counter(CounterType.packets_and_bytes) acl_egress_counter;

    action acl_egress_permit() {
    }

    action acl_egress_deny() {
        meta.fwd.drop_reason = DROP_ACL_EGRESS_DENY;
    }

    table acl_egress {
        key = {
            meta.eg.out_acl         : exact   @name("acl_id");
            hdr.ethernet.src_addr   : ternary @name("src_mac");
            hdr.ethernet.dst_addr   : ternary @name("dst_mac");
            hdr.ethernet.ether_type : ternary @name("ether_type");
            meta.lkp.ipv4_src       : ternary @name("ipv4_src");
            meta.lkp.ipv4_dst       : ternary @name("ipv4_dst");
            meta.lkp.ip_proto       : ternary @name("ip_proto");
            meta.lkp.l4_sport       : range   @name("l4_sport");
            meta.lkp.l4_dport       : range   @name("l4_dport");
            meta.lkp.tcp_flags      : ternary @name("tcp_flags");
            meta.lkp.icmp_type      : ternary @name("icmp_type");
            meta.lkp.icmp_code      : ternary @name("icmp_code");
        }
        actions = {
            acl_egress_permit;
            acl_egress_deny;
            @defaultonly NoAction;
        }
        const default_action = NoAction();
        counters = acl_egress_counter;
        size = ACL_TABLE_SIZE;
    }

    apply {
        acl_egress.apply();
    }
}

#endif
