"""``p4sim run --cpu-port --grpc-server-addr``: PacketOut frames leave by the
port the metadata names and frames sent to the CPU port reach the controller
as PacketIn, through the real CLI, ports and P4Runtime server."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from p4sim_netns import NetNs

pytestmark = pytest.mark.skipif(os.geteuid() != 0, reason="needs root for namespaces and raw sockets")

DATA = Path(__file__).parent / "data"
FRAME_HEX = "020000000002" "020000000001" "88b5" + b"packet-io".ljust(46, b"\0").hex()


@pytest.fixture
def ns():
    n = NetNs(2)
    yield n
    n.delete()


def test_packet_out_and_packet_in(ns):
    addr = "127.0.0.1:9559"  # the namespace's own loopback: nothing else listens there
    cmd = [*ns.exec_prefix(), sys.executable, "-m", "p4sim.cli", "run", str(DATA / "p4sim_cli_packetio.p4"),
           "-i", "0@sw0", "-i", "1@sw1", "--cpu-port", "64", "--grpc-server-addr", addr, "--device-id", "1"]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        line = proc.stderr.readline()
        assert "running" in line, line + (proc.stderr.read() if proc.poll() is not None else "")
        client = subprocess.run([*ns.exec_prefix(), sys.executable, str(DATA / "p4sim_cli_packetio_client.py"),
                                 addr, "1"], capture_output=True, text=True, timeout=60)
        assert client.returncode == 0, client.stderr
        seen = json.loads(client.stdout)
    finally:
        proc.terminate()
        _, err = proc.communicate(timeout=15)
    assert seen["arbitration_code"] == 0  # OK: we are primary
    assert seen["packet_out_on_h1"] == FRAME_HEX
    assert seen["packet_in_payload"] == FRAME_HEX
    assert seen["packet_in_metadata"] == {"1": "00", "2": "00"}  # ingress_port 0, pad 0
    assert proc.returncode == 0 and "Traceback" not in err
