"""BFD between the P4 gateway (p4sim + gwctl) and real Open vSwitch hypervisors, and service-node failover.

```
  bm1 --p1-- gw (p4sim, gwctl, vtep DB) --up0-- rt (Linux router) --+-- hv1: OVS, br-phy 198.18.1.2, vxlan0
             tunnel IP 198.18.0.1                 198.18.0.254      +-- hv2: OVS, br-phy 198.18.2.2, vxlan0
```

Both hypervisors run ovs-vswitchd (userspace datapath) with a VXLAN port to
the gateway and `bfd:enable=true` on it, as an NVC would configure them; the
gateway gets its configuration only through the vtep database (vtep-ctl):
a service_node logical switch whose unknown-dst set is {hv1, hv2}, and
`bfd_params:enable=true` on the Tunnel rows gwctl creates. Checked: both
ends report the sessions up; when hv1's ovs-vswitchd stops, gwctl reports
the session down with OVS's "Control Detection Time Expired" within the
detection time and moves BUM traffic from hv1 to hv2, seen on hv2's wire.
"""

from __future__ import annotations

import json
import os
import struct
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from demo.gateway import Gateway, GatewayConfig, VtepDatabase
from demo.lab import Lab, Namespace, wait_until
from demo.ovs import Ovs, check_tools

pytestmark = [
    pytest.mark.skipif(os.geteuid() != 0, reason="needs root for network namespaces"),
    pytest.mark.timeout(300),
]

GW_IP, RT_GW_IP = "198.18.0.1", "198.18.0.254"
HV = {"hv1": ("198.18.1.2", "198.18.1.254", "02:00:00:00:0b:01"),
      "hv2": ("198.18.2.2", "198.18.2.254", "02:00:00:00:0b:02")}
GW_UPLINK_MAC, RT_MAC = "02:00:00:00:01:00", "02:00:00:00:0a:00"
BM1_MAC = "02:00:00:00:00:10"
VNI = 5000
MIN_RX_MS, MIN_TX_MS = 300, 100
MARKER_ETHERTYPE = 0x88B5   # IEEE local experimental: our broadcast probe, nothing else sends it


