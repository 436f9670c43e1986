"""Tunnel termination on uplinks (docs/pipeline.md 3.3-3.5, 7, 9).

Only VXLAN/Geneve addressed to one of our tunnel IPs, from a known remote
VTEP of that encapsulation, with a mapped VNI and a well-formed header, may
reach a tenant. Each negative case is paired with the positive one it
deviates from, so a "nothing comes out" really means the check dropped it,
and the drop counter must name the reason."""

import os
import struct

from vtep_base import (
    TUNNEL_IP,
    TUNNEL_VXLAN,
    UPLINK,
    VTEP_A,
    VTEP_B,
    VtepGatewayTest,
    as_binding,
    geneve,
    geneve_option,
    host_mac,
    src_binding_option,
    tenant_tcp,
    tenant_udp,
    vxlan,
)

H_LOCAL, H_REMOTE = host_mac(0x10), host_mac(0xA0)
VNI = 5001


class TunnelTestBase(VtepGatewayTest):
    """LS 1 (VNI 5001): binding 1 = port 1 VLAN 20 with H_LOCAL; VTEP A
    speaks VXLAN (tunnel 1), VTEP B Geneve (tunnel 2)."""

    def setUp(self):
        super().setUp()
        self.standard_ports()
        self.standard_underlay()
        self.logical_switch(1, VNI)
        self.b = self.bind(1, 1, 20, 1)
        self.local_mac(H_LOCAL, self.b)
        self.vtep_a = self.remote_vtep(1, VTEP_A, "vxlan")
        self.vtep_b = self.remote_vtep(2, VTEP_B, "geneve")
        self.inner = tenant_udp(H_LOCAL, H_REMOTE, ip_src="192.0.2.100", ip_dst="192.0.2.10")
        self.delivered = as_binding(self.inner, 20)

    def assert_delivered(self, outer: bytes):
        self.send(UPLINK, outer)
        self.expect([(1, self.delivered)])

    def assert_dropped(self, outer: bytes, reason: str, count: int = 1):
        with self.expect_drops(ingress={reason: count}):
            for _ in range(count):
                self.send(UPLINK, outer)
            self.expect_nothing()


class VxlanTerminated(TunnelTestBase):
    """VXLAN from a known VTEP to our tunnel IP: the inner frame comes out of
    the binding exactly as it was inside the tunnel (plus the binding's
    tag), counted in remote_vtep_rx of that VTEP."""

    def runTest(self):
        with self.counter_delta("remote_vtep_rx", 1) as rx, self.counter_delta("binding_tx", 1) as tx:
            self.assert_delivered(vxlan(self.inner, VTEP_A, TUNNEL_IP, VNI))
        self.assertEqual(rx.delta[0], 1)
        self.assertEqual(tx.delta[0], 1)
        # another flow (TCP, other source port) the same way
        tcp = tenant_tcp(H_LOCAL, H_REMOTE)
        self.send(UPLINK, vxlan(tcp, VTEP_A, TUNNEL_IP, VNI, sport=61234))
        self.expect([(1, as_binding(tcp, 20))])


class GeneveTerminated(TunnelTestBase):
    """Geneve with no option, our source-binding option, unknown
    non-critical options, and the largest option area (16 words) all
    decapsulate to the same inner frame."""

    def runTest(self):
        other = geneve_option(0x0102, 0x10, b"\x11" * 8)
        big = b"".join(geneve_option(0x0103, 0x20 + i, b"\x00" * 12) for i in range(4))  # 4 x 4 words
        for options in (b"", src_binding_option(7), other + src_binding_option(9), big):
            with self.counter_delta("remote_vtep_rx", 2) as rx:
                self.assert_delivered(geneve(self.inner, VTEP_B, TUNNEL_IP, VNI, options=options))
            self.assertEqual(rx.delta[0], 1, f"options {options.hex()}")


class VniSelectsLogicalSwitch(TunnelTestBase):
    """The same inner destination MAC in two logical switches: the VNI alone
    decides which binding gets the frame."""

    def runTest(self):
        self.logical_switch(2, 5002)
        b2 = self.bind(2, 2, 0, 2)
        self.local_mac(H_LOCAL, b2)
        self.send(UPLINK, vxlan(self.inner, VTEP_A, TUNNEL_IP, 5002))
        self.expect([(2, self.inner)])
        self.assert_delivered(vxlan(self.inner, VTEP_A, TUNNEL_IP, VNI))
        self.send(UPLINK, geneve(self.inner, VTEP_B, TUNNEL_IP, 5002))
        self.expect([(2, self.inner)])


