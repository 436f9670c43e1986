"""The end-to-end demo: bm1 behind the P4 gateway talks to the VMs of an OVS hypervisor.

Builds `demo.topology` (p4sim + gwctl + vtep ovsdb-server in `gw`, a bare-metal
host `bm1`, OVS with the userspace datapath in `hv1`, VMs `vm1` and `vm2`),
configures the gateway with vtep-ctl as an operator does, and shows, step by
step, what happens: the ARP broadcast flooded to the hypervisor over VXLAN,
the bare-metal MAC learned by the data plane and reported by gwctl in
Ucast_Macs_Local, ICMP both ways through the tunnel, the counters, and the
ping failing once the binding is removed. Everything is removed at exit,
including after an error or Ctrl-C. Needs root.

    python3 -m demo [--vlan 100] [--prefix demo-] [--keep] [--trace] [--ovn]

With --ovn, OVN (NB, SB, ovn-northd, ovn-controller on the hypervisor) writes
the vtep database through ovn-controller-vtep instead (demo/ovn_scenario.py).
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from demo.lab import DaemonExited, LabError, wait_until
from demo.topology import (
    ACCESS_PORT,
    BM1,
    GW_TUNNEL_IP,
    HV_TUNNEL_IP,
    LOGICAL_SWITCH,
    SWITCH,
    VM1,
    VM2,
    Topology,
)


def _section(title: str) -> None:
    print(f"\n=== {title}", flush=True)


def _indent(text: str, by: str = "    ") -> str:
    return "\n".join(by + line for line in text.splitlines())


def _first_packet_trace(trace: Path) -> str:
    """The decisions (table hits, replication, outputs) p4sim logged for packet [1]."""
    keep = ("Processing", "Table", "Multicast", "Transmitting", "Dropping")
    lines = [line for line in trace.read_text(errors="replace").splitlines()
             if line.startswith("[1] ") and any(word in line for word in keep)]
    return "\n".join(lines) or "(no trace)"


class Checks:
    """The scenario's verdicts, printed at the end (and the exit status)."""

    def __init__(self) -> None:
        self.results: list[tuple[str, bool]] = []

    def __call__(self, what: str, ok: bool) -> bool:
        self.results.append((what, ok))
        print(f"  [{'ok' if ok else 'FAILED'}] {what}", flush=True)
        return ok

    @property
    def passed(self) -> bool:
        return all(ok for _, ok in self.results)


