"""BFD (RFC 5880, asynchronous mode) over a VXLAN tunnel, as Open vSwitch runs it: pure codec and state machine.

A hardware VTEP is expected to run one BFD session per Tunnel row (vtep(5),
Tunnel table) so that the NVC sees tunnel health and the switch can pick a
live service node. OVS, the usual peer, runs BFD inside the tunnel: the
control packet is an inner Ethernet/IPv4/UDP frame (dst MAC 00:23:20:00:00:01,
169.254.1.1 -> 169.254.1.0, TTL 255, UDP dst 3784) carried in VXLAN with the
tunnel's key (0 for a port without `options:key`, and for `key=flow` too:
OVS's BFD packets carry no tunnel metadata). We do the same, so an OVS
`Interface` with `bfd:enable=true` and our Tunnel with `bfd_params:enable=true`
form one session.

Nothing here does I/O or reads a clock: a `Session` is an immutable value,
and every function takes the current time (`now`, seconds on a monotonic
clock) and returns the new session, so each RFC rule is a plain unit test.
`gwctl.bfd_io` feeds packets and time in and sends what comes out.

Diagnostic strings are those OVS writes in `Interface:bfd_status` (and that
ovs-vtep copies into `Tunnel:bfd_status`), so an NVC reads the same words
from us as from an OVS VTEP.
"""

from __future__ import annotations

import dataclasses
import enum
import ipaddress
import struct
from collections.abc import Mapping
from dataclasses import dataclass

BFD_UDP_PORT = 3784           # RFC 5881: single-hop control packets
VXLAN_UDP_PORT = 4789
BFD_DEFAULT_DST_MAC = "00:23:20:00:00:01"   # vtep(5) bfd_config_*:bfd_dst_mac; OVS's eth_addr_bfd
BFD_DEFAULT_SRC_IP = "169.254.1.1"           # OVS Interface bfd:bfd_src_ip default
BFD_DEFAULT_DST_IP = "169.254.1.0"           # OVS Interface bfd:bfd_dst_ip default
BFD_VNI = 0                   # what OVS sends on a tunnel with no key, key=0 or key=flow
BFD_TTL = 255                 # RFC 5881 section 5: sent with 255, received only with 255
CONTROL_LEN = 24              # mandatory section, no authentication
SLOW_TX_US = 1_000_000        # RFC 5880 6.8.3: at least 1 s while the session is not Up
VERSION = 1

FLAG_POLL, FLAG_FINAL, FLAG_CPI, FLAG_AUTH, FLAG_DEMAND, FLAG_MULTIPOINT = 0x20, 0x10, 0x08, 0x04, 0x02, 0x01


class State(enum.IntEnum):
    """bfd.SessionState (RFC 5880 4.1 Sta); names as vtep(5) bfd_status:state has them."""

    ADMIN_DOWN = 0
    DOWN = 1
    INIT = 2
    UP = 3

    @property
    def text(self) -> str:
        return self.name.lower()


class Diag(enum.IntEnum):
    """RFC 5880 4.1 diagnostic codes."""

    NONE = 0
    EXPIRED = 1
    ECHO_FAILED = 2
    NEIGHBOR_DOWN = 3
    FWD_RESET = 4
    PATH_DOWN = 5
    CPATH_DOWN = 6
    ADMIN_DOWN = 7
    RCPATH_DOWN = 8

    @property
    def text(self) -> str:
        return _DIAG_TEXT[self]


_DIAG_TEXT = {
    Diag.NONE: "No Diagnostic",
    Diag.EXPIRED: "Control Detection Time Expired",
    Diag.ECHO_FAILED: "Echo Function Failed",
    Diag.NEIGHBOR_DOWN: "Neighbor Signaled Session Down",
    Diag.FWD_RESET: "Forwarding Plane Reset",
    Diag.PATH_DOWN: "Path Down",
    Diag.CPATH_DOWN: "Concatenated Path Down",
    Diag.ADMIN_DOWN: "Administratively Down",
    Diag.RCPATH_DOWN: "Reverse Concatenated Path Down",
}


