"""P4Info from a checked program, field for field as p4c writes it for
``--target bmv2 --arch v1model``.

The work happens in two passes, as in p4c: every control-plane visible name is
first entered in a SymbolTable (IDs and aliases depend on the whole set), then
the messages are built reading IDs back. Entity order follows p4c's discovery
order where that is cheap to reproduce; consumers must not depend on it.
"""

from __future__ import annotations

import re

from finsy.proto.p4.config.v1 import p4info_pb2

from p4sim import ir
from p4sim.errors import P4CompileError

from .annotations import documentation, explicit_id, exported, fill_preamble, int_value, is_hidden
from .ids import Kind, SymbolTable, allocate_field_ids
from .reach import reachable, table_actions
from .typespec import TypeSpecConverter, bytes_of, p4info_width

_EXTERN_KINDS = {
    "counter": Kind.COUNTER,
    "direct_counter": Kind.DIRECT_COUNTER,
    "meter": Kind.METER,
    "direct_meter": Kind.DIRECT_METER,
    "register": Kind.REGISTER,
    "action_profile": Kind.ACTION_PROFILE,
    "action_selector": Kind.ACTION_PROFILE,
}

_MATCH_TYPES = {
    "exact": p4info_pb2.MatchField.EXACT,
    "lpm": p4info_pb2.MatchField.LPM,
    "ternary": p4info_pb2.MatchField.TERNARY,
    "range": p4info_pb2.MatchField.RANGE,
    "optional": p4info_pb2.MatchField.OPTIONAL,
}

_COUNTER_UNITS = {
    "packets": p4info_pb2.CounterSpec.PACKETS,
    "bytes": p4info_pb2.CounterSpec.BYTES,
    "packets_and_bytes": p4info_pb2.CounterSpec.BOTH,
}

_METER_UNITS = {"packets": p4info_pb2.MeterSpec.PACKETS, "bytes": p4info_pb2.MeterSpec.BYTES}

_SELECTOR_ANNOTATIONS = frozenset({"max_group_size", "selector_size_semantics", "max_member_weight"})


def generate(program: ir.Program) -> p4info_pb2.P4Info:
    """The P4Info p4c would write for ``program``; raises P4CompileError for
    what p4c rejects at this stage (bad or duplicate ``@id``)."""
    return _Builder(program).build()


def _const_int(e: ir.Expr, what: str, loc: ir.SourceLoc) -> int:
    if isinstance(e, ir.Const) and isinstance(e.value, int):
        return int(e.value)
    raise P4CompileError(loc, f"{what} must be a compile-time constant")


def _enum_member(e: ir.Expr, what: str, loc: ir.SourceLoc) -> str:
    if isinstance(e, ir.EnumMember):
        return e.member
    raise P4CompileError(loc, f"{what} must be an enum member")


def _digest_name(t: ir.Type, auto: dict[int, str]) -> str:
    if isinstance(t, ir.StructLikeType):
        return t.name
    # p4c names digests of anonymous types digest_0, digest_1, ... per call.
    return auto.setdefault(id(t), f"digest_{len(auto)}")


