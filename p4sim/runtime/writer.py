"""A Write batch: dispatch of each update to its entity's handler.

Updates run in order under the switch's lock, so packets see the batch
entirely or not at all and a later Read sees all of it. With
CONTINUE_ON_ERROR (the only atomicity simple_switch_grpc implements) a
failing update does not stop the others; every outcome is returned."""

from __future__ import annotations

from finsy.proto.p4.v1 import p4runtime_pb2 as p4r

from p4sim.errors import EngineError, InvalidArgument, Unimplemented
from p4sim.runtime import extern_ops, pre_ops, profile_ops, table_ops
from p4sim.runtime.context import Context

_HANDLERS = {
    "table_entry": table_ops.write_table_entry,
    "action_profile_member": profile_ops.write_member,
    "action_profile_group": profile_ops.write_group,
    "counter_entry": extern_ops.write_counter,
    "direct_counter_entry": table_ops.write_direct_counter,
    "meter_entry": extern_ops.write_meter,
    "direct_meter_entry": table_ops.write_direct_meter,
    "register_entry": extern_ops.write_register,
    "value_set_entry": extern_ops.write_value_set,
    "packet_replication_engine_entry": pre_ops.write,
}


def apply_update(ctx: Context, update: p4r.Update) -> None:
    if update.type == p4r.Update.UNSPECIFIED:
        raise InvalidArgument("update type is UNSPECIFIED")
    entity = update.entity
    which = entity.WhichOneof("entity")
    if which is None:
        raise InvalidArgument("update has no entity")
    if which == "digest_entry":
        ctx.digests.write(update.type, entity.digest_entry)
        return
    handler = _HANDLERS.get(which)
    if handler is None:
        raise Unimplemented(f"writing {which} is not supported")
    handler(ctx, update.type, getattr(entity, which))


def apply_batch(ctx: Context, updates) -> list[BaseException | None]:
    """Outcome per update, in order; never raises for a single update."""
    results: list[BaseException | None] = []
    with ctx.sw.lock:
        for u in updates:
            try:
                apply_update(ctx, u)
            except EngineError as exc:
                results.append(exc)
            except Exception as exc:  # a bug of ours: report it, keep the server up
                results.append(exc)
            else:
                results.append(None)
    return results
