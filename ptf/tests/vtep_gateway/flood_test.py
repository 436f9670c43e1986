"""BUM replication (docs/pipeline.md 3.11, 3.12, 3.16, 4).

Broadcast, unknown unicast and multicast go to the logical switch's flood
group: every local binding (with its own tag) and, with source-node
replication, every remote VTEP, but never back to the binding they came
from; what came from a tunnel goes to local bindings only (split horizon).
The pruned replicas are counted in the egress drop counter."""

from scapy.layers.inet import UDP
from scapy.layers.l2 import Ether
from vtep_base import (
    BROADCAST,
    TUNNEL_IP,
    UPLINK,
    VTEP_A,
    VTEP_B,
    VTEP_C,
    VtepGatewayTest,
    as_binding,
    encapsulated,
    geneve,
    host_mac,
    tenant_raw,
    tenant_udp,
    vxlan,
)

H1, H_REMOTE = host_mac(0x11), host_mac(0xA0)
VNI = 5001


class FloodTestBase(VtepGatewayTest):
    """LS 1 (VNI 5001, group 1) with four bindings: 1 = port 0 untagged,
    2 = port 1 VLAN 10, 3 = port 2 VLAN 20, 4 = port 0 VLAN 30 (a second
    binding on the port of binding 1); VTEP A (VXLAN) and B (Geneve)."""

    def setUp(self):
        super().setUp()
        self.standard_ports()
        self.standard_underlay()
        self.logical_switch(1, VNI)
        self.bindings = [self.bind(1, 0, 0, 1), self.bind(2, 1, 10, 1), self.bind(3, 2, 20, 1),
                         self.bind(4, 0, 30, 1)]
        self.vtep_a = self.remote_vtep(1, VTEP_A, "vxlan")
        self.vtep_b = self.remote_vtep(2, VTEP_B, "geneve")

    def local_copies(self, frame, exclude=None):
        return [(b.port, as_binding(frame, b.vid)) for b in self.bindings if b != exclude]


class SourceNodeReplication(FloodTestBase):
    """A broadcast from binding 1 reaches the three other bindings (tag of
    each, including the other VLAN of the same port) and one encapsulated copy
    per remote VTEP; the copy to binding 1 itself is pruned (SOURCE_PRUNE).
    Unknown unicast and multicast flood the same way."""

    def runTest(self):
        self.flood_group(1, self.bindings, [self.vtep_a, self.vtep_b])
        src = self.bindings[0]
        for dst in (BROADCAST, host_mac(0x99), "01:00:5e:00:00:fb"):
            frame = tenant_udp(dst, H1, ip_dst="192.0.2.255")
            with self.expect_drops(egress={"SOURCE_PRUNE": 1}), \
                    self.counter_delta("remote_vtep_tx", 1) as tx_a, \
                    self.counter_delta("remote_vtep_tx", 2) as tx_b:
                self.send(0, frame)
                got = self.expect(self.local_copies(frame, exclude=src)
                                  + [(UPLINK, encapsulated(frame, self.vtep_a, VNI)),
                                     (UPLINK, encapsulated(frame, self.vtep_b, VNI))])
            self.assertEqual((tx_a.delta[0], tx_b.delta[0]), (1, 1))
            for port, out in got:
                if port == UPLINK:
                    self.assertGreaterEqual(Ether(out)[UDP].sport, 49152)


class FloodFromTaggedBindingPrunesOnlyItself(FloodTestBase):
    """From binding 4 (port 0 VLAN 30) the flood still goes to binding 1 on
    the same port: pruning is per binding, not per port."""

    def runTest(self):
        self.flood_group(1, self.bindings, [self.vtep_a])
        frame = tenant_raw(BROADCAST, H1)
        with self.expect_drops(egress={"SOURCE_PRUNE": 1}):
            self.send(0, as_binding(frame, 30))
            self.expect(self.local_copies(frame, exclude=self.bindings[3])
                        + [(UPLINK, encapsulated(frame, self.vtep_a, VNI))])


class SplitHorizonFromTunnel(FloodTestBase):
    """BUM that arrives from a remote VTEP goes to every local binding and to
    no tunnel (SPLIT_HORIZON counted per pruned replica), for VXLAN and Geneve."""

    def runTest(self):
        self.flood_group(1, self.bindings, [self.vtep_a, self.vtep_b])
        frame = tenant_udp(BROADCAST, H_REMOTE, ip_dst="192.0.2.255")
        with self.expect_drops(egress={"SPLIT_HORIZON": 2}):
            self.send(UPLINK, vxlan(frame, VTEP_A, TUNNEL_IP, VNI))
            self.expect(self.local_copies(frame))
        with self.expect_drops(egress={"SPLIT_HORIZON": 2}):
            self.send(UPLINK, geneve(frame, VTEP_B, TUNNEL_IP, VNI))
            self.expect(self.local_copies(frame))


