"""Code for v1model and core extern calls (functions and object methods).

Each extern becomes a few lines of Python against the packet context
(``ctx``) and the engine's run-time objects. Flags that v1model defines as
"the last call wins" (clone, resubmit, recirculate, digest, truncate) are
recorded on ``ctx`` and acted on by the pipeline at the end of ingress or
egress, as BMv2 does.
"""

from __future__ import annotations

import random
from typing import TYPE_CHECKING

from p4sim import ir
from p4sim.engine import hashes
from p4sim.engine.codegen_data import flat_values_code, pack_code
from p4sim.engine.pipeline import STD_ROOT

if TYPE_CHECKING:
    from p4sim.engine.codegen import CodeGen

__all__ = ["extern_function", "extern_method", "P4AssertionFailed"]


class P4AssertionFailed(Exception):
    """``assert``/``assume`` false. BMv2 aborts the whole process; p4sim
    drops the packet and logs it instead, so one packet cannot stop a switch."""


def _algo_name(value: str) -> str:
    return value.rsplit(".", 1)[-1]


def _algorithm(gen: CodeGen, e: ir.Expr) -> str:
    """Name of a global holding the hash function for the algo argument."""
    if isinstance(e, ir.EnumMember):
        try:
            fn = hashes.algorithm(e.member)
        except ValueError as exc:
            from p4sim.engine.codegen import CompileError

            raise CompileError(e.loc, str(exc)) from None
        return gen.const(fn)
    lookup = gen.const(lambda v: hashes.algorithm(_algo_name(v)))
    return f"{lookup}({gen.ex(e)})"


def _width(t: ir.Type) -> int:
    return t.bit_width()


def _args(c: ir.ExternFunctionCall | ir.ExternMethodCall) -> list[ir.Expr | None]:
    return [a.value for a in c.args]


