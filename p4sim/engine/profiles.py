"""Action profiles and action selectors (members and groups).

A member is an action with its arguments; a group (selectors only) is a
list of members one of which a packet uses, chosen as BMv2 does: the
selector's hash over the table's ``selector`` keys, modulo the group size,
indexes the group's members ordered by their BMv2 member handle. BMv2 hands
out the lowest free handle when a member is created, which we mirror so the
chosen member is the same one BMv2 picks.
"""

from __future__ import annotations

from collections.abc import Callable

from p4sim.engine.entries import ActionSpec, GroupMember
from p4sim.errors import AlreadyExists, FailedPrecondition, InvalidArgument, NotFound, ResourceExhausted

__all__ = ["ProfileState"]


class ProfileState:
    def __init__(
        self,
        name: str,
        size: int,
        validate: Callable[[ActionSpec], None],
        selector_hash: Callable[[bytes], int] | None = None,
        max_group_size: int = 0,
    ):
        self.name = name
        self.size = size
        self.validate = validate  # raises InvalidArgument for an action no table can run
        self.is_selector = selector_hash is not None
        self.selector_hash = selector_hash
        self.max_group_size = max_group_size
        self.members: dict[int, ActionSpec] = {}
        self.handles: dict[int, int] = {}
        self.groups: dict[int, list[GroupMember]] = {}
        self.group_max: dict[int, int] = {}
        self._choice: dict[int, list[int]] = {}  # group -> member ids by handle, weights expanded
        self.users: Callable[[], list[tuple[str, object]]] = lambda: []

    # ------------------------------------------------------------ members
    def member_insert(self, member_id: int, action: ActionSpec) -> None:
        if member_id in self.members:
            raise AlreadyExists(f"action profile {self.name}: member {member_id} exists")
        if len(self.members) >= self.size:
            raise ResourceExhausted(f"action profile {self.name} is full ({self.size} members)")
        self.validate(action)
        used = set(self.handles.values())
        handle = next(h for h in range(len(used) + 1) if h not in used)
        self.members[member_id] = action
        self.handles[member_id] = handle

    def member_modify(self, member_id: int, action: ActionSpec) -> None:
        if member_id not in self.members:
            raise NotFound(f"action profile {self.name}: no member {member_id}")
        self.validate(action)
        self.members[member_id] = action

    def member_delete(self, member_id: int) -> None:
        if member_id not in self.members:
            raise NotFound(f"action profile {self.name}: no member {member_id}")
        for gid, mbrs in self.groups.items():
            if any(m.member_id == member_id for m in mbrs):
                raise FailedPrecondition(f"action profile {self.name}: member {member_id} is in group {gid}")
        for table, entry in self.users():
            if getattr(entry, "member_id", None) == member_id:
                raise FailedPrecondition(f"action profile {self.name}: member {member_id} is used by {table}")
        del self.members[member_id]
        del self.handles[member_id]
        self._refresh_all()

    # ------------------------------------------------------------ groups
    def group_insert(self, group_id: int, members: list[GroupMember], max_size: int = 0) -> None:
        if not self.is_selector:
            raise InvalidArgument(f"action profile {self.name} is not a selector: no groups")
        if group_id in self.groups:
            raise AlreadyExists(f"action profile {self.name}: group {group_id} exists")
        self._group_set(group_id, members, max_size)

    def group_modify(self, group_id: int, members: list[GroupMember], max_size: int = 0) -> None:
        if group_id not in self.groups:
            raise NotFound(f"action profile {self.name}: no group {group_id}")
        self._group_set(group_id, members, max_size or self.group_max.get(group_id, 0))

    def _group_set(self, group_id: int, members: list[GroupMember], max_size: int) -> None:
        seen = set()
        for m in members:
            if m.member_id not in self.members:
                raise NotFound(f"action profile {self.name}: group {group_id} names unknown member {m.member_id}")
            if m.member_id in seen:
                raise InvalidArgument(f"action profile {self.name}: member {m.member_id} twice in group {group_id}")
            if m.weight < 1:
                raise InvalidArgument(f"action profile {self.name}: member {m.member_id} weight {m.weight} < 1")
            seen.add(m.member_id)
        total = sum(m.weight for m in members)
        limit = max_size or self.max_group_size
        if limit and total > limit:
            raise ResourceExhausted(f"action profile {self.name}: group {group_id} larger than {limit}")
        self.groups[group_id] = list(members)
        self.group_max[group_id] = max_size
        self._refresh(group_id)

    def group_delete(self, group_id: int) -> None:
        if group_id not in self.groups:
            raise NotFound(f"action profile {self.name}: no group {group_id}")
        for table, entry in self.users():
            if getattr(entry, "group_id", None) == group_id:
                raise FailedPrecondition(f"action profile {self.name}: group {group_id} is used by {table}")
        del self.groups[group_id]
        del self.group_max[group_id]
        self._choice.pop(group_id, None)

    def _refresh(self, group_id: int) -> None:
        mbrs = sorted(self.groups[group_id], key=lambda m: self.handles[m.member_id])
        self._choice[group_id] = [m.member_id for m in mbrs for _ in range(m.weight)]

    def _refresh_all(self) -> None:
        for gid in self.groups:
            self._refresh(gid)

    # ------------------------------------------------------------ packet path
    def member_action(self, member_id: int) -> ActionSpec | None:
        return self.members.get(member_id)

    def group_action(self, group_id: int, hash_input: bytes) -> ActionSpec | None:
        """The member action a packet uses; None for an empty group (the
        table then behaves as on a miss)."""
        choice = self._choice.get(group_id)
        if not choice:
            return None
        assert self.selector_hash is not None
        h = self.selector_hash(hash_input)
        return self.members[choice[h % len(choice)]]
