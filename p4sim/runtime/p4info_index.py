"""ID <-> name maps over a P4Info, with what the server needs per entity.

P4Runtime speaks in numeric IDs and the engine in control-plane names. This
index is built once per committed pipeline so that a Write of thousands of
entries does dictionary lookups only. An unknown ID is an InvalidArgument,
as PI ("Invalid P4 id") answers it for BMv2, naming the kind and the ID."""

from __future__ import annotations

from dataclasses import dataclass, field

from finsy.proto.p4.config.v1 import p4info_pb2 as p4i

from p4sim.errors import InvalidArgument

MATCH_KINDS = {
    p4i.MatchField.EXACT: "exact",
    p4i.MatchField.LPM: "lpm",
    p4i.MatchField.TERNARY: "ternary",
    p4i.MatchField.RANGE: "range",
    p4i.MatchField.OPTIONAL: "optional",
}
SCOPES = {
    p4i.ActionRef.TABLE_AND_DEFAULT: "all",
    p4i.ActionRef.TABLE_ONLY: "table_only",
    p4i.ActionRef.DEFAULT_ONLY: "default_only",
}
# Top byte of each kind's IDs (p4info.proto P4Ids.Prefix).
PREFIX_DIRECT_COUNTER = 0x13
PREFIX_DIRECT_METER = 0x15


@dataclass(slots=True)
class FieldInfo:
    id: int
    name: str
    width: int
    kind: str  # exact, lpm, ternary, range, optional


@dataclass(slots=True)
class ParamInfo:
    id: int
    name: str
    width: int


@dataclass(slots=True)
class ActionInfo:
    id: int
    name: str
    params: list[ParamInfo]
    params_by_id: dict[int, ParamInfo]


@dataclass(slots=True)
class TableInfo:
    id: int
    name: str
    fields: list[FieldInfo]
    fields_by_id: dict[int, FieldInfo]
    index_of: dict[int, int]  # field id -> position in the key
    actions: dict[int, str]  # action id -> scope
    const_default_action_id: int
    profile_id: int  # 0 if the table has no implementation
    direct_counter_id: int
    direct_meter_id: int
    size: int
    idle_timeout: bool
    is_const: bool
    needs_priority: bool


@dataclass(slots=True)
class ProfileInfo:
    id: int
    name: str
    table_ids: list[int]
    with_selector: bool
    size: int
    max_group_size: int


@dataclass(slots=True)
class ExternInfo:
    """A counter, meter or register array (indexed) or a direct one (table)."""

    id: int
    name: str
    size: int = 0
    table_id: int = 0
    unit: int = 0
    width: int = 0  # register cell width


@dataclass(slots=True)
class DigestInfo:
    id: int
    name: str
    widths: list[int]  # bitstring members of the struct (or one bitstring)
    kind: str  # "struct", "tuple" or "bitstring"


@dataclass(slots=True)
class MetadataInfo:
    id: int
    name: str
    width: int


@dataclass(slots=True)
class ValueSetInfo:
    id: int
    name: str
    fields: list[FieldInfo]
    size: int


