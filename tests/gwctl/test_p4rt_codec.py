"""Entries survive the trip through finsy's P4Runtime codec unchanged, so read-back equals wanted.

The P4Info is the one p4sim compiles from a real program; encoding and
decoding are finsy's, as on the wire. If this breaks, every agent restart
would rewrite entries that are already right.
"""

from pathlib import Path

import finsy
import pytest
from finsy import p4entity

from gwctl.p4rt import WriteEncoder, canon, from_entity, to_entity
from gwctl.reconcile import Entry, Kind, Op, Update
from tests.gwctl.p4sim_target import REPO, compile_program


@pytest.fixture(scope="module")
def schema(tmp_path_factory: pytest.TempPathFactory) -> finsy.P4Schema:
    prog = compile_program(REPO / "p4src/examples/l2_table.p4", Path(tmp_path_factory.mktemp("p4")))
    return finsy.P4Schema(prog.p4info)


ENTRIES = [
    Entry(Kind.TABLE, "Ing.dmac", (("hdr.ethernet.dst", 0x00005E005301),), 0, "Ing.to_port", (("port", 3),)),
    Entry(Kind.TABLE, "Ing.acl", (("hdr.ethernet.ether_type", (0x0800, 0x0806)),
                                  ("hdr.ethernet.src", (0x10, 0xFF))), 10, "Ing.drop", ()),
    Entry(Kind.DEFAULT, "Ing.dmac", (), 0, "Ing.to_port", (("port", 7),)),
    Entry(Kind.MCAST_GROUP, "", (5,), params=((1, 0), (2, 0), (2, 1))),
    Entry(Kind.CLONE_SESSION, "", (7,), params=(("class_of_service", 0), ("packet_length_bytes", 128),
                                                ("replicas", ((3, 1),)))),
]


@pytest.mark.parametrize("entry", ENTRIES, ids=lambda e: e.kind.name + " " + e.table)
def test_round_trip_through_wire_format(schema, entry):
    wire = to_entity(entry).encode(schema)
    assert from_entity(p4entity.decode_entity(wire, schema), schema) == entry


@pytest.mark.parametrize("entry", ENTRIES, ids=lambda e: e.kind.name + " " + e.table)
def test_write_encoder_matches_finsy(schema, entry):
    """gwctl's fast write encoder (ternary, default actions, PRE entries; clone sessions via finsy) = finsy's."""
    op = Op.MODIFY if entry.kind == Kind.DEFAULT else Op.INSERT
    fast = WriteEncoder(schema).update(Update(op, entry))
    entity = to_entity(entry)
    ref = (~entity if op == Op.MODIFY else +entity).encode_update(schema)
    assert fast.SerializeToString(deterministic=True) == ref.SerializeToString(deterministic=True)


def test_replica_order_does_not_matter(schema):
    a = Entry(Kind.MCAST_GROUP, "", (9,), params=((1, 0), (4, 0)))
    wire = finsy.P4MulticastGroupEntry(9, replicas=[4, 1]).encode(schema)
    assert from_entity(p4entity.decode_entity(wire, schema), schema) == a


def test_aliases_read_back_as_full_names(schema):
    entity = finsy.P4TableEntry("dmac", match=finsy.Match(dst=1), action=finsy.Action("to_port", port=2))
    entry = from_entity(p4entity.decode_entity(entity.encode(schema), schema), schema)
    assert (entry.table, entry.key, entry.action) == ("Ing.dmac", (("hdr.ethernet.dst", 1),), "Ing.to_port")


def test_canon_normalizes_what_finsy_may_return():
    assert canon("00:00:5e:00:53:01") == 0x00005E005301
    assert canon("192.0.2.1") == 0xC0000201
    assert canon(("198.51.100.0", 24)) == (0xC6336400, 24)
    assert canon(b"\x01\x00") == 256
    assert canon("0x10") == 16
    with pytest.raises(TypeError):
        canon(object())
