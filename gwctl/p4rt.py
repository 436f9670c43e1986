"""The P4Runtime edge: the only module of gwctl that talks to a target, built on finsy.

finsy gives the protocol machinery (stream channel, arbitration with an
election id, pipeline push only when the cookie differs, typed entities,
per-update error details); this module adds what gwctl needs on top:

- conversion between finsy entities and `gwctl.reconcile.Entry`, in one
  canonical form (integers, sorted replicas) so that entries read back from
  the target compare equal to the ones `translate` produced;
- batch writes that stop at the first failing batch (later batches may
  depend on it) and say exactly which updates went in and which failed, so
  the agent can track what is realized with `reconcile.apply`;
- digests delivered as plain dicts and acknowledged;
- writes encoded by `WriteEncoder` straight to P4Runtime Update protobufs
  (ids and widths cached from the P4Info; byte-identical to finsy's encoding,
  which it falls back to for anything it does not cover) and sent through
  finsy's `Switch.write`, which passes raw Updates on, so errors are finsy's.

Nothing else in gwctl imports finsy; table and field names come from the
caller (the pipeline module), never from here.
"""

from __future__ import annotations

import asyncio
import ipaddress
import logging
from collections import deque
from collections.abc import AsyncIterator, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import finsy
from finsy import (
    P4ActionProfileGroup,
    P4ActionProfileMember,
    P4ClientError,
    P4CloneSessionEntry,
    P4CounterEntry,
    P4DigestEntry,
    P4IndirectAction,
    P4Member,
    P4MulticastGroupEntry,
    P4PacketOut,
    P4TableAction,
    P4TableEntry,
    P4TableMatch,
)
from finsy.p4entity import P4RUNTIME_VERSION_1_5, P4Replica
from finsy.proto import p4i, p4r

from gwctl.reconcile import Batch, Entry, Kind, Op, Update

log = logging.getLogger(__name__)
progress_log = logging.getLogger("gwctl.progress")
"""Progress of large writes ("synced 40000/100000 entries"); `gwctl run` shows it on stderr."""
WRITE_CHUNK = 5000
"""Most updates per WriteRequest: bounds the message size (gRPC's default limit is 4 MB) and lets a
large initial sync report progress. Splitting a batch is safe: updates of one batch never depend on
each other (reconcile puts dependencies in later batches)."""
WRITE_WINDOW = 3
"""WriteRequests of one batch in flight at once: the target applies one while gwctl encodes the next."""
PROGRESS_MIN = 20000
"""Writes of fewer updates than this report no progress."""


class _Progress:
    """About one progress line per WRITE_CHUNK updates, whatever the batch sizes, and one at the end."""

    def __init__(self, total: int) -> None:
        self.total = total
        self.reported = 0 if total >= PROGRESS_MIN else total

    def done(self, count: int) -> None:
        if count - self.reported >= WRITE_CHUNK or self.reported < count == self.total:
            progress_log.info("synced %d/%d entries", count, self.total)
            self.reported = count


@dataclass(frozen=True)
class Pipeline:
    """What to load: P4Info text file and the target's device config (BMv2 JSON, p4sim container)."""

    p4info: Path | None
    """None: take the P4Info from the target (read-only tools; needs a pipeline on the target)."""
    device_config: Path | None = None
    """None: use the target's pipeline as is (read-only agent, or one loaded by someone else)."""


@dataclass(frozen=True)
class UpdateFailure:
    update: Update
    code: str
    message: str

    def __str__(self) -> str:
        return f"{self.update}: {self.code} {self.message}"


class P4RuntimeError(RuntimeError):
    """The target refused a request, or could not be reached; the message says which and why."""


class P4RuntimeUnavailable(P4RuntimeError):
    """No usable connection (target down, restarting, or the stream closed): reconnect and resync."""


def _wrap(exc: Exception, what: str) -> P4RuntimeError:
    if isinstance(exc, P4ClientError):
        if exc.code.name in ("UNAVAILABLE", "CANCELLED", "DEADLINE_EXCEEDED"):
            return P4RuntimeUnavailable(f"{what}: {exc.code.name} {exc.message}")
        return P4RuntimeError(f"{what}: {exc.code.name} {exc.message}")
    return P4RuntimeUnavailable(f"{what}: {type(exc).__name__}: {exc}")


