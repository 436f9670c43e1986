"""TableEntry, DirectCounterEntry and DirectMeterEntry: writes and reads.

The rules are P4Runtime section 9.1 as PI implements them for
simple_switch_grpc: default entries can only be modified (a MODIFY without
action resets them; a const default is PERMISSION_DENIED), const tables
refuse writes, priorities are required exactly for tables with
ternary/range/optional keys, idle timeouts only on tables that support them.
Counter data is returned only when the read request asks for it, as PI does."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from finsy.proto.p4.v1 import p4runtime_pb2 as p4r

from p4sim.engine.entries import CounterData, MeterConfig, TableEntry
from p4sim.errors import InvalidArgument, NotFound, PermissionDenied, Unimplemented
from p4sim.runtime import actions, keys
from p4sim.runtime.context import Context
from p4sim.runtime.p4info_index import TableInfo

INSERT, MODIFY, DELETE = p4r.Update.INSERT, p4r.Update.MODIFY, p4r.Update.DELETE


# ------------------------------------------------------------ conversions


def counter_from(msg: p4r.CounterData) -> CounterData:
    if msg.packet_count < 0 or msg.byte_count < 0:
        raise InvalidArgument(f"counter data cannot be negative ({msg.packet_count}, {msg.byte_count})")
    return CounterData(packets=msg.packet_count, bytes=msg.byte_count)


def counter_to(data: CounterData, out: p4r.CounterData) -> None:
    out.packet_count = data.packets
    out.byte_count = data.bytes


def meter_from(msg: p4r.MeterConfig, what: str) -> MeterConfig:
    for name in ("cir", "cburst", "pir", "pburst"):
        if getattr(msg, name) < 0:
            raise InvalidArgument(f"{what}: meter {name} cannot be negative")
    if msg.pir < msg.cir:
        raise InvalidArgument(f"{what}: meter pir {msg.pir} is below cir {msg.cir}")
    return MeterConfig(cir=msg.cir, cburst=msg.cburst, pir=msg.pir, pburst=msg.pburst)


def meter_to(cfg: MeterConfig, out: p4r.MeterConfig) -> None:
    out.cir, out.cburst, out.pir, out.pburst = cfg.cir, cfg.cburst, cfg.pir, cfg.pburst


def _priority(t: TableInfo, prio: int) -> int:
    if t.needs_priority:
        if prio <= 0:
            raise InvalidArgument(
                f"table {t.name!r} has ternary/range/optional keys: priority must be > 0, got {prio}"
            )
    elif prio != 0:
        raise InvalidArgument(f"table {t.name!r} has no ternary/range/optional key: priority must be 0, got {prio}")
    return prio


def entry_key(ctx: Context, te: p4r.TableEntry) -> tuple[TableInfo, tuple, int]:
    t = ctx.idx.table(te.table_id)
    return t, keys.decode(t, te.match), _priority(t, te.priority)


# ------------------------------------------------------------------ write


def _decode_table_action(ctx: Context, t: TableInfo, ta: p4r.TableAction, entry: TableEntry) -> None:
    """Fills entry.action / member_id / group_id; a one-shot set installs its
    hidden group (the caller removes it again if the entry write fails)."""
    which = ta.WhichOneof("type")
    if which is None:
        raise InvalidArgument(f"table {t.name!r}: entry has no action")
    if t.profile_id == 0:
        if which != "action":
            raise InvalidArgument(f"table {t.name!r} has no action profile: {which} is not allowed")
        actions.check_scope(ctx.idx, t, ta.action.action_id, default=False)
        entry.action = actions.decode(ctx.idx, ta.action, f"table {t.name!r}")
        return
    profile = ctx.idx.profile(t.profile_id)
    if which == "action":
        raise InvalidArgument(
            f"table {t.name!r} uses action profile {profile.name!r}: give a member, a group or an action set"
        )
    if which == "action_profile_member_id":
        ctx.oneshot.claim(profile, "manual")
        entry.member_id = ta.action_profile_member_id
    elif which == "action_profile_group_id":
        if not profile.with_selector:
            raise InvalidArgument(f"table {t.name!r}: action profile {profile.name!r} has no selector, no groups")
        ctx.oneshot.claim(profile, "manual")
        entry.group_id = ta.action_profile_group_id
    else:
        entry.group_id = ctx.oneshot.create(ctx.sw, ctx.idx, t, ta.action_profile_action_set)


def _write_default(ctx: Context, t: TableInfo, utype: int, te: p4r.TableEntry) -> None:
    if utype != MODIFY:
        raise InvalidArgument(f"table {t.name!r}: the default entry can only be modified (INSERT/DELETE refused)")
    if len(te.match) or te.priority:
        raise InvalidArgument(f"table {t.name!r}: a default entry has no match and no priority")
    if t.const_default_action_id:
        raise PermissionDenied(f"table {t.name!r}: the default action is const")
    if te.HasField("counter_data") or te.HasField("meter_config") or te.idle_timeout_ns:
        raise Unimplemented(f"table {t.name!r}: direct resources and idle timeout on the default entry")
    if not te.HasField("action"):
        ctx.sw.table_set_default(t.name, None)
        return
    if te.action.WhichOneof("type") != "action":
        raise Unimplemented(f"table {t.name!r}: the default entry of an indirect table cannot be set")
    actions.check_scope(ctx.idx, t, te.action.action.action_id, default=True)
    ctx.sw.table_set_default(t.name, actions.decode(ctx.idx, te.action.action, f"table {t.name!r} default"))


def write_table_entry(ctx: Context, utype: int, te: p4r.TableEntry) -> None:
    t = ctx.idx.table(te.table_id)
    if te.is_default_action:
        _write_default(ctx, t, utype, te)
        return
    if t.is_const:
        raise PermissionDenied(f"table {t.name!r} is const: its entries cannot be written")
    key = keys.decode(t, te.match)
    prio = _priority(t, te.priority)
    sw = ctx.sw
    if utype == DELETE:
        old_group = sw.table_get(t.name, key, prio).group_id if t.profile_id else None
        sw.table_delete(t.name, key, prio)
        ctx.oneshot.delete(sw, old_group)
        return
    if utype not in (INSERT, MODIFY):
        raise InvalidArgument(f"table {t.name!r}: update type {utype} is not INSERT, MODIFY or DELETE")
    if te.idle_timeout_ns:
        if not t.idle_timeout:
            raise InvalidArgument(f"table {t.name!r} does not support idle timeout (idle_timeout_ns set)")
        if te.idle_timeout_ns < 0:
            raise InvalidArgument(f"table {t.name!r}: idle_timeout_ns {te.idle_timeout_ns} is negative")
    entry = TableEntry(keys=key, priority=prio, idle_timeout_ns=te.idle_timeout_ns, metadata=te.metadata)
    if te.HasField("counter_data"):
        if not t.direct_counter_id:
            raise InvalidArgument(f"table {t.name!r} has no direct counter (counter_data set)")
        entry.counter = counter_from(te.counter_data)
    if te.HasField("meter_config"):
        if not t.direct_meter_id:
            raise InvalidArgument(f"table {t.name!r} has no direct meter (meter_config set)")
        entry.meter = meter_from(te.meter_config, f"table {t.name!r}")
    if not te.HasField("action"):
        raise InvalidArgument(f"table {t.name!r}: {'INSERT' if utype == INSERT else 'MODIFY'} needs an action")
    old_group = None
    if utype == MODIFY and t.profile_id:
        old_group = sw.table_get(t.name, key, prio).group_id
    _decode_table_action(ctx, t, te.action, entry)
    new_hidden = entry.group_id if entry.group_id in ctx.oneshot.groups else None
    try:
        if utype == INSERT:
            sw.table_insert(t.name, entry)
        else:
            sw.table_modify(t.name, entry)
    except Exception:
        ctx.oneshot.delete(sw, new_hidden)
        raise
    if old_group is not None and old_group != entry.group_id:
        ctx.oneshot.delete(sw, old_group)


def write_direct_counter(ctx: Context, utype: int, msg: p4r.DirectCounterEntry) -> None:
    if utype != MODIFY:
        raise InvalidArgument("DirectCounterEntry can only be modified")
    t, key, prio = entry_key(ctx, msg.table_entry)
    if not t.direct_counter_id:
        raise InvalidArgument(f"table {t.name!r} has no direct counter")
    ctx.sw.direct_counter_write(t.name, key, prio, counter_from(msg.data))


def write_direct_meter(ctx: Context, utype: int, msg: p4r.DirectMeterEntry) -> None:
    if utype != MODIFY:
        raise InvalidArgument("DirectMeterEntry can only be modified")
    t, key, prio = entry_key(ctx, msg.table_entry)
    if not t.direct_meter_id:
        raise InvalidArgument(f"table {t.name!r} has no direct meter")
    cfg = meter_from(msg.config, f"table {t.name!r} direct meter") if msg.HasField("config") else None
    ctx.sw.direct_meter_set(t.name, key, prio, cfg)


# ------------------------------------------------------------------- read


def _encode_entry(
    ctx: Context, t: TableInfo, e: TableEntry, want_counter: bool, want_meter: bool
) -> p4r.TableEntry:
    out = p4r.TableEntry(table_id=t.id, priority=e.priority)
    keys.encode_into(t, e.keys, out.match)
    if e.action is not None:
        actions.encode_into(ctx.idx, e.action, out.action.action)
    elif e.member_id is not None:
        out.action.action_profile_member_id = e.member_id
    elif e.group_id is not None:
        aset = ctx.oneshot.action_set(e.group_id)
        if aset is not None:
            out.action.action_profile_action_set.CopyFrom(aset)
        else:
            out.action.action_profile_group_id = e.group_id
    if want_counter and t.direct_counter_id:
        counter_to(e.counter or CounterData(), out.counter_data)
    if want_meter and e.meter is not None:
        meter_to(e.meter, out.meter_config)
    if e.idle_timeout_ns:
        out.idle_timeout_ns = e.idle_timeout_ns
    if e.metadata:
        out.metadata = e.metadata
    if e.is_const:
        out.is_const = True
    return out


def _tables(ctx: Context, table_id: int) -> list[TableInfo]:
    if table_id == 0:
        return list(ctx.idx.tables.values())
    return [ctx.idx.table(table_id)]


def _matching(ctx: Context, t: TableInfo, req: p4r.TableEntry) -> list[TableEntry]:
    """Entries a read request selects: all of them, or the one whose key (and
    priority) it gives. A key that is not there selects nothing."""
    if not len(req.match):
        entries = ctx.sw.table_entries(t.name)
        if req.priority:
            entries = [e for e in entries if e.priority == req.priority]
        return entries
    key = keys.decode(t, req.match)
    try:
        return [ctx.sw.table_get(t.name, key, req.priority)]
    except NotFound:
        return []


def read_table_entries(ctx: Context, req: p4r.TableEntry) -> Iterator[p4r.Entity]:
    want_counter = req.HasField("counter_data")
    want_meter = req.HasField("meter_config")
    want_hit = req.HasField("time_since_last_hit")
    if req.table_id and req.HasField("time_since_last_hit") and not ctx.idx.table(req.table_id).idle_timeout:
        raise InvalidArgument(
            f"table {ctx.idx.table(req.table_id).name!r} does not support idle timeout: "
            "do not set time_since_last_hit"
        )
    for t in _tables(ctx, req.table_id):
        if req.is_default_action:
            spec = ctx.sw.table_get_default(t.name)
            te = p4r.TableEntry(table_id=t.id, is_default_action=True)
            if spec is not None:
                actions.encode_into(ctx.idx, spec, te.action.action)
            yield p4r.Entity(table_entry=te)
            continue
        hits = ctx.idle.elapsed_ns(t.name) if want_hit and t.idle_timeout and ctx.idle is not None else {}
        for e in _matching(ctx, t, req):
            out = _encode_entry(ctx, t, e, want_counter, want_meter)
            elapsed = hits.get((e.keys, e.priority))
            if elapsed is not None:
                out.time_since_last_hit.elapsed_ns = elapsed
            yield p4r.Entity(table_entry=out)


def _direct_entries(ctx: Context, te: p4r.TableEntry, resource: str) -> Iterator[tuple[Any, p4r.TableEntry]]:
    """The entries a direct counter/meter read addresses, each with its key as
    the response's table_entry (no action): one walk for both resources."""
    tables = [t for t in _tables(ctx, te.table_id) if getattr(t, f"direct_{resource}_id")]
    if te.table_id and not tables:
        raise InvalidArgument(f"table {ctx.idx.table(te.table_id).name!r} has no direct {resource}")
    for t in tables:
        for e in _matching(ctx, t, te):
            key = _encode_entry(ctx, t, e, False, False)
            key.ClearField("action")
            yield e, key


def read_direct_counters(ctx: Context, req: p4r.DirectCounterEntry) -> Iterator[p4r.Entity]:
    for e, key in _direct_entries(ctx, req.table_entry, "counter"):
        out = p4r.DirectCounterEntry(table_entry=key)
        counter_to(e.counter or CounterData(), out.data)
        yield p4r.Entity(direct_counter_entry=out)


def read_direct_meters(ctx: Context, req: p4r.DirectMeterEntry) -> Iterator[p4r.Entity]:
    for e, key in _direct_entries(ctx, req.table_entry, "meter"):
        out = p4r.DirectMeterEntry(table_entry=key)
        if e.meter is not None:
            meter_to(e.meter, out.config)
        yield p4r.Entity(direct_meter_entry=out)
