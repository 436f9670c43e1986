"""Malformed and refused updates: each gets its status (inside the batch's
per-update errors, as PI reports them) with a message naming what is wrong,
and changes nothing."""

from __future__ import annotations

import grpc
import pytest
from finsy.proto.p4.v1 import p4runtime_pb2 as p4r

from .entities import Info, dele, ins, mod, te_entity
from .p4rt_client import per_update_codes

MAC = 0x02_00_00_00_00_0A
IA = grpc.StatusCode.INVALID_ARGUMENT


def _dmac(info: Info, **kw) -> p4r.TableEntry:
    return info.entry("dmac", "forward", {"port": 1}, dst=MAC, **kw)


def _with(te: p4r.TableEntry, fn) -> p4r.Entity:
    fn(te)
    return te_entity(te)


CASES = {
    "unknown table id": (lambda i: ins(_with(_dmac(i), lambda t: setattr(t, "table_id", 0x02FFFFFF))),
                         IA, "table id"),
    "unknown match field id": (lambda i: ins(_with(_dmac(i), lambda t: setattr(t.match[0], "field_id", 9))),
                               IA, "match field id 9"),
    "value wider than the field": (
        lambda i: ins(_with(_dmac(i), lambda t: setattr(t.match[0].exact, "value", b"\x01" + b"\x00" * 6))),
        IA, "hdr.ethernet.dst"),
    "parameter over its width in a padded string": (
        lambda i: ins(_with(_dmac(i), lambda t: setattr(t.action.action.params[0], "value", b"\x02\x00"))),
        IA, "does not fit in 9 bits"),
    "missing exact field": (lambda i: ins(_with(_dmac(i), lambda t: t.ClearField("match"))),
                            IA, "missing"),
    "match kind mismatch": (
        lambda i: ins(i.entity("dmac", "drop", dst=("lpm", MAC, 48))), IA, "match kind exact"),
    "field given twice": (lambda i: ins(_with(_dmac(i), lambda t: t.match.append(t.match[0]))),
                          IA, "given twice"),
    "ternary value outside mask": (
        lambda i: ins(i.entity("tern_t", "NoAction", priority=1, src=("ternary", 0x0F, 0xF0))),
        IA, "outside mask"),
    "ternary mask zero": (
        lambda i: ins(i.entity("tern_t", "NoAction", priority=1, src=("ternary", 0, 0))), IA, "mask is 0"),
    "lpm bits beyond prefix": (
        lambda i: ins(i.entity("lpm_t", "NoAction", dst=("lpm", 0x0200_0000_00FF, 16))), IA, "beyond prefix"),
    "lpm prefix too long": (
        lambda i: ins(i.entity("lpm_t", "NoAction", dst=("lpm", 0, 49))), IA, "prefix length 49"),
    "range low above high": (
        lambda i: ins(i.entity("tern_t", "NoAction", priority=1, ether_type=("range", 9, 3))), IA, "above high"),
    "missing action parameter": (lambda i: ins(i.entity("dmac", "forward", {}, dst=MAC)), IA, "'port' is missing"),
    "unknown action parameter": (
        lambda i: ins(_with(_dmac(i), lambda t: setattr(t.action.action.params[0], "param_id", 7))),
        IA, "parameter id 7"),
    "unknown action id": (
        lambda i: ins(_with(_dmac(i), lambda t: setattr(t.action.action, "action_id", 0x01ABCDEF))),
        IA, "action id"),
    "action not in the table": (lambda i: ins(i.entity("dmac", "set_tag", {"tag": 1}, dst=MAC)),
                                IA, "not one of the table's actions"),
    "no action": (lambda i: ins(i.entity("dmac", dst=MAC)), IA, "needs an action"),
    "priority missing on a ternary table": (
        lambda i: ins(i.entity("tern_t", "NoAction", src=("ternary", 1, 1))), IA, "priority must be > 0"),
    "priority on an exact table": (lambda i: ins(te_entity(_dmac(i, priority=3))), IA, "priority must be 0"),
    "counter data on a table without direct counter": (
        lambda i: ins(_with(i.entry("lpm_t", "NoAction", dst=("lpm", 0, 8)),
                            lambda t: t.counter_data.CopyFrom(p4r.CounterData(packet_count=1)))),
        IA, "no direct counter"),
    "idle timeout on a table without support": (
        lambda i: ins(_with(i.entry("lpm_t", "NoAction", dst=("lpm", 0, 8)),
                            lambda t: setattr(t, "idle_timeout_ns", 10**9))),
        IA, "idle timeout"),
    "modify of a missing entry": (lambda i: mod(te_entity(_dmac(i))), grpc.StatusCode.NOT_FOUND, "dmac"),
    "delete of a missing entry": (lambda i: dele(te_entity(_dmac(i))), grpc.StatusCode.NOT_FOUND, "dmac"),
    "update type unspecified": (lambda i: p4r.Update(entity=te_entity(_dmac(i))), IA, "UNSPECIFIED"),
    "update without entity": (lambda i: p4r.Update(type=p4r.Update.INSERT), IA, "no entity"),
    "member id on a direct table": (
        lambda i: ins(_with(i.entry("dmac", dst=MAC), lambda t: setattr(t.action, "action_profile_member_id", 1))),
        IA, "no action profile"),
}


