"""Action profile members and groups, and one-shot selector programming."""

from __future__ import annotations

import grpc
from finsy.proto.p4.v1 import p4runtime_pb2 as p4r

from .entities import dele, ins, te_entity
from .p4rt_client import per_update_codes

MAC = 0x02_00_00_00_00_0A


def _member(rt, profile_id: int, mid: int, port: int) -> p4r.Entity:
    e = p4r.Entity()
    m = e.action_profile_member
    m.action_profile_id, m.member_id = profile_id, mid
    m.action.CopyFrom(rt.info.action("forward", port=port))
    return e


def _group(profile_id: int, gid: int, *members: int, max_size: int = 0) -> p4r.Entity:
    e = p4r.Entity()
    g = e.action_profile_group
    g.action_profile_id, g.group_id, g.max_size = profile_id, gid, max_size
    for m in members:
        g.members.add(member_id=m, weight=1)
    return e


def _profile_id(rt, table: str) -> int:
    return rt.info.table(table).implementation_id


def test_profile_members_drive_an_indirect_table(rt):
    pid = _profile_id(rt, "prof_t")
    rt.client.write(ins(_member(rt, pid, 1, 4)), ins(_member(rt, pid, 2, 5)))
    te = rt.info.entry("prof_t", ether_type=0x9999)
    te.action.action_profile_member_id = 2
    rt.client.write(ins(te_entity(te)))
    frame = MAC.to_bytes(6, "big") * 2 + b"\x99\x99"
    assert [p for p, _ in rt.dataplane.process(1, frame).outputs] == [5]

    members = rt.client.read(p4r.Entity(action_profile_member=p4r.ActionProfileMember(action_profile_id=pid)))
    assert sorted(m.action_profile_member.member_id for m in members) == [1, 2]
    (got,) = rt.client.read(te_entity(rt.info.entry("prof_t")))
    assert got.table_entry.action.action_profile_member_id == 2

    # A member in use cannot go; an unused one can.
    err = rt.client.write_error(dele(_member(rt, pid, 2, 5)))
    assert per_update_codes(err) == [grpc.StatusCode.FAILED_PRECONDITION]
    rt.client.write(dele(_member(rt, pid, 1, 4)))


def test_selector_groups(rt):
    pid = _profile_id(rt, "sel_t")
    rt.client.write(ins(_member(rt, pid, 1, 1)), ins(_member(rt, pid, 2, 2)), ins(_group(pid, 10, 1, 2)))
    te = rt.info.entry("sel_t", src=MAC)
    te.action.action_profile_group_id = 10
    rt.client.write(ins(te_entity(te)))
    (g,) = rt.client.read(p4r.Entity(action_profile_group=p4r.ActionProfileGroup(action_profile_id=pid)))
    assert sorted(m.member_id for m in g.action_profile_group.members) == [1, 2]
    err = rt.client.write_error(
        ins(_group(pid, 11, 99)),  # unknown member
        ins(_group(_profile_id(rt, "prof_t"), 12, 1)),  # profile without selector
    )
    assert per_update_codes(err) == [grpc.StatusCode.NOT_FOUND, grpc.StatusCode.INVALID_ARGUMENT]


def test_one_shot_action_set_reads_back_as_written(rt):
    te = rt.info.entry("sel_t", src=MAC)
    aset = te.action.action_profile_action_set
    for port, weight in ((3, 1), (4, 2)):
        aset.action_profile_actions.add(action=rt.info.action("forward", port=port), weight=weight)
    rt.client.write(ins(te_entity(te)))
    (got,) = rt.client.read(te_entity(rt.info.entry("sel_t")))
    assert got.table_entry.action.action_profile_action_set == aset
    # The hidden members and group stay hidden.
    pid = _profile_id(rt, "sel_t")
    assert rt.client.read(p4r.Entity(action_profile_member=p4r.ActionProfileMember(action_profile_id=pid))) == []
    frame = (0x02_00_00_00_00_77).to_bytes(6, "big") + MAC.to_bytes(6, "big") + b"\x99\x99"
    assert [p for p, _ in rt.dataplane.process(1, frame).outputs][0] in (3, 4)

    # Mixing with explicit members in the same profile is refused.
    err = rt.client.write_error(ins(_member(rt, pid, 1, 1)))
    assert per_update_codes(err) == [grpc.StatusCode.INVALID_ARGUMENT]
    rt.client.write(dele(te_entity(rt.info.entry("sel_t", src=MAC))))
    assert rt.client.read(te_entity(rt.info.entry("sel_t"))) == []