class MalformedPacket(ValueError):
    """A frame or control packet that cannot be a valid BFD packet for us; the message says why."""


class PacketDiscarded(ValueError):
    """A well-formed control packet that RFC 5880 6.8.6 says to discard for this session; the message says why."""


# ---------------------------------------------------------------- control packet codec


@dataclass(frozen=True)
class ControlPacket:
    """The mandatory section of a BFD control packet (RFC 5880 4.1); intervals in microseconds."""

    state: State
    diag: Diag = Diag.NONE
    detect_mult: int = 3
    my_disc: int = 0
    your_disc: int = 0
    desired_min_tx: int = SLOW_TX_US
    required_min_rx: int = 1_000_000
    required_min_echo_rx: int = 0
    flags: int = 0
    version: int = VERSION
    length: int = CONTROL_LEN

    @property
    def poll(self) -> bool:
        return bool(self.flags & FLAG_POLL)

    @property
    def final(self) -> bool:
        return bool(self.flags & FLAG_FINAL)


def encode_control(p: ControlPacket) -> bytes:
    return struct.pack("!BBBBIIIII", (p.version << 5) | int(p.diag), (int(p.state) << 6) | p.flags,
                       p.detect_mult, p.length, p.my_disc, p.your_disc, p.desired_min_tx, p.required_min_rx,
                       p.required_min_echo_rx)


def decode_control(data: bytes) -> ControlPacket:
    """A control packet from a UDP payload; the reception checks of RFC 5880 6.8.6 that need no session.

    Raises MalformedPacket naming the rule broken (version, length, detect
    multiplier, multipoint, discriminator, authentication we do not run).
    """
    if len(data) < CONTROL_LEN:
        raise MalformedPacket(f"control packet of {len(data)} bytes, shorter than {CONTROL_LEN}")
    b0, b1, mult, length, my, your, tx, rx, echo = struct.unpack("!BBBBIIIII", data[:CONTROL_LEN])
    version, flags = b0 >> 5, b1 & 0x3F
    if version != VERSION:
        raise MalformedPacket(f"version {version}, not {VERSION}")
    if flags & FLAG_AUTH:
        raise MalformedPacket("authentication present, none configured")
    if length < CONTROL_LEN:
        raise MalformedPacket(f"length field {length} < {CONTROL_LEN}")
    if length > len(data):
        raise MalformedPacket(f"length field {length} > the {len(data)} bytes received")
    if mult == 0:
        raise MalformedPacket("detect multiplier 0")
    if flags & FLAG_MULTIPOINT:
        raise MalformedPacket("multipoint bit set")
    if my == 0:
        raise MalformedPacket("my discriminator 0")
    diag = b0 & 0x1F
    return ControlPacket(State(b1 >> 6), Diag(diag) if diag in Diag._value2member_map_ else Diag.NONE, mult,
                         my, your, tx, rx, echo, flags, version, length)


# ---------------------------------------------------------------- the VXLAN frame around it


@dataclass(frozen=True)
class Underlay:
    """How a frame reaches one remote VTEP: out of which port, between which MACs and IPs."""

    port: int
    src_mac: str
    dst_mac: str
    src_ip: str
    dst_ip: str


@dataclass(frozen=True)
class Received:
    """What a punted BFD frame carried: the outer addresses (which tunnel), the VNI and the control packet."""

    src_ip: str
    dst_ip: str
    vni: int
    inner_dst_mac: str
    inner_dst_ip: str
    packet: ControlPacket


def _mac(text: str) -> bytes:
    raw = bytes.fromhex(text.replace(":", ""))
    if len(raw) != 6:
        raise ValueError(f"{text!r} is not a MAC address")
    return raw


def _mac_text(raw: bytes) -> str:
    return ":".join(f"{b:02x}" for b in raw)


def _ipv4_checksum(header: bytes) -> int:
    total = sum(struct.unpack(f"!{len(header) // 2}H", header))
    while total >> 16:
        total = (total & 0xFFFF) + (total >> 16)
    return ~total & 0xFFFF


