"""The vtep_gateway.p4 vocabulary for PTF tests (docs/pipeline.md).

Tests should read as the behaviour they check ("bind port 1 VLAN 10 to
logical switch 1, send a frame, expect it tagged on port 2"), so this module
turns the pipeline contract into a few verbs: ports get roles, bindings join
logical switches, remote VTEPs get tunnel entries, flood groups follow the
egress_rid convention of section 4. Everything is written through
``P4RuntimeTest.insert`` and so deleted again when the test ends.

It also holds what checks need: frame builders for tenant and tunnel packets
(VXLAN as OVS sends it, Geneve built byte by byte so that malformed headers
can be made), a receiver that collects every frame of a burst from every
port and matches it as a multiset (floods to two bindings of one port come
out in any order), and drop-counter deltas that must equal exactly what a test
expects, so a packet dropped for the wrong reason fails the test.

Ports: the suite needs 4 data ports (0..3, what tests/ptf/test_ptf_suites.py
gives every suite). By default 0, 1, 2 are access ports and 3 is the uplink.
"""

from __future__ import annotations

import queue
import struct
import time
from collections.abc import Iterable, Sequence
from contextlib import contextmanager
from dataclasses import dataclass

import ptf.testutils as tu
from base_test import P4RuntimeTest
from p4info_helper import action_profile_group, action_profile_member, digest_entry, entity
from ptf.mask import Mask
from scapy.layers.inet import IP, UDP
from scapy.layers.l2 import Ether
from scapy.layers.vxlan import VXLAN
from scapy.packet import Raw

# ---------------------------------------------------------------- constants (define.p4)
PROGRAM_CPU_PORT = 255  # CPU_PORT in define.p4; the target's --cpu-port must be the same

TUNNEL_NONE, TUNNEL_VXLAN, TUNNEL_GENEVE = 0, 1, 2
RID_TUNNEL = 0x8000

PUNT_UNDERLAY_ARP, PUNT_TUNNEL_IP, PUNT_TUNNEL_BFD, PUNT_GENEVE_OAM = 1, 2, 3, 4

DROP = {
    "PORT_NO_ROLE": 1, "PARSER_ERROR": 2, "VLAN_UNBOUND": 3, "UPLINK_NOT_TUNNEL": 4,
    "NOT_OUR_TUNNEL_IP": 5, "UNDERLAY_IPV4_CSUM": 6, "VXLAN_BAD_FLAGS": 7, "GENEVE_BAD_VERSION": 8,
    "GENEVE_BAD_PROTOCOL": 9, "GENEVE_OPTS_TOO_LONG": 10, "GENEVE_TOO_MANY_OPTS": 11,
    "GENEVE_BAD_OPT_LEN": 12, "GENEVE_CRITICAL_OPT": 13, "REMOTE_VTEP_UNKNOWN": 14, "VNI_UNKNOWN": 15,
    "ACL_INGRESS_DENY": 16, "ACL_EGRESS_DENY": 17, "ROUTER_NOT_IPV4": 18, "ROUTE_IPV4_OPTIONS": 19,
    "ROUTE_IPV4_CSUM": 20, "TTL_EXPIRED": 21, "ROUTE_MISS": 22, "LS_UNKNOWN": 23, "SAME_BINDING": 24,
    "SPLIT_HORIZON": 25, "NO_FLOOD_GROUP": 26, "UNDERLAY_ROUTE_MISS": 27, "BAD_REPLICA": 28,
    "SOURCE_PRUNE": 29, "EGRESS_BINDING_MISS": 30, "TUNNEL_ENCAP_MISS": 31, "UPLINK_NEXTHOP_MISS": 32,
    "UNDERLAY_FRAGMENT": 33,
}

INGRESS_DROPS = "VtepIngress.drop_stats.drops"
EGRESS_DROPS = "VtepEgress.drop_stats.drops"

# ---------------------------------------------------------------- addresses of the test network
ACCESS_PORTS = (0, 1, 2)
UPLINK = 3

