/*
 * packet_io.p4: controller packet I/O.
 *
 * PacketIoIngress: a frame from the controller (P4Runtime PacketOut) carries
 * packet_out.egress_port and leaves by that port as it is: no lookups, no
 * VLAN or tunnel processing, no counters (meta.fwd.bypass).
 * PacketIoEgress: a frame sent to the CPU port gets the packet_in header
 * (ingress port, PUNT_* reason), which the target strips into PacketIn
 * metadata.
 */
#ifndef _VTEP_CONTROL_PACKET_IO_P4_
#define _VTEP_CONTROL_PACKET_IO_P4_

control PacketIoIngress(inout headers_t hdr,
                        inout local_metadata_t meta,
                        inout standard_metadata_t standard_metadata) {
    apply {
        if (hdr.packet_out.isValid()) {
            standard_metadata.egress_spec = hdr.packet_out.egress_port;
            hdr.packet_out.setInvalid();
            meta.fwd.bypass = 1w1;
        }
    }
}

control PacketIoEgress(inout headers_t hdr,
                       inout local_metadata_t meta,
                       inout standard_metadata_t standard_metadata) {
    apply {
        hdr.packet_in.setValid();
        hdr.packet_in.ingress_port = meta.fwd.ingress_port;
        hdr.packet_in.reason = meta.fwd.punt_reason;
        hdr.packet_in._pad = 7w0;
    }
}

#endif
