"""gRPC method handlers for the P4Runtime service with tolerant decoding.

The generated ``add_P4RuntimeServicer_to_server`` lets grpcio decode
requests; a request that is not valid protobuf then fails inside grpcio,
and on a StreamChannel that leaves the call half-finished (observed: the
server could no longer shut down). Here a message that does not decode is
handed to the service as ``Undecodable``, so it can answer like any other
malformed request: INVALID_ARGUMENT for unary calls, a StreamError on a
stream."""

from __future__ import annotations

from dataclasses import dataclass

import grpc
from finsy.proto.p4.v1 import p4runtime_pb2 as p4r
from google.protobuf.message import DecodeError

SERVICE = "p4.v1.P4Runtime"


@dataclass(frozen=True, slots=True)
class Undecodable:
    type_name: str
    error: str
    size: int

    def describe(self) -> str:
        return f"cannot parse {self.size}-byte {self.type_name}: {self.error}"


def _decoder(cls):
    def decode(data: bytes):
        try:
            return cls.FromString(data)
        except (DecodeError, ValueError) as exc:
            return Undecodable(cls.DESCRIPTOR.full_name, str(exc) or type(exc).__name__, len(data))

    return decode


def add_service(servicer, server: grpc.Server) -> None:
    handlers = {
        "Write": grpc.unary_unary_rpc_method_handler(
            servicer.Write, _decoder(p4r.WriteRequest), p4r.WriteResponse.SerializeToString
        ),
        "Read": grpc.unary_stream_rpc_method_handler(
            servicer.Read, _decoder(p4r.ReadRequest), p4r.ReadResponse.SerializeToString
        ),
        "SetForwardingPipelineConfig": grpc.unary_unary_rpc_method_handler(
            servicer.SetForwardingPipelineConfig,
            _decoder(p4r.SetForwardingPipelineConfigRequest),
            p4r.SetForwardingPipelineConfigResponse.SerializeToString,
        ),
        "GetForwardingPipelineConfig": grpc.unary_unary_rpc_method_handler(
            servicer.GetForwardingPipelineConfig,
            _decoder(p4r.GetForwardingPipelineConfigRequest),
            p4r.GetForwardingPipelineConfigResponse.SerializeToString,
        ),
        "StreamChannel": grpc.stream_stream_rpc_method_handler(
            servicer.StreamChannel, _decoder(p4r.StreamMessageRequest), p4r.StreamMessageResponse.SerializeToString
        ),
        "Capabilities": grpc.unary_unary_rpc_method_handler(
            servicer.Capabilities, _decoder(p4r.CapabilitiesRequest), p4r.CapabilitiesResponse.SerializeToString
        ),
    }
    server.add_generic_rpc_handlers((grpc.method_handlers_generic_handler(SERVICE, handlers),))
