"""Port roles and access bindings (docs/pipeline.md 3.1, 3.2, 3.14, 8, 10).

A bare-metal host reaches its logical switch only through a (port, VLAN)
binding: ports without a role and unbound VLANs must be dropped (and counted),
tagged and untagged bindings share a port, and the tag is popped at ingress
and the egress binding's pushed, so every VLAN direction works."""

from vtep_base import (
    ACCESS_PORTS,
    BROADCAST,
    UPLINK,
    VtepGatewayTest,
    as_binding,
    host_mac,
    tenant_raw,
    tenant_udp,
    with_vlan,
)

H1, H2, H3, H4 = host_mac(1), host_mac(2), host_mac(3), host_mac(4)


class PortWithoutRoleDrops(VtepGatewayTest):
    """A port gwctl has not given a role drops everything (code 1); the same
    frame on a port with a role and a binding is forwarded."""

    def runTest(self):
        self.logical_switch(1, 5001)
        b0 = self.bind(1, 0, 0, 1)
        b2 = self.bind(2, 2, 0, 1)
        self.local_mac(H2, b2)
        self.local_mac(H1, b0)
        frame = tenant_udp(H2, H1)
        with self.expect_drops(ingress={"PORT_NO_ROLE": 1}):
            self.send(0, frame)
            self.expect_nothing()
        self.access_port(0, 2)
        with self.expect_drops():
            self.send(0, frame)
            self.expect([(2, frame)])


class TaggedAndUntaggedBindingsOnOnePort(VtepGatewayTest):
    """Port 0 untagged is in LS 1, port 0 VLAN 10 is in LS 2: each frame
    reaches only its own switch, untagged on port 1 / tagged 20 on port 2."""

    def runTest(self):
        self.access_port(*ACCESS_PORTS)
        self.logical_switch(1, 5001)
        self.logical_switch(2, 5002)
        self.bind(1, 0, 0, 1)
        self.bind(2, 0, 10, 2)
        b_ls1 = self.bind(3, 1, 0, 1)
        b_ls2 = self.bind(4, 2, 20, 2)
        self.local_mac(H3, b_ls1)
        self.local_mac(H4, b_ls2)
        # H3 lives in LS 1 only, H4 in LS 2 only; send each from both bindings of port 0
        to_h3 = tenant_udp(H3, H1)
        to_h4 = tenant_udp(H4, H2)
        self.send(0, to_h3)
        self.expect([(1, to_h3)])
        self.send(0, with_vlan(to_h4, 10))
        self.expect([(2, with_vlan(to_h4, 20))])
        # the other way round the MACs are unknown in the switch: they flood, without groups they drop
        self.flood_group(1, [b_ls1])
        self.flood_group(2, [b_ls2])
        self.send(0, with_vlan(to_h3, 10))  # LS 2: H3 unknown -> flood in LS 2 only
        self.expect([(2, with_vlan(to_h3, 20))])
        self.send(0, to_h4)  # LS 1: H4 unknown -> flood in LS 1 only
        self.expect([(1, to_h4)])


class UnboundVlanDropped(VtepGatewayTest):
    """A VLAN without a binding on the port drops with VLAN_UNBOUND (3) and
    counts nothing on the port's other bindings; the bound VLAN passes."""

    def runTest(self):
        self.access_port(*ACCESS_PORTS)
        self.logical_switch(1, 5001)
        b = self.bind(1, 0, 10, 1)
        out = self.bind(2, 1, 0, 1)
        self.local_mac(H2, out)
        frame = tenant_udp(H2, H1)
        with self.expect_drops(ingress={"VLAN_UNBOUND": 3}), \
                self.counter_delta("binding_rx", b.binding_id) as rx:
            self.send(0, with_vlan(frame, 11))
            self.send(0, frame)  # untagged: not bound either
            self.send(2, with_vlan(frame, 10))  # VLAN 10 of another port
            self.expect_nothing()
        self.assertEqual(rx.delta, (0, 0))
        self.send(0, with_vlan(frame, 10))
        self.expect([(1, frame)])


class PriorityTaggedIsUntagged(VtepGatewayTest):
    """VID 0 with a PCP (priority tagged) is the untagged binding."""

    def runTest(self):
        self.access_port(*ACCESS_PORTS)
        self.logical_switch(1, 5001)
        self.bind(1, 0, 0, 1)
        out = self.bind(2, 1, 30, 1)
        self.local_mac(H2, out)
        frame = tenant_udp(H2, H1)
        self.send(0, with_vlan(frame, 0, pcp=5))
        self.expect([(1, with_vlan(frame, 30, pcp=5))])


