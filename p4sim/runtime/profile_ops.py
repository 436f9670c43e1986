"""ActionProfileMember and ActionProfileGroup: writes and reads (P4Runtime
section 9.2). Members hold an action that must belong to a table using the
profile; groups exist only in profiles with a selector, their members must
exist and have positive weights, and their size is bounded by the profile's
max_group_size when the P4Info gives one."""

from __future__ import annotations

from collections.abc import Iterator

from finsy.proto.p4.v1 import p4runtime_pb2 as p4r

from p4sim.engine.entries import GroupMember
from p4sim.errors import InvalidArgument
from p4sim.runtime import actions, codec
from p4sim.runtime.context import Context
from p4sim.runtime.oneshot import HIDDEN_BASE
from p4sim.runtime.p4info_index import ProfileInfo

INSERT, MODIFY, DELETE = p4r.Update.INSERT, p4r.Update.MODIFY, p4r.Update.DELETE


def _check_action(ctx: Context, profile: ProfileInfo, action_id: int) -> None:
    for tid in profile.table_ids:
        t = ctx.idx.tables.get(tid)
        if t is not None and t.actions.get(action_id) in ("all", "table_only"):
            return
    name = ctx.idx.action(action_id).name
    raise InvalidArgument(f"action profile {profile.name!r}: action {name!r} is not an action of its tables")


def write_member(ctx: Context, utype: int, msg: p4r.ActionProfileMember) -> None:
    profile = ctx.idx.profile(msg.action_profile_id)
    ctx.oneshot.claim(profile, "manual")
    sw = ctx.sw
    if utype == DELETE:
        sw.profile_member_delete(profile.name, msg.member_id)
        return
    if utype not in (INSERT, MODIFY):
        raise InvalidArgument(f"action profile {profile.name!r}: update type {utype} is not valid")
    if not msg.HasField("action"):
        raise InvalidArgument(f"action profile {profile.name!r} member {msg.member_id}: no action")
    _check_action(ctx, profile, msg.action.action_id)
    spec = actions.decode(ctx.idx, msg.action, f"action profile {profile.name!r} member {msg.member_id}")
    if utype == INSERT:
        sw.profile_member_insert(profile.name, msg.member_id, spec)
    else:
        sw.profile_member_modify(profile.name, msg.member_id, spec)


def write_group(ctx: Context, utype: int, msg: p4r.ActionProfileGroup) -> None:
    profile = ctx.idx.profile(msg.action_profile_id)
    where = f"action profile {profile.name!r} group {msg.group_id}"
    if not profile.with_selector:
        raise InvalidArgument(f"{where}: the profile has no selector, so no groups")
    ctx.oneshot.claim(profile, "manual")
    sw = ctx.sw
    if utype == DELETE:
        sw.profile_group_delete(profile.name, msg.group_id)
        return
    if utype not in (INSERT, MODIFY):
        raise InvalidArgument(f"{where}: update type {utype} is not valid")
    max_size = msg.max_size
    if max_size < 0:
        raise InvalidArgument(f"{where}: max_size {max_size} is negative")
    if profile.max_group_size and max_size > profile.max_group_size:
        raise InvalidArgument(f"{where}: max_size {max_size} exceeds the profile's {profile.max_group_size}")
    limit = max_size or profile.max_group_size
    if limit and len(msg.members) > limit:
        raise InvalidArgument(f"{where}: {len(msg.members)} members exceed max size {limit}")
    members = []
    seen = set()
    for m in msg.members:
        if m.member_id in seen:
            raise InvalidArgument(f"{where}: member {m.member_id} listed twice")
        seen.add(m.member_id)
        if m.weight <= 0:
            raise InvalidArgument(f"{where}: member {m.member_id} has weight {m.weight} (must be > 0)")
        kind = m.WhichOneof("watch_kind")
        watch = m.watch if kind == "watch" else (
            codec.decode(m.watch_port, 32, f"{where}: watch_port") if kind == "watch_port" else None
        )
        members.append(GroupMember(m.member_id, m.weight, watch))
    if utype == INSERT:
        sw.profile_group_insert(profile.name, msg.group_id, members, max_size)
    else:
        sw.profile_group_modify(profile.name, msg.group_id, members, max_size)


def _profiles(ctx: Context, profile_id: int) -> list[ProfileInfo]:
    if profile_id == 0:
        return list(ctx.idx.profiles.values())
    return [ctx.idx.profile(profile_id)]


def read_members(ctx: Context, req: p4r.ActionProfileMember) -> Iterator[p4r.Entity]:
    for profile in _profiles(ctx, req.action_profile_id):
        members = ctx.sw.profile_members(profile.name)
        for mid in sorted(members):
            if mid >= HIDDEN_BASE or (req.member_id and mid != req.member_id):
                continue
            out = p4r.ActionProfileMember(action_profile_id=profile.id, member_id=mid)
            actions.encode_into(ctx.idx, members[mid], out.action)
            yield p4r.Entity(action_profile_member=out)


def read_groups(ctx: Context, req: p4r.ActionProfileGroup) -> Iterator[p4r.Entity]:
    for profile in _profiles(ctx, req.action_profile_id):
        if not profile.with_selector:
            continue
        groups = ctx.sw.profile_groups(profile.name)
        for gid in sorted(groups):
            if gid >= HIDDEN_BASE or (req.group_id and gid != req.group_id):
                continue
            out = p4r.ActionProfileGroup(action_profile_id=profile.id, group_id=gid)
            for gm in groups[gid]:
                m = out.members.add(member_id=gm.member_id, weight=gm.weight)
                if gm.watch_port is not None:
                    m.watch_port = codec.encode(gm.watch_port)
            yield p4r.Entity(action_profile_group=out)

