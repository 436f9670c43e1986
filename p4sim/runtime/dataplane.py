"""The switch holder shared by the port I/O loop and the P4Runtime server.

The server works with any object that has a settable ``switch`` attribute
(None until a program runs) and a settable ``on_result`` callback, such as
``p4sim.cli.SwitchHolder``: it swaps ``switch`` when a pipeline is committed
and sets ``on_result`` to receive every PacketResult with packet-ins or
digests from the port path. ``Dataplane`` is that protocol with a
``process`` method, for tests and embedders without the CLI."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any, Protocol

from p4sim.engine.entries import PacketResult


class SwitchHolder(Protocol):
    switch: Any
    on_result: Callable[[PacketResult], None] | None


class Dataplane:
    def __init__(self, switch: Any = None):
        self.switch = switch
        self.lock = threading.Lock()
        self.on_result: Callable[[PacketResult], None] | None = None

    def process(self, port: int, data: bytes) -> PacketResult:
        """One frame received on ``port``: what it produced, after handing
        packet-ins and digests to the server. Dropped before any program
        runs, as simple_switch_grpc drops them before its first pipeline."""
        sw = self.switch
        if sw is None:
            return PacketResult()
        res = sw.process(port, data)
        if self.on_result is not None and (res.packet_ins or res.digests):
            self.on_result(res)
        return res
