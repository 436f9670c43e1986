"""Table entries over P4Runtime on rt_test.p4: each match kind written,
read back in canonical form, modified and deleted; default entries,
scopes, const tables, priorities and capacity."""

from __future__ import annotations

import grpc
from finsy.proto.p4.v1 import p4runtime_pb2 as p4r

from .entities import Info, dele, ins, mod, te_entity
from .p4rt_client import per_update_codes

MAC_A = 0x02_00_00_00_00_0A
MAC_B = 0x02_00_00_00_00_0B


def _read_table(rt, name: str, **kw) -> list[p4r.TableEntry]:
    req = p4r.TableEntry(table_id=rt.info.table_id(name), **kw)
    return [e.table_entry for e in rt.client.read(te_entity(req))]


def test_exact_entry_lifecycle_with_direct_counter(rt):
    e = rt.info.entity("dmac", "forward", {"port": 3}, dst=MAC_A)
    rt.client.write(ins(e))
    (got,) = _read_table(rt, "dmac")
    assert got.match[0].exact.value == b"\x02\x00\x00\x00\x00\x0a"
    assert got.action.action.action_id == rt.info.action_id("forward")
    assert got.action.action.params[0].value == b"\x03"
    assert not got.HasField("counter_data")  # only when asked for

    frame = MAC_A.to_bytes(6, "big") + MAC_B.to_bytes(6, "big") + b"\x08\x00" + b"x" * 50
    res = rt.dataplane.process(1, frame)
    assert [p for p, _ in res.outputs] == [3]
    (got,) = _read_table(rt, "dmac", counter_data=p4r.CounterData())
    assert got.counter_data.packet_count == 1
    assert got.counter_data.byte_count == len(frame)

    rt.client.write(mod(rt.info.entity("dmac", "forward", {"port": 5}, dst=MAC_A)))
    (got,) = _read_table(rt, "dmac", counter_data=p4r.CounterData())
    assert got.action.action.params[0].value == b"\x05"
    assert got.counter_data.packet_count == 1  # MODIFY without counter data keeps it
    assert [p for p, _ in rt.dataplane.process(1, frame).outputs] == [5]

    rt.client.write(dele(rt.info.entity("dmac", dst=MAC_A)))
    assert _read_table(rt, "dmac") == []
    assert rt.dataplane.process(1, frame).outputs == []  # default action drops


def test_lpm_entries_and_canonical_read(rt):
    padded = Info(rt.info.p4info, padded=True)
    rt.client.write(
        ins(padded.entity("lpm_t", "set_tag", {"tag": 7}, dst=("lpm", 0x0200_0000_0000, 8))),
        ins(rt.info.entity("lpm_t", "NoAction", dst=("lpm", 0x0200_0000_0A00, 40))),
    )
    got = sorted(_read_table(rt, "lpm_t"), key=lambda e: e.match[0].lpm.prefix_len)
    assert [(e.match[0].lpm.value, e.match[0].lpm.prefix_len) for e in got] == [
        (b"\x02\x00\x00\x00\x00\x00", 8),
        (b"\x02\x00\x00\x00\x0a\x00", 40),
    ]
    assert got[0].action.action.params[0].value == b"\x07"  # padded in, canonical out


def test_ternary_range_optional_with_priorities(rt):
    info = rt.info
    rt.client.write(
        ins(info.entity("tern_t", "set_tag", {"tag": 1}, priority=10,
                        src=("ternary", 0x0200_0000_0000, 0xFF00_0000_0000), ether_type=("range", 0x800, 0x8FF))),
        ins(info.entity("tern_t", "set_tag", {"tag": 2}, priority=20, dst=("optional", MAC_B))),
        # Same match, other priority: a different entry.
        ins(info.entity("tern_t", "set_tag", {"tag": 3}, priority=30, dst=("optional", MAC_B))),
    )
    got = sorted(_read_table(rt, "tern_t"), key=lambda e: e.priority)
    assert [e.priority for e in got] == [10, 20, 30]
    # Don't-care fields are omitted on read.
    assert [len(e.match) for e in got] == [2, 1, 1]
    assert got[0].match[0].ternary.mask == b"\xff\x00\x00\x00\x00\x00"
    assert got[0].match[1].range.low == b"\x08\x00"
    assert got[1].match[0].optional.value == b"\x02\x00\x00\x00\x00\x0b"

    # Delete needs the priority to name the entry.
    rt.client.write(dele(info.entity("tern_t", priority=20, dst=("optional", MAC_B))))
    assert [e.priority for e in _read_table(rt, "tern_t")] == [10, 30]

    # Read of one entry by key and priority.
    one = info.entry("tern_t", priority=30, dst=("optional", MAC_B))
    (got,) = [e.table_entry for e in rt.client.read(te_entity(one))]
    assert got.action.action.params[0].value == b"\x03"