@dataclass(slots=True)
class P4InfoIndex:
    p4info: p4i.P4Info
    tables: dict[int, TableInfo] = field(default_factory=dict)
    actions: dict[int, ActionInfo] = field(default_factory=dict)
    profiles: dict[int, ProfileInfo] = field(default_factory=dict)
    counters: dict[int, ExternInfo] = field(default_factory=dict)
    direct_counters: dict[int, ExternInfo] = field(default_factory=dict)
    meters: dict[int, ExternInfo] = field(default_factory=dict)
    direct_meters: dict[int, ExternInfo] = field(default_factory=dict)
    registers: dict[int, ExternInfo] = field(default_factory=dict)
    digests: dict[int, DigestInfo] = field(default_factory=dict)
    value_sets: dict[int, ValueSetInfo] = field(default_factory=dict)
    packet_in: list[MetadataInfo] = field(default_factory=list)
    packet_out: list[MetadataInfo] = field(default_factory=list)
    action_ids: dict[str, int] = field(default_factory=dict)
    digest_ids: dict[str, int] = field(default_factory=dict)

    # ------------------------------------------------------------- lookups

    def table(self, table_id: int) -> TableInfo:
        try:
            return self.tables[table_id]
        except KeyError:
            raise InvalidArgument(f"invalid P4 id: table id {table_id} not in P4Info") from None

    def action(self, action_id: int) -> ActionInfo:
        try:
            return self.actions[action_id]
        except KeyError:
            raise InvalidArgument(f"invalid P4 id: action id {action_id} not in P4Info") from None

    def profile(self, profile_id: int) -> ProfileInfo:
        try:
            return self.profiles[profile_id]
        except KeyError:
            raise InvalidArgument(f"invalid P4 id: action profile id {profile_id} not in P4Info") from None

    def _get(self, kind: str, table: dict, id_: int):
        try:
            return table[id_]
        except KeyError:
            raise InvalidArgument(f"invalid P4 id: {kind} id {id_} not in P4Info") from None

    def counter(self, id_: int) -> ExternInfo:
        return self._get("counter", self.counters, id_)

    def meter(self, id_: int) -> ExternInfo:
        return self._get("meter", self.meters, id_)

    def register(self, id_: int) -> ExternInfo:
        return self._get("register", self.registers, id_)

    def digest(self, id_: int) -> DigestInfo:
        return self._get("digest", self.digests, id_)

    def value_set(self, id_: int) -> ValueSetInfo:
        return self._get("value set", self.value_sets, id_)


def _fields(match_fields) -> list[FieldInfo]:
    out = []
    for mf in match_fields:
        if mf.WhichOneof("match") == "other_match_type":
            raise InvalidArgument(f"match field {mf.name!r}: match kind {mf.other_match_type!r} unsupported")
        kind = MATCH_KINDS.get(mf.match_type)
        if kind is None:
            raise InvalidArgument(f"match field {mf.name!r}: unspecified match type")
        out.append(FieldInfo(mf.id, mf.name, mf.bitwidth, kind))
    return out


def _bitstring_width(spec: p4i.P4DataTypeSpec, what: str, type_info: p4i.P4TypeInfo | None = None) -> int:
    which = spec.WhichOneof("type_spec")
    if which == "new_type" and type_info is not None:
        # a `type` (p4c: struct members and register cells of type T are new_type {name})
        nt = type_info.new_types.get(spec.new_type.name)
        if nt is None:
            raise InvalidArgument(f"{what}: type {spec.new_type.name!r} not in P4Info type_info.new_types")
        if nt.HasField("translated_type"):
            if nt.translated_type.HasField("sdn_string"):
                raise InvalidArgument(f"{what}: string-translated type {spec.new_type.name!r} is not supported")
            return nt.translated_type.sdn_bitwidth
        return _bitstring_width(nt.original_type, what, type_info)
    if which == "bool":
        return 1
    if which != "bitstring":
        raise InvalidArgument(f"{what}: only bitstring types are supported")
    bs = spec.bitstring
    which = bs.WhichOneof("type_spec")
    if which == "bit":
        return bs.bit.bitwidth
    if which == "int":
        return bs.int.bitwidth
    raise InvalidArgument(f"{what}: varbit is not supported")


def _digest(d: p4i.Digest, type_info: p4i.P4TypeInfo) -> DigestInfo:
    spec = d.type_spec
    which = spec.WhichOneof("type_spec")
    name = d.preamble.name
    if which == "struct":
        st = type_info.structs.get(spec.struct.name)
        if st is None:
            raise InvalidArgument(f"digest {name!r}: struct {spec.struct.name!r} not in P4Info type_info")
        widths = [_bitstring_width(m.type_spec, f"digest {name!r} member {m.name!r}", type_info) for m in st.members]
        return DigestInfo(d.preamble.id, name, widths, "struct")
    if which == "tuple":
        widths = [_bitstring_width(m, f"digest {name!r}", type_info) for m in spec.tuple.members]
        return DigestInfo(d.preamble.id, name, widths, "tuple")
    return DigestInfo(d.preamble.id, name, [_bitstring_width(spec, f"digest {name!r}", type_info)], "bitstring")


