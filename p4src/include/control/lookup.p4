/*
 * lookup.p4: lookup fields of the tenant packet (after termination) and the
 * flow hash.  Later stages match meta.lkp instead of header fields, so no
 * table ever reads a header that is not valid: absent fields are 0.
 * meta.fwd.flow_hash = crc16(eth src, eth dst, ethertype, IPv4 src, dst,
 * protocol, L4 ports): ECMP selector input and outer UDP source port.
 */
#ifndef _VTEP_CONTROL_LOOKUP_P4_
#define _VTEP_CONTROL_LOOKUP_P4_

control LookupFields(inout headers_t hdr,
                     inout local_metadata_t meta,
                     inout standard_metadata_t standard_metadata) {
    apply {
        if (hdr.ipv4.isValid()) {
            meta.lkp.is_ipv4 = 1w1;
            meta.lkp.ipv4_src = hdr.ipv4.src_addr;
            meta.lkp.ipv4_dst = hdr.ipv4.dst_addr;
            meta.lkp.ip_proto = hdr.ipv4.protocol;
        }
        if (hdr.tcp.isValid()) {
            meta.lkp.l4_sport = hdr.tcp.src_port;
            meta.lkp.l4_dport = hdr.tcp.dst_port;
            meta.lkp.tcp_flags = hdr.tcp.flags;
        } else if (hdr.udp.isValid()) {
            meta.lkp.l4_sport = hdr.udp.src_port;
            meta.lkp.l4_dport = hdr.udp.dst_port;
        } else if (hdr.icmp.isValid()) {
            meta.lkp.icmp_type = hdr.icmp.icmp_type;
            meta.lkp.icmp_code = hdr.icmp.icmp_code;
        }
        hash(meta.fwd.flow_hash, HashAlgorithm.crc16, 16w0,
             { hdr.ethernet.src_addr,
               hdr.ethernet.dst_addr,
               hdr.ethernet.ether_type,
               meta.lkp.ipv4_src,
               meta.lkp.ipv4_dst,
               meta.lkp.ip_proto,
               meta.lkp.l4_sport,
               meta.lkp.l4_dport },
             32w65536);
    }
}

#endif