def _ipv4(src: str, dst: str, payload_len: int, ttl: int, tos: int = 0, ident: int = 0) -> bytes:
    header = struct.pack("!BBHHHBBH4s4s", 0x45, tos, 20 + payload_len, ident, 0x4000, ttl, 17, 0,
                         ipaddress.IPv4Address(src).packed, ipaddress.IPv4Address(dst).packed)
    return header[:10] + struct.pack("!H", _ipv4_checksum(header)) + header[12:]


def encode_frame(packet: ControlPacket, path: Underlay, *, inner_src_mac: str, inner_dst_mac: str = BFD_DEFAULT_DST_MAC,
                 inner_src_ip: str = BFD_DEFAULT_SRC_IP, inner_dst_ip: str = BFD_DEFAULT_DST_IP,
                 udp_src_port: int = 49152, vni: int = BFD_VNI) -> bytes:
    """The whole frame a packet-out puts on the uplink: Ethernet, IPv4, UDP 4789, VXLAN, inner BFD frame.

    Built here because packet-out bypasses the pipeline (docs/pipeline.md
    section 6): nothing encapsulates it for us. Inner IPv4 as OVS builds it
    (TOS 0x18 = low delay + throughput, DF, TTL 255, UDP checksum 0); outer
    headers as the pipeline's own encapsulation (DF, TTL 64, UDP checksum 0,
    source port in 49152..65535).
    """
    control = encode_control(packet)
    udp = struct.pack("!HHHH", udp_src_port, BFD_UDP_PORT, 8 + len(control), 0) + control
    inner_ip = _ipv4(inner_src_ip, inner_dst_ip, len(udp), BFD_TTL, tos=0x18)
    inner = _mac(inner_dst_mac) + _mac(inner_src_mac) + b"\x08\x00" + inner_ip + udp
    vxlan = struct.pack("!II", 0x08000000, (vni & 0xFFFFFF) << 8) + inner
    outer_udp = struct.pack("!HHHH", udp_src_port, VXLAN_UDP_PORT, 8 + len(vxlan), 0) + vxlan
    outer_ip = _ipv4(path.src_ip, path.dst_ip, len(outer_udp), 64)
    return _mac(path.dst_mac) + _mac(path.src_mac) + b"\x08\x00" + outer_ip + outer_udp