def build(p4info: p4i.P4Info) -> P4InfoIndex:
    """Index ``p4info``; refuses duplicate IDs and dangling references,
    which would otherwise surface later as confusing per-entry errors."""
    idx = P4InfoIndex(p4info)
    seen: dict[int, str] = {}

    def claim(pre, kind: str) -> None:
        if pre.id == 0:
            raise InvalidArgument(f"{kind} {pre.name!r} has id 0 in P4Info")
        if pre.id in seen:
            raise InvalidArgument(f"P4Info id {pre.id} used by both {seen[pre.id]} and {kind} {pre.name!r}")
        seen[pre.id] = f"{kind} {pre.name!r}"

    for a in p4info.actions:
        claim(a.preamble, "action")
        params = [ParamInfo(p.id, p.name, p.bitwidth) for p in a.params]
        by_id = {p.id: p for p in params}
        idx.actions[a.preamble.id] = ActionInfo(a.preamble.id, a.preamble.name, params, by_id)
        idx.action_ids[a.preamble.name] = a.preamble.id
    for t in p4info.tables:
        claim(t.preamble, "table")
        fields = _fields(t.match_fields)
        dc = dm = 0
        for rid in t.direct_resource_ids:
            if rid >> 24 == PREFIX_DIRECT_COUNTER:
                dc = rid
            elif rid >> 24 == PREFIX_DIRECT_METER:
                dm = rid
        for ref in t.action_refs:
            if ref.id not in idx.actions:
                raise InvalidArgument(f"table {t.preamble.name!r} refers to unknown action id {ref.id}")
        idx.tables[t.preamble.id] = TableInfo(
            id=t.preamble.id,
            name=t.preamble.name,
            fields=fields,
            fields_by_id={f.id: f for f in fields},
            index_of={f.id: i for i, f in enumerate(fields)},
            actions={ref.id: SCOPES.get(ref.scope, "all") for ref in t.action_refs},
            const_default_action_id=t.const_default_action_id,
            profile_id=t.implementation_id,
            direct_counter_id=dc,
            direct_meter_id=dm,
            size=t.size,
            idle_timeout=t.idle_timeout_behavior == p4i.Table.NOTIFY_CONTROL,
            is_const=t.is_const_table,
            needs_priority=any(f.kind in ("ternary", "range", "optional") for f in fields),
        )
    for p in p4info.action_profiles:
        claim(p.preamble, "action profile")
        idx.profiles[p.preamble.id] = ProfileInfo(
            p.preamble.id, p.preamble.name, list(p.table_ids), p.with_selector, p.size, p.max_group_size
        )
    for c in p4info.counters:
        claim(c.preamble, "counter")
        idx.counters[c.preamble.id] = ExternInfo(
            c.preamble.id, c.preamble.name, size=c.size, unit=c.spec.unit
        )
    for c in p4info.direct_counters:
        claim(c.preamble, "direct counter")
        idx.direct_counters[c.preamble.id] = ExternInfo(
            c.preamble.id, c.preamble.name, table_id=c.direct_table_id, unit=c.spec.unit
        )
    for m in p4info.meters:
        claim(m.preamble, "meter")
        idx.meters[m.preamble.id] = ExternInfo(m.preamble.id, m.preamble.name, size=m.size, unit=m.spec.unit)
    for m in p4info.direct_meters:
        claim(m.preamble, "direct meter")
        idx.direct_meters[m.preamble.id] = ExternInfo(
            m.preamble.id, m.preamble.name, table_id=m.direct_table_id, unit=m.spec.unit
        )
    for r in p4info.registers:
        claim(r.preamble, "register")
        width = _bitstring_width(r.type_spec, f"register {r.preamble.name!r}", p4info.type_info)
        idx.registers[r.preamble.id] = ExternInfo(r.preamble.id, r.preamble.name, size=r.size, width=width)
    for d in p4info.digests:
        claim(d.preamble, "digest")
        idx.digests[d.preamble.id] = _digest(d, p4info.type_info)
        idx.digest_ids[d.preamble.name] = d.preamble.id
    for v in p4info.value_sets:
        claim(v.preamble, "value set")
        idx.value_sets[v.preamble.id] = ValueSetInfo(v.preamble.id, v.preamble.name, _fields(v.match), v.size)
    for cpm in p4info.controller_packet_metadata:
        claim(cpm.preamble, "controller packet metadata")
        md = [MetadataInfo(m.id, m.name, m.bitwidth) for m in cpm.metadata]
        if cpm.preamble.name == "packet_in":
            idx.packet_in = md
        elif cpm.preamble.name == "packet_out":
            idx.packet_out = md
    return idx
