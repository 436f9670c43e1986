"""P4 types as P4Info P4DataTypeSpec, filling ``type_info`` on the way.

Only types that some exported entity uses (a register's element type, a
digest's struct, an enum-typed action parameter or match field) reach
``type_info``, as with p4c's TypeSpecConverter: a program's other headers and
structs stay out of it.
"""

from __future__ import annotations

from finsy.proto.p4.config.v1 import p4types_pb2

from p4sim import ir
from p4sim.errors import P4CompileError

from .annotations import exported


def translation(nt: ir.NewTypeDecl) -> tuple[str, int | None] | None:
    """(uri, W), (uri, None) for a string translation, or None."""
    try:
        return nt.translation()
    except ValueError as e:
        raise P4CompileError(nt.loc, str(e)) from None


def p4info_width(t: ir.Type) -> int:
    """The bitwidth P4Info gives a match field, action parameter or packet
    metadata of type ``t`` (p4c p4RuntimeSerializer.cpp ``getTypeWidth``): W
    for a ``type`` with ``@p4runtime_translation(uri, W)``, 0 for a string
    translation, the width of the type otherwise."""
    nt = ir.newtype_of(t)
    if nt is not None:
        tr = translation(nt)
        if tr is not None:
            return tr[1] or 0
    return t.bit_width()


def bytes_of(value: int, width: int) -> bytes:
    """The padded big-endian byte string p4c writes for constants
    (``stringReprConstant``): ceil(width/8) bytes, never fewer."""
    if value < 0:
        raise ValueError(f"negative value {value} has no P4Runtime byte string")
    nbytes = max(1, (width + 7) // 8)
    if value >> (nbytes * 8):
        raise ValueError(f"value {value} does not fit in {width} bits")
    return value.to_bytes(nbytes, "big")


class TypeSpecConverter:
    """Converts IR types; one instance per P4Info so each named type is
    written to ``type_info`` once."""

    def __init__(self, type_info: p4types_pb2.P4TypeInfo, errors: list[str]):
        self._info = type_info
        self._errors = errors

    def convert(self, t: ir.Type) -> p4types_pb2.P4DataTypeSpec:
        spec = p4types_pb2.P4DataTypeSpec()
        nt = ir.newtype_of(t)
        if nt is not None:
            spec.new_type.name = nt.name
            self._new_type(nt)
        elif isinstance(t, ir.BitsType):
            target = spec.bitstring.int if t.signed else spec.bitstring.bit
            target.bitwidth = t.width
        elif isinstance(t, ir.VarbitType):
            spec.bitstring.varbit.max_bitwidth = t.max_width
        elif isinstance(t, ir.BoolType):
            spec.bool.SetInParent()
        elif isinstance(t, ir.ErrorType):
            spec.error.SetInParent()
            if not self._info.HasField("error"):
                self._info.error.members.extend(self._errors)
        elif isinstance(t, ir.TupleType):
            spec.tuple.SetInParent()
            for element in t.elements:
                spec.tuple.members.append(self.convert(element))
        elif isinstance(t, ir.HeaderType):
            spec.header.name = t.name
            self._header(t)
        elif isinstance(t, ir.HeaderUnionType):
            spec.header_union.name = t.name
            self._header_union(t)
        elif isinstance(t, ir.StructType):
            spec.struct.name = t.name
            self._struct(t)
        elif isinstance(t, ir.StackType):
            self._stack(t, spec)
        elif isinstance(t, ir.EnumType):
            if t.underlying is None:
                spec.enum.name = t.name
                self._enum(t)
            else:
                spec.serializable_enum.name = t.name
                self._serializable_enum(t)
        else:
            raise TypeError(f"type {t} cannot be described in P4Info")
        return spec

    def _struct(self, t: ir.StructType) -> None:
        if t.name in self._info.structs:
            return
        entry = self._info.structs[t.name]
        for f in t.fields:
            member = entry.members.add()
            member.name = f.name
            member.type_spec.CopyFrom(self.convert(f.type))

    def _header(self, t: ir.HeaderType) -> None:
        if t.name in self._info.headers:
            return
        entry = self._info.headers[t.name]
        for f in t.fields:
            member = entry.members.add()
            member.name = f.name
            ftype = f.type
            while ir.newtype_of(ftype) is not None:
                ftype = ftype.newtype.underlying
            if isinstance(ftype, ir.EnumType) and ftype.underlying is not None:
                ftype = ftype.underlying
            elif isinstance(ftype, ir.BoolType):
                ftype = ir.BitsType(1)
            spec = self.convert(ftype)
            member.type_spec.CopyFrom(spec.bitstring)

    def _new_type(self, nt: ir.NewTypeDecl) -> None:
        """p4c TypeSpecConverter::preorder(Type_Newtype): a translated type is
        described by its URI and SDN type, any other by the type at the end of
        its chain of ``type`` declarations; annotations other than the
        translation are exported."""
        if nt.name in self._info.new_types:
            return
        base = nt.base()
        tr = translation(nt)
        if tr is not None and not isinstance(base, ir.BitsType):
            raise P4CompileError(
                nt.loc, f"{nt.name}: P4Runtime requires the underlying type for a user-defined type with the "
                f"@p4runtime_translation annotation to be bit<W>; it cannot be '{base}'")
        base_spec = self.convert(base)
        entry = self._info.new_types[nt.name]
        if tr is not None:
            entry.translated_type.uri = tr[0]
            if tr[1] is None:
                entry.translated_type.sdn_string.SetInParent()
            else:
                entry.translated_type.sdn_bitwidth = tr[1]
        else:
            entry.original_type.CopyFrom(base_spec)
        entry.annotations.extend(exported(nt.annotations, frozenset({"p4runtime_translation"})))

    def _header_union(self, t: ir.HeaderUnionType) -> None:
        if t.name in self._info.header_unions:
            return
        entry = self._info.header_unions[t.name]
        for f in t.fields:
            member = entry.members.add()
            member.name = f.name
            member.header.CopyFrom(self.convert(f.type).header)

    def _stack(self, t: ir.StackType, spec: p4types_pb2.P4DataTypeSpec) -> None:
        element = t.element
        if isinstance(element, ir.HeaderType):
            spec.header_stack.header.name = element.name
            spec.header_stack.size = t.size
            self._header(element)
        elif isinstance(element, ir.HeaderUnionType):
            spec.header_union_stack.header_union.name = element.name
            spec.header_union_stack.size = t.size
            self._header_union(element)
        else:
            raise TypeError(f"stack of {element} cannot be described in P4Info")

    def _enum(self, t: ir.EnumType) -> None:
        if t.name in self._info.enums:
            return
        entry = self._info.enums[t.name]
        for m in t.members:
            entry.members.add().name = m

    def _serializable_enum(self, t: ir.EnumType) -> None:
        if t.name in self._info.serializable_enums:
            return
        assert t.underlying is not None
        entry = self._info.serializable_enums[t.name]
        entry.underlying_type.bitwidth = t.underlying.width
        for m in t.members:
            member = entry.members.add()
            member.name = m
            member.value = bytes_of(t.values[m], t.underlying.width)