def decode_frame(frame: bytes) -> Received:
    """A punted TUNNEL_BFD frame (as received, tunnel headers included) -> addresses, VNI and control packet.

    Raises MalformedPacket with the reason for anything that is not IPv4/UDP
    4789/VXLAN carrying IPv4/UDP 3784 with TTL 255 (RFC 5881 section 5: a
    single-hop session accepts only TTL 255, so a packet cannot come from
    further away than the tunnel's far end).
    """
    def need(n: int, what: str) -> None:
        if len(frame) < n:
            raise MalformedPacket(f"frame of {len(frame)} bytes ends inside the {what}")

    need(14, "outer Ethernet header")
    if frame[12:14] != b"\x08\x00":
        raise MalformedPacket(f"outer ethertype 0x{frame[12:14].hex()}, not IPv4")
    need(34, "outer IPv4 header")
    if frame[14] != 0x45:
        raise MalformedPacket(f"outer IPv4 version/ihl 0x{frame[14]:02x}, not 0x45")
    if frame[23] != 17:
        raise MalformedPacket(f"outer IP protocol {frame[23]}, not UDP")
    src_ip = str(ipaddress.IPv4Address(frame[26:30]))
    dst_ip = str(ipaddress.IPv4Address(frame[30:34]))
    need(42, "outer UDP header")
    if struct.unpack("!H", frame[36:38])[0] != VXLAN_UDP_PORT:
        raise MalformedPacket(f"outer UDP port {struct.unpack('!H', frame[36:38])[0]}, not VXLAN")
    need(50, "VXLAN header")
    flags, vni_word = struct.unpack("!II", frame[42:50])
    if not flags & 0x08000000:
        raise MalformedPacket("VXLAN I flag clear")
    inner = frame[50:]
    if len(inner) < 14 or inner[12:14] != b"\x08\x00":
        raise MalformedPacket("inner frame is not IPv4")
    if len(inner) < 34 or inner[14] >> 4 != 4:
        raise MalformedPacket("inner IPv4 header truncated or not version 4")
    ihl = (inner[14] & 0x0F) * 4
    if ihl < 20 or len(inner) < 14 + ihl + 8:
        raise MalformedPacket("inner IPv4/UDP headers truncated")
    if inner[23] != 17:
        raise MalformedPacket(f"inner IP protocol {inner[23]}, not UDP")
    if struct.unpack("!H", inner[20:22])[0] & 0x3FFF:
        raise MalformedPacket("inner IPv4 packet is a fragment")
    if inner[22] != BFD_TTL:
        raise MalformedPacket(f"inner TTL {inner[22]}, not {BFD_TTL} (RFC 5881: single hop)")
    udp = inner[14 + ihl:]
    dport, ulen = struct.unpack("!H", udp[2:4])[0], struct.unpack("!H", udp[4:6])[0]
    if dport != BFD_UDP_PORT:
        raise MalformedPacket(f"inner UDP port {dport}, not {BFD_UDP_PORT}")
    if ulen < 8 or ulen > len(udp):
        raise MalformedPacket(f"inner UDP length {ulen} does not fit the {len(udp)} bytes received")
    return Received(src_ip, dst_ip, vni_word >> 8, _mac_text(inner[0:6]),
                    str(ipaddress.IPv4Address(inner[30:34])), decode_control(udp[8:ulen]))


# ---------------------------------------------------------------- configuration


@dataclass(frozen=True)
class Config:
    """A Tunnel row's BFD settings (vtep(5) bfd_params, bfd_config_remote, bfd_config_local), checked."""

    enable: bool = False
    min_rx_ms: int = 1000
    min_tx_ms: int = 100
    decay_min_rx_ms: int = 0
    forwarding_if_rx: bool = False
    cpath_down: bool = False
    check_tnl_key: bool = False
    detect_mult: int = 3
    remote_dst_mac: str = BFD_DEFAULT_DST_MAC
    """bfd_config_remote:bfd_dst_mac: destination MAC of what we send."""
    remote_dst_ip: str = BFD_DEFAULT_SRC_IP
    """bfd_config_remote:bfd_dst_ip: destination IP of what we send (vtep(5) default 169.254.1.1)."""
    local_dst_mac: str = BFD_DEFAULT_DST_MAC
    local_dst_ip: str = BFD_DEFAULT_DST_IP


def _bool(params: Mapping[str, str], key: str, default: bool) -> bool:
    value = params.get(key)
    if value is None:
        return default
    if value not in ("true", "false"):
        raise ValueError(f"bfd_params:{key}={value!r}: expected true or false")
    return value == "true"


def _int(params: Mapping[str, str], key: str, default: int, low: int) -> int:
    value = params.get(key)
    if value is None:
        return default
    try:
        number = int(value)
    except ValueError:
        raise ValueError(f"bfd_params:{key}={value!r}: expected an integer") from None
    if number < low:
        raise ValueError(f"bfd_params:{key}={number}: must be at least {low}")
    return number


