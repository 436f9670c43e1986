#!/usr/bin/env python3
"""vtep_gateway.p4 on p4sim's engine (issue #4 "Speed"): packets/s with 64K MACs installed.

    python3 bench/bench_vtep_gateway.py [--packets 20000] [--repeat 3] [--macs 65536]

Single thread, Python API only (no ports, no P4Runtime), so the figure is the
engine's cost for this program and nothing else. The switch is configured as
gwctl would configure it (docs/pipeline.md, sections 2 to 4):

- 16 logical switches (ls_id 1..16, VNI 5001..5016, flood group = ls_id), each
  bound on two access ports (ports 1..4, one VLAN per logical switch);
- 8 remote VTEPs (tunnel_id 1..8, 198.18.1.1..8, VXLAN) behind uplink port 9:
  remote_vtep_check, tunnel_encap, an ECMP member/group, an underlay route and
  uplink_nexthop;
- each flood group: the ls's two local bindings (rid = binding_id) and the 8
  remote VTEPs (rid = 0x8000 | tunnel_id) on the uplink: source-node replication;
- the MACs: half Ucast_Macs_Local (dmac `forward_to_binding` + smac_learn
  `mac_known`, the entries gwctl writes after a learning digest), half
  Ucast_Macs_Remote (dmac `forward_to_tunnel`); the issue's 64K MACs
  (MAC_TABLE_SIZE in size.p4 is 131,072).

Scenarios, each checked once on every frame of its set before it is timed
(right port, right encapsulation, right copies: a fast wrong answer is no figure):

- encap: access -> tunnel, known remote destination: one VXLAN frame on the uplink;
- decap: tunnel -> access, VXLAN from a remote VTEP to a local MAC: one tagged frame;
- flood: broadcast from an access port: 1 local copy + 8 VXLAN copies.

Also printed: the time to install the MACs through `Switch.table_insert`,
and the process RSS (VmRSS / VmHWM). Figures only; nothing here gates CI.
"""

from __future__ import annotations

import argparse
import ipaddress
import random
import subprocess
import sys
import time
from pathlib import Path

from scapy.all import IP, UDP, Dot1Q, Ether, Raw
from scapy.layers.vxlan import VXLAN

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from p4sim.engine import Switch  # noqa: E402
from p4sim.engine.entries import ActionSpec, GroupMember, KeyMatch, Replica, TableEntry  # noqa: E402
from p4sim.frontend import compile_file  # noqa: E402

I, O = "VtepIngress.", "VtepEgress."
CPU_PORT = 255
UPLINK = 9
ACCESS_PORTS = (1, 2, 3, 4)
N_LS = 16
N_VTEPS = 8
TUNNEL_IP = "198.18.0.1"
GW_UPLINK_MAC = 0x020000000009
SPINE_MAC = 0x02000000FF01
FRAMES_PER_SET = 256


def ip(s: str) -> int:
    return int(ipaddress.IPv4Address(s))


def mac_str(m: int) -> str:
    return ":".join(f"{b:02x}" for b in m.to_bytes(6, "big"))


def exact(*values: int) -> tuple[KeyMatch, ...]:
    return tuple(KeyMatch("exact", v) for v in values)


def git_state() -> str:
    """The commit measured, and whether p4sim/, gwctl/ or p4src/ had uncommitted edits (others work here too)."""
    def git(*args: str) -> str:
        return subprocess.run(["git", *args], cwd=REPO, capture_output=True, text=True, check=False).stdout.strip()
    dirty = git("status", "--porcelain", "--", "p4sim", "gwctl", "p4src")
    return f"{git('rev-parse', '--short', 'HEAD')}{' + uncommitted edits' if dirty else ''}"


def rss_kib() -> tuple[int, int]:
    """(VmRSS, VmHWM) in KiB from /proc: the resident set now and its peak."""
    fields = {}
    for line in Path("/proc/self/status").read_text().splitlines():
        name, _, value = line.partition(":")
        if name in ("VmRSS", "VmHWM"):
            fields[name] = int(value.split()[0])
    return fields["VmRSS"], fields["VmHWM"]


