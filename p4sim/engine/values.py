"""Python classes for a program's headers, structs and unions, and the
byte-level extract/emit functions for its headers.

Each P4 type becomes a generated slotted class (attribute ``f_<field>`` per
field, ``valid`` on headers) so that field access in the pipeline is a plain
attribute access, and each header type gets straight-line extract/emit code
with its shifts and masks computed once, here.
"""

from __future__ import annotations

from typing import Any

from p4sim import ir
from p4sim.engine.support import HeaderStack, PacketIn, ParserError

__all__ = ["TypeClasses"]


def _fname(name: str) -> str:
    return "f_" + name


def scalar_default(t: ir.Type) -> str:
    """Source text of the zero value of a non-composite type."""
    if isinstance(t, ir.BoolType):
        return "False"
    if isinstance(t, ir.VarbitType):
        return "(0, 0)"
    if isinstance(t, ir.EnumType) and t.underlying is None:
        return repr(f"{t.name}.{t.members[0]}") if t.members else "None"
    if isinstance(t, ir.TupleType):
        return "(" + "".join(scalar_default(e) + ", " for e in t.elements) + ")"
    if isinstance(t, ir.StringType):
        return "''"
    return "0"


def is_composite(t: ir.Type) -> bool:
    return isinstance(t, (ir.StructLikeType, ir.StackType))


