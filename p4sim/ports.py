"""Data-plane ports: one AF_PACKET socket per interface, a receive loop that
feeds the switch, and optional pcap capture per port and direction.

BMv2 attaches interfaces through libpcap; this does the same job with raw
sockets so p4sim needs no C library. Two details libpcap handles for BMv2
are handled here too: frames the switch itself sent come back on the socket
as PACKET_OUTGOING and are ignored, and an 802.1Q tag the kernel stripped
into packet metadata (VLAN offload on veths) is put back into the frame, so
the program sees the bytes that were on the wire.
"""

from __future__ import annotations

import errno
import os
import selectors
import socket
import struct
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

ETH_P_ALL = 0x0003
SOL_PACKET = 263
PACKET_ADD_MEMBERSHIP = 1
PACKET_MR_PROMISC = 1
PACKET_AUXDATA = 8
PACKET_OUTGOING = 4
TP_STATUS_VLAN_VALID = 0x10
TP_STATUS_VLAN_TPID_VALID = 0x40
_AUXDATA = struct.Struct("=IIIHHHH")
MAX_FRAME = 65535 + 4


class PortError(RuntimeError):
    """An interface that cannot be attached (missing, no permission)."""


class PcapFile:
    """A classic pcap file (Ethernet link type) flushed after every record, so
    captures can be read while the switch runs and survive a kill. Records
    are written under a lock: the port loop and the P4Runtime server (for
    PacketOut) transmit from different threads."""

    _HEADER = struct.pack("=IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, MAX_FRAME, 1)

    def __init__(self, path: Path):
        self.path = path
        self._f = open(path, "wb")  # noqa: SIM115 - lives as long as the port
        self._lock = threading.Lock()
        self._f.write(self._HEADER)
        self._f.flush()

    def write(self, frame: bytes, ts: float | None = None) -> None:
        ts = time.time() if ts is None else ts
        sec = int(ts)
        usec = int((ts - sec) * 1_000_000)
        record = struct.pack("=IIII", sec, usec, len(frame), len(frame)) + frame
        with self._lock:
            self._f.write(record)
            self._f.flush()

    def close(self) -> None:
        self._f.close()


@dataclass
class Port:
    number: int
    name: str
    sock: socket.socket
    pcap_in: PcapFile | None = None
    pcap_out: PcapFile | None = None
    rx: int = 0
    tx: int = 0


def parse_interface(spec: str) -> tuple[int, str]:
    """``N@name`` as BMv2's ``-i`` takes it."""
    num, sep, name = spec.partition("@")
    if not sep or not name:
        raise ValueError(f"interface {spec!r} is not of the form <port-num>@<interface-name>")
    try:
        port = int(num)
    except ValueError:
        raise ValueError(f"interface {spec!r}: port number {num!r} is not an integer") from None
    if port < 0:
        raise ValueError(f"interface {spec!r}: port number must not be negative")
    return port, name


def _open_socket(name: str) -> socket.socket:
    try:
        socket.if_nametoindex(name)
    except OSError:
        raise PortError(f"interface {name} does not exist") from None
    try:
        s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_ALL))
    except PermissionError:
        raise PortError(f"interface {name}: raw sockets need root (CAP_NET_RAW)") from None
    try:
        s.bind((name, ETH_P_ALL))
        ifindex = socket.if_nametoindex(name)
        mreq = struct.pack("iHH8s", ifindex, PACKET_MR_PROMISC, 0, b"")
        s.setsockopt(SOL_PACKET, PACKET_ADD_MEMBERSHIP, mreq)
        s.setsockopt(SOL_PACKET, PACKET_AUXDATA, 1)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4 << 20)
        s.setblocking(False)
    except OSError as e:
        s.close()
        raise PortError(f"interface {name}: {e.strerror or e}") from None
    return s