class Gateway:
    """The switch plus the plan of what is configured on it (who is where), for building frames."""

    def __init__(self, n_macs: int) -> None:
        t0 = time.perf_counter()
        prog = compile_file(str(REPO / "p4src/vtep_gateway.p4"), [str(REPO / "p4src/include")])
        self.sw = Switch(prog, cpu_port=CPU_PORT)
        self.compile_s = time.perf_counter() - t0
        self.vteps = {t: f"198.18.1.{t}" for t in range(1, N_VTEPS + 1)}
        # binding (ls, k) for k in 0, 1: port, vid, binding_id
        self.bindings: dict[int, list[tuple[int, int, int]]] = {}
        for ls in range(1, N_LS + 1):
            self.bindings[ls] = [(ACCESS_PORTS[(2 * (ls - 1) + k) % len(ACCESS_PORTS)], 100 + ls, 2 * ls - 1 + k)
                                 for k in (0, 1)]
        self._base()
        rnd = random.Random(4)
        n_local = n_macs // 2
        # MAC -> (ls, binding index) for locals, (ls, tunnel_id) for remotes
        self.local = [(0x020A00000000 + i, 1 + i % N_LS, rnd.randrange(2)) for i in range(n_local)]
        self.remote = [(0x020B00000000 + i, 1 + i % N_LS, 1 + rnd.randrange(N_VTEPS))
                       for i in range(n_macs - n_local)]

    def _ins(self, table: str, keys: tuple[KeyMatch, ...], action: str, *args: int) -> None:
        self.sw.table_insert(table, TableEntry(keys=keys, action=ActionSpec(action, tuple(args))))

    def _base(self) -> None:
        """Everything but the MACs: ports, bindings, logical switches, tunnels, underlay, flood groups."""
        for p in ACCESS_PORTS:
            self._ins(I + "ports.port_role", exact(p), I + "ports.set_access_port")
        self._ins(I + "ports.port_role", exact(UPLINK), I + "ports.set_uplink_port")
        self._ins(I + "tunnel.tunnel_term", exact(ip(TUNNEL_IP), 1), I + "tunnel.term_tunnel")
        for t, rip in self.vteps.items():
            self._ins(I + "tunnel.remote_vtep_check", exact(ip(rip), 1), I + "tunnel.set_remote_vtep", t)
            self._ins(O + "encap.tunnel_encap", exact(t), O + "encap.encap_vxlan", ip(TUNNEL_IP), ip(rip))
        self._ins(O + "encap.uplink_nexthop", exact(UPLINK), O + "encap.set_uplink_nexthop",
                  GW_UPLINK_MAC, SPINE_MAC)
        sel = I + "underlay.underlay_ecmp_selector"
        self.sw.profile_member_insert(sel, 1, ActionSpec(I + "underlay.set_underlay_nexthop",
                                                         (UPLINK, GW_UPLINK_MAC, SPINE_MAC)))
        self.sw.profile_group_insert(sel, 1, [GroupMember(1)])
        self.sw.table_insert(I + "underlay.underlay_nexthop",
                             TableEntry(keys=(KeyMatch("lpm", ip("198.18.0.0"), 15),), group_id=1))
        for ls, binds in self.bindings.items():
            self._ins(I + "ls.logical_switch", exact(ls), I + "ls.set_logical_switch", 5000 + ls, ls)
            self._ins(I + "tunnel.vni_to_ls", exact(5000 + ls), I + "tunnel.set_ls_from_vni", ls)
            replicas = []
            for port, vid, bid in binds:
                self._ins(I + "access.port_vlan_to_ls", exact(port, vid), I + "access.set_ingress_binding",
                          ls, bid, 0)
                self._ins(O + "binding.egress_binding", exact(bid), O + "binding.set_egress_binding", vid, 0)
                replicas.append(Replica(port, bid))
            replicas += [Replica(UPLINK, 0x8000 | t) for t in self.vteps]
            self.sw.mcast_group_insert(ls, replicas)

    def install_macs(self) -> tuple[float, int]:
        """dmac + smac_learn as gwctl writes them; returns (seconds, entries written)."""
        n = 0
        t0 = time.perf_counter()
        for m, ls, k in self.local:
            port, _vid, bid = self.bindings[ls][k]
            self._ins(I + "l2.dmac", exact(ls, m), I + "l2.forward_to_binding", bid, port)
            self._ins(I + "learning.smac_learn", exact(ls, m, bid), I + "learning.mac_known")
            n += 2
        for m, ls, t in self.remote:
            self._ins(I + "l2.dmac", exact(ls, m), I + "l2.forward_to_tunnel", t, ip(self.vteps[t]))
            n += 1
        return time.perf_counter() - t0, n


