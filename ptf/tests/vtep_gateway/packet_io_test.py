"""Controller packet I/O (docs/pipeline.md 6).

The agent answers ARP for our tunnel IPs and handles BFD and Geneve OAM
itself, so those frames must reach it as packet-ins with the right reason
and the frame as received; its packet-outs must leave the given port as they
are. These tests need the target's CPU port to be the program's CPU_PORT."""

from vtep_base import (
    BFD_DMAC,
    PUNT_GENEVE_OAM,
    PUNT_TUNNEL_BFD,
    PUNT_TUNNEL_IP,
    PUNT_UNDERLAY_ARP,
    SPINE_MAC,
    TUNNEL_IP,
    TUNNEL_NONE,
    UPLINK,
    VTEP_A,
    VTEP_B,
    VtepGatewayTest,
    as_binding,
    geneve,
    host_mac,
    tenant_udp,
    vxlan,
)

H1, H2 = host_mac(0x71), host_mac(0x72)
VNI = 5001


class PacketIoTestBase(VtepGatewayTest):
    def setUp(self):
        super().setUp()
        self.require_cpu_port()
        self.standard_ports()
        self.tunnel_ip()
        self.logical_switch(1, VNI)
        self.b1 = self.bind(1, 1, 10, 1)
        self.local_mac(H1, self.b1)
        self.vtep_a = self.remote_vtep(1, VTEP_A, "vxlan")
        self.vtep_b = self.remote_vtep(2, VTEP_B, "geneve")

    def assert_punted(self, port, frame, reason):
        self.send(port, frame)
        meta, payload = self.packet_in()
        self.assertEqual((meta.get("ingress_port"), meta.get("reason")), (port, reason))
        self.assertEqual(payload, frame, "the frame as received")
        self.expect_nothing()


class PacketOutLeavesUnchanged(PacketIoTestBase):
    """A packet-out leaves the given port byte for byte, whatever the port's
    role or bindings, and is counted on no binding."""

    def runTest(self):
        frame = tenant_udp(H2, H1)
        tagged = as_binding(frame, 99)
        with self.counter_delta("binding_tx", 1) as tx:
            self.packet_out(tagged, egress_port=1)
            self.expect([(1, tagged)])
            self.packet_out(frame, egress_port=UPLINK)
            self.expect([(UPLINK, frame)])
        self.assertEqual(tx.delta, (0, 0))


class UnderlayArpPunted(PacketIoTestBase):
    """ARP on an uplink goes to the controller (UNDERLAY_ARP); ARP on an
    access port is tenant traffic and is not punted."""

    def runTest(self):
        from arp_test import arp_request

        arp = arp_request(sha=SPINE_MAC, spa="198.18.0.254", tpa=TUNNEL_IP)
        self.assert_punted(UPLINK, arp, PUNT_UNDERLAY_ARP)
        b2 = self.bind(2, 2, 0, 1)
        self.flood_group(1, [self.b1, b2])
        tenant_arp = arp_request(sha=H2, spa="192.0.2.2", tpa="192.0.2.1")
        self.send(2, tenant_arp)
        self.expect([(1, as_binding(tenant_arp, 10))])
        self.assertTrue(self.client.packet_ins.empty())


class TunnelIpPunted(PacketIoTestBase):
    """tunnel_term punt_to_cpu (e.g. ICMP to our tunnel IP) sends the packet
    to the controller (TUNNEL_IP)."""

    def runTest(self):
        from scapy.layers.inet import ICMP, IP
        from scapy.layers.l2 import Ether

        self.insert_table_entry("tunnel_term", {"dst_ip": TUNNEL_IP, "tunnel_type": TUNNEL_NONE}, "punt_to_cpu")
        ping = bytes(Ether(dst="02:00:00:00:00:fe", src=SPINE_MAC) / IP(src=VTEP_A, dst=TUNNEL_IP) / ICMP()
                     / (b"x" * 20))
        self.assert_punted(UPLINK, ping, PUNT_TUNNEL_IP)


class BfdAndOamPunted(PacketIoTestBase):
    """BFD inside VXLAN from a known VTEP (TUNNEL_BFD) and Geneve with the O
    bit (GENEVE_OAM) go to the controller, tunnel headers included; the same
    BFD from an unknown source drops (anti-spoofing first); a normal frame in
    the same tunnel is delivered."""

    def runTest(self):
        bfd = tenant_udp(BFD_DMAC, "02:00:00:00:0a:01", ip_src=VTEP_A, ip_dst=TUNNEL_IP, dport=3784)
        self.assert_punted(UPLINK, vxlan(bfd, VTEP_A, TUNNEL_IP, 0), PUNT_TUNNEL_BFD)
        with self.expect_drops(ingress={"REMOTE_VTEP_UNKNOWN": 1}):
            self.send(UPLINK, vxlan(bfd, "198.18.9.9", TUNNEL_IP, 0))
            self.expect_nothing()
        inner = tenant_udp(H1, H2)
        self.assert_punted(UPLINK, geneve(inner, VTEP_B, TUNNEL_IP, VNI, oam=1), PUNT_GENEVE_OAM)
        self.send(UPLINK, geneve(inner, VTEP_B, TUNNEL_IP, VNI))
        self.expect([(1, as_binding(inner, 10))])
