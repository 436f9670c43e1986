"""The P4Runtime gRPC service: request checks and dispatch.

Check order follows the contract (and PI): unknown device NOT_FOUND, then
arbitration (PERMISSION_DENIED for a non-primary writer), then the pipeline
(FAILED_PRECONDITION before the first SetForwardingPipelineConfig). Write and
SetForwardingPipelineConfig are serialized by one lock so that a batch never
straddles two pipelines; Read needs no stream and no election (P4Runtime 13)."""

from __future__ import annotations

import logging

import grpc
from finsy.proto.p4.v1 import p4runtime_pb2 as p4r
from finsy.proto.p4.v1 import p4runtime_pb2_grpc as p4r_grpc

from p4sim.errors import (
    EngineError,
    FailedPrecondition,
    InvalidArgument,
    NotFound,
    ResourceExhausted,
    Unimplemented,
)
from p4sim.runtime import pipeline, status
from p4sim.runtime.arbitration import election_id, request_role
from p4sim.runtime.handlers import Undecodable
from p4sim.runtime.reader import read_entities
from p4sim.runtime.state import ServerState
from p4sim.runtime.stream import StreamSession
from p4sim.runtime.writer import apply_batch

log = logging.getLogger(__name__)

# What Capabilities reports. simple_switch_grpc says "1.3.0"; p4sim says the
# same so that clients which branch on the version (finsy encodes replicas
# by it) behave exactly as they do against BMv2. See docs/p4sim-runtime.md.
API_VERSION = "1.3.0"
READ_CHUNK = 512  # entities per streamed ReadResponse
A = p4r.SetForwardingPipelineConfigRequest


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
        st = self.state
        with st.streams_lock:
            if st.streams >= st.max_streams:
                refused = ResourceExhausted(
                    f"too many open streams ({st.streams}); the server keeps workers free for other RPCs"
                )
            else:
                st.streams += 1
                refused = None
        if refused is not None:
            status.abort(context, refused)
        return self._stream(request_iterator, context)

    def _stream(self, request_iterator, context):
        try:
            yield from StreamSession(self.state, context).run(request_iterator)
        finally:
            with self.state.streams_lock:
                self.state.streams -= 1
