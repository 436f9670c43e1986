"""gwctl's own write encoder (`p4rt.WriteEncoder`) against finsy's, on the real vtep_gateway.p4 P4Info.

The fast encoder must produce byte-identical P4Runtime Updates for every entry
kind and every table vtep_gateway.p4 uses (finsy's encoding is the reference:
it is what read-back decodes), and what it writes must read back unchanged
from a real p4sim target.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import finsy
import pytest
from finsy.proto import p4r

from gwctl import p4rt
from gwctl.p4rt import P4RuntimeTarget, Pipeline, WriteEncoder, to_entity
from gwctl.pipelines import vtep_gateway as p4
from gwctl.reconcile import Entry, Kind, Op, Update, reconcile
from gwctl.translate import translate
from gwctl.validate import validate
from tests.gwctl.p4sim_target import REPO, CompiledProgram, P4simServer, compile_program
from tests.gwctl.test_translate import INV, state


@pytest.fixture(scope="module")
def program(tmp_path_factory: pytest.TempPathFactory) -> CompiledProgram:
    return compile_program(REPO / "p4src/vtep_gateway.p4", Path(tmp_path_factory.mktemp("p4")),
                           (REPO / "p4src/include",))


@pytest.fixture(scope="module")
def schema(program: CompiledProgram) -> finsy.P4Schema:
    return finsy.P4Schema(program.p4info)


def vtep_entries() -> list[Entry]:
    """What translate writes for the test state, plus one entry of every other constructor."""
    entries = sorted(translate(validate(state(), p4.CAPABILITIES).state, [], INV).entries)
    acl = p4.AclMatch(src_mac="02:00:00:00:00:01", dst_mac="02:00:00:00:00:02", ether_type=0x0800,
                      ipv4_src=("198.51.100.0", "255.255.255.0"), ipv4_dst=("198.18.0.0", "255.254.0.0"), ip_proto=6,
                      l4_sport=(0, 1023), l4_dport=(80, 443), tcp_flags=(0x02, 0x12))
    entries += [
        p4.dmac_to_binding(1, "02:00:00:00:00:0a", 3, 2),
        p4.dmac_to_tunnel(1, "02:00:00:00:00:0b", 1, "198.18.1.1"),
        p4.dmac_to_group(1, "ff:ff:ff:ff:ff:ff", 1),
        p4.smac_known(1, "02:00:00:00:00:0a", 3),
        p4.arp_reply(1, "192.0.2.10", "02:00:00:00:00:0a"),
        p4.router_mac(1, "02:00:00:00:00:fe", 1),
        p4.ipv4_route(1, "203.0.113.0/24", 1, "02:00:00:00:00:fe", "02:00:00:00:00:0a"),
        p4.ipv4_route(1, "0.0.0.0/0", 1, "02:00:00:00:00:fe", "02:00:00:00:00:0a"),
        p4.underlay_route("0.0.0.0/0", 1),
        p4.underlay_route("198.18.0.0/15", 2),
        p4.ecmp_member(9, 4, "02:00:00:00:00:00", "02:00:00:00:00:01"),
        p4.ecmp_group(3, [9]),
        p4.flood_group(7, [(1, 0), (2, p4.binding_rid(5)), (3, p4.tunnel_rid(1))]),
        p4.flood_group(8, []),
        p4.acl_entry("ingress", 1, 10, True, acl),
        p4.acl_entry("egress", 2, 20, False, p4.AclMatch(icmp_type=8, icmp_code=0)),
        p4.dmac_to_tunnel(0, "00:00:00:00:00:00", 0, "0.0.0.0"),   # zeros: one byte each
    ]
    return entries


def finsy_update(update: Update, schema: finsy.P4Schema) -> p4r.Update:
    entity = to_entity(update.entry)
    entity = {Op.INSERT: entity.__pos__, Op.MODIFY: entity.__invert__, Op.DELETE: entity.__neg__}[update.op]()
    return entity.encode_update(schema)


def test_every_vtep_entry_kind_is_covered():
    kinds = {e.kind for e in vtep_entries()}
    assert {Kind.TABLE, Kind.MCAST_GROUP, Kind.PROFILE_MEMBER, Kind.PROFILE_GROUP} <= kinds
    tables = {e.table for e in vtep_entries() if e.kind == Kind.TABLE}
    assert {p4.DMAC, p4.UNDERLAY_NEXTHOP, p4.IPV4_ROUTE} <= tables


@pytest.mark.parametrize("op", list(Op))
def test_fast_encoding_is_byte_identical_to_finsy(schema, op):
    encoder = WriteEncoder(schema)
    for entry in vtep_entries():
        update = Update(op, entry)
        # the fast path itself, not the finsy fallback
        fast = p4r.Update(type=p4rt._UPDATE_TYPES[op], entity=encoder._entity(entry))
        ref = finsy_update(update, schema)
        assert fast == ref, str(entry)
        assert fast.SerializeToString(deterministic=True) == ref.SerializeToString(deterministic=True), str(entry)
        assert encoder.update(update) == ref
        assert encoder.update(update).SerializeToString() == ref.SerializeToString(), str(entry)
        if entry.kind == Kind.TABLE and entry.action:
            encoder._table_wire(entry)          # direct table entries take the wire-bytes path


def test_what_the_fast_path_refuses_goes_through_finsy(schema):
    encoder = WriteEncoder(schema)
    too_wide = p4.vni_to_ls(1 << 24, 1)         # a 24-bit VNI
    with pytest.raises(p4rt._Fallback):
        encoder._entity(too_wide)
    with pytest.raises(ValueError):             # finsy's own error, as before
        encoder.update(Update(Op.INSERT, too_wide))
    unknown = Entry(Kind.TABLE, "no.such.table", (("x", 1),), 0, "a", ())
    with pytest.raises(ValueError):
        encoder.update(Update(Op.INSERT, unknown))


def test_fast_writes_read_back_unchanged(program, tmp_path):
    server = P4simServer(tmp_path / "p4sim.log").start()
    wanted = set(translate(validate(state(), p4.CAPABILITIES).state, [], INV).entries)
    wanted |= {p4.dmac_to_tunnel(1, f"02:00:00:01:{i >> 8:02x}:{i & 0xff:02x}", 1, "198.18.1.1")
               for i in range(2000)}
    wanted |= {p4.dmac_to_binding(1, "02:00:00:00:00:00", 1, 1), p4.arp_reply(1, "192.0.2.0", "02:00:00:00:00:01")}

    async def run() -> tuple[set[Entry], list]:
        async with P4RuntimeTarget(server.address, Pipeline(program.p4info, program.device_config)) as target:
            applied = await target.write(reconcile(wanted, await target.read_entries()))
            assert len(applied) == len(wanted)
            assert target._encoder is not None and target._encoder.schema is target.p4info
            back = {e for e in await target.read_entries() if e.kind != Kind.DEFAULT}
            return back, reconcile(wanted, await target.read_entries())

    try:
        back, again = asyncio.run(run())
    finally:
        server.stop()
    assert back == wanted
    assert again == []
