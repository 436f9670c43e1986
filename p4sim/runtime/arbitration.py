"""Client arbitration (P4Runtime spec sections 5.3 and 16.2).

Per role, the live stream with the highest election_id is the primary; a
stream that never gave an election_id is never primary. Whenever the primary
of a role changes, every stream of that role is told (OK to the primary,
ALREADY_EXISTS to backups, NOT_FOUND when there is none); a stream whose
update did not change the primary is answered alone. This module is pure
bookkeeping: it decides and hands messages to each client's ``send``; it
never touches gRPC."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field

from finsy.proto.google.rpc import code_pb2
from finsy.proto.p4.v1 import p4runtime_pb2 as p4r

from p4sim.errors import FailedPrecondition, InvalidArgument, NotFound, PermissionDenied


def election_id(msg) -> int | None:
    """The 128-bit election ID of a message, None when unset. An ID of 0 is
    treated as unset: it is below every real ID and the spec reserves it, so
    a client sending 0 must never become primary."""
    if not msg.HasField("election_id"):
        return None
    value = (msg.election_id.high << 64) | msg.election_id.low
    return value if value else None


def role_key(name: str, role_id: int) -> str:
    """One key for a role given by name (1.4) or by the deprecated numeric id
    (1.3 clients): the name, else "#<id>", "" being the default role."""
    if name:
        return name
    return f"#{role_id}" if role_id else ""


def request_role(req) -> str:
    """The role of a WriteRequest or SetForwardingPipelineConfigRequest."""
    return role_key(req.role, req.role_id)


def uint128(value: int) -> p4r.Uint128:
    return p4r.Uint128(high=value >> 64, low=value & ((1 << 64) - 1))


@dataclass(eq=False)
class Client:
    """One StreamChannel. ``send`` queues a message to its stream."""

    send: Callable[[p4r.StreamMessageResponse], None]
    peer: str = ""
    device_id: int | None = None
    role: str = ""
    election_id: int | None = None
    arbitrated: bool = field(default=False)


class Arbiter:
    def __init__(self, device_id: int):
        self.device_id = device_id
        self._lock = threading.Lock()
        self._clients: dict[str, list[Client]] = {}  # role -> clients
        self._primary: dict[str, Client | None] = {}
        self._highest: dict[str, int] = {}  # highest election id seen per role

    # ---------------------------------------------------------------- queries

    def is_primary(self, role: str, eid: int | None) -> bool:
        with self._lock:
            p = self._primary.get(role)
            return p is not None and eid is not None and p.election_id == eid

    def check_writer(self, device_id: int, role: str, eid: int | None) -> None:
        """Raises the status a Write/SetPipeline from (role, eid) deserves."""
        if device_id != self.device_id:
            raise NotFound(f"device id {device_id} not found (this device is {self.device_id})")
        with self._lock:
            if role and role not in self._clients:
                raise NotFound(f"role {role!r} not found: no client has arbitrated for it")
            p = self._primary.get(role)
            if p is None or eid is None or p.election_id != eid:
                who = "unset" if eid is None else str(eid)
                raise PermissionDenied(
                    f"not primary: election id {who} is not the primary's for role {role or '<default>'!r}"
                )

    def primary(self, role: str = "") -> Client | None:
        with self._lock:
            return self._primary.get(role)

    # -------------------------------------------------------------- updates

    def update(self, client: Client, msg: p4r.MasterArbitrationUpdate) -> None:
        """Applies one arbitration message from ``client``; raises the error
        to report on the stream when it is refused (state unchanged)."""
        if msg.device_id != self.device_id:
            raise NotFound(f"device id {msg.device_id} not found (this device is {self.device_id})")
        role = role_key(msg.role.name, msg.role.id) if msg.HasField("role") else ""
        eid = election_id(msg)
        with self._lock:
            if client.arbitrated and role != client.role:
                raise FailedPrecondition(
                    f"a stream cannot change role (from {client.role!r} to {role!r}); open a new stream"
                )
            peers = self._clients.get(role, [])
            if eid is not None:
                for other in peers:
                    if other is not client and other.election_id == eid:
                        raise InvalidArgument(
                            f"election id {eid} is already used by another client of role {role!r}"
                        )
            if not client.arbitrated:
                self._clients.setdefault(role, []).append(client)
                client.arbitrated = True
                client.device_id = msg.device_id
                client.role = role
            client.election_id = eid
            if eid is not None and eid > self._highest.get(role, 0):
                self._highest[role] = eid
            if not self._elect(role):
                self._notify(client, role)

    def remove(self, client: Client) -> None:
        """The stream of ``client`` ended."""
        if not client.arbitrated:
            return
        with self._lock:
            clients = self._clients.get(client.role, [])
            if client in clients:
                clients.remove(client)
            client.arbitrated = False
            if not clients and client.role:
                # A named role nobody holds any more is unknown again.
                self._clients.pop(client.role, None)
                self._primary.pop(client.role, None)
                return
            self._elect(client.role)

    # -------------------------------------------------------------- helpers

    def _elect(self, role: str) -> bool:
        """Recomputes the primary; notifies everyone and returns True when it
        changed. Caller holds the lock."""
        candidates = [c for c in self._clients.get(role, []) if c.election_id is not None]
        new = max(candidates, key=lambda c: c.election_id, default=None)
        old = self._primary.get(role)
        if new is old:
            return False
        self._primary[role] = new
        for c in self._clients.get(role, []):
            self._notify(c, role)
        return True

    def _notify(self, client: Client, role: str) -> None:
        primary = self._primary.get(role)
        if primary is None:
            code, text = code_pb2.NOT_FOUND, "no primary client for this role"
        elif primary is client:
            code, text = code_pb2.OK, "you are the primary client"
        else:
            code, text = code_pb2.ALREADY_EXISTS, "another client is primary"
        upd = p4r.MasterArbitrationUpdate(device_id=self.device_id)
        if role.startswith("#"):
            upd.role.id = int(role[1:])
        elif role:
            upd.role.name = role
        eid = primary.election_id if primary is not None else self._highest.get(role)
        if eid:
            upd.election_id.CopyFrom(uint128(eid))
        upd.status.code = code
        upd.status.message = text
        client.send(p4r.StreamMessageResponse(arbitration=upd))