def _state(rt) -> list[bytes]:
    ents = rt.client.read(te_entity(p4r.TableEntry()))
    return sorted(e.SerializeToString(deterministic=True) for e in ents)


@pytest.mark.parametrize("case", sorted(CASES))
def test_malformed_update_is_refused_and_changes_nothing(rt, case):
    build, code, text = CASES[case]
    rt.client.write(ins(rt.info.entity("dmac", "forward", {"port": 2}, dst=MAC + 1)))
    before = _state(rt)
    err = rt.client.write_error(build(rt.info))
    assert err.code() == grpc.StatusCode.UNKNOWN
    assert per_update_codes(err) == [code]
    assert text in err.details(), err.details()
    assert _state(rt) == before


def test_duplicate_insert_is_already_exists(rt):
    e = rt.info.entity("dmac", "forward", {"port": 1}, dst=MAC)
    rt.client.write(ins(e))
    before = _state(rt)
    err = rt.client.write_error(ins(rt.info.entity("dmac", "forward", {"port": 4}, dst=MAC)))
    assert per_update_codes(err) == [grpc.StatusCode.ALREADY_EXISTS]
    assert _state(rt) == before


def test_only_continue_on_error_is_implemented(rt):
    e = ins(rt.info.entity("dmac", "forward", {"port": 1}, dst=MAC))
    for atomicity in (p4r.WriteRequest.ROLLBACK_ON_ERROR, p4r.WriteRequest.DATAPLANE_ATOMIC):
        err = rt.client.write_error(e, atomicity=atomicity)
        assert err.code() == grpc.StatusCode.UNIMPLEMENTED
    assert _state(rt) == sorted(
        e.SerializeToString(deterministic=True)
        for e in rt.client.read(te_entity(p4r.TableEntry()))
        if e.table_entry.is_const
    )


def test_read_of_an_unknown_table_is_invalid_argument(rt):
    err = rt.client.read_error(te_entity(p4r.TableEntry(table_id=0x02123456)))
    assert err.code() == grpc.StatusCode.INVALID_ARGUMENT
    err = rt.client.read_error(p4r.Entity())
    assert err.code() == grpc.StatusCode.INVALID_ARGUMENT


def test_server_survives_garbage_and_keeps_serving(rt):
    # Raw bytes that are not a WriteRequest at all.
    call = rt.client.channel.unary_unary(
        "/p4.v1.P4Runtime/Write", request_serializer=lambda b: b, response_deserializer=lambda b: b
    )
    with pytest.raises(grpc.RpcError) as exc:
        call(b"\xff\xff\xff\xff")
    assert exc.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert "cannot parse" in exc.value.details()
    rt.client.write(ins(rt.info.entity("dmac", "forward", {"port": 1}, dst=MAC)))
    assert len([e for e in rt.client.read(te_entity(p4r.TableEntry(table_id=rt.info.table_id("dmac"))))]) == 1
