"""Indexed counters, meters and registers, and direct counters/meters."""

from __future__ import annotations

import grpc
from finsy.proto.p4.v1 import p4data_pb2 as p4d
from finsy.proto.p4.v1 import p4runtime_pb2 as p4r

from .entities import ins, mod, te_entity
from .p4rt_client import per_update_codes

MAC = 0x02_00_00_00_00_0A
FRAME = MAC.to_bytes(6, "big") + (0x02_00_00_00_00_01).to_bytes(6, "big") + b"\x08\x00" + bytes(46)


def test_counter_cells_count_packets_and_can_be_written(rt):
    cid = rt.info.id("counters", "port_counter")
    rt.dataplane.process(7, FRAME)
    rt.dataplane.process(7, FRAME)
    (got,) = rt.client.read(p4r.Entity(counter_entry=p4r.CounterEntry(counter_id=cid, index=p4r.Index(index=7))))
    assert got.counter_entry.data.packet_count == 2
    assert got.counter_entry.data.byte_count == 2 * len(FRAME)

    rt.client.write(mod(p4r.Entity(counter_entry=p4r.CounterEntry(
        counter_id=cid, index=p4r.Index(index=7), data=p4r.CounterData(packet_count=100, byte_count=5)))))
    every = rt.client.read(p4r.Entity(counter_entry=p4r.CounterEntry(counter_id=cid)))
    assert len(every) == 512
    assert every[7].counter_entry.data.packet_count == 100
    # All counters of the program: counter_id 0.
    assert len(rt.client.read(p4r.Entity(counter_entry=p4r.CounterEntry()))) == 512

    err = rt.client.write_error(
        ins(p4r.Entity(counter_entry=p4r.CounterEntry(counter_id=cid, index=p4r.Index(index=1)))),
        mod(p4r.Entity(counter_entry=p4r.CounterEntry(counter_id=cid, index=p4r.Index(index=512)))),
    )
    assert per_update_codes(err) == [grpc.StatusCode.INVALID_ARGUMENT, grpc.StatusCode.OUT_OF_RANGE]


def test_meter_config_round_trip(rt):
    mid = rt.info.id("meters", "port_meter")
    cfg = p4r.MeterConfig(cir=10, cburst=5, pir=20, pburst=8)
    rt.client.write(mod(p4r.Entity(meter_entry=p4r.MeterEntry(meter_id=mid, index=p4r.Index(index=3), config=cfg))))
    (got,) = rt.client.read(p4r.Entity(meter_entry=p4r.MeterEntry(meter_id=mid, index=p4r.Index(index=3))))
    assert got.meter_entry.config == cfg
    (other,) = rt.client.read(p4r.Entity(meter_entry=p4r.MeterEntry(meter_id=mid, index=p4r.Index(index=4))))
    assert not other.meter_entry.HasField("config")
    bad = p4r.MeterConfig(cir=30, cburst=5, pir=20, pburst=8)
    err = rt.client.write_error(mod(p4r.Entity(meter_entry=p4r.MeterEntry(
        meter_id=mid, index=p4r.Index(index=3), config=bad))))
    assert per_update_codes(err) == [grpc.StatusCode.INVALID_ARGUMENT]


def test_register_read_write(rt):
    rid = rt.info.id("registers", "reg")
    ent = p4r.Entity(register_entry=p4r.RegisterEntry(
        register_id=rid, index=p4r.Index(index=5), data=p4d.P4Data(bitstring=b"\x00\x00\x01\x02")))
    rt.client.write(mod(ent))
    (got,) = rt.client.read(p4r.Entity(register_entry=p4r.RegisterEntry(register_id=rid, index=p4r.Index(index=5))))
    assert got.register_entry.data.bitstring == b"\x01\x02"
    wide = p4r.Entity(register_entry=p4r.RegisterEntry(
        register_id=rid, index=p4r.Index(index=5), data=p4d.P4Data(bitstring=b"\x01" * 5)))
    assert per_update_codes(rt.client.write_error(mod(wide))) == [grpc.StatusCode.INVALID_ARGUMENT]