def scenario(topo: Topology, check: Checks) -> None:
    assert topo.hv is not None and topo.gateway is not None
    bm1, hv1 = topo.name(BM1.name), topo.name("hv1")

    _section(f"2. The operator puts {bm1} (port {ACCESS_PORT}) and the VMs of {hv1} in one overlay ({LOGICAL_SWITCH})")
    topo.configure(echo=lambda cmd: print(f"  $ {cmd}", flush=True))
    wait_until(topo.gateway.in_sync, "gwctl diff: the switch in sync with the database", timeout=60)
    print(f"  $ gwctl status --db unix:.../vtep/db.sock --inventory gw.toml --p4rt {topo.gateway.p4rt}")
    print(_indent(topo.gateway.gwctl("status")))

    _section(f"3. {bm1} pings the VMs: ARP flooded to {hv1} over VXLAN, ICMP both ways through the tunnel")
    t0 = time.monotonic()
    with topo.capture("hv1", "udp port 4789") as wire, topo.capture(VM2.name, "arp") as at_vm2:
        topo.wait_for_ping(BM1, VM1)
    print(f"  first reply from {VM1.ip} after {time.monotonic() - t0:.1f}s (ARP on both sides, learning)")
    who_has = f"who-has {VM1.ip} tell {BM1.ip}"
    vxlan = [line for line in wire.read_text().splitlines() if "VXLAN" in line or who_has in line]
    print(f"  tcpdump -i eth0 on {hv1} (the underlay), bm1's ARP request:\n" + _indent("\n".join(vxlan[:2]) or "-"))
    arp = [line for line in at_vm2.read_text().splitlines() if who_has in line]
    print(f"  tcpdump -i eth0 on {topo.name(VM2.name)} (not the one asked, gets the broadcast too):\n"
          + _indent("\n".join(arp) or "-"))
    check(f"bm1's ARP broadcast crossed the underlay in VXLAN (VNI 5000) and reached {VM2.name}",
          any("vni 5000" in line for line in vxlan) and any("ff:ff:ff:ff:ff:ff" in line for line in arp))
    if topo.trace:
        print("  p4sim's trace of the gateway's first packet (bm1's ARP request), tables and outputs:")
        print(_indent(_first_packet_trace(topo.gateway.dir / "p4sim.trace"), "    | "))
    for vm in (VM1, VM2):
        topo.wait_for_ping(BM1, vm)
        replies, out = topo.ping(BM1, vm, count=3)
        print(f"  $ ip netns exec {bm1} ping -c 3 {vm.ip}\n{_indent(out)}")
        check(f"{bm1} -> {vm.name} ({vm.ip}): {replies}/3 replies", replies == 3)

    replies, out = topo.ping(VM1, BM1, count=3)
    print(f"  $ ip netns exec {topo.name(VM1.name)} ping -c 3 {BM1.ip}      # and from the VM's side\n{_indent(out)}")
    check(f"{topo.name(VM1.name)} -> {bm1} ({BM1.ip}): {replies}/3 replies", replies == 3)

    replies, out = topo.ping(BM1, VM2, count=2, size=1472)
    print(f"  $ ip netns exec {bm1} ping -c 2 -s 1472 {VM2.ip}      # 1500-byte packets: 1564 bytes on the"
          f" underlay (MTU 1600)\n{_indent(out)}")
    check(f"{bm1} -> vm2 with full-size (1500-byte) IP packets: {replies}/2 replies", replies == 2)

    _section("4. ARP suppression: the operator records vm2's IP, and the gateway answers for it")
    uuid = topo.vtep_ctl("--bare", "--columns=_uuid", "find", "Ucast_Macs_Remote", f'MAC="{VM2.mac}"')
    print(f"  $ vtep-ctl set Ucast_Macs_Remote $(vtep-ctl --bare --columns=_uuid find Ucast_Macs_Remote"
          f" MAC={VM2.mac}) ipaddr={VM2.ip}")
    topo.vtep_ctl("set", "Ucast_Macs_Remote", uuid, f"ipaddr={VM2.ip}")
    wait_until(topo.gateway.in_sync, "gwctl writing the arp_suppress entry", timeout=60)
    topo.ns[BM1.name].run(["ip", "neigh", "flush", "dev", "eth0"])
    print(f"  $ ip netns exec {bm1} ip neigh flush dev eth0; ip netns exec {bm1} ping -c 1 {VM2.ip}")
    who_has = f"who-has {VM2.ip} tell {BM1.ip}"
    with topo.capture("hv1", "udp port 4789") as wire, topo.capture(BM1.name, "arp") as at_bm1:
        topo.wait_for_ping(BM1, VM2)
    replies = [line for line in at_bm1.read_text().splitlines() if f"Reply {VM2.ip} is-at {VM2.mac}" in line]
    print(f"  tcpdump -i eth0 on {bm1}:\n" + _indent("\n".join(replies) or "-"))
    crossed = [line for line in wire.read_text().splitlines() if who_has in line]
    print(f"  bm1's ARP requests for {VM2.ip} seen on {hv1}'s underlay: {len(crossed)}")
    check("ARP for vm2 answered by the gateway itself, not flooded over VXLAN", bool(replies) and not crossed)

    _section("5. What each side learned")
    macs = topo.local_macs()
    print(f"  $ vtep-ctl list-local-macs {LOGICAL_SWITCH}      # written by gwctl from the data plane's digest")
    print(_indent(macs))
    check(f"{BM1.mac} in Ucast_Macs_Local, behind the gateway's tunnel IP",
          f"{BM1.mac} -> vxlan_over_ipv4/{GW_TUNNEL_IP}" in macs)
    print(f"  $ ip netns exec {bm1} ip neigh      # its neighbours (vm2 answered by the gateway since step 4)")
    print(_indent(topo.ns[BM1.name].run(["ip", "neigh", "show"]).stdout.strip()))
    print(f"  $ ovs-appctl fdb/show br-int      # on {hv1}: bm1's MAC learned on the VXLAN port")
    fdb = topo.hv.fdb("br-int")
    print(_indent("\n".join(f"{mac}  VLAN {vlan}  port {port}" for port, vlan, mac in fdb)))
    check(f"{hv1}'s br-int learned {BM1.mac} on vxlan0", ("vxlan0", 0, BM1.mac) in fdb)
    print(f"  $ ovs-appctl tnl/arp/show      # on {hv1}: the gateway's tunnel IP, answered by gwctl (packet-in/out)")
    print(_indent(topo.hv.appctl("tnl/arp/show")))

    _section("6. Counters")
    print("  Logical_Binding_Stats of the binding (gwctl copies the P4 binding counters every 5 s: the latest copy):")
    wait_until(lambda: topo.binding_stats()["packets_to_local"] >= 9, "binding counters in the vtep DB", timeout=30)
    stats = topo.binding_stats()
    print(_indent(" ".join(f"{k}={v}" for k, v in stats.items())))
    check("binding counters reached the vtep DB", stats["packets_to_local"] >= 9 and stats["packets_from_local"] >= 9)
    wire = topo.hv.port_stats("br-phy", "eth0")
    print(f"  underlay wire at {hv1} (br-phy port eth0): {wire.get('rx_pkts', 0)} packets from the gateway,"
          f" {wire.get('tx_pkts', 0)} to it (VXLAN, plus OVS's ARP for {GW_TUNNEL_IP})")

    _section("7. gwctl restarts: the data plane keeps forwarding, and the agent rewrites nothing")
    gateway = topo.gateway
    gateway.stop_agent()
    replies, _ = topo.ping(BM1, VM1, count=2, wait=1.0)
    print(f"  gwctl stopped: {bm1} -> vm1 {replies}/2 replies (the entries live in the switch)")
    check(f"traffic flows while gwctl is down ({replies}/2 replies)", replies == 2)
    log_size = gateway.agent_log.stat().st_size
    gateway.start_agent()
    wait_until(lambda: "learned MACs known" in gateway.agent_log.read_text()[log_size:], "gwctl reading back", 30)
    time.sleep(1.0)
    after = gateway.agent_log.read_text()[log_size:]
    readback = next(line for line in after.splitlines() if "learned MACs known" in line)
    print(f"  gwctl started again: {readback.split(': ', 2)[-1]}")
    writes = [line.split(": ", 2)[-1] for line in after.splitlines() if "agent: writing" in line]
    print("  its writes after the restart: " + ("; ".join(writes) or "none"))
    print(_indent(gateway.gwctl("status")))
    check("gwctl restart: entries and learned MACs recovered from the switch, nothing rewritten", not writes)

    _section(f"8. The operator removes the binding: {bm1} is cut off")
    print(f"  $ vtep-ctl unbind-ls {SWITCH} {ACCESS_PORT} {topo.vlan}")
    topo.vtep_ctl("unbind-ls", SWITCH, ACCESS_PORT, str(topo.vlan))
    wait_until(lambda: BM1.mac not in topo.local_macs(), "gwctl withdrawing the MAC learned on the binding", 30)
    print("  gwctl withdrew the binding's MACs:")
    print(_indent(topo.local_macs()))
    replies, out = topo.ping(BM1, VM1, count=3, wait=1.0)
    print(f"  $ ip netns exec {bm1} ping -c 3 {VM1.ip}\n{_indent(out)}")
    check(f"{bm1} -> vm1 fails once unbound ({replies}/3 replies)", replies == 0)


