"""gwctl.bfd: RFC 5880 state machine, timers and the VXLAN-carried control packet codec, with explicit time."""

from __future__ import annotations

import dataclasses
import struct

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gwctl import bfd
from gwctl.bfd import (
    FLAG_AUTH,
    FLAG_DEMAND,
    FLAG_FINAL,
    FLAG_MULTIPOINT,
    FLAG_POLL,
    Config,
    ControlPacket,
    Diag,
    MalformedPacket,
    PacketDiscarded,
    State,
    Underlay,
)

ON = Config(enable=True, min_rx_ms=300, min_tx_ms=100)
PATH = Underlay(port=0, src_mac="02:00:00:00:01:00", dst_mac="02:00:00:00:02:00", src_ip="198.18.0.1",
                dst_ip="198.18.0.2")


def peer(state: State, *, my: int = 77, your: int = 0, flags: int = 0, tx: int = 1_000_000, rx: int = 1_000_000,
         mult: int = 3, diag: Diag = Diag.NONE) -> ControlPacket:
    return ControlPacket(state, diag, mult, my, your, tx, rx, 0, flags)


def session(state: State = State.DOWN, config: Config = ON) -> bfd.Session:
    s = bfd.new_session(config, 1234, 0.0)
    return dataclasses.replace(s, state=state) if state != State.DOWN else s


def up_session() -> bfd.Session:
    s = bfd.receive(session(), peer(State.DOWN), 0.0)
    return bfd.receive(s, peer(State.UP, your=1234), 0.1)


# ---------------------------------------------------------------- RFC 5880 6.8.6 transitions


@pytest.mark.parametrize(("local", "received", "after", "diag"), [
    (State.DOWN, State.DOWN, State.INIT, Diag.NONE),
    (State.DOWN, State.INIT, State.UP, Diag.NONE),
    (State.DOWN, State.UP, State.DOWN, Diag.NONE),             # Up from a peer we never greeted: ignored
    (State.DOWN, State.ADMIN_DOWN, State.DOWN, Diag.NONE),
    (State.INIT, State.DOWN, State.INIT, Diag.NONE),
    (State.INIT, State.INIT, State.UP, Diag.NONE),
    (State.INIT, State.UP, State.UP, Diag.NONE),
    (State.INIT, State.ADMIN_DOWN, State.DOWN, Diag.NEIGHBOR_DOWN),
    (State.UP, State.DOWN, State.DOWN, Diag.NEIGHBOR_DOWN),
    (State.UP, State.INIT, State.UP, Diag.NONE),
    (State.UP, State.UP, State.UP, Diag.NONE),
    (State.UP, State.ADMIN_DOWN, State.DOWN, Diag.NEIGHBOR_DOWN),
])
def test_every_transition_of_6_8_6(local: State, received: State, after: State, diag: Diag):
    your = 0 if received in (State.DOWN, State.ADMIN_DOWN) else 1234
    s = bfd.receive(session(local), peer(received, your=your), 1.0)
    assert (s.state, s.diag) == (after, diag)
    assert (s.remote_state, s.remote_disc) == (received, 77)


def test_admin_down_session_ignores_the_peer_but_records_it():
    s = bfd.receive(session(State.ADMIN_DOWN), peer(State.INIT, your=1234), 1.0)
    assert s.state == State.ADMIN_DOWN and s.remote_state == State.INIT


@pytest.mark.parametrize(("packet", "reason"), [
    (peer(State.UP, your=99), "your discriminator 99 is not ours"),
    (peer(State.INIT, your=0), "your discriminator 0 in state init"),
    (peer(State.UP, your=0), "your discriminator 0 in state up"),
])
def test_packets_for_another_session_are_discarded(packet: ControlPacket, reason: str):
    before = up_session()
    with pytest.raises(PacketDiscarded, match=reason):
        bfd.receive(before, packet, 1.0)


