"""PacketReplicationEngineEntry: multicast groups and clone sessions.

As in PI for simple_switch_grpc: clone session N occupies multicast group
32768 + N, so user multicast groups are 1..32767 and clone sessions
1..32767 (others OUT_OF_RANGE); a replica (port, instance) may appear once
per group; class_of_service is UNIMPLEMENTED, and so is packet_length_bytes
(truncation), which the contract says simple_switch_grpc refuses. Replicas
are read back ordered by instance then port, with ``egress_port`` set (what
a P4Runtime 1.3 server sends and every client decodes)."""

from __future__ import annotations

from collections.abc import Iterator

from finsy.proto.p4.v1 import p4runtime_pb2 as p4r

from p4sim.engine.entries import Replica
from p4sim.errors import InvalidArgument, NotFound, Unimplemented
from p4sim.runtime import codec
from p4sim.runtime.context import Context
from p4sim.runtime.status import OutOfRange

INSERT, MODIFY, DELETE = p4r.Update.INSERT, p4r.Update.MODIFY, p4r.Update.DELETE
FIRST_RESERVED_GROUP = 1 << 15
MAX_PORT = (1 << 32) - 1


def _replicas(msgs, where: str) -> list[Replica]:
    out: list[Replica] = []
    seen = set()
    for r in msgs:
        if len(r.backup_replicas):
            raise Unimplemented(f"{where}: backup replicas are not supported")
        kind = r.WhichOneof("port_kind")
        port = codec.decode(r.port, 32, f"{where}: replica port") if kind == "port" else r.egress_port
        key = (port, r.instance)
        if key in seen:
            raise InvalidArgument(f"{where}: duplicate replica (port {port}, instance {r.instance})")
        seen.add(key)
        out.append(Replica(port=port, rid=r.instance))
    return out


def _encode_replicas(replicas: list[Replica], out) -> None:
    for r in sorted(replicas, key=lambda r: (r.rid, r.port)):
        out.add(egress_port=r.port, instance=r.rid)


def _check_update(utype: int, where: str) -> None:
    if utype not in (INSERT, MODIFY, DELETE):
        raise InvalidArgument(f"{where}: update type {utype} is not INSERT, MODIFY or DELETE")


def write(ctx: Context, utype: int, msg: p4r.PacketReplicationEngineEntry) -> None:
    which = msg.WhichOneof("type")
    sw = ctx.sw
    if which == "multicast_group_entry":
        g = msg.multicast_group_entry
        where = f"multicast group {g.multicast_group_id}"
        _check_update(utype, where)
        if g.multicast_group_id == 0:
            raise InvalidArgument("multicast group id 0 is not valid")
        if g.multicast_group_id >= FIRST_RESERVED_GROUP:
            raise OutOfRange(f"{where}: ids from {FIRST_RESERVED_GROUP} on are reserved for clone sessions")
        if utype == DELETE:
            sw.mcast_group_delete(g.multicast_group_id)
            return
        replicas = _replicas(g.replicas, where)
        if utype == INSERT:
            sw.mcast_group_insert(g.multicast_group_id, replicas)
        else:
            sw.mcast_group_modify(g.multicast_group_id, replicas)
    elif which == "clone_session_entry":
        c = msg.clone_session_entry
        where = f"clone session {c.session_id}"
        _check_update(utype, where)
        if not 1 <= c.session_id < FIRST_RESERVED_GROUP:
            raise OutOfRange(f"{where}: clone session ids are 1..{FIRST_RESERVED_GROUP - 1}")
        if utype == DELETE:
            sw.clone_session_delete(c.session_id)
            return
        if c.class_of_service:
            raise Unimplemented(f"{where}: class_of_service is not supported")
        if c.packet_length_bytes:
            raise Unimplemented(f"{where}: packet_length_bytes (truncation) is not supported")
        replicas = _replicas(c.replicas, where)
        if utype == INSERT:
            sw.clone_session_insert(c.session_id, replicas)
        else:
            sw.clone_session_modify(c.session_id, replicas)
    else:
        raise InvalidArgument("PacketReplicationEngineEntry has neither a multicast group nor a clone session")


def read(ctx: Context, req: p4r.PacketReplicationEngineEntry) -> Iterator[p4r.Entity]:
    which = req.WhichOneof("type")
    if which == "multicast_group_entry":
        groups = ctx.sw.mcast_groups()
        gid = req.multicast_group_entry.multicast_group_id
        if gid and gid not in groups:
            raise NotFound(f"multicast group {gid} does not exist")
        for g in sorted(groups):
            if gid and g != gid:
                continue
            out = p4r.Entity()
            e = out.packet_replication_engine_entry.multicast_group_entry
            e.multicast_group_id = g
            _encode_replicas(groups[g], e.replicas)
            yield out
    elif which == "clone_session_entry":
        sessions = ctx.sw.clone_sessions()
        sid = req.clone_session_entry.session_id
        if sid and sid not in sessions:
            raise NotFound(f"clone session {sid} does not exist")
        for s in sorted(sessions):
            if sid and s != sid:
                continue
            out = p4r.Entity()
            e = out.packet_replication_engine_entry.clone_session_entry
            e.session_id = s
            _encode_replicas(sessions[s].replicas, e.replicas)
            yield out
    else:
        raise InvalidArgument("PacketReplicationEngineEntry read needs a multicast group or clone session")

