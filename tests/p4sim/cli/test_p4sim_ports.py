"""Port I/O on real veth pairs: frames in and out, our own transmissions not
read back, VLAN tags kept, pcap files readable by standard tools."""

from __future__ import annotations

import os
import select
import socket
import struct
import threading
import time

import pytest
from p4sim_netns import NetNs
from scapy.utils import rdpcap

from p4sim.ports import PortSet, parse_interface, serve_ports, stop_pipe

pytestmark = pytest.mark.skipif(os.geteuid() != 0, reason="needs root for namespaces and raw sockets")

ETH_P_ALL = 0x0003


@pytest.fixture
def ns():
    n = NetNs(2)
    yield n
    n.delete()


def frame(dst: int, payload: bytes = b"p4sim-test", ethertype: int = 0x88B5) -> bytes:
    return bytes.fromhex(f"02000000{dst:04x}") + bytes.fromhex("020000000001") + struct.pack("!H", ethertype) + \
        payload.ljust(46, b"\0")


def host_socket(name: str) -> socket.socket:
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_ALL))
    s.bind((name, 0))
    s.setblocking(False)
    return s


def recv_all(s: socket.socket, window: float = 0.3) -> list[bytes]:
    got = []
    deadline = time.monotonic() + window
    while (left := deadline - time.monotonic()) > 0:
        r, _, _ = select.select([s], [], [], left)
        if not r:
            break
        while True:
            try:
                data, addr = s.recvfrom(65535)
            except BlockingIOError:
                break
            if addr[2] != socket.PACKET_OUTGOING:
                got.append(data)
    return got


def test_parse_interface():
    assert parse_interface("3@veth3") == (3, "veth3")
    for bad in ("veth3", "x@veth", "3@", "-1@a"):
        with pytest.raises(ValueError):
            parse_interface(bad)


def test_frames_in_and_out_and_own_frames_ignored(ns, tmp_path):
    ports = ns.call(lambda: PortSet.open([(0, "sw0"), (1, "sw1")], tmp_path))
    h0, h1 = ns.call(lambda: (host_socket("h0"), host_socket("h1")))
    try:
        sent = frame(1)
        h0.send(sent)
        time.sleep(0.1)
        got = ports.receive(ports.ports[0])
        assert got == [sent]
        # Transmit out of port 1: the host side sees it, and the switch does
        # not read its own frame back on sw1.
        ports.transmit([(1, sent), (7, sent)])  # port 7 has no interface: dropped
        assert recv_all(h1) == [sent]
        assert ports.receive(ports.ports[1]) == []
        assert ports.ports[1].tx == 1
    finally:
        h0.close()
        h1.close()
        ports.close()
    caps_in = rdpcap(str(tmp_path / "sw0_in.pcap"))
    caps_out = rdpcap(str(tmp_path / "sw1_out.pcap"))
    assert [bytes(p) for p in caps_in] == [sent]
    assert [bytes(p) for p in caps_out] == [sent]
    assert len(rdpcap(str(tmp_path / "sw1_in.pcap"))) == 0


def test_vlan_tag_is_kept(ns):
    ports = ns.call(lambda: PortSet.open([(0, "sw0")]))
    h0 = ns.call(lambda: host_socket("h0"))
    try:
        tagged = frame(1)[:12] + struct.pack("!HH", 0x8100, (3 << 13) | 100) + frame(1)[12:]
        h0.send(tagged)
        time.sleep(0.1)
        assert ports.receive(ports.ports[0]) == [tagged]
    finally:
        h0.close()
        ports.close()


def test_serve_ports_forwards_and_stops(ns):
    ports = ns.call(lambda: PortSet.open([(0, "sw0"), (1, "sw1")]))
    h0, h1 = ns.call(lambda: (host_socket("h0"), host_socket("h1")))
    r, w = stop_pipe()
    seen: list[tuple[int, bytes]] = []

    def handle(port: int, data: bytes):
        seen.append((port, data))
        return [(1 - port, data[::-1])]

    t = threading.Thread(target=serve_ports, args=(ports, handle, r))
    t.start()
    try:
        sent = frame(9)
        h0.send(sent)
        assert recv_all(h1, 1.0) == [sent[::-1]]
        assert seen == [(0, sent)]
    finally:
        os.write(w, b"x")
        t.join(5)
        alive = t.is_alive()
        h0.close()
        h1.close()
        ports.close()
        os.close(r)
        os.close(w)
    assert not alive, "serve_ports did not stop when asked"
