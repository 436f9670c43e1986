"""Smoke tests of the PTF set-up itself on p4src/examples/l2_table.p4: the
pipeline push, entries written over P4Runtime, frames on the veths, cleanup
between tests. If these fail, the vtep_gateway suite cannot be trusted."""

import ptf.testutils as tu
from base_test import P4RuntimeTest


class ForwardByDestinationMac(P4RuntimeTest):
    def runTest(self):
        pkt = tu.simple_eth_packet(eth_dst="02:00:00:00:00:0a", eth_src="02:00:00:00:00:01", pktlen=64)
        tu.send_packet(self, 0, pkt)
        tu.verify_no_other_packets(self)  # default action drops

        self.insert_table_entry("dmac", {"hdr.ethernet.dst": "02:00:00:00:00:0a"}, "to_port", {"port": 2})
        tu.send_packet(self, 0, pkt)
        tu.verify_packet(self, pkt, 2)
        tu.verify_no_other_packets(self)


class EntriesDoNotLeakBetweenTests(P4RuntimeTest):
    def runTest(self):
        pkt = tu.simple_eth_packet(eth_dst="02:00:00:00:00:0a", pktlen=64)
        tu.send_packet(self, 1, pkt)
        tu.verify_no_other_packets(self)


class TernaryAndRangeAclDrops(P4RuntimeTest):
    def runTest(self):
        self.insert_table_entry("dmac", {"hdr.ethernet.dst": "02:00:00:00:00:0b"}, "to_port", {"port": 3})
        self.insert_table_entry("acl", {"hdr.ethernet.src": ("02:00:00:00:00:00", "ff:ff:ff:00:00:00"),
                                        "hdr.ethernet.ether_type": (0x0800, 0x08FF)}, "drop", priority=10)
        ipv4 = tu.simple_eth_packet(eth_dst="02:00:00:00:00:0b", eth_src="02:00:00:12:34:56", eth_type=0x0800)
        other = tu.simple_eth_packet(eth_dst="02:00:00:00:00:0b", eth_src="02:00:00:12:34:56", eth_type=0x86DD)
        tu.send_packet(self, 0, ipv4)
        tu.verify_no_other_packets(self)
        tu.send_packet(self, 0, other)
        tu.verify_packet(self, other, 3)
