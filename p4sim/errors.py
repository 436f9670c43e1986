"""Exceptions that p4sim raises across module boundaries.

Each carries enough context to be shown to a user as one line; the P4Runtime
server maps the engine's errors to gRPC status codes by class, so the classes
mirror the codes the P4Runtime specification asks for."""

from __future__ import annotations

from p4sim.ir import SourceLoc


class P4CompileError(Exception):
    """A program the front end rejects; printed as ``file:line:col: error: msg``
    like p4c does."""

    def __init__(self, loc: SourceLoc | None, message: str):
        super().__init__(message)
        self.loc = loc
        self.message = message

    def __str__(self) -> str:
        where = f"{self.loc}: " if self.loc is not None else ""
        return f"{where}error: {self.message}"


class EngineError(Exception):
    """A control-plane operation the engine refused; ``code`` names the
    P4Runtime/gRPC status it corresponds to."""

    code = "UNKNOWN"


class InvalidArgument(EngineError):
    code = "INVALID_ARGUMENT"


class NotFound(EngineError):
    code = "NOT_FOUND"


class AlreadyExists(EngineError):
    code = "ALREADY_EXISTS"


class ResourceExhausted(EngineError):
    code = "RESOURCE_EXHAUSTED"


class PermissionDenied(EngineError):
    code = "PERMISSION_DENIED"


class FailedPrecondition(EngineError):
    code = "FAILED_PRECONDITION"


class Unimplemented(EngineError):
    code = "UNIMPLEMENTED"
