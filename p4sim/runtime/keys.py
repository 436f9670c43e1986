"""Match keys: P4Runtime FieldMatch lists <-> engine KeyMatch tuples.

Validation follows P4Runtime section 9.1.1 and PI (simple_switch_grpc): a
don't-care match must be omitted (ternary mask 0, LPM prefix 0, full range
are refused when sent), ternary value bits outside the mask and LPM bits
beyond the prefix are refused, and every exact field is required. Errors
name the table, the field and the value, since a controller usually builds
thousands of these and needs to find the one that is wrong."""

from __future__ import annotations

from p4sim.engine.entries import KeyMatch
from p4sim.errors import InvalidArgument
from p4sim.runtime import codec
from p4sim.runtime.p4info_index import FieldInfo, TableInfo

DONTCARE = KeyMatch("dontcare")


def _field(t_name: str, f: FieldInfo, fm) -> KeyMatch:
    what = f"table {t_name!r} field {f.name!r}"
    which = fm.WhichOneof("field_match_type")
    if which != f.kind:
        raise InvalidArgument(f"{what} has match kind {f.kind}, the request gives {which or 'none'}")
    w = f.width
    if which == "exact":
        return KeyMatch("exact", codec.decode(fm.exact.value, w, what))
    if which == "ternary":
        v = codec.decode(fm.ternary.value, w, what + " value")
        m = codec.decode(fm.ternary.mask, w, what + " mask")
        if m == 0:
            raise InvalidArgument(f"{what}: ternary mask is 0 (a don't-care match must be omitted)")
        if v & ~m:
            raise InvalidArgument(f"{what}: value 0x{v:x} has bits outside mask 0x{m:x}")
        return KeyMatch("ternary", v, m)
    if which == "lpm":
        v = codec.decode(fm.lpm.value, w, what)
        plen = fm.lpm.prefix_len
        if plen == 0:
            raise InvalidArgument(f"{what}: prefix length 0 (a don't-care match must be omitted)")
        if plen < 0 or plen > w:
            raise InvalidArgument(f"{what}: prefix length {plen} outside 1..{w}")
        if v & ((1 << (w - plen)) - 1):
            raise InvalidArgument(f"{what}: value 0x{v:x} has bits set beyond prefix length {plen}")
        return KeyMatch("lpm", v, plen)
    if which == "range":
        lo = codec.decode(fm.range.low, w, what + " low")
        hi = codec.decode(fm.range.high, w, what + " high")
        if lo > hi:
            raise InvalidArgument(f"{what}: range low 0x{lo:x} is above high 0x{hi:x}")
        if lo == 0 and hi == (1 << w) - 1:
            raise InvalidArgument(f"{what}: range covers every value (a don't-care match must be omitted)")
        return KeyMatch("range", lo, hi)
    # optional
    return KeyMatch("optional", codec.decode(fm.optional.value, w, what))


def decode(t: TableInfo, matches, t_name: str | None = None) -> tuple[KeyMatch, ...]:
    """The engine key of a TableEntry's ``match`` (ordered by the P4Info)."""
    name = t_name or t.name
    keys: list[KeyMatch | None] = [None] * len(t.fields)
    for fm in matches:
        pos = t.index_of.get(fm.field_id)
        if pos is None:
            raise InvalidArgument(f"table {name!r}: unknown match field id {fm.field_id}")
        if keys[pos] is not None:
            raise InvalidArgument(f"table {name!r}: match field {t.fields[pos].name!r} given twice")
        keys[pos] = _field(name, t.fields[pos], fm)
    for i, k in enumerate(keys):
        if k is None:
            f = t.fields[i]
            if f.kind == "exact":
                raise InvalidArgument(f"table {name!r}: exact match field {f.name!r} is missing")
            keys[i] = DONTCARE
    return tuple(keys)  # type: ignore[arg-type]


def encode_into(t: TableInfo, keys: tuple[KeyMatch, ...], out) -> None:
    """Appends the FieldMatch list of ``keys`` to repeated field ``out``,
    omitting don't-care fields. Const entries from the program may carry a
    key in another shape than the field's kind (``v &&& m`` on an LPM key, a
    plain value on a ternary key); they are sent in the field's kind."""
    for f, km in zip(t.fields, keys, strict=True):
        kind = km.kind
        if kind == "dontcare":
            continue
        w = f.width
        full = (1 << w) - 1
        if f.kind == "exact":
            out.add(field_id=f.id).exact.value = codec.encode(km.value)
        elif f.kind == "ternary":
            v, m = (km.value, km.mask) if kind == "ternary" else (km.value, full)
            if m == 0:
                continue
            fm = out.add(field_id=f.id)
            fm.ternary.value = codec.encode(v & m)
            fm.ternary.mask = codec.encode(m)
        elif f.kind == "lpm":
            if kind == "lpm":
                plen = km.mask
            elif kind == "ternary":
                plen = bin(km.mask).count("1")
            else:
                plen = w
            if plen == 0:
                continue
            fm = out.add(field_id=f.id)
            fm.lpm.value = codec.encode(km.value)
            fm.lpm.prefix_len = plen
        elif f.kind == "range":
            lo, hi = (km.value, km.mask) if kind == "range" else (km.value, km.value)
            if lo == 0 and hi == full:
                continue
            fm = out.add(field_id=f.id)
            fm.range.low = codec.encode(lo)
            fm.range.high = codec.encode(hi)
        else:
            out.add(field_id=f.id).optional.value = codec.encode(km.value)