def extern_function(gen: CodeGen, c: ir.ExternFunctionCall, as_value: bool) -> str | None:
    out = gen.out
    a = _args(c)
    name = c.name
    if name == "mark_to_drop":
        std = gen.ex(a[0]) if a and a[0] is not None else "ctx.std"
        out.line(f"{std}.f_egress_spec = 511; {std}.f_mcast_grp = 0")
    elif name == "hash":
        res, algo, base, data, mx = a[0], a[1], a[2], a[3], a[4]
        assert res is not None and algo is not None and base is not None and data is not None and mx is not None
        fn = _algorithm(gen, algo)
        w = _width(res.type)
        h, m, b = gen.tmp(), gen.tmp(), gen.tmp()
        out.line(f"{h} = {fn}({pack_code(gen, data)})")
        out.line(f"{m} = {gen.ex(mx)}; {b} = {gen.ex(base)}")
        gen.store(res, f"(({b} + {h} % {m}) if {m} else {b}) & {(1 << w) - 1:#x}")
    elif name in ("verify_checksum", "verify_checksum_with_payload"):
        cond, data, ck, algo = a[0], a[1], a[2], a[3]
        assert cond is not None and data is not None and ck is not None and algo is not None
        fn = _algorithm(gen, algo)
        guard = gen.ex(cond)
        if isinstance(ck, ir.Member) and isinstance(ck.base.type, ir.HeaderType):
            guard = f"{gen.ex(ck.base)}.valid and ({guard})"
        payload = "ctx.payload" if name.endswith("payload") else None
        out.line(f"if {guard}:")
        with out.indent():
            out.line(f"if {fn}({pack_code(gen, data, payload)}) != {gen.ex(ck)}:")
            with out.indent():
                out.line("ctx.cksum_err = 1")
                out.line(f"if ctx.trace: ctx.trace('Checksum verification failed: {ck.loc}')")
    elif name in ("update_checksum", "update_checksum_with_payload"):
        cond, data, ck, algo = a[0], a[1], a[2], a[3]
        assert cond is not None and data is not None and ck is not None and algo is not None
        fn = _algorithm(gen, algo)
        payload = "ctx.payload" if name.endswith("payload") else None
        out.line(f"if {gen.ex(cond)}:")
        with out.indent():
            gen.store(ck, f"{fn}({pack_code(gen, data, payload)}) & {(1 << _width(ck.type)) - 1:#x}")
    elif name == "digest":
        data = a[1]
        assert data is not None
        t = c.type_args[0] if c.type_args else data.type
        dname = getattr(t, "name", str(t))
        vals = flat_values_code(gen, data)
        out.line(f"ctx.digest = ({dname!r}, ({''.join(v + ', ' for v in vals)}))")
    elif name == "clone":
        out.line(f"ctx.clone = ({gen.ex(a[1])}, None)")  # type: ignore[arg-type]
    elif name == "clone3":
        out.line(f"ctx.clone = ({gen.ex(a[1])}, {data_field_list(gen, a[2])})")  # type: ignore[arg-type]
    elif name == "clone_preserving_field_list":
        out.line(f"ctx.clone = ({gen.ex(a[1])}, {gen.ex(a[2])})")  # type: ignore[arg-type]
    elif name == "resubmit_preserving_field_list":
        out.line(f"ctx.resubmit = {gen.ex(a[0])}")  # type: ignore[arg-type]
    elif name == "resubmit":
        out.line(f"ctx.resubmit = {data_field_list(gen, a[0]) if a else -1}")
    elif name == "recirculate_preserving_field_list":
        out.line(f"ctx.recirc = {gen.ex(a[0])}")  # type: ignore[arg-type]
    elif name == "recirculate":
        out.line(f"ctx.recirc = {data_field_list(gen, a[0]) if a else -1}")
    elif name == "truncate":
        out.line(f"ctx.truncate = {gen.ex(a[0])}")  # type: ignore[arg-type]
    elif name == "random":
        res, lo, hi = a[0], a[1], a[2]
        assert res is not None and lo is not None and hi is not None
        rnd = gen.const(random.randint)
        l_, h_ = gen.tmp(), gen.tmp()
        out.line(f"{l_} = {gen.ex(lo)}; {h_} = {gen.ex(hi)}")
        gen.store(res, f"{rnd}({l_}, {h_}) if {l_} <= {h_} else {l_}")
    elif name == "log_msg":
        msg = gen.ex(a[0])  # type: ignore[arg-type]
        if len(a) > 1 and a[1] is not None:
            vals = flat_values_code(gen, a[1])
            fmt = gen.const(_format_log)
            out.line(f"ctx.log_msg({fmt}({msg}, ({''.join(v + ', ' for v in vals)})))")
        else:
            out.line(f"ctx.log_msg({msg})")
    elif name in ("assert", "assume"):
        exc = gen.const(P4AssertionFailed)
        out.line(f"if not {gen.ex(a[0])}:")  # type: ignore[arg-type]
        with out.indent():
            out.line(f"raise {exc}({(name + ' failed at ' + str(c.loc))!r})")
    elif name == "verify":
        out.line(f"if not {gen.ex(a[0])}:")  # type: ignore[arg-type]
        with out.indent():
            out.line(f"raise ParserError({gen.ex(a[1])})")  # type: ignore[arg-type]
    else:
        from p4sim.engine.codegen import CompileError

        raise CompileError(c.loc, f"extern function {name} is not supported")
    return None


FIRST_DATA_FIELD_LIST = 256  # past every @field_list(bit<8>) index


def data_field_list(gen: CodeGen, data: ir.Expr | None) -> int:
    """A field list for the data argument of deprecated clone3/resubmit/
    recirculate: the user and standard metadata fields it names (p4c's BMv2
    back end made a field list of them, which BMv2 copies at the end of the
    block, like @field_list). Other elements (header fields, constants) are
    not preserved. Returns the index registered in ``gen.data_field_lists``."""
    meta_t = gen.p.parser.params[2].type
    std_t = gen.p.parser.params[3].type
    paths: list[tuple[str, ...]] = []

    def leaves(prefix: tuple[str, ...], t: ir.Type) -> None:
        if isinstance(t, ir.StructType):
            for f in t.fields:
                leaves((*prefix, f.name), f.type)
        elif len(prefix) > (1 if prefix[:1] == (STD_ROOT,) else 0):
            paths.append(prefix)

    def walk(e: ir.Expr | None) -> None:
        if isinstance(e, ir.ListExpr):
            for x in e.elements:
                walk(x)
            return
        names: list[str] = []
        cur = e
        while isinstance(cur, ir.Member):
            names.append(cur.name)
            cur = cur.base
        if not isinstance(cur, ir.VarRef) or e is None:
            return
        root = cur.decl.type
        if root is meta_t:
            prefix: tuple[str, ...] = ()
        elif root is std_t:
            prefix = (STD_ROOT,)
        else:
            return
        leaves((*prefix, *reversed(names)), e.type)

    walk(data)
    index = FIRST_DATA_FIELD_LIST + len(gen.data_field_lists)
    gen.data_field_lists[index] = paths
    return index


