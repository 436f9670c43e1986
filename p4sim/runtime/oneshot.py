"""One-shot action selector programming (P4Runtime section 9.2.3).

A TableEntry may carry an ``ActionProfileActionSet`` instead of a member or
group id. As PI does for BMv2, the server creates hidden members and a group
in the table's selector and points the entry at the group; reads give back
the action set exactly as written, and the hidden objects never show in
member/group reads. Their IDs start at 2**32, above every P4Runtime uint32
ID, so they cannot collide with the controller's. A profile is programmed
either one-shot or with explicit members/groups, never both (PI's rule)."""

from __future__ import annotations

from dataclasses import dataclass, field

from finsy.proto.p4.v1 import p4runtime_pb2 as p4r

from p4sim.engine.entries import GroupMember
from p4sim.errors import InvalidArgument
from p4sim.runtime import actions, codec
from p4sim.runtime.p4info_index import P4InfoIndex, ProfileInfo, TableInfo

HIDDEN_BASE = 1 << 32


@dataclass(slots=True)
class Group:
    profile: str
    group_id: int
    member_ids: list[int]
    action_set: p4r.ActionProfileActionSet


@dataclass
class OneShotState:
    groups: dict[int, Group] = field(default_factory=dict)  # hidden group id -> group
    mode: dict[str, str] = field(default_factory=dict)  # profile name -> "oneshot" | "manual"
    next_id: int = HIDDEN_BASE

    def claim(self, profile: ProfileInfo, mode: str) -> None:
        """Records how ``profile`` is programmed; refuses mixing the two."""
        current = self.mode.get(profile.name)
        if current is None:
            self.mode[profile.name] = mode
        elif current != mode:
            raise InvalidArgument(
                f"action profile {profile.name!r} is programmed with "
                f"{'one-shot action sets' if current == 'oneshot' else 'explicit members and groups'}; "
                "P4Runtime does not allow mixing both"
            )

    def release_if_unused(self, profile_name: str, in_use: bool) -> None:
        if not in_use:
            self.mode.pop(profile_name, None)

    def create(self, sw, idx: P4InfoIndex, t: TableInfo, aset: p4r.ActionProfileActionSet) -> int:
        """Installs the members and group of ``aset``; returns the group id."""
        profile = idx.profile(t.profile_id)
        where = f"table {t.name!r} one-shot action set"
        if not profile.with_selector and len(aset.action_profile_actions) != 1:
            raise InvalidArgument(f"{where}: profile {profile.name!r} has no selector; give exactly one action")
        if not aset.action_profile_actions:
            raise InvalidArgument(f"{where}: the action set is empty")
        if profile.max_group_size and len(aset.action_profile_actions) > profile.max_group_size:
            raise InvalidArgument(
                f"{where}: {len(aset.action_profile_actions)} actions exceed max group size {profile.max_group_size}"
            )
        specs = []
        for i, apa in enumerate(aset.action_profile_actions):
            if apa.weight <= 0:
                raise InvalidArgument(f"{where}: action {i} has weight {apa.weight} (must be > 0)")
            actions.check_scope(idx, t, apa.action.action_id, default=False)
            watch = None
            kind = apa.WhichOneof("watch_kind")
            if kind == "watch":
                watch = apa.watch
            elif kind == "watch_port":
                watch = codec.decode(apa.watch_port, 32, f"{where}: watch_port")
            specs.append((actions.decode(idx, apa.action, where), apa.weight, watch))
        self.claim(profile, "oneshot")
        member_ids = []
        gid = self._new_id()
        try:
            members = []
            for spec, weight, watch in specs:
                mid = self._new_id()
                sw.profile_member_insert(profile.name, mid, spec)
                member_ids.append(mid)
                members.append(GroupMember(mid, weight, watch))
            sw.profile_group_insert(profile.name, gid, members)
        except Exception:
            for mid in member_ids:
                sw.profile_member_delete(profile.name, mid)
            raise
        copy = p4r.ActionProfileActionSet()
        copy.CopyFrom(aset)
        self.groups[gid] = Group(profile.name, gid, member_ids, copy)
        return gid

    def delete(self, sw, gid: int | None) -> None:
        """Removes a hidden group once no entry points to it any more."""
        g = self.groups.pop(gid, None) if gid is not None else None
        if g is None:
            return
        sw.profile_group_delete(g.profile, g.group_id)
        for mid in g.member_ids:
            sw.profile_member_delete(g.profile, mid)

    def action_set(self, gid: int | None) -> p4r.ActionProfileActionSet | None:
        g = self.groups.get(gid) if gid is not None else None
        return g.action_set if g is not None else None

    def _new_id(self) -> int:
        self.next_id += 1
        return self.next_id - 1
