/*
 * arp_suppress.p4: ARP suppression on local bindings.  An ARP request
 * (Ethernet/IPv4, neither gratuitous nor a 0.0.0.0 probe) for an IP the
 * control plane knows in the
 * logical switch (Ucast_Macs_Local/Remote.ipaddr, router interface IPs) is
 * answered by the switch out of the binding it came from:
 *   eth dst = request eth src, eth src = target MAC, oper = 2,
 *   sha = target MAC, spa = requested IP, tha = request sha, tpa = request spa;
 * the rest of the frame (padding) is kept, the VLAN tag is the binding's.
 * Unknown targets are not answered and flood like any broadcast.
 */
#ifndef _VTEP_CONTROL_ARP_SUPPRESS_P4_
#define _VTEP_CONTROL_ARP_SUPPRESS_P4_

control ArpSuppress(inout headers_t hdr,
                    inout local_metadata_t meta,
                    inout standard_metadata_t standard_metadata) {

    action arp_reply(mac_addr_t target_mac) {
        ipv4_addr_t requester_ip = hdr.arp.spa;
        hdr.ethernet.dst_addr = hdr.ethernet.src_addr;
        hdr.ethernet.src_addr = target_mac;
        hdr.arp.oper = ARP_OPER_REPLY;
        hdr.arp.tha = hdr.arp.sha;
        hdr.arp.sha = target_mac;
        hdr.arp.spa = hdr.arp.tpa;
        hdr.arp.tpa = requester_ip;
        meta.fwd.arp_reply = 1w1;
        meta.fwd.out_binding = meta.fwd.in_binding;
        standard_metadata.egress_spec = standard_metadata.ingress_port;
    }

    table arp_suppress {
        key = {
            meta.fwd.ls_id : exact @name("ls_id");
            hdr.arp.tpa    : exact @name("target_ip");
        }
        actions = {
            arp_reply;
            @defaultonly NoAction;
        }
        const default_action = NoAction();
        size = ARP_SUPPRESS_TABLE_SIZE;
    }

    apply {
        if (hdr.arp.isValid()) {
            if (hdr.arp.oper == ARP_OPER_REQUEST &&
                hdr.arp.htype == ARP_HTYPE_ETHERNET &&
                hdr.arp.ptype == ETHERTYPE_IPV4 &&
                hdr.arp.hlen == 8w6 && hdr.arp.plen == 8w4 &&
                hdr.arp.spa != hdr.arp.tpa &&
                hdr.arp.spa != 32w0) {
                arp_suppress.apply();
            }
        }
    }
}

#endif
