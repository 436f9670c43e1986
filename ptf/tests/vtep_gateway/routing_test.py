"""Routing between logical switches (docs/pipeline.md 3.9, 3.10).

A frame to the router MAC of its logical switch is routed: the target
switch, source MAC = router MAC there, destination = the host, TTL - 1 and a
correct checksum; anything the router cannot or must not route drops with
its reason. Frames not to the router MAC are bridged untouched."""

import struct

from scapy.layers.inet import IP
from scapy.layers.l2 import Ether
from vtep_base import (
    TUNNEL_IP,
    UPLINK,
    VTEP_A,
    VtepGatewayTest,
    as_binding,
    encapsulated,
    geneve,
    host_mac,
    ipv4_checksum_ok,
    tenant_raw,
    tenant_udp,
    vxlan,
)

H1, H2, H3, H5 = host_mac(0x51), host_mac(0x52), host_mac(0x53), host_mac(0x55)
RMAC1, RMAC2 = "02:00:00:00:aa:01", "02:00:00:00:aa:02"
H1_IP, H2_IP, H3_IP = "192.0.2.10", "198.51.100.20", "198.51.100.30"
VNI1, VNI2 = 5001, 5002


def routed(frame: bytes, src_mac: str, dst_mac: str) -> bytes:
    """The frame after one hop: new MACs, TTL - 1, checksum recomputed."""
    pkt = Ether(frame)
    pkt.src, pkt.dst = src_mac, dst_mac
    pkt[IP].ttl -= 1
    del pkt[IP].chksum
    return bytes(pkt)


class RoutingTestBase(VtepGatewayTest):
    """VRF 1 joins LS 1 (192.0.2.0/24, router MAC RMAC1) and LS 2
    (198.51.100.0/24, RMAC2). H1 on binding 1 (port 0 untagged, LS 1), H2 on
    binding 2 (port 1 VLAN 20, LS 2), H3 behind VTEP A in LS 2. LS 3 (port 2
    VLAN 30) is not attached to the router."""

    def setUp(self):
        super().setUp()
        self.standard_ports()
        self.standard_underlay()
        self.logical_switch(1, VNI1)
        self.logical_switch(2, VNI2)
        self.logical_switch(3, 5003)
        self.b1 = self.bind(1, 0, 0, 1)
        self.b2 = self.bind(2, 1, 20, 2)
        self.b3 = self.bind(3, 2, 30, 3)
        self.local_mac(H1, self.b1)
        self.local_mac(H2, self.b2)
        self.vtep_a = self.remote_vtep(1, VTEP_A)
        self.remote_mac(2, H3, self.vtep_a)
        self.router_interface(1, RMAC1, 1)
        self.router_interface(2, RMAC2, 1)
        self.route(1, H1_IP, 32, 1, RMAC1, H1)
        self.route(1, H2_IP, 32, 2, RMAC2, H2)
        self.route(1, H3_IP, 32, 2, RMAC2, H3)

    def assert_dropped(self, port, frame, reason):
        with self.expect_drops(ingress={reason: 1}):
            self.send(port, frame)
            self.expect_nothing()


class RoutedBetweenLocalBindings(RoutingTestBase):
    """H1 -> H2 and back: MACs rewritten, TTL decremented, checksum valid,
    VLAN popped/pushed for the target binding, payload unchanged."""

    def runTest(self):
        there = tenant_udp(RMAC1, H1, ip_src=H1_IP, ip_dst=H2_IP, ttl=64)
        self.send(0, there)
        [(port, out)] = self.receive_all(1)
        expected = as_binding(routed(there, RMAC2, H2), 20)
        self.expect([(1, expected)], got=[(port, out)])
        self.assertTrue(ipv4_checksum_ok(out[18:38]))
        self.assertEqual(Ether(out)[IP].ttl, 63)
        back = tenant_udp(RMAC2, H2, ip_src=H2_IP, ip_dst=H1_IP, ttl=10)
        self.send(1, as_binding(back, 20))
        self.expect([(0, routed(back, RMAC1, H1))])


class RoutedToAndFromRemoteHost(RoutingTestBase):
    """H1 -> H3 (remote, LS 2) leaves in VXLAN with LS 2's VNI; H3's answer
    arriving in VNI 5002 to RMAC2 is routed to H1."""

    def runTest(self):
        there = tenant_udp(RMAC1, H1, ip_src=H1_IP, ip_dst=H3_IP)
        self.send(0, there)
        self.expect([(UPLINK, encapsulated(routed(there, RMAC2, H3), self.vtep_a, VNI2))])
        back = tenant_udp(RMAC2, H3, ip_src=H3_IP, ip_dst=H1_IP, ttl=33)
        self.send(UPLINK, vxlan(back, VTEP_A, TUNNEL_IP, VNI2))
        self.expect([(0, routed(back, RMAC1, H1))])


