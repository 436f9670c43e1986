"""BFD sessions on the P4 switch: packet-in/packet-out and the clock around the pure `gwctl.bfd`.

The switch has no CPU path of its own for BFD: vtep_gateway.p4 punts
terminated VXLAN whose inner destination MAC is OVS's BFD MAC to the
controller (packet-in reason TUNNEL_BFD, docs/pipeline.md section 6), and a
packet-out leaves an uplink untouched, so the controller builds the whole
VXLAN frame (outer Ethernet to the underlay next hop, as the pipeline's own
encapsulation would). `BfdSessions` keeps one `bfd.Session` per Tunnel with
BFD enabled, feeds it received frames and the time, sends what it says to
send, and offers the bfd_status of every tunnel for the database.

One asyncio task (`run`) sleeps until the earliest session timer (a
transmission or a detection deadline) or until woken by a configuration
change or a received packet; no polling.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass

from gwctl import bfd
from gwctl.inventory import Inventory
from gwctl.translate import uplink_for
from gwctl.tunnels import TunnelBfd

log = logging.getLogger(__name__)

Send = Callable[[bytes, int], Awaitable[None]]
"""Send a frame out of a port (packet-out); raises when the target refuses or is gone."""


def underlay_path(inventory: Inventory, remote_ip: str, tunnel_id: int) -> bfd.Underlay | None:
    """Port, MACs and IPs of a BFD frame to `remote_ip`: the uplink the tunnel's replicas use. Pure."""
    up = uplink_for(inventory, remote_ip, tunnel_id)
    src_ip = inventory.tunnel_ip
    if up is None or src_ip is None:
        return None
    return bfd.Underlay(up.number, up.mac, up.nexthop_mac, src_ip, remote_ip)


@dataclass
class _Tunnel:
    settings: TunnelBfd
    path: bfd.Underlay | None
    session: bfd.Session | None
    udp_src_port: int
    problem: str = ""
    tunnel_id: int | None = None
    bfd_frames: int = 0
    """TUNNEL_BFD frames received from this remote (the switch's rx counter counts them too)."""
    counted: tuple[int, int] | None = None
    """(rx counter, bfd_frames) at the last `account`."""