def test_three_way_handshake_between_two_sessions_through_the_wire_format():
    """Two of our sessions, packets encoded in VXLAN frames and decoded again, clock driven by hand."""
    a, b = bfd.new_session(ON, 1, 0.0), bfd.new_session(ON, 2, 0.0)
    now, jitter = 0.0, 0.5
    for _ in range(40):
        for name in ("a", "b"):
            me, other = (a, b) if name == "a" else (b, a)
            me, packet = bfd.transmit(me, now, jitter)
            if packet is not None:
                frame = bfd.encode_frame(packet, PATH, inner_src_mac="02:00:00:00:01:00")
                got = bfd.decode_frame(frame)
                bfd.check_received(ON, got)
                other = bfd.receive(other, got.packet, now)
            a, b = (me, other) if name == "a" else (other, me)
        now = min(bfd.next_event(a), bfd.next_event(b))
        a, b = bfd.expire(a, now), bfd.expire(b, now)
    assert a.state == b.state == State.UP
    assert a.forwarding and b.forwarding
    # after the poll sequence both send at the configured 100 ms, no longer at the 1 s of the handshake
    assert a.tx_used == b.tx_used == 100_000 and not a.polling and not b.polling
    assert a.detection_time == pytest.approx(3 * 0.3)


# ---------------------------------------------------------------- detection time (6.8.4)


def test_silence_for_the_detection_time_takes_an_up_session_down():
    s = up_session()   # peer: DetectMult 3, DesiredMinTx 1 s; ours RequiredMinRx 300 ms
    assert s.detection_time == pytest.approx(3.0)
    assert bfd.expire(s, 0.1 + 2.99).state == State.UP
    down = bfd.expire(s, 0.1 + 3.0)
    assert (down.state, down.diag) == (State.DOWN, Diag.EXPIRED)
    assert (down.remote_disc, down.remote_state) == (0, State.DOWN)   # 6.8.1: RemoteDiscr zeroed
    assert bfd.status(down, ON)["diagnostic"] == "Control Detection Time Expired"


def test_detection_time_uses_the_slower_of_our_rx_and_their_tx():
    s = bfd.receive(session(), peer(State.DOWN, tx=50_000, mult=5), 0.0)
    assert s.detection_time == pytest.approx(5 * 0.3)
    s = bfd.receive(session(), peer(State.DOWN, tx=2_000_000, mult=2), 0.0)
    assert s.detection_time == pytest.approx(4.0)


def test_init_session_also_expires_and_down_session_forgets_the_peer():
    s = bfd.receive(session(), peer(State.DOWN), 0.0)
    assert s.state == State.INIT
    assert bfd.expire(s, 3.0).state == State.DOWN
    quiet = bfd.receive(session(), peer(State.ADMIN_DOWN), 0.0)
    gone = bfd.expire(quiet, 3.0)
    assert gone.state == State.DOWN and gone.remote_disc == 0 and gone.diag == Diag.NONE


def test_a_session_comes_back_up_after_expiry():
    down = bfd.expire(up_session(), 10.0)
    again = bfd.receive(down, peer(State.DOWN), 11.0)
    again = bfd.receive(again, peer(State.UP, your=1234), 11.1)
    assert again.state == State.UP and again.flaps == 3   # up, down, up


# ---------------------------------------------------------------- transmission (6.8.3, 6.8.7) and poll/final


def test_not_up_sends_at_most_once_a_second_and_jitter_stays_in_75_to_100_percent():
    s = session()
    s, packet = bfd.transmit(s, 0.0, 0.0)
    assert packet is not None and packet.desired_min_tx == 1_000_000 and packet.state == State.DOWN
    assert s.next_tx == pytest.approx(0.75)
    s, none = bfd.transmit(s, 0.5, 0.0)
    assert none is None
    _, packet = bfd.transmit(dataclasses.replace(s, next_tx=0.0), 0.0, 0.999)
    single = dataclasses.replace(session(config=dataclasses.replace(ON, detect_mult=1)), next_tx=0.0)
    single, _ = bfd.transmit(single, 0.0, 0.999)
    assert single.next_tx == pytest.approx(0.9, abs=1e-3)   # detect mult 1: at most 90%


def test_going_up_starts_a_poll_sequence_that_the_final_completes():
    s = up_session()
    assert s.polling and s.tx_adv == 100_000 and s.tx_used == 100_000   # faster: at once
    s, packet = bfd.transmit(dataclasses.replace(s, next_tx=0.0), 0.2, 0.5)
    assert packet is not None and packet.poll and packet.desired_min_tx == 100_000
    s = bfd.receive(s, peer(State.UP, your=1234, flags=FLAG_FINAL, rx=100_000, tx=100_000), 0.3)
    assert not s.polling
    s, packet = bfd.transmit(dataclasses.replace(s, next_tx=0.0), 0.3, 0.5)
    assert packet is not None and not packet.poll


