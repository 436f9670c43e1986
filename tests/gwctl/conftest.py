"""Fixtures: a real ovsdb-server with the hardware_vtep schema per test."""

from collections.abc import Iterator
from pathlib import Path

import pytest

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
