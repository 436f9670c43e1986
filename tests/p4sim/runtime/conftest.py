"""Fixtures: a real p4sim P4Runtime server on 127.0.0.1 with a free port,
and clients of it."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest
from finsy.proto.p4.config.v1 import p4info_pb2 as p4i
from finsy.proto.p4.v1 import p4runtime_pb2 as p4r

from p4sim import device_config
from p4sim.runtime.dataplane import Dataplane
from p4sim.runtime.server import serve

from .entities import Info
from .p4rt_client import Client, Stream, eid


@pytest.fixture
def dataplane():
    return Dataplane()


@pytest.fixture
def transmitted() -> list[tuple[int, bytes]]:
    """Frames the server sent out of ports (PacketOut results)."""
    return []


@pytest.fixture
def server(dataplane, transmitted):
    handle = serve(
        dataplane, "127.0.0.1:0", device_id=1, cpu_port=64, max_workers=16,
        transmit=lambda port, frame: transmitted.append((port, frame)),
    )
    yield handle
    handle.stop(grace=0)


@pytest.fixture
def clients(server):
    made: list[Client] = []

    def make(election_id: int = 1, device_id: int = 1) -> Client:
        c = Client(server.port, device_id=device_id, election_id=election_id)
        made.append(c)
        return c

    yield make
    for c in made:
        c.close()


# ------------------------------------------------------------ pipelines

PROGRAMS = Path(__file__).parent / "programs"


@dataclass
class Pipeline:
    p4info: p4i.P4Info
    device_config: bytes


def build_pipeline(name: str) -> Pipeline:
    from p4sim.frontend import compile_file
    from p4sim.p4info import generate

    path = PROGRAMS / name
    program = compile_file(str(path))
    return Pipeline(generate(program), device_config.pack(device_config.collect(path)))


@pytest.fixture(scope="session")
def rt_pipeline() -> Pipeline:
    return build_pipeline("rt_test.p4")


def set_pipeline(client: Client, pipe: Pipeline, action: str = "VERIFY_AND_COMMIT", cookie: int | None = None):
    req = p4r.SetForwardingPipelineConfigRequest(
        device_id=client.device_id, action=getattr(p4r.SetForwardingPipelineConfigRequest, action)
    )
    req.election_id.CopyFrom(eid(client.election_id))
    req.config.p4info.CopyFrom(pipe.p4info)
    req.config.p4_device_config = pipe.device_config
    if cookie is not None:
        req.config.cookie.cookie = cookie
    return client.stub.SetForwardingPipelineConfig(req)


@dataclass
class Session:
    """A primary client on a server running rt_test.p4."""

    client: Client
    stream: Stream
    info: Info
    server: object
    dataplane: Dataplane

    @property
    def sw(self):
        return self.server.state.context.sw


@pytest.fixture
def rt(server, clients, rt_pipeline, dataplane) -> Session:
    c = clients()
    s = c.become_primary()
    set_pipeline(c, rt_pipeline)
    return Session(c, s, Info(rt_pipeline.p4info), server, dataplane)
