"""CounterEntry, MeterEntry, RegisterEntry and ValueSetEntry: writes and reads.

Indexed externs are only ever MODIFYed (their cells always exist); an unset
index in a MODIFY writes every cell and in a read returns every cell, and an
ID of 0 in a read means every instance (P4Runtime sections 9.3 to 9.6).
simple_switch_grpc answers UNIMPLEMENTED for registers; p4sim implements
them, but controllers meant for both targets must not rely on it."""

from __future__ import annotations

from collections.abc import Iterator

from finsy.proto.p4.v1 import p4runtime_pb2 as p4r

from p4sim.errors import InvalidArgument
from p4sim.runtime import codec, keys
from p4sim.runtime.context import Context
from p4sim.runtime.p4info_index import ExternInfo, TableInfo
from p4sim.runtime.status import OutOfRange
from p4sim.runtime.table_ops import counter_from, counter_to, meter_from, meter_to

MODIFY = p4r.Update.MODIFY


def _only_modify(utype: int, what: str) -> None:
    if utype != MODIFY:
        raise InvalidArgument(f"{what}: only MODIFY is allowed (its cells always exist)")


def _indices(info: ExternInfo, msg, kind: str) -> range:
    if not msg.HasField("index"):
        return range(info.size)
    i = msg.index.index
    if not 0 <= i < info.size:
        raise OutOfRange(f"{kind} {info.name!r}: index {i} is outside 0..{info.size - 1}")
    return range(i, i + 1)


def _instances(table: dict[int, ExternInfo], getter, id_: int) -> list[ExternInfo]:
    return list(table.values()) if id_ == 0 else [getter(id_)]


# ---------------------------------------------------------------- counters


def write_counter(ctx: Context, utype: int, msg: p4r.CounterEntry) -> None:
    info = ctx.idx.counter(msg.counter_id)
    _only_modify(utype, f"counter {info.name!r}")
    data = counter_from(msg.data)
    for i in _indices(info, msg, "counter"):
        ctx.sw.counter_write(info.name, i, data)


def read_counters(ctx: Context, req: p4r.CounterEntry) -> Iterator[p4r.Entity]:
    for info in _instances(ctx.idx.counters, ctx.idx.counter, req.counter_id):
        for i in _indices(info, req, "counter"):
            out = p4r.Entity()
            e = out.counter_entry
            e.counter_id = info.id
            e.index.index = i
            counter_to(ctx.sw.counter_read(info.name, i), e.data)
            yield out


# ------------------------------------------------------------------ meters


def write_meter(ctx: Context, utype: int, msg: p4r.MeterEntry) -> None:
    info = ctx.idx.meter(msg.meter_id)
    _only_modify(utype, f"meter {info.name!r}")
    cfg = meter_from(msg.config, f"meter {info.name!r}") if msg.HasField("config") else None
    for i in _indices(info, msg, "meter"):
        ctx.sw.meter_set(info.name, i, cfg)


def read_meters(ctx: Context, req: p4r.MeterEntry) -> Iterator[p4r.Entity]:
    for info in _instances(ctx.idx.meters, ctx.idx.meter, req.meter_id):
        for i in _indices(info, req, "meter"):
            out = p4r.Entity()
            e = out.meter_entry
            e.meter_id = info.id
            e.index.index = i
            cfg = ctx.sw.meter_get(info.name, i)
            if cfg is not None:
                meter_to(cfg, e.config)
            yield out


# --------------------------------------------------------------- registers


def write_register(ctx: Context, utype: int, msg: p4r.RegisterEntry) -> None:
    info = ctx.idx.register(msg.register_id)
    what = f"register {info.name!r}"
    _only_modify(utype, what)
    if msg.data.WhichOneof("data") != "bitstring":
        raise InvalidArgument(f"{what}: data must be a bitstring")
    value = codec.decode(msg.data.bitstring, info.width, what)
    for i in _indices(info, msg, "register"):
        ctx.sw.register_write(info.name, i, value)


def read_registers(ctx: Context, req: p4r.RegisterEntry) -> Iterator[p4r.Entity]:
    for info in _instances(ctx.idx.registers, ctx.idx.register, req.register_id):
        for i in _indices(info, req, "register"):
            out = p4r.Entity()
            e = out.register_entry
            e.register_id = info.id
            e.index.index = i
            e.data.bitstring = codec.encode(ctx.sw.register_read(info.name, i))
            yield out


# -------------------------------------------------------------- value sets


def _vs_table(info) -> TableInfo:
    """A value set's members are match keys: reuse the table key codec."""
    return TableInfo(
        id=info.id, name=info.name, fields=info.fields, fields_by_id={f.id: f for f in info.fields},
        index_of={f.id: i for i, f in enumerate(info.fields)}, actions={}, const_default_action_id=0,
        profile_id=0, direct_counter_id=0, direct_meter_id=0, size=info.size, idle_timeout=False,
        is_const=False, needs_priority=False,
    )


def write_value_set(ctx: Context, utype: int, msg: p4r.ValueSetEntry) -> None:
    info = ctx.idx.value_set(msg.value_set_id)
    _only_modify(utype, f"value set {info.name!r}")
    if info.size and len(msg.members) > info.size:
        raise InvalidArgument(f"value set {info.name!r}: {len(msg.members)} members exceed its size {info.size}")
    t = _vs_table(info)
    members = [keys.decode(t, m.match, f"value set {info.name}") for m in msg.members]
    ctx.sw.value_set_write(info.name, members)


def read_value_sets(ctx: Context, req: p4r.ValueSetEntry) -> Iterator[p4r.Entity]:
    ids = list(ctx.idx.value_sets) if req.value_set_id == 0 else [ctx.idx.value_set(req.value_set_id).id]
    for vid in ids:
        info = ctx.idx.value_sets[vid]
        t = _vs_table(info)
        out = p4r.Entity()
        e = out.value_set_entry
        e.value_set_id = vid
        for member in ctx.sw.value_set_read(info.name):
            keys.encode_into(t, tuple(member), e.members.add().match)
        yield out