class BfdSessions:
    """Every BFD session of the switch; `configure` from the Tunnel rows, `receive` from packet-ins, `run` to tick."""

    def __init__(self, inventory: Inventory, send: Send, *, clock: Callable[[], float] = time.monotonic,
                 rng: random.Random | None = None) -> None:
        self._inv = inventory
        self._send = send
        self._clock = clock
        self._rng = rng or random.SystemRandom()
        self._tunnels: dict[str, _Tunnel] = {}
        self._wake = asyncio.Event()
        self.changed = asyncio.Event()
        """Set when some bfd_status changed (the agent writes them and clears it)."""
        self.discarded = 0
        """Received frames thrown away (malformed, unknown tunnel, RFC 5880 discard rules): for tests and logs."""

    # ------------------------------------------------------------ inputs

    def configure(self, settings: Mapping[str, TunnelBfd], tunnel_ids: Mapping[str, int]) -> None:
        """The Tunnel rows' BFD settings now; sessions start, change (poll sequence) or stop to match."""
        now = self._clock()
        before = self.statuses()
        sessions_before = {ip: t.session for ip, t in self._tunnels.items()}
        for ip in list(self._tunnels):
            if ip not in settings:
                del self._tunnels[ip]
        for ip, want in settings.items():
            tid = tunnel_ids.get(ip)
            path = underlay_path(self._inv, ip, tid) if tid is not None else None
            problem = want.problem
            if not problem and want.config.enable and path is None:
                problem = f"no underlay route or tunnel to remote VTEP {ip}"
            have = self._tunnels.get(ip)
            if have is None:
                have = self._tunnels[ip] = _Tunnel(want, path, None, self._rng.randrange(49152, 65536))
            have.settings, have.path, have.problem, have.tunnel_id = want, path, problem, tid
            if problem or not want.config.enable:
                have.session = None
            elif have.session is None:
                have.session = bfd.new_session(want.config, self._rng.randrange(1, 2**32), now)
                log.info("bfd: session to %s started (min_tx %d ms, min_rx %d ms)", ip, want.config.min_tx_ms,
                         want.config.min_rx_ms)
            else:
                have.session = bfd.reconfigure(have.session, want.config, now)
        if self.statuses() != before:
            self.changed.set()
        if {ip: t.session for ip, t in self._tunnels.items()} != sessions_before:
            self._wake.set()   # a new or reconfigured session may have to send now

    def receive(self, frame: bytes) -> None:
        """A TUNNEL_BFD packet-in: to the session of the tunnel it came through, or dropped with the reason logged."""
        now = self._clock()
        try:
            got = bfd.decode_frame(frame)
            tunnel = self._tunnels.get(got.src_ip)
            if tunnel is not None:
                tunnel.bfd_frames += 1
            if tunnel is None or tunnel.session is None:
                raise bfd.PacketDiscarded(f"no BFD session for tunnel from {got.src_ip}")
            bfd.check_received(tunnel.settings.config, got)
            self._update(got.src_ip, tunnel, bfd.receive(tunnel.session, got.packet, now))
        except (bfd.MalformedPacket, bfd.PacketDiscarded) as exc:
            self.discarded += 1
            log.debug("bfd: packet dropped: %s", exc)
            return
        self._wake.set()

    def data_counters(self) -> dict[int, str]:
        """tunnel_id -> remote IP of the sessions that need data traffic (forwarding_if_rx, decay_min_rx)."""
        return {t.tunnel_id: ip for ip, t in sorted(self._tunnels.items())
                if t.session is not None and t.tunnel_id is not None
                and (t.settings.config.forwarding_if_rx or t.settings.config.decay_min_rx_ms)}

    def account(self, rx_packets: Mapping[str, int]) -> None:
        """The switch's packets-received counter per remote (remote_vtep_rx): the data part goes to the sessions.

        Data = counter growth minus the BFD frames that arrived meanwhile (the
        counter counts them before they are punted). The first reading of a
        tunnel is only a baseline.
        """
        now = self._clock()
        for ip, total in rx_packets.items():
            tunnel = self._tunnels.get(ip)
            if tunnel is None or tunnel.session is None:
                continue
            before, tunnel.counted = tunnel.counted, (total, tunnel.bfd_frames)
            if before is None or total < before[0]:   # first reading, or the counter was reset
                continue
            data = max(0, (total - before[0]) - (tunnel.bfd_frames - before[1]))
            self._update(ip, tunnel, bfd.account(tunnel.session, data, now))
        self._wake.set()

    # ------------------------------------------------------------ outputs

    def statuses(self) -> dict[str, dict[str, str]]:
        """Tunnel.bfd_status per remote IP (empty where BFD is not enabled)."""
        return {ip: bfd.status(t.session, t.settings.config, t.problem) for ip, t in sorted(self._tunnels.items())}

    def down_locators(self) -> frozenset[str]:
        """Remotes with BFD enabled whose session is not up."""
        return frozenset(ip for ip, t in self._tunnels.items()
                         if t.settings.config.enable and (t.session is None or t.session.state != bfd.State.UP))

    def session(self, remote_ip: str) -> bfd.Session | None:
        t = self._tunnels.get(remote_ip)
        return t.session if t is not None else None

    # ------------------------------------------------------------ the clock

    async def run(self) -> None:
        """Expire and transmit as the sessions' timers say, until cancelled."""
        while True:
            self._wake.clear()
            now = self._clock()
            for ip, tunnel in list(self._tunnels.items()):
                if tunnel.session is None:
                    continue
                self._update(ip, tunnel, bfd.expire(tunnel.session, now))
                session, packet = bfd.transmit(tunnel.session, now, self._rng.random())
                tunnel.session = session
                if packet is not None and tunnel.path is not None:
                    await self._transmit(tunnel, packet)
            deadlines = [bfd.next_event(t.session) for t in self._tunnels.values() if t.session is not None]
            delay = min(deadlines, default=now + 1.0) - self._clock()
            if delay > 0:
                # asyncio.timeout, not wait_for: wait_for (3.11) swallows a cancel that meets a set event
                with contextlib.suppress(TimeoutError):
                    async with asyncio.timeout(min(delay, 1.0)):
                        await self._wake.wait()

    async def _transmit(self, tunnel: _Tunnel, packet: bfd.ControlPacket) -> None:
        assert tunnel.path is not None
        cfg = tunnel.settings.config
        frame = bfd.encode_frame(packet, tunnel.path, inner_src_mac=tunnel.path.src_mac,
                                 inner_dst_mac=cfg.remote_dst_mac, inner_src_ip=cfg.local_dst_ip,
                                 inner_dst_ip=cfg.remote_dst_ip, udp_src_port=tunnel.udp_src_port)
        await self._send(frame, tunnel.path.port)

    def _update(self, ip: str, tunnel: _Tunnel, new: bfd.Session) -> None:
        old = tunnel.session
        tunnel.session = new
        if old is None:
            return
        if (old.state, old.diag, old.remote_state, old.remote_diag, old.forwarding) != (
                new.state, new.diag, new.remote_state, new.remote_diag, new.forwarding):
            if old.state != new.state:
                log.info("bfd: tunnel to %s: %s -> %s (%s)", ip, old.state.text, new.state.text, new.diag.text)
            self.changed.set()

