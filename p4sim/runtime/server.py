"""Starting and stopping p4sim's P4Runtime server.

``p4sim run --grpc-server-addr`` calls ``serve``; tests call it with port 0
and read the bound port from the handle."""

from __future__ import annotations

import logging
from concurrent import futures
from dataclasses import dataclass
from typing import Any

import grpc
from finsy.proto.p4.v1 import p4runtime_pb2_grpc as p4r_grpc

from p4sim.runtime.dataplane import Dataplane
from p4sim.runtime.service import API_VERSION, P4RuntimeService, ServerState

log = logging.getLogger(__name__)

MAX_MESSAGE = 256 * 1024 * 1024  # a P4Info or a big batch can exceed gRPC's 4 MB default


@dataclass
class ServerHandle:
    """A running server: ``port`` is the bound TCP port, ``state`` the shared
    state (its ``context.sw`` is the switch serving packets)."""

    server: grpc.Server
    port: int
    state: ServerState

    def stop(self, grace: float | None = 1.0) -> None:
        self.server.stop(grace).wait()
        self.state.stop()

    def wait(self) -> None:
        self.server.wait_for_termination()


def serve(
    dataplane: Dataplane,
    address: str = "0.0.0.0:9559",
    device_id: int = 0,
    cpu_port: int | None = None,
    *,
    p4info: Any = None,
    device_config: bytes = b"",
    max_workers: int = 32,
    api_version: str = API_VERSION,
) -> ServerHandle:
    """Starts the P4Runtime server for ``dataplane`` on ``address``
    ("host:port"; port 0 picks a free one). ``cpu_port`` sets the CPU port
    for switches built by later pipeline commits (and must then match the
    dataplane's). When the dataplane already runs a program, pass its
    ``p4info`` (``p4sim.p4info.generate(program)``) to make it the committed
    pipeline, readable and writable without SetForwardingPipelineConfig.

    Each open StreamChannel holds one worker thread, so ``max_workers``
    bounds the number of concurrent streams plus unary calls."""
    if cpu_port is not None:
        if cpu_port in (0, 511):
            raise ValueError(f"CPU port {cpu_port} is not allowed (0 and 511 are reserved)")
        dataplane.cpu_port = cpu_port
    state = ServerState(dataplane, device_id)
    if p4info is not None:
        if dataplane.switch is None:
            raise ValueError("p4info given but the dataplane runs no program")
        state.adopt(dataplane.switch, dataplane.program, p4info, device_config)
    server = grpc.server(
        futures.ThreadPoolExecutor(max_workers=max_workers, thread_name_prefix="p4rt"),
        options=[
            ("grpc.max_receive_message_length", MAX_MESSAGE),
            ("grpc.max_send_message_length", MAX_MESSAGE),
            ("grpc.so_reuseport", 0),
        ],
    )
    p4r_grpc.add_P4RuntimeServicer_to_server(P4RuntimeService(state, api_version), server)
    port = server.add_insecure_port(address)
    if port == 0:
        state.stop()
        raise OSError(f"cannot bind the P4Runtime server to {address}")
    server.start()
    log.info("P4Runtime server on %s (port %d), device id %d", address, port, device_id)
    return ServerHandle(server, port, state)