def _variant(ovn: bool) -> tuple[type[Topology], Callable[[Any, Checks], None]]:
    """The network and the story: the operator's vtep-ctl (default) or OVN through ovn-controller-vtep.
    Imported late so that the default demo does not load the OVN helpers."""
    if not ovn:
        return Topology, scenario
    from demo.ovn import OvnTopology
    from demo.ovn_scenario import ovn_scenario

    return OvnTopology, ovn_scenario


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--vlan", type=int, default=0, help="bm1 sends 802.1Q-tagged frames with this VID (0: untagged)")
    ap.add_argument("--prefix", default="", help="prefix of the namespace names (default: gw, bm1, hv1, vm1, vm2)")
    ap.add_argument("--workdir", type=Path, help="databases, sockets and logs (default: a temporary directory)")
    ap.add_argument("--keep", action="store_true", help="keep the work directory (logs) after the run")
    ap.add_argument("--trace", action="store_true", help="p4sim per-packet trace in <workdir>/gw/p4sim.trace")
    ap.add_argument("--ovn", action="store_true",
                    help="OVN drives the gateway through ovn-controller-vtep (demo/ovn.py, docs/ovn.md)")
    args = ap.parse_args(argv)
    if os.geteuid() != 0:
        print("the demo needs root (network namespaces, veths)", file=sys.stderr)
        return 2
    # SIGTERM and SIGHUP unwind like Ctrl-C, so the `with` block removes everything
    def interrupt(signum: int, _frame: object) -> None:
        raise KeyboardInterrupt(signal.Signals(signum).name)

    for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, interrupt)

    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="vtep-demo-"))
    check = Checks()
    ok = False
    start = time.monotonic()
    try:
        _section("1. Topology")
        print(f"  underlay 198.18.0.0/24: gateway {GW_TUNNEL_IP} <-> hypervisor {HV_TUNNEL_IP};"
              f" overlay 192.0.2.0/24, VNI {'chosen by OVN' if args.ovn else 5000}; work dir {workdir}")
        topology, story = _variant(args.ovn)
        with topology(workdir, prefix=args.prefix, vlan=args.vlan, trace=args.trace,
                      say=lambda s: print(f"  {s}", flush=True)) as topo:
            story(topo, check)
            ok = check.passed
            print("\n  removing namespaces and processes ...", flush=True)
    except (LabError, DaemonExited) as exc:
        print(f"\ndemo failed: {exc}", file=sys.stderr)
        for log in sorted(workdir.glob("**/*.log"))[:8]:
            tail = "\n".join(log.read_text(errors="replace").splitlines()[-8:])
            print(f"--- {log}\n{tail}", file=sys.stderr)
    except KeyboardInterrupt as exc:
        print(f"\ninterrupted ({exc or 'SIGINT'}); namespaces and daemons removed", file=sys.stderr)
        if args.workdir is None and not args.keep:
            shutil.rmtree(workdir, ignore_errors=True)
        return 130
    _section("Summary")
    for what, passed in check.results:
        print(f"  {'ok    ' if passed else 'FAILED'} {what}")
    print(f"  {'all checks passed' if ok else 'FAILED'} in {time.monotonic() - start:.0f}s;"
          " namespaces and daemons removed")
    if args.keep or not ok:
        print(f"  logs: {workdir}")
    elif args.workdir is None:
        shutil.rmtree(workdir, ignore_errors=True)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
