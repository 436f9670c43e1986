"""``Switch``: the engine's public API (docs/p4sim-api.md).

Ties together the generated pipeline (codegen), the run-time objects
(build) and the v1model packet path (pipeline), behind one re-entrant lock
so control-plane batches and packets never interleave half-way.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass

from p4sim import ir
from p4sim.engine.build import RuntimeObjects
from p4sim.engine.codegen import CodeGen
from p4sim.engine.entries import (
    ActionSpec,
    CounterData,
    GroupMember,
    KeyMatch,
    MeterConfig,
    PacketResult,
    Replica,
    TableEntry,
)
from p4sim.engine.pipeline import Pipeline, monotonic_us_clock
from p4sim.engine.pre import CloneSession, Pre
from p4sim.engine.profiles import ProfileState
from p4sim.engine.tables import TableState
from p4sim.errors import InvalidArgument, NotFound

__all__ = ["Switch", "Stats"]


@dataclass
class Stats:
    packets_in: int = 0
    packets_out: int = 0
    packet_ins: int = 0
    errors: int = 0


def _layout(t: ir.HeaderType) -> list[tuple[str, int]]:
    return [(f.name, f.type.bit_width()) for f in t.fields]


class Switch:
    def __init__(
        self,
        program: ir.Program,
        cpu_port: int | None = None,
        log: Callable[[str], None] | None = None,
        clock_us: Callable[[], int] | None = None,
    ):
        if cpu_port is not None and not 0 < cpu_port < 511:
            raise InvalidArgument(f"cpu port {cpu_port} must be in 1..510 (not 0, not the drop port 511)")
        self.program = program
        self.cpu_port = cpu_port
        self.log = log
        self.lock = threading.RLock()
        self.stats = Stats()
        self.clock_us = clock_us or monotonic_us_clock()
        self.rt = RuntimeObjects(program, self.clock_us)
        self.pre = Pre()
        self.codegen = CodeGen(program, self.rt.by_id)
        blocks = self.codegen.build()
        params = program.parser.params
        env = self.codegen.env
        classes = tuple(env[self.codegen.types.cls_name(p.type)] for p in params[1:4])  # type: ignore[arg-type]
        self.pipeline = Pipeline(
            program, blocks, classes, self.pre, {**program.field_lists, **self.codegen.data_field_lists},
            self.clock_us,
            self._emit_frame, log,
        )
        self._pkt_in = program.controller_headers.get("packet_in")
        self._pkt_out = program.controller_headers.get("packet_out")

    # ------------------------------------------------------------ packets
    def process(self, port: int, data: bytes) -> PacketResult:
        """One frame in on ``port``; returns everything it caused."""
        if not 0 <= port < 511:
            raise InvalidArgument(f"ingress port {port} outside 0..510 (511 is the drop port)")
        result = PacketResult()
        with self.lock:
            self.stats.packets_in += 1
            before = self.pipeline.errors
            try:
                self.pipeline.run(port, bytes(data), result)
            except Exception as exc:  # the pipeline already guards each pass; belt and braces
                self.pipeline.errors += 1
                if self.log:
                    self.log(f"error processing packet on port {port}: {exc!r}; bytes {bytes(data).hex()}")
            self.stats.errors += self.pipeline.errors - before
        return result

    def packet_out(self, payload: bytes, metadata: dict[str, int]) -> PacketResult:
        """A controller PacketOut: the packet_out header in front of the
        payload, injected on the CPU port."""
        if self.cpu_port is None:
            raise InvalidArgument("packet_out needs a CPU port (--cpu-port)")
        head = b""
        if self._pkt_out is not None:
            fields = _layout(self._pkt_out)
            unknown = set(metadata) - {n for n, _ in fields}
            if unknown:
                raise InvalidArgument(f"packet_out metadata has unknown fields {sorted(unknown)}")
            acc, total = 0, 0
            for name, w in fields:
                v = metadata.get(name, 0)
                if v < 0 or v >> w:
                    raise InvalidArgument(f"packet_out metadata {name}: {v:#x} does not fit in {w} bits")
                acc = (acc << w) | v
                total += w
            head = acc.to_bytes((total + 7) // 8, "big")
        elif metadata:
            raise InvalidArgument("the program has no @controller_header(\"packet_out\") header")
        return self.process(self.cpu_port, head + bytes(payload))

    def _emit_frame(self, port: int, frame: bytes, result: PacketResult) -> None:
        if self.cpu_port is not None and port == self.cpu_port:
            meta: dict[str, int] = {}
            if self._pkt_in is not None:
                fields = _layout(self._pkt_in)
                total = sum(w for _, w in fields)
                nbytes = (total + 7) // 8
                if len(frame) < nbytes:
                    if self.log:
                        self.log(f"frame to CPU port shorter than packet_in header: {frame.hex()}")
                    return
                v = int.from_bytes(frame[:nbytes], "big") >> (nbytes * 8 - total)
                pos = total
                for name, w in fields:
                    pos -= w
                    meta[name] = (v >> pos) & ((1 << w) - 1)
                frame = frame[nbytes:]
            result.packet_ins.append((meta, frame))
            self.stats.packet_ins += 1
            return
        result.outputs.append((port, frame))
        self.stats.packets_out += 1

    # ------------------------------------------------------------ lookups by name
    def _table(self, name: str) -> TableState:
        t = self.rt.tables.get(name)
        if t is None:
            raise NotFound(f"no table named {name}")
        return t

    def _profile(self, name: str) -> ProfileState:
        p = self.rt.profiles.get(name)
        if p is None:
            raise NotFound(f"no action profile named {name}")
        return p

    # ------------------------------------------------------------ tables
    def table_insert(self, table: str, entry: TableEntry) -> None:
        with self.lock:
            self._table(table).insert(entry)

    def table_modify(self, table: str, entry: TableEntry) -> None:
        with self.lock:
            self._table(table).modify(entry)

    def table_delete(self, table: str, keys: tuple[KeyMatch, ...], priority: int = 0) -> None:
        with self.lock:
            self._table(table).delete(tuple(keys), priority)

    def table_get(self, table: str, keys: tuple[KeyMatch, ...], priority: int = 0) -> TableEntry:
        with self.lock:
            t = self._table(table)
            return t.to_table_entry(t.find(tuple(keys), priority))

    def table_entries(self, table: str) -> list[TableEntry]:
        with self.lock:
            return self._table(table).snapshot()

    def table_set_default(self, table: str, action: ActionSpec | None) -> None:
        with self.lock:
            self._table(table).set_default(action)

    def table_get_default(self, table: str) -> ActionSpec:
        with self.lock:
            return self._table(table).get_default()

    def table_clear(self, table: str) -> None:
        with self.lock:
            self._table(table).clear()

    def idle_entries(self, table: str) -> list[tuple[TableEntry, int]]:
        """Entries with a non-zero idle_timeout_ns, each with the nanoseconds
        since its last hit or write (tables with ``support_timeout``)."""
        with self.lock:
            return self._table(table).idle_entries()

    def table_names(self) -> list[str]:
        return list(self.rt.tables)

    def direct_counter_read(self, table: str, keys: tuple[KeyMatch, ...], priority: int = 0) -> CounterData:
        with self.lock:
            e = self._table(table).find(tuple(keys), priority)
            return CounterData(e.counter.packets, e.counter.bytes)

    def direct_counter_write(
        self, table: str, keys: tuple[KeyMatch, ...], priority: int, data: CounterData
    ) -> None:
        with self.lock:
            e = self._table(table).find(tuple(keys), priority)
            e.counter.packets, e.counter.bytes = data.packets, data.bytes

    def direct_meter_set(
        self, table: str, keys: tuple[KeyMatch, ...], priority: int, config: MeterConfig | None
    ) -> None:
        with self.lock:
            t = self._table(table)
            e = t.find(tuple(keys), priority)
            if e.meter is None:
                raise InvalidArgument(f"table {table} has no direct meter")
            e.meter.configure(config)

    def direct_meter_get(self, table: str, keys: tuple[KeyMatch, ...], priority: int = 0) -> MeterConfig | None:
        with self.lock:
            e = self._table(table).find(tuple(keys), priority)
            if e.meter is None:
                raise InvalidArgument(f"table {table} has no direct meter")
            return e.meter.config

    # ------------------------------------------------------------ profiles
    def profile_member_insert(self, profile: str, member_id: int, action: ActionSpec) -> None:
        with self.lock:
            self._profile(profile).member_insert(member_id, action)

    def profile_member_modify(self, profile: str, member_id: int, action: ActionSpec) -> None:
        with self.lock:
            self._profile(profile).member_modify(member_id, action)

    def profile_member_delete(self, profile: str, member_id: int) -> None:
        with self.lock:
            self._profile(profile).member_delete(member_id)

    def profile_members(self, profile: str) -> dict[int, ActionSpec]:
        with self.lock:
            return dict(self._profile(profile).members)

    def profile_group_insert(self, profile: str, group_id: int, members: list[GroupMember], max_size: int = 0) -> None:
        with self.lock:
            self._profile(profile).group_insert(group_id, members, max_size)

    def profile_group_modify(self, profile: str, group_id: int, members: list[GroupMember], max_size: int = 0) -> None:
        with self.lock:
            self._profile(profile).group_modify(group_id, members, max_size)

    def profile_group_delete(self, profile: str, group_id: int) -> None:
        with self.lock:
            self._profile(profile).group_delete(group_id)

    def profile_groups(self, profile: str) -> dict[int, list[GroupMember]]:
        with self.lock:
            return {g: list(m) for g, m in self._profile(profile).groups.items()}

    # ------------------------------------------------------------ PRE
    def mcast_group_insert(self, group_id: int, replicas: list[Replica]) -> None:
        with self.lock:
            self.pre.group_insert(group_id, replicas)

    def mcast_group_modify(self, group_id: int, replicas: list[Replica]) -> None:
        with self.lock:
            self.pre.group_modify(group_id, replicas)

    def mcast_group_delete(self, group_id: int) -> None:
        with self.lock:
            self.pre.group_delete(group_id)

    def mcast_groups(self) -> dict[int, list[Replica]]:
        with self.lock:
            return {g: list(r) for g, r in self.pre.groups.items()}

    def clone_session_insert(
        self, session_id: int, replicas: list[Replica], class_of_service: int = 0, packet_length: int = 0
    ) -> None:
        with self.lock:
            self.pre.session_insert(session_id, replicas, class_of_service, packet_length)

    def clone_session_modify(
        self, session_id: int, replicas: list[Replica], class_of_service: int = 0, packet_length: int = 0
    ) -> None:
        with self.lock:
            self.pre.session_modify(session_id, replicas, class_of_service, packet_length)

    def clone_session_delete(self, session_id: int) -> None:
        with self.lock:
            self.pre.session_delete(session_id)

    def clone_sessions(self) -> dict[int, CloneSession]:
        with self.lock:
            return {
                s: CloneSession(list(c.replicas), c.class_of_service, c.packet_length, c.order)
                for s, c in self.pre.sessions.items()
            }

    # ------------------------------------------------------------ stateful externs
    def counter_read(self, name: str, index: int) -> CounterData:
        with self.lock:
            return self._named(self.rt.counters, "counter", name).read(index)

    def counter_write(self, name: str, index: int, data: CounterData) -> None:
        with self.lock:
            self._named(self.rt.counters, "counter", name).write(index, data)

    def meter_set(self, name: str, index: int, config: MeterConfig | None) -> None:
        with self.lock:
            self._named(self.rt.meters, "meter", name).set(index, config)

    def meter_get(self, name: str, index: int) -> MeterConfig | None:
        with self.lock:
            return self._named(self.rt.meters, "meter", name).get(index)

    def register_read(self, name: str, index: int) -> int:
        with self.lock:
            return self._named(self.rt.registers, "register", name).cp_read(index)

    def register_write(self, name: str, index: int, value: int) -> None:
        with self.lock:
            self._named(self.rt.registers, "register", name).cp_write(index, value)

    def value_set_write(self, name: str, members: list[tuple[KeyMatch, ...]]) -> None:
        with self.lock:
            self._named(self.rt.value_sets, "value set", name).write(members)

    def value_set_read(self, name: str) -> list[tuple[KeyMatch, ...]]:
        with self.lock:
            return list(self._named(self.rt.value_sets, "value set", name).members)

    @staticmethod
    def _named(d: dict, kind: str, name: str):  # noqa: ANN205 - returns the dict's value type
        obj = d.get(name)
        if obj is None:
            raise NotFound(f"no {kind} named {name}")
        return obj
