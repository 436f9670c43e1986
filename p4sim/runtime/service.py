"""The P4Runtime gRPC service: request checks and dispatch.

Check order follows the contract (and PI): unknown device NOT_FOUND, then
arbitration (PERMISSION_DENIED for a non-primary writer), then the pipeline
(FAILED_PRECONDITION before the first SetForwardingPipelineConfig). Write and
SetForwardingPipelineConfig are serialized by one lock so that a batch never
straddles two pipelines; Read needs no stream and no election (P4Runtime 13)."""

from __future__ import annotations

import logging
import threading
from typing import Any

import grpc
from finsy.proto.p4.v1 import p4runtime_pb2 as p4r
from finsy.proto.p4.v1 import p4runtime_pb2_grpc as p4r_grpc

from p4sim.errors import EngineError, FailedPrecondition, InvalidArgument, NotFound, Unimplemented
from p4sim.runtime import codec, pipeline, status
from p4sim.runtime.arbitration import Arbiter, election_id
from p4sim.runtime.context import Context
from p4sim.runtime.dataplane import Dataplane
from p4sim.runtime.digests import DigestManager
from p4sim.runtime.pipeline import PipelineConfig
from p4sim.runtime.reader import read_entities
from p4sim.runtime.stream import StreamSession
from p4sim.runtime.writer import apply_batch

log = logging.getLogger(__name__)

# What Capabilities reports. simple_switch_grpc says "1.3.0"; p4sim says the
# same so that clients which branch on the version (finsy encodes replicas
# by it) behave exactly as they do against BMv2. See docs/p4sim-runtime.md.
API_VERSION = "1.3.0"
READ_CHUNK = 512  # entities per streamed ReadResponse
A = p4r.SetForwardingPipelineConfigRequest


class ServerState:
    """Everything the service shares between RPCs."""

    def __init__(self, dataplane: Dataplane, device_id: int):
        self.dataplane = dataplane
        self.device_id = device_id
        self.arbiter = Arbiter(device_id)
        self.config: PipelineConfig | None = None
        self.saved: PipelineConfig | None = None
        self.context: Context | None = None
        self.control = threading.Lock()
        dataplane.on_packet_in = self.packet_in
        dataplane.on_digest = self.digest

    # ------------------------------------------------ data plane -> client

    def send_to_primary(self, msg: p4r.StreamMessageResponse) -> bool:
        primary = self.arbiter.primary("")
        return primary.send(msg) if primary is not None else False

    def packet_in(self, metadata: dict[str, int], payload: bytes) -> None:
        ctx = self.context
        if ctx is None:
            return
        msg = p4r.StreamMessageResponse()
        msg.packet.payload = payload
        for info in ctx.idx.packet_in:
            if info.name in metadata:
                msg.packet.metadata.add(metadata_id=info.id, value=codec.encode(metadata[info.name]))
        self.send_to_primary(msg)

    def digest(self, name: str, values: tuple[int, ...]) -> None:
        ctx = self.context
        if ctx is not None:
            ctx.digests.learn(name, values)

    # ----------------------------------------------------------- pipeline

    def commit(self, cfg: PipelineConfig, reconcile: bool) -> None:
        """Builds the new switch first and swaps it in only when complete,
        so a failure leaves the running pipeline untouched."""
        dp = self.dataplane
        new_sw = dp.new_switch(cfg.program)
        old = self.context
        if reconcile and old is not None:
            with old.sw.lock:
                kept = pipeline.carry_over(old.idx, old.sw, cfg.index, new_sw)
            log.info("reconcile kept the entries of %d tables: %s", len(kept), ", ".join(kept))
        digests = DigestManager(cfg.index, self.send_to_primary)
        ctx = Context(cfg.index, new_sw, digests)
        dp.install(new_sw, cfg.program)
        self.context = ctx
        self.config = cfg
        if old is not None:
            old.digests.stop()

    def adopt(self, switch: Any, program: Any, p4info, device_config: bytes = b"") -> None:
        """Serves a switch the CLI already started with a program (like
        simple_switch_grpc given a JSON on its command line)."""
        index = pipeline.build(p4info)
        cfg = PipelineConfig(p4info, device_config, None, program, index)
        self.dataplane.install(switch, program)
        self.context = Context(index, switch, DigestManager(index, self.send_to_primary))
        self.config = cfg

    def stop(self) -> None:
        if self.context is not None:
            self.context.digests.stop()


class P4RuntimeService(p4r_grpc.P4RuntimeServicer):
    def __init__(self, state: ServerState, api_version: str = API_VERSION):
        self.state = state
        self.api_version = api_version

    def _device(self, device_id: int) -> None:
        if device_id != self.state.device_id:
            raise NotFound(f"device id {device_id} not found (this device is {self.state.device_id})")

    # -------------------------------------------------------------- Write

    def Write(self, request: p4r.WriteRequest, context: grpc.ServicerContext) -> p4r.WriteResponse:
        st = self.state
        try:
            self._device(request.device_id)
            st.arbiter.check_writer(request.device_id, request.role, election_id(request))
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
            self._device(request.device_id)
            st.arbiter.check_writer(request.device_id, request.role, election_id(request))
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
        return p4r.CapabilitiesResponse(p4runtime_api_version=self.api_version)

    # ------------------------------------------------------------- Stream

    def StreamChannel(self, request_iterator, context):
        return StreamSession(self.state, context).run(request_iterator)
