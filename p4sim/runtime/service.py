"""The P4Runtime gRPC service: request checks and dispatch.

Check order follows the contract (and PI): unknown device NOT_FOUND, then
arbitration (PERMISSION_DENIED for a non-primary writer), then the pipeline
(FAILED_PRECONDITION before the first SetForwardingPipelineConfig). Write and
SetForwardingPipelineConfig are serialized by one lock so that a batch never
straddles two pipelines; Read needs no stream and no election (P4Runtime 13)."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Any

import grpc
from finsy.proto.p4.v1 import p4runtime_pb2 as p4r
from finsy.proto.p4.v1 import p4runtime_pb2_grpc as p4r_grpc

from p4sim.engine.entries import PacketResult
from p4sim.errors import EngineError, FailedPrecondition, InvalidArgument, NotFound, Unimplemented
from p4sim.runtime import codec, pipeline, status
from p4sim.runtime.arbitration import Arbiter, election_id, request_role
from p4sim.runtime.context import Context
from p4sim.runtime.dataplane import SwitchHolder
from p4sim.runtime.digests import DigestManager
from p4sim.runtime.handlers import Undecodable
from p4sim.runtime.idle import IdleMonitor
from p4sim.runtime.p4info_index import build as build_index
from p4sim.runtime.pipeline import PipelineConfig
from p4sim.runtime.reader import read_entities
from p4sim.runtime.stream import StreamSession
from p4sim.runtime.writer import apply_batch

log = logging.getLogger(__name__)
Transmit = Callable[[int, bytes], None]

# What Capabilities reports. simple_switch_grpc says "1.3.0"; p4sim says the
# same so that clients which branch on the version (finsy encodes replicas
# by it) behave exactly as they do against BMv2. See docs/p4sim-runtime.md.
API_VERSION = "1.3.0"
READ_CHUNK = 512  # entities per streamed ReadResponse
A = p4r.SetForwardingPipelineConfigRequest


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


class P4RuntimeService(p4r_grpc.P4RuntimeServicer):
    def __init__(self, state: ServerState, api_version: str = API_VERSION):
        self.state = state
        self.api_version = api_version

    @staticmethod
    def _decoded(request) -> None:
        if isinstance(request, Undecodable):
            raise InvalidArgument(request.describe())

    def _device(self, device_id: int) -> None:
        if device_id != self.state.device_id:
            raise NotFound(f"device id {device_id} not found (this device is {self.state.device_id})")

    # -------------------------------------------------------------- Write

    def Write(self, request: p4r.WriteRequest, context: grpc.ServicerContext) -> p4r.WriteResponse:
        st = self.state
        try:
            self._decoded(request)
            self._device(request.device_id)
            st.arbiter.check_writer(request.device_id, request_role(request), election_id(request))
            if request.atomicity != p4r.WriteRequest.CONTINUE_ON_ERROR:
                name = p4r.WriteRequest.Atomicity.Name(request.atomicity)
                raise Unimplemented(f"atomicity {name} is not supported (only CONTINUE_ON_ERROR)")
            with st.control:
                ctx = st.context
                if ctx is None:
                    raise FailedPrecondition("no forwarding pipeline config has been set for this device")
                results = apply_batch(ctx, request.updates)
        except Exception as exc:
            status.abort(context, exc)
        if any(r is not None for r in results):
            for r in results:
                if r is not None and not isinstance(r, EngineError):
                    log.error("update failed unexpectedly", exc_info=r)
            status.abort_batch(context, [status.p4_error(r) for r in results])
        return p4r.WriteResponse()

    # --------------------------------------------------------------- Read

    def Read(self, request: p4r.ReadRequest, context: grpc.ServicerContext):
        st = self.state
        try:
            self._decoded(request)
            self._device(request.device_id)
            ctx = st.context
            if ctx is None:
                raise FailedPrecondition("no forwarding pipeline config has been set for this device")
        except Exception as exc:
            status.abort(context, exc)
        resp = p4r.ReadResponse()
        sent = 0
        try:
            for entity in request.entities:
                for e in read_entities(ctx, entity):
                    resp.entities.append(e)
                    if len(resp.entities) >= READ_CHUNK:
                        yield resp
                        sent += 1
                        resp = p4r.ReadResponse()
        except Exception as exc:
            status.abort(context, exc)
        if len(resp.entities) or not sent:  # an empty result is one empty response, as in PI
            yield resp

    # ----------------------------------------------------------- Pipeline

    def SetForwardingPipelineConfig(self, request, context):
        st = self.state
        try:
            self._decoded(request)
            self._device(request.device_id)
            st.arbiter.check_writer(request.device_id, request_role(request), election_id(request))
            action = request.action
            with st.control:
                if action == A.VERIFY:
                    pipeline.safe_verify(request.config)
                elif action == A.VERIFY_AND_SAVE:
                    st.saved = pipeline.safe_verify(request.config)
                elif action in (A.VERIFY_AND_COMMIT, A.RECONCILE_AND_COMMIT):
                    cfg = pipeline.safe_verify(request.config)
                    st.commit(cfg, reconcile=action == A.RECONCILE_AND_COMMIT)
                    st.saved = None
                elif action == A.COMMIT:
                    if st.saved is None:
                        raise FailedPrecondition("COMMIT without a config saved by VERIFY_AND_SAVE")
                    cfg = st.saved
                    if request.config.HasField("cookie"):
                        cfg.cookie = request.config.cookie.cookie
                    st.commit(cfg, reconcile=False)
                    st.saved = None
                else:
                    raise InvalidArgument(f"SetForwardingPipelineConfig action {action} is not valid")
        except Exception as exc:
            status.abort(context, exc)
        return p4r.SetForwardingPipelineConfigResponse()

    def GetForwardingPipelineConfig(self, request, context):
        st = self.state
        try:
            self._decoded(request)
            self._device(request.device_id)
            cfg = st.config
            if cfg is None:
                raise FailedPrecondition("no forwarding pipeline config has been set for this device")
            R = p4r.GetForwardingPipelineConfigRequest
            rt = request.response_type
            if rt not in (R.ALL, R.COOKIE_ONLY, R.P4INFO_AND_COOKIE, R.DEVICE_CONFIG_AND_COOKIE):
                raise InvalidArgument(f"response_type {rt} is not valid")
        except Exception as exc:
            status.abort(context, exc)
        resp = p4r.GetForwardingPipelineConfigResponse()
        out = resp.config
        if rt in (R.ALL, R.P4INFO_AND_COOKIE):
            out.p4info.CopyFrom(cfg.p4info)
        if rt in (R.ALL, R.DEVICE_CONFIG_AND_COOKIE):
            out.p4_device_config = cfg.device_config
        if cfg.cookie is not None:
            out.cookie.cookie = cfg.cookie
        return resp

    # ------------------------------------------------------- Capabilities

    def Capabilities(self, request, context):
        try:
            self._decoded(request)
        except InvalidArgument as exc:
            status.abort(context, exc)
        return p4r.CapabilitiesResponse(p4runtime_api_version=self.api_version)

    # ------------------------------------------------------------- Stream

    def StreamChannel(self, request_iterator, context):
        return StreamSession(self.state, context).run(request_iterator)
