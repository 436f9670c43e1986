"""The packet replication engine: multicast groups and clone sessions.

BMv2's ``McSimplePreLAG`` replicates per L1 node (one per replication id, in
the order the nodes were associated with the group) and, inside a node, per
port in ascending order. P4Runtime gives a flat replica list; the replicas
with the same rid form one node, nodes ordered by first appearance.
Clone sessions are multicast groups too (BMv2 mirroring sessions with an
mgid), so a clone copy gets the replica's rid like a multicast copy does.
"""

from __future__ import annotations

from dataclasses import dataclass

from p4sim.engine.entries import Replica
from p4sim.errors import AlreadyExists, InvalidArgument, NotFound

__all__ = ["Pre", "CloneSession", "replication_order"]

MAX_PORT = 511


@dataclass(slots=True)
class CloneSession:
    replicas: list[Replica]
    class_of_service: int = 0
    packet_length: int = 0
    order: tuple[tuple[int, int], ...] = ()


def replication_order(replicas: list[Replica]) -> tuple[tuple[int, int], ...]:
    """(port, rid) pairs in the order BMv2 emits the copies."""
    nodes: dict[int, set[int]] = {}
    for r in replicas:
        nodes.setdefault(r.rid, set()).add(r.port)
    return tuple((port, rid) for rid, ports in nodes.items() for port in sorted(ports))


def _check_replicas(what: str, replicas: list[Replica]) -> None:
    seen = set()
    for r in replicas:
        if not 0 <= r.port <= MAX_PORT:
            raise InvalidArgument(f"{what}: port {r.port} outside 0..{MAX_PORT}")
        if not 0 <= r.rid <= 0xFFFF:
            raise InvalidArgument(f"{what}: replication id {r.rid} outside 0..65535")
        if (r.port, r.rid) in seen:
            raise InvalidArgument(f"{what}: replica (port {r.port}, rid {r.rid}) given twice")
        seen.add((r.port, r.rid))


class Pre:
    """Multicast groups and clone sessions of one switch."""

    def __init__(self) -> None:
        self.groups: dict[int, list[Replica]] = {}
        self.group_order: dict[int, tuple[tuple[int, int], ...]] = {}
        self.sessions: dict[int, CloneSession] = {}

    # ---------------------------------------------------------- multicast
    def group_insert(self, group_id: int, replicas: list[Replica]) -> None:
        if not 1 <= group_id <= 0xFFFF:
            raise InvalidArgument(f"multicast group id {group_id} outside 1..65535")
        if group_id in self.groups:
            raise AlreadyExists(f"multicast group {group_id} exists")
        self._group_set(group_id, replicas)

    def group_modify(self, group_id: int, replicas: list[Replica]) -> None:
        if group_id not in self.groups:
            raise NotFound(f"multicast group {group_id} does not exist")
        self._group_set(group_id, replicas)

    def _group_set(self, group_id: int, replicas: list[Replica]) -> None:
        _check_replicas(f"multicast group {group_id}", replicas)
        self.groups[group_id] = list(replicas)
        self.group_order[group_id] = replication_order(replicas)

    def group_delete(self, group_id: int) -> None:
        if self.groups.pop(group_id, None) is None:
            raise NotFound(f"multicast group {group_id} does not exist")
        del self.group_order[group_id]

    def replicate(self, group_id: int) -> tuple[tuple[int, int], ...]:
        """Copies for a packet sent to ``group_id``; none for an unknown group
        (BMv2 drops silently)."""
        return self.group_order.get(group_id, ())

    # ---------------------------------------------------------- clone sessions
    def session_insert(self, session_id: int, replicas: list[Replica], cos: int = 0, length: int = 0) -> None:
        if not 1 <= session_id <= 32767:
            raise InvalidArgument(f"clone session id {session_id} outside 1..32767")
        if session_id in self.sessions:
            raise AlreadyExists(f"clone session {session_id} exists")
        self._session_set(session_id, replicas, cos, length)

    def session_modify(self, session_id: int, replicas: list[Replica], cos: int = 0, length: int = 0) -> None:
        if session_id not in self.sessions:
            raise NotFound(f"clone session {session_id} does not exist")
        self._session_set(session_id, replicas, cos, length)

    def _session_set(self, session_id: int, replicas: list[Replica], cos: int, length: int) -> None:
        _check_replicas(f"clone session {session_id}", replicas)
        if length < 0:
            raise InvalidArgument(f"clone session {session_id}: negative packet length")
        self.sessions[session_id] = CloneSession(list(replicas), cos, length, replication_order(replicas))

    def session_delete(self, session_id: int) -> None:
        if self.sessions.pop(session_id, None) is None:
            raise NotFound(f"clone session {session_id} does not exist")

    def session(self, session_id: int) -> CloneSession | None:
        return self.sessions.get(session_id)
