"""A small synchronous P4Runtime client for packet tests.

PTF tests drive the switch the way the P4 community drives BMv2: raw P4Runtime
over gRPC, no agent in between. This client keeps that direct (protobuf
messages in, protobuf messages out) and adds what every test needs: a stream
thread that sorts incoming messages into queues (arbitration, packet-in,
digests, idle timeouts, stream errors), primary arbitration, pipeline push,
and Write errors decoded per update so a failing test says which update
failed and why.
"""

from __future__ import annotations

import queue
import threading
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import grpc
from finsy.proto.google.rpc import status_pb2
from finsy.proto.p4.config.v1 import p4info_pb2
from finsy.proto.p4.v1 import p4runtime_pb2, p4runtime_pb2_grpc
from google.protobuf import text_format


@dataclass
class UpdateError:
    index: int
    code: int
    message: str

    def __str__(self) -> str:
        return f"update #{self.index}: {grpc.StatusCode(self._code_tuple()).name}: {self.message}"

    def _code_tuple(self) -> tuple[int, str]:
        for sc in grpc.StatusCode:
            if sc.value[0] == self.code:
                return sc.value
        return grpc.StatusCode.UNKNOWN.value


class P4RuntimeWriteError(Exception):
    """A Write failed; ``errors`` lists the updates that failed, by index."""

    def __init__(self, rpc_error: grpc.RpcError, errors: list[UpdateError]):
        self.rpc_error = rpc_error
        self.errors = errors
        details = "; ".join(str(e) for e in errors) or rpc_error.details()
        super().__init__(f"Write failed ({rpc_error.code().name}): {details}")

    def codes(self) -> list[int]:
        return [e.code for e in self.errors]


def decode_write_error(err: grpc.RpcError) -> P4RuntimeWriteError:
    """Per-update p4.v1.Error messages travel in the grpc-status-details-bin
    trailer as a google.rpc.Status whose details are p4.v1.Error, one per
    update in request order (OK for those that were applied)."""
    errors: list[UpdateError] = []
    for key, value in err.trailing_metadata() or ():
        if key != "grpc-status-details-bin":
            continue
        status = status_pb2.Status.FromString(value)
        for index, detail in enumerate(status.details):
            p4err = p4runtime_pb2.Error()
            if detail.Unpack(p4err) and p4err.canonical_code != 0:
                errors.append(UpdateError(index, p4err.canonical_code, p4err.message))
    return P4RuntimeWriteError(err, errors)


def load_p4info(path: str) -> p4info_pb2.P4Info:
    p4info = p4info_pb2.P4Info()
    with open(path, "rb") as f:
        data = f.read()
    if path.endswith(".bin"):
        p4info.ParseFromString(data)
    else:
        text_format.Parse(data.decode(), p4info)
    return p4info


