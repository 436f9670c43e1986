"""A minimal `ping`: ICMP echo through the kernel of the namespace it runs in.

The demo's hosts use the kernel's own IPv4 stack (ARP, routing, echo
replies); only the sender is ours, because Debian's iputils-ping is not among
the project's dependencies. Run inside a host:

    ip netns exec bm1 python3 -m demo.ping -c 3 192.0.2.21

Prints one line per reply, a summary like ping's, and exits 0 when at least
one reply came back (as ping does), 1 otherwise.
"""

from __future__ import annotations

import argparse
import os
import select
import socket
import struct
import sys
import time


def checksum(data: bytes) -> int:
    if len(data) % 2:
        data += b"\0"
    total = sum(struct.unpack(f"!{len(data) // 2}H", data))
    while total >> 16:
        total = (total & 0xFFFF) + (total >> 16)
    return ~total & 0xFFFF


def echo_request(ident: int, seq: int, size: int) -> bytes:
    payload = bytes(i & 0xFF for i in range(size))
    header = struct.pack("!BBHHH", 8, 0, 0, ident, seq)
    return struct.pack("!BBHHH", 8, 0, checksum(header + payload), ident, seq) + payload


def ping(dst: str, count: int, wait: float, interval: float, size: int = 56) -> int:
    """Send `count` echo requests; return how many were answered."""
    ident = os.getpid() & 0xFFFF
    received = 0
    with socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP) as sock:
        print(f"PING {dst} {size}({size + 28}) bytes of data.")
        for seq in range(1, count + 1):
            start = time.monotonic()
            try:
                sock.sendto(echo_request(ident, seq, size), (dst, 0))
            except OSError as exc:  # e.g. no route: report it like ping does, and go on
                print(f"From {dst} icmp_seq={seq} {exc.strerror}")
                time.sleep(wait)
                continue
            deadline = start + wait
            while (left := deadline - time.monotonic()) > 0:
                if not select.select([sock], [], [], left)[0]:
                    break
                data, addr = sock.recvfrom(65535)
                ihl = (data[0] & 0x0F) * 4
                kind, _, _, rid, rseq = struct.unpack("!BBHHH", data[ihl:ihl + 8])
                if kind == 0 and rid == ident and rseq == seq:
                    rtt = (time.monotonic() - start) * 1000
                    print(f"{len(data) - ihl} bytes from {addr[0]}: icmp_seq={seq} ttl={data[8]} time={rtt:.1f} ms")
                    received += 1
                    break
            if seq < count:
                time.sleep(max(0.0, interval - (time.monotonic() - start)))
    loss = 100 * (count - received) // count
    print(f"--- {dst} ping statistics ---\n{count} packets transmitted, {received} received, {loss}% packet loss")
    return received


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="ICMP echo (a minimal ping)")
    ap.add_argument("destination")
    ap.add_argument("-c", "--count", type=int, default=3)
    ap.add_argument("-W", "--wait", type=float, default=2.0, help="seconds to wait for each reply")
    ap.add_argument("-i", "--interval", type=float, default=0.5)
    ap.add_argument("-s", "--size", type=int, default=56, help="ICMP payload bytes")
    args = ap.parse_args(argv)
    sys.stdout.reconfigure(line_buffering=True)
    return 0 if ping(args.destination, args.count, args.wait, args.interval, args.size) else 1


if __name__ == "__main__":
    sys.exit(main())