class Net:
    """The namespaces, daemons and clients of one run (everything through demo.lab: removed at the end)."""

    def __init__(self, workdir: Path) -> None:
        self.prefix = f"bfd{uuid.uuid4().hex[:5]}-"
        self.lab = Lab(workdir)
        self.workdir = workdir
        self.ns: dict[str, Namespace] = {}
        self.ovs: dict[str, Ovs] = {}
        self.vtep: VtepDatabase | None = None
        self.gateway: Gateway | None = None

    def build(self) -> None:
        check_tools()
        for host in ("gw", "rt", "bm1", "hv1", "hv2"):
            self.ns[host] = self.lab.namespace(self.prefix + host)
        gw, rt = self.ns["gw"], self.ns["rt"]
        self.lab.veth(gw, "p1", self.ns["bm1"], "eth0", b_mac=BM1_MAC)
        self.lab.veth(gw, "up0", rt, "r0", a_mac=GW_UPLINK_MAC, b_mac=RT_MAC, mtu=1600)
        rt.ip("addr", "add", f"{RT_GW_IP}/24", "dev", "r0")
        rt.run(["sysctl", "-qw", "net.ipv4.ip_forward=1"])
        for i, (name, (ip, router_ip, phy_mac)) in enumerate(sorted(HV.items()), start=1):
            ns = self.ns[name]
            hv = self.ovs[name] = Ovs(self.lab, ns, self.workdir / name).start()
            self.lab.veth(rt, f"r{i}", ns, "eth0", mtu=1600)
            rt.ip("addr", "add", f"{router_ip}/24", "dev", f"r{i}")
            hv.add_netdev_bridge("br-phy", hwaddr=phy_mac)
            hv.add_port("br-phy", "eth0")
            ns.ip("addr", "add", f"{ip}/24", "dev", "br-phy")
            ns.ip("link", "set", "br-phy", "up")
            ns.ip("route", "add", "198.18.0.0/15", "via", router_ip)
            wait_until(lambda hv=hv, r=router_ip: f"GW {r}" in hv.appctl("ovs/route/show"),
                       f"OVS route to the gateway via {router_ip} in {name}", timeout=15)
            hv.add_netdev_bridge("br-int")
            # key=flow, as OVN configures hypervisor tunnels: BFD rides on VNI 0, data on the flow's VNI
            hv.add_port("br-int", "vxlan0", "type=vxlan", f"options:remote_ip={GW_IP}", "options:key=flow",
                        "bfd:enable=true", f"bfd:min_rx={MIN_RX_MS}", f"bfd:min_tx={MIN_TX_MS}")
        self.vtep = VtepDatabase(self.lab, gw, self.workdir / "vtep").start()
        cfg = GatewayConfig("gw1", GW_IP, "p1", 1, "up0", 0, GW_UPLINK_MAC, RT_MAC)
        self.gateway = Gateway(self.lab, gw, self.workdir / "gw", cfg, self.vtep)
        self.gateway.compile()
        self.gateway.start_switch()
        self.gateway.start_agent()

    def ctl(self, *args: str) -> str:
        assert self.vtep is not None
        return self.vtep.ctl(*args)

    def tunnel(self, remote_ip: str) -> str | None:
        """UUID of gw1's Tunnel row to `remote_ip`, as vtep-ctl finds it."""
        remote = self.ctl("--bare", "--columns=_uuid", "find", "Physical_Locator", f"dst_ip={remote_ip}")
        if not remote:
            return None
        return self.ctl("--bare", "--columns=_uuid", "find", "Tunnel", f"remote={remote}") or None

    def our_status(self, remote_ip: str) -> dict[str, str]:
        row = self.tunnel(remote_ip)
        return _ovs_map(self.ctl("get", "Tunnel", row, "bfd_status")) if row else {}

    def ovs_status(self, hv: str) -> dict[str, str]:
        return _ovs_map(self.ovs[hv].vsctl("get", "Interface", "vxlan0", "bfd_status"))

    def stop_vswitchd(self, hv: str) -> None:
        label = f"ovs-vswitchd ({self.ns[hv].name})"
        proc = next(p for name, p in self.lab.processes if name == label)
        self.lab.stop(proc)

    def broadcast_from_bm1(self) -> None:
        """One broadcast frame from bm1 with our marker ethertype: BUM traffic the gateway must replicate."""
        code = ("import socket,sys;s=socket.socket(socket.AF_PACKET,socket.SOCK_RAW);s.bind(('eth0',0));"
                "s.send(bytes.fromhex(sys.argv[1]))")
        frame = b"\xff" * 6 + bytes.fromhex(BM1_MAC.replace(":", "")) + struct.pack("!H", MARKER_ETHERTYPE)
        frame += b"gwctl bfd failover probe".ljust(46, b"\0")
        self.ns["bm1"].run(["python3", "-c", code, frame.hex()])

    def vxlan_frames(self, hv: str, seconds: float) -> list[str]:
        """tcpdump lines of VXLAN frames with VNI 5000 arriving on `hv`'s underlay link while bm1 broadcasts."""
        log = self.workdir / f"tcpdump-{hv}-{time.monotonic_ns()}.txt"
        proc = self.lab.spawn(f"tcpdump ({hv})", self.ns[hv],
                              ["tcpdump", "-i", "eth0", "-n", "-e", "-l", "-Q", "in", "udp port 4789"], log=log)
        try:
            wait_until(lambda: "listening on" in log.read_text(), f"tcpdump on {hv}", timeout=15)
            self.broadcast_from_bm1()
            time.sleep(seconds)
        finally:
            self.lab.stop(proc)
        return [line for line in log.read_text().splitlines() if f"vni {VNI}" in line]