class UnknownVniDropped(TunnelTestBase):
    """A VNI without a logical switch drops (VNI_UNKNOWN 15), for both encapsulations."""

    def runTest(self):
        self.assert_delivered(vxlan(self.inner, VTEP_A, TUNNEL_IP, VNI))
        self.assert_dropped(vxlan(self.inner, VTEP_A, TUNNEL_IP, 5999), "VNI_UNKNOWN")
        self.assert_dropped(geneve(self.inner, VTEP_B, TUNNEL_IP, 5999), "VNI_UNKNOWN")


class SpoofedTunnelSourceDropped(TunnelTestBase):
    """Anti-spoofing: an outer source that is not a known remote VTEP, or a
    known VTEP using the other encapsulation, drops (REMOTE_VTEP_UNKNOWN 14)
    and counts on no remote VTEP."""

    def runTest(self):
        self.assert_delivered(vxlan(self.inner, VTEP_A, TUNNEL_IP, VNI))
        with self.counter_delta("remote_vtep_rx", 1) as rx_a:
            self.assert_dropped(vxlan(self.inner, "198.18.9.9", TUNNEL_IP, VNI), "REMOTE_VTEP_UNKNOWN")
            self.assert_dropped(geneve(self.inner, "198.18.9.9", TUNNEL_IP, VNI), "REMOTE_VTEP_UNKNOWN")
            self.assert_dropped(geneve(self.inner, VTEP_A, TUNNEL_IP, VNI), "REMOTE_VTEP_UNKNOWN")
            self.assert_dropped(vxlan(self.inner, VTEP_B, TUNNEL_IP, VNI), "REMOTE_VTEP_UNKNOWN")
        self.assertEqual(rx_a.delta, (0, 0))


class NotOurTunnelIpDropped(TunnelTestBase):
    """Tunnels to another IP, tunnels of a type our IP does not terminate, and
    plain IPv4 to our IP drop (NOT_OUR_TUNNEL_IP 5)."""

    def runTest(self):
        self.assert_delivered(vxlan(self.inner, VTEP_A, TUNNEL_IP, VNI))
        self.assert_dropped(vxlan(self.inner, VTEP_A, "198.18.0.99", VNI), "NOT_OUR_TUNNEL_IP")
        self.tunnel_ip("198.18.0.2", types=(TUNNEL_VXLAN,))
        self.assert_delivered(vxlan(self.inner, VTEP_A, "198.18.0.2", VNI))
        self.assert_dropped(geneve(self.inner, VTEP_B, "198.18.0.2", VNI), "NOT_OUR_TUNNEL_IP")
        plain = tenant_udp("02:00:00:00:00:fe", "02:00:00:00:ff:01", ip_src=VTEP_A, ip_dst=TUNNEL_IP, dport=4790)
        self.assert_dropped(plain, "NOT_OUR_TUNNEL_IP")


class MalformedVxlanDropped(TunnelTestBase):
    """VXLAN without the I flag drops (VXLAN_BAD_FLAGS 7); other flag bits
    with I set are accepted (RFC 7348: reserved, ignored on receipt)."""

    def runTest(self):
        self.assert_delivered(vxlan(self.inner, VTEP_A, TUNNEL_IP, VNI, flags=0x08))
        self.assert_dropped(vxlan(self.inner, VTEP_A, TUNNEL_IP, VNI, flags=0x00), "VXLAN_BAD_FLAGS")
        self.assert_dropped(vxlan(self.inner, VTEP_A, TUNNEL_IP, VNI, flags=0x80), "VXLAN_BAD_FLAGS")
        self.assert_delivered(vxlan(self.inner, VTEP_A, TUNNEL_IP, VNI, flags=0x0C))


class MalformedGeneveDropped(TunnelTestBase):
    """Each Geneve header error drops with its own code (8..13); the unknown
    option that is harmless without the critical bit drops with it."""

    def runTest(self):
        def g(**kw):
            return geneve(self.inner, VTEP_B, TUNNEL_IP, VNI, **kw)

        unknown = geneve_option(0x0102, 0x10, b"\x22" * 4)
        critical = geneve_option(0x0102, 0x90, b"\x22" * 4)
        self.assert_delivered(g(options=unknown))
        self.assert_dropped(g(options=critical), "GENEVE_CRITICAL_OPT")
        self.assert_dropped(g(options=unknown + critical), "GENEVE_CRITICAL_OPT")
        self.assert_dropped(g(version=1), "GENEVE_BAD_VERSION")
        self.assert_dropped(g(protocol=0x0800), "GENEVE_BAD_PROTOCOL")
        # 17 words of options: more than the 16 the gateway accepts
        self.assert_dropped(g(options=geneve_option(0x0102, 0x10, b"\x00" * 64)), "GENEVE_OPTS_TOO_LONG")
        # 9 empty options (9 words): more than 8 options
        nine = b"".join(geneve_option(0x0102, 0x10 + i, b"") for i in range(9))
        self.assert_dropped(g(options=nine), "GENEVE_TOO_MANY_OPTS")
        eight = b"".join(geneve_option(0x0102, 0x10 + i, b"") for i in range(8))
        self.assert_delivered(g(options=eight))
        # an option of 2 data words announced in an area of 2 words (needs 3)
        overrun = geneve_option(0x0102, 0x10, b"\x00" * 8)
        self.assert_dropped(g(options=overrun, opt_len=2), "GENEVE_BAD_OPT_LEN")


