"""Tenant isolation, randomized (issue #4).

Four logical switches share the access ports (random VLAN bindings, one
untagged) and three remote VTEPs; some MACs exist in two switches at
different places and two switches reuse the same IP subnet. A router joins
LS 1 and LS 2 only. Random frames (known and unknown unicast, broadcast,
router MAC, from bindings and from tunnels) are sent and every frame out
of the switch is checked against a model of the contract: a packet only
ever reaches bindings and tunnels of its own logical switch, or of the
switch the router sent it to. The seed is fixed so that CI is
reproducible; set VTEP_ISOLATION_SEED=N in the environment to explore
others. The seed is in every failure message.
"""

import os
import random
from dataclasses import dataclass

from scapy.layers.inet import IP
from scapy.layers.l2 import Ether
from vtep_base import (
    ACCESS_PORTS,
    BROADCAST,
    TUNNEL_IP,
    UPLINK,
    VTEP_A,
    VTEP_B,
    VTEP_C,
    Binding,
    RemoteVtep,
    VtepGatewayTest,
    as_binding,
    encapsulated,
    geneve,
    host_mac,
    tenant_udp,
    vxlan,
)

SWITCHES = {1: (6001, "192.0.2"), 2: (6002, "198.51.100"), 3: (6003, "203.0.113"), 4: (6004, "192.0.2")}
ROUTER_MACS = {1: "02:00:00:00:aa:01", 2: "02:00:00:00:aa:02"}  # the router joins LS 1 and LS 2
VRF = 1
PACKETS = 160
DEFAULT_SEED = 4242


@dataclass
class Host:
    mac: str
    ip: str
    ls_id: int
    binding: Binding | None = None
    vtep: RemoteVtep | None = None


