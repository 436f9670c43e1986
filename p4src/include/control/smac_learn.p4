/*
 * smac_learn.p4: source MAC learning on local bindings.  Key (logical switch,
 * source MAC, binding): a miss sends a mac_learn_digest_t digest, so a new
 * MAC and a MAC that moved to another binding (or VLAN) are both reported.
 * gwctl answers with a Ucast_Macs_Local row, this table's entry and the dmac
 * entry.  Multicast source MACs are never learnt.
 * Ageing: the table supports idle timeouts.  gwctl may give entries an
 * idle_timeout_ns; every packet from the MAC on that binding refreshes it,
 * and an entry that expires is reported (P4Runtime IdleTimeoutNotification)
 * so gwctl can remove the Ucast_Macs_Local row and the dmac entry.
 */
#ifndef _VTEP_CONTROL_SMAC_LEARN_P4_
#define _VTEP_CONTROL_SMAC_LEARN_P4_

control SmacLearn(inout headers_t hdr,
                  inout local_metadata_t meta,
                  inout standard_metadata_t standard_metadata) {

    action mac_known() {
    }

    action learn_mac() {
        digest<mac_learn_digest_t>(MAC_LEARN_RECEIVER,
            { meta.fwd.ls_id,
              hdr.ethernet.src_addr,
              meta.fwd.ingress_port,
              meta.fwd.in_vid,
              meta.fwd.in_binding });
    }

    table smac_learn {
        key = {
            meta.fwd.ls_id        : exact @name("ls_id");
            hdr.ethernet.src_addr : exact @name("src_mac");
            meta.fwd.in_binding   : exact @name("binding_id");
        }
        actions = {
            mac_known;
            @defaultonly learn_mac;
        }
        const default_action = learn_mac();
        size = MAC_TABLE_SIZE;
        support_timeout = true;
    }

    apply {
        if (hdr.ethernet.src_addr[40:40] == 1w0) {
            smac_learn.apply();
        }
    }
}

#endif
