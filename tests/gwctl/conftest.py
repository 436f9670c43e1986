"""Fixtures: a real ovsdb-server with the hardware_vtep schema per test."""

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.gwctl.p4sim_target import REPO, CompiledProgram, P4simServer, compile_program
from tests.gwctl.vtep_server import VtepServer


@pytest.fixture
def vtep_server(tmp_path: Path) -> Iterator[VtepServer]:
    """A started server on a unix socket (and 127.0.0.1 TCP) in the test's tmp dir; stopped by PID after."""
    server = VtepServer(tmp_path / "ovsdb", tcp=True)
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def program(tmp_path_factory: pytest.TempPathFactory) -> CompiledProgram:
    """vtep_gateway.p4 compiled by `p4sim compile`, once for the whole run."""
    return compile_program(REPO / "p4src/vtep_gateway.p4", Path(tmp_path_factory.mktemp("p4")))


@pytest.fixture
def p4sim(tmp_path: Path) -> Iterator[P4simServer]:
    """`p4sim run --no-p4` with its P4Runtime server on a free 127.0.0.1 port; stopped by PID after."""
    server = P4simServer(tmp_path / "p4sim.log").start()
    try:
        yield server
    finally:
        server.stop()
