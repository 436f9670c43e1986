/*
 * acl_ingress.p4: ACL (ingress direction) of a binding: ACL_entry rows with
 * direction "ingress" of the ACL in Physical_Port.acl_bindings.  Applied to
 * packets from a local binding, before learning, ARP suppression and routing,
 * only when the binding has an ACL (acl_id != 0).  Highest priority entry
 * wins; no match permits.  Per-entry hit counts in the direct counter.
 */
#ifndef _VTEP_CONTROL_ACL_INGRESS_P4_
#define _VTEP_CONTROL_ACL_INGRESS_P4_

control AclIngress(inout headers_t hdr,
                 inout local_metadata_t meta,
                 inout standard_metadata_t standard_metadata) {

    direct_counter(CounterType.packets_and_bytes) acl_ingress_counter;

    action acl_ingress_permit() {
    }

    action acl_ingress_deny() {
        meta.fwd.drop_reason = DROP_ACL_INGRESS_DENY;
    }

    table acl_ingress {
        key = {
            meta.fwd.in_acl         : exact   @name("acl_id");
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
            acl_ingress_permit;
            acl_ingress_deny;
            @defaultonly NoAction;
        }
        const default_action = NoAction();
        counters = acl_ingress_counter;
        size = ACL_TABLE_SIZE;
    }

    apply {
        acl_ingress.apply();
    }
}

#endif
