"""gwctl.bfd_io: two gateways' BFD sessions talking through their packet-out frames, on the real asyncio clock.

Each side's `send` hands the frame to the other side's `receive`, as the
underlay and the far switch's TUNNEL_BFD punt would; cutting that link is a
dead peer. What is checked is what the agent relies on: sessions come up,
statuses and `changed` follow, a silent peer is detected within its
detection time, and frames that are not for a session are counted and
dropped without disturbing it.
"""

from __future__ import annotations

import asyncio
import contextlib
import time

import pytest

from gwctl import bfd
from gwctl.bfd_io import BfdSessions, underlay_path
from gwctl.inventory import from_dict
from gwctl.tunnels import TunnelBfd

A_IP, B_IP = "198.18.0.1", "198.18.0.2"
CONFIG = bfd.Config(enable=True, min_rx_ms=100, min_tx_ms=30)


def inventory(ip: str, mac: str, peer_mac: str):
    return from_dict({"switch": {"name": f"gw-{ip}", "tunnel_ips": [ip]},
                      "uplink": [{"name": "up0", "number": 0, "mac": mac, "nexthop_mac": peer_mac}]})


INV_A = inventory(A_IP, "02:00:00:00:01:01", "02:00:00:00:01:02")
INV_B = inventory(B_IP, "02:00:00:00:01:02", "02:00:00:00:01:01")


def test_underlay_path_is_the_tunnels_uplink_and_next_hop():
    path = underlay_path(INV_A, B_IP, 1)
    assert path == bfd.Underlay(0, "02:00:00:00:01:01", "02:00:00:00:01:02", A_IP, B_IP)
    no_route = from_dict({"switch": {"name": "x", "tunnel_ips": [A_IP]},
                          "uplink": [{"name": "up0", "number": 0, "mac": "02:00:00:00:01:01",
                                      "nexthop_mac": "02:00:00:00:01:02"}],
                          "route": [{"prefix": "203.0.113.0/24"}]})
    assert underlay_path(no_route, B_IP, 1) is None


async def _pair_scenario() -> dict[str, object]:
    link = {"up": True}
    sent_ports: list[int] = []
    a: BfdSessions
    b: BfdSessions

    async def a_sends(frame: bytes, port: int) -> None:
        sent_ports.append(port)
        if link["up"]:
            b.receive(frame)

    async def b_sends(frame: bytes, port: int) -> None:
        if link["up"]:
            a.receive(frame)

    a, b = BfdSessions(INV_A, a_sends), BfdSessions(INV_B, b_sends)
    a.configure({B_IP: TunnelBfd(B_IP, CONFIG)}, {B_IP: 1})
    b.configure({A_IP: TunnelBfd(A_IP, CONFIG)}, {A_IP: 1})
    assert a.statuses()[B_IP]["state"] == "down" and a.down_locators() == {B_IP}
    tasks = [asyncio.create_task(a.run()), asyncio.create_task(b.run())]
    out: dict[str, object] = {}
    try:
        start = time.monotonic()
        while not (a.statuses()[B_IP].get("state") == b.statuses()[A_IP].get("state") == "up"):
            assert time.monotonic() - start < 10, (a.statuses(), b.statuses())
            await asyncio.sleep(0.02)
        out["up_after"] = time.monotonic() - start
        out["changed"] = a.changed.is_set()
        out["down_when_up"] = a.down_locators()
        await asyncio.sleep(0.5)   # poll sequence done: 30 ms packets
        session = a.session(B_IP)
        assert session is not None
        out["tx_used"], out["polling"] = session.tx_used, session.polling
        # garbage and a frame from an unknown tunnel: counted, dropped, the session unharmed
        a.receive(b"\x00" * 20)
        stranger = bfd.encode_frame(bfd.ControlPacket(bfd.State.DOWN, my_disc=9), bfd.Underlay(
            0, "02:00:00:00:09:09", "02:00:00:00:01:01", "198.18.9.9", A_IP), inner_src_mac="02:00:00:00:09:09")
        a.receive(stranger)
        out["discarded"] = a.discarded
        out["still_up"] = a.statuses()[B_IP]["state"]
        # the peer goes silent
        a.changed.clear()
        link["up"] = False
        cut = time.monotonic()
        while a.statuses()[B_IP]["state"] == "up":
            assert time.monotonic() - cut < 5
            await asyncio.sleep(0.005)
        out["down_after"] = time.monotonic() - cut
        out["status"] = a.statuses()[B_IP]
        out["changed_on_down"] = a.changed.is_set()
        out["down_locators"] = a.down_locators()
        # BFD switched off on the row: the status is cleared, the locator no longer counts as down
        a.configure({B_IP: TunnelBfd(B_IP, bfd.Config())}, {B_IP: 1})
        out["off"] = a.statuses()[B_IP]
        out["off_down"] = a.down_locators()
        out["ports"] = set(sent_ports)
    finally:
        for t in tasks:
            t.cancel()
        for t in tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await t
    return out


