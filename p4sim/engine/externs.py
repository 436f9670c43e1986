"""Stateful v1model externs: counters, meters, registers, value sets.

Behaviour follows BMv2 (``src/bm_sim/counters.cpp``, ``meters.cpp``,
``stateful.h``): counters and meters count the packet's length as it entered
ingress; a two-rate meter is the RFC 2698 trTCM with token buckets refilled
from one time origin in microseconds, the peak bucket checked first; an
unconfigured meter returns GREEN.
"""

from __future__ import annotations

from collections.abc import Callable

from p4sim.engine.entries import CounterData, MeterConfig
from p4sim.errors import InvalidArgument
from p4sim.ir import KeyMatch

GREEN, YELLOW, RED = 0, 1, 2

__all__ = ["CounterArray", "Meter", "MeterArray", "RegisterArray", "ValueSetState", "GREEN", "YELLOW", "RED"]


def _check_index(kind: str, name: str, index: int, size: int) -> None:
    if not 0 <= index < size:
        raise InvalidArgument(f"{kind} {name}: index {index} outside 0..{size - 1}")


class CounterArray:
    """``counter(size, type)``: packets and/or bytes per index."""

    def __init__(self, name: str, size: int, kind: str = "packets_and_bytes"):
        self.name = name
        self.size = size
        self.kind = kind
        self.cells = [CounterData() for _ in range(size)]

    def count(self, index: int, length: int) -> bool:
        """Count one packet; False (nothing counted) for an index out of
        range, which BMv2 logs and ignores."""
        if 0 <= index < self.size:
            c = self.cells[index]
            c.packets += 1
            c.bytes += length
            return True
        return False

    def read(self, index: int) -> CounterData:
        _check_index("counter", self.name, index, self.size)
        c = self.cells[index]
        return CounterData(c.packets, c.bytes)

    def write(self, index: int, data: CounterData) -> None:
        _check_index("counter", self.name, index, self.size)
        self.cells[index] = CounterData(data.packets, data.bytes)


class Meter:
    """One trTCM meter (BMv2 ``Meter`` with two rates)."""

    __slots__ = ("packets", "clock", "config", "_rates")

    def __init__(self, packets: bool, clock: Callable[[], int]):
        self.packets = packets
        self.clock = clock  # microseconds since the switch's time origin
        self.config: MeterConfig | None = None
        self._rates: list[list] = []

    def configure(self, config: MeterConfig | None) -> None:
        """P4Runtime rates are per second; BMv2 keeps them per microsecond
        (PI divides by 10**6) with the burst as the bucket size."""
        self.config = config
        if config is None:
            self._rates = []
            return
        if config.pir < config.cir:
            raise InvalidArgument("meter: PIR must not be below CIR")
        # [info_rate per us, burst, tokens, tokens_last, color]; peak first
        self._rates = [
            [config.pir / 1e6, config.pburst, config.pburst, 0, RED],
            [config.cir / 1e6, config.cburst, config.cburst, 0, YELLOW],
        ]

    def execute(self, length: int) -> int:
        if not self._rates:
            return GREEN
        now = self.clock()
        need = 1 if self.packets else length
        color = GREEN
        for rate in self._rates:
            since_init = int(now * rate[0])
            new_tokens = since_init - rate[3]
            rate[3] = since_init
            rate[2] = min(rate[2] + new_tokens, rate[1])
            if rate[2] < need:
                color = rate[4]
                break
            rate[2] -= need
        return color


class MeterArray:
    def __init__(self, name: str, size: int, packets: bool, clock: Callable[[], int]):
        self.name = name
        self.size = size
        self.meters = [Meter(packets, clock) for _ in range(size)]

    def execute(self, index: int, length: int) -> int:
        if 0 <= index < self.size:
            return self.meters[index].execute(length)
        return GREEN

    def set(self, index: int, config: MeterConfig | None) -> None:
        _check_index("meter", self.name, index, self.size)
        self.meters[index].configure(config)

    def get(self, index: int) -> MeterConfig | None:
        _check_index("meter", self.name, index, self.size)
        return self.meters[index].config


class RegisterArray:
    """``register<T>(size)``: values are the unsigned patterns of T."""

    def __init__(self, name: str, size: int, width: int):
        self.name = name
        self.size = size
        self.width = width
        self.values = [0] * size

    def read(self, index: int) -> int:
        """Packet-path read: out of range gives 0 (BMv2 leaves the result
        unspecified; zero is what it returns in practice)."""
        if 0 <= index < self.size:
            return self.values[index]
        return 0

    def write(self, index: int, value: int) -> None:
        if 0 <= index < self.size:
            self.values[index] = value & ((1 << self.width) - 1)

    def cp_read(self, index: int) -> int:
        _check_index("register", self.name, index, self.size)
        return self.values[index]

    def cp_write(self, index: int, value: int) -> None:
        _check_index("register", self.name, index, self.size)
        if value < 0 or value >> self.width:
            raise InvalidArgument(f"register {self.name}: value {value:#x} does not fit in {self.width} bits")
        self.values[index] = value


class ValueSetState:
    """A parser ``value_set``: members are tuples of KeyMatch (one per field
    of the element type), matched as exact / ternary / lpm / range."""

    def __init__(self, name: str, size: int, widths: list[int]):
        self.name = name
        self.size = size
        self.widths = widths
        self.members: list[tuple[KeyMatch, ...]] = []
        self._forms: list[tuple] = []

    def write(self, members: list[tuple[KeyMatch, ...]]) -> None:
        if len(members) > self.size:
            raise InvalidArgument(f"value set {self.name}: {len(members)} members, size is {self.size}")
        forms = []
        for m in members:
            if len(m) != len(self.widths):
                raise InvalidArgument(f"value set {self.name}: member has {len(m)} fields, needs {len(self.widths)}")
            forms.append(tuple(self._form(km, w) for km, w in zip(m, self.widths, strict=True)))
        self.members = list(members)
        self._forms = forms

    def _form(self, km: KeyMatch, width: int) -> tuple[str, int, int]:
        full = (1 << width) - 1
        if km.value >> width:
            raise InvalidArgument(f"value set {self.name}: value {km.value:#x} does not fit in {width} bits")
        if km.kind in ("exact", "optional"):
            return ("m", km.value, full)
        if km.kind == "ternary":
            return ("m", km.value & km.mask, km.mask)
        if km.kind == "lpm":
            pm = full ^ ((1 << (width - km.mask)) - 1)
            return ("m", km.value & pm, pm)
        if km.kind == "range":
            return ("r", km.value, km.mask)
        if km.kind == "dontcare":
            return ("m", 0, 0)
        raise InvalidArgument(f"value set {self.name}: unknown match kind {km.kind}")

    def matches(self, values: tuple[int, ...]) -> bool:
        for form in self._forms:
            for (kind, a, b), v in zip(form, values, strict=True):
                if kind == "m":
                    if v & b != a:
                        break
                elif not a <= v <= b:
                    break
            else:
                return True
        return False