def _restore_vlan(frame: bytes, ancdata: list[tuple[int, int, bytes]]) -> bytes:
    for level, kind, data in ancdata:
        if level != SOL_PACKET or kind != PACKET_AUXDATA or len(data) < _AUXDATA.size:
            continue
        status, _len, _snap, _mac, _net, tci, tpid = _AUXDATA.unpack_from(data)
        if status & TP_STATUS_VLAN_VALID or tci:
            if not status & TP_STATUS_VLAN_TPID_VALID or not tpid:
                tpid = 0x8100
            return frame[:12] + struct.pack("!HH", tpid, tci) + frame[12:]
    return frame


@dataclass
class PortSet:
    """All attached ports. ``transmit`` may be called from any thread (the
    P4Runtime server sends PacketOut results through it); the receive loop
    runs in one thread."""

    ports: dict[int, Port] = field(default_factory=dict)
    log: Callable[[str], None] | None = None

    @classmethod
    def open(cls, interfaces: Iterable[tuple[int, str]], pcap_dir: str | Path | None = None,
             log: Callable[[str], None] | None = None) -> PortSet:
        ps = cls(log=log)
        try:
            for number, name in interfaces:
                if number in ps.ports:
                    raise PortError(f"port {number} is attached twice ({ps.ports[number].name} and {name})")
                port = Port(number, name, _open_socket(name))
                ps.ports[number] = port
                if pcap_dir is not None:
                    d = Path(pcap_dir)
                    port.pcap_in = PcapFile(d / f"{name}_in.pcap")
                    port.pcap_out = PcapFile(d / f"{name}_out.pcap")
        except BaseException:
            ps.close()
            raise
        return ps

    def close(self) -> None:
        for p in self.ports.values():
            p.sock.close()
            for f in (p.pcap_in, p.pcap_out):
                if f is not None:
                    f.close()
        self.ports.clear()

    def transmit(self, outputs: Iterable[tuple[int, bytes]]) -> None:
        """Send frames; a frame for a port with no interface is dropped, as
        BMv2 drops it."""
        for number, frame in outputs:
            port = self.ports.get(number)
            if port is None:
                if self.log:
                    self.log(f"dropping frame for port {number}: no interface attached")
                continue
            if port.pcap_out is not None:
                port.pcap_out.write(frame)
            try:
                port.sock.send(frame)
                port.tx += 1
            except OSError as e:
                # A link that is down or a frame over the MTU loses this
                # frame only; the switch keeps running, like BMv2.
                if self.log:
                    self.log(f"port {number} ({port.name}): send failed: {e.strerror or e}")

    def receive(self, port: Port) -> list[bytes]:
        """Every frame waiting on ``port`` (none of them our own)."""
        frames: list[bytes] = []
        while True:
            try:
                data, anc, _flags, addr = port.sock.recvmsg(MAX_FRAME, socket.CMSG_SPACE(_AUXDATA.size))
            except BlockingIOError:
                return frames
            except OSError as e:
                if e.errno in (errno.ENETDOWN, errno.ENXIO):
                    return frames
                raise
            if addr[2] == PACKET_OUTGOING:
                continue
            frame = _restore_vlan(data, anc)
            port.rx += 1
            if port.pcap_in is not None:
                port.pcap_in.write(frame)
            frames.append(frame)


def serve_ports(
    ports: PortSet,
    handle: Callable[[int, bytes], Iterable[tuple[int, bytes]]],
    stop_fd: int,
) -> None:
    """Receive on every port until ``stop_fd`` becomes readable; each frame is
    handed to ``handle(port, frame)`` and whatever it returns is sent."""
    sel = selectors.DefaultSelector()
    try:
        for port in ports.ports.values():
            sel.register(port.sock, selectors.EVENT_READ, port)
        sel.register(stop_fd, selectors.EVENT_READ, None)
        while True:
            for key, _ in sel.select():
                if key.data is None:
                    return
                for frame in ports.receive(key.data):
                    ports.transmit(handle(key.data.number, frame))
    finally:
        sel.close()


def stop_pipe() -> tuple[int, int]:
    """A (read, write) pipe whose write end a signal handler may write to."""
    r, w = os.pipe()
    os.set_blocking(w, False)
    return r, w