class NoTrafficCrossesLogicalSwitches(VtepGatewayTest):
    def runTest(self):
        seed = int(os.environ.get("VTEP_ISOLATION_SEED", DEFAULT_SEED))
        rng = random.Random(seed)
        self.seed = seed
        self.standard_ports()
        self.standard_underlay()
        for ls_id, (vni, _) in SWITCHES.items():
            self.logical_switch(ls_id, vni)

        # bindings: 12 (port, vid) pairs, one untagged, each switch at least two
        pairs = [(ACCESS_PORTS[0], 0)]
        vids = rng.sample(range(2, 4095), 11)
        pairs += [(ACCESS_PORTS[i % len(ACCESS_PORTS)], vid) for i, vid in enumerate(vids)]
        owners = [1, 1, 2, 2, 3, 3, 4, 4] + [rng.choice(list(SWITCHES)) for _ in range(4)]
        rng.shuffle(owners)
        self.bindings = [self.bind(i + 1, port, vid, owners[i]) for i, (port, vid) in enumerate(pairs)]
        vteps = [self.remote_vtep(1, VTEP_A, "vxlan"), self.remote_vtep(2, VTEP_B, "geneve"),
                 self.remote_vtep(3, VTEP_C, "vxlan")]
        for ls_id in SWITCHES:
            self.flood_group(ls_id, [b for b in self.bindings if b.ls_id == ls_id], vteps)

        # hosts: 6 per switch, local or remote; MACs 1..4 exist in two switches at once
        self.hosts: list[Host] = []
        for ls_id, (_, subnet) in SWITCHES.items():
            local = [b for b in self.bindings if b.ls_id == ls_id]
            for n in range(6):
                mac = host_mac(n + 1 if n < 2 and ls_id in (1, 3) else 0x100 * ls_id + n + 1)
                ip = f"{subnet}.{10 + n}"
                if rng.random() < 0.6:
                    h = Host(mac, ip, ls_id, binding=rng.choice(local))
                    self.local_mac(mac, h.binding)
                else:
                    h = Host(mac, ip, ls_id, vtep=rng.choice(vteps))
                    self.remote_mac(ls_id, mac, h.vtep)
                self.hosts.append(h)
        for ls_id, rmac in ROUTER_MACS.items():
            self.router_interface(ls_id, rmac, VRF)
        for h in self.hosts:
            if h.ls_id in ROUTER_MACS:
                self.route(VRF, h.ip, 32, h.ls_id, ROUTER_MACS[h.ls_id], h.mac)

        stats = {"delivered": 0, "dropped": 0, "routed": 0, "flooded": 0}
        for i in range(PACKETS):
            src = rng.choice(self.hosts)
            frame, expected, kind = self.random_case(rng, src, i)
            stats[kind] += 1
            self.send_from(src, frame)
            got = self.receive_all(len(expected), quiet=0.08)
            try:
                self.expect(expected, got=got)
            except AssertionError as err:
                raise AssertionError(f"seed {seed}, packet {i} ({kind}) from {src}:\n{err}") from None
            for port, out in got:
                self.assert_same_tenant(src, port, out, seed, i)
        for kind in ("delivered", "flooded", "routed"):
            self.assertGreater(stats[kind], 0, f"seed {seed}: no {kind} case in {stats}")

    # ------------------------------------------------------------ the model
    def random_case(self, rng, src, i):
        ls_hosts = [h for h in self.hosts if h.ls_id == src.ls_id and h is not src]
        others = [h for h in self.hosts if h.ls_id != src.ls_id]
        choice = rng.random()
        payload_ip = f"{SWITCHES[src.ls_id][1]}.{200 + i % 50}"
        if choice < 0.35:  # known unicast in the switch
            dst = rng.choice(ls_hosts)
            frame = tenant_udp(dst.mac, src.mac, ip_src=src.ip, ip_dst=dst.ip, sport=i)
            return frame, self.unicast(src, dst, frame), "delivered"
        if choice < 0.6:  # a MAC of another switch, broadcast or unknown: flood in this switch only
            dmac = rng.choice([rng.choice(others).mac, BROADCAST, host_mac(0xF000 + i)])
            known = [h for h in ls_hosts + [src] if h.mac == dmac]
            if known:  # a MAC that exists in two switches is known here too (maybe the sender's own)
                dst = known[0]
                frame = tenant_udp(dmac, src.mac, ip_src=src.ip, ip_dst=payload_ip, sport=i)
                return frame, self.unicast(src, dst, frame), "delivered"
            frame = tenant_udp(dmac, src.mac, ip_src=src.ip, ip_dst=payload_ip, sport=i)
            return frame, self.flood(src, frame), "flooded"
        # to a router MAC, for a host anywhere
        rmac = rng.choice(list(ROUTER_MACS.values()))
        dst = rng.choice(others + ls_hosts)
        frame = tenant_udp(rmac, src.mac, ip_src=src.ip, ip_dst=dst.ip, sport=i, ttl=rng.choice([2, 64]))
        if ROUTER_MACS.get(src.ls_id) != rmac:
            return frame, self.flood(src, frame), "flooded"  # not a router MAC in this switch
        target = [h for h in self.hosts if h.ls_id in ROUTER_MACS and h.ip == dst.ip]
        if not target:
            return frame, [], "dropped"  # no route (LS 3/4 are not attached)
        dst = target[0]
        out = Ether(frame)
        out.src, out.dst = ROUTER_MACS[dst.ls_id], dst.mac
        out[IP].ttl -= 1
        del out[IP].chksum
        return frame, self.deliver(dst, bytes(out)), "routed"

    def unicast(self, src, dst, frame):
        if src.binding is not None and src.binding == dst.binding:
            return []  # never back out of the ingress binding
        if src.vtep is not None and dst.vtep is not None:
            return []  # tunnel to tunnel: split horizon
        return self.deliver(dst, frame)

    def deliver(self, dst, frame):
        if dst.binding is not None:
            return [(dst.binding.port, as_binding(frame, dst.binding.vid))]
        return [(UPLINK, encapsulated(frame, dst.vtep, SWITCHES[dst.ls_id][0]))]

    def flood(self, src, frame):
        out = [(b.port, as_binding(frame, b.vid)) for b in self.bindings
               if b.ls_id == src.ls_id and b != src.binding]
        if src.vtep is None:
            vni = SWITCHES[src.ls_id][0]
            out += [(UPLINK, encapsulated(frame, v, vni)) for v in self.all_vteps()]
        return out

    def all_vteps(self):
        return [RemoteVtep(1, VTEP_A, "vxlan"), RemoteVtep(2, VTEP_B, "geneve"), RemoteVtep(3, VTEP_C, "vxlan")]

    # ------------------------------------------------------------ sending and the invariant
    def send_from(self, src, frame):
        if src.binding is not None:
            self.send(src.binding.port, as_binding(frame, src.binding.vid))
        elif src.vtep.encap == "vxlan":
            self.send(UPLINK, vxlan(frame, src.vtep.ip, TUNNEL_IP, SWITCHES[src.ls_id][0]))
        else:
            self.send(UPLINK, geneve(frame, src.vtep.ip, TUNNEL_IP, SWITCHES[src.ls_id][0]))

    def assert_same_tenant(self, src, port, out, seed, i):
        """Independent of the model: the logical switch of every output (by its
        VLAN on the access port, or its VNI) is the source's, or the other
        side of the router for a routed packet."""
        allowed = {src.ls_id} | (set(ROUTER_MACS) if src.ls_id in ROUTER_MACS else set())
        pkt = Ether(out)
        if port == UPLINK:
            vni = int.from_bytes(out[46:49], "big")
            ls = {ls for ls, (v, _) in SWITCHES.items() if v == vni}
        else:
            vid = pkt.vlan if pkt.type == 0x8100 else 0
            ls = {b.ls_id for b in self.bindings if (b.port, b.vid) == (port, vid)}
        self.assertTrue(ls and ls <= allowed, f"seed {seed}, packet {i}: leaked into logical switch {ls}")
