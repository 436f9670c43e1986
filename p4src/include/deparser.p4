/*
 * deparser.p4: emit order.  packet_in first (stripped by the target on the
 * CPU port), then the encapsulation we add, then the frame as parsed.
 */
#ifndef _VTEP_DEPARSER_P4_
#define _VTEP_DEPARSER_P4_

#include "header.p4"

control VtepDeparser(packet_out packet, in headers_t hdr) {
    apply {
        packet.emit(hdr.packet_in);
        packet.emit(hdr.encap_ethernet);
        packet.emit(hdr.encap_ipv4);
        packet.emit(hdr.encap_udp);
        packet.emit(hdr.encap_vxlan);
        packet.emit(hdr.encap_geneve);
        packet.emit(hdr.encap_geneve_opt);
        packet.emit(hdr.ethernet);
        packet.emit(hdr.vlan);
        packet.emit(hdr.arp);
        packet.emit(hdr.ipv4);
        packet.emit(hdr.icmp);
        packet.emit(hdr.tcp);
        packet.emit(hdr.udp);
        packet.emit(hdr.vxlan);
        packet.emit(hdr.geneve);
        packet.emit(hdr.geneve_opts);
        packet.emit(hdr.inner_ethernet);
        packet.emit(hdr.inner_arp);
        packet.emit(hdr.inner_ipv4);
        packet.emit(hdr.inner_icmp);
        packet.emit(hdr.inner_tcp);
        packet.emit(hdr.inner_udp);
    }
}

#endif