def test_direct_counter_entry(rt):
    rt.client.write(ins(rt.info.entity("dmac", "forward", {"port": 1}, dst=MAC)))
    rt.dataplane.process(2, FRAME)
    req = p4r.Entity(direct_counter_entry=p4r.DirectCounterEntry(table_entry=rt.info.entry("dmac", dst=MAC)))
    (got,) = rt.client.read(req)
    assert got.direct_counter_entry.data.packet_count == 1
    # Wildcard over the table.
    wild = p4r.Entity(direct_counter_entry=p4r.DirectCounterEntry(
        table_entry=p4r.TableEntry(table_id=rt.info.table_id("dmac"))))
    assert len(rt.client.read(wild)) == 1

    w = p4r.Entity(direct_counter_entry=p4r.DirectCounterEntry(
        table_entry=rt.info.entry("dmac", dst=MAC), data=p4r.CounterData(packet_count=0, byte_count=0)))
    rt.client.write(mod(w))
    (got,) = rt.client.read(req)
    assert got.direct_counter_entry.data.packet_count == 0
    missing = p4r.Entity(direct_counter_entry=p4r.DirectCounterEntry(
        table_entry=rt.info.entry("dmac", dst=MAC + 1), data=p4r.CounterData()))
    assert per_update_codes(rt.client.write_error(mod(missing))) == [grpc.StatusCode.NOT_FOUND]


def test_direct_meter_entry(rt):
    rt.client.write(ins(rt.info.entity("meter_t", "read_meter", dst=MAC)))
    cfg = p4r.MeterConfig(cir=1000, cburst=100, pir=2000, pburst=200)
    rt.client.write(mod(p4r.Entity(direct_meter_entry=p4r.DirectMeterEntry(
        table_entry=rt.info.entry("meter_t", dst=MAC), config=cfg))))
    (got,) = rt.client.read(p4r.Entity(direct_meter_entry=p4r.DirectMeterEntry(
        table_entry=rt.info.entry("meter_t", dst=MAC))))
    assert got.direct_meter_entry.config == cfg
    # Also visible as the table entry's meter_config when asked for.
    (te,) = rt.client.read(te_entity(p4r.TableEntry(
        table_id=rt.info.table_id("meter_t"), meter_config=p4r.MeterConfig())))
    assert te.table_entry.meter_config == cfg


def test_value_set_members_steer_the_parser(rt):
    vid = rt.info.id("value_sets", "special_types")
    frame = MAC.to_bytes(6, "big") * 2 + b"\x12\x34" + bytes(46)
    assert rt.dataplane.process(1, frame).outputs == []  # dmac default: drop

    ent = p4r.Entity()
    ent.value_set_entry.value_set_id = vid
    for v in (b"\x12\x34", b"\x88\xb5"):
        ent.value_set_entry.members.add().match.add(field_id=1).exact.value = v
    rt.client.write(mod(ent))
    assert [p for p, _ in rt.dataplane.process(1, frame).outputs] == [9]

    (got,) = rt.client.read(p4r.Entity(value_set_entry=p4r.ValueSetEntry(value_set_id=vid)))
    values = sorted(m.match[0].exact.value for m in got.value_set_entry.members)
    assert values == [b"\x12\x34", b"\x88\xb5"]

    too_many = p4r.Entity()
    too_many.value_set_entry.value_set_id = vid
    for v in range(5):
        too_many.value_set_entry.members.add().match.add(field_id=1).exact.value = bytes([v + 1])
    assert per_update_codes(rt.client.write_error(mod(too_many))) == [grpc.StatusCode.INVALID_ARGUMENT]
    assert per_update_codes(rt.client.write_error(ins(ent))) == [grpc.StatusCode.INVALID_ARGUMENT]