class TruncatedTunnelsDropped(TunnelTestBase):
    """Tunnel packets that end inside the VXLAN/Geneve header, inside the
    announced Geneve options or inside the inner Ethernet header are parser
    errors on an uplink (PARSER_ERROR 2)."""

    def runTest(self):
        full_vxlan = vxlan(self.inner, VTEP_A, TUNNEL_IP, VNI)
        full_geneve = geneve(self.inner, VTEP_B, TUNNEL_IP, VNI, options=geneve_option(0x0102, 0x10, b"\x00" * 8))
        self.assert_delivered(full_vxlan)
        self.assert_delivered(full_geneve)
        self.assert_dropped(full_vxlan[:42 + 4], "PARSER_ERROR")  # half a VXLAN header
        self.assert_dropped(full_vxlan[:42 + 8 + 6], "PARSER_ERROR")  # inner Ethernet cut
        self.assert_dropped(full_geneve[:42 + 6], "PARSER_ERROR")  # half a Geneve header
        self.assert_dropped(full_geneve[:42 + 8 + 6], "PARSER_ERROR")  # inside the option area


class BadOuterChecksumDropped(TunnelTestBase):
    """A tunnel packet whose outer IPv4 checksum is wrong drops (UNDERLAY_IPV4_CSUM 6)."""

    def runTest(self):
        good = vxlan(self.inner, VTEP_A, TUNNEL_IP, VNI)
        self.assert_delivered(good)
        csum = struct.unpack("!H", good[24:26])[0]
        bad = good[:24] + struct.pack("!H", csum ^ 0x0101) + good[26:]
        self.assert_dropped(bad, "UNDERLAY_IPV4_CSUM")


class OuterFragmentDropped(TunnelTestBase):
    """The first fragment of a tunnel packet (MF set) drops (UNDERLAY_FRAGMENT
    33) rather than deliver half a frame; without MF (DF clear) it is delivered."""

    def runTest(self):
        from scapy.layers.inet import IP
        from scapy.layers.l2 import Ether

        self.assert_delivered(vxlan(self.inner, VTEP_A, TUNNEL_IP, VNI, df=False))
        pkt = Ether(vxlan(self.inner, VTEP_A, TUNNEL_IP, VNI))
        pkt[IP].flags = "MF"
        del pkt[IP].chksum
        self.assert_dropped(bytes(pkt), "UNDERLAY_FRAGMENT")


class TenantTunnelsAreJustPayload(TunnelTestBase):
    """A tenant's own VXLAN/Geneve on an access port, even malformed (I flag
    clear, critical option) or addressed to our tunnel IP (access ports never
    terminate tunnels), is bridged byte for byte, locally and inside our
    tunnel; our VXLAN carrying a tenant VXLAN is decapsulated once only."""

    def runTest(self):
        from scapy.layers.inet import IP, UDP
        from scapy.layers.l2 import Ether
        from scapy.packet import Raw
        from vtep_base import encapsulated

        self.bind(2, 0, 0, 1)
        self.remote_mac(1, H_REMOTE, self.vtep_a)
        inner_tenant = tenant_udp(host_mac(0x77), host_mac(0x78))
        tenant_vxlan = vxlan(inner_tenant, "192.0.2.5", "192.0.2.6", 77, dmac=H_LOCAL, smac=host_mac(0x05), flags=0)
        crit = geneve_option(0x0102, 0x90, b"\x22" * 4)
        tenant_geneve = geneve(inner_tenant, "192.0.2.5", "192.0.2.6", 77, options=crit, dmac=H_LOCAL,
                               smac=host_mac(0x05))
        # well-formed VXLAN to our own tunnel IP with a configured VNI: still payload on an access port
        to_our_ip = vxlan(tenant_udp(H_LOCAL, host_mac(0x78)), VTEP_A, TUNNEL_IP, VNI, dmac=H_LOCAL,
                          smac=host_mac(0x05))
        for frame in (tenant_vxlan, tenant_geneve, to_our_ip):
            self.send(0, frame)
            self.expect([(1, as_binding(frame, 20))])
        to_remote = bytes(Ether(dst=H_REMOTE, src=host_mac(0x05)) / IP(src="192.0.2.5", dst="192.0.2.160")
                          / UDP(sport=4789, dport=4789) / Raw(b"\x00" * 8 + inner_tenant))
        self.send(0, to_remote)
        self.expect([(UPLINK, encapsulated(to_remote, self.vtep_a, VNI))])
        nested = vxlan(tenant_vxlan, VTEP_A, TUNNEL_IP, VNI)
        self.send(UPLINK, nested)
        self.expect([(1, as_binding(tenant_vxlan, 20))])