def _ovs_map(text: str) -> dict[str, str]:
    """An OVSDB map as ovs-vsctl/vtep-ctl print it: {diagnostic="No Diagnostic", state=up} -> dict."""
    body = text.strip().strip("{}")
    out: dict[str, str] = {}
    key, value, in_quotes, current, reading_key = "", "", False, "", True
    for ch in body + ",":
        if ch == '"':
            in_quotes = not in_quotes
        elif ch == "=" and not in_quotes and reading_key:
            key, current, reading_key = current.strip(), "", False
        elif ch == "," and not in_quotes:
            value = current.strip()
            if key:
                out[key] = value
            key, current, reading_key = "", "", True
        else:
            current += ch
    return out


def test_ovs_map_parsing():
    assert _ovs_map('{diagnostic="No Diagnostic", forwarding="true", state=up}') == {
        "diagnostic": "No Diagnostic", "forwarding": "true", "state": "up"}
    assert _ovs_map("{}") == {}


@pytest.fixture(scope="module")
def net(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Net]:
    n = Net(Path(tmp_path_factory.mktemp("bfd")))
    try:
        n.build()
        yield n
    finally:
        n.lab.close()


def test_bfd_comes_up_with_ovs_and_a_failed_service_node_is_replaced(net: Net):
    hv1_ip, hv2_ip = HV["hv1"][0], HV["hv2"][0]
    for args in (["add-ls", "ls0"], ["set", "Logical_Switch", "ls0", f"tunnel_key={VNI}",
                                      "replication_mode=service_node"],
                 ["bind-ls", "gw1", "p1", "0", "ls0"],
                 ["add-mcast-remote", "ls0", "unknown-dst", hv1_ip],
                 ["add-mcast-remote", "ls0", "unknown-dst", hv2_ip]):
        net.ctl(*args)
    # gwctl creates one Tunnel row per remote locator in use; the NVC enables BFD on them
    wait_until(lambda: net.tunnel(hv1_ip) and net.tunnel(hv2_ip), "gwctl creating the Tunnel rows", timeout=60)
    for ip in (hv1_ip, hv2_ip):
        net.ctl("set", "Tunnel", net.tunnel(ip), "bfd_params:enable=true", f"bfd_params:min_rx={MIN_RX_MS}",
                f"bfd_params:min_tx={MIN_TX_MS}")
    for hv, ip in (("hv1", hv1_ip), ("hv2", hv2_ip)):
        wait_until(lambda ip=ip: {"state": "up", "remote_state": "up"}.items() <= net.our_status(ip).items(),
                   f"gwctl's session to {hv} up, and {hv} saying so", timeout=60)
        wait_until(lambda hv=hv: {"state": "up", "remote_state": "up"}.items() <= net.ovs_status(hv).items(),
                   f"{hv}'s OVS session up", timeout=30)
    ours, theirs = net.our_status(hv1_ip), net.ovs_status("hv1")
    print("gwctl Tunnel.bfd_status (hv1):", ours)
    print("OVS hv1 Interface.bfd_status:", theirs)
    assert ours["enabled"] == "true" and ours["forwarding"] == "true" and ours["remote_state"] == "up"
    assert theirs["forwarding"] == "true" and theirs["remote_state"] == "up"
    # service node: the lowest live locator, hv1, gets bm1's broadcast; hv2 does not
    wait_until(lambda: len(net.vxlan_frames("hv1", 1.0)) == 1, "bm1's broadcast replicated to hv1", timeout=60)
    assert net.vxlan_frames("hv2", 1.0) == []

    # hv1 dies: no more BFD from it
    stopped = time.monotonic()
    net.stop_vswitchd("hv1")
    wait_until(lambda: net.our_status(hv1_ip).get("state") == "down", "gwctl's session to hv1 down",
               timeout=15, interval=0.05)
    took = time.monotonic() - stopped
    down = net.our_status(hv1_ip)
    print(f"gwctl Tunnel.bfd_status (hv1) {took:.2f}s after ovs-vswitchd stopped:", down)
    assert down["diagnostic"] == "Control Detection Time Expired"
    assert down["forwarding"] == "false"
    # detection time = 3 x max(our min_rx 300 ms, OVS's min_tx 100 ms) = 0.9 s from the last packet, plus the
    # agent loop (0.2 s) and database round trips; well under the 3 s of un-negotiated 1 s intervals
    assert took < 2.5, took
    assert net.our_status(hv2_ip)["state"] == "up" and net.ovs_status("hv2")["state"] == "up"
    # BUM moves to hv2, the live service node
    wait_until(lambda: len(net.vxlan_frames("hv2", 1.0)) == 1, "bm1's broadcast replicated to hv2", timeout=30)
    assert net.vxlan_frames("hv1", 1.0) == []
    # `gwctl diff` computes from the database (Tunnel.bfd_status included): it agrees with the agent
    assert net.gateway is not None
    wait_until(net.gateway.in_sync, "gwctl diff reporting the switch in sync", timeout=30)
    # and `gwctl status` shows the operator which VTEP is down, and why
    doc = json.loads(net.gateway.gwctl("status", "--format", "json"))
    assert {t["remote"]: (t["bfd"], t["diagnostic"]) for t in doc["tunnels"]} == {
        hv1_ip: ("down", "Control Detection Time Expired"), hv2_ip: ("up", "No Diagnostic")}
    assert f"-> {hv1_ip}: BFD down (Control Detection Time Expired)" in net.gateway.gwctl("status")


