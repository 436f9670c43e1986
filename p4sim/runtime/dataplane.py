"""The holder of the running switch, shared by the port I/O loop and the
P4Runtime server.

``p4sim run`` feeds received frames to ``Dataplane.process``; the server
replaces the switch when a pipeline is committed and listens for what
packets produce for the controller. Keeping that routing here means neither
the CLI nor the server needs to know about the other: frames out of ports go
to ``transmit``, packet-ins and digests to the server's callbacks."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Any

from p4sim.engine.entries import PacketResult
from p4sim.errors import FailedPrecondition

log = logging.getLogger(__name__)

Transmit = Callable[[int, bytes], None]


class Dataplane:
    """``switch`` is None until a program is installed; packets arriving
    before that are dropped, as simple_switch_grpc drops them before its
    first SetForwardingPipelineConfig."""

    def __init__(
        self,
        cpu_port: int | None = None,
        transmit: Transmit | None = None,
        log_packet: Callable[[str], None] | None = None,
    ):
        if cpu_port is not None and cpu_port in (0, 511):
            raise ValueError(f"CPU port {cpu_port} is not allowed (0 and 511, the drop port, are reserved)")
        self.cpu_port = cpu_port
        self.transmit = transmit
        self.log_packet = log_packet
        self.program: Any = None
        self._switch: Any = None
        self._swap = threading.Lock()
        self.on_packet_in: Callable[[dict[str, int], bytes], None] | None = None
        self.on_digest: Callable[[str, tuple[int, ...]], None] | None = None

    @property
    def switch(self) -> Any:
        return self._switch

    def new_switch(self, program: Any) -> Any:
        """A fresh engine switch for ``program`` with this target's options."""
        from p4sim.engine import Switch

        return Switch(program, cpu_port=self.cpu_port, log=self.log_packet)

    def install(self, switch: Any, program: Any) -> None:
        with self._swap:
            self._switch = switch
            self.program = program

    def process(self, port: int, data: bytes) -> PacketResult:
        """One frame received on ``port``; returns what it produced after
        delivering it (ports, controller)."""
        sw = self._switch
        if sw is None:
            return PacketResult()
        res = sw.process(port, data)
        self._deliver(res)
        return res

    def packet_out(self, payload: bytes, metadata: dict[str, int]) -> PacketResult:
        sw = self._switch
        if sw is None:
            raise FailedPrecondition("no forwarding pipeline is installed: PacketOut dropped")
        res = sw.packet_out(payload, metadata)
        self._deliver(res)
        return res

    def _deliver(self, res: PacketResult) -> None:
        if self.transmit is not None:
            for port, frame in res.outputs:
                try:
                    self.transmit(port, frame)
                except OSError as exc:
                    log.warning("transmit on port %d failed: %s", port, exc)
        if self.on_packet_in is not None:
            for md, payload in res.packet_ins:
                self.on_packet_in(md, payload)
        if self.on_digest is not None:
            for name, values in res.digests:
                self.on_digest(name, values)