class ShortInnerFrameNotPadded(TunnelTestBase):
    """A decapsulated frame shorter than 60 bytes leaves as it was inside the
    tunnel (an ARP reply of 42 bytes stays 42 bytes)."""

    def runTest(self):
        from scapy.layers.l2 import ARP, Ether

        self.bind(3, 2, 0, 1)
        b3_mac = host_mac(0x13)
        self.local_mac(b3_mac, self.bind(4, 0, 0, 1))
        arp = bytes(Ether(dst=b3_mac, src=H_REMOTE) / ARP(op=2, hwsrc=H_REMOTE, psrc="192.0.2.160", hwdst=b3_mac,
                                                          pdst="192.0.2.13"))
        self.assertEqual(len(arp), 42)
        self.send(UPLINK, vxlan(arp, VTEP_A, TUNNEL_IP, VNI))
        self.expect([(0, arp)])


def geneve_verdict(options: bytes, opt_len: int) -> str | None:
    """What docs/pipeline.md 7 says of an option area (walked as the parser
    walks it, over ``opt_len`` words): None when well formed, else the drop
    name. Checks per option, in order: more than 8 options, then an unknown
    critical type, then an option longer than what is left."""
    if opt_len > 16:
        return "GENEVE_OPTS_TOO_LONG"
    pos, left, count = 0, opt_len, 0
    while left > 0:
        if count == 8:
            return "GENEVE_TOO_MANY_OPTS"
        opt_class, opt_type, length = struct.unpack("!HBB", options[pos * 4:pos * 4 + 4])
        length &= 0x1F
        ours = (opt_class, opt_type, length) == (0xFF01, 0x01, 1)
        if not ours and opt_type & 0x80:
            return "GENEVE_CRITICAL_OPT"
        if 1 + length > left:
            return "GENEVE_BAD_OPT_LEN"
        pos, left, count = pos + 1 + length, left - 1 - length, count + 1
    return None


class GeneveOptionsRandomized(TunnelTestBase):
    """Seeded random option areas (1..10 options of 0..5 data words, some
    critical, some ours, some with an opt_len that disagrees with them):
    each packet is delivered exactly when the contract says it is well
    formed, and otherwise dropped with the reason the contract gives."""

    def runTest(self):
        import random

        rng = random.Random(int(os.environ.get("VTEP_GENEVE_SEED", "8926")))
        outcomes = {}
        for i in range(70):
            opts = []
            for _ in range(rng.randint(1, 10)):
                if rng.random() < 0.15:
                    opts.append(src_binding_option(rng.randint(1, 4095)))
                else:
                    opt_type = rng.randrange(256) if rng.random() < 0.2 else rng.randrange(128)
                    opts.append(geneve_option(rng.choice([0x0102, 0x0103, 0xFF02]), opt_type,
                                              bytes(rng.randrange(256) for _ in range(4 * rng.randint(0, 5)))))
            area = b"".join(opts)
            opt_len = len(area) // 4
            if opt_len > 63:
                continue
            if rng.random() < 0.2:  # announce fewer words than the options take
                opt_len = rng.randint(0, opt_len)
            verdict = geneve_verdict(area, opt_len)
            if verdict is None and opt_len * 4 != len(area):
                continue  # well formed but the inner frame would start inside our options: not a case
            outcomes[verdict] = outcomes.get(verdict, 0) + 1
            pkt = geneve(self.inner, VTEP_B, TUNNEL_IP, VNI, options=area, opt_len=opt_len)
            try:
                if verdict is None:
                    self.assert_delivered(pkt)
                else:
                    self.assert_dropped(pkt, verdict)
            except AssertionError as err:
                raise AssertionError(f"case {i}: options {area.hex()} opt_len {opt_len}: {err}") from None
        self.assertIn(None, outcomes)
        self.assertGreaterEqual(len(outcomes), 4, f"too few kinds of outcome: {outcomes}")