class _Builder:
    """One P4Info under construction; holds the symbol table and type_info
    converter that every entity shares."""

    def __init__(self, program: ir.Program):
        self.program = program
        self.reach = reachable(program)
        self.actions = table_actions(self.reach, program)
        self.symbols = SymbolTable()
        self.p4info = p4info_pb2.P4Info()
        self.types = TypeSpecConverter(self.p4info.type_info, program.errors)
        self.digest_names: dict[int, str] = {}

    # ------------------------------------------------------------- pass 1

    def collect(self) -> None:
        s = self.symbols
        for a in self.actions:
            s.add(Kind.ACTION, a.cp_name, explicit_id(a.annotations, a.loc), a.loc)
        for t in self.reach.tables:
            s.add(Kind.TABLE, t.cp_name, explicit_id(t.annotations, t.loc), t.loc)
        for e in self.reach.externs:
            kind = _EXTERN_KINDS.get(e.type.name)
            if kind is not None:
                s.add(kind, e.cp_name, explicit_id(e.annotations, e.loc), e.loc)
        for d in self.program.digests:
            s.add(Kind.DIGEST, _digest_name(d.type, self.digest_names), None, d.loc)
        for vs in self.program.value_sets:
            s.add(Kind.VALUE_SET, vs.cp_name, explicit_id(vs.annotations, vs.loc), vs.loc)
        for h in self.program.controller_headers.values():
            s.add(Kind.CONTROLLER_HEADER, h.name, explicit_id(h.annotations, h.loc), h.loc)
        self.check_unique_names()
        s.assign()

    def check_unique_names(self) -> None:
        """Two distinct tables (or externs, or value sets) under one name would
        be one P4Info entity to a controller; p4c refuses that. Actions are
        exempt: p4c merges same-named copies of one top-level action."""
        seen: dict[tuple[str, str], object] = {}
        things: list[tuple[str, str, object, ir.SourceLoc]] = [
            ("table", t.cp_name, t, t.loc) for t in self.reach.tables
        ]
        things += [("extern", e.cp_name, e, e.loc) for e in self.reach.externs if e.type.name in _EXTERN_KINDS]
        things += [("value set", v.cp_name, v, v.loc) for v in self.program.value_sets]
        for kind, name, obj, loc in things:
            first = seen.setdefault((kind, name), obj)
            if first is not obj:
                raise P4CompileError(
                    loc, f"name '{name}' is used for multiple {kind} objects (first at {first.loc})"  # type: ignore[attr-defined]
                )

    # ------------------------------------------------------------- pass 2

    def build(self) -> p4info_pb2.P4Info:
        self.collect()
        self.p4info.pkg_info.arch = "v1model"
        self.p4info.type_info.SetInParent()
        for t in self.reach.tables:
            if not is_hidden(t.annotations):
                self.add_table(t)
        for a in self.actions:
            if not is_hidden(a.annotations):
                self.add_action(a)
        for e in self.reach.externs:
            self.add_extern(e)
        for d in self.program.digests:
            self.add_digest(d)
        for vs in self.program.value_sets:
            self.add_value_set(vs)
        for h in self.program.controller_headers.values():
            if not is_hidden(h.annotations):
                self.add_controller_header(h)
        self.add_pkg_info()
        return self.p4info

    def preamble(self, msg, kind: Kind, name: str, annotations, loc, exclude=frozenset()) -> None:
        fill_preamble(
            msg.preamble, self.symbols.id(kind, name), name, self.symbols.alias(name), annotations, loc, exclude
        )

    # -------------------------------------------------------------- tables

    def add_table(self, t: ir.Table) -> None:
        msg = self.p4info.tables.add()
        self.preamble(msg, Kind.TABLE, t.cp_name, t.annotations, t.loc)
        self.add_match_fields(msg, t)
        refs = list(t.actions)
        default = t.default_action.action
        if all(r.action.cp_name != default.cp_name for r in refs):
            # p4c adds NoAction as @defaultonly when a table has no
            # default_action; the IR may carry only the default itself.
            refs.append(ir.ActionRef(default, annotations=(ir.Annotation("defaultonly"),), scope="default_only"))
        for ref in refs:
            ar = msg.action_refs.add()
            ar.id = self.symbols.id(Kind.ACTION, ref.action.cp_name)
            ar.annotations.extend(exported(ref.annotations))
            ar.scope = {
                "all": p4info_pb2.ActionRef.TABLE_AND_DEFAULT,
                "table_only": p4info_pb2.ActionRef.TABLE_ONLY,
                "default_only": p4info_pb2.ActionRef.DEFAULT_ONLY,
            }[ref.scope]
        default_id = self.symbols.id(Kind.ACTION, default.cp_name)
        if t.default_const:
            msg.const_default_action_id = default_id
        msg.initial_default_action.action_id = default_id
        params = default.cp_params
        if len(params) != len(t.default_action.args):
            raise P4CompileError(t.loc, f"default action of {t.cp_name} has the wrong number of arguments")
        ids = self.param_ids(default)
        for pid, p, arg in zip(ids, params, t.default_action.args, strict=True):
            a = msg.initial_default_action.arguments.add()
            a.param_id = pid
            a.value = bytes_of(int(arg.value), self.param_width(p) or 1)  # type: ignore[arg-type]
        if t.implementation is not None:
            msg.implementation_id = self.symbols.id(Kind.ACTION_PROFILE, t.implementation.cp_name)
        if t.counters is not None:
            msg.direct_resource_ids.append(self.symbols.id(Kind.DIRECT_COUNTER, t.counters.cp_name))
        if t.meters is not None:
            msg.direct_resource_ids.append(self.symbols.id(Kind.DIRECT_METER, t.meters.cp_name))
        msg.size = t.size
        msg.idle_timeout_behavior = (
            p4info_pb2.Table.NOTIFY_CONTROL if t.support_timeout else p4info_pb2.Table.NO_TIMEOUT
        )
        if t.entries_const:
            msg.is_const_table = True
        if t.entries_const or t.entries:
            msg.has_initial_entries = True
        self.add_direct_resources(t, msg.preamble.id)

    def add_match_fields(self, msg: p4info_pb2.Table, t: ir.Table) -> None:
        ids = allocate_field_ids(
            [explicit_id(k.annotations, k.loc) for k in t.keys], [k.name for k in t.keys], t.loc
        )
        for fid, k in zip(ids, t.keys, strict=True):
            if k.match_kind == "selector":
                continue
            mf = msg.match_fields.add()
            mf.id = fid
            mf.name = k.name
            mf.annotations.extend(exported(k.annotations))
            doc = documentation(k.annotations, k.loc)
            if doc is not None:
                mf.doc.CopyFrom(doc)
            mf.bitwidth = self.key_width(k)
            if k.match_kind in _MATCH_TYPES:
                mf.match_type = _MATCH_TYPES[k.match_kind]
            else:
                mf.other_match_type = k.match_kind
            nt = ir.newtype_of(k.expr.type)
            if nt is not None:
                mf.type_name.name = nt.name

    def key_width(self, k: ir.KeyElement) -> int:
        t = k.expr.type
        if isinstance(t, ir.ErrorType):
            return 0
        if isinstance(t, ir.EnumType | ir.StructLikeType) or ir.newtype_of(t) is not None:
            self.types.convert(t)
        return p4info_width(t)

    # ------------------------------------------------------------- actions

    def param_ids(self, a: ir.Action) -> list[int]:
        params = a.cp_params
        return allocate_field_ids([explicit_id(p.annotations, p.loc) for p in params], [p.name for p in params], a.loc)

    def param_width(self, p: ir.Param) -> int | None:
        t = p.type
        if isinstance(t, ir.EnumType) and t.underlying is None:
            return None
        if not isinstance(t, ir.BitsType | ir.BoolType | ir.EnumType):
            raise P4CompileError(
                p.loc, f"action parameter {p.name} has a type which is not bit<>, int<>, bool or an enum"
            )
        return p4info_width(t)

    def add_action(self, a: ir.Action) -> None:
        msg = self.p4info.actions.add()
        self.preamble(msg, Kind.ACTION, a.cp_name, a.annotations, a.loc)
        for pid, p in zip(self.param_ids(a), a.cp_params, strict=True):
            pm = msg.params.add()
            pm.id = pid
            pm.name = p.name
            pm.annotations.extend(exported(p.annotations))
            doc = documentation(p.annotations, p.loc)
            if doc is not None:
                pm.doc.CopyFrom(doc)
            width = self.param_width(p)
            if width is not None:
                pm.bitwidth = width
            if isinstance(p.type, ir.EnumType):
                self.types.convert(p.type)
                if p.type.underlying is None:
                    pm.type_name.name = p.type.name
            nt = ir.newtype_of(p.type)
            if nt is not None:
                self.types.convert(p.type)
                pm.type_name.name = nt.name

    # ------------------------------------------------------------- externs

    def add_extern(self, e: ir.ExternInstance) -> None:
        kind = _EXTERN_KINDS.get(e.type.name)
        if kind is None or kind in (Kind.DIRECT_COUNTER, Kind.DIRECT_METER):
            return  # direct resources are emitted with the table owning them
        if kind is Kind.COUNTER:
            msg = self.p4info.counters.add()
            self.preamble(msg, kind, e.cp_name, e.annotations, e.loc)
            msg.spec.unit = _COUNTER_UNITS.get(_enum_member(e.arg("type"), "counter type", e.loc), 0)
            msg.size = _const_int(e.arg("size"), "counter size", e.loc)
        elif kind is Kind.METER:
            msg = self.p4info.meters.add()
            self.preamble(msg, kind, e.cp_name, e.annotations, e.loc)
            msg.spec.unit = _METER_UNITS.get(_enum_member(e.arg("type"), "meter type", e.loc), 0)
            msg.size = _const_int(e.arg("size"), "meter size", e.loc)
        elif kind is Kind.REGISTER:
            msg = self.p4info.registers.add()
            self.preamble(msg, kind, e.cp_name, e.annotations, e.loc)
            if not e.type.type_args:
                raise P4CompileError(e.loc, f"register {e.cp_name} has no element type")
            msg.type_spec.CopyFrom(self.types.convert(e.type.type_args[0]))
            msg.size = _const_int(e.arg("size"), "register size", e.loc)
        else:
            self.add_action_profile(e)

    def add_action_profile(self, e: ir.ExternInstance) -> None:
        msg = self.p4info.action_profiles.add()
        self.preamble(msg, Kind.ACTION_PROFILE, e.cp_name, e.annotations, e.loc, _SELECTOR_ANNOTATIONS)
        users = sorted(
            (t.cp_name for t in self.reach.tables if t.implementation is e), key=lambda n: n.encode()
        )
        msg.table_ids.extend(self.symbols.id(Kind.TABLE, n) for n in users)
        msg.with_selector = e.type.name == "action_selector"
        msg.size = _const_int(e.arg("size"), "action profile size", e.loc)
        if not msg.with_selector:
            return
        anns = {a.name: a for a in e.annotations}
        if "max_group_size" in anns:
            msg.max_group_size = int_value(anns["max_group_size"], e.loc)
        if "selector_size_semantics" in anns:
            body = (anns["selector_size_semantics"].body or "").strip().strip('"').lower()
            if body == "sum_of_weights":
                msg.sum_of_weights.SetInParent()
            elif body == "sum_of_members":
                msg.sum_of_members.SetInParent()
                if "max_member_weight" in anns:
                    msg.sum_of_members.max_member_weight = int_value(anns["max_member_weight"], e.loc)
            else:
                raise P4CompileError(e.loc, f"@selector_size_semantics: unknown value ({body})")

    def add_direct_resources(self, t: ir.Table, table_id: int) -> None:
        """Direct counters and meters are described with the one table that
        owns them (p4c emits them from the table, not from the declaration)."""
        if t.counters is not None:
            e = t.counters
            msg = self.p4info.direct_counters.add()
            self.preamble(msg, Kind.DIRECT_COUNTER, e.cp_name, e.annotations, e.loc)
            msg.spec.unit = _COUNTER_UNITS.get(_enum_member(e.arg("type"), "counter type", e.loc), 0)
            msg.direct_table_id = table_id
        if t.meters is not None:
            e = t.meters
            msg = self.p4info.direct_meters.add()
            self.preamble(msg, Kind.DIRECT_METER, e.cp_name, e.annotations, e.loc)
            msg.spec.unit = _METER_UNITS.get(_enum_member(e.arg("type"), "meter type", e.loc), 0)
            msg.direct_table_id = table_id

    # ----------------------------------------------------- digests, sets, io

    def add_digest(self, d: ir.DigestSite) -> None:
        name = _digest_name(d.type, self.digest_names)
        pid = self.symbols.id(Kind.DIGEST, name)
        if any(x.preamble.id == pid for x in self.p4info.digests):
            return
        msg = self.p4info.digests.add()
        fill_preamble(msg.preamble, pid, name, self.symbols.alias(name), (), d.loc)
        msg.type_spec.CopyFrom(self.types.convert(d.type))

    def add_value_set(self, vs: ir.ValueSet) -> None:
        msg = self.p4info.value_sets.add()
        self.preamble(msg, Kind.VALUE_SET, vs.cp_name, vs.annotations, vs.loc)
        msg.size = vs.size
        et = vs.element_type
        if isinstance(et, ir.BitsType):
            m = msg.match.add()
            m.id = 1
            m.bitwidth = et.width
            m.match_type = p4info_pb2.MatchField.EXACT
        elif isinstance(et, ir.StructType):
            ids = allocate_field_ids(
                [explicit_id(f.annotations, f.loc) for f in et.fields], [f.name for f in et.fields], vs.loc
            )
            for fid, f in zip(ids, et.fields, strict=True):
                if not isinstance(f.type, ir.BitsType):
                    raise P4CompileError(f.loc, f"value set {vs.cp_name}: field {f.name} is not of type bit<W>")
                m = msg.match.add()
                m.id = fid
                m.name = f.name
                m.bitwidth = f.type.width
                kind_ann = next((a for a in f.annotations if a.name == "match"), None)
                kind = (kind_ann.body or "exact").strip() if kind_ann else "exact"
                if kind in _MATCH_TYPES:
                    m.match_type = _MATCH_TYPES[kind]
                else:
                    m.other_match_type = kind
                m.annotations.extend(exported(f.annotations, frozenset({"match"})))
                doc = documentation(f.annotations, f.loc)
                if doc is not None:
                    m.doc.CopyFrom(doc)
        elif isinstance(et, ir.EnumType) and et.underlying is not None:
            for index, member in enumerate(et.members, start=1):
                m = msg.match.add()
                m.id = index
                m.name = member
                m.bitwidth = et.underlying.width
                m.match_type = p4info_pb2.MatchField.EXACT
        else:
            raise P4CompileError(
                vs.loc, f"value set {vs.cp_name}: element type must be bit<W>, a struct of bit<W> or an enum"
            )

    def add_controller_header(self, h: ir.HeaderType) -> None:
        msg = self.p4info.controller_packet_metadata.add()
        controller_name = next(k for k, v in self.program.controller_headers.items() if v is h)
        fill_preamble(
            msg.preamble,
            self.symbols.id(Kind.CONTROLLER_HEADER, h.name),
            controller_name,
            controller_name,
            h.annotations,
            h.loc,
        )
        ids = allocate_field_ids(
            [explicit_id(f.annotations, f.loc) for f in h.fields], [f.name for f in h.fields], h.loc
        )
        for fid, f in zip(ids, h.fields, strict=True):
            if is_hidden(f.annotations):
                continue
            m = msg.metadata.add()
            m.id = fid
            m.name = f.name
            m.annotations.extend(exported(f.annotations))
            if not isinstance(f.type, ir.BitsType | ir.EnumType):
                raise P4CompileError(f.loc, f"controller header field {f.name} is not bit<>, int<> or an enum")
            m.bitwidth = p4info_width(f.type)
            if isinstance(f.type, ir.EnumType):
                self.types.convert(f.type)
            nt = ir.newtype_of(f.type)
            if nt is not None:
                self.types.convert(f.type)
                m.type_name.name = nt.name

    def add_pkg_info(self) -> None:
        pkg = self.p4info.pkg_info
        anns = self.program.main_annotations
        for a in anns:
            if a.name != "pkginfo":
                continue
            for key, value in _KV.findall(a.body or ""):
                if key not in ("name", "version", "organization", "contact", "url", "arch"):
                    continue
                setattr(pkg, key, _unquote(value))
        pkg.annotations.extend(exported(anns, frozenset({"pkginfo"})))
        doc = documentation(anns, None)
        if doc is not None:
            pkg.doc.CopyFrom(doc)


_KV = re.compile(r'(\w+)\s*=\s*("(?:[^"\\]|\\.)*")')


def _unquote(s: str) -> str:
    return s[1:-1].encode().decode("unicode_escape")
