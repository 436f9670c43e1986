"""Run-time objects (tables, profiles, stateful externs, value sets) for a
program's IR, built once when a Switch is created.

Kept apart from the packet pipeline: this is where IR declarations are
interpreted (constructor arguments, key widths, const entries), so the rest
of the engine deals only in names, widths and ints.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from p4sim import ir
from p4sim.engine import hashes
from p4sim.engine.entries import ActionSpec, TableEntry
from p4sim.engine.externs import CounterArray, Meter, MeterArray, RegisterArray, ValueSetState
from p4sim.engine.profiles import ProfileState
from p4sim.engine.tables import ActionInfo, TableState
from p4sim.errors import InvalidArgument

__all__ = ["RuntimeObjects"]


def _ctor_int(inst: ir.ExternInstance, name: str, pos: int, default: int | None = None) -> int:
    try:
        e = inst.arg(name)
    except (ValueError, IndexError):
        if pos < len(inst.ctor_args):
            e = inst.ctor_args[pos]
        elif default is not None:
            return default
        else:
            raise InvalidArgument(f"{inst.cp_name}: constructor argument {name} missing") from None
    if isinstance(e, ir.Const) and isinstance(e.value, int):
        return e.value
    raise InvalidArgument(f"{inst.cp_name}: constructor argument {name} is not a constant")


def _ctor_enum(inst: ir.ExternInstance, name: str, pos: int) -> str:
    try:
        e = inst.arg(name)
    except (ValueError, IndexError):
        e = inst.ctor_args[pos] if pos < len(inst.ctor_args) else None
    if isinstance(e, ir.EnumMember):
        return e.member
    raise InvalidArgument(f"{inst.cp_name}: constructor argument {name} is not an enum member")


def _element_widths(t: ir.Type) -> list[int]:
    if isinstance(t, ir.StructLikeType):
        return [f.type.bit_width() for f in t.fields]
    return [t.bit_width()]


class RuntimeObjects:
    """Every stateful object of one switch, by IR identity and by name."""

    def __init__(self, program: ir.Program, clock_us: Callable[[], int]):
        self.program = program
        self.clock_us = clock_us
        self.by_id: dict[int, Any] = {}
        self.tables: dict[str, TableState] = {}
        self.profiles: dict[str, ProfileState] = {}
        self.counters: dict[str, CounterArray] = {}
        self.meters: dict[str, MeterArray] = {}
        self.registers: dict[str, RegisterArray] = {}
        self.value_sets: dict[str, ValueSetState] = {}
        self._profile_tables: dict[int, list[ir.Table]] = {}
        for t in program.tables:
            if t.implementation is not None:
                self._profile_tables.setdefault(id(t.implementation), []).append(t)
        for inst in program.externs:
            self._extern(inst)
        for t in program.tables:
            if t.implementation is not None and id(t.implementation) not in self.by_id:
                self._extern(t.implementation)
        for t in program.tables:
            self._table(t)
        for vs in program.value_sets:
            state = ValueSetState(vs.cp_name, vs.size, _element_widths(vs.element_type))
            self.by_id[id(vs)] = state
            self.value_sets[vs.cp_name] = state

    # ------------------------------------------------------------ externs
    def _extern(self, inst: ir.ExternInstance) -> None:
        kind = inst.type.name
        name = inst.cp_name
        if kind == "counter":
            obj: Any = CounterArray(name, _ctor_int(inst, "size", 0), _ctor_enum(inst, "type", 1))
            self.counters[name] = obj
        elif kind == "meter":
            packets = _ctor_enum(inst, "type", 1) == "packets"
            obj = MeterArray(name, _ctor_int(inst, "size", 0), packets, self.clock_us)
            self.meters[name] = obj
        elif kind == "register":
            width = inst.type.type_args[0].bit_width() if inst.type.type_args else 32
            obj = RegisterArray(name, _ctor_int(inst, "size", 0), width)
            self.registers[name] = obj
        elif kind in ("action_profile", "action_selector"):
            obj = self._profile(inst)
            self.profiles[name] = obj
        else:
            return  # direct counters/meters live in their table; others have no state
        self.by_id[id(inst)] = obj

    def _profile(self, inst: ir.ExternInstance) -> ProfileState:
        is_selector = inst.type.name == "action_selector"
        size = _ctor_int(inst, "size", 1 if is_selector else 0)
        selector = None
        if is_selector:
            selector = hashes.algorithm(_ctor_enum(inst, "algorithm", 0))
        users = self._profile_tables.get(id(inst), [])

        def validate(spec: ActionSpec) -> None:
            errors = []
            for t in users:
                state = self.tables.get(t.cp_name)
                if state is None:
                    continue
                try:
                    state._resolve_action(spec, for_default=False)
                    return
                except InvalidArgument as exc:
                    errors.append(str(exc))
            raise InvalidArgument(
                f"action profile {inst.cp_name}: action {spec.action} is not valid for its tables"
                + (f" ({errors[0]})" if errors else "")
            )

        prof = ProfileState(inst.cp_name, size, validate, selector)
        prof.users = lambda: [
            (t.cp_name, e) for t in users for e in self.tables[t.cp_name].entries.values()
        ]
        return prof

    # ------------------------------------------------------------ tables
    def _table(self, t: ir.Table) -> None:
        keys = [k for k in t.keys if k.match_kind != "selector"]
        actions = [
            ActionInfo(
                ar.action.cp_name,
                tuple(p.type.bit_width() for p in ar.action.cp_params),
                ar.scope,
                tuple(p.name for p in ar.action.cp_params),
            )
            for ar in t.actions
        ]
        default = ActionSpec(t.default_action.action.cp_name, tuple(_const_int(c) for c in t.default_action.args))
        meter_factory = None
        if t.meters is not None:
            packets = _ctor_enum(t.meters, "type", 0) == "packets"
            clock = self.clock_us

            def meter_factory(packets: bool = packets) -> Meter:
                return Meter(packets, clock)

        profile = self.by_id.get(id(t.implementation)) if t.implementation is not None else None
        state = TableState(
            t.cp_name,
            [k.match_kind for k in keys],
            [k.width for k in keys],
            [k.name for k in keys],
            actions,
            default,
            default_const=t.default_const,
            size=t.size,
            is_const=t.entries_const,
            profile=profile,
            with_counters=t.counters is not None,
            meter_factory=meter_factory,
        )
        if t.entries:
            initial = [
                TableEntry(
                    keys=tuple(e.keys),
                    action=ActionSpec(e.action.action.cp_name, tuple(_const_int(c) for c in e.action.args)),
                    priority=e.priority or 0,
                )
                for e in t.entries
            ]
            state.load_initial(initial, const=t.entries_const)
        self.by_id[id(t)] = state
        self.tables[t.cp_name] = state


def _const_int(c: ir.Const) -> int:
    v = c.value
    if isinstance(v, bool):
        return int(v)
    if isinstance(v, int):
        return v
    raise InvalidArgument(f"action argument {v!r} is not an integer constant")