class P4RuntimeWriteError(P4RuntimeError):
    """A batch was (partly) refused. `applied` went in (earlier batches and the batch's other updates)."""

    def __init__(self, batch_index: int, applied: list[Update], failures: list[UpdateFailure],
                 message: str = "") -> None:
        self.batch_index = batch_index
        self.applied = applied
        self.failures = failures
        lines = "; ".join(str(f) for f in failures[:5])
        more = f" (+{len(failures) - 5} more)" if len(failures) > 5 else ""
        super().__init__(f"batch {batch_index}: {len(failures)} update(s) failed: {lines}{more} {message}")


@dataclass(frozen=True)
class PacketIn:
    payload: bytes
    metadata: dict[str, int]


@dataclass(frozen=True)
class Digest:
    """One digest message: a list of learned items (field name -> int)."""

    name: str
    list_id: int
    data: tuple[dict[str, int], ...] = field(default=())


# ------------------------------------------------------------------ canonical values


def canon(value: Any) -> Any:
    """Integers for every match/param value finsy may hand back (ints, MAC/IP objects, strings, tuples)."""
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, int):
        return value
    if isinstance(value, tuple | list):
        return tuple(canon(v) for v in value)
    if isinstance(value, ipaddress.IPv4Address | ipaddress.IPv6Address):
        return int(value)
    if isinstance(value, finsy.MACAddress):
        return int(str(value).replace(":", ""), 16)
    if isinstance(value, bytes):
        return int.from_bytes(value, "big")
    if isinstance(value, str):
        text = value.strip()
        if text.count(":") == 5 and len(text) == 17:
            return int(text.replace(":", ""), 16)
        try:
            return int(ipaddress.ip_address(text))
        except ValueError:
            return int(text, 0)
    raise TypeError(f"cannot canonicalize {type(value).__name__} {value!r}")


def _params(args: dict[str, Any]) -> tuple[tuple[str, Any], ...]:
    return tuple(sorted((k, canon(v)) for k, v in args.items()))


def _replicas(replicas: Iterable[Any]) -> tuple[tuple[int, int], ...]:
    """Replicas as sorted (port, instance): a multicast group is a set, whatever order the target keeps."""
    out = []
    for r in replicas:
        if isinstance(r, int):
            out.append((r, 0))
        elif isinstance(r, P4Replica):
            if r.backup_replicas:
                raise ValueError(f"replica {r!r} has backup replicas, which gwctl does not manage")
            out.append((int(r.port), int(r.instance)))
        else:
            out.append((int(r[0]), int(r[1])))
    return tuple(sorted(out))


# ------------------------------------------------------------------ Entry <-> finsy


def to_entity(entry: Entry) -> Any:
    """The finsy entity for an Entry (kinds and layouts as documented on Entry)."""
    params = dict(entry.params)
    match entry.kind:
        case Kind.TABLE:
            if "$member" in params:
                action: Any = P4IndirectAction(member_id=params["$member"])
            elif "$group" in params:
                action = P4IndirectAction(group_id=params["$group"])
            else:
                action = P4TableAction(entry.action, **params)
            return P4TableEntry(entry.table, match=P4TableMatch(dict(entry.key)), action=action,
                                priority=entry.priority)
        case Kind.DEFAULT:
            return P4TableEntry(entry.table, action=P4TableAction(entry.action, **params),
                                is_default_action=True)
        case Kind.MCAST_GROUP:
            return P4MulticastGroupEntry(entry.key[0], replicas=tuple(entry.params))
        case Kind.CLONE_SESSION:
            return P4CloneSessionEntry(entry.key[0], replicas=tuple(params.get("replicas", ())),
                                       class_of_service=params.get("class_of_service", 0),
                                       packet_length_bytes=params.get("packet_length_bytes", 0))
        case Kind.PROFILE_MEMBER:
            return P4ActionProfileMember(entry.table, member_id=entry.key[0],
                                         action=P4TableAction(entry.action, **params))
        case Kind.PROFILE_GROUP:
            return P4ActionProfileGroup(entry.table, group_id=entry.key[0],
                                        members=[P4Member(m, weight=w) for m, w in entry.params])
    raise ValueError(f"unknown entry kind {entry.kind!r}")