def config_from_row(params: Mapping[str, str], remote: Mapping[str, str] = {},
                    local: Mapping[str, str] = {}) -> Config:
    """The checked Config of a Tunnel row; ValueError naming the key for a value vtep(5) does not allow.

    decay_min_rx, when set, must not be below min_rx (vtep(5)); 0 disables it.
    """
    min_rx = _int(params, "min_rx", 1000, 1)
    decay = _int(params, "decay_min_rx", 0, 0)
    if decay and decay < min_rx:
        raise ValueError(f"bfd_params:decay_min_rx={decay} is below min_rx={min_rx}")
    for where, columns in (("bfd_config_remote", remote), ("bfd_config_local", local)):
        if "bfd_dst_mac" in columns:
            try:
                _mac(columns["bfd_dst_mac"])
            except ValueError:
                raise ValueError(f"{where}:bfd_dst_mac={columns['bfd_dst_mac']!r} is not a MAC") from None
        if "bfd_dst_ip" in columns:
            try:
                ipaddress.IPv4Address(columns["bfd_dst_ip"])
            except ValueError:
                raise ValueError(f"{where}:bfd_dst_ip={columns['bfd_dst_ip']!r} is not IPv4") from None
    return Config(
        enable=_bool(params, "enable", False), min_rx_ms=min_rx, min_tx_ms=_int(params, "min_tx", 100, 1),
        decay_min_rx_ms=decay, forwarding_if_rx=_bool(params, "forwarding_if_rx", False),
        cpath_down=_bool(params, "cpath_down", False), check_tnl_key=_bool(params, "check_tnl_key", False),
        remote_dst_mac=remote.get("bfd_dst_mac", BFD_DEFAULT_DST_MAC).lower(),
        remote_dst_ip=remote.get("bfd_dst_ip", BFD_DEFAULT_SRC_IP),
        local_dst_mac=local.get("bfd_dst_mac", BFD_DEFAULT_DST_MAC).lower(),
        local_dst_ip=local.get("bfd_dst_ip", BFD_DEFAULT_DST_IP))


# ---------------------------------------------------------------- the session


@dataclass(frozen=True)
class Session:
    """One BFD session (RFC 5880 6.8.1 state variables, plus the timers); intervals in microseconds.

    `tx_used`/`rx_used` are the intervals in force; `tx_adv`/`rx_adv` what we
    advertise. They differ only during a Poll Sequence (6.8.3): a slower
    transmit rate and a faster receive rate wait for the peer's Final.
    """

    config: Config
    local_disc: int
    state: State = State.DOWN
    diag: Diag = Diag.NONE
    remote_disc: int = 0
    remote_state: State = State.DOWN
    remote_diag: Diag = Diag.NONE
    remote_min_rx: int = 1            # RFC 5880 6.8.1: initial bfd.RemoteMinRxInterval
    remote_min_tx: int = 0
    remote_detect_mult: int = 0
    remote_demand: bool = False
    tx_used: int = SLOW_TX_US
    rx_used: int = 1_000_000
    tx_adv: int = SLOW_TX_US
    rx_adv: int = 1_000_000
    polling: bool = False
    final_pending: bool = False
    next_tx: float = 0.0
    detect_at: float | None = None
    """When the session goes down for silence; None until a packet has been received."""
    last_rx: float | None = None
    flaps: int = 0
    # data traffic (bfd_params forwarding_if_rx, decay_min_rx), fed by `account`
    data_forwarding: bool = False
    """forwarding_if_rx: data arrived within the last detection interval (at least 2 s) and BFD packets
    within 100 x min_rx."""
    data_until: float | None = None
    bfd_until: float | None = None
    decayed: bool = False
    """decay_min_rx in force: no data traffic in the last decay interval."""
    decay_at: float | None = None
    decay_data: int = 0

    @property
    def forwarding(self) -> bool:
        """OVS's rule: Up (or, with forwarding_if_rx, data arriving), and the peer signals no path problem."""
        return (self.state == State.UP or self.data_forwarding) and self.remote_diag not in (
            Diag.PATH_DOWN, Diag.CPATH_DOWN, Diag.RCPATH_DOWN)

    @property
    def detection_time(self) -> float:
        """RFC 5880 6.8.4, asynchronous mode: remote DetectMult x max(our RequiredMinRx, their DesiredMinTx), s."""
        return self.remote_detect_mult * max(self.rx_used, self.remote_min_tx) / 1e6

    @property
    def tx_interval(self) -> float:
        """RFC 5880 6.8.7: max(our DesiredMinTx, their RequiredMinRx), seconds, before jitter."""
        return max(self.tx_used, self.remote_min_rx) / 1e6


