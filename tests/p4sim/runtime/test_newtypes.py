"""Fields of a `type` with @p4runtime_translation over P4Runtime.

simple_switch_grpc has no translation service (PI issue 585, behavioral-model
issue 1176): PI checks each value against the P4Info bitwidth, which p4c sets
to the translation's SDN width (0 for `string`, so every value is refused with
INVALID_ARGUMENT), and hands the number to the data plane unchanged. p4sim does
the same: the translation is the identity, a value must fit the P4Info width,
and a value that fits it but not the data-plane field is refused too
(INVALID_ARGUMENT), where BMv2 would be handed a byte string of the wrong size."""

from __future__ import annotations

import grpc
import pytest
from finsy.proto.p4.v1 import p4runtime_pb2 as p4r

from .conftest import Session, build_pipeline, set_pipeline
from .entities import Info, ins, te_entity
from .p4rt_client import per_update_codes

MAC = 0x0000_0A0B_0C0D  # fits the 32-bit SDN width


@pytest.fixture
def nt(server, clients, dataplane) -> Session:
    pipe = build_pipeline("rt_newtypes.p4")
    c = clients()
    s = c.become_primary()
    set_pipeline(c, pipe)
    return Session(c, s, Info(pipe.p4info), server, dataplane)


def _frame(dst: int, tag: int, name: int) -> bytes:
    return dst.to_bytes(6, "big") + bytes(6) + tag.to_bytes(2, "big") + bytes([name])


def test_translated_key_and_param_are_identity_within_the_sdn_width(nt):
    nt.client.write(ins(nt.info.entity("by_mac", "fwd", {"port": 7}, dst=MAC, type=0x88B5)))
    res = nt.dataplane.process(1, _frame(MAC, 0x88B5, 0))
    assert [p for p, _ in res.outputs] == [7]
    (got,) = [e.table_entry for e in nt.client.read(te_entity(p4r.TableEntry(table_id=nt.info.table_id("by_mac"))))]
    assert got.match[0].exact.value == b"\x0a\x0b\x0c\x0d"
    assert got.action.action.params[0].value == b"\x07"


def test_value_beyond_the_sdn_width_is_invalid_argument(nt):
    # 40 significant bits: fits the 48-bit field, not the 32-bit P4Info width
    with pytest.raises(grpc.RpcError) as exc:
        nt.client.write(ins(nt.info.entity("by_mac", "drop", dst=0x01_0000_0000, type=1)))
    assert per_update_codes(exc.value) == [grpc.StatusCode.INVALID_ARGUMENT]


def test_param_fitting_the_sdn_width_but_not_the_field_is_invalid_argument(nt):
    # Port_t is bit<9> translated to 32 bits: 600 fits 32 bits, not 9
    with pytest.raises(grpc.RpcError) as exc:
        nt.client.write(ins(nt.info.entity("by_mac", "fwd", {"port": 600}, dst=MAC, type=2)))
    assert per_update_codes(exc.value) == [grpc.StatusCode.INVALID_ARGUMENT]


def test_string_translated_field_refuses_every_value(nt):
    t = nt.info.table("by_name")
    te = p4r.TableEntry(table_id=t.preamble.id)
    te.match.add(field_id=t.match_fields[0].id).exact.value = b"\x05"
    te.action.action.CopyFrom(nt.info.action("drop"))
    with pytest.raises(grpc.RpcError) as exc:
        nt.client.write(ins(p4r.Entity(table_entry=te)))
    assert per_update_codes(exc.value) == [grpc.StatusCode.INVALID_ARGUMENT]


def test_digest_with_type_members_loads_and_reports_values(nt):
    # p4c writes digest struct members and register cells of a `type` as
    # new_type {name}; the server takes their width from type_info.new_types
    e = p4r.Entity()
    e.digest_entry.digest_id = nt.info.id("digests", "learn_t")
    e.digest_entry.config.max_list_size = 1
    e.digest_entry.config.ack_timeout_ns = 10**10
    nt.client.write(ins(e))
    nt.dataplane.process(1, _frame(MAC, 0x88B5, 0))
    dl = nt.stream.get("digest").digest
    assert [int.from_bytes(m.bitstring, "big") for m in dl.data[0].struct.members] == [MAC, 0x88B5]
