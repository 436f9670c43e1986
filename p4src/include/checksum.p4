/*
 * checksum.p4: IPv4 header checksums (csum16).
 * Verify: the first IPv4 header when it has no options (the underlay header
 * on an uplink, the tenant header on an access port); a mismatch sets
 * standard_metadata.checksum_error, which tunnel termination
 * (DROP_UNDERLAY_IPV4_CSUM) and routing (DROP_ROUTE_IPV4_CSUM) act on;
 * bridged tenant packets are forwarded as they are.
 * Update: the outer IPv4 header we add, and the tenant header of a routed
 * packet (TTL changed).  Nothing else is rewritten.
 */
#ifndef _VTEP_CHECKSUM_P4_
#define _VTEP_CHECKSUM_P4_

#include "header.p4"

control VtepVerifyChecksum(inout headers_t hdr, inout local_metadata_t meta) {
    apply {
        verify_checksum(hdr.ipv4.isValid() && hdr.ipv4.ihl == 4w5,
            { hdr.ipv4.version,
              hdr.ipv4.ihl,
              hdr.ipv4.dscp,
              hdr.ipv4.ecn,
              hdr.ipv4.total_len,
              hdr.ipv4.identification,
              hdr.ipv4.flags,
              hdr.ipv4.frag_offset,
              hdr.ipv4.ttl,
              hdr.ipv4.protocol,
              hdr.ipv4.src_addr,
              hdr.ipv4.dst_addr },
            hdr.ipv4.hdr_checksum,
            HashAlgorithm.csum16);
    }
}

control VtepComputeChecksum(inout headers_t hdr, inout local_metadata_t meta) {
    apply {
        update_checksum(hdr.encap_ipv4.isValid(),
            { hdr.encap_ipv4.version,
              hdr.encap_ipv4.ihl,
              hdr.encap_ipv4.dscp,
              hdr.encap_ipv4.ecn,
              hdr.encap_ipv4.total_len,
              hdr.encap_ipv4.identification,
              hdr.encap_ipv4.flags,
              hdr.encap_ipv4.frag_offset,
              hdr.encap_ipv4.ttl,
              hdr.encap_ipv4.protocol,
              hdr.encap_ipv4.src_addr,
              hdr.encap_ipv4.dst_addr },
            hdr.encap_ipv4.hdr_checksum,
            HashAlgorithm.csum16);
        update_checksum(hdr.ipv4.isValid() && meta.fwd.routed == 1w1,
            { hdr.ipv4.version,
              hdr.ipv4.ihl,
              hdr.ipv4.dscp,
              hdr.ipv4.ecn,
              hdr.ipv4.total_len,
              hdr.ipv4.identification,
              hdr.ipv4.flags,
              hdr.ipv4.frag_offset,
              hdr.ipv4.ttl,
              hdr.ipv4.protocol,
              hdr.ipv4.src_addr,
              hdr.ipv4.dst_addr },
            hdr.ipv4.hdr_checksum,
            HashAlgorithm.csum16);
    }
}

#endif
