"""Forwarding pipeline configs: verify, commit, reconcile (P4Runtime 14, 15).

For p4sim a config is a P4Info plus the program source (see
p4sim.device_config). Verifying compiles the program and checks that the
P4Info describes it (every table and action exists with matching keys and
parameters), so that a wrong pair is refused at SetForwardingPipelineConfig
rather than on the first Write. The client's P4Info is the one used to map
IDs, exactly as PI uses the one it is given."""

from __future__ import annotations

import logging
import tempfile
from dataclasses import dataclass
from typing import Any

from finsy.proto.p4.config.v1 import p4info_pb2 as p4i
from finsy.proto.p4.v1 import p4runtime_pb2 as p4r

from p4sim import device_config, ir
from p4sim.errors import EngineError, InvalidArgument, P4CompileError
from p4sim.p4info.typespec import p4info_width
from p4sim.runtime.p4info_index import P4InfoIndex, build

log = logging.getLogger(__name__)


@dataclass(slots=True)
class PipelineConfig:
    p4info: p4i.P4Info
    device_config: bytes
    cookie: int | None
    program: Any  # ir.Program
    index: P4InfoIndex


def compile_device_config(data: bytes) -> Any:
    """The ir.Program in a p4sim device config; any failure is an
    InvalidArgument carrying the compiler's own file:line:col message."""
    cfg = device_config.parse(data)
    from p4sim.frontend import compile_file

    with tempfile.TemporaryDirectory(prefix="p4sim-pipeline-") as tmp:
        main, include_dirs = device_config.materialize(cfg, tmp)
        try:
            return compile_file(str(main), include_dirs=[str(d) for d in include_dirs])
        except P4CompileError as exc:
            raise InvalidArgument(f"the P4 program in p4_device_config does not compile: {exc}") from None
        except RecursionError:
            raise InvalidArgument("the P4 program in p4_device_config is nested too deeply to compile") from None


def check_p4info_matches(index: P4InfoIndex, program: Any) -> None:
    """Refuses a P4Info that names tables or actions the program lacks, or
    disagrees on their shape."""
    for t in index.tables.values():
        try:
            pt = program.table(t.name)
        except KeyError:
            raise InvalidArgument(f"P4Info table {t.name!r} is not in the program") from None
        pkeys = [k for k in pt.keys if k.match_kind != "selector"]  # selector keys are not in P4Info
        if len(pkeys) != len(t.fields):
            raise InvalidArgument(
                f"P4Info table {t.name!r} has {len(t.fields)} match fields, the program's has {len(pkeys)}"
            )
        for f, k in zip(t.fields, pkeys, strict=True):
            width = _p4info_width(k.expr.type, k.width)
            if width != f.width:
                raise InvalidArgument(
                    f"P4Info table {t.name!r} field {f.name!r} is {f.width} bits, the program's is {width}"
                )
    for a in index.actions.values():
        try:
            pa = program.action(a.name)
        except KeyError:
            raise InvalidArgument(f"P4Info action {a.name!r} is not in the program") from None
        cp = pa.cp_params
        if len(cp) != len(a.params):
            raise InvalidArgument(
                f"P4Info action {a.name!r} has {len(a.params)} parameters, the program's has {len(cp)}"
            )
        for p, q in zip(a.params, cp, strict=True):
            width = _p4info_width(q.type, None)
            if width != p.width:
                raise InvalidArgument(
                    f"P4Info action {a.name!r} parameter {p.name!r} is {p.width} bits, the program's is {width}"
                )


def _p4info_width(t: Any, default: int | None) -> int:
    """The width P4Info gives a value of type ``t``: the SDN width of a
    translated ``type`` (p4c getTypeWidth), else the type's own width."""
    if ir.newtype_of(t) is not None or default is None:
        return p4info_width(t)
    return default


def verify(config: p4r.ForwardingPipelineConfig) -> PipelineConfig:
    if not config.HasField("p4info"):
        raise InvalidArgument("ForwardingPipelineConfig has no p4info")
    index = build(config.p4info)
    program = compile_device_config(config.p4_device_config)
    check_p4info_matches(index, program)
    cookie = config.cookie.cookie if config.HasField("cookie") else None
    return PipelineConfig(config.p4info, config.p4_device_config, cookie, program, index)


def table_signature(index: P4InfoIndex, table_id: int) -> tuple:
    """What must be equal for a table's entries to survive a reconcile:
    its keys, its actions with their parameters, its action profile and its
    direct resources, all by name."""
    t = index.tables[table_id]
    acts = tuple(
        sorted(
            (index.actions[a].name, scope, tuple((p.name, p.width) for p in index.actions[a].params))
            for a, scope in t.actions.items()
        )
    )
    profile = index.profiles[t.profile_id].name if t.profile_id in index.profiles else ""
    return (
        tuple((f.name, f.width, f.kind) for f in t.fields),
        acts,
        profile,
        bool(t.direct_counter_id),
        bool(t.direct_meter_id),
        t.needs_priority,
    )


def carry_over(old_index: P4InfoIndex, old_sw: Any, new_index: P4InfoIndex, new_sw: Any) -> list[str]:
    """RECONCILE_AND_COMMIT: copies into ``new_sw`` the state of every table
    whose definition did not change (entries, default action), of the
    action profiles those tables use, and the packet replication engine.
    Returns the names of tables whose entries were kept. An entry the new
    switch refuses aborts the commit (the caller keeps the old pipeline)."""
    old_by_name = {t.name: tid for tid, t in old_index.tables.items()}
    kept: list[str] = []
    profiles_done: set[str] = set()
    for tid, t in new_index.tables.items():
        otid = old_by_name.get(t.name)
        if otid is None or t.is_const:
            continue
        if table_signature(old_index, otid) != table_signature(new_index, tid):
            continue
        if t.profile_id:
            pname = new_index.profiles[t.profile_id].name
            if pname not in profiles_done:
                profiles_done.add(pname)
                for mid, spec in old_sw.profile_members(pname).items():
                    new_sw.profile_member_insert(pname, mid, spec)
                if new_index.profiles[t.profile_id].with_selector:
                    for gid, members in old_sw.profile_groups(pname).items():
                        new_sw.profile_group_insert(pname, gid, list(members))
        for e in old_sw.table_entries(t.name):
            if not e.is_const:
                new_sw.table_insert(t.name, e)
        if not t.const_default_action_id:
            new_sw.table_set_default(t.name, old_sw.table_get_default(t.name))
        kept.append(t.name)
    for gid, replicas in old_sw.mcast_groups().items():
        new_sw.mcast_group_insert(gid, list(replicas))
    for sid, s in old_sw.clone_sessions().items():
        new_sw.clone_session_insert(sid, list(s.replicas), s.class_of_service, s.packet_length)
    return kept


def safe_verify(config: p4r.ForwardingPipelineConfig) -> PipelineConfig:
    """verify() with unexpected failures turned into InvalidArgument: a
    config that crashes the front end is still the controller's bad input,
    and must not take the server down."""
    try:
        return verify(config)
    except EngineError:
        raise
    except Exception as exc:
        log.exception("compiling a pipeline config failed unexpectedly")
        raise InvalidArgument(f"the pipeline config could not be processed: {type(exc).__name__}: {exc}") from None