def test_two_gateways_bring_a_session_up_and_detect_a_silent_peer():
    out = asyncio.run(_pair_scenario())
    assert out["changed"] and out["down_when_up"] == frozenset()
    assert out["tx_used"] == 30_000 and out["polling"] is False
    assert out["discarded"] == 2 and out["still_up"] == "up"
    # detection time: 3 x max(100 ms rx, 30 ms peer tx) = 0.3 s after the last packet
    assert out["down_after"] == pytest.approx(0.3, abs=0.1)
    status = out["status"]
    assert isinstance(status, dict)
    assert (status["state"], status["diagnostic"], status["forwarding"]) == (
        "down", "Control Detection Time Expired", "false")
    assert out["changed_on_down"] and out["down_locators"] == {B_IP}
    assert out["off"] == {} and out["off_down"] == frozenset()
    assert out["ports"] == {0}


def test_a_tunnel_without_a_route_reports_why_bfd_is_not_enabled():
    async def scenario() -> dict[str, str]:
        async def send(frame: bytes, port: int) -> None:
            raise AssertionError("nothing may be sent")

        s = BfdSessions(INV_A, send)
        s.configure({B_IP: TunnelBfd(B_IP, CONFIG)}, {})   # no tunnel id: the data plane has no such tunnel
        bad = TunnelBfd("198.18.0.3", bfd.Config(), "bfd_params:min_rx=0: must be at least 1")
        s.configure({B_IP: TunnelBfd(B_IP, CONFIG), bad.remote_ip: bad}, {})
        return {ip: st.get("info", "") for ip, st in s.statuses().items()}

    info = asyncio.run(scenario())
    assert info == {B_IP: f"no underlay route or tunnel to remote VTEP {B_IP}",
                    "198.18.0.3": "bfd_params:min_rx=0: must be at least 1"}


def test_data_traffic_is_the_counter_growth_minus_the_bfd_frames():
    async def scenario() -> tuple[dict[int, str], int, bool, dict[int, str]]:
        async def send(frame: bytes, port: int) -> None:
            pass

        cfg = bfd.Config(enable=True, forwarding_if_rx=True, decay_min_rx_ms=2000)
        s = BfdSessions(INV_A, send)
        s.configure({B_IP: TunnelBfd(B_IP, cfg)}, {B_IP: 7})
        wanted = s.data_counters()
        path = underlay_path(INV_B, A_IP, 7)
        assert path is not None
        frame = bfd.encode_frame(bfd.ControlPacket(bfd.State.DOWN, my_disc=5), path, inner_src_mac=path.src_mac)
        s.receive(frame)
        s.account({B_IP: 10})          # baseline
        for _ in range(2):
            s.receive(frame)
        s.account({B_IP: 15})          # 5 more packets, 2 of them BFD: 3 data packets
        session = s.session(B_IP)
        assert session is not None
        s.configure({B_IP: TunnelBfd(B_IP, bfd.Config(enable=True))}, {B_IP: 7})
        return wanted, session.decay_data, session.forwarding, s.data_counters()

    wanted, data, forwarding, after = asyncio.run(scenario())
    assert wanted == {7: B_IP} and data == 3
    assert forwarding   # forwarding_if_rx: BFD heard and data arriving, although the session is not up
    assert after == {}  # options off: no more counter reads needed
