"""Control-plane state as the engine's API takes and returns it.

Plain slotted dataclasses with ints, so that the P4Runtime server can build
them quickly from protobuf and tests can write them by hand. Names are the
P4Info (control-plane) names of tables, actions and externs."""

from __future__ import annotations

from dataclasses import dataclass, field

from p4sim.ir import KeyMatch

__all__ = [
    "KeyMatch",
    "ActionSpec",
    "TableEntry",
    "MeterConfig",
    "CounterData",
    "Replica",
    "GroupMember",
]


@dataclass(frozen=True, slots=True)
class ActionSpec:
    """An action and the values of its control-plane parameters, in
    declaration order, each already fitting the parameter's width."""

    action: str
    args: tuple[int, ...] = ()


@dataclass(slots=True)
class CounterData:
    packets: int = 0
    bytes: int = 0


@dataclass(frozen=True, slots=True)
class MeterConfig:
    """Two-rate three-colour meter (RFC 2698) as P4Runtime configures it;
    rates in units per second (bytes or packets by the meter's type)."""

    cir: int
    cburst: int
    pir: int
    pburst: int


@dataclass(slots=True)
class TableEntry:
    """One entry. ``keys`` has one KeyMatch per table key, in key order
    (``KeyMatch("dontcare")`` for a wildcarded ternary/lpm/range/optional
    field). Exactly one of ``action``, ``member_id``, ``group_id`` is set;
    the latter two only for tables with an action profile/selector.
    ``priority`` is 0 for tables without ternary/range/optional keys; for the
    others a larger value wins (P4Runtime's convention)."""

    keys: tuple[KeyMatch, ...]
    action: ActionSpec | None = None
    member_id: int | None = None
    group_id: int | None = None
    priority: int = 0
    counter: CounterData | None = None
    meter: MeterConfig | None = None
    idle_timeout_ns: int = 0
    metadata: bytes = b""
    is_const: bool = False


@dataclass(frozen=True, slots=True)
class Replica:
    """One copy made by a multicast group or clone session."""

    port: int
    rid: int = 0


@dataclass(frozen=True, slots=True)
class GroupMember:
    member_id: int
    weight: int = 1
    watch_port: int | None = None


@dataclass(slots=True)
class PacketResult:
    """Everything one injected packet produced: frames out of ports in the
    order BMv2 would transmit them, packet-ins for the controller (metadata by
    P4Info name, payload), and digest messages (digest name, field values in
    the struct's order)."""

    outputs: list[tuple[int, bytes]] = field(default_factory=list)
    packet_ins: list[tuple[dict[str, int], bytes]] = field(default_factory=list)
    digests: list[tuple[str, tuple[int, ...]]] = field(default_factory=list)