def test_slower_tx_and_faster_rx_wait_for_the_final():
    s = bfd.receive(up_session(), peer(State.UP, your=1234, flags=FLAG_FINAL, rx=1000, tx=1000), 0.2)
    assert not s.polling
    s = bfd.reconfigure(s, dataclasses.replace(ON, min_tx_ms=500, min_rx_ms=100), 1.0)
    assert s.polling and s.tx_adv == 500_000 and s.rx_adv == 100_000
    assert s.tx_used == 100_000 and s.rx_used == 300_000   # old values until the Final
    s = bfd.receive(s, peer(State.UP, your=1234, flags=FLAG_FINAL, rx=1000, tx=1000), 1.1)
    assert (s.tx_used, s.rx_used) == (500_000, 100_000)


def test_a_poll_from_the_peer_is_answered_with_a_final_at_once():
    s = bfd.receive(up_session(), peer(State.UP, your=1234, flags=FLAG_POLL), 5.0)
    assert s.final_pending and s.next_tx == 5.0
    s, packet = bfd.transmit(s, 5.0, 0.5)
    assert packet is not None and packet.final and not packet.poll
    assert not s.final_pending


def test_a_peer_asking_for_no_packets_gets_none_but_finals():
    s = bfd.receive(up_session(), peer(State.UP, your=1234, rx=0, flags=FLAG_FINAL), 1.0)
    s, packet = bfd.transmit(dataclasses.replace(s, next_tx=0.0), 1.0, 0.5)
    assert packet is None
    s = bfd.receive(s, peer(State.UP, your=1234, rx=0, flags=FLAG_POLL), 2.0)
    _, packet = bfd.transmit(s, 2.0, 0.5)
    assert packet is not None and packet.final


def test_cpath_down_is_signalled_and_a_peer_signalling_it_is_not_forwarding():
    s = bfd.new_session(dataclasses.replace(ON, cpath_down=True), 5, 0.0)
    _, packet = bfd.transmit(s, 0.0, 0.5)
    assert packet is not None and packet.diag == Diag.CPATH_DOWN
    cleared = bfd.reconfigure(s, ON, 1.0)
    assert cleared.diag == Diag.NONE
    s = bfd.receive(up_session(), peer(State.UP, your=1234, diag=Diag.CPATH_DOWN), 1.0)
    assert s.state == State.UP and not s.forwarding
    assert bfd.status(s, ON)["forwarding"] == "false"


def test_a_peer_in_demand_mode_gets_no_periodic_packets_but_finals():
    s = bfd.receive(up_session(), peer(State.UP, your=1234, flags=FLAG_DEMAND | FLAG_FINAL), 1.0)
    assert s.remote_demand and not s.polling
    quiet, packet = bfd.transmit(dataclasses.replace(s, next_tx=0.0), 1.0, 0.5)
    assert packet is None
    s = bfd.receive(quiet, peer(State.UP, your=1234, flags=FLAG_DEMAND | FLAG_POLL), 2.0)
    _, packet = bfd.transmit(s, 2.0, 0.5)
    assert packet is not None and packet.final


# ---------------------------------------------------------------- codec


def test_control_packet_round_trip_and_layout():
    p = ControlPacket(State.UP, Diag.EXPIRED, 3, 0x01020304, 0x0A0B0C0D, 100_000, 300_000, 0, FLAG_POLL)
    raw = bfd.encode_control(p)
    assert len(raw) == 24 and raw[0] == (1 << 5) | 1 and raw[1] == (3 << 6) | FLAG_POLL
    assert bfd.decode_control(raw) == p


@pytest.mark.parametrize(("mutate", "reason"), [
    (lambda r: r[:20], "shorter than 24"),
    (lambda r: bytes([(2 << 5)]) + r[1:], "version 2"),
    (lambda r: r[:1] + bytes([r[1] | FLAG_AUTH]) + r[2:], "authentication"),
    (lambda r: r[:3] + bytes([20]) + r[4:], "length field 20 < 24"),
    (lambda r: r[:3] + bytes([40]) + r[4:], "length field 40 > the 24 bytes"),
    (lambda r: r[:2] + bytes([0]) + r[3:], "detect multiplier 0"),
    (lambda r: r[:1] + bytes([r[1] | FLAG_MULTIPOINT]) + r[2:], "multipoint"),
    (lambda r: r[:4] + bytes(4) + r[8:], "my discriminator 0"),
])
def test_malformed_control_packets_are_rejected_with_the_reason(mutate, reason):
    raw = bfd.encode_control(peer(State.DOWN))
    with pytest.raises(MalformedPacket, match=reason):
        bfd.decode_control(mutate(raw))


