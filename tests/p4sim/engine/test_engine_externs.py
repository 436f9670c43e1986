"""Counters, two-rate meters (BMv2's trTCM), registers, value sets, the
packet replication engine and action profiles/selectors."""

from __future__ import annotations

import pytest

from p4sim.engine.entries import ActionSpec, CounterData, GroupMember, KeyMatch, MeterConfig, Replica
from p4sim.engine.externs import GREEN, RED, YELLOW, CounterArray, Meter, RegisterArray, ValueSetState
from p4sim.engine.hashes import crc16, pack_bits
from p4sim.engine.pre import Pre
from p4sim.engine.profiles import ProfileState
from p4sim.errors import AlreadyExists, FailedPrecondition, InvalidArgument, NotFound


class FakeClock:
    """A settable microsecond clock (real time is not what is under test)."""

    def __init__(self) -> None:
        self.now = 0

    def __call__(self) -> int:
        return self.now


def test_unconfigured_meter_is_green() -> None:
    m = Meter(packets=True, clock=FakeClock())
    assert [m.execute(100) for _ in range(5)] == [GREEN] * 5


def test_packet_meter_colours_by_bucket() -> None:
    clock = FakeClock()
    m = Meter(packets=True, clock=clock)
    # 1 packet/s committed with burst 2, 2 packets/s peak with burst 3
    m.configure(MeterConfig(cir=1, cburst=2, pir=2, pburst=3))
    colours = [m.execute(64) for _ in range(4)]
    assert colours == [GREEN, GREEN, YELLOW, RED]
    clock.now = 1_000_000  # one second: +1 committed token, +2 peak tokens (capped at burst)
    assert m.execute(64) == GREEN
    assert m.execute(64) == YELLOW


def test_byte_meter_uses_length() -> None:
    m = Meter(packets=False, clock=FakeClock())
    m.configure(MeterConfig(cir=1000, cburst=1500, pir=2000, pburst=3000))
    assert m.execute(1500) == GREEN
    assert m.execute(1000) == YELLOW  # committed bucket empty, peak still has 1500
    assert m.execute(1000) == RED


def test_meter_refuses_pir_below_cir() -> None:
    with pytest.raises(InvalidArgument):
        Meter(True, FakeClock()).configure(MeterConfig(cir=10, cburst=1, pir=5, pburst=1))


def test_counter_and_register_arrays() -> None:
    c = CounterArray("c", 4)
    assert c.count(2, 100) and c.count(2, 50)
    assert not c.count(4, 10)
    assert c.read(2) == CounterData(2, 150)
    c.write(2, CounterData(0, 0))
    assert c.read(2) == CounterData(0, 0)
    with pytest.raises(InvalidArgument):
        c.read(4)
    r = RegisterArray("r", 2, 8)
    r.write(1, 0x1FF)
    assert r.read(1) == 0xFF
    assert r.read(7) == 0
    with pytest.raises(InvalidArgument):
        r.cp_write(0, 256)


def test_value_set_matching() -> None:
    vs = ValueSetState("pvs", 4, [16])
    vs.write([(KeyMatch("exact", 0x88B5),), (KeyMatch("ternary", 0x8100, 0xFF00),)])
    assert vs.matches((0x88B5,))
    assert vs.matches((0x81AA,))
    assert not vs.matches((0x0800,))
    with pytest.raises(InvalidArgument):
        vs.write([(KeyMatch("exact", 1),)] * 5)


def test_multicast_order_is_per_rid_then_port_ascending() -> None:
    pre = Pre()
    pre.group_insert(1, [Replica(3, 7), Replica(1, 7), Replica(2, 0), Replica(0, 7)])
    assert pre.replicate(1) == ((0, 7), (1, 7), (3, 7), (2, 0))
    assert pre.replicate(2) == ()
    with pytest.raises(AlreadyExists):
        pre.group_insert(1, [])
    with pytest.raises(InvalidArgument):
        pre.group_insert(3, [Replica(1), Replica(1)])
    pre.group_delete(1)
    with pytest.raises(NotFound):
        pre.group_delete(1)


def test_clone_session_ids() -> None:
    pre = Pre()
    pre.session_insert(5, [Replica(4)])
    assert pre.session(5).order == ((4, 0),)
    with pytest.raises(InvalidArgument):
        pre.session_insert(32768, [Replica(4)])


def _profile(selector: bool = True) -> ProfileState:
    def validate(spec: ActionSpec) -> None:
        if spec.action != "fwd":
            raise InvalidArgument(f"bad action {spec.action}")

    return ProfileState("p", 16, validate, crc16 if selector else None)


def test_selector_picks_member_by_hash_modulo_group_size() -> None:
    p = _profile()
    for mid in (10, 20, 30):
        p.member_insert(mid, ActionSpec("fwd", (mid,)))
    p.group_insert(1, [GroupMember(30), GroupMember(10), GroupMember(20)])
    data = pack_bits([(0xC0000201, 32), (0xC6120001, 32)])
    expected = [10, 20, 30][crc16(data) % 3]  # members ordered by handle (creation order)
    assert p.group_action(1, data) == ActionSpec("fwd", (expected,))


def test_profile_errors() -> None:
    p = _profile()
    with pytest.raises(InvalidArgument):
        p.member_insert(1, ActionSpec("drop"))
    p.member_insert(1, ActionSpec("fwd", (1,)))
    with pytest.raises(NotFound):
        p.group_insert(1, [GroupMember(2)])
    p.group_insert(1, [GroupMember(1)])
    with pytest.raises(FailedPrecondition):
        p.member_delete(1)
    assert p.group_action(1, b"x") == ActionSpec("fwd", (1,))
    p.group_modify(1, [])
    assert p.group_action(1, b"x") is None
    with pytest.raises(InvalidArgument):
        _profile(selector=False).group_insert(1, [])
