"""ACLs at bindings (docs/pipeline.md 3.6).

An ACL applies where the binding says so: ingress entries to what the
binding sends, egress entries to what leaves by it (unicast, flood replicas,
ARP replies, routed packets with their rewritten MACs). Higher priority
wins; no match permits; each entry counts its hits."""

from vtep_base import (
    BROADCAST,
    VtepGatewayTest,
    as_binding,
    host_mac,
    tenant_tcp,
    tenant_udp,
)

H1, H2, H3 = host_mac(0x61), host_mac(0x62), host_mac(0x63)


class AclTestBase(VtepGatewayTest):
    """LS 1: binding 1 = port 0 VLAN 10 with ACL 5, binding 2 = port 1
    untagged with egress ACL 6, binding 3 = port 2 untagged without ACL."""

    def setUp(self):
        super().setUp()
        self.standard_ports()
        self.logical_switch(1, 5001)
        self.b1 = self.bind(1, 0, 10, 1, acl_id=5, egress_acl_id=0)
        self.b2 = self.bind(2, 1, 0, 1, acl_id=0, egress_acl_id=6)
        self.b3 = self.bind(3, 2, 0, 1)
        self.local_mac(H1, self.b1)
        self.local_mac(H2, self.b2)
        self.local_mac(H3, self.b3)
        self.flood_group(1, [self.b1, self.b2, self.b3])


class IngressDenyAndPermit(AclTestBase):
    """ACL 5: deny TCP to port 22 (priority 10) but permit it from 192.0.2.10
    (priority 20). SSH from another source drops (ACL_INGRESS_DENY 16) and
    counts on the deny entry; from 192.0.2.10, to port 80, and ARP pass;
    binding 3 without an ACL is not filtered."""

    def runTest(self):
        deny = self.acl("ingress", 5, "deny", 10, ether_type=0x0800, ip_proto=6, l4_dport=(22, 22))
        permit = self.acl("ingress", 5, "permit", 20, ether_type=0x0800, ip_proto=6, ipv4_src="192.0.2.10",
                          l4_dport=(22, 22))
        ssh = tenant_tcp(H3, H1, ip_src="192.0.2.11", dport=22)
        with self.expect_drops(ingress={"ACL_INGRESS_DENY": 1}), self.counter_delta("binding_rx", 1) as rx:
            self.send(0, as_binding(ssh, 10))
            self.expect_nothing()
        self.assertEqual(self.read_direct_counter(deny)[0], 1)
        self.assertEqual(rx.delta[0], 1, "binding_rx counts before the ACL")
        allowed = tenant_tcp(H3, H1, ip_src="192.0.2.10", dport=22)
        self.send(0, as_binding(allowed, 10))
        self.expect([(2, allowed)])
        self.assertEqual(self.read_direct_counter(permit)[0], 1)
        web = tenant_tcp(H3, H1, ip_src="192.0.2.11", dport=80)
        self.send(0, as_binding(web, 10))
        self.expect([(2, web)])
        unfiltered = tenant_tcp(H2, H3, ip_src="192.0.2.11", dport=22)
        self.send(2, unfiltered)
        self.expect([(1, unfiltered)])
        self.assertEqual(self.read_direct_counter(deny)[0], 1)


class IngressDenyByMacBeforeLearning(AclTestBase):
    """A denied frame is not learnt (the ACL runs before learning) and not
    flooded; the permitted one is both."""

    def runTest(self):
        self.enable_learning_digest()
        bad_src = host_mac(0x6F)
        self.acl("ingress", 5, "deny", 10, src_mac=bad_src)
        with self.expect_drops(ingress={"ACL_INGRESS_DENY": 1}):
            self.send(0, as_binding(tenant_udp(BROADCAST, bad_src), 10))
            self.expect_nothing()
        self.no_digest()
        good_src = host_mac(0x6E)
        frame = tenant_udp(BROADCAST, good_src)
        self.send(0, as_binding(frame, 10))
        self.expect([(1, frame), (2, frame)])
        self.assertEqual([d["src_mac"] for d in self.learnt()], [int(good_src.replace(":", ""), 16)])