def _wanted_tx(config: Config, state: State) -> int:
    return config.min_tx_ms * 1000 if state == State.UP else max(config.min_tx_ms * 1000, SLOW_TX_US)


def _wanted_rx(config: Config, decayed: bool) -> int:
    return (config.decay_min_rx_ms if decayed and config.decay_min_rx_ms else config.min_rx_ms) * 1000


def _decay_interval(config: Config) -> float:
    """How often decay_min_rx looks at the data traffic: the decay interval, at least 2 s (as OVS)."""
    return max(config.decay_min_rx_ms, 2000) / 1000


def _local_diag(config: Config, diag: Diag) -> Diag:
    """cpath_down is signalled in our diagnostic while nothing more important is (as OVS does)."""
    if config.cpath_down and diag in (Diag.NONE, Diag.CPATH_DOWN):
        return Diag.CPATH_DOWN
    if not config.cpath_down and diag == Diag.CPATH_DOWN:
        return Diag.NONE
    return diag


def new_session(config: Config, local_disc: int, now: float) -> Session:
    """A session in Down, sending its first packet at once (RFC 5880 6.8.1 initial values)."""
    if not 0 < local_disc < 2**32:
        raise ValueError(f"local discriminator {local_disc} must be a nonzero 32-bit value")
    tx, rx = _wanted_tx(config, State.DOWN), config.min_rx_ms * 1000
    return Session(config, local_disc, diag=_local_diag(config, Diag.NONE), tx_used=tx, rx_used=rx, tx_adv=tx,
                   rx_adv=rx, next_tx=now, decay_at=now + _decay_interval(config) if config.decay_min_rx_ms else None)


def _retime(s: Session) -> Session:
    """Intervals after a change of config or state: immediate unless Up, then through a Poll Sequence."""
    tx, rx = _wanted_tx(s.config, s.state), _wanted_rx(s.config, s.decayed)
    if (tx, rx) == (s.tx_adv, s.rx_adv):
        return s
    if s.state != State.UP:
        return dataclasses.replace(s, tx_used=tx, rx_used=rx, tx_adv=tx, rx_adv=rx, polling=False)
    # RFC 5880 6.8.3: a slower transmit rate and a shorter detection time wait for the Final
    return dataclasses.replace(s, tx_used=min(s.tx_used, tx), rx_used=max(s.rx_used, rx), tx_adv=tx, rx_adv=rx,
                               polling=True)


def _enter(s: Session, state: State, diag: Diag) -> Session:
    """A state change, counted as a flap when it enters or leaves Up; intervals follow the new state."""
    if state == s.state:
        return s
    changed = dataclasses.replace(s, state=state, diag=_local_diag(s.config, diag),
                                  flaps=s.flaps + (1 if State.UP in (state, s.state) else 0))
    return _retime(changed)


def reconfigure(s: Session, config: Config, now: float) -> Session:
    """New bfd_params: new intervals (by Poll Sequence when Up), new cpath_down diagnostic."""
    if config == s.config:
        return s
    changed = dataclasses.replace(s, config=config, diag=_local_diag(config, s.diag))
    if (config.min_rx_ms, config.decay_min_rx_ms) != (s.config.min_rx_ms, s.config.decay_min_rx_ms):
        # vtep(5): decay is reset whenever decay_min_rx or min_rx changes
        changed = dataclasses.replace(changed, decayed=False, decay_data=0, decay_at=(
            now + _decay_interval(config) if config.decay_min_rx_ms else None))
    if not config.forwarding_if_rx:
        changed = dataclasses.replace(changed, data_forwarding=False, data_until=None)
    changed = _retime(changed)
    if changed.polling and not s.polling:
        changed = dataclasses.replace(changed, next_tx=min(changed.next_tx, now))
    return changed