TUNNEL_IP = "198.18.0.1"  # ours
VTEP_A = "198.18.1.1"  # an OVS hypervisor
VTEP_B = "198.18.2.1"  # another one
VTEP_C = "198.18.3.1"  # a service node
GW_UPLINK_MAC = "02:00:00:00:00:fe"  # our MAC on the uplink
SPINE_MAC = "02:00:00:00:ff:01"  # the underlay next hop behind it
SPINE2_MAC = "02:00:00:00:ff:02"

BROADCAST = "ff:ff:ff:ff:ff:ff"
BFD_DMAC = "00:23:20:00:00:01"


def host_mac(n: int) -> str:
    """A locally administered unicast MAC for host number n."""
    return f"02:00:00:{(n >> 16) & 0xFF:02x}:{(n >> 8) & 0xFF:02x}:{n & 0xFF:02x}"


# ---------------------------------------------------------------- frames
def tenant_udp(dst: str, src: str, ip_src: str = "192.0.2.1", ip_dst: str = "192.0.2.2", vid: int | None = None,
               pcp: int = 0, sport: int = 1234, dport: int = 5678, ttl: int = 64, pktlen: int = 100) -> bytes:
    """A tenant IPv4/UDP frame, optionally 802.1Q tagged."""
    kw = {"dl_vlan_enable": True, "vlan_vid": vid, "vlan_pcp": pcp} if vid is not None else {}
    return bytes(tu.simple_udp_packet(pktlen=pktlen, eth_dst=dst, eth_src=src, ip_src=ip_src, ip_dst=ip_dst,
                                      ip_ttl=ttl, udp_sport=sport, udp_dport=dport, **kw))


def tenant_tcp(dst: str, src: str, ip_src: str = "192.0.2.1", ip_dst: str = "192.0.2.2", vid: int | None = None,
               sport: int = 40000, dport: int = 80, flags: str = "S", ttl: int = 64, pktlen: int = 100) -> bytes:
    kw = {"dl_vlan_enable": True, "vlan_vid": vid} if vid is not None else {}
    return bytes(tu.simple_tcp_packet(pktlen=pktlen, eth_dst=dst, eth_src=src, ip_src=ip_src, ip_dst=ip_dst,
                                      ip_ttl=ttl, tcp_sport=sport, tcp_dport=dport, tcp_flags=flags, **kw))


def tenant_raw(dst: str, src: str, ether_type: int = 0x88B5, vid: int | None = None, payload: bytes = b"") -> bytes:
    """A non-IP tenant frame (local experimental ethertype by default)."""
    body = payload or bytes(range(46))
    frame = bytes(Ether(dst=dst, src=src, type=ether_type)) + body
    return with_vlan(frame, vid) if vid else frame


def with_vlan(frame: bytes, vid: int, pcp: int = 0) -> bytes:
    """The same frame with an 802.1Q tag (DEI 0) after the MACs."""
    return frame[:12] + struct.pack("!HH", 0x8100, (pcp << 13) | vid) + frame[12:]


def without_vlan(frame: bytes) -> bytes:
    """The same frame without its 802.1Q tag (the frame must have one)."""
    assert frame[12:14] == b"\x81\x00", "frame is not tagged"
    return frame[:12] + frame[16:]


def as_binding(frame: bytes, vid: int, pcp: int = 0) -> bytes:
    """An untagged frame as it leaves a binding with VLAN ``vid`` (0 = untagged)."""
    return with_vlan(frame, vid, pcp) if vid else frame


def vxlan(inner: bytes, src_ip: str, dst_ip: str, vni: int, dmac: str = GW_UPLINK_MAC, smac: str = SPINE_MAC,
          sport: int = 49152, flags: int = 0x08, ttl: int = 64, df: bool = True, ip_id: int = 0) -> bytes:
    """A VXLAN packet as an OVS hypervisor sends it (and as we must send it):
    UDP checksum 0, DF, VNI in the I-flagged header."""
    pkt = (Ether(dst=dmac, src=smac) / IP(src=src_ip, dst=dst_ip, ttl=ttl, flags="DF" if df else 0, id=ip_id)
           / UDP(sport=sport, dport=4789, chksum=0) / VXLAN(vni=vni, flags=flags) / Raw(inner))
    return bytes(pkt)


