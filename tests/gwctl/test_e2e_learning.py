"""MAC learning end to end: a frame on an access port -> digest -> gwctl -> Ucast_Macs_Local and dmac.

Real parts only: p4sim runs vtep_gateway.p4 on veth pairs in a private
network namespace, `gwctl run` (the console script) runs in the same
namespace (P4Runtime on its loopback), the vtep database is a real
ovsdb-server reached through its unix socket, configured with vtep-ctl.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
import time
import uuid
from pathlib import Path

import pytest

from bmv2.netns import SwitchNamespace
from tests.gwctl.p4sim_target import REPO, compile_program

pytestmark = pytest.mark.skipif(os.geteuid() != 0, reason="needs root for network namespaces")

MAC_A, MAC_B = "00:00:5e:00:53:0a", "00:00:5e:00:53:0b"
GRPC_PORT = 50051

INVENTORY = """
[switch]
name = "gw1"
tunnel_ips = ["198.18.0.1"]

[[port]]
name = "p1"
number = 1

[[port]]
name = "p2"
number = 2

[[uplink]]
name = "up0"
number = 0
mac = "02:00:00:00:01:00"
nexthop_mac = "02:00:00:00:02:00"
"""

# Runs inside the namespace: send one frame on an interface, report what every host side received.
SEND_AND_SNIFF = textwrap.dedent("""
    import json, socket, sys, time
    send_if, frame_hex, listen = sys.argv[1], sys.argv[2], sys.argv[3].split(",")
    socks = {}
    for name in listen:
        s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(3))
        s.bind((name, 0))
        s.settimeout(0.05)
        socks[name] = s
    out = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
    out.bind((send_if, 0))
    frame = bytes.fromhex(frame_hex)
    out.send(frame)
    got = {name: [] for name in listen}
    deadline = time.time() + 1.5
    while time.time() < deadline:
        for name, s in socks.items():
            try:
                data, addr = s.recvfrom(65535)
            except OSError:
                continue
            if addr[2] != socket.PACKET_OUTGOING:
                got[name].append(data.hex())
    print(json.dumps(got))
""")


def frame(dst: str, src: str) -> bytes:
    payload = b"gwctl-e2e".ljust(46, b"\0")
    return bytes.fromhex(dst.replace(":", "") + src.replace(":", "")) + b"\x88\xb5" + payload


@pytest.fixture
def namespace():
    ns = SwitchNamespace(f"gwctl{uuid.uuid4().hex[:6]}", ports=3)
    with ns:
        yield ns


def _wait(predicate, what: str, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise TimeoutError(f"not met in {timeout}s: {what}")
        time.sleep(0.2)


def test_frame_on_access_port_is_learned_reported_and_forwarded(tmp_path: Path, vtep_server, namespace):
    program = compile_program(REPO / "p4src/vtep_gateway.p4", tmp_path / "p4")
    inventory = tmp_path / "gw.toml"
    inventory.write_text(INVENTORY)
    ctl = vtep_server.vtep_ctl
    ctl("add-ls", "ls1")
    ctl("set", "Logical_Switch", "ls1", "tunnel_key=5001")

    namespace.spawn(["p4sim", "run", "--no-p4", "--grpc-server-addr", f"127.0.0.1:{GRPC_PORT}", "-L", "off",
                     "--cpu-port", "255", *namespace.interface_args()], log_path=str(tmp_path / "p4sim.log"))
    _wait(lambda: subprocess.run(["ip", "netns", "exec", namespace.name, "bash", "-c",
                                  f"echo > /dev/tcp/127.0.0.1/{GRPC_PORT}"], capture_output=True).returncode == 0,
          "p4sim listening")
    agent_log = tmp_path / "gwctl.log"
    namespace.spawn([sys.executable, "-m", "gwctl.cli", "-v", "run", "--db", vtep_server.unix_remote,
                     "--inventory", str(inventory), "--p4rt", f"127.0.0.1:{GRPC_PORT}",
                     "--p4info", str(program.p4info), "--device-config", str(program.device_config)],
                    log_path=str(agent_log), env={**os.environ, "PYTHONPATH": str(REPO)})
    _wait(lambda: "p1" in ctl("list-ports", "gw1").split() if "gw1" in ctl("list-ps") else False,
          "agent registered the switch")
    ctl("bind-ls", "gw1", "p1", "0", "ls1")
    ctl("bind-ls", "gw1", "p2", "0", "ls1")
    _wait(lambda: "unknown-dst" in ctl("list-local-macs", "ls1"), "agent realized the bindings")

    def send(from_if: str, data: bytes) -> dict[str, list[str]]:
        proc = namespace.exec([sys.executable, "-c", SEND_AND_SNIFF, from_if, data.hex(), "h0,h1,h2"])
        return json.loads(proc.stdout)

    # A broadcasts from p1: flooded to p2 only (not back to p1, not to the uplink: no remote VTEP)
    got = send("h1", frame("ff:ff:ff:ff:ff:ff", MAC_A))
    assert len(got["h2"]) == 1 and got["h1"] == [] and got["h0"] == [], got
    # the digest made the agent report A as local, behind our tunnel IP
    _wait(lambda: MAC_A in ctl("list-local-macs", "ls1"), f"Ucast_Macs_Local for {MAC_A}\n"
          + agent_log.read_text()[-3000:])
    assert f"{MAC_A} -> vxlan_over_ipv4/198.18.0.1" in ctl("list-local-macs", "ls1")
    # B answers A from p2: known unicast, out of p1 only
    got = send("h2", frame(MAC_A, MAC_B))
    assert len(got["h1"]) == 1 and got["h2"] == [] and got["h0"] == [], got
    _wait(lambda: MAC_B in ctl("list-local-macs", "ls1"), f"Ucast_Macs_Local for {MAC_B}")

    # the underlay router asks for our tunnel IP on the uplink: gwctl answers through packet-in/out
    router_mac = "02:00:00:00:02:00"
    arp = (bytes.fromhex("ffffffffffff" + router_mac.replace(":", "") + "0806")
           + bytes.fromhex("0001080006040001") + bytes.fromhex(router_mac.replace(":", ""))
           + bytes([198, 18, 0, 254]) + bytes(6) + bytes([198, 18, 0, 1]))
    got = send("h0", arp.ljust(60, b"\0"))
    assert len(got["h0"]) == 1, got
    reply = bytes.fromhex(got["h0"][0])
    assert reply[6:12] == bytes.fromhex("020000000100") and reply[20:22] == b"\x00\x02"
    assert reply[28:32] == bytes([198, 18, 0, 1])