def from_entity(entity: Any, schema: Any) -> Entry | None:
    """The Entry for an entity read from the target; None for what gwctl does not manage (const entries).

    finsy decodes names to P4Info aliases; entries use full P4Info names
    (`Ing.dmac`, `hdr.ethernet.dst`), so they are mapped back through `schema`.
    """
    if isinstance(entity, P4TableEntry):
        if entity.is_const:
            return None
        table = schema.tables[entity.table_id]
        action = entity.action
        if entity.is_default_action:
            if not isinstance(action, P4TableAction):
                return None
            return Entry(Kind.DEFAULT, table.name, (), 0, schema.actions[action.name].name,
                         _params(action.args))
        key = tuple(sorted((table.match_fields[k].name, canon(v)) for k, v in (entity.match or {}).items()))
        if isinstance(action, P4IndirectAction):
            ref = ("$member", action.member_id) if action.member_id is not None else ("$group", action.group_id)
            return Entry(Kind.TABLE, table.name, key, entity.priority, "", (ref,))
        if action is None:
            raise ValueError(f"table entry without action read from {table.name}: {entity}")
        return Entry(Kind.TABLE, table.name, key, entity.priority, schema.actions[action.name].name,
                     _params(action.args))
    if isinstance(entity, P4MulticastGroupEntry):
        return Entry(Kind.MCAST_GROUP, "", (entity.multicast_group_id,), params=_replicas(entity.replicas))
    if isinstance(entity, P4CloneSessionEntry):
        return Entry(Kind.CLONE_SESSION, "", (entity.session_id,), params=(
            ("class_of_service", entity.class_of_service),
            ("packet_length_bytes", entity.packet_length_bytes),
            ("replicas", _replicas(entity.replicas)),
        ))
    if isinstance(entity, P4ActionProfileMember):
        profile = schema.action_profiles[entity.action_profile_id].name
        action = entity.action
        return Entry(Kind.PROFILE_MEMBER, profile, (entity.member_id,), 0,
                     schema.actions[action.name].name if action else "",
                     _params(action.args) if action else ())
    if isinstance(entity, P4ActionProfileGroup):
        profile = schema.action_profiles[entity.action_profile_id].name
        members = tuple(sorted((m.member_id, m.weight if isinstance(m.weight, int) else m.weight[0])
                               for m in entity.members or ()))
        return Entry(Kind.PROFILE_GROUP, profile, (entity.group_id,), params=members)
    return None


def _as_update(update: Update) -> Any:
    entity = to_entity(update.entry)
    match update.op:
        case Op.INSERT:
            return +entity
        case Op.MODIFY:
            return ~entity
        case Op.DELETE:
            return -entity
    raise ValueError(f"unknown op {update.op!r}")


# ------------------------------------------------------------------ fast write encoding


class _Fallback(Exception):
    """An entry the fast encoder does not handle; finsy encodes it (and raises finsy's errors for bad ones)."""


_UPDATE_TYPES = {Op.INSERT: p4r.Update.INSERT, Op.MODIFY: p4r.Update.MODIFY, Op.DELETE: p4r.Update.DELETE}
_EXACT, _LPM, _TERNARY, _RANGE = (p4i.MatchField.EXACT, p4i.MatchField.LPM, p4i.MatchField.TERNARY,
                                  p4i.MatchField.RANGE)


_parse_update = p4r.Update.FromString
_parse_request = p4r.WriteRequest.FromString
_parse_field_match = p4r.FieldMatch.FromString


def _bytes(value: Any, width: int) -> bytes:
    """Canonical P4Runtime bytes (8.3: big-endian, no leading zero bytes, zero as one byte) of an int field."""
    if type(value) is not int or value < 0 or value >> width:
        raise _Fallback
    return value.to_bytes((value.bit_length() + 7) >> 3 or 1, "big")


def _varint(n: int) -> bytes:
    if n < 0x80:
        return bytes((n,))
    out = bytearray()
    while n >= 0x80:
        out.append((n & 0x7F) | 0x80)
        n >>= 7
    out.append(n)
    return bytes(out)