def geneve_header(vni: int, options: bytes = b"", protocol: int = 0x6558, version: int = 0, oam: int = 0,
                  critical: int = 0, opt_len: int | None = None) -> bytes:
    """Geneve base header + options, byte by byte (RFC 8926 3.4), so tests can
    also make it wrong (version, protocol, opt_len that does not match)."""
    words = len(options) // 4 if opt_len is None else opt_len
    return struct.pack("!BBHI", (version << 6) | words, (oam << 7) | (critical << 6), protocol, vni << 8) + options


def geneve_option(opt_class: int, opt_type: int, data: bytes) -> bytes:
    assert len(data) % 4 == 0
    return struct.pack("!HBB", opt_class, opt_type, len(data) // 4) + data


def src_binding_option(binding_id: int) -> bytes:
    """Our option (class 0xFF01, type 1, length 1): source binding id, 16 zero bits."""
    return geneve_option(0xFF01, 0x01, struct.pack("!HH", binding_id, 0))


def geneve(inner: bytes, src_ip: str, dst_ip: str, vni: int, options: bytes = b"", dmac: str = GW_UPLINK_MAC,
           smac: str = SPINE_MAC, sport: int = 49152, **hdr: int) -> bytes:
    outer = Ether(dst=dmac, src=smac) / IP(src=src_ip, dst=dst_ip, ttl=64, flags="DF", id=0) / UDP(
        sport=sport, dport=6081, chksum=0)
    return bytes(outer / (geneve_header(vni, options, **hdr) + inner))


def tunnel_mask(pkt: bytes) -> Mask:
    """Expected encapsulated packet: every byte must match except the outer UDP
    source port (the flow hash's entropy; tests check its range separately)."""
    m = Mask(Ether(pkt))
    m.set_do_not_care(34 * 8, 16)
    return m


def crc16(data: bytes) -> int:
    """BMv2's crc16 (CRC-16/ARC: poly 0x8005 reflected, init 0, no xor-out)."""
    crc = 0
    for byte in data:
        crc ^= byte
        for _ in range(8):
            crc = (crc >> 1) ^ 0xA001 if crc & 1 else crc >> 1
    return crc


def flow_hash(frame: bytes) -> int:
    """docs/pipeline.md 7: crc16 over the untagged tenant frame's Ethernet src,
    dst, type, IPv4 src, dst, protocol, L4 ports (0 when absent)."""
    pkt = Ether(frame)
    fields = bytes.fromhex(pkt.src.replace(":", "")) + bytes.fromhex(pkt.dst.replace(":", ""))
    fields += struct.pack("!H", pkt.type)
    src = dst = b"\0\0\0\0"
    proto, sport, dport = 0, 0, 0
    if IP in pkt:
        ip = pkt[IP]
        src, dst, proto = bytes(ip)[12:16], bytes(ip)[16:20], ip.proto
        if ip.ihl == 5 and ip.frag == 0 and proto in (6, 17):
            sport, dport = struct.unpack("!HH", bytes(ip.payload)[:4])
    return crc16(fields + src + dst + bytes([proto]) + struct.pack("!HH", sport, dport))


def ipv4_checksum_ok(header: bytes) -> bool:
    total = sum(struct.unpack(f"!{len(header) // 2}H", header))
    while total >> 16:
        total = (total & 0xFFFF) + (total >> 16)
    return total == 0xFFFF


# ---------------------------------------------------------------- model objects
@dataclass(frozen=True)
class Binding:
    """One (port, VLAN) of a logical switch; vid 0 = untagged."""
    binding_id: int
    port: int
    vid: int
    ls_id: int
    acl_id: int = 0


@dataclass(frozen=True)
class RemoteVtep:
    tunnel_id: int
    ip: str
    encap: str = "vxlan"  # vxlan | geneve | geneve_src_binding
    uplink: int = UPLINK

    @property
    def tunnel_type(self) -> int:
        return TUNNEL_VXLAN if self.encap == "vxlan" else TUNNEL_GENEVE

    @property
    def rid(self) -> int:
        return RID_TUNNEL | self.tunnel_id


Expected = tuple[int, "bytes | Mask"]


class VtepGatewayTest(P4RuntimeTest):
    """P4RuntimeTest plus the pipeline's vocabulary. No runTest: not a test."""

    def setUp(self) -> None:
        super().setUp()
        self.dataplane.flush()
        while not self.client.digests.empty():
            self.client.digests.get_nowait()
        while not self.client.packet_ins.empty():
            self.client.packet_ins.get_nowait()
        self._next_member = 1

    # ------------------------------------------------------------ ports
    def access_port(self, *ports: int) -> None:
        for p in ports:
            self.insert_table_entry("port_role", {"ingress_port": p}, "set_access_port")

    def uplink_port(self, *ports: int) -> None:
        for p in ports:
            self.insert_table_entry("port_role", {"ingress_port": p}, "set_uplink_port")

    def standard_ports(self) -> None:
        """0, 1, 2 access; 3 uplink with our MAC and the spine behind it."""
        self.access_port(*ACCESS_PORTS)
        self.uplink_port(UPLINK)
        self.uplink_nexthop(UPLINK, GW_UPLINK_MAC, SPINE_MAC)

    # ------------------------------------------------------------ logical switches and bindings
    def logical_switch(self, ls_id: int, vni: int, flood_group: int | None = None) -> None:
        """Logical switch ls_id <-> VNI; flood group defaults to ls_id (0 = no flooding)."""
        group = ls_id if flood_group is None else flood_group
        self.insert_table_entry("logical_switch", {"ls_id": ls_id}, "set_logical_switch",
                                {"vni": vni, "flood_group": group})
        self.insert_table_entry("vni_to_ls", {"vni": vni}, "set_ls_from_vni", {"ls_id": ls_id})

    def bind(self, binding_id: int, port: int, vid: int, ls_id: int, acl_id: int = 0,
             egress_acl_id: int | None = None) -> Binding:
        """(port, vid) joins ls_id in both directions (port_vlan_to_ls + egress_binding)."""
        self.insert_table_entry("port_vlan_to_ls", {"ingress_port": port, "vid": vid}, "set_ingress_binding",
                                {"ls_id": ls_id, "binding_id": binding_id, "acl_id": acl_id})
        self.insert_table_entry("egress_binding", {"binding_id": binding_id}, "set_egress_binding",
                                {"vid": vid, "acl_id": acl_id if egress_acl_id is None else egress_acl_id})
        return Binding(binding_id, port, vid, ls_id, acl_id)

    def local_mac(self, mac: str, b: Binding, learnt: bool = True) -> None:
        """Ucast_Macs_Local: dmac to the binding, and smac_learn so it is not reported again."""
        self.insert_table_entry("dmac", {"ls_id": b.ls_id, "dst_mac": mac}, "forward_to_binding",
                                {"binding_id": b.binding_id, "port": b.port})
        if learnt:
            self.insert_table_entry("smac_learn", {"ls_id": b.ls_id, "src_mac": mac, "binding_id": b.binding_id},
                                    "mac_known")

    # ------------------------------------------------------------ tunnels
    def tunnel_ip(self, ip: str = TUNNEL_IP, types: Iterable[int] = (TUNNEL_VXLAN, TUNNEL_GENEVE)) -> None:
        for t in types:
            self.insert_table_entry("tunnel_term", {"dst_ip": ip, "tunnel_type": t}, "term_tunnel")

    def remote_vtep(self, tunnel_id: int, ip: str, encap: str = "vxlan", uplink: int = UPLINK,
                    src_ip: str = TUNNEL_IP) -> RemoteVtep:
        """A Physical_Locator: accepted as a tunnel source and used as a destination."""
        vtep = RemoteVtep(tunnel_id, ip, encap, uplink)
        self.insert_table_entry("remote_vtep_check", {"src_ip": ip, "tunnel_type": vtep.tunnel_type},
                                "set_remote_vtep", {"tunnel_id": tunnel_id})
        self.insert_table_entry("tunnel_encap", {"tunnel_id": tunnel_id}, f"encap_{encap}",
                                {"src_ip": src_ip, "dst_ip": ip})
        return vtep

    def remote_mac(self, ls_id: int, mac: str, vtep: RemoteVtep) -> None:
        """Ucast_Macs_Remote: dmac to the VTEP's tunnel."""
        self.insert_table_entry("dmac", {"ls_id": ls_id, "dst_mac": mac}, "forward_to_tunnel",
                                {"tunnel_id": vtep.tunnel_id, "remote_ip": vtep.ip})

    def uplink_nexthop(self, port: int, src_mac: str, dst_mac: str) -> None:
        self.insert_table_entry("uplink_nexthop", {"egress_port": port}, "set_uplink_nexthop",
                                {"src_mac": src_mac, "dst_mac": dst_mac})

    def underlay_route(self, prefix: str, plen: int, nexthops: Sequence[tuple[int, str, str]],
                       group_id: int = 1) -> None:
        """underlay_nexthop: prefix -> an ECMP group of (port, our MAC, next-hop MAC) members."""
        members = []
        for port, smac, dmac in nexthops:
            mid = self._next_member
            self._next_member += 1
            self.insert(action_profile_member(self.helper, "underlay_ecmp_selector", mid, "set_underlay_nexthop",
                                              {"port": port, "src_mac": smac, "dst_mac": dmac}))
            members.append(mid)
        self.insert(action_profile_group(self.helper, "underlay_ecmp_selector", group_id, members,
                                         max_size=max(len(members), 1)))
        te = self.helper.table_entry("underlay_nexthop", {"remote_ip": (prefix, plen)}, group_id=group_id)
        self.insert(entity(table_entry=te))

    def standard_underlay(self) -> None:
        """Our tunnel IP terminates VXLAN and Geneve; 198.18.0.0/15 via the spine on port 3."""
        self.tunnel_ip()
        self.underlay_route("198.18.0.0", 15, [(UPLINK, GW_UPLINK_MAC, SPINE_MAC)])

    # ------------------------------------------------------------ BUM
    def flood_group(self, group_id: int, bindings: Iterable[Binding] = (), vteps: Iterable[RemoteVtep] = ()) -> None:
        """Multicast group per section 4: rid = binding id / 0x8000 | tunnel id."""
        replicas = [(b.port, b.binding_id) for b in bindings] + [(v.uplink, v.rid) for v in vteps]
        self.insert_multicast_group(group_id, replicas)

    # ------------------------------------------------------------ routing, ARP, ACL
    def router_interface(self, ls_id: int, router_mac: str, vrf_id: int) -> None:
        self.insert_table_entry("router_mac", {"ls_id": ls_id, "dst_mac": router_mac}, "set_router",
                                {"vrf_id": vrf_id})

    def route(self, vrf_id: int, prefix: str, plen: int, ls_id: int, src_mac: str, dst_mac: str) -> None:
        self.insert_table_entry("ipv4_route", {"vrf_id": vrf_id, "ipv4_dst": (prefix, plen)}, "route_to_ls",
                                {"ls_id": ls_id, "src_mac": src_mac, "dst_mac": dst_mac})

    def arp_entry(self, ls_id: int, ip: str, mac: str) -> None:
        self.insert_table_entry("arp_suppress", {"ls_id": ls_id, "target_ip": ip}, "arp_reply", {"target_mac": mac})

    def acl(self, direction: str, acl_id: int, action: str, priority: int, **match: object):
        """One ACL entry; ``action`` permit|deny; match fields by their P4Info names."""
        fields: dict = {"acl_id": acl_id}
        full = {"src_mac": 0xFFFFFFFFFFFF, "dst_mac": 0xFFFFFFFFFFFF, "ether_type": 0xFFFF,
                "ipv4_src": 0xFFFFFFFF, "ipv4_dst": 0xFFFFFFFF, "ip_proto": 0xFF, "tcp_flags": 0xFF,
                "icmp_type": 0xFF, "icmp_code": 0xFF}
        for name, value in match.items():
            if name in ("l4_sport", "l4_dport"):
                fields[name] = value  # (low, high)
            elif isinstance(value, tuple):
                fields[name] = value
            else:
                fields[name] = (value, full[name])
        table = f"acl_{direction}"
        return self.insert_table_entry(table, fields, f"acl_{direction}_{action}", priority=priority)

    # ------------------------------------------------------------ learning
    def enable_learning_digest(self, ack_timeout_ns: int = 0) -> None:
        self.insert(digest_entry(self.helper, "mac_learn_digest_t", max_timeout_ns=1_000_000, max_list_size=1,
                                 ack_timeout_ns=ack_timeout_ns))

    def learnt(self, timeout: float = 2.0) -> list[dict[str, int]]:
        """The next digest list (acked), decoded as mac_learn_digest_t members."""
        msg = self.digest(timeout)
        out = []
        for data in msg.data:
            m = data.struct.members
            vals = [int.from_bytes(x.bitstring, "big") for x in m]
            out.append(dict(zip(("ls_id", "src_mac", "ingress_port", "vid", "binding_id"), vals, strict=True)))
        return out

    def no_digest(self, timeout: float = 0.5) -> None:
        got = None
        try:
            got = self.client.digests.get(timeout=timeout)
        except queue.Empty:  # nothing learnt, as expected
            return
        self.client.ack_digest(got)
        self.fail(f"unexpected digest: {got}")

    # ------------------------------------------------------------ send / receive
    def send(self, port: int, frame: bytes) -> None:
        tu.send_packet(self, port, frame)

    def receive_all(self, count: int | None = None, quiet: float = 0.15, timeout: float = 3.0
                    ) -> list[tuple[int, bytes]]:
        """Every frame the switch sends until it has been ``quiet`` long (after
        ``count`` frames if given, else from the start)."""
        out: list[tuple[int, bytes]] = []
        deadline = time.monotonic() + timeout
        while True:
            waiting_for_more = count is not None and len(out) < count
            wait = max(0.01, deadline - time.monotonic()) if waiting_for_more else quiet
            res = tu.dp_poll(self, port_number=None, timeout=wait)
            if isinstance(res, self.dataplane.PollFailure):
                if waiting_for_more and time.monotonic() < deadline:
                    continue
                return out
            out.append((res.port, bytes(res.packet)))

    def expect(self, expected: Sequence[Expected],
               got: list[tuple[int, bytes]] | None = None) -> list[tuple[int, bytes]]:
        """The frames received are exactly ``expected`` (port, bytes or Mask), in any order."""
        if got is None:
            got = self.receive_all(len(expected))
        remaining = list(got)
        missing = []
        for port, exp in expected:
            for i, (gport, frame) in enumerate(remaining):
                if gport == port and (exp.pkt_match(frame) if isinstance(exp, Mask) else frame == exp):
                    del remaining[i]
                    break
            else:
                missing.append((port, exp))
        if missing or remaining:
            lines = ["frames do not match"]
            for port, exp in missing:
                pkt = exp.exp_pkt if isinstance(exp, Mask) else Ether(exp)
                lines.append(f"  missing on port {port}: {pkt!r}")
            for port, frame in remaining:
                lines.append(f"  unexpected on port {port}: {Ether(frame)!r}")
            for port, frame in got:
                lines.append(f"  received on port {port}: {frame.hex()}")
            self.fail("\n".join(lines))
        return got

    def expect_nothing(self) -> None:
        got = self.receive_all(quiet=0.3)
        if got:
            self.fail("expected no frame, got: " + "; ".join(f"port {p}: {Ether(f)!r}" for p, f in got))

    # ------------------------------------------------------------ counters
    def drops(self) -> tuple[dict[int, int], dict[int, int]]:
        ing = {i: c[0] for i, c in self.read_counter(INGRESS_DROPS).items()}
        egr = {i: c[0] for i, c in self.read_counter(EGRESS_DROPS).items()}
        return ing, egr

    @contextmanager
    def expect_drops(self, ingress: dict[str, int] | None = None, egress: dict[str, int] | None = None):
        """The drop counters move by exactly these amounts (by DROP name) over the block, no other code moves."""
        want_i = {DROP[k]: v for k, v in (ingress or {}).items()}
        want_e = {DROP[k]: v for k, v in (egress or {}).items()}
        before_i, before_e = self.drops()
        yield
        deadline = time.monotonic() + 2.0
        while True:
            after_i, after_e = self.drops()
            got_i = {k: after_i[k] - before_i.get(k, 0) for k in after_i if after_i[k] != before_i.get(k, 0)}
            got_e = {k: after_e[k] - before_e.get(k, 0) for k in after_e if after_e[k] != before_e.get(k, 0)}
            if (got_i, got_e) == (want_i, want_e) or time.monotonic() > deadline:
                break
            time.sleep(0.05)
        names = {v: k for k, v in DROP.items()}

        def show(d: dict[int, int]) -> dict[str, int]:
            return {names.get(k, str(k)): v for k, v in sorted(d.items())}

        self.assertEqual((show(got_i), show(got_e)), (show(want_i), show(want_e)),
                         "drop counter deltas (ingress, egress)")

    def counter_delta(self, counter: str, index: int):
        """Context manager yielding a list that receives (packets, bytes) moved on one cell."""
        return _CounterDelta(self, counter, index)

    def require_cpu_port(self) -> None:
        """Packet I/O only works when the target's CPU port is the program's CPU_PORT."""
        if self.cpu_port != PROGRAM_CPU_PORT:
            self.fail(f"vtep_gateway.p4 is compiled with CPU_PORT {PROGRAM_CPU_PORT} but the target runs with "
                      f"--cpu-port {self.cpu_port}: packet-in/out cannot work (run the PTF runner with "
                      f"--cpu-port {PROGRAM_CPU_PORT})")


class _CounterDelta:
    def __init__(self, test: VtepGatewayTest, counter: str, index: int):
        self.test, self.counter, self.index = test, counter, index
        self.delta: tuple[int, int] = (0, 0)

    def __enter__(self) -> _CounterDelta:
        self.before = self.test.read_counter(self.counter, self.index)[self.index]
        return self

    def __exit__(self, *exc: object) -> None:
        after = self.test.read_counter(self.counter, self.index)[self.index]
        self.delta = (after[0] - self.before[0], after[1] - self.before[1])


def binding_frame(frame: bytes, b: Binding, pcp: int = 0) -> bytes:
    """An untagged tenant frame as sent/received on binding b."""
    return as_binding(frame, b.vid, pcp)


def encapsulated(inner: bytes, vtep: RemoteVtep, vni: int, dmac: str = SPINE_MAC, smac: str = GW_UPLINK_MAC,
                 src_binding: int = 0) -> Mask:
    """What the gateway must send to ``vtep`` for ``inner`` (UDP source port masked)."""
    if vtep.encap == "vxlan":
        pkt = vxlan(inner, TUNNEL_IP, vtep.ip, vni, dmac=dmac, smac=smac)
    elif vtep.encap == "geneve":
        pkt = geneve(inner, TUNNEL_IP, vtep.ip, vni, dmac=dmac, smac=smac)
    else:
        pkt = geneve(inner, TUNNEL_IP, vtep.ip, vni, options=src_binding_option(src_binding), dmac=dmac, smac=smac)
    return tunnel_mask(pkt)

