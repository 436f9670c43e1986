"""``p4sim run --no-p4 --grpc-server-addr``: the switch waits for its pipeline
over P4Runtime, as simple_switch_grpc does, and stops cleanly on a signal."""

from __future__ import annotations

import signal
import socket
import subprocess
import sys

import grpc
import pytest
from finsy.proto.p4.v1 import p4runtime_pb2, p4runtime_pb2_grpc


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_no_p4_serves_p4runtime_and_stops_on_signal(sig):
    addr = f"127.0.0.1:{free_port()}"
    proc = subprocess.Popen([sys.executable, "-m", "p4sim.cli", "run", "--no-p4", "--grpc-server-addr", addr,
                             "--device-id", "3"], stderr=subprocess.PIPE, text=True)
    try:
        line = proc.stderr.readline()
        assert "running (no program)" in line and addr in line, line
        with grpc.insecure_channel(addr) as ch:
            stub = p4runtime_pb2_grpc.P4RuntimeStub(ch)
            caps = stub.Capabilities(p4runtime_pb2.CapabilitiesRequest(), timeout=10)
            assert caps.p4runtime_api_version
        proc.send_signal(sig)
        _, err = proc.communicate(timeout=15)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0, err
    assert "stopped" in err and "Traceback" not in err


def test_address_in_use_is_one_line_error():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen()
        addr = f"127.0.0.1:{s.getsockname()[1]}"
        proc = subprocess.run([sys.executable, "-m", "p4sim.cli", "run", "--no-p4", "--grpc-server-addr", addr],
                              capture_output=True, text=True, timeout=30)
    assert proc.returncode == 1
    assert "Traceback" not in proc.stderr
    assert "cannot bind" in proc.stderr
