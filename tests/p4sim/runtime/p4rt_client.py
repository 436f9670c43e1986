"""A small raw P4Runtime client for the server tests: finsy's generated
stubs over a real gRPC channel, with a stream whose messages are collected by
a thread so that tests can wait for what the server sends."""

from __future__ import annotations

import queue
import threading
from collections.abc import Iterable

import grpc
from finsy.proto.p4.v1 import p4runtime_pb2 as p4r
from finsy.proto.p4.v1 import p4runtime_pb2_grpc as p4r_grpc

from p4sim.runtime.status import batch_errors


def eid(value: int) -> p4r.Uint128:
    return p4r.Uint128(high=value >> 64, low=value & ((1 << 64) - 1))


class Stream:
    """One StreamChannel: ``send`` requests, ``get`` responses in order."""

    def __init__(self, stub: p4r_grpc.P4RuntimeStub):
        self._requests: queue.Queue = queue.Queue()
        self.responses: queue.Queue = queue.Queue()
        self.error: grpc.RpcError | None = None
        self._call = stub.StreamChannel(iter(self._requests.get, None))
        self._thread = threading.Thread(target=self._pump, daemon=True)
        self._thread.start()

    def _pump(self) -> None:
        try:
            for msg in self._call:
                self.responses.put(msg)
        except grpc.RpcError as exc:
            self.error = exc
        finally:
            self.responses.put(None)

    def send(self, msg: p4r.StreamMessageRequest) -> None:
        self._requests.put(msg)

    def arbitrate(self, election_id: int | None, device_id: int = 0, role: str = "") -> None:
        upd = p4r.MasterArbitrationUpdate(device_id=device_id)
        if election_id is not None:
            upd.election_id.CopyFrom(eid(election_id))
        if role:
            upd.role.name = role
        self.send(p4r.StreamMessageRequest(arbitration=upd))

    def get(self, kind: str | None = None, timeout: float = 5.0) -> p4r.StreamMessageResponse:
        """The next response (of ``kind``, skipping others); fails the test
        on timeout or when the stream ended."""
        while True:
            msg = self.responses.get(timeout=timeout)
            if msg is None:
                self.responses.put(None)
                raise AssertionError(f"stream ended while waiting for {kind or 'a message'}: {self.error}")
            if kind is None or msg.WhichOneof("update") == kind:
                return msg

    def nothing(self, kind: str, wait: float = 0.3) -> bool:
        """True if no message of ``kind`` arrives within ``wait`` seconds."""
        try:
            self.get(kind, timeout=wait)
        except queue.Empty:
            return True
        return False

    def ended(self, timeout: float = 5.0) -> grpc.RpcError | None:
        """Waits for the stream to end; returns its error status, if any."""
        self._thread.join(timeout)
        assert not self._thread.is_alive(), "stream did not end"
        return self.error

    def close(self) -> None:
        self._requests.put(None)
        self._call.cancel()


class Client:
    def __init__(self, port: int, device_id: int = 0, election_id: int = 1):
        self.channel = grpc.insecure_channel(f"127.0.0.1:{port}")
        self.stub = p4r_grpc.P4RuntimeStub(self.channel)
        self.device_id = device_id
        self.election_id = election_id
        self.streams: list[Stream] = []

    def close(self) -> None:
        for s in self.streams:
            s.close()
        self.channel.close()

    def stream(self) -> Stream:
        s = Stream(self.stub)
        self.streams.append(s)
        return s

    def become_primary(self) -> Stream:
        s = self.stream()
        s.arbitrate(self.election_id, self.device_id)
        msg = s.get("arbitration")
        assert msg.arbitration.status.code == 0, msg
        return s

    # ------------------------------------------------------------- writes

    def write_request(self, updates: Iterable[p4r.Update], **kw) -> p4r.WriteRequest:
        req = p4r.WriteRequest(device_id=kw.pop("device_id", self.device_id), **kw)
        if "election_id" not in kw:
            req.election_id.CopyFrom(eid(self.election_id))
        req.updates.extend(updates)
        return req

    def write(self, *updates: p4r.Update, **kw) -> None:
        self.stub.Write(self.write_request(updates, **kw))

    def write_error(self, *updates: p4r.Update, **kw) -> grpc.RpcError:
        """Writes expecting a failure; returns the error."""
        try:
            self.stub.Write(self.write_request(updates, **kw))
        except grpc.RpcError as exc:
            return exc
        raise AssertionError("write succeeded but should have failed")

    def insert(self, entity: p4r.Entity) -> p4r.Update:
        return p4r.Update(type=p4r.Update.INSERT, entity=entity)

    # -------------------------------------------------------------- reads

    def read(self, *entities: p4r.Entity) -> list[p4r.Entity]:
        req = p4r.ReadRequest(device_id=self.device_id, entities=entities)
        out = []
        for resp in self.stub.Read(req):
            out.extend(resp.entities)
        return out

    def read_error(self, *entities: p4r.Entity, device_id: int | None = None) -> grpc.RpcError:
        req = p4r.ReadRequest(device_id=self.device_id if device_id is None else device_id, entities=entities)
        try:
            list(self.stub.Read(req))
        except grpc.RpcError as exc:
            return exc
        raise AssertionError("read succeeded but should have failed")


def update(kind: str, entity: p4r.Entity) -> p4r.Update:
    return p4r.Update(type=getattr(p4r.Update, kind), entity=entity)


def per_update_codes(exc: grpc.RpcError) -> list[grpc.StatusCode]:
    """The code of each update of a failed batch, in order."""
    by_value = {c.value[0]: c for c in grpc.StatusCode}
    return [by_value[e.canonical_code] for e in batch_errors(exc)]
