"""One StreamChannel: arbitration, PacketOut, DigestListAck in; arbitration
updates, PacketIn, DigestList, StreamError out.

gRPC's synchronous server gives the stream a response iterator to drain;
requests are read on a thread of our own, so that messages the server
originates (packet-ins, digests, another client's arbitration) can be sent
while the client is silent. A refused arbitration ends the stream with its
status (P4Runtime 5.3); any other bad message gets a StreamError and the
stream stays up."""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Iterator
from typing import TYPE_CHECKING

import grpc
from finsy.proto.p4.v1 import p4runtime_pb2 as p4r

from p4sim.errors import EngineError, FailedPrecondition, InvalidArgument, PermissionDenied, Unimplemented
from p4sim.runtime import codec, status
from p4sim.runtime.arbitration import Client
from p4sim.runtime.handlers import Undecodable

if TYPE_CHECKING:
    from p4sim.runtime.state import ServerState

log = logging.getLogger(__name__)

QUEUE_LIMIT = 10_000
_END = object()


class _Abort:
    def __init__(self, exc: BaseException):
        self.exc = exc


class StreamSession:
    def __init__(self, state: ServerState, context: grpc.ServicerContext):
        self.state = state
        self.context = context
        self.out: queue.Queue = queue.Queue()
        self.client = Client(send=self.send, peer=context.peer())
        self.dropped = 0

    def send(self, msg: p4r.StreamMessageResponse) -> bool:
        """Queues a message; a client that does not read is not allowed to
        grow the server's memory without bound, so past the limit
        packet-ins and digests are dropped (and counted)."""
        if self.out.qsize() >= QUEUE_LIMIT and msg.WhichOneof("update") in ("packet", "digest"):
            self.dropped += 1
            return False
        self.out.put(msg)
        return True

    def run(self, requests: Iterator[p4r.StreamMessageRequest]) -> Iterator[p4r.StreamMessageResponse]:
        reader = threading.Thread(target=self._read, args=(requests,), name="p4rt-stream-reader", daemon=True)
        reader.start()
        self.context.add_callback(lambda: self.out.put(_END))
        try:
            while True:
                item = self.out.get()
                if item is _END:
                    return
                if isinstance(item, _Abort):
                    status.abort(self.context, item.exc)
                yield item
        finally:
            self.state.arbiter.remove(self.client)

    def _read(self, requests: Iterator[p4r.StreamMessageRequest]) -> None:
        try:
            for req in requests:
                try:
                    self._handle(req)
                except _StreamEnd as end:
                    self.out.put(_Abort(end.exc))
                    return
        except grpc.RpcError:
            pass  # the client went away
        except Exception:
            log.exception("stream reader failed")
        finally:
            self.out.put(_END)

    def _handle(self, req: p4r.StreamMessageRequest | Undecodable) -> None:
        if isinstance(req, Undecodable):
            self._stream_error(InvalidArgument(req.describe()), p4r.StreamMessageRequest())
            return
        which = req.WhichOneof("update")
        if which == "arbitration":
            try:
                self.state.arbiter.update(self.client, req.arbitration)
            except EngineError as exc:
                raise _StreamEnd(exc) from None
            return
        try:
            if which == "packet":
                self._packet_out(req.packet)
            elif which == "digest_ack":
                self._digest_ack(req.digest_ack)
            elif which == "other":
                raise Unimplemented(f"stream message {req.other.type_url!r} is not supported")
            else:
                raise InvalidArgument("stream message has no update set")
        except EngineError as exc:
            self._stream_error(exc, req)
        except Exception as exc:  # a bug of ours: say so, keep the stream
            log.exception("stream message failed")
            self._stream_error(exc, req)

    def _check_primary(self, what: str) -> None:
        if not self.client.arbitrated:
            raise FailedPrecondition(f"{what} before MasterArbitrationUpdate on this stream")
        if not self.state.arbiter.is_primary(self.client.role, self.client.election_id):
            raise PermissionDenied(f"{what} from a client that is not primary")

    def _packet_out(self, pkt: p4r.PacketOut) -> None:
        self._check_primary("PacketOut")
        ctx = self.state.context
        if ctx is None:
            raise FailedPrecondition("PacketOut: no forwarding pipeline is installed")
        fields = {m.id: m for m in ctx.idx.packet_out}
        md: dict[str, int] = {}
        for m in pkt.metadata:
            info = fields.get(m.metadata_id)
            if info is None:
                raise InvalidArgument(f"PacketOut: unknown metadata id {m.metadata_id} for packet_out header")
            if info.name in md:
                raise InvalidArgument(f"PacketOut: metadata {info.name!r} given twice")
            md[info.name] = codec.decode(m.value, info.width, f"PacketOut metadata {info.name!r}")
        for info in ctx.idx.packet_out:
            md.setdefault(info.name, 0)
        self.state.packet_out(pkt.payload, md)

    def _digest_ack(self, ack: p4r.DigestListAck) -> None:
        self._check_primary("DigestListAck")
        ctx = self.state.context
        if ctx is None:
            raise FailedPrecondition("DigestListAck: no forwarding pipeline is installed")
        ctx.digests.ack(ack)

    def _stream_error(self, exc: BaseException, req: p4r.StreamMessageRequest) -> None:
        msg = p4r.StreamMessageResponse()
        err = msg.error
        err.canonical_code = status.grpc_code(exc).value[0]
        err.message = status.message(exc)
        which = req.WhichOneof("update")
        if which == "packet":
            err.packet_out.packet_out.CopyFrom(req.packet)
        elif which == "digest_ack":
            err.digest_list_ack.digest_list_ack.CopyFrom(req.digest_ack)
        elif which == "other":
            err.other.other.CopyFrom(req.other)
        self.out.put(msg)


class _StreamEnd(Exception):
    def __init__(self, exc: BaseException):
        super().__init__(str(exc))
        self.exc = exc
