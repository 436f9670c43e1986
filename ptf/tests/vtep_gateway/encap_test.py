"""Encapsulation towards remote VTEPs (docs/pipeline.md 3.12, 3.13, 3.15, 7).

The gateway's VXLAN must be what an OVS hypervisor accepts: outer MACs from
the underlay next hop, IPv4 TTL 64 with DF and a valid checksum, UDP to 4789
with checksum 0 and an entropy source port, the logical switch's VNI, and the
tenant frame byte for byte without the access VLAN tag."""

from scapy.contrib.geneve import GENEVE
from scapy.layers.inet import IP, UDP
from scapy.layers.l2 import Ether
from scapy.layers.vxlan import VXLAN
from vtep_base import (
    GW_UPLINK_MAC,
    SPINE2_MAC,
    SPINE_MAC,
    TUNNEL_IP,
    UPLINK,
    VTEP_A,
    VTEP_B,
    VtepGatewayTest,
    encapsulated,
    flow_hash,
    host_mac,
    ipv4_checksum_ok,
    tenant_tcp,
    tenant_udp,
    vxlan,
    with_vlan,
)

H_LOCAL, H_REMOTE_A, H_REMOTE_B = host_mac(0x10), host_mac(0xA0), host_mac(0xB0)
VNI = 5001


class EncapTestBase(VtepGatewayTest):
    """LS 1 (VNI 5001): binding 1 = port 0 VLAN 10 with H_LOCAL; H_REMOTE_A
    behind VTEP A (VXLAN, tunnel 1), H_REMOTE_B behind VTEP B (Geneve with
    the source binding option, tunnel 2). Ports 0, 1 access, 2 and 3 uplinks."""

    def setUp(self):
        super().setUp()
        self.access_port(0, 1)
        self.uplink_port(2, UPLINK)
        self.uplink_nexthop(UPLINK, GW_UPLINK_MAC, SPINE_MAC)
        self.tunnel_ip()
        self.logical_switch(1, VNI)
        self.b = self.bind(1, 0, 10, 1)
        self.local_mac(H_LOCAL, self.b)
        self.vtep_a = self.remote_vtep(1, VTEP_A, "vxlan")
        self.vtep_b = self.remote_vtep(2, VTEP_B, "geneve_src_binding")
        self.remote_mac(1, H_REMOTE_A, self.vtep_a)
        self.remote_mac(1, H_REMOTE_B, self.vtep_b)


class VxlanAsOvsExpects(EncapTestBase):
    """Every field of the outer headers, decoded by scapy as a hypervisor
    would, for a few flows; the UDP source port is per flow and in 49152..65535."""

    def runTest(self):
        self.underlay_route("198.18.0.0", 15, [(UPLINK, GW_UPLINK_MAC, SPINE_MAC)])
        sports = set()
        for i in range(6):
            frame = tenant_tcp(H_REMOTE_A, H_LOCAL, ip_dst="192.0.2.200", sport=40000 + i, pktlen=100 + i)
            with self.counter_delta("remote_vtep_tx", 1) as tx:
                self.send(0, with_vlan(frame, 10, pcp=4))
                [(port, out)] = self.receive_all(1)
            self.assertEqual(port, UPLINK)
            self.assertEqual(tx.delta[0], 1)
            pkt = Ether(out)
            self.assertEqual((pkt.dst, pkt.src, pkt.type), (SPINE_MAC, GW_UPLINK_MAC, 0x0800))
            ip = pkt[IP]
            self.assertEqual((ip.version, ip.ihl, ip.tos, ip.id, int(ip.flags), ip.frag, ip.ttl, ip.proto),
                             (4, 5, 0, 0, 2, 0, 64, 17), "outer IPv4 ihl/tos/id/DF/frag/ttl/proto")
            self.assertEqual((ip.src, ip.dst), (TUNNEL_IP, VTEP_A))
            self.assertEqual(ip.len, len(out) - 14)
            self.assertTrue(ipv4_checksum_ok(out[14:34]), "outer IPv4 checksum")
            udp = pkt[UDP]
            self.assertEqual((udp.dport, udp.chksum, udp.len), (4789, 0, len(out) - 34))
            self.assertGreaterEqual(udp.sport, 49152)
            self.assertEqual(udp.sport, 0xC000 | flow_hash(frame), "source port = 0xC000 | crc16 flow hash")
            sports.add(udp.sport)
            vx = pkt[VXLAN]
            self.assertEqual((int(vx.flags), vx.vni, vx.reserved1, vx.reserved2), (0x08, VNI, 0, 0))
            self.assertEqual(bytes(vx.payload), frame, "inner frame byte-exact, without the access tag")
            # same flow again: same source port (per-flow entropy, no reordering)
            self.send(0, with_vlan(frame, 10, pcp=4))
            [(_, again)] = self.receive_all(1)
            self.assertEqual(Ether(again)[UDP].sport, udp.sport)
        self.assertGreater(len(sports), 1, "the source port must depend on the flow")


