"""ARP suppression (docs/pipeline.md 3.8).

A request from a local binding for an IP the control plane knows is
answered by the switch, byte for byte as the contract describes, out of the
binding it came in on, and not flooded; anything else (unknown target,
gratuitous ARP, address probes, replies, requests from tunnels) is forwarded
like any other frame."""

from scapy.layers.l2 import ARP, Ether
from vtep_base import (
    BROADCAST,
    TUNNEL_IP,
    UPLINK,
    VTEP_A,
    VtepGatewayTest,
    as_binding,
    encapsulated,
    host_mac,
    vxlan,
)

H1, H_KNOWN, H_REMOTE = host_mac(0x41), host_mac(0x42), host_mac(0xA0)
KNOWN_IP = "192.0.2.42"
VNI = 5001
PADDING = bytes(range(0xA0, 0xB2))  # 18 bytes: a 60-byte frame, recognisable


def arp_request(sha: str, spa: str, tpa: str, eth_src: str | None = None, dst: str = BROADCAST) -> bytes:
    return bytes(Ether(dst=dst, src=eth_src or sha) / ARP(op=1, hwsrc=sha, psrc=spa, hwdst="00:00:00:00:00:00",
                                                          pdst=tpa)) + PADDING


def arp_reply_expected(request: bytes, target_mac: str) -> bytes:
    """What the switch must answer, built from the contract independently of scapy's ARP answering."""
    req = Ether(request)
    a = req[ARP]
    reply = Ether(dst=req.src, src=target_mac, type=0x0806) / ARP(
        hwtype=1, ptype=0x0800, hwlen=6, plen=4, op=2, hwsrc=target_mac, psrc=a.pdst, hwdst=a.hwsrc, pdst=a.psrc)
    return bytes(reply) + PADDING


class ArpTestBase(VtepGatewayTest):
    """LS 1 (VNI 5001, source-node group): binding 1 = port 1 VLAN 10 (H1),
    binding 2 = port 2 untagged (H_KNOWN = 192.0.2.42), VTEP A."""

    def setUp(self):
        super().setUp()
        self.standard_ports()
        self.standard_underlay()
        self.logical_switch(1, VNI)
        self.b1 = self.bind(1, 1, 10, 1)
        self.b2 = self.bind(2, 2, 0, 1)
        self.local_mac(H1, self.b1)
        self.local_mac(H_KNOWN, self.b2)
        self.vtep_a = self.remote_vtep(1, VTEP_A)
        self.flood_group(1, [self.b1, self.b2], [self.vtep_a])
        self.arp_entry(1, KNOWN_IP, H_KNOWN)

    def flooded_from_b1(self, frame):
        return [(2, frame), (UPLINK, encapsulated(frame, self.vtep_a, VNI))]


class KnownTargetAnswered(ArpTestBase):
    """The reply comes back on port 1 VLAN 10 (the request's PCP kept), with
    Ethernet dst = the request's Ethernet source and tha = its sha (here
    different, to tell them apart), padding kept; nothing is flooded; the
    reply counts as sent on binding 1."""

    def runTest(self):
        request = arp_request(sha="02:00:00:00:77:77", spa="192.0.2.41", tpa=KNOWN_IP, eth_src=H1)
        with self.counter_delta("binding_tx", 1) as tx, self.counter_delta("binding_tx", 2) as tx2:
            self.send(1, as_binding(request, 10, pcp=6))
            self.expect([(1, as_binding(arp_reply_expected(request, H_KNOWN), 10, pcp=6))])
        self.assertEqual((tx.delta[0], tx2.delta[0]), (1, 0))
        # untagged requester (binding 2) asking for a remote host's IP
        self.arp_entry(1, "192.0.2.160", H_REMOTE)
        request2 = arp_request(sha=H_KNOWN, spa=KNOWN_IP, tpa="192.0.2.160")
        self.send(2, request2)
        self.expect([(2, arp_reply_expected(request2, H_REMOTE))])


class UnknownTargetFloods(ArpTestBase):
    """A request for an IP the switch does not know floods like a broadcast
    (other binding and remote VTEPs), unchanged; so does a request in another
    logical switch for the IP known in this one."""

    def runTest(self):
        request = arp_request(sha=H1, spa="192.0.2.41", tpa="192.0.2.99")
        self.send(1, as_binding(request, 10))
        self.expect(self.flooded_from_b1(request))
        self.logical_switch(2, 5002)
        b3 = self.bind(3, 0, 0, 2)
        b4 = self.bind(4, 0, 44, 2)
        self.flood_group(2, [b3, b4])
        other_ls = arp_request(sha=H1, spa="192.0.2.41", tpa=KNOWN_IP)
        self.send(0, other_ls)
        self.expect([(0, as_binding(other_ls, 44))])


class GratuitousProbeAndRepliesNotAnswered(ArpTestBase):
    """Gratuitous ARP (spa == tpa), address probes (spa 0.0.0.0) and ARP
    replies about a known IP are forwarded, never answered; a normal request
    in the same test is answered."""

    def runTest(self):
        gratuitous = arp_request(sha=H1, spa=KNOWN_IP, tpa=KNOWN_IP)
        probe = arp_request(sha=H1, spa="0.0.0.0", tpa=KNOWN_IP)
        reply = bytes(Ether(dst=BROADCAST, src=H1) / ARP(op=2, hwsrc=H1, psrc="192.0.2.41", hwdst=H_KNOWN,
                                                         pdst=KNOWN_IP)) + PADDING
        for frame in (gratuitous, probe, reply):
            self.send(1, as_binding(frame, 10))
            self.expect(self.flooded_from_b1(frame))
        request = arp_request(sha=H1, spa="192.0.2.41", tpa=KNOWN_IP)
        self.send(1, as_binding(request, 10))
        self.expect([(1, as_binding(arp_reply_expected(request, H_KNOWN), 10))])


class RequestFromTunnelForwarded(ArpTestBase):
    """A request arriving from a remote VTEP is not answered by the gateway:
    it reaches the local bindings (split horizon keeps it off the tunnels)."""

    def runTest(self):
        request = arp_request(sha=H_REMOTE, spa="192.0.2.160", tpa=KNOWN_IP)
        self.send(UPLINK, vxlan(request, VTEP_A, TUNNEL_IP, VNI))
        self.expect([(1, as_binding(request, 10)), (2, request)])
