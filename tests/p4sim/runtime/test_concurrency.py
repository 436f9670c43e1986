"""gRPC threads and the packet path share the switch: a batch is seen by
packets entirely or not at all, and a Write's effect is visible to the next
Read."""

from __future__ import annotations

import threading

from finsy.proto.p4.v1 import p4runtime_pb2 as p4r

from .entities import dele, ins, te_entity

MAC = 0x02_00_00_00_00_0A
FRAME = MAC.to_bytes(6, "big") + (0x02_00_00_00_00_01).to_bytes(6, "big") + b"\x88\xb5" + bytes(46)


def test_packets_never_see_half_a_batch(rt):
    info = rt.info
    rt.client.write(ins(info.entity("dmac", "forward", {"port": 1}, dst=MAC)))
    stop = threading.Event()
    seen: list[tuple[int, ...]] = []
    errors: list[BaseException] = []

    def traffic() -> None:
        try:
            while not stop.is_set():
                seen.append(tuple(p for p, _ in rt.dataplane.process(2, FRAME).outputs))
        except BaseException as exc:  # reported below, not swallowed
            errors.append(exc)

    t = threading.Thread(target=traffic)
    t.start()
    try:
        # Each batch deletes the entry and inserts it again with another port:
        # a packet between the two updates would be dropped (default action).
        for i in range(60):
            rt.client.write(
                dele(info.entity("dmac", dst=MAC)),
                ins(info.entity("dmac", "forward", {"port": 2 + i % 2}, dst=MAC)),
            )
            (got,) = rt.client.read(te_entity(info.entry("dmac", dst=MAC)))
            assert got.table_entry.action.action.params[0].value == bytes([2 + i % 2])
    finally:
        stop.set()
        t.join()
    assert not errors
    assert len(seen) > 10
    assert all(len(out) == 1 and out[0] in (1, 2, 3) for out in seen), set(seen)


def test_concurrent_writers_and_readers(rt):
    """Several clients' worth of reads while the primary writes: every read
    returns a consistent table (whole entries, a count that only grows)."""
    info = rt.info
    done = threading.Event()
    counts: list[int] = []
    errors: list[BaseException] = []

    def reader() -> None:
        try:
            while not done.is_set():
                ents = rt.client.read(te_entity(p4r.TableEntry(table_id=info.table_id("dmac"))))
                assert all(len(e.table_entry.match) == 1 for e in ents)
                counts.append(len(ents))
        except BaseException as exc:
            errors.append(exc)

    readers = [threading.Thread(target=reader) for _ in range(3)]
    for r in readers:
        r.start()
    try:
        for b in range(20):
            rt.client.write(*(ins(info.entity("dmac", "forward", {"port": 1}, dst=b * 100 + i)) for i in range(100)))
    finally:
        done.set()
        for r in readers:
            r.join()
    assert not errors
    assert all(c % 100 == 0 for c in counts)  # never a partial batch
    assert len(rt.client.read(te_entity(p4r.TableEntry(table_id=info.table_id("dmac"))))) == 2000
