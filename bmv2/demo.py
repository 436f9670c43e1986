"""The demo: a P4 target on veth pairs in a namespace, fed with real frames.

Starts the chosen target (p4sim by default) with ``p4src/examples/l2_demo.p4``
on two veth pairs inside a private namespace, sends L2 and routed IPv4 frames
from the host ends with scapy, and prints what came out of which port. Run
with ``make demo`` (root needed for the namespace).
"""

from __future__ import annotations

import argparse
import os
import select
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from scapy.layers.inet import ICMP, IP
from scapy.layers.l2 import Ether

from bmv2.netns import SwitchNamespace
from bmv2.target import TargetSpec, target_command

REPO = Path(__file__).resolve().parents[1]
PROGRAM = REPO / "p4src" / "examples" / "l2_demo.p4"
ETH_P_ALL = 0x0003
Step = tuple[str, int, bytes]


def frames() -> list[Step]:
    """(description, ingress port, frame) for each step of the demo."""
    router, h0, h1 = "02:00:00:00:00:fe", "02:00:00:00:00:01", "02:00:00:00:00:02"
    return [
        ("L2 frame to a known MAC", 0, bytes(Ether(dst=h1, src=h0, type=0x88B5) / (b"demo" * 12))),
        ("L2 frame to an unknown MAC (dropped)", 0, bytes(Ether(dst="02:00:00:00:00:99", src=h0) / (b"x" * 46))),
        ("IPv4 routed 192.0.2.10 -> 198.51.100.20", 0,
         bytes(Ether(dst=router, src=h0) / IP(src="192.0.2.10", dst="198.51.100.20", ttl=5) / ICMP())),
        ("IPv4 with TTL 1 (dropped)", 0,
         bytes(Ether(dst=router, src=h0) / IP(src="192.0.2.10", dst="198.51.100.20", ttl=1) / ICMP())),
    ]


def exchange(host_ifs: list[str], steps: list[Step], window: float) -> list[list[tuple[int, bytes]]]:
    """Runs inside the namespace: send each frame, collect what every host
    interface receives within ``window`` seconds."""
    socks = []
    for name in host_ifs:
        s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_ALL))
        s.bind((name, 0))
        s.setblocking(False)
        socks.append(s)
    results = []
    for _, port, data in steps:
        socks[port].send(data)
        got: list[tuple[int, bytes]] = []
        deadline = time.monotonic() + window
        while (left := deadline - time.monotonic()) > 0:
            ready, _, _ = select.select(socks, [], [], left)
            for s in ready:
                while True:
                    try:
                        pkt, addr = s.recvfrom(65535)
                    except BlockingIOError:
                        break
                    if addr[2] != socket.PACKET_OUTGOING:
                        got.append((socks.index(s), pkt))
        results.append(got)
    return results


def describe(pkt: bytes) -> str:
    return Ether(pkt).summary()


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--target", default=os.environ.get("TARGET", "p4sim"))
    ap.add_argument("--namespace", default=f"p4demo{os.getpid()}")
    ap.add_argument("--inner", nargs="*", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)

    if args.inner is not None:  # running inside the namespace
        steps = frames()
        for (desc, port, _), outs in zip(steps, exchange(args.inner, steps, 0.5), strict=True):
            print(f"* {desc}: in port {port}")
            for out_port, pkt in outs:
                print(f"    out port {out_port}: {describe(pkt)}")
            if not outs:
                print("    dropped")
        return 0

    with tempfile.TemporaryDirectory(prefix="p4demo-") as work, SwitchNamespace(args.namespace, 2) as ns:
        spec = TargetSpec(args.target, PROGRAM)
        log = os.path.join(work, "target.log")
        proc = ns.spawn(target_command(spec, ns.interface_args(), Path(work)), log_path=log)
        time.sleep(2.0)
        if proc.poll() is not None:
            sys.stderr.write(Path(log).read_text())
            print(f"target exited with status {proc.returncode}", file=sys.stderr)
            return 1
        print(f"{args.target} is running {PROGRAM.relative_to(REPO)} on ports 0@sw0, 1@sw1 in namespace {ns.name}")
        inner = [sys.executable, "-m", "bmv2.demo", "--inner", *[link.host_if for link in ns.links]]
        result = subprocess.run(["ip", "netns", "exec", ns.name, *inner], cwd=REPO)
        return result.returncode


if __name__ == "__main__":
    sys.exit(main())