class VlanPushPopRewrite(VtepGatewayTest):
    """Unicast between every pair of binding kinds: untagged->tagged (push),
    tagged->untagged (pop), tagged->other tag (rewrite, PCP kept), and between
    two VLANs of the same port (hairpin through the switch)."""

    def runTest(self):
        self.access_port(*ACCESS_PORTS)
        self.logical_switch(1, 5001)
        untagged = self.bind(1, 0, 0, 1)
        tagged10 = self.bind(2, 1, 10, 1)
        tagged20 = self.bind(3, 2, 20, 1)
        tagged30 = self.bind(4, 2, 30, 1)  # same port as VLAN 20
        hosts = {untagged: H1, tagged10: H2, tagged20: H3, tagged30: H4}
        for b, mac in hosts.items():
            self.local_mac(mac, b)
        for src, smac in hosts.items():
            for dst, dmac in hosts.items():
                if src == dst:
                    continue
                frame = tenant_udp(dmac, smac, pktlen=90)
                pcp = 3 if src.vid else 0
                self.send(src.port, as_binding(frame, src.vid, pcp))
                self.expect([(dst.port, as_binding(frame, dst.vid, pcp if dst.vid else 0))])


class NonIpFramesAreBridged(VtepGatewayTest):
    """Any ethertype is bridged unchanged (IPv6, experimental), with the tag rewritten."""

    def runTest(self):
        self.access_port(*ACCESS_PORTS)
        self.logical_switch(1, 5001)
        self.bind(1, 0, 7, 1)
        out = self.bind(2, 1, 0, 1)
        self.local_mac(H2, out)
        for ethertype in (0x86DD, 0x88B5, 0x0806):
            frame = tenant_raw(H2, H1, ethertype)
            self.send(0, with_vlan(frame, 7))
            self.expect([(1, frame)])


class SameBindingUnicastDropped(VtepGatewayTest):
    """Bridged unicast to the MAC's own binding goes nowhere (SAME_BINDING 24);
    to another binding of the same port it is forwarded."""

    def runTest(self):
        self.access_port(*ACCESS_PORTS)
        self.logical_switch(1, 5001)
        b = self.bind(1, 0, 10, 1)
        other = self.bind(2, 0, 20, 1)
        self.local_mac(H1, b)
        self.local_mac(H2, b)
        self.local_mac(H3, other)
        with self.expect_drops(ingress={"SAME_BINDING": 1}):
            self.send(0, with_vlan(tenant_udp(H2, H1), 10))
            self.expect_nothing()
        frame = tenant_udp(H3, H1)
        self.send(0, with_vlan(frame, 10))
        self.expect([(0, with_vlan(frame, 20))])


class BindingCounters(VtepGatewayTest):
    """binding_rx counts what a binding receives, binding_tx what it sends
    (Logical_Binding_Stats); an unbound frame counts on no binding."""

    def runTest(self):
        self.access_port(*ACCESS_PORTS)
        self.logical_switch(1, 5001)
        b_in = self.bind(11, 0, 10, 1)
        b_out = self.bind(12, 1, 0, 1)
        self.local_mac(H2, b_out)
        frame = tenant_udp(H2, H1, pktlen=100)
        with self.counter_delta("binding_rx", 11) as rx, self.counter_delta("binding_tx", 12) as tx, \
                self.counter_delta("binding_rx", 12) as rx_out, self.counter_delta("binding_tx", 11) as tx_in:
            for _ in range(3):
                self.send(0, with_vlan(frame, 10))
                self.expect([(1, frame)])
            self.send(0, with_vlan(frame, 99))  # unbound
            self.expect_nothing()
        self.assertEqual(rx.delta[0], 3, "binding_rx packets")
        self.assertEqual(tx.delta[0], 3, "binding_tx packets")
        # BMv2 counts the frame's ingress length (tagged, 104 bytes) in ingress and in egress
        self.assertEqual(rx.delta[1], 3 * 104, "binding_rx bytes")
        self.assertEqual(tx.delta[1], 3 * 104, "binding_tx bytes")
        self.assertEqual((rx_out.delta, tx_in.delta), ((0, 0), (0, 0)))
        self.assertNotEqual(UPLINK, b_in.port)


class UplinkFrameThatIsNotATunnelDropped(VtepGatewayTest):
    """An uplink only accepts tunnels and ARP: other ethertypes drop with
    UPLINK_NOT_TUNNEL (4); a broadcast on an access port is flooded."""

    def runTest(self):
        self.access_port(*ACCESS_PORTS)
        self.uplink_port(UPLINK)
        self.logical_switch(1, 5001)
        b0 = self.bind(1, 0, 0, 1)
        b1 = self.bind(2, 1, 0, 1)
        self.flood_group(1, [b0, b1])
        frame = tenant_raw(BROADCAST, H1, 0x86DD)
        with self.expect_drops(ingress={"UPLINK_NOT_TUNNEL": 1}):
            self.send(UPLINK, frame)
            self.expect_nothing()
        with self.expect_drops(egress={"SOURCE_PRUNE": 1}):
            self.send(0, frame)
            self.expect([(1, frame)])


class ConstDefaultActionsAreFixed(VtepGatewayTest):
    """The drop defaults are const: a controller cannot turn "no role" into
    "access port" or "unbound" into a binding by modifying the default."""

    def runTest(self):
        from p4rt_client import P4RuntimeWriteError

        for table, action in (("port_role", "set_access_port"), ("egress_binding", "drop_unknown_binding")):
            with self.assertRaises(P4RuntimeWriteError, msg=table):
                self.set_default_action(table, action)
        self.access_port(0)  # writing the table itself works