def receive(s: Session, p: ControlPacket, now: float) -> Session:
    """RFC 5880 6.8.6 for a packet that passed `decode_control`: the new session, or PacketDiscarded.

    The session is chosen by the tunnel the packet came through (single hop,
    one session per Tunnel), so Your Discriminator only has to match ours.
    """
    if p.your_disc != 0 and p.your_disc != s.local_disc:
        raise PacketDiscarded(f"your discriminator {p.your_disc} is not ours ({s.local_disc})")
    if p.your_disc == 0 and p.state not in (State.DOWN, State.ADMIN_DOWN):
        raise PacketDiscarded(f"your discriminator 0 in state {p.state.text}")
    s = dataclasses.replace(s, remote_disc=p.my_disc, remote_state=p.state, remote_diag=p.diag,
                            remote_demand=bool(p.flags & FLAG_DEMAND), remote_min_rx=p.required_min_rx,
                            remote_min_tx=p.desired_min_tx, remote_detect_mult=p.detect_mult, last_rx=now,
                            bfd_until=now + 100 * s.config.min_rx_ms / 1000)
    if p.final and s.polling:
        s = dataclasses.replace(s, polling=False, tx_used=s.tx_adv, rx_used=s.rx_adv)
    s = dataclasses.replace(s, detect_at=now + s.detection_time)
    if s.state == State.ADMIN_DOWN:
        return s
    if p.state == State.ADMIN_DOWN:
        if s.state != State.DOWN:
            s = _enter(s, State.DOWN, Diag.NEIGHBOR_DOWN)
    elif s.state == State.DOWN:
        if p.state == State.DOWN:
            s = _enter(s, State.INIT, s.diag)
        elif p.state == State.INIT:
            s = _enter(s, State.UP, Diag.NONE)
    elif s.state == State.INIT:
        if p.state in (State.INIT, State.UP):
            s = _enter(s, State.UP, Diag.NONE)
    elif p.state == State.DOWN:   # Up
        s = _enter(s, State.DOWN, Diag.NEIGHBOR_DOWN)
    if p.poll:
        s = dataclasses.replace(s, final_pending=True, next_tx=now)
    if s.remote_min_rx and s.next_tx > now + s.tx_interval:
        s = dataclasses.replace(s, next_tx=now + s.tx_interval)   # the peer wants packets sooner
    return s


def account(s: Session, data_packets: int, now: float) -> Session:
    """Data packets (not BFD) received from the peer since the last call: feeds forwarding_if_rx and decay_min_rx.

    OVS reads its tunnel port's rx counter for the same purpose; the agent
    reads the switch's remote_vtep_rx counter and takes out the BFD packets.
    """
    if data_packets < 0:
        raise ValueError(f"data packet count {data_packets} < 0")
    s = dataclasses.replace(s, decay_data=s.decay_data + data_packets)
    if data_packets and s.config.forwarding_if_rx:
        # OVS: data keeps the tunnel forwarding for max(detection interval, 2 s), if BFD is heard at all
        window = max(s.rx_used / 1e6 * s.config.detect_mult, 2.0)
        s = dataclasses.replace(s, data_until=now + window,
                                data_forwarding=s.bfd_until is not None and now < s.bfd_until)
    return s


def _timers(s: Session, now: float) -> Session:
    """The data-traffic timers: forwarding_if_rx's window, decay_min_rx's periodic look at the traffic."""
    if s.data_forwarding and (s.data_until is None or now >= s.data_until
                              or s.bfd_until is None or now >= s.bfd_until):
        s = dataclasses.replace(s, data_forwarding=False)
    if s.decay_at is not None and now >= s.decay_at:
        # OVS allows a couple of packets of slack (counter reads and punts are not simultaneous)
        s = dataclasses.replace(s, decayed=s.decay_data <= 2, decay_data=0,
                                decay_at=now + _decay_interval(s.config))
        s = _retime(s)
    return s


