"""Digests: nothing until configured, lists by size or timeout, the same
data held back until acknowledged (or the ack timeout expires)."""

from __future__ import annotations

import time

import grpc
from finsy.proto.p4.v1 import p4runtime_pb2 as p4r

from .entities import ins, mod
from .p4rt_client import per_update_codes

DST = 0x02_00_00_00_00_FF


def _frame(src: int) -> bytes:
    return DST.to_bytes(6, "big") + src.to_bytes(6, "big") + b"\x08\x00" + bytes(46)


def _config(rt, max_timeout_ns=0, max_list_size=1, ack_timeout_ns=10**10) -> p4r.Entity:
    e = p4r.Entity()
    e.digest_entry.digest_id = rt.info.id("digests", "learn_t")
    e.digest_entry.config.max_timeout_ns = max_timeout_ns
    e.digest_entry.config.max_list_size = max_list_size
    e.digest_entry.config.ack_timeout_ns = ack_timeout_ns
    return e


def _values(dl: p4r.DigestList) -> list[tuple[int, int]]:
    return [tuple(int.from_bytes(m.bitstring, "big") for m in d.struct.members) for d in dl.data]


def test_nothing_is_sent_before_configuration(rt):
    rt.dataplane.process(1, _frame(0x0200_0000_0001))
    assert rt.stream.nothing("digest")


def test_same_data_is_held_back_until_acked(rt):
    rt.client.write(ins(_config(rt)))
    a, b = 0x0200_0000_0001, 0x0200_0000_0002
    rt.dataplane.process(3, _frame(a))
    first = rt.stream.get("digest").digest
    assert _values(first) == [(a, 3)]
    assert first.digest_id == rt.info.id("digests", "learn_t")

    rt.dataplane.process(3, _frame(a))
    assert rt.stream.nothing("digest")  # held back: not acked yet
    rt.dataplane.process(4, _frame(b))
    second = rt.stream.get("digest").digest
    assert _values(second) == [(b, 4)] and second.list_id != first.list_id

    ack = p4r.DigestListAck(digest_id=first.digest_id, list_id=first.list_id)
    rt.stream.send(p4r.StreamMessageRequest(digest_ack=ack))
    time.sleep(0.1)
    rt.dataplane.process(3, _frame(a))
    assert _values(rt.stream.get("digest").digest) == [(a, 3)]


def test_lists_fill_up_to_max_list_size(rt):
    rt.client.write(ins(_config(rt, max_timeout_ns=10**10, max_list_size=3)))
    for i in range(3):
        rt.dataplane.process(1, _frame(0x0200_0000_0010 + i))
    dl = rt.stream.get("digest").digest
    assert [v[0] for v in _values(dl)] == [0x0200_0000_0010, 0x0200_0000_0011, 0x0200_0000_0012]


def test_a_partial_list_goes_out_after_max_timeout(rt):
    rt.client.write(ins(_config(rt, max_timeout_ns=50_000_000, max_list_size=100)))
    start = time.monotonic()
    rt.dataplane.process(1, _frame(0x0200_0000_0020))
    dl = rt.stream.get("digest", timeout=3).digest
    assert time.monotonic() - start >= 0.04
    assert len(dl.data) == 1


def test_unacked_data_is_released_after_ack_timeout(rt):
    rt.client.write(ins(_config(rt, ack_timeout_ns=100_000_000)))
    rt.dataplane.process(1, _frame(0x0200_0000_0030))
    rt.stream.get("digest")
    time.sleep(0.3)
    rt.dataplane.process(1, _frame(0x0200_0000_0030))
    assert len(rt.stream.get("digest").digest.data) == 1


def test_digest_entry_config_is_read_modified_deleted(rt):
    rt.client.write(ins(_config(rt, max_list_size=5)))
    err = rt.client.write_error(ins(_config(rt)))
    assert per_update_codes(err) == [grpc.StatusCode.ALREADY_EXISTS]
    rt.client.write(mod(_config(rt, max_list_size=7)))
    (got,) = rt.client.read(p4r.Entity(digest_entry=p4r.DigestEntry()))
    assert got.digest_entry.config.max_list_size == 7
    rt.client.write(p4r.Update(type=p4r.Update.DELETE, entity=_config(rt)))
    assert rt.client.read(p4r.Entity(digest_entry=p4r.DigestEntry())) == []
    err = rt.client.write_error(mod(_config(rt)))
    assert per_update_codes(err) == [grpc.StatusCode.NOT_FOUND]


def test_ack_for_an_unknown_digest_is_a_stream_error(rt):
    rt.stream.send(p4r.StreamMessageRequest(digest_ack=p4r.DigestListAck(digest_id=123, list_id=1)))
    err = rt.stream.get("error").error
    assert err.canonical_code == grpc.StatusCode.INVALID_ARGUMENT.value[0]
    assert err.digest_list_ack.digest_list_ack.digest_id == 123