class EgressDeny(AclTestBase):
    """ACL 6 (egress of binding 2) denies ICMP echo requests: a flood of one
    reaches binding 3 but not binding 2 (ACL_EGRESS_DENY 17, counted once,
    binding_tx not moved); an echo reply reaches both."""

    def runTest(self):
        from scapy.layers.inet import ICMP, IP
        from scapy.layers.l2 import Ether

        deny = self.acl("egress", 6, "deny", 10, ether_type=0x0800, ip_proto=1, icmp_type=8)
        echo = bytes(Ether(dst=BROADCAST, src=H1) / IP(src="192.0.2.1", dst="192.0.2.255") / ICMP(type=8)
                     / (b"p" * 32))
        reply = bytes(Ether(dst=BROADCAST, src=H1) / IP(src="192.0.2.1", dst="192.0.2.255") / ICMP(type=0)
                      / (b"p" * 32))
        with self.expect_drops(egress={"ACL_EGRESS_DENY": 1, "SOURCE_PRUNE": 1}), \
                self.counter_delta("binding_tx", 2) as tx:
            self.send(0, as_binding(echo, 10))
            self.expect([(2, echo)])
        self.assertEqual(tx.delta, (0, 0))
        self.assertEqual(self.read_direct_counter(deny)[0], 1)
        self.send(0, as_binding(reply, 10))
        self.expect([(1, reply), (2, reply)])


class EgressAclSeesLeavingMacsAndArpReplies(AclTestBase):
    """Egress matching uses the MACs as the packet leaves: a routed packet's
    new source (the router MAC) and an ARP reply (ether_type 0x0806) are
    both filtered by binding 2's egress ACL."""

    def runTest(self):
        rmac1, rmac2 = "02:00:00:00:aa:01", "02:00:00:00:aa:02"
        self.logical_switch(2, 5002)
        b4 = self.bind(4, 2, 40, 2)
        self.router_interface(2, rmac2, 1)
        self.router_interface(1, rmac1, 1)
        self.route(1, "192.0.2.62", 32, 1, rmac1, H2)
        self.acl("egress", 6, "deny", 10, src_mac=rmac1)
        self.acl("egress", 6, "deny", 11, ether_type=0x0806)
        routed = tenant_udp(rmac2, host_mac(0x64), ip_src="198.51.100.4", ip_dst="192.0.2.62")
        with self.expect_drops(egress={"ACL_EGRESS_DENY": 1}):
            self.send(2, as_binding(routed, 40))
            self.expect_nothing()
        bridged = tenant_udp(H2, H3, ip_src="192.0.2.63", ip_dst="192.0.2.62")
        self.send(2, bridged)
        self.expect([(1, bridged)])
        from arp_test import arp_reply_expected, arp_request

        self.arp_entry(1, "192.0.2.63", H3)
        request = arp_request(sha=H2, spa="192.0.2.62", tpa="192.0.2.63")
        with self.expect_drops(egress={"ACL_EGRESS_DENY": 1}):
            self.send(1, request)
            self.expect_nothing()
        self.arp_entry(1, "192.0.2.61", H1)
        request1 = arp_request(sha=H3, spa="192.0.2.63", tpa="192.0.2.61")
        self.send(2, request1)
        self.expect([(2, arp_reply_expected(request1, H1))])
        self.assertNotEqual(b4.ls_id, self.b2.ls_id)


class IngressAclBeforeArpSuppression(AclTestBase):
    """An ingress ACL that denies ARP from binding 1 also stops suppressed
    answers (the ACL runs first); binding 3 without an ACL gets its answer."""

    def runTest(self):
        from arp_test import arp_reply_expected, arp_request

        self.arp_entry(1, "192.0.2.62", H2)
        self.acl("ingress", 5, "deny", 10, ether_type=0x0806)
        request = arp_request(sha=H1, spa="192.0.2.61", tpa="192.0.2.62")
        with self.expect_drops(ingress={"ACL_INGRESS_DENY": 1}):
            self.send(0, as_binding(request, 10))
            self.expect_nothing()
        request3 = arp_request(sha=H3, spa="192.0.2.63", tpa="192.0.2.62")
        self.send(2, request3)
        self.expect([(2, arp_reply_expected(request3, H2))])
