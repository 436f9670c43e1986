"""Multicast groups and clone sessions through P4Runtime, checked on the
packets they replicate."""

from __future__ import annotations

import grpc
from finsy.proto.p4.v1 import p4runtime_pb2 as p4r

from .entities import dele, ins, mod
from .p4rt_client import per_update_codes

MAC = 0x02_00_00_00_00_0A
FRAME = MAC.to_bytes(6, "big") + (0x02_00_00_00_00_01).to_bytes(6, "big") + b"\x08\x00" + bytes(46)


def _group(gid: int, *replicas: tuple[int, int], new_style: bool = False) -> p4r.Entity:
    e = p4r.Entity()
    g = e.packet_replication_engine_entry.multicast_group_entry
    g.multicast_group_id = gid
    for port, rid in replicas:
        if new_style:
            g.replicas.add(port=port.to_bytes(2, "big"), instance=rid)
        else:
            g.replicas.add(egress_port=port, instance=rid)
    return e


def _session(sid: int, *ports: int, **kw) -> p4r.Entity:
    e = p4r.Entity()
    c = e.packet_replication_engine_entry.clone_session_entry
    c.session_id = sid
    for p in ports:
        c.replicas.add(egress_port=p, instance=0)
    for k, v in kw.items():
        setattr(c, k, v)
    return e


def test_multicast_group_replicates_and_reads_back(rt):
    rt.client.write(
        ins(_group(5, (3, 1), (1, 1), (2, 2), new_style=True)),
        ins(rt.info.entity("dmac", "flood", {"grp": 5}, dst=MAC)),
    )
    ports = sorted(p for p, _ in rt.dataplane.process(4, FRAME).outputs)
    assert ports == [1, 2, 3]

    got = rt.client.read(_group(0))
    (g,) = [e.packet_replication_engine_entry.multicast_group_entry for e in got]
    assert g.multicast_group_id == 5
    assert [(r.egress_port, r.instance) for r in g.replicas] == [(1, 1), (3, 1), (2, 2)]

    rt.client.write(mod(_group(5, (7, 0))))
    assert [p for p, _ in rt.dataplane.process(4, FRAME).outputs] == [7]
    rt.client.write(dele(_group(5)))
    assert rt.client.read(_group(0)) == []
    assert rt.client.read_error(_group(5)).code() == grpc.StatusCode.NOT_FOUND


def test_multicast_group_errors(rt):
    rt.client.write(ins(_group(9, (1, 0))))
    cases = [
        (ins(_group(9, (2, 0))), grpc.StatusCode.ALREADY_EXISTS),
        (mod(_group(10, (2, 0))), grpc.StatusCode.NOT_FOUND),
        (ins(_group(11, (2, 0), (2, 0))), grpc.StatusCode.INVALID_ARGUMENT),  # duplicate replica
        (ins(_group(0, (2, 0))), grpc.StatusCode.INVALID_ARGUMENT),
        (ins(_group(32768, (2, 0))), grpc.StatusCode.OUT_OF_RANGE),  # reserved for clone sessions
    ]
    err = rt.client.write_error(*(u for u, _ in cases))
    assert per_update_codes(err) == [c for _, c in cases]
    assert len(rt.client.read(_group(0))) == 1


def test_clone_session_mirrors_and_reads_back(rt):
    rt.client.write(
        ins(_session(3, 6)),
        ins(rt.info.entity("dmac", "forward_and_mirror", {"port": 2, "session": 3}, dst=MAC)),
    )
    outs = rt.dataplane.process(1, FRAME).outputs
    assert sorted(p for p, _ in outs) == [2, 6]
    assert all(f == FRAME for _, f in outs)
    (s,) = [e.packet_replication_engine_entry.clone_session_entry for e in rt.client.read(_session(0))]
    assert s.session_id == 3 and [r.egress_port for r in s.replicas] == [6]
    # Clone sessions do not show among multicast groups.
    assert rt.client.read(_group(0)) == []

    rt.client.write(dele(_session(3)))
    # A clone to a session that is gone is skipped silently.
    assert [p for p, _ in rt.dataplane.process(1, FRAME).outputs] == [2]


def test_clone_session_errors(rt):
    cases = [
        (ins(_session(0, 1)), grpc.StatusCode.OUT_OF_RANGE),
        (ins(_session(32768, 1)), grpc.StatusCode.OUT_OF_RANGE),
        (ins(_session(4, 1, packet_length_bytes=64)), grpc.StatusCode.UNIMPLEMENTED),
        (ins(_session(4, 1, class_of_service=2)), grpc.StatusCode.UNIMPLEMENTED),
        (mod(_session(4, 1)), grpc.StatusCode.NOT_FOUND),
    ]
    err = rt.client.write_error(*(u for u, _ in cases))
    assert per_update_codes(err) == [c for _, c in cases]
    assert rt.client.read(_session(0)) == []