class ServiceNodeReplication(FloodTestBase):
    """With service-node replication the group holds one replica to the
    service node: local BUM goes to the local bindings and to the service node
    only, not to the other VTEPs."""

    def runTest(self):
        service = self.remote_vtep(3, VTEP_C, "vxlan")
        self.flood_group(1, self.bindings, [service])
        frame = tenant_udp(BROADCAST, H1)
        self.send(1, as_binding(frame, 10))
        self.expect(self.local_copies(frame, exclude=self.bindings[1])
                    + [(UPLINK, encapsulated(frame, service, VNI))])


class SpecificMulticastGroup(FloodTestBase):
    """A multicast MAC with its own Mcast_Macs rows (forward_to_group) goes to
    its group's members only; other multicast MACs use the flood group."""

    def runTest(self):
        self.flood_group(1, self.bindings, [self.vtep_a, self.vtep_b])
        self.flood_group(100, [self.bindings[2]], [self.vtep_b])
        mcast = "01:00:5e:01:02:03"
        self.insert_table_entry("dmac", {"ls_id": 1, "dst_mac": mcast}, "forward_to_group", {"mcast_grp": 100})
        frame = tenant_udp(mcast, H1, ip_dst="239.1.2.3")
        self.send(0, frame)
        self.expect([(2, as_binding(frame, 20)), (UPLINK, encapsulated(frame, self.vtep_b, VNI))])
        other = tenant_udp("01:00:5e:01:02:04", H1, ip_dst="239.1.2.4")
        self.send(0, other)
        self.expect(self.local_copies(other, exclude=self.bindings[0])
                    + [(UPLINK, encapsulated(other, self.vtep_a, VNI)),
                       (UPLINK, encapsulated(other, self.vtep_b, VNI))])


class NoFloodGroupDrops(FloodTestBase):
    """A logical switch with flood group 0 drops BUM (NO_FLOOD_GROUP 26) but
    still forwards known unicast."""

    def runTest(self):
        self.logical_switch(2, 5002, flood_group=0)
        b_in = self.bind(10, 1, 99, 2)
        b_out = self.bind(11, 2, 0, 2)
        self.local_mac(host_mac(0x22), b_out)
        with self.expect_drops(ingress={"NO_FLOOD_GROUP": 1}):
            self.send(1, as_binding(tenant_udp(BROADCAST, H1), 99))
            self.expect_nothing()
        frame = tenant_udp(host_mac(0x22), H1)
        self.send(1, as_binding(frame, 99))
        self.expect([(2, frame)])
        self.assertNotEqual(b_in, b_out)


class FloodReplicaErrors(FloodTestBase):
    """Replicas the egress cannot place drop, each counted: a rid that is
    neither a binding nor a tunnel (BAD_REPLICA 28), a binding without
    egress_binding (EGRESS_BINDING_MISS 30), a tunnel without tunnel_encap
    (TUNNEL_ENCAP_MISS 31), an uplink without next hop (UPLINK_NEXTHOP_MISS
    32). The good replicas of the same flood still go out."""

    def runTest(self):
        good = self.bindings[1]
        replicas = [(good.port, good.binding_id), (1, 0x4001), (2, 77), (UPLINK, 0x8000 | 88), (2, self.vtep_a.rid)]
        self.insert_multicast_group(1, replicas)
        frame = tenant_udp(BROADCAST, H1)
        with self.expect_drops(egress={"BAD_REPLICA": 1, "EGRESS_BINDING_MISS": 1, "TUNNEL_ENCAP_MISS": 1,
                                       "UPLINK_NEXTHOP_MISS": 1}):
            self.send(0, frame)
            self.expect([(good.port, as_binding(frame, good.vid))])


class UnknownLogicalSwitchDrops(FloodTestBase):
    """A binding into a logical switch that is not configured drops (LS_UNKNOWN 23)."""

    def runTest(self):
        self.flood_group(1, self.bindings)
        self.bind(20, 1, 77, 42)
        with self.expect_drops(ingress={"LS_UNKNOWN": 1}):
            self.send(1, as_binding(tenant_udp(BROADCAST, H1), 77))
            self.expect_nothing()
        frame = tenant_udp(BROADCAST, H1)
        self.send(1, as_binding(frame, 10))
        self.expect(self.local_copies(frame, exclude=self.bindings[1]))