def test_wildcard_read_of_all_tables_includes_const_entries(rt):
    rt.client.write(ins(rt.info.entity("dmac", "drop", dst=MAC_A)))
    got = [e.table_entry for e in rt.client.read(te_entity(p4r.TableEntry()))]
    by_table = {}
    for e in got:
        by_table.setdefault(e.table_id, []).append(e)
    assert len(by_table[rt.info.table_id("dmac")]) == 1
    const = by_table[rt.info.table_id("const_t")]
    assert len(const) == 2 and all(e.is_const for e in const)
    # Const entries get priorities N..1 in source order, as BMv2 does.
    assert sorted(e.priority for e in const) == [1, 2]


def test_default_entry_modify_read_and_reset(rt):
    info = rt.info
    default = p4r.TableEntry(table_id=info.table_id("dmac"), is_default_action=True)
    default.action.action.CopyFrom(info.action("forward", port=9))
    rt.client.write(mod(te_entity(default)))
    (got,) = _read_table(rt, "dmac", is_default_action=True)
    assert got.is_default_action and got.action.action.action_id == info.action_id("forward")
    frame = MAC_B.to_bytes(6, "big") * 2 + b"\x08\x00"
    assert [p for p, _ in rt.dataplane.process(1, frame).outputs] == [9]

    # MODIFY without action resets to the program's default (drop).
    rt.client.write(mod(te_entity(p4r.TableEntry(table_id=info.table_id("dmac"), is_default_action=True))))
    (got,) = _read_table(rt, "dmac", is_default_action=True)
    assert got.action.action.action_id == info.action_id("drop")
    assert rt.dataplane.process(1, frame).outputs == []

    for kind in (ins, dele):
        err = rt.client.write_error(kind(te_entity(default)))
        assert per_update_codes(err) == [grpc.StatusCode.INVALID_ARGUMENT]


def test_const_default_and_const_table_refuse_writes(rt):
    info = rt.info
    cd = p4r.TableEntry(table_id=info.table_id("const_def_t"), is_default_action=True)
    cd.action.action.CopyFrom(info.action("set_tag", tag=1))
    err = rt.client.write_error(mod(te_entity(cd)))
    assert per_update_codes(err) == [grpc.StatusCode.PERMISSION_DENIED]
    assert "const_def_t" in err.details()

    e = info.entity("const_t", "set_tag", {"tag": 1}, priority=5, ether_type=("ternary", 0x86DD, 0xFFFF))
    err = rt.client.write_error(ins(e))
    assert per_update_codes(err) == [grpc.StatusCode.PERMISSION_DENIED]
    assert len(_read_table(rt, "const_t")) == 2


def test_action_scopes(rt):
    info = rt.info
    err = rt.client.write_error(ins(info.entity("scoped_t", "a_def", ether_type=1)))
    assert per_update_codes(err) == [grpc.StatusCode.INVALID_ARGUMENT]
    assert "defaultonly" in err.details()
    rt.client.write(ins(info.entity("scoped_t", "a_tab", ether_type=1)))

    d = p4r.TableEntry(table_id=info.table_id("scoped_t"), is_default_action=True)
    d.action.action.CopyFrom(info.action("a_tab"))
    err = rt.client.write_error(mod(te_entity(d)))
    assert per_update_codes(err) == [grpc.StatusCode.INVALID_ARGUMENT]
    d.action.action.CopyFrom(info.action("a_def"))
    rt.client.write(mod(te_entity(d)))


def test_full_table_is_resource_exhausted(rt):
    info = rt.info
    updates = [
        ins(info.entity("tern_t", "NoAction", priority=i + 1, dst=("optional", i))) for i in range(8)
    ]
    rt.client.write(*updates)
    err = rt.client.write_error(ins(info.entity("tern_t", "NoAction", priority=99, dst=("optional", 99))))
    assert per_update_codes(err) == [grpc.StatusCode.RESOURCE_EXHAUSTED]
    assert len(_read_table(rt, "tern_t")) == 8


def test_entry_metadata_and_idle_timeout_read_back(rt):
    te = rt.info.entry("dmac", "forward", {"port": 1}, dst=MAC_A)
    te.metadata = b"owner=gwctl"
    te.idle_timeout_ns = 5_000_000_000
    rt.client.write(ins(te_entity(te)))
    (got,) = _read_table(rt, "dmac")
    assert got.metadata == b"owner=gwctl"
    assert got.idle_timeout_ns == 5_000_000_000