def test_a_restarted_agent_keeps_the_tunnel_rows_and_brings_bfd_back(net: Net):
    hv1_ip, hv2_ip = HV["hv1"][0], HV["hv2"][0]
    assert net.gateway is not None
    rows = {ip: net.tunnel(ip) for ip in (hv1_ip, hv2_ip)}
    net.gateway.stop_agent()
    net.gateway.start_agent()
    # a new session (new discriminator): OVS sees its peer restart and both come up again
    wait_until(lambda: {"state": "up", "remote_state": "up"}.items() <= net.our_status(hv2_ip).items(),
               "gwctl's new session to hv2 up", timeout=60)
    wait_until(lambda: net.ovs_status("hv2").get("state") == "up", "hv2's OVS session up again", timeout=30)
    assert {ip: net.tunnel(ip) for ip in (hv1_ip, hv2_ip)} == rows   # same rows, not recreated
    assert net.our_status(hv1_ip)["state"] == "down"                  # hv1 is still gone
    wait_until(lambda: len(net.vxlan_frames("hv2", 1.0)) == 1, "BUM still to hv2", timeout=30)


def test_decay_min_rx_slows_an_idle_tunnel_and_data_restores_the_rate(net: Net):
    """vtep(5) decay_min_rx: no data from hv2 -> we ask OVS for BFD every 2 s; data from hv2 -> back to 300 ms.
    OVS shows what we asked for as its Remote Minimum RX Interval (ovs-appctl bfd/show)."""
    hv2_ip, hv2 = HV["hv2"][0], net.ovs["hv2"]
    net.ctl("set", "Tunnel", net.tunnel(hv2_ip), "bfd_params:decay_min_rx=2000")
    wait_until(lambda: "Remote Minimum RX Interval: 2000ms" in hv2.appctl("bfd/show", "vxlan0"),
               "hv2's OVS told to send BFD every 2 s (idle tunnel)", timeout=20)
    # data from hv2 to the gateway: frames OVS encapsulates in VNI 5000 on vxlan0
    frame = ("ffffffffffff" + "020000000b22" + f"{MARKER_ETHERTYPE:04x}").ljust(120, "0")
    deadline = time.monotonic() + 30
    while "Remote Minimum RX Interval: 300ms" not in hv2.appctl("bfd/show", "vxlan0"):
        assert time.monotonic() < deadline, hv2.appctl("bfd/show", "vxlan0")
        for _ in range(5):
            hv2.ofctl("br-int", "packet-out", "LOCAL", f"set_tunnel:{VNI},output:vxlan0", frame)
        time.sleep(0.3)
    assert net.ovs_status("hv2")["state"] == "up" and net.our_status(hv2_ip)["state"] == "up"


def test_teardown_leaves_nothing(net: Net):
    names = [ns.name for ns in net.ns.values()]
    pids = net.lab.pids()
    net.lab.close()
    assert [n for n in names if os.path.exists(f"/run/netns/{n}")] == []
    for pid in pids:
        with pytest.raises(ProcessLookupError):
            os.kill(pid, 0)
