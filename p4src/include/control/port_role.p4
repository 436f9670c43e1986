/*
 * port_role.p4: what a front-panel port is.  Access ports face bare-metal
 * hosts (tagged or untagged), uplinks face the underlay.  A port without a
 * role drops everything (DROP_PORT_NO_ROLE).  The CPU port never gets here
 * (packet_out).
 */
#ifndef _VTEP_CONTROL_PORT_ROLE_P4_
#define _VTEP_CONTROL_PORT_ROLE_P4_

control PortRole(inout headers_t hdr,
                 inout local_metadata_t meta,
                 inout standard_metadata_t standard_metadata) {

    action set_access_port() {
        meta.fwd.port_role = PORT_ROLE_ACCESS;
    }

    action set_uplink_port() {
        meta.fwd.port_role = PORT_ROLE_UPLINK;
    }

    action drop_no_role() {
        meta.fwd.drop_reason = DROP_PORT_NO_ROLE;
    }

    table port_role {
        key = {
            standard_metadata.ingress_port : exact @name("ingress_port");
        }
        actions = {
            set_access_port;
            set_uplink_port;
            @defaultonly drop_no_role;
        }
        const default_action = drop_no_role();
        size = PORT_TABLE_SIZE;
    }

    apply {
        meta.fwd.ingress_port = standard_metadata.ingress_port;
        meta.fwd.frame_len = (bit<16>)standard_metadata.packet_length;
        if (!hdr.ethernet.isValid()) {
            meta.fwd.drop_reason = DROP_PARSER_ERROR;   /* runt frame */
        } else {
            port_role.apply();
        }
    }
}

#endif
