"""MAC learning end to end: a frame on an access port -> digest -> gwctl -> Ucast_Macs_Local and dmac.

Real parts only: p4sim runs vtep_gateway.p4 on veth pairs in a private
network namespace, `gwctl run` (the console script) runs in the same
namespace (P4Runtime on its loopback), the vtep database is a real
ovsdb-server reached through its unix socket, configured with vtep-ctl.
"""

from __future__ import annotations

import json
import os
import struct
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


class Gateway:
    """p4sim + `gwctl run` in the namespace, the vtep DB outside; frames in and out of the host ends."""

    def __init__(self, tmp_path: Path, vtep_server, namespace: SwitchNamespace) -> None:
        self.ctl = vtep_server.vtep_ctl
        self.namespace = namespace
        self.agent_log = tmp_path / "gwctl.log"
        program = compile_program(REPO / "p4src/vtep_gateway.p4", tmp_path / "p4")
        inventory = tmp_path / "gw.toml"
        inventory.write_text(INVENTORY)
        namespace.spawn(["p4sim", "run", "--no-p4", "--grpc-server-addr", f"127.0.0.1:{GRPC_PORT}", "-L", "off",
                         "--cpu-port", "255", *namespace.interface_args()], log_path=str(tmp_path / "p4sim.log"))
        _wait(lambda: subprocess.run(["ip", "netns", "exec", namespace.name, "bash", "-c",
                                      f"echo > /dev/tcp/127.0.0.1/{GRPC_PORT}"],
                                     capture_output=True).returncode == 0, "p4sim listening")
        namespace.spawn([sys.executable, "-m", "gwctl.cli", "-v", "run", "--db", vtep_server.unix_remote,
                         "--inventory", str(inventory), "--p4rt", f"127.0.0.1:{GRPC_PORT}",
                         "--p4info", str(program.p4info), "--device-config", str(program.device_config)],
                        log_path=str(self.agent_log), env={**os.environ, "PYTHONPATH": str(REPO)})
        _wait(lambda: "p1" in self.ctl("list-ports", "gw1").split() if "gw1" in self.ctl("list-ps") else False,
              "agent registered the switch")

    def send(self, from_if: str, data: bytes) -> dict[str, list[bytes]]:
        proc = self.namespace.exec([sys.executable, "-c", SEND_AND_SNIFF, from_if, data.hex(), "h0,h1,h2"])
        return {k: [bytes.fromhex(x) for x in v] for k, v in json.loads(proc.stdout).items()}


@pytest.fixture
def gateway(tmp_path: Path, vtep_server, namespace) -> Gateway:
    return Gateway(tmp_path, vtep_server, namespace)


def test_frame_on_access_port_is_learned_reported_and_forwarded(gateway: Gateway):
    ctl, send, agent_log = gateway.ctl, gateway.send, gateway.agent_log
    ctl("add-ls", "ls1")
    ctl("set", "Logical_Switch", "ls1", "tunnel_key=5001")
    ctl("bind-ls", "gw1", "p1", "0", "ls1")
    ctl("bind-ls", "gw1", "p2", "0", "ls1")
    _wait(lambda: "unknown-dst" in ctl("list-local-macs", "ls1"), "agent realized the bindings")

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
    # A moves to p2 (a VM migrating, a cable moved): the digest reports it again and dmac follows
    send("h2", frame("ff:ff:ff:ff:ff:ff", MAC_A))
    mac_c = "00:00:5e:00:53:0c"
    deadline = time.monotonic() + 60
    while True:
        got = send("h1", frame(MAC_A, mac_c))
        if got["h2"] and not got["h1"] or time.monotonic() > deadline:
            break
    assert len(got["h2"]) == 1 and got["h1"] == [] and got["h0"] == [], got
    # binding counters reach Logical_Binding_Stats (p1 received A's broadcast and sent B's frame)
    _wait(lambda: "0=" in ctl("get", "Physical_Port", "p1", "vlan_stats"), "stats row")
    stats = ctl("get", "Physical_Port", "p1", "vlan_stats:0")
    _wait(lambda: int(ctl("get", "Logical_Binding_Stats", stats, "packets_to_local")) >= 1
          and int(ctl("get", "Logical_Binding_Stats", stats, "packets_from_local")) >= 1, "binding stats")
    assert int(ctl("get", "Logical_Binding_Stats", stats, "bytes_to_local")) >= 60
    # unbinding p2 withdraws the MACs learned there (A and B), and only those
    ctl("unbind-ls", "gw1", "p2", "0")
    _wait(lambda: MAC_A not in ctl("list-local-macs", "ls1") and MAC_B not in ctl("list-local-macs", "ls1"),
          "MACs of p2 withdrawn")
    assert "unknown-dst" in ctl("list-local-macs", "ls1")

    # the underlay router asks for our tunnel IP on the uplink: gwctl answers through packet-in/out
    router_mac = "02:00:00:00:02:00"
    arp = (bytes.fromhex("ffffffffffff" + router_mac.replace(":", "") + "0806")
           + bytes.fromhex("0001080006040001") + bytes.fromhex(router_mac.replace(":", ""))
           + bytes([198, 18, 0, 254]) + bytes(6) + bytes([198, 18, 0, 1]))
    got = send("h0", arp.ljust(60, b"\0"))
    assert len(got["h0"]) == 1, got
    reply = got["h0"][0]
    assert reply[6:12] == bytes.fromhex("020000000100") and reply[20:22] == b"\x00\x02"
    assert reply[28:32] == bytes([198, 18, 0, 1])