def inner_frame(dst: int, src: int, sport: int) -> Ether:
    return (Ether(dst=mac_str(dst), src=mac_str(src)) / IP(src="192.0.2.1", dst="192.0.2.2")
            / UDP(sport=sport, dport=80) / Raw(b"\x00" * 18))   # 64-byte untagged tenant frame


def encap_set(gw: Gateway, rnd: random.Random) -> list[tuple[int, bytes, object]]:
    """Access -> tunnel: a local source on its binding to a remote MAC of the same ls."""
    out = []
    by_ls: dict[int, list] = {}
    for r in gw.remote:
        by_ls.setdefault(r[1], []).append(r)
    for _ in range(FRAMES_PER_SET):
        src, ls, k = rnd.choice(gw.local)
        dst, _ls, t = rnd.choice(by_ls[ls])
        port, vid, _bid = gw.bindings[ls][k]
        inner = inner_frame(dst, src, rnd.randrange(1024, 65535))
        tagged = Ether(dst=inner.dst, src=inner.src) / Dot1Q(vlan=vid) / inner.payload
        out.append((port, bytes(tagged), (bytes(inner), ls, gw.vteps[t])))
    return out


def decap_set(gw: Gateway, rnd: random.Random) -> list[tuple[int, bytes, object]]:
    """Tunnel -> access: VXLAN from the VTEP a remote MAC is behind, to a local MAC of the same ls."""
    out = []
    by_ls: dict[int, list] = {}
    for r in gw.local:
        by_ls.setdefault(r[1], []).append(r)
    for _ in range(FRAMES_PER_SET):
        src, ls, t = rnd.choice(gw.remote)
        dst, _ls, k = rnd.choice(by_ls[ls])
        port, vid, _bid = gw.bindings[ls][k]
        inner = inner_frame(dst, src, rnd.randrange(1024, 65535))
        outer = (Ether(dst=mac_str(GW_UPLINK_MAC), src=mac_str(SPINE_MAC))
                 / IP(src=gw.vteps[t], dst=TUNNEL_IP, flags="DF") / UDP(sport=rnd.randrange(49152, 65535), dport=4789)
                 / VXLAN(vni=5000 + ls, flags=0x08) / inner)
        out.append((UPLINK, bytes(outer), (port, vid, bytes(inner))))
    return out


def flood_set(gw: Gateway, rnd: random.Random) -> list[tuple[int, bytes, object]]:
    """Broadcast from a local MAC on its binding: the other binding + the 8 remote VTEPs."""
    out = []
    for _ in range(FRAMES_PER_SET):
        src, ls, k = rnd.choice(gw.local)
        port, vid, _bid = gw.bindings[ls][k]
        inner = inner_frame(0xFFFFFFFFFFFF, src, rnd.randrange(1024, 65535))
        tagged = Ether(dst=inner.dst, src=inner.src) / Dot1Q(vlan=vid) / inner.payload
        out.append((port, bytes(tagged), (bytes(inner), ls, gw.bindings[ls][1 - k])))
    return out


def check_encap(res, expect) -> str | None:
    inner, ls, rip = expect
    if res.digests or len(res.outputs) != 1:
        return f"{len(res.outputs)} outputs, {len(res.digests)} digests"
    port, data = res.outputs[0]
    e = Ether(data)
    if port != UPLINK or not e.haslayer(VXLAN):
        return f"port {port}, not VXLAN"
    if e[IP].dst != rip or e[IP].src != TUNNEL_IP or e[VXLAN].vni != 5000 + ls or bytes(e[VXLAN].payload) != inner:
        return f"wrong encapsulation {e.summary()}"
    return None


def check_decap(res, expect) -> str | None:
    port, vid, inner = expect
    if len(res.outputs) != 1:
        return f"{len(res.outputs)} outputs"
    out_port, data = res.outputs[0]
    e = Ether(data)
    if out_port != port or not e.haslayer(Dot1Q) or e[Dot1Q].vlan != vid:
        return f"port {out_port} {e.summary()}"
    if bytes(e[Dot1Q].payload) != bytes(Ether(inner).payload):
        return "inner frame changed"
    return None


