"""Fixtures: a real p4sim P4Runtime server on 127.0.0.1 with a free port,
and clients of it."""

from __future__ import annotations

import pytest

from p4sim.runtime.dataplane import Dataplane
from p4sim.runtime.server import serve

from .p4rt_client import Client


@pytest.fixture
def dataplane():
    return Dataplane()


@pytest.fixture
def server(dataplane):
    handle = serve(dataplane, "127.0.0.1:0", device_id=1, cpu_port=64, max_workers=16)
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