UPLINK_MAC, NEXTHOP_MAC = "02:00:00:00:01:00", "02:00:00:00:02:00"
OUR_IP, HV1, SPOOF = "198.18.0.1", "198.18.1.1", "198.18.9.9"
MAC_R = "00:00:5e:00:53:71"   # a VM behind hypervisor HV1


def _ip(text: str) -> bytes:
    return bytes(int(x) for x in text.split("."))


def _checksum(header: bytes) -> int:
    total = sum(int.from_bytes(header[i:i + 2], "big") for i in range(0, len(header), 2))
    while total >> 16:
        total = (total & 0xFFFF) + (total >> 16)
    return ~total & 0xFFFF


def vxlan(src_ip: str, dst_ip: str, vni: int, inner: bytes) -> bytes:
    """A VXLAN packet as a hypervisor sends it to us over the underlay."""
    udp_len = 8 + 8 + len(inner)
    ip = bytearray(struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + udp_len, 0, 0x4000, 64, 17, 0,
                               _ip(src_ip), _ip(dst_ip)))
    ip[10:12] = struct.pack("!H", _checksum(bytes(ip)))
    udp = struct.pack("!HHHH", 49152, 4789, udp_len, 0)
    return (bytes.fromhex(UPLINK_MAC.replace(":", "") + NEXTHOP_MAC.replace(":", "")) + b"\x08\x00"
            + bytes(ip) + udp + struct.pack("!B3xI", 0x08, vni << 8) + inner)


def parse_vxlan(packet: bytes) -> tuple[str, str, str, int, bytes]:
    """(outer dst MAC, outer src IP, outer dst IP, VNI, inner frame) of a packet we sent."""
    assert packet[12:14] == b"\x08\x00" and packet[23] == 17, packet.hex()
    assert struct.unpack("!H", packet[36:38])[0] == 4789
    dmac = ":".join(f"{b:02x}" for b in packet[0:6])
    src, dst = ".".join(map(str, packet[26:30])), ".".join(map(str, packet[30:34]))
    assert packet[42] == 0x08
    return dmac, src, dst, int.from_bytes(packet[46:49], "big"), packet[50:]


def test_vxlan_to_and_from_a_hypervisor_with_anti_spoofing(gateway: Gateway):
    ctl, send = gateway.ctl, gateway.send
    ctl("add-ls", "ls1")
    ctl("set", "Logical_Switch", "ls1", "tunnel_key=5001")
    ctl("bind-ls", "gw1", "p1", "0", "ls1")
    ctl("add-ucast-remote", "ls1", MAC_R, HV1)
    ctl("add-mcast-remote", "ls1", "unknown-dst", HV1)
    _wait(lambda: "unknown-dst" in ctl("list-local-macs", "ls1"), "agent realized the bindings")

    # A on p1 -> the VM: VXLAN to HV1 out of the uplink, VNI 5001, the frame untouched inside
    out = frame(MAC_R, MAC_A)
    got = _wait_frames(send, "h1", out, "h0")
    dmac, src, dst, vni, inner = parse_vxlan(got["h0"][0])
    assert (dmac, src, dst, vni) == (NEXTHOP_MAC, OUR_IP, HV1, 5001)
    assert inner[:len(out)] == out and got["h2"] == []

    # the VM answers through the tunnel: decapsulated to p1
    back = frame(MAC_A, MAC_R)
    got = send("h0", vxlan(HV1, OUR_IP, 5001, back))
    assert [f[:len(back)] for f in got["h1"]] == [back] and got["h2"] == [], got

    # the same from an address that is not a known VTEP is dropped (anti-spoofing), so is a wrong VNI
    assert send("h0", vxlan(SPOOF, OUR_IP, 5001, back))["h1"] == []
    assert send("h0", vxlan(HV1, OUR_IP, 5002, back))["h1"] == []

    # broadcast from p1: flooded to the service node HV1 only (p2 is not bound)
    got = send("h1", frame("ff:ff:ff:ff:ff:ff", MAC_A))
    assert got["h2"] == [] and len(got["h0"]) == 1
    assert parse_vxlan(got["h0"][0])[1:4] == (OUR_IP, HV1, 5001)


def _wait_frames(send, from_if: str, data: bytes, expect_on: str, timeout: float = 30.0):
    """Send until something arrives on `expect_on`: the agent may still be writing the entries."""
    deadline = time.monotonic() + timeout
    while True:
        got = send(from_if, data)
        if got[expect_on] or time.monotonic() > deadline:
            return got