def _ld(tag: int, payload: bytes) -> bytes:
    """A length-delimited protobuf field (`tag` = field number << 3 | 2, below 128)."""
    n = len(payload)
    return bytes((tag, n)) + payload if n < 0x80 else bytes((tag,)) + _varint(n) + payload


def _match_wire(fields: dict[str, tuple[int, int, int]], key: tuple[Any, ...]) -> list[bytes]:
    """Each key field as a p4r.FieldMatch in wire form, don't-care fields left out (P4Runtime 9.1.1);
    _Fallback for what finsy must judge (unknown field, value of the wrong shape or width)."""
    out = []
    for fname, value in key:
        spec = fields.get(fname)
        if spec is None:
            raise _Fallback
        fid, kind, width = spec
        head = b"\x08" + _varint(fid)
        if kind == _EXACT:
            out.append(head + _ld(0x12, _ld(0x0A, _bytes(value, width))))
        elif type(value) is not tuple or len(value) != 2:
            raise _Fallback
        elif kind == _LPM:
            val, prefix = value
            if type(prefix) is not int or not 0 <= prefix <= width:
                raise _Fallback
            _bytes(val, width)
            if prefix:
                data = _bytes(val & ~((1 << (width - prefix)) - 1), width)
                out.append(head + _ld(0x22, _ld(0x0A, data) + b"\x10" + _varint(prefix)))
        elif kind == _TERNARY:
            data, mask = _bytes(value[0], width), _bytes(value[1], width)
            if mask != b"\x00":
                out.append(head + _ld(0x1A, _ld(0x0A, data) + _ld(0x12, mask)))
        elif kind == _RANGE:
            out.append(head + _ld(0x32, _ld(0x0A, _bytes(value[0], width)) + _ld(0x12, _bytes(value[1], width))))
        else:
            raise _Fallback
    return out


ACTION_CACHE_MAX = 4096
"""Encoded table actions kept per encoder (dmac entries share a few dozen (action, params) pairs)."""