class TypeClasses:
    """Builds and caches the classes and header codecs of one program."""

    def __init__(self, error_codes: dict[str, int]):
        self.env: dict[str, Any] = {"HeaderStack": HeaderStack, "ParserError": ParserError, "PacketIn": PacketIn}
        self.names: dict[int, str] = {}
        self.too_short = error_codes.get("PacketTooShort", 1)
        self.header_too_short = error_codes.get("HeaderTooShort", 4)
        self._n = 0

    # ---------------------------------------------------------------- classes
    def cls_name(self, t: ir.StructLikeType) -> str:
        key = id(t)
        if key not in self.names:
            self._n += 1
            name = f"T{self._n}_{t.name}"
            self.names[key] = name
            self._build(t, name)
        return self.names[key]

    def factory(self, t: ir.Type) -> str:
        """Source text that creates a fresh (zero/invalid) value of ``t``."""
        if isinstance(t, ir.StructLikeType):
            return f"{self.cls_name(t)}()"
        if isinstance(t, ir.StackType):
            elem = t.element
            assert isinstance(elem, ir.StructLikeType)
            return f"HeaderStack({self.cls_name(elem)}, {t.size})"
        return scalar_default(t)

    def _build(self, t: ir.StructLikeType, name: str) -> None:
        fields = [_fname(f.name) for f in t.fields]
        is_header = isinstance(t, ir.HeaderType)
        is_union = isinstance(t, ir.HeaderUnionType)
        slots = (["valid"] if is_header else []) + fields
        src = [f"class {name}:", f"    __slots__ = {tuple(slots)!r}", "    p4type = None"]
        init = ["    def __init__(self):"]
        if is_header:
            init.append("        self.valid = False")
        for f, fn in zip(t.fields, fields, strict=True):
            init.append(f"        self.{fn} = {self.factory(f.type)}")
        if len(init) == 1:
            init.append("        pass")
        src += init
        # reset: zero the fields (setValid on an invalid header, new packets)
        src.append("    def reset(self):")
        if is_header:
            src.append("        self.valid = False")
        body = []
        for f, fn in zip(t.fields, fields, strict=True):
            if is_composite(f.type):
                body.append(f"        self.{fn}.reset()")
            else:
                body.append(f"        self.{fn} = {scalar_default(f.type)}")
        src += body or ["        pass"]
        if is_header:
            src.append("    def zero(self):")
            zero = [f"        self.{fn} = {scalar_default(f.type)}" for f, fn in zip(t.fields, fields, strict=True)]
            src += zero or ["        pass"]
        # copy / set_from
        src.append("    def copy(self):")
        src.append(f"        o = {name}.__new__({name})")
        if is_header:
            src.append("        o.valid = self.valid")
        for f, fn in zip(t.fields, fields, strict=True):
            if is_composite(f.type):
                src.append(f"        o.{fn} = self.{fn}.copy()")
            else:
                src.append(f"        o.{fn} = self.{fn}")
        src.append("        return o")
        src.append("    def set_from(self, o):")
        if is_header:
            src.append("        self.valid = o.valid")
        for f, fn in zip(t.fields, fields, strict=True):
            if is_composite(f.type):
                src.append(f"        self.{fn}.set_from(o.{fn})")
            else:
                src.append(f"        self.{fn} = o.{fn}")
        if not t.fields and not is_header:
            src.append("        pass")
        # equality: two invalid headers are equal whatever their fields
        src.append("    def __eq__(self, o):")
        if is_header:
            cmp = " and ".join(f"self.{fn} == o.{fn}" for fn in fields) or "True"
            src.append(f"        return self.valid == o.valid and (not self.valid or ({cmp}))")
        elif is_union:
            src.append(
                "        return " + (" and ".join(f"self.{fn} == o.{fn}" for fn in fields) or "True")
            )
        else:
            src.append("        return " + (" and ".join(f"self.{fn} == o.{fn}" for fn in fields) or "True"))
        src.append("    __hash__ = None")
        if is_union:
            src.append("    def is_valid(self):")
            src.append("        return " + (" or ".join(f"self.{fn}.valid" for fn in fields) or "False"))
            src.append("    def only(self, keep):")
            for fn in fields:
                src.append(f"        if self.{fn} is not keep: self.{fn}.valid = False")
            if not fields:
                src.append("        pass")
        exec("\n".join(src), self.env)  # noqa: S102 - our own generated source
        self.env[name].p4type = t

    # ---------------------------------------------------------------- codecs
    def header_layout(self, t: ir.HeaderType) -> list[tuple[str, int, int, ir.Type]]:
        """(attribute, shift, width, type) per field for a fixed-size header."""
        total = t.bit_width()
        out = []
        pos = total
        for f in t.fields:
            w = f.type.bit_width()
            pos -= w
            out.append((_fname(f.name), pos, w, f.type))
        return out

    def has_varbit(self, t: ir.HeaderType) -> bool:
        return any(isinstance(f.type, ir.VarbitType) for f in t.fields)

    def extractor(self, t: ir.HeaderType) -> str:
        """Name of ``ext(h, pkt)`` that fills h from the packet or raises
        ParserError(PacketTooShort) leaving h untouched."""
        key = f"ext_{self.cls_name(t)}"
        if key in self.env:
            return key
        if self.has_varbit(t):
            self._varbit_codecs(t, key)
            return key
        total = t.bit_width()
        if total % 8:
            raise ValueError(f"header {t.name} is {total} bits: BMv2 needs whole bytes")
        nbytes = total // 8
        src = [
            f"def {key}(h, pkt):",
            "    p = pkt.pos",
            f"    e = p + {nbytes}",
            "    if e > pkt.n:",
            f"        raise ParserError({self.too_short})",
            "    v = int.from_bytes(pkt.data[p:e], 'big')",
            "    pkt.pos = e",
        ]
        for attr, shift, w, ft in self.header_layout(t):
            val = f"v >> {shift}" if shift else "v"
            if shift + w < total:
                val = f"({val}) & {(1 << w) - 1:#x}"
            if isinstance(ft, ir.BoolType):
                val = f"bool({val})"
            src.append(f"    h.{attr} = {val}")
        src.append("    h.valid = True")
        exec("\n".join(src), self.env)  # noqa: S102
        return key

    def emitter(self, t: ir.HeaderType) -> str:
        """Name of ``emit(h, out)`` appending h's bytes to out when valid."""
        key = f"emit_{self.cls_name(t)}"
        if key in self.env:
            return key
        if self.has_varbit(t):
            self.extractor(t)
            return key
        total = t.bit_width()
        nbytes = total // 8
        parts = []
        for attr, shift, _w, ft in self.header_layout(t):
            v = f"h.{attr}"
            if isinstance(ft, ir.BoolType):
                v = f"int({v})"
            parts.append(f"({v} << {shift})" if shift else v)
        expr = " | ".join(parts) or "0"
        src = [
            f"def {key}(h, out):",
            "    if h.valid:",
            f"        out.append(({expr}).to_bytes({nbytes}, 'big'))",
        ]
        exec("\n".join(src), self.env)  # noqa: S102
        return key

    def packer(self, t: ir.HeaderType) -> str:
        """Name of ``pack(h) -> bytes`` (regardless of validity), for
        lookahead of a header type and controller headers."""
        key = f"pack_{self.cls_name(t)}"
        if key in self.env:
            return key
        emit = self.emitter(t)
        src = [f"def {key}(h):", "    out = []", "    v = h.valid", "    h.valid = True",
               f"    {emit}(h, out)", "    h.valid = v", "    return b''.join(out)"]
        exec("\n".join(src), self.env)  # noqa: S102
        return key

    def _varbit_codecs(self, t: ir.HeaderType, ext_key: str) -> None:
        """Headers with a varbit field: the layout depends on the run-time
        size, so a generic (slower) codec is used."""
        fields = [(_fname(f.name), f.type) for f in t.fields]
        too_short = self.too_short
        header_too_short = self.header_too_short

        def ext(h: Any, pkt: PacketIn, vbits: int = 0) -> None:
            fixed = sum(0 if isinstance(ft, ir.VarbitType) else ft.bit_width() for _, ft in fields)
            vmax = next(ft.max_width for _, ft in fields if isinstance(ft, ir.VarbitType))
            if vbits > vmax or vbits % 8:
                raise ParserError(header_too_short)
            total = fixed + vbits
            nbytes = total // 8
            if pkt.pos + nbytes > pkt.n:
                raise ParserError(too_short)
            v = int.from_bytes(pkt.data[pkt.pos : pkt.pos + nbytes], "big")
            pkt.pos += nbytes
            pos = total
            for attr, ft in fields:
                if isinstance(ft, ir.VarbitType):
                    pos -= vbits
                    setattr(h, attr, (vbits, (v >> pos) & ((1 << vbits) - 1)))
                else:
                    w = ft.bit_width()
                    pos -= w
                    val = (v >> pos) & ((1 << w) - 1)
                    setattr(h, attr, bool(val) if isinstance(ft, ir.BoolType) else val)
            h.valid = True

        def emit(h: Any, out: list[bytes]) -> None:
            if not h.valid:
                return
            acc = 0
            nbits = 0
            for attr, ft in fields:
                val = getattr(h, attr)
                if isinstance(ft, ir.VarbitType):
                    w, val = val
                else:
                    w = ft.bit_width()
                    val = int(val)
                acc = (acc << w) | val
                nbits += w
            out.append(acc.to_bytes(nbits // 8, "big"))

        self.env[ext_key] = ext
        self.env[f"emit_{self.cls_name(t)}"] = emit
