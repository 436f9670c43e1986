"""State shared by the P4Runtime RPCs of one device: arbitration, the
committed and saved pipelines, and the routing of what packets produce
(packet-ins, digests, PacketOut results) between the switch holder and the
controller. Installing a pipeline swaps the holder's switch and the context
(P4Info index, digest and idle-timeout state) together."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Any

from finsy.proto.p4.v1 import p4runtime_pb2 as p4r

from p4sim.engine.entries import PacketResult
from p4sim.errors import FailedPrecondition
from p4sim.runtime import codec, pipeline
from p4sim.runtime.arbitration import Arbiter
from p4sim.runtime.context import Context
from p4sim.runtime.dataplane import SwitchHolder
from p4sim.runtime.digests import DigestManager
from p4sim.runtime.idle import IdleMonitor
from p4sim.runtime.p4info_index import build as build_index
from p4sim.runtime.pipeline import PipelineConfig

log = logging.getLogger(__name__)
Transmit = Callable[[int, bytes], None]


class ServerState:
    """Everything the service shares between RPCs. ``holder`` is the switch
    holder the port loop reads (see p4sim.runtime.dataplane)."""

    def __init__(
        self,
        holder: SwitchHolder,
        device_id: int,
        cpu_port: int | None = None,
        transmit: Transmit | None = None,
        log_packet: Callable[[str], None] | None = None,
    ):
        self.holder = holder
        self.device_id = device_id
        self.cpu_port = cpu_port
        self.transmit = transmit
        self.log_packet = log_packet
        self.arbiter = Arbiter(device_id)
        self.config: PipelineConfig | None = None
        self.saved: PipelineConfig | None = None
        self.context: Context | None = None
        self.control = threading.Lock()
        # Each stream holds a gRPC worker thread; serve() caps them so that
        # unary calls (Write, Read) always find a free worker.
        self.max_streams = 1 << 30
        self.streams = 0
        self.streams_lock = threading.Lock()
        holder.on_result = self.on_result

    # ------------------------------------------------ data plane -> client

    def on_result(self, res: PacketResult) -> None:
        """Packet-ins and digests of one packet, from the port loop or from
        a PacketOut."""
        ctx = self.context
        if ctx is None:
            return
        for md, payload in res.packet_ins:
            self.packet_in(ctx, md, payload)
        for name, values in res.digests:
            ctx.digests.learn(name, values)

    def send_to_primary(self, msg: p4r.StreamMessageResponse) -> bool:
        primary = self.arbiter.primary("")
        return primary.send(msg) if primary is not None else False

    def packet_in(self, ctx: Context, metadata: dict[str, int], payload: bytes) -> None:
        msg = p4r.StreamMessageResponse()
        msg.packet.payload = payload
        for info in ctx.idx.packet_in:
            if info.name in metadata:
                msg.packet.metadata.add(metadata_id=info.id, value=codec.encode(metadata[info.name]))
        self.send_to_primary(msg)

    def packet_out(self, payload: bytes, metadata: dict[str, int]) -> None:
        ctx = self.context
        if ctx is None:
            raise FailedPrecondition("no forwarding pipeline is installed: PacketOut dropped")
        res = ctx.sw.packet_out(payload, metadata)
        if self.transmit is not None:
            for port, frame in res.outputs:
                try:
                    self.transmit(port, frame)
                except OSError as exc:
                    log.warning("transmit on port %d failed: %s", port, exc)
        self.on_result(res)

    # ----------------------------------------------------------- pipeline

    def new_switch(self, program: Any) -> Any:
        from p4sim.engine import Switch

        return Switch(program, cpu_port=self.cpu_port, log=self.log_packet)

    def _install(self, ctx: Context, cfg: PipelineConfig) -> None:
        lock = getattr(self.holder, "lock", None)
        if lock is not None:
            with lock:
                self.holder.switch = ctx.sw
        else:
            self.holder.switch = ctx.sw
        old = self.context
        self.context = ctx
        self.config = cfg
        if old is not None:
            old.stop()

    def commit(self, cfg: PipelineConfig, reconcile: bool) -> None:
        """Builds the new switch first and swaps it in only when complete,
        so a failure leaves the running pipeline untouched."""
        new_sw = self.new_switch(cfg.program)
        old = self.context
        if reconcile and old is not None:
            with old.sw.lock:
                kept = pipeline.carry_over(old.idx, old.sw, cfg.index, new_sw)
            log.info("reconcile kept the entries of %d tables: %s", len(kept), ", ".join(kept))
        self._install(self._context(cfg.index, new_sw), cfg)

    def adopt(self, switch: Any, program: Any, p4info: Any, device_config: bytes = b"") -> None:
        """Serves the switch the CLI started with a program on its command
        line (as simple_switch_grpc given a JSON): its P4Info is the
        committed one until a SetForwardingPipelineConfig."""
        index = build_index(p4info)
        cfg = PipelineConfig(p4info, device_config, None, program, index)
        self._install(self._context(index, switch), cfg)

    def _context(self, index, sw) -> Context:
        return Context(
            index, sw, DigestManager(index, self.send_to_primary), IdleMonitor(index, sw, self.send_to_primary)
        )

    def stop(self) -> None:
        if self.context is not None:
            self.context.stop()