class WriteEncoder:
    """Entry/Update -> p4r.Update, byte-identical to finsy's `to_entity(...).encode_update(schema)` but without
    finsy's entity objects: ids, match kinds and widths are looked up in `schema` once per table, action and
    field and cached. Entries it does not cover (clone sessions, one-shot action sets, non-integer values,
    names or values finsy would refuse) go through finsy, so behaviour and errors stay finsy's."""

    def __init__(self, schema: Any) -> None:
        self.schema = schema
        self._tables: dict[str, tuple[int, bool, dict[str, tuple[int, int, int]]]] = {}
        self._actions: dict[tuple[str, str], tuple[int, dict[str, tuple[int, int]], int]] = {}
        self._profiles: dict[str, int] = {}
        self._action_wire: dict[tuple[str, str, tuple[Any, ...]], bytes] = {}

    def _table(self, name: str) -> tuple[int, bool, dict[str, tuple[int, int, int]]]:
        info = self._tables.get(name)
        if info is None:
            try:
                table = self.schema.tables[name]
            except Exception as exc:  # noqa: BLE001 - finsy says what is wrong when it encodes
                raise _Fallback from exc
            fields = {}
            for f in table.match_fields:
                spec = (f.id, -1 if isinstance(f.match_type, str) else int(f.match_type), f.bitwidth)
                fields[f.name] = fields[f.alias] = spec
            info = self._tables[name] = (table.id, table.action_profile is not None, fields)
        return info

    def _action(self, table: str, name: str) -> tuple[int, dict[str, tuple[int, int]], int]:
        info = self._actions.get((table, name))
        if info is None:
            try:
                action = (self.schema.tables[table].actions if table else self.schema.actions)[name]
            except Exception as exc:  # noqa: BLE001 - finsy says what is wrong when it encodes
                raise _Fallback from exc
            params = {}
            for p in action.params:
                params[p.name] = params[getattr(p, "alias", p.name)] = (p.id, p.bitwidth)
            info = self._actions[(table, name)] = (action.id, params, len(action.params))
        return info

    def _profile(self, name: str) -> int:
        pid = self._profiles.get(name)
        if pid is None:
            try:
                pid = self._profiles[name] = self.schema.action_profiles[name].id
            except Exception as exc:  # noqa: BLE001 - finsy says what is wrong when it encodes
                raise _Fallback from exc
        return pid

    def _encode_action(self, table: str, name: str, values: tuple[Any, ...]) -> Any:
        action_id, specs, count = self._action(table, name)
        if values and len(values) != count:
            raise _Fallback
        params = []
        for pname, value in values:
            spec = specs.get(pname)
            if spec is None:
                raise _Fallback
            params.append(p4r.Action.Param(param_id=spec[0], value=_bytes(value, spec[1])))
        return p4r.Action(action_id=action_id, params=params)

    def _match(self, fields: dict[str, tuple[int, int, int]], key: tuple[Any, ...]) -> list[Any]:
        return [_parse_field_match(m) for m in _match_wire(fields, key)]

    def entity(self, entry: Entry) -> Any:
        """The p4r.Entity of an entry, as finsy would encode it."""
        try:
            return self._entity(entry)
        except _Fallback:
            return to_entity(entry).encode(self.schema)

    def update(self, update: Update) -> Any:
        """The p4r.Update of an update, as finsy would encode it."""
        return _parse_update(self.update_wire(update))

    def update_wire(self, update: Update) -> bytes:
        """The p4r.Update of an update in protobuf wire form (what `update` parses)."""
        entry = update.entry
        if entry.kind == Kind.TABLE:
            # the bulk of every sync: wire bytes straight from cached prefixes
            try:
                return bytes((0x08, _UPDATE_TYPES[update.op])) + _ld(0x12, _ld(0x12, self._table_wire(entry)))
            except _Fallback:
                pass
        return p4r.Update(type=_UPDATE_TYPES[update.op], entity=self.entity(entry)).SerializeToString(
            deterministic=True)

    def updates(self, chunk: Iterable[Update]) -> Any:
        """The p4r.Updates of a chunk, from one upb parse of their concatenation (a WriteRequest's field 4)
        instead of one parse and one Python message object each."""
        blob = b"".join([_ld(0x22, self.update_wire(u)) for u in chunk])
        return _parse_request(blob).updates

    def _table_wire(self, entry: Entry) -> bytes:
        """A direct or member/group-referencing TableEntry in protobuf wire form (fields in number order)."""
        table_id, indirect, fields = self._table(entry.table)
        parts = [b"\x08" + _varint(table_id)]
        parts += [_ld(0x12, m) for m in _match_wire(fields, entry.key)]
        cache_key = (entry.table, entry.action, entry.params)
        action = self._action_wire.get(cache_key)
        if action is None:
            action = _ld(0x1A, self._entity(Entry(Kind.DEFAULT, entry.table, (), 0, entry.action, entry.params))
                         .table_entry.action.SerializeToString(deterministic=True))
            if len(self._action_wire) < ACTION_CACHE_MAX:
                self._action_wire[cache_key] = action
        parts.append(action)
        priority = entry.priority
        if priority:
            if type(priority) is not int or not 0 < priority < 1 << 31:
                raise _Fallback
            parts.append(b"\x20" + _varint(priority))
        return b"".join(parts)

    def _entity(self, entry: Entry) -> Any:
        kind = entry.kind
        if kind == Kind.TABLE or kind == Kind.DEFAULT:
            table_id, indirect, fields = self._table(entry.table)
            params = entry.params
            if kind == Kind.TABLE and params and params[0][0] in ("$member", "$group"):
                if len(params) != 1 or type(params[0][1]) is not int:
                    raise _Fallback
                action = (p4r.TableAction(action_profile_member_id=params[0][1]) if params[0][0] == "$member"
                          else p4r.TableAction(action_profile_group_id=params[0][1]))
            elif indirect:
                raise _Fallback   # finsy promotes a direct action to a one-shot action set
            else:
                action = p4r.TableAction(action=self._encode_action(entry.table, entry.action, params))
            if kind == Kind.DEFAULT:
                return p4r.Entity(table_entry=p4r.TableEntry(table_id=table_id, action=action,
                                                             is_default_action=True))
            return p4r.Entity(table_entry=p4r.TableEntry(table_id=table_id, match=self._match(fields, entry.key),
                                                         action=action, priority=entry.priority))
        if kind == Kind.MCAST_GROUP:
            legacy = self.schema.p4runtime_version < P4RUNTIME_VERSION_1_5
            replicas = []
            for port, instance in entry.params:
                if type(port) is not int or type(instance) is not int:
                    raise _Fallback
                replicas.append(p4r.Replica(egress_port=port, instance=instance) if legacy
                                else p4r.Replica(port=_bytes(port, 32), instance=instance))
            return p4r.Entity(packet_replication_engine_entry=p4r.PacketReplicationEngineEntry(
                multicast_group_entry=p4r.MulticastGroupEntry(multicast_group_id=entry.key[0], replicas=replicas)))
        if kind == Kind.PROFILE_MEMBER:
            return p4r.Entity(action_profile_member=p4r.ActionProfileMember(
                action_profile_id=self._profile(entry.table), member_id=entry.key[0],
                action=self._encode_action("", entry.action, entry.params)))
        if kind == Kind.PROFILE_GROUP:
            members = []
            for member_id, weight in entry.params:
                if type(weight) is not int:
                    raise _Fallback
                members.append(p4r.ActionProfileGroup.Member(member_id=member_id, weight=weight))
            return p4r.Entity(action_profile_group=p4r.ActionProfileGroup(
                action_profile_id=self._profile(entry.table), group_id=entry.key[0], members=members))
        raise _Fallback


