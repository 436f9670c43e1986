"""``p4sim run`` as a process on veth pairs, checked against the frames real
BMv2 emitted for the conformance programs: the whole path a user runs
(CLI, front end, engine, AF_PACKET ports), with nothing simulated.

Cases are sent one at a time in recorded order. A case with expected output
waits for it; a case BMv2 dropped does not wait, and any frame it wrongly
produced shows up as an extra frame on the next case or in the final drain.
"""

from __future__ import annotations

import json
import os
import select
import socket
import subprocess
import time
from pathlib import Path

import pytest
from p4sim_netns import NetNs

pytestmark = pytest.mark.skipif(os.geteuid() != 0, reason="needs root for namespaces and raw sockets")

CONFORMANCE = Path("/work/shared/conformance")
PORTS = 5
ETH_P_ALL = 0x0003


def start_p4sim(ns: NetNs, program: Path, *extra: str) -> subprocess.Popen:
    ifaces = [a for i in range(PORTS) for a in ("-i", f"{i}@sw{i}")]
    cmd = [*ns.exec_prefix(), "p4sim", "run", str(program), *ifaces, *extra]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    # Ready once it reports its ports on stderr.
    line = proc.stderr.readline()
    if "running" not in line:
        proc.kill()
        rest = proc.stderr.read()
        raise AssertionError(f"p4sim run did not start: {line}{rest}")
    return proc


def stop(proc: subprocess.Popen) -> str:
    proc.terminate()
    try:
        _, err = proc.communicate(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
        raise AssertionError("p4sim run ignored SIGTERM") from None
    return err


def host_sockets(ns: NetNs) -> list[socket.socket]:
    def make() -> list[socket.socket]:
        out = []
        for i in range(PORTS):
            s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_ALL))
            s.bind((f"h{i}", 0))
            s.setblocking(False)
            out.append(s)
        return out

    return ns.call(make)


def collect(socks: list[socket.socket], want: int, timeout: float) -> list[dict]:
    got: list[dict] = []
    deadline = time.monotonic() + timeout
    while len(got) < want and (left := deadline - time.monotonic()) > 0:
        ready, _, _ = select.select(socks, [], [], left)
        for s in ready:
            while True:
                try:
                    data, addr = s.recvfrom(65535)
                except BlockingIOError:
                    break
                if addr[2] != socket.PACKET_OUTGOING:
                    got.append({"port": socks.index(s), "packet": data.hex()})
    return got


def exchange(socks: list[socket.socket], cases: list[dict], expected: list[list[dict]]) -> list[list[dict]]:
    results = []
    for case, exp in zip(cases, expected, strict=True):
        socks[case["in_port"]].send(bytes.fromhex(case["packet"]))
        out = collect(socks, len(exp), 3.0) if exp else []
        results.append(sorted(out, key=lambda o: (o["port"], o["packet"])))
    results.append(collect(socks, 1, 0.5))  # nothing may trail the last case
    return results


@pytest.fixture
def ns():
    n = NetNs(PORTS)
    yield n
    n.delete()


@pytest.mark.parametrize("name", ["conf_control", "conf_l2_l3", "conf_arith"])
def test_run_matches_bmv2_recording(ns, tmp_path, name):
    cases = json.loads((CONFORMANCE / f"{name}.cases.json").read_text())["cases"]
    expected = json.loads((CONFORMANCE / f"{name}.expected.json").read_text())["results"]
    proc = start_p4sim(ns, CONFORMANCE / f"{name}.p4", "--pcap", str(tmp_path))
    socks = host_sockets(ns)
    try:
        results = exchange(socks, cases, expected)
    finally:
        for s in socks:
            s.close()
        err = stop(proc)
    assert results[-1] == [], f"frames after the last case: {results[-1]}"
    mismatches = [i for i, (a, e) in enumerate(zip(results, expected, strict=False)) if a != e]
    assert not mismatches, (
        f"{len(mismatches)}/{len(cases)} cases differ; first: case {mismatches[0]}: "
        f"expected {expected[mismatches[0]]} got {results[mismatches[0]]}"
    )
    assert "Traceback" not in err
    # --pcap captured every injected frame on the ingress side.
    assert (tmp_path / "sw0_in.pcap").stat().st_size > 24


def test_log_console_prints_the_packet_trace(ns):
    case = json.loads((CONFORMANCE / "conf_control.cases.json").read_text())["cases"][0]
    ifaces = [a for i in range(PORTS) for a in ("-i", f"{i}@sw{i}")]
    cmd = [*ns.exec_prefix(), "p4sim", "run", str(CONFORMANCE / "conf_control.p4"), *ifaces, "--log-console"]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    socks = []
    try:
        assert "running" in proc.stderr.readline()
        socks = host_sockets(ns)
        socks[case["in_port"]].send(bytes.fromhex(case["packet"]))
        assert collect(socks, 1, 3.0), "no output frame"
    finally:
        for s in socks:
            s.close()
        proc.terminate()
        out, _ = proc.communicate(timeout=15)
    # The trace names what the packet went through, on stdout like BMv2's.
    assert f"received on port {case['in_port']}" in out
    assert "CIngress.classify" in out