def expire(s: Session, now: float) -> Session:
    """RFC 5880 6.8.4: silence for a Detection Time takes an Init or Up session Down (diag 1).

    Also runs the data-traffic timers (forwarding_if_rx window, decay_min_rx).
    """
    s = _timers(s, now)
    if s.detect_at is None or now < s.detect_at:
        return s
    if s.state in (State.INIT, State.UP):
        s = _enter(s, State.DOWN, Diag.EXPIRED)
    # the peer is gone: forget it (6.8.1: RemoteDiscr zeroed; OVS also resets the rest), so a new
    # handshake starts from Down and the status shows no stale remote state
    return dataclasses.replace(s, remote_disc=0, remote_state=State.DOWN, remote_diag=Diag.NONE, remote_min_rx=1,
                               remote_min_tx=0, remote_detect_mult=0, remote_demand=False, detect_at=None)


def transmit(s: Session, now: float, jitter: float) -> tuple[Session, ControlPacket | None]:
    """The packet to send now, if one is due (None otherwise), and the session with its next send time.

    `jitter` in [0, 1) is the random part of RFC 5880 6.8.7: the interval is
    75..100% of tx_interval (75..90% with a detect multiplier of 1). No
    periodic packets while the peer's RequiredMinRx is 0 (6.8.7) or while
    it runs Demand mode with both sides Up (6.8.6), but a Final is always
    answered and a Poll Sequence still runs.
    """
    if now < s.next_tx or s.state == State.ADMIN_DOWN and not s.final_pending:
        return s, None
    if s.remote_min_rx == 0 and not s.final_pending:
        return dataclasses.replace(s, next_tx=now + s.tx_used / 1e6), None
    if (s.remote_demand and s.state == State.UP and s.remote_state == State.UP and not s.final_pending
            and not s.polling):
        # 6.8.6/6.8.7: the peer runs Demand mode: no periodic packets (a Poll or a Final still go)
        return dataclasses.replace(s, next_tx=now + s.tx_interval), None
    flags = FLAG_FINAL if s.final_pending else (FLAG_POLL if s.polling else 0)
    packet = ControlPacket(s.state, s.diag, s.config.detect_mult, s.local_disc, s.remote_disc, s.tx_adv, s.rx_adv,
                           0, flags)
    span = 0.15 if s.config.detect_mult == 1 else 0.25
    interval = s.tx_interval * (0.75 + span * min(max(jitter, 0.0), 0.999999))
    return dataclasses.replace(s, final_pending=False, next_tx=now + interval), packet


def check_received(config: Config, got: Received) -> None:
    """The per-tunnel checks OVS makes before a packet reaches the session (PacketDiscarded with the reason).

    vtep(5): bfd_config_local:bfd_dst_mac is the destination MAC expected on
    received packets; check_tnl_key accepts only tunnel key 0. The inner
    destination IP is not checked, as OVS does not check it either: with the
    vtep(5) defaults two HSCs send to 169.254.1.1 and expect 169.254.1.0, and
    would otherwise never hear each other.
    """
    if got.inner_dst_mac != config.local_dst_mac:
        raise PacketDiscarded(f"inner destination MAC {got.inner_dst_mac}, expected {config.local_dst_mac}")
    if config.check_tnl_key and got.vni != 0:
        raise PacketDiscarded(f"tunnel key {got.vni} with check_tnl_key=true (only 0 accepted)")


def next_event(s: Session) -> float:
    """When `transmit` or `expire` next has something to do (the I/O side sleeps until then)."""
    times = [s.next_tx, s.detect_at, s.decay_at, s.data_until if s.data_forwarding else None,
             s.bfd_until if s.data_forwarding else None]
    return min(t for t in times if t is not None)


def status(s: Session | None, config: Config, problem: str = "") -> dict[str, str]:
    """Tunnel.bfd_status as vtep(5) lists it: empty when BFD is not enabled, enabled=false with the reason
    in info when it cannot run."""
    if problem:
        return {"enabled": "false", "info": problem}
    if not config.enable or s is None:
        return {}
    out = {"enabled": "true", "state": s.state.text, "forwarding": "true" if s.forwarding else "false",
           "diagnostic": s.diag.text, "remote_state": s.remote_state.text, "remote_diagnostic": s.remote_diag.text}
    if s.flaps:
        out["info"] = f"flap_count={s.flaps}"
    return out