# ------------------------------------------------------------------ the target


class P4RuntimeTarget:
    """A P4Runtime connection to one device, as primary (or backup) controller.

    Use as an async context manager: entering connects, takes part in
    arbitration with `election_id`, and (as primary, with a device config)
    pushes the pipeline only if the target's cookie differs, so an agent
    restart does not reset the data plane.
    """

    def __init__(self, address: str, pipeline: Pipeline, *, device_id: int = 0,
                 election_id: int = 10, name: str = "gwctl") -> None:
        opts = finsy.SwitchOptions(
            p4info=pipeline.p4info,
            p4blob=pipeline.device_config,
            device_id=device_id,
            initial_election_id=election_id,
        )
        self.address = address
        self._switch = finsy.Switch(name, address, opts)
        self._encoder: WriteEncoder | None = None

    async def __aenter__(self) -> P4RuntimeTarget:
        try:
            await self._switch.__aenter__()
        except (P4ClientError, ConnectionError, OSError) as exc:
            raise _wrap(exc, f"connect to {self.address}") from exc
        if not self._switch.is_up:
            await self._switch.__aexit__(None, None, None)
            raise P4RuntimeUnavailable(f"connect to {self.address}: channel did not come up")
        log.info("P4Runtime %s: connected, primary=%s", self.address, self.is_primary)
        return self

    async def __aexit__(self, *exc: object) -> None:
        try:
            await self._switch.__aexit__(None, None, None)
        except (P4ClientError, ConnectionError, OSError) as err:
            # closing a connection that already failed: the original error is what matters
            log.info("P4Runtime %s: close: %s", self.address, err)

    @property
    def is_primary(self) -> bool:
        return self._switch.is_primary

    @property
    def primary_election_id(self) -> int | None:
        """The election id of the primary controller, from the arbitration answer; None if unknown.

        A client that connects with a low election id and is not primary learns
        this way that another controller (normally the gwctl agent) holds the switch.
        """
        primary = self._switch.primary_id
        return primary if primary >= 0 else None

    @property
    def election_id(self) -> int:
        return self._switch.election_id

    @property
    def is_up(self) -> bool:
        """False once the stream channel is down: the agent must reconnect and resync."""
        return self._switch.is_up

    def check_up(self) -> None:
        if not self._switch.is_up:
            raise P4RuntimeUnavailable(f"{self.address}: stream channel down")

    @property
    def p4info(self) -> Any:
        """finsy's P4Schema; for the pipeline module to check names against (not for general use)."""
        return self._switch.p4info

    async def read_entries(self) -> set[Entry]:
        """Everything gwctl may manage: table entries, default actions, PRE entries, action profiles."""
        schema = self._switch.p4info
        requests: list[Any] = [P4TableEntry(), P4MulticastGroupEntry(), P4CloneSessionEntry()]
        requests += [P4TableEntry(t.alias, is_default_action=True) for t in schema.tables
                     if t.const_default_action is None and t.action_profile is None]
        requests += [P4ActionProfileMember(p.alias) for p in schema.action_profiles]
        requests += [P4ActionProfileGroup(p.alias) for p in schema.action_profiles]
        out: set[Entry] = set()
        try:
            async for entity in self._switch.read(requests):
                entry = from_entity(entity, schema)
                if entry is not None:
                    out.add(entry)
        except P4ClientError as exc:
            raise _wrap(exc, f"read entries from {self.address}") from exc
        return out

    async def write(self, batches: Sequence[Batch]) -> list[Update]:
        """Write batches in order, one WriteRequest per WRITE_CHUNK updates; the updates applied.

        Batches go one after the other (a later one may depend on an earlier
        one), but the requests of one batch are independent (one update per
        identity, no dependencies inside: see gwctl.reconcile), so up to
        WRITE_WINDOW of them are in flight at once: the next request is
        encoded while the target applies the previous one.

        On a refusal no further request is sent; those in flight finish, then
        P4RuntimeWriteError lists everything applied (the refused requests'
        other updates included: P4Runtime batches are not atomic) and each
        refused update with its gRPC code. Writes of PROGRESS_MIN updates or
        more log their progress on the `gwctl.progress` logger.
        """
        applied: list[Update] = []
        progress = _Progress(sum(len(b) for b in batches))
        for index, batch in enumerate(batches):
            failures, notes = await self._write_batch(index, batch, applied, progress)
            if failures:
                raise P4RuntimeWriteError(index, applied, failures, " ".join(dict.fromkeys(notes)))
        return applied

    async def _write_batch(self, index: int, batch: Batch, applied: list[Update],
                           progress: _Progress) -> tuple[list[UpdateFailure], list[str]]:
        """The requests of one batch, WRITE_WINDOW in flight; appends what went in to `applied`."""
        failures: list[UpdateFailure] = []
        notes: list[str] = []
        in_flight: deque[tuple[Batch, asyncio.Task[tuple[list[UpdateFailure], str]]]] = deque()

        async def settle_oldest() -> None:
            chunk, task = in_flight.popleft()
            refused, note = await task
            if refused:
                failed = {id(f.update) for f in refused}
                applied.extend(u for u in chunk if id(u) not in failed)
                failures.extend(refused)
                if note:
                    notes.append(note)
            else:
                applied.extend(chunk)
            progress.done(len(applied))

        try:
            for start in range(0, len(batch), WRITE_CHUNK):
                if failures:
                    break
                chunk = batch[start:start + WRITE_CHUNK]
                in_flight.append((chunk, asyncio.ensure_future(self._write_chunk(index, chunk))))
                while len(in_flight) >= WRITE_WINDOW or (in_flight and in_flight[0][1].done()):
                    await settle_oldest()
            while in_flight:
                await settle_oldest()
        finally:
            for _, task in in_flight:   # the connection was lost: leave no request behind
                task.cancel()
        return failures, notes

    async def _write_chunk(self, index: int, chunk: Batch) -> tuple[list[UpdateFailure], str]:
        """One WriteRequest; the refused updates (none: all applied) and a note on them.
        Raises P4RuntimeUnavailable when the target cannot be reached."""
        schema = self._switch.p4info
        encoder = self._encoder
        if encoder is None or encoder.schema is not schema:
            encoder = self._encoder = WriteEncoder(schema)
        # raw p4r.Updates: finsy's Switch.write passes them through as they are
        updates = list(encoder.updates(chunk))
        try:
            await self._switch.write(updates)
        except P4ClientError as exc:
            details = exc.details
            if not details and exc.code.name in ("UNAVAILABLE", "CANCELLED"):
                raise _wrap(exc, f"write batch {index} to {self.address}") from exc
            if not details:
                return [UpdateFailure(u, exc.code.name, exc.message) for u in chunk], "(whole batch)"
            return [UpdateFailure(chunk[i], err.canonical_code.name, err.message)
                    for i, err in sorted(details.items())], ""
        return [], ""

    async def read_counter(self, name: str, indexes: Iterable[int] | None = None) -> dict[int, tuple[int, int]]:
        """Indexed counter cells as index -> (packets, bytes); all cells when `indexes` is None."""
        requests: list[Any] = ([P4CounterEntry(name)] if indexes is None
                               else [P4CounterEntry(name, index=i) for i in indexes])
        out: dict[int, tuple[int, int]] = {}
        if not requests:
            return out
        try:
            async for cell in self._switch.read(requests):
                if cell.index is not None:
                    out[cell.index] = (cell.packet_count, cell.byte_count)
        except P4ClientError as exc:
            raise _wrap(exc, f"read counter {name}") from exc
        return out

    async def enable_digest(self, name: str, *, max_timeout_ns: int = 1_000_000, max_list_size: int = 64,
                            ack_timeout_ns: int = 1_000_000_000) -> None:
        """Configure digest delivery (P4Runtime needs a DigestEntry before the target sends any)."""
        def entry() -> P4DigestEntry:
            # a fresh entity per update: finsy's +/~ operators mark the object itself
            return P4DigestEntry(name, max_timeout_ns=max_timeout_ns, max_list_size=max_list_size,
                                 ack_timeout_ns=ack_timeout_ns)

        try:
            try:
                await self._switch.write([+entry()])
            except P4ClientError as exc:
                if exc.details and all(e.canonical_code.name == "ALREADY_EXISTS" for e in exc.details.values()):
                    await self._switch.write([~entry()])
                else:
                    raise
        except P4ClientError as exc:
            raise _wrap(exc, f"configure digest {name}") from exc

    async def packets(self) -> AsyncIterator[PacketIn]:
        """Packet-ins as they arrive, metadata by the P4Info names of the packet_in header."""
        async for packet in self._switch.read_packets():
            yield PacketIn(packet.payload, {k: canon(v) for k, v in packet.metadata.items()})

    async def send_packet(self, payload: bytes, metadata: dict[str, int]) -> None:
        """A PacketOut (metadata by the P4Info names of the packet_out header)."""
        try:
            await self._switch.write([P4PacketOut(payload, **metadata)])
        except P4ClientError as exc:
            raise _wrap(exc, "packet out") from exc

    async def digests(self, name: str) -> AsyncIterator[Digest]:
        """Digest lists of `name` as they arrive; each is acknowledged once the consumer asks for the next.

        Acking after the consumer has handled the list means an agent that dies
        mid-way gets it again (the target re-sends after ack_timeout).
        """
        async for digest_list in self._switch.read_digests(name):
            data = tuple({k: canon(v) for k, v in dict(item).items()} for item in digest_list)
            yield Digest(digest_list.digest_id, digest_list.list_id, data)
            await self._switch.write([digest_list.ack()])