def test_frame_layout_is_what_ovs_expects():
    p = peer(State.DOWN)
    frame = bfd.encode_frame(p, PATH, inner_src_mac="02:00:00:00:01:00", inner_dst_ip="169.254.1.1",
                             inner_src_ip="169.254.1.0", udp_src_port=50000)
    assert frame[0:6] == bytes.fromhex("020000000200") and frame[12:14] == b"\x08\x00"
    assert frame[26:30] == bytes([198, 18, 0, 1]) and frame[30:34] == bytes([198, 18, 0, 2])
    assert struct.unpack("!HH", frame[34:38]) == (50000, 4789)
    assert frame[42:50] == bytes.fromhex("0800000000000000")                # VXLAN I flag, VNI 0
    inner = frame[50:]
    assert inner[0:6] == bytes.fromhex("002320000001") and inner[22] == 255 and inner[23] == 17
    assert struct.unpack("!H", inner[36:38])[0] == 3784
    assert bfd._ipv4_checksum(frame[14:34]) == 0 and bfd._ipv4_checksum(inner[14:34]) == 0
    got = bfd.decode_frame(frame)
    assert (got.src_ip, got.dst_ip, got.vni, got.packet) == ("198.18.0.1", "198.18.0.2", 0, p)


@pytest.mark.parametrize(("offset", "value", "reason"), [
    (12, b"\x86\xdd", "outer ethertype"),
    (23, b"\x06", "outer IP protocol 6"),
    (36, b"\x17\xc1", "not VXLAN"),
    (42, b"\x00", "VXLAN I flag clear"),
    (50 + 12, b"\x08\x06", "inner frame is not IPv4"),
    (50 + 22, b"\x40", "inner TTL 64"),
    (50 + 36, b"\x0e\xc9", "inner UDP port 3785"),
    (50 + 38, b"\xff\xff", "inner UDP length"),
])
def test_malformed_frames_are_rejected_with_the_reason(offset: int, value: bytes, reason: str):
    frame = bfd.encode_frame(peer(State.DOWN), PATH, inner_src_mac="02:00:00:00:01:00")
    bad = frame[:offset] + value + frame[offset + len(value):]
    with pytest.raises(MalformedPacket, match=reason):
        bfd.decode_frame(bad)


def test_every_truncation_is_rejected_not_crashing():
    frame = bfd.encode_frame(peer(State.DOWN), PATH, inner_src_mac="02:00:00:00:01:00")
    for n in range(len(frame)):
        with pytest.raises(MalformedPacket):
            bfd.decode_frame(frame[:n])


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=120), st.integers(0, 119))
def test_arbitrary_bytes_decode_or_raise_malformed(noise: bytes, at: int):
    frame = bytearray(bfd.encode_frame(peer(State.DOWN), PATH, inner_src_mac="02:00:00:00:01:00"))
    frame[at:at + len(noise)] = noise
    try:
        got = bfd.decode_frame(bytes(frame))
    except MalformedPacket as exc:
        assert str(exc)   # a reason, never an IndexError or struct.error
    else:
        assert isinstance(got.packet, ControlPacket)


def test_received_checks_follow_bfd_config_local_and_check_tnl_key():
    frame = bfd.encode_frame(peer(State.DOWN), PATH, inner_src_mac="02:00:00:00:01:00", vni=5000)
    got = bfd.decode_frame(frame)
    bfd.check_received(ON, got)
    with pytest.raises(PacketDiscarded, match="tunnel key 5000"):
        bfd.check_received(dataclasses.replace(ON, check_tnl_key=True), got)
    with pytest.raises(PacketDiscarded, match="inner destination MAC 00:23:20:00:00:01, expected 00:23:20:00:00:02"):
        bfd.check_received(dataclasses.replace(ON, local_dst_mac="00:23:20:00:00:02"), got)
    bfd.check_received(dataclasses.replace(ON, local_dst_ip="169.254.9.9"), got)   # IP not checked, as in OVS


# ---------------------------------------------------------------- configuration and status


def test_config_from_a_tunnel_row():
    c = bfd.config_from_row({"enable": "true", "min_rx": "500", "min_tx": "50", "cpath_down": "true"},
                            {"bfd_dst_ip": "169.254.2.1"})
    assert (c.enable, c.min_rx_ms, c.min_tx_ms, c.cpath_down, c.remote_dst_ip) == (True, 500, 50, True,
                                                                                   "169.254.2.1")
    assert bfd.config_from_row({}) == Config()   # vtep(5) defaults: off, min_rx 1000, min_tx 100


