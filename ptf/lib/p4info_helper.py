"""Build P4Runtime entities by name from a P4Info.

Tests speak in the program's names (``dmac``, ``hdr.ethernet.dst``,
``forward(port=1)``); this module turns them into IDs and canonical byte
strings (P4Runtime 8.3: big-endian, no leading zero bytes, zero as one byte).
"""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping

from finsy.proto.p4.config.v1 import p4info_pb2
from finsy.proto.p4.v1 import p4runtime_pb2

Value = int | str | bytes
# A match value: exact/optional value, (value, mask) for ternary, (value, prefix_len) for lpm,
# (low, high) for range; the kind is taken from the P4Info.
MatchValue = Value | tuple[Value, Value]


def encode(value: Value, bitwidth: int) -> bytes:
    """Canonical byte string of ``value`` for a field of ``bitwidth`` bits.
    Strings may be MAC ("02:00:..") or IPv4/IPv6 addresses."""
    if isinstance(value, bytes):
        number = int.from_bytes(value, "big")
    elif isinstance(value, str):
        if ":" in value and len(value.split(":")) == 6 and bitwidth == 48:
            number = int(value.replace(":", ""), 16)
        else:
            number = int(ipaddress.ip_address(value))
    else:
        number = int(value)
    if number < 0 or number >> bitwidth:
        raise ValueError(f"value {value!r} does not fit in {bitwidth} bits")
    return number.to_bytes(max(1, (number.bit_length() + 7) // 8), "big")


def decode(data: bytes) -> int:
    return int.from_bytes(data, "big")


class P4InfoHelper:
    """Name lookups over one P4Info. A name may be the full name or the alias."""

    def __init__(self, p4info: p4info_pb2.P4Info):
        self.p4info = p4info
        self._by_kind: dict[str, dict[str, object]] = {}
        for kind in ("tables", "actions", "counters", "direct_counters", "meters", "direct_meters",
                     "registers", "digests", "action_profiles", "controller_packet_metadata", "value_sets"):
            index: dict[str, object] = {}
            for obj in getattr(p4info, kind):
                index[obj.preamble.name] = obj
                index.setdefault(obj.preamble.alias, obj)
            self._by_kind[kind] = index

    def get(self, kind: str, name: str):  # noqa: ANN201 - one of many p4info message types
        try:
            return self._by_kind[kind][name]
        except KeyError:
            known = sorted(n for n in self._by_kind[kind] if "." not in n)
            raise KeyError(f"no {kind[:-1]} named {name!r} in the P4Info (have: {', '.join(known)})") from None

    def id(self, kind: str, name: str) -> int:
        return self.get(kind, name).preamble.id

    def table(self, name: str) -> p4info_pb2.Table:
        return self.get("tables", name)

    def action(self, name: str) -> p4info_pb2.Action:
        return self.get("actions", name)

    # ---------------------------------------------------------- builders
    def action_msg(self, name: str, params: Mapping[str, Value] | None = None) -> p4runtime_pb2.Action:
        info = self.action(name)
        params = dict(params or {})
        msg = p4runtime_pb2.Action(action_id=info.preamble.id)
        for p in info.params:
            if p.name not in params:
                raise KeyError(f"action {name}: missing parameter {p.name!r}")
            msg.params.add(param_id=p.id, value=encode(params.pop(p.name), p.bitwidth))
        if params:
            raise KeyError(f"action {name}: unknown parameters {sorted(params)}")
        return msg

    def field_match(self, table: str, field: str, value: MatchValue) -> p4runtime_pb2.FieldMatch:
        info = self.table(table)
        for mf in info.match_fields:
            if mf.name == field:
                break
        else:
            raise KeyError(f"table {table}: no match field {field!r}")
        fm = p4runtime_pb2.FieldMatch(field_id=mf.id)
        width = mf.bitwidth
        kind = p4info_pb2.MatchField.MatchType.Name(mf.match_type)
        if kind == "EXACT":
            fm.exact.value = encode(value, width)
        elif kind == "LPM":
            addr, plen = value
            fm.lpm.value = encode(addr, width)
            fm.lpm.prefix_len = int(plen)
        elif kind == "TERNARY":
            val, mask = value
            fm.ternary.value = encode(val, width)
            fm.ternary.mask = encode(mask, width)
        elif kind == "RANGE":
            low, high = value
            fm.range.low = encode(low, width)
            fm.range.high = encode(high, width)
        elif kind == "OPTIONAL":
            fm.optional.value = encode(value, width)
        else:
            raise ValueError(f"table {table}: match kind {kind} of {field} is not supported by this helper")
        return fm

    def table_entry(self, table: str, match: Mapping[str, MatchValue] | None = None, action: str | None = None,
                    params: Mapping[str, Value] | None = None, priority: int = 0, member_id: int | None = None,
                    group_id: int | None = None, default: bool = False) -> p4runtime_pb2.TableEntry:
        entry = p4runtime_pb2.TableEntry(table_id=self.table(table).preamble.id, priority=priority,
                                         is_default_action=default)
        for field, value in (match or {}).items():
            entry.match.append(self.field_match(table, field, value))
        if action is not None:
            entry.action.action.CopyFrom(self.action_msg(action, params))
        elif member_id is not None:
            entry.action.action_profile_member_id = member_id
        elif group_id is not None:
            entry.action.action_profile_group_id = group_id
        return entry

    def packet_metadata(self, header: str, values: Mapping[str, Value]) -> list[tuple[int, bytes]]:
        info = self.get("controller_packet_metadata", header)
        out = []
        for md in info.metadata:
            if md.name in values:
                out.append((md.id, encode(values[md.name], md.bitwidth)))
        return out

    def decode_packet_metadata(self, header: str, metadata) -> dict[str, int]:  # noqa: ANN001
        info = self.get("controller_packet_metadata", header)
        names = {md.id: md.name for md in info.metadata}
        return {names[m.metadata_id]: decode(m.value) for m in metadata}


def update(kind: str, entity: p4runtime_pb2.Entity) -> p4runtime_pb2.Update:
    return p4runtime_pb2.Update(type=p4runtime_pb2.Update.Type.Value(kind), entity=entity)


def entity(**one: object) -> p4runtime_pb2.Entity:
    """``entity(table_entry=te)`` and the like."""
    msg = p4runtime_pb2.Entity()
    for field, value in one.items():
        getattr(msg, field).CopyFrom(value)
    return msg


def multicast_group(group_id: int, replicas: list[tuple[int, int]]) -> p4runtime_pb2.Entity:
    """Replicas as (port, instance/rid) pairs, in order."""
    msg = p4runtime_pb2.Entity()
    grp = msg.packet_replication_engine_entry.multicast_group_entry
    grp.multicast_group_id = group_id
    for port, rid in replicas:
        grp.replicas.add(egress_port=port, instance=rid)
    return msg


# ------------------------------------------------------------------ externs and profiles
# Module-level builders for the entities tests read and write besides table
# entries; kept separate from P4InfoHelper's methods so existing callers are
# untouched.


def action_profile_member(helper: P4InfoHelper, profile: str, member_id: int, action: str,
                          params: Mapping[str, Value] | None = None) -> p4runtime_pb2.Entity:
    """A member of an action profile/selector: one action with its parameters."""
    msg = p4runtime_pb2.Entity()
    mem = msg.action_profile_member
    mem.action_profile_id = helper.id("action_profiles", profile)
    mem.member_id = member_id
    mem.action.CopyFrom(helper.action_msg(action, params))
    return msg


def action_profile_group(helper: P4InfoHelper, profile: str, group_id: int, member_ids: list[int],
                         max_size: int = 0) -> p4runtime_pb2.Entity:
    """A group of an action selector (members of weight 1, in order)."""
    msg = p4runtime_pb2.Entity()
    grp = msg.action_profile_group
    grp.action_profile_id = helper.id("action_profiles", profile)
    grp.group_id = group_id
    grp.max_size = max_size
    for mid in member_ids:
        grp.members.add(member_id=mid, weight=1)
    return msg


def counter_entry(helper: P4InfoHelper, counter: str, index: int | None = None) -> p4runtime_pb2.Entity:
    """A CounterEntry for Read; ``index`` None reads every cell."""
    msg = p4runtime_pb2.Entity()
    msg.counter_entry.counter_id = helper.id("counters", counter)
    if index is not None:
        msg.counter_entry.index.index = index
    return msg


def digest_entry(helper: P4InfoHelper, digest: str, max_timeout_ns: int = 0, max_list_size: int = 1,
                 ack_timeout_ns: int = 0) -> p4runtime_pb2.Entity:
    """The DigestEntry that turns a digest's stream on (P4Runtime 9.7)."""
    msg = p4runtime_pb2.Entity()
    d = msg.digest_entry
    d.digest_id = helper.id("digests", digest)
    d.config.max_timeout_ns = max_timeout_ns
    d.config.max_list_size = max_list_size
    d.config.ack_timeout_ns = ack_timeout_ns
    return msg