# ------------------------------------------------------------------ probing (operator tools)


def load_schema(p4info: Path) -> Any:
    """finsy's P4Schema of a P4Info file, for names and widths where no target is connected."""
    try:
        return finsy.P4Schema(p4info)
    except (OSError, ValueError) as exc:
        raise P4RuntimeError(f"P4Info {p4info}: {exc}") from exc


@dataclass(frozen=True)
class PipelineState:
    """What GetForwardingPipelineConfig says: whether a pipeline is loaded, and its cookie."""

    loaded: bool
    cookie: int | None


async def read_pipeline_cookie(address: str, device_id: int = 0, timeout: float = 5.0) -> PipelineState:
    """The target's pipeline cookie, without taking part in arbitration (a unary call on its own channel).

    Why a separate client: finsy's Switch reads the pipeline only while
    connecting and keeps what it found to itself; `gwctl status` must show
    what the target runs now, and must not disturb the agent's stream.
    """
    client = finsy.P4Client(address, wait_for_ready=False)
    await client.open()
    try:
        request = p4r.GetForwardingPipelineConfigRequest(
            device_id=device_id,
            response_type=p4r.GetForwardingPipelineConfigRequest.ResponseType.COOKIE_ONLY)
        reply = await asyncio.wait_for(client.request(request), timeout)
    except P4ClientError as exc:
        if exc.is_pipeline_missing:
            return PipelineState(False, None)
        raise _wrap(exc, f"read pipeline of {address}") from exc
    except TimeoutError as exc:
        raise P4RuntimeUnavailable(f"read pipeline of {address}: no answer in {timeout:g}s") from exc
    finally:
        await client.close()
    cookie = reply.config.cookie.cookie if reply.config.HasField("cookie") else None
    return PipelineState(True, cookie)
