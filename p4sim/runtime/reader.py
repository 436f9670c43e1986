"""Read: every entity kind, with P4Runtime's wildcards (ID 0 = every
instance, unset fields = everything), as an iterator of entities so that a
100,000-entry table is streamed rather than built whole."""

from __future__ import annotations

from collections.abc import Iterator

from finsy.proto.p4.v1 import p4runtime_pb2 as p4r

from p4sim.errors import InvalidArgument, Unimplemented
from p4sim.runtime import extern_ops, pre_ops, profile_ops, table_ops
from p4sim.runtime.context import Context

_READERS = {
    "table_entry": table_ops.read_table_entries,
    "action_profile_member": profile_ops.read_members,
    "action_profile_group": profile_ops.read_groups,
    "counter_entry": extern_ops.read_counters,
    "direct_counter_entry": table_ops.read_direct_counters,
    "meter_entry": extern_ops.read_meters,
    "direct_meter_entry": table_ops.read_direct_meters,
    "register_entry": extern_ops.read_registers,
    "value_set_entry": extern_ops.read_value_sets,
    "packet_replication_engine_entry": pre_ops.read,
}


def read_entities(ctx: Context, entity: p4r.Entity) -> Iterator[p4r.Entity]:
    which = entity.WhichOneof("entity")
    if which is None:
        raise InvalidArgument("read request entity has no type set")
    if which == "digest_entry":
        yield from ctx.digests.read(entity.digest_entry)
        return
    reader = _READERS.get(which)
    if reader is None:
        raise Unimplemented(f"reading {which} is not supported")
    yield from reader(ctx, getattr(entity, which))