@pytest.mark.parametrize(("params", "remote", "reason"), [
    ({"enable": "yes"}, {}, "enable='yes'"),
    ({"min_rx": "0"}, {}, "min_rx=0: must be at least 1"),
    ({"min_tx": "fast"}, {}, "min_tx='fast'"),
    ({"min_rx": "500", "decay_min_rx": "100"}, {}, "decay_min_rx=100 is below min_rx=500"),
    ({}, {"bfd_dst_mac": "nope"}, "bfd_config_remote:bfd_dst_mac"),
    ({}, {"bfd_dst_ip": "::1"}, "bfd_config_remote:bfd_dst_ip"),
])
def test_invalid_tunnel_settings_are_refused_with_the_key(params, remote, reason):
    with pytest.raises(ValueError, match=reason):
        bfd.config_from_row(params, remote)


def test_status_keys_are_those_of_vtep5():
    assert bfd.status(None, Config()) == {}
    assert bfd.status(up_session(), ON) == {
        "enabled": "true", "state": "up", "forwarding": "true", "diagnostic": "No Diagnostic",
        "remote_state": "up", "remote_diagnostic": "No Diagnostic", "info": "flap_count=1"}
    assert bfd.status(None, ON, "no underlay route") == {"enabled": "false", "info": "no underlay route"}



def test_new_session_needs_a_nonzero_discriminator():
    with pytest.raises(ValueError, match="discriminator 0"):
        bfd.new_session(ON, 0, 0.0)


# ---------------------------------------------------------------- data traffic: forwarding_if_rx, decay_min_rx


def test_forwarding_if_rx_keeps_a_tunnel_with_data_forwarding_while_bfd_is_not_up():
    cfg = dataclasses.replace(ON, forwarding_if_rx=True)
    s = bfd.receive(session(config=cfg), peer(State.ADMIN_DOWN), 0.0)   # BFD heard, session not up
    assert s.state == State.DOWN and not s.forwarding
    s = bfd.account(s, 10, 0.5)
    assert s.forwarding and bfd.status(s, cfg)["forwarding"] == "true"
    assert bfd.expire(s, 0.5 + 1.9).forwarding                   # window: max(3 x 300 ms, 2 s)
    assert not bfd.expire(s, 0.5 + 2.0).forwarding               # no data for the window
    assert bfd.next_event(s) <= 2.5
    # no BFD for 100 x min_rx: data alone does not count
    late = bfd.account(s, 10, 31.0)
    assert not late.forwarding
    # without the option, data changes nothing
    plain = bfd.account(bfd.receive(session(), peer(State.ADMIN_DOWN), 0.0), 10, 0.5)
    assert not plain.forwarding


def test_decay_min_rx_slows_the_receive_rate_of_an_idle_tunnel_and_data_restores_it():
    cfg = dataclasses.replace(ON, decay_min_rx_ms=2000)
    s = bfd.new_session(cfg, 1234, 0.0)
    s = bfd.receive(s, peer(State.DOWN), 0.0)
    s = bfd.receive(s, peer(State.UP, your=1234, flags=FLAG_FINAL), 0.1)
    s = bfd.receive(s, peer(State.UP, your=1234, flags=FLAG_FINAL), 0.2)
    assert s.state == State.UP and s.rx_adv == 300_000 and s.decay_at == 2.0
    s = bfd.account(s, 2, 1.0)                      # a couple of packets: within the slack, still idle
    s = bfd.expire(dataclasses.replace(s, detect_at=None), 2.0)
    assert s.decayed and s.rx_adv == 2_000_000 and s.polling   # announced by a Poll Sequence
    s = bfd.receive(s, peer(State.UP, your=1234, flags=FLAG_FINAL), 2.1)
    assert s.rx_used == 2_000_000
    s = bfd.account(s, 50, 3.0)                     # traffic again
    s = bfd.expire(dataclasses.replace(s, detect_at=None), 4.0)
    assert not s.decayed and s.rx_adv == 300_000
    # changing min_rx resets the decay (vtep(5))
    idle = bfd.expire(dataclasses.replace(s, detect_at=None), 6.0)
    assert idle.decayed
    reset = bfd.reconfigure(idle, dataclasses.replace(cfg, min_rx_ms=500), 6.5)
    assert not reset.decayed and reset.rx_adv == 500_000 and reset.decay_at == 8.5


def test_account_refuses_a_negative_count():
    with pytest.raises(ValueError, match="-1 < 0"):
        bfd.account(session(), -1, 0.0)