class P4RuntimeClient:
    """One P4Runtime session: channel, stub and the bidirectional stream."""

    def __init__(self, address: str, device_id: int = 1, election_id: tuple[int, int] = (0, 1)):
        self.address = address
        self.device_id = device_id
        self.election_id = election_id
        self.channel = grpc.insecure_channel(address)
        self.stub = p4runtime_pb2_grpc.P4RuntimeStub(self.channel)
        self._requests: queue.Queue[p4runtime_pb2.StreamMessageRequest | None] = queue.Queue()
        self.arbitration: queue.Queue[p4runtime_pb2.MasterArbitrationUpdate] = queue.Queue()
        self.packet_ins: queue.Queue[p4runtime_pb2.PacketIn] = queue.Queue()
        self.digests: queue.Queue[p4runtime_pb2.DigestList] = queue.Queue()
        self.idle_timeouts: queue.Queue[p4runtime_pb2.IdleTimeoutNotification] = queue.Queue()
        self.stream_errors: queue.Queue[p4runtime_pb2.StreamError] = queue.Queue()
        self._stream = None
        self._thread: threading.Thread | None = None

    # ------------------------------------------------------------ stream
    def open_stream(self) -> None:
        def requests() -> Iterable[p4runtime_pb2.StreamMessageRequest]:
            while (msg := self._requests.get()) is not None:
                yield msg

        self._stream = self.stub.StreamChannel(requests())
        self._thread = threading.Thread(target=self._receive, name="p4rt-stream", daemon=True)
        self._thread.start()

    def _receive(self) -> None:
        try:
            for msg in self._stream:
                which = msg.WhichOneof("update")
                if which == "arbitration":
                    self.arbitration.put(msg.arbitration)
                elif which == "packet":
                    self.packet_ins.put(msg.packet)
                elif which == "digest":
                    self.digests.put(msg.digest)
                elif which == "idle_timeout_notification":
                    self.idle_timeouts.put(msg.idle_timeout_notification)
                elif which == "error":
                    self.stream_errors.put(msg.error)
        except grpc.RpcError as err:
            if err.code() != grpc.StatusCode.CANCELLED:
                self.stream_errors.put(p4runtime_pb2.StreamError(canonical_code=err.code().value[0],
                                                                 message=err.details() or ""))

    def become_primary(self, timeout: float = 5.0) -> p4runtime_pb2.MasterArbitrationUpdate:
        """Send arbitration and wait for the answer; raises unless we are
        primary (status OK)."""
        if self._stream is None:
            self.open_stream()
        req = p4runtime_pb2.StreamMessageRequest()
        req.arbitration.device_id = self.device_id
        req.arbitration.election_id.high, req.arbitration.election_id.low = self.election_id
        self._requests.put(req)
        deadline = time.monotonic() + timeout
        while True:
            try:
                reply = self.arbitration.get(timeout=0.05)
                break
            except queue.Empty:
                if not self.stream_errors.empty():
                    err = self.stream_errors.get()
                    raise RuntimeError(f"arbitration on {self.address} failed: {err.message}") from None
                if time.monotonic() > deadline:
                    raise TimeoutError(f"no arbitration answer from {self.address} in {timeout} s") from None
        if reply.status.code != 0:
            raise RuntimeError(f"not primary on {self.address}: status {reply.status.code} {reply.status.message}")
        return reply

    def send_packet_out(self, payload: bytes, metadata: Sequence[tuple[int, bytes]] = ()) -> None:
        req = p4runtime_pb2.StreamMessageRequest()
        req.packet.payload = payload
        for mid, value in metadata:
            md = req.packet.metadata.add()
            md.metadata_id, md.value = mid, value
        self._requests.put(req)

    def ack_digest(self, digest: p4runtime_pb2.DigestList) -> None:
        req = p4runtime_pb2.StreamMessageRequest()
        req.digest_ack.digest_id = digest.digest_id
        req.digest_ack.list_id = digest.list_id
        self._requests.put(req)

    def close(self) -> None:
        """Idempotent: ends the stream (releasing our election id) and the channel."""
        self._requests.put(None)
        if self._thread is not None:
            self._thread.join(timeout=2)
        self.channel.close()

    # ------------------------------------------------------------ unary RPCs
    def set_pipeline(self, p4info: p4info_pb2.P4Info, device_config: bytes, cookie: int = 0,
                     action: int = p4runtime_pb2.SetForwardingPipelineConfigRequest.VERIFY_AND_COMMIT) -> None:
        req = p4runtime_pb2.SetForwardingPipelineConfigRequest(device_id=self.device_id, action=action)
        req.election_id.high, req.election_id.low = self.election_id
        req.config.p4info.CopyFrom(p4info)
        req.config.p4_device_config = device_config
        req.config.cookie.cookie = cookie
        self.stub.SetForwardingPipelineConfig(req)

    def get_pipeline(self, response_type: int = p4runtime_pb2.GetForwardingPipelineConfigRequest.ALL
                     ) -> p4runtime_pb2.ForwardingPipelineConfig:
        req = p4runtime_pb2.GetForwardingPipelineConfigRequest(device_id=self.device_id, response_type=response_type)
        return self.stub.GetForwardingPipelineConfig(req).config

    def write(self, updates: Sequence[p4runtime_pb2.Update]) -> None:
        req = p4runtime_pb2.WriteRequest(device_id=self.device_id,
                                         atomicity=p4runtime_pb2.WriteRequest.CONTINUE_ON_ERROR)
        req.election_id.high, req.election_id.low = self.election_id
        req.updates.extend(updates)
        try:
            self.stub.Write(req)
        except grpc.RpcError as err:
            raise decode_write_error(err) from None

    def read(self, entities: Sequence[p4runtime_pb2.Entity]) -> list[p4runtime_pb2.Entity]:
        req = p4runtime_pb2.ReadRequest(device_id=self.device_id)
        req.entities.extend(entities)
        out: list[p4runtime_pb2.Entity] = []
        for resp in self.stub.Read(req):
            out.extend(resp.entities)
        return out
