"""Actions: P4Runtime ``Action`` messages <-> engine ``ActionSpec``.

Checks what PI checks for BMv2: the action belongs to the table with a scope
that allows this use (``@tableonly`` / ``@defaultonly``), every parameter is
given exactly once and fits its width."""

from __future__ import annotations

from finsy.proto.p4.v1 import p4runtime_pb2 as p4r

from p4sim.engine.entries import ActionSpec
from p4sim.errors import InvalidArgument
from p4sim.runtime import codec
from p4sim.runtime.p4info_index import P4InfoIndex, TableInfo


def decode(idx: P4InfoIndex, msg: p4r.Action, where: str) -> ActionSpec:
    """``where`` says whose action this is ("table 'X'", "member 3 of ...")."""
    a = idx.actions.get(msg.action_id)
    if a is None:
        raise InvalidArgument(f"{where}: invalid P4 id: action id {msg.action_id} not in P4Info")
    values: list[int | None] = [None] * len(a.params)
    pos = {p.id: i for i, p in enumerate(a.params)} if len(a.params) > 1 else None
    for p in msg.params:
        i = pos.get(p.param_id) if pos is not None else (0 if a.params and a.params[0].id == p.param_id else None)
        if i is None:
            raise InvalidArgument(f"{where}: action {a.name!r} has no parameter id {p.param_id}")
        if values[i] is not None:
            raise InvalidArgument(f"{where}: action {a.name!r} parameter {a.params[i].name!r} given twice")
        info = a.params[i]
        values[i] = codec.decode(p.value, info.width, f"{where}: action {a.name!r} parameter {info.name!r}")
    for i, v in enumerate(values):
        if v is None:
            raise InvalidArgument(f"{where}: action {a.name!r} parameter {a.params[i].name!r} is missing")
    return ActionSpec(a.name, tuple(values))  # type: ignore[arg-type]


def check_scope(idx: P4InfoIndex, t: TableInfo, action_id: int, default: bool) -> None:
    if action_id not in idx.actions:
        raise InvalidArgument(f"table {t.name!r}: invalid P4 id: action id {action_id} not in P4Info")
    scope = t.actions.get(action_id)
    name = idx.actions[action_id].name
    if scope is None:
        raise InvalidArgument(f"table {t.name!r}: action {name!r} is not one of the table's actions")
    if default and scope == "table_only":
        raise InvalidArgument(f"table {t.name!r}: action {name!r} is @tableonly and cannot be the default")
    if not default and scope == "default_only":
        raise InvalidArgument(f"table {t.name!r}: action {name!r} is @defaultonly and cannot be in an entry")


def encode_into(idx: P4InfoIndex, spec: ActionSpec, out: p4r.Action) -> None:
    aid = idx.action_ids.get(spec.action)
    if aid is None:
        raise KeyError(f"engine action {spec.action!r} has no P4Info id")
    out.action_id = aid
    for info, v in zip(idx.actions[aid].params, spec.args, strict=True):
        out.params.add(param_id=info.id, value=codec.encode(v))