class GeneveWithSourceBinding(EncapTestBase):
    """Geneve encap: version 0, protocol 0x6558, VNI, and our option carrying
    the source binding id; plain encap_geneve has no option."""

    def runTest(self):
        self.underlay_route("198.18.0.0", 15, [(UPLINK, GW_UPLINK_MAC, SPINE_MAC)])
        frame = tenant_udp(H_REMOTE_B, H_LOCAL)
        self.send(0, with_vlan(frame, 10))
        [(port, out)] = self.receive_all(1)
        self.assertEqual(port, UPLINK)
        g = Ether(out)[GENEVE]
        self.assertEqual((g.version, g.optionlen, g.oam, g.critical, g.proto, g.vni), (0, 2, 0, 0, 0x6558, VNI))
        self.assertEqual(bytes(g)[8:16], bytes.fromhex("ff010101") + (1).to_bytes(2, "big") + b"\0\0")
        self.assertEqual(out[-len(frame):], frame)
        self.expect([(UPLINK, encapsulated(frame, self.vtep_b, VNI, src_binding=1))], got=[(port, out)])
        self.assertTrue(ipv4_checksum_ok(out[14:34]))
        # the same VTEP as plain Geneve
        vtep_c = self.remote_vtep(3, "198.18.3.3", "geneve")
        self.remote_mac(1, host_mac(0xC0), vtep_c)
        frame_c = tenant_udp(host_mac(0xC0), H_LOCAL)
        self.send(0, with_vlan(frame_c, 10))
        self.expect([(UPLINK, encapsulated(frame_c, vtep_c, VNI))])


class UnderlayRouteMissDropped(EncapTestBase):
    """Known unicast to a VTEP without an underlay route drops
    (UNDERLAY_ROUTE_MISS 27); a route covering it makes it go out."""

    def runTest(self):
        frame = tenant_udp(H_REMOTE_A, H_LOCAL)
        with self.expect_drops(ingress={"UNDERLAY_ROUTE_MISS": 1}):
            self.send(0, with_vlan(frame, 10))
            self.expect_nothing()
        self.underlay_route("198.18.1.0", 24, [(UPLINK, GW_UPLINK_MAC, SPINE_MAC)])
        self.send(0, with_vlan(frame, 10))
        self.expect([(UPLINK, encapsulated(frame, self.vtep_a, VNI))])
        frame_b = tenant_udp(H_REMOTE_B, H_LOCAL)  # 198.18.2.1 is not in 198.18.1.0/24
        with self.expect_drops(ingress={"UNDERLAY_ROUTE_MISS": 1}):
            self.send(0, with_vlan(frame_b, 10))
            self.expect_nothing()


class EcmpOverTwoUplinks(EncapTestBase):
    """An underlay route with two next hops spreads flows over both uplinks,
    each with its own outer MACs, and keeps each flow on one uplink."""

    def runTest(self):
        self.underlay_route("198.18.0.0", 15, [(2, "02:00:00:00:00:fd", SPINE2_MAC),
                                               (UPLINK, GW_UPLINK_MAC, SPINE_MAC)])
        macs = {2: ("02:00:00:00:00:fd", SPINE2_MAC), UPLINK: (GW_UPLINK_MAC, SPINE_MAC)}
        used = {}
        for i in range(24):
            frame = tenant_udp(H_REMOTE_A, H_LOCAL, sport=1000 + 7 * i)
            self.send(0, with_vlan(frame, 10))
            [(port, out)] = self.receive_all(1)
            self.assertIn(port, macs)
            vtep = self.vtep_a
            self.expect([(port, encapsulated(frame, vtep, VNI, smac=macs[port][0], dmac=macs[port][1]))],
                         got=[(port, out)])
            used[i] = port
            self.send(0, with_vlan(frame, 10))
            [(port2, _)] = self.receive_all(1)
            self.assertEqual(port2, port, "a flow must stay on one uplink")
        self.assertEqual(set(used.values()), {2, UPLINK}, "both ECMP members must carry flows")


