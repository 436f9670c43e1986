"""gRPC status for P4Runtime replies, built from p4sim's exceptions.

Every refusal inside the server is an ``p4sim.errors.EngineError`` subclass
whose ``code`` names the gRPC code, so the engine and the server speak one
error vocabulary. This module turns them into what goes on the wire: a gRPC
status, and for a failed Write batch a ``google.rpc.Status`` whose details
hold one ``p4.v1.Error`` per update (spec section 12.3).

The status details are written as the ``grpc-status-details-bin`` trailer by
hand: grpcio-status imports googleapis' ``google/rpc/status.proto``, which
cannot share a process with finsy's copy of the same file (protobuf refuses
the duplicate), and the P4Runtime stubs we use are finsy's."""

from __future__ import annotations

import logging

import grpc
from finsy.proto.google.rpc import code_pb2, status_pb2
from finsy.proto.p4.v1 import p4runtime_pb2 as p4r

from p4sim.errors import EngineError

log = logging.getLogger(__name__)

DETAILS_KEY = "grpc-status-details-bin"


def grpc_code(exc: BaseException) -> grpc.StatusCode:
    """The gRPC code for an exception; anything not an EngineError is a bug
    of ours and reported as INTERNAL rather than hidden."""
    if isinstance(exc, EngineError):
        try:
            return grpc.StatusCode[exc.code]
        except KeyError:
            return grpc.StatusCode.UNKNOWN
    return grpc.StatusCode.INTERNAL


def message(exc: BaseException) -> str:
    if isinstance(exc, EngineError):
        return str(exc) or type(exc).__name__
    return f"internal error: {type(exc).__name__}: {exc}"


def p4_error(exc: BaseException | None) -> p4r.Error:
    """One entry of a failed batch's details; None means the update succeeded."""
    if exc is None:
        return p4r.Error(canonical_code=code_pb2.OK)
    return p4r.Error(canonical_code=grpc_code(exc).value[0], message=message(exc))


def abort(context: grpc.ServicerContext, exc: BaseException) -> None:
    """Ends the RPC with the status of ``exc`` (never returns)."""
    if not isinstance(exc, EngineError):
        log.exception("unexpected error in P4Runtime request", exc_info=exc)
    context.abort(grpc_code(exc), message(exc))


def abort_batch(context: grpc.ServicerContext, errors: list[p4r.Error]) -> None:
    """Ends a Write whose batch had failures: UNKNOWN with every update's
    outcome in order, as PI (simple_switch_grpc) reports it."""
    failed = sum(1 for e in errors if e.canonical_code != code_pb2.OK)
    summary = f"Write failure: {failed} of {len(errors)} updates failed"
    first = next((e for e in errors if e.canonical_code != code_pb2.OK), None)
    if first is not None:
        summary += f" (first: {first.message})"
    st = status_pb2.Status(code=code_pb2.UNKNOWN, message=summary)
    for e in errors:
        st.details.add().Pack(e)
    context.set_trailing_metadata(((DETAILS_KEY, st.SerializeToString()),))
    context.abort(grpc.StatusCode.UNKNOWN, summary)


def batch_errors(call: grpc.RpcError | grpc.Call) -> list[p4r.Error]:
    """Client side helper (tests, tools): the per-update errors of a failed
    Write, decoded from the trailer."""
    for key, value in call.trailing_metadata() or ():
        if key == DETAILS_KEY:
            st = status_pb2.Status.FromString(value)
            out = []
            for any_ in st.details:
                e = p4r.Error()
                if not any_.Unpack(e):
                    raise ValueError(f"status detail is not a p4.v1.Error: {any_.type_url}")
                out.append(e)
            return out
    return []


class OutOfRange(EngineError):
    """PI answers OUT_OF_RANGE for clone session and reserved multicast group
    ids; p4sim.errors has no such class, so the server keeps its own."""

    code = "OUT_OF_RANGE"