def _bits_only(t: ir.StructType) -> bool:
    return all(
        _bits_only(f.type) if isinstance(f.type, ir.StructType) else isinstance(f.type, ir.BitsType | ir.BoolType)
        for f in t.fields
    )


def _fill_struct_from_bits(gen: CodeGen, t: ir.StructType, obj: str, bits: str, top: int) -> int:
    """Assign the fields of struct object ``obj`` from the integer ``bits``
    whose field bits start ``top`` bits from its least significant end;
    returns the bit position after the last field."""
    out = gen.out
    for f in t.fields:
        ft = f.type
        if isinstance(ft, ir.StructType):
            sub = gen.tmp()
            out.line(f"{sub} = {obj}.f_{f.name}")
            top = _fill_struct_from_bits(gen, ft, sub, bits, top)
            continue
        fw = ft.bit_width()
        top -= fw
        val = f"({bits} >> {top}) & {(1 << fw) - 1:#x}"
        if isinstance(ft, ir.BoolType):
            val = f"bool({val})"
        out.line(f"{obj}.f_{f.name} = {val}")
    return top


def _format_log(msg: str, values: tuple[int, ...]) -> str:
    """BMv2 replaces each ``{}`` in order with the value in decimal."""
    parts = msg.split("{}")
    out = [parts[0]]
    for i, p in enumerate(parts[1:]):
        out.append(str(values[i]) if i < len(values) else "{}")
        out.append(p)
    return "".join(out)


def extern_method(gen: CodeGen, c: ir.ExternMethodCall, as_value: bool) -> str | None:
    ext, m = c.extern, c.method
    if ext == "packet_in":
        return _packet_in(gen, c)
    if ext == "packet_out" and m == "emit":
        target = gen.ex(c.target)
        val = c.args[0].value
        assert val is not None
        _emit(gen, target, gen.ex(val), val.type)
        return None
    if ext == "direct_counter" and m == "count":
        return None  # BMv2 counts direct counters on every hit, call or not
    a = _args(c)
    out = gen.out
    if ext == "direct_meter" and m == "read":
        res = a[0]
        assert res is not None
        out.line("if ctx.dm_color is not None:")
        with out.indent():
            gen.store(res, "ctx.dm_color")
        return None
    obj = gen.ex(c.target)
    if ext == "register":
        if m == "read":
            res, idx = a[0], a[1]
            assert res is not None and idx is not None
            gen.store(res, f"{obj}.read({gen.ex(idx)})")
            return None
        if m == "write":
            out.line(f"{obj}.write({gen.ex(a[0])}, {gen.ex(a[1])})")  # type: ignore[arg-type]
            return None
    if ext == "counter" and m == "count":
        out.line(f"{obj}.count({gen.ex(a[0])}, ctx.ilen)")  # type: ignore[arg-type]
        return None
    if ext == "meter" and m == "execute_meter":
        idx, res = a[0], a[1]
        assert idx is not None and res is not None
        gen.store(res, f"{obj}.execute({gen.ex(idx)}, ctx.ilen)")
        return None
    from p4sim.engine.codegen import CompileError

    raise CompileError(c.loc, f"extern method {ext}.{m} is not supported")


def _emit(gen: CodeGen, out_list: str, code: str, t: ir.Type) -> None:
    if isinstance(t, ir.HeaderType):
        gen.out.line(f"{gen.types.emitter(t)}({code}, {out_list})")
    elif isinstance(t, (ir.StructType, ir.HeaderUnionType)):
        for f in t.fields:
            _emit(gen, out_list, f"{code}.f_{f.name}", f.type)
    elif isinstance(t, ir.StackType):
        for i in range(t.size):
            _emit(gen, out_list, f"{code}.elems[{i}]", t.element)
    else:
        from p4sim.engine.codegen import CompileError

        raise CompileError(None, f"cannot emit a value of type {t}")


