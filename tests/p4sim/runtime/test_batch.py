"""A batch with failing updates: UNKNOWN with one p4.v1.Error per update in
order, OK for those that were applied (CONTINUE_ON_ERROR)."""

from __future__ import annotations

import grpc
from finsy.proto.p4.v1 import p4runtime_pb2 as p4r

from p4sim.runtime.status import batch_errors

from .entities import ins, te_entity
from .p4rt_client import per_update_codes

OK = grpc.StatusCode.OK


def test_failing_updates_do_not_stop_the_others(rt):
    info = rt.info
    mac = 0x02_00_00_00_00_00
    rt.client.write(ins(info.entity("dmac", "forward", {"port": 1}, dst=mac + 1)))
    err = rt.client.write_error(
        ins(info.entity("dmac", "forward", {"port": 2}, dst=mac + 2)),
        ins(info.entity("dmac", "forward", {"port": 9}, dst=mac + 1)),  # exists
        ins(info.entity("dmac", "forward", {"port": 3}, dst=mac + 3)),
        ins(info.entity("dmac", "forward", {}, dst=mac + 4)),  # missing param
        ins(info.entity("dmac", "forward", {"port": 5}, dst=mac + 5)),
    )
    assert err.code() == grpc.StatusCode.UNKNOWN
    assert per_update_codes(err) == [
        OK, grpc.StatusCode.ALREADY_EXISTS, OK, grpc.StatusCode.INVALID_ARGUMENT, OK,
    ]
    errors = batch_errors(err)
    assert errors[0].message == "" and "dmac" in errors[1].message
    got = rt.client.read(te_entity(p4r.TableEntry(table_id=info.table_id("dmac"))))
    ports = sorted(
        (int.from_bytes(e.table_entry.match[0].exact.value, "big") - mac,
         e.table_entry.action.action.params[0].value[0])
        for e in got
    )
    assert ports == [(1, 1), (2, 2), (3, 3), (5, 5)]


def test_updates_apply_in_order_within_a_batch(rt):
    info = rt.info
    e = info.entity("dmac", "forward", {"port": 1}, dst=7)
    rt.client.write(
        ins(e),
        p4r.Update(type=p4r.Update.MODIFY, entity=info.entity("dmac", "forward", {"port": 6}, dst=7)),
        p4r.Update(type=p4r.Update.DELETE, entity=info.entity("dmac", dst=7)),
        ins(info.entity("dmac", "forward", {"port": 8}, dst=7)),
    )
    (got,) = rt.client.read(te_entity(p4r.TableEntry(table_id=info.table_id("dmac"))))
    assert got.table_entry.action.action.params[0].value == b"\x08"
