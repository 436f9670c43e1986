"""Builds P4Runtime entities by P4Info name for the tests, so that a test
reads like the control-plane operation it performs."""

from __future__ import annotations

from finsy.proto.p4.config.v1 import p4info_pb2 as p4i
from finsy.proto.p4.v1 import p4runtime_pb2 as p4r


def enc(value: int, width: int, padded: bool = False) -> bytes:
    if padded:
        return value.to_bytes((width + 7) // 8, "big")
    return value.to_bytes(max(1, (value.bit_length() + 7) // 8), "big")


def _find(items, name: str):
    for it in items:
        if name in (it.preamble.name, it.preamble.alias):
            return it
    raise KeyError(name)


class Info:
    def __init__(self, p4info: p4i.P4Info, padded: bool = False):
        self.p4info = p4info
        self.padded = padded

    def table(self, name: str) -> p4i.Table:
        return _find(self.p4info.tables, name)

    def table_id(self, name: str) -> int:
        return self.table(name).preamble.id

    def action_id(self, name: str) -> int:
        return _find(self.p4info.actions, name).preamble.id

    def id(self, kind: str, name: str) -> int:
        return _find(getattr(self.p4info, kind), name).preamble.id

    def action(self, name: str, **params: int) -> p4r.Action:
        a = _find(self.p4info.actions, name)
        out = p4r.Action(action_id=a.preamble.id)
        for p in a.params:
            if p.name in params:
                out.params.add(param_id=p.id, value=enc(params[p.name], p.bitwidth, self.padded))
        return out

    def match(self, table: str, **fields) -> list[p4r.FieldMatch]:
        """fields: name=value (exact), name=("lpm", v, plen),
        ("ternary", v, m), ("range", lo, hi), ("optional", v). Field names
        use "_" for "." (``hdr_ethernet_dst``) or the last component."""
        t = self.table(table)
        out = []
        for key, spec in fields.items():
            mf = next(
                f for f in t.match_fields
                if f.name.replace(".", "_") == key or f.name.split(".")[-1] == key
            )
            w = mf.bitwidth
            fm = p4r.FieldMatch(field_id=mf.id)
            if not isinstance(spec, tuple):
                spec = ("exact", spec)
            kind = spec[0]
            if kind == "exact":
                fm.exact.value = enc(spec[1], w, self.padded)
            elif kind == "lpm":
                fm.lpm.value = enc(spec[1], w, self.padded)
                fm.lpm.prefix_len = spec[2]
            elif kind == "ternary":
                fm.ternary.value = enc(spec[1], w, self.padded)
                fm.ternary.mask = enc(spec[2], w, self.padded)
            elif kind == "range":
                fm.range.low = enc(spec[1], w, self.padded)
                fm.range.high = enc(spec[2], w, self.padded)
            else:
                fm.optional.value = enc(spec[1], w, self.padded)
            out.append(fm)
        return out

    def entry(
        self, table: str, action: str | None = None, params: dict | None = None, priority: int = 0, **fields
    ) -> p4r.TableEntry:
        te = p4r.TableEntry(table_id=self.table_id(table), priority=priority)
        te.match.extend(self.match(table, **fields))
        if action is not None:
            te.action.action.CopyFrom(self.action(action, **(params or {})))
        return te

    def entity(self, *args, **kw) -> p4r.Entity:
        return p4r.Entity(table_entry=self.entry(*args, **kw))


def ins(entity: p4r.Entity) -> p4r.Update:
    return p4r.Update(type=p4r.Update.INSERT, entity=entity)


def mod(entity: p4r.Entity) -> p4r.Update:
    return p4r.Update(type=p4r.Update.MODIFY, entity=entity)


def dele(entity: p4r.Entity) -> p4r.Update:
    return p4r.Update(type=p4r.Update.DELETE, entity=entity)


def te_entity(te: p4r.TableEntry) -> p4r.Entity:
    return p4r.Entity(table_entry=te)