class TunnelToTunnelUnicastDropped(EncapTestBase):
    """Known unicast from one VTEP to a MAC behind another is not relayed
    (SPLIT_HORIZON 25); to a local MAC it is delivered."""

    def runTest(self):
        self.underlay_route("198.18.0.0", 15, [(UPLINK, GW_UPLINK_MAC, SPINE_MAC)])
        to_b = tenant_udp(H_REMOTE_B, H_REMOTE_A)
        with self.expect_drops(ingress={"SPLIT_HORIZON": 1}):
            self.send(UPLINK, vxlan(to_b, VTEP_A, TUNNEL_IP, VNI))
            self.expect_nothing()
        to_local = tenant_udp(H_LOCAL, H_REMOTE_A)
        self.send(UPLINK, vxlan(to_local, VTEP_A, TUNNEL_IP, VNI))
        self.expect([(0, with_vlan(to_local, 10))])


class TunnelEncapMissDropped(EncapTestBase):
    """A dmac entry to a tunnel id without tunnel_encap drops in egress
    (TUNNEL_ENCAP_MISS 31)."""

    def runTest(self):
        self.underlay_route("198.18.0.0", 15, [(UPLINK, GW_UPLINK_MAC, SPINE_MAC)])
        ghost = host_mac(0xEE)
        self.insert_table_entry("dmac", {"ls_id": 1, "dst_mac": ghost}, "forward_to_tunnel",
                                {"tunnel_id": 99, "remote_ip": "198.18.9.9"})
        with self.expect_drops(egress={"TUNNEL_ENCAP_MISS": 1}):
            self.send(0, with_vlan(tenant_udp(ghost, H_LOCAL), 10))
            self.expect_nothing()
        frame = tenant_udp(H_REMOTE_A, H_LOCAL)
        self.send(0, with_vlan(frame, 10))
        self.expect([(UPLINK, encapsulated(frame, self.vtep_a, VNI))])


class FloodReplicaCarriesSourceBinding(EncapTestBase):
    """A flood replica to a Geneve VTEP with the source-binding option
    carries the binding the frame came in on (binding 1 here, 2 from the
    other binding), so the receiver knows its logical source port."""

    def runTest(self):
        b2 = self.bind(2, 1, 0, 1)
        self.flood_group(1, [self.b, b2], [self.vtep_b])
        frame = tenant_udp("ff:ff:ff:ff:ff:ff", H_LOCAL)
        self.send(0, with_vlan(frame, 10))
        self.expect([(1, frame), (UPLINK, encapsulated(frame, self.vtep_b, VNI, src_binding=1))])
        other = tenant_udp("ff:ff:ff:ff:ff:ff", host_mac(0x12))
        self.send(1, other)
        self.expect([(0, with_vlan(other, 10)), (UPLINK, encapsulated(other, self.vtep_b, VNI, src_binding=2))])


class UnderlayRouteToSingleMember(EncapTestBase):
    """An underlay_nexthop entry may point at one member instead of a group;
    the longest prefix wins over a covering group route."""

    def runTest(self):
        from p4info_helper import action_profile_member, entity

        self.underlay_route("198.18.0.0", 15, [(2, "02:00:00:00:00:fd", SPINE2_MAC)], group_id=5)
        self.insert(action_profile_member(self.helper, "underlay_ecmp_selector", 50, "set_underlay_nexthop",
                                          {"port": UPLINK, "src_mac": GW_UPLINK_MAC, "dst_mac": SPINE_MAC}))
        te = self.helper.table_entry("underlay_nexthop", {"remote_ip": (VTEP_A, 32)}, member_id=50)
        self.insert(entity(table_entry=te))
        to_a = tenant_udp(H_REMOTE_A, H_LOCAL)
        self.send(0, with_vlan(to_a, 10))
        self.expect([(UPLINK, encapsulated(to_a, self.vtep_a, VNI))])
        to_b = tenant_udp(H_REMOTE_B, H_LOCAL)
        self.send(0, with_vlan(to_b, 10))
        self.expect([(2, encapsulated(to_b, self.vtep_b, VNI, smac="02:00:00:00:00:fd", dmac=SPINE2_MAC,
                                      src_binding=1))])