class TtlExpiry(RoutingTestBase):
    """TTL 2 is routed with TTL 1; TTL 1 and 0 drop (TTL_EXPIRED 21), no ICMP."""

    def runTest(self):
        two = tenant_udp(RMAC1, H1, ip_src=H1_IP, ip_dst=H2_IP, ttl=2)
        self.send(0, two)
        self.expect([(1, as_binding(routed(two, RMAC2, H2), 20))])
        for ttl in (1, 0):
            self.assert_dropped(0, tenant_udp(RMAC1, H1, ip_src=H1_IP, ip_dst=H2_IP, ttl=ttl), "TTL_EXPIRED")


class RouteMissAndBlackhole(RoutingTestBase):
    """No route (ROUTE_MISS 22) and a blackhole entry drop; the route next to
    them works."""

    def runTest(self):
        self.insert_table_entry("ipv4_route", {"vrf_id": 1, "ipv4_dst": ("198.51.100.128", 25)}, "drop_route_miss")
        self.assert_dropped(0, tenant_udp(RMAC1, H1, ip_src=H1_IP, ip_dst="198.51.100.99"), "ROUTE_MISS")
        self.assert_dropped(0, tenant_udp(RMAC1, H1, ip_src=H1_IP, ip_dst="198.51.100.200"), "ROUTE_MISS")
        self.assert_dropped(0, tenant_udp(RMAC1, H1, ip_src=H1_IP, ip_dst="203.0.113.1"), "ROUTE_MISS")
        ok = tenant_udp(RMAC1, H1, ip_src=H1_IP, ip_dst=H2_IP)
        self.send(0, ok)
        self.expect([(1, as_binding(routed(ok, RMAC2, H2), 20))])


class UnroutablePacketsDropped(RoutingTestBase):
    """To the router MAC: non-IPv4 (ROUTER_NOT_IPV4 18), IPv4 with options
    (ROUTE_IPV4_OPTIONS 19), a bad header checksum (ROUTE_IPV4_CSUM 20). The
    same bad-checksum packet bridged is forwarded unchanged."""

    def runTest(self):
        self.assert_dropped(0, tenant_raw(RMAC1, H1, 0x86DD), "ROUTER_NOT_IPV4")
        opts = Ether(dst=RMAC1, src=H1) / IP(src=H1_IP, dst=H2_IP, options=b"\x01\x01\x01\x00") / (b"\x00" * 40)
        self.assert_dropped(0, bytes(opts), "ROUTE_IPV4_OPTIONS")
        good = tenant_udp(RMAC1, H1, ip_src=H1_IP, ip_dst=H2_IP)
        csum = struct.unpack("!H", good[24:26])[0]
        bad = good[:24] + struct.pack("!H", csum ^ 0x00FF) + good[26:]
        self.assert_dropped(0, bad, "ROUTE_IPV4_CSUM")
        bridged = tenant_udp(H1, H5, ip_src="192.0.2.55", ip_dst=H1_IP)
        bridged = bridged[:24] + struct.pack("!H", struct.unpack("!H", bridged[24:26])[0] ^ 0x00FF) + bridged[26:]
        self.bind(5, 0, 55, 1)
        self.send(0, as_binding(bridged, 55))
        self.expect([(0, bridged)])


class OnlyRouterMacIsRouted(RoutingTestBase):
    """A frame to H2's IP but to a bridged MAC is not routed (TTL and MACs
    untouched); the router MAC of LS 1 means nothing in LS 3, which the router
    does not join: there it is an unknown unicast flooded in LS 3 only."""

    def runTest(self):
        self.local_mac(H5, self.b1)
        bridged = tenant_udp(H5, H1, ip_src=H1_IP, ip_dst=H2_IP)
        b1b = self.bind(6, 0, 60, 1)
        self.send(0, as_binding(bridged, 60))
        self.expect([(0, bridged)])
        b3b = self.bind(7, 0, 70, 3)
        self.flood_group(3, [self.b3, b3b])
        stray = tenant_udp(RMAC1, H5, ip_src="203.0.113.5", ip_dst=H2_IP)
        self.send(2, as_binding(stray, 30))
        self.expect([(0, as_binding(stray, 70))])
        self.assertNotEqual(b1b, b3b)


class RoutedFromGeneveWithOptionsToVxlan(RoutingTestBase):
    """A packet from a Geneve VTEP with options (LS 1) routed to H3 behind
    VTEP A (VXLAN, LS 2) is re-encapsulated with the right lengths: the
    outer IPv4/UDP lengths count the tenant frame only, not the options
    it arrived with. (Routed traffic may go tunnel to tunnel.)"""

    def runTest(self):
        from vtep_base import geneve_option

        self.remote_vtep(2, "198.18.2.1", "geneve")
        frame = tenant_udp(RMAC1, host_mac(0x5A), ip_src="192.0.2.90", ip_dst=H3_IP, pktlen=120)
        options = geneve_option(0x0102, 0x10, b"\x11" * 8) + geneve_option(0x0103, 0x11, b"")
        self.send(UPLINK, geneve(frame, "198.18.2.1", TUNNEL_IP, VNI1, options=options))
        [(port, out)] = self.receive_all(1)
        self.expect([(UPLINK, encapsulated(routed(frame, RMAC2, H3), self.vtep_a, VNI2))], got=[(port, out)])
        self.assertEqual(Ether(out)[IP].len, len(out) - 14)