def _packet_in(gen: CodeGen, c: ir.ExternMethodCall) -> str | None:
    out = gen.out
    pkt = gen.ex(c.target)
    m = c.method
    a = _args(c)
    too_short = gen.err.get("PacketTooShort", 1)
    if m == "extract":
        h = a[0]
        assert h is not None
        t = h.type
        if not isinstance(t, ir.HeaderType):
            from p4sim.engine.codegen import CompileError

            raise CompileError(c.loc, f"extract of non-header type {t}")
        ext = gen.types.extractor(t)
        extra = f", {gen.ex(a[1])}" if len(a) > 1 and a[1] is not None else ""
        if isinstance(h, ir.StackProp) and h.prop == "next":
            s = gen.tmp()
            oob = gen.err.get("StackOutOfBounds", 3)
            out.line(f"{s} = {gen.ex(h.base)}")
            out.line(f"if {s}.nxt >= {s}.size: raise ParserError({oob})")
            out.line(f"{ext}({s}.elems[{s}.nxt], {pkt}{extra})")
            out.line(f"{s}.nxt += 1")
        elif isinstance(h, ir.Member) and isinstance(h.base, ir.StackProp) and h.base.prop == "next":
            # extract(hs.next.member) on a header-union stack: BMv2's union-stack
            # extract fills the member of the union at nextIndex, makes it the
            # union's only valid member, then advances nextIndex
            s = gen.tmp()
            u = gen.tmp()
            oob = gen.err.get("StackOutOfBounds", 3)
            out.line(f"{s} = {gen.ex(h.base.base)}")
            out.line(f"if {s}.nxt >= {s}.size: raise ParserError({oob})")
            out.line(f"{u} = {s}.elems[{s}.nxt]")
            out.line(f"{ext}({u}.f_{h.name}, {pkt}{extra})")
            out.line(f"{u}.only({u}.f_{h.name})")
            out.line(f"{s}.nxt += 1")
        else:
            target = gen.ex(h)
            out.line(f"{ext}({target}, {pkt}{extra})")
            if isinstance(h, ir.Member) and isinstance(h.base.type, ir.HeaderUnionType):
                out.line(f"{gen.ex(h.base)}.only({target})")
        out.line(f"if ctx.trace: ctx.trace('Extracted {t.name}')")
        return None
    if m == "lookahead":
        t = c.type_args[0] if c.type_args else c.type
        r = gen.tmp()
        if isinstance(t, ir.HeaderType):
            ext = gen.types.extractor(t)
            sv = gen.tmp()
            out.line(f"{r} = {gen.factory(t)}; {sv} = {pkt}.pos")
            out.line(f"{ext}({r}, {pkt}); {pkt}.pos = {sv}")
            return r
        w = t.bit_width()
        nbytes = (w + 7) // 8
        out.line(f"if {pkt}.pos + {nbytes} > {pkt}.n: raise ParserError({too_short})")
        val = f"int.from_bytes({pkt}.data[{pkt}.pos:{pkt}.pos + {nbytes}], 'big') >> {nbytes * 8 - w}"
        if isinstance(t, ir.BoolType):
            val = f"bool({val})"
        if isinstance(t, ir.StructType) and not _bits_only(t):
            from p4sim.engine.codegen import CompileError

            raise CompileError(c.loc, f"lookahead<{t.name}>: only structs of bit<W>, int<W>, bool and such structs")
        if isinstance(t, ir.StructType):
            # p4c's ExpandLookahead: lookahead<bit<W>> of the struct's width,
            # then each field from its slice, first field most significant
            bits = gen.tmp()
            out.line(f"{bits} = {val}; {r} = {gen.factory(t)}")
            _fill_struct_from_bits(gen, t, r, bits, w)
            return r
        out.line(f"{r} = {val}")
        return r
    if m == "advance":
        n = gen.tmp()
        inv = gen.err.get("ParserInvalidArgument", 6)
        out.line(f"{n} = {gen.ex(a[0])}")  # type: ignore[arg-type]
        out.line(f"if {n} % 8: raise ParserError({inv})")
        out.line(f"if {pkt}.pos + ({n} >> 3) > {pkt}.n: raise ParserError({too_short})")
        out.line(f"{pkt}.pos += {n} >> 3")
        return None
    if m == "length":
        return f"({pkt}.n * 8)"
    from p4sim.engine.codegen import CompileError

    raise CompileError(c.loc, f"packet_in.{m} is not supported")