def check_flood(res, expect) -> str | None:
    inner, ls, (oport, ovid, _obid) = expect
    tunnels = sorted(Ether(d)[IP].dst for p, d in res.outputs if p == UPLINK and Ether(d).haslayer(VXLAN)
                     and Ether(d)[VXLAN].vni == 5000 + ls and bytes(Ether(d)[VXLAN].payload) == inner)
    local = [(p, Ether(d)[Dot1Q].vlan) for p, d in res.outputs if p != UPLINK and Ether(d).haslayer(Dot1Q)]
    if len(res.outputs) != 1 + N_VTEPS or len(tunnels) != N_VTEPS or len(set(tunnels)) != N_VTEPS:
        return f"{len(res.outputs)} outputs, {len(set(tunnels))} distinct VTEPs"
    if local != [(oport, ovid)]:
        return f"local copy {local}, expected {(oport, ovid)}"
    return None


def run(sw: Switch, frames: list[tuple[int, bytes, object]], packets: int) -> float:
    """Packets/s for `packets` frames cycled through the set; nothing but process() in the loop."""
    process = sw.process
    inputs = [(p, d) for p, d, _ in frames]
    n = len(inputs)
    t0 = time.perf_counter()
    for i in range(packets):
        port, data = inputs[i % n]
        process(port, data)
    return packets / (time.perf_counter() - t0)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--packets", type=int, default=20000, help="packets per timed run and scenario")
    ap.add_argument("--repeat", type=int, default=3, help="timed runs per scenario (best and spread printed)")
    ap.add_argument("--macs", type=int, default=65536, help="MACs installed (half local, half remote)")
    a = ap.parse_args()

    rss0 = rss_kib()[0]
    gw = Gateway(a.macs)
    rss1 = rss_kib()[0]
    print(f"python {sys.version.split()[0]}, single thread, p4sim Python API, commit {git_state()}")
    print(f"compile + Switch: {gw.compile_s:.2f} s; RSS {rss0 / 1024:.0f} -> {rss1 / 1024:.0f} MiB")
    secs, n = gw.install_macs()
    rss2, hwm = rss_kib()
    print(f"install {len(gw.local)} local + {len(gw.remote)} remote MACs = {n} entries "
          f"(dmac {a.macs}, smac_learn {len(gw.local)}): {secs:.2f} s, {n / secs:,.0f} entries/s")
    print(f"RSS after install: {rss2 / 1024:.0f} MiB (peak {hwm / 1024:.0f} MiB); "
          f"the MACs cost {(rss2 - rss1) / 1024:.0f} MiB")

    rnd = random.Random(7)
    scenarios = [("encap  access->tunnel", encap_set(gw, rnd), check_encap, 1),
                 ("decap  tunnel->access", decap_set(gw, rnd), check_decap, 1),
                 ("flood  1 local + 8 VTEPs", flood_set(gw, rnd), check_flood, 1 + N_VTEPS)]
    failed = False
    for name, frames, check, copies in scenarios:
        for port, data, expect in frames:
            err = check(gw.sw.process(port, data), expect)
            if err:
                print(f"{name}: WRONG OUTPUT ({err}); not timed")
                failed = True
                break
        else:
            rates = [run(gw.sw, frames, a.packets) for _ in range(a.repeat)]
            best = max(rates)
            print(f"{name}: best {best:8,.0f} packets/s ({best * copies:8,.0f} frames out/s, "
                  f"{1e6 / best:6.1f} us/packet); runs {', '.join(f'{r:,.0f}' for r in rates)}; "
                  f"spread {(best - min(rates)) / best * 100:.0f}%; {a.packets} packets/run, "
                  f"{FRAMES_PER_SET} distinct frames, all {len(frames)} checked")
    if gw.sw.stats.errors:
        print(f"engine errors: {gw.sw.stats.errors}")
        failed = True
    rss3, hwm = rss_kib()
    print(f"RSS at end: {rss3 / 1024:.0f} MiB (peak {hwm / 1024:.0f} MiB)")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
