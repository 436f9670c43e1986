"""The demo network: a P4 gateway joining a bare-metal server and an OVS hypervisor's VMs.

```
  bm1 (192.0.2.10)                                       vm1 (192.0.2.21)   vm2 (192.0.2.22)
   eth0 |                                                  eth0 |             eth0 |
        |  access port p1 (P4 port 1)                       vm1 |              vm2 |
  +-----+-------------------------+   underlay        +--------+-------------------+-----+
  | gw: p4sim (vtep_gateway.p4)   |  198.18.0.0/24    | hv1:   br-int (NORMAL) + vxlan0   |
  |     gwctl  <-> vtep DB        |-------------------|        key=5000 remote 198.18.0.1 |
  |  tunnel IP 198.18.0.1         | up0          eth0 |        br-phy 198.18.0.2 (netdev) |
  +-------------------------------+ (P4 port 0)       +-----------------------------------+
```

Every box is a network namespace (names can carry a prefix, so a test can run
next to the demo); every link a veth created straight into its two
namespaces. The hypervisor is real OVS with the userspace datapath: VXLAN is
encapsulated by ovs-vswitchd (native tunneling), the tunnel IP is on the
netdev bridge br-phy whose port is the underlay veth, and OVS learns the
gateway's MAC by ARP, which gwctl answers through packet-in/out. The gateway
is configured only through the vtep database, with vtep-ctl, as an operator
(or ovn-controller-vtep) would.
"""

from __future__ import annotations

import contextlib
import os
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from demo.gateway import REPO, Gateway, GatewayConfig, VtepDatabase
from demo.lab import Lab, LabError, Namespace, wait_until
from demo.ovs import Ovs, check_tools


@dataclass(frozen=True)
class Host:
    name: str       # namespace name without the prefix
    ip: str
    mac: str


BM1 = Host("bm1", "192.0.2.10", "02:00:00:00:00:10")
VM1 = Host("vm1", "192.0.2.21", "02:00:00:00:00:21")
VM2 = Host("vm2", "192.0.2.22", "02:00:00:00:00:22")
OVERLAY_PREFIX = 24

GW_TUNNEL_IP, HV_TUNNEL_IP, UNDERLAY_PREFIX = "198.18.0.1", "198.18.0.2", 24
UNDERLAY_MTU = 1600
GW_UPLINK_MAC, HV_PHY_MAC = "02:00:00:00:01:00", "02:00:00:00:02:00"
SWITCH, ACCESS_PORT, LOGICAL_SWITCH, VNI = "gw1", "p1", "ls0", 5000


def operator_commands(vlan: int) -> list[list[str]]:
    """What the operator types (vtep-ctl arguments) to put bm1 and the hypervisor's VMs in one overlay."""
    return [
        ["add-ls", LOGICAL_SWITCH],
        ["set", "Logical_Switch", LOGICAL_SWITCH, f"tunnel_key={VNI}"],
        ["bind-ls", SWITCH, ACCESS_PORT, str(vlan), LOGICAL_SWITCH],
        ["add-ucast-remote", LOGICAL_SWITCH, VM1.mac, HV_TUNNEL_IP],
        ["add-ucast-remote", LOGICAL_SWITCH, VM2.mac, HV_TUNNEL_IP],
        ["add-mcast-remote", LOGICAL_SWITCH, "unknown-dst", HV_TUNNEL_IP],
    ]


class Topology:
    """Builds the network and its daemons in `workdir`; `close()` (or leaving the
    `with` block) removes every namespace and process it made."""

    def __init__(self, workdir: Path, prefix: str = "", vlan: int = 0, trace: bool = False,
                 say: Callable[[str], None] = lambda _: None) -> None:
        self.workdir, self.prefix, self.vlan, self.trace, self.say = Path(workdir), prefix, vlan, trace, say
        self.lab = Lab(self.workdir)
        self.ns: dict[str, Namespace] = {}
        self.hv: Ovs | None = None
        self.vtep: VtepDatabase | None = None
        self.gateway: Gateway | None = None
        self._captures = 0

    def __enter__(self) -> Topology:
        try:
            self.build()
        except BaseException:
            self.close()
            raise
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self.lab.close()

    def name(self, host: str) -> str:
        return f"{self.prefix}{host}"

    # ------------------------------------------------------------ build

    def build(self) -> None:
        check_tools()
        self.workdir.mkdir(parents=True, exist_ok=True)
        for host in ("gw", BM1.name, "hv1", VM1.name, VM2.name):
            self.ns[host] = self.lab.namespace(self.name(host))
        self.say("namespaces: " + ", ".join(ns.name for ns in self.ns.values()))
        self._hosts()
        self._hypervisor()
        self._gateway()

    def _hosts(self) -> None:
        gw, bm1 = self.ns["gw"], self.ns[BM1.name]
        self.lab.veth(gw, ACCESS_PORT, bm1, "eth0", b_mac=BM1.mac)
        dev = "eth0"
        if self.vlan:
            dev = f"eth0.{self.vlan}"
            try:
                bm1.ip("link", "add", "link", "eth0", "name", dev, "type", "vlan", "id", str(self.vlan))
            except LabError as exc:
                raise LabError(f"bm1 cannot tag VLAN {self.vlan}: this kernel lacks 802.1Q (8021q): {exc}") from exc
            bm1.ip("link", "set", dev, "up")
        bm1.ip("addr", "add", f"{BM1.ip}/{OVERLAY_PREFIX}", "dev", dev)
        tagging = f"VLAN {self.vlan}" if self.vlan else "untagged"
        self.say(f"{self.name('bm1')}: {dev} {BM1.mac} {BM1.ip}/{OVERLAY_PREFIX}"
                 f" -> {self.name('gw')}:{ACCESS_PORT} (P4 port 1, {tagging})")

    def _hypervisor_underlay(self) -> Ovs:
        """hv1's OVS with the tunnel endpoint on br-phy (a netdev bridge) and the veth to the gateway its port,
        as in OVS's userspace-tunneling how-to; shared by the operator and the OVN stories."""
        hv1 = self.ns["hv1"]
        self.hv = hv = Ovs(self.lab, hv1, self.workdir / "hv1").start()
        # room for the 50 bytes of VXLAN, so the tenants keep their 1500-byte MTU (as any VXLAN underlay)
        self.lab.veth(self.ns["gw"], "up0", hv1, "eth0", a_mac=GW_UPLINK_MAC, mtu=UNDERLAY_MTU)
        hv.add_netdev_bridge("br-phy", hwaddr=HV_PHY_MAC)
        hv.add_port("br-phy", "eth0")
        hv1.ip("addr", "add", f"{HV_TUNNEL_IP}/{UNDERLAY_PREFIX}", "dev", "br-phy")
        hv1.ip("link", "set", "br-phy", "up")
        # ovs-vswitchd caches the namespace's kernel routes; make sure the tunnel route is there
        wait_until(lambda: f"198.18.0.0/{UNDERLAY_PREFIX} dev br-phy" in hv.appctl("ovs/route/show"),
                   "OVS route to the underlay via br-phy", timeout=15)
        return hv

    def _hypervisor(self) -> None:
        hv1 = self.ns["hv1"]
        hv = self._hypervisor_underlay()
        # integration bridge: VM ports and the VXLAN port to the gateway, plain MAC learning (NORMAL)
        hv.add_netdev_bridge("br-int")
        for vm in (VM1, VM2):
            self.lab.veth(hv1, vm.name, self.ns[vm.name], "eth0", b_mac=vm.mac)
            self.ns[vm.name].ip("addr", "add", f"{vm.ip}/{OVERLAY_PREFIX}", "dev", "eth0")
            hv.add_port("br-int", vm.name)
        hv.add_port("br-int", "vxlan0", "type=vxlan", f"options:remote_ip={GW_TUNNEL_IP}", f"options:key={VNI}")
        self.say(f"{hv1.name}: ovs-vswitchd (datapath_type=netdev) br-phy {HV_TUNNEL_IP} ({HV_PHY_MAC}),"
                 f" br-int: vm1, vm2, vxlan0 (key={VNI}, remote_ip={GW_TUNNEL_IP})")

    def _gateway(self) -> None:
        gw = self.ns["gw"]
        cfg = GatewayConfig(SWITCH, GW_TUNNEL_IP, ACCESS_PORT, 1, "up0", 0, GW_UPLINK_MAC, HV_PHY_MAC)
        self.vtep = VtepDatabase(self.lab, gw, self.workdir / "vtep").start()
        self.gateway = g = Gateway(self.lab, gw, self.workdir / "gw", cfg, self.vtep, trace=self.trace)
        g.compile()
        g.start_switch()
        self.say(f"{gw.name}: p4sim runs vtep_gateway.p4 (pushed by gwctl): port 0@up0 (uplink),"
                 f" 1@{ACCESS_PORT} (access), CPU port 255, P4Runtime {g.p4rt}")
        g.start_agent()
        self.say(f"{gw.name}: gwctl registered Physical_Switch {SWITCH} (tunnel IP {GW_TUNNEL_IP}),"
                 f" Physical_Port {ACCESS_PORT}")

    # ------------------------------------------------------------ operate

    def vtep_ctl(self, *args: str) -> str:
        assert self.vtep is not None
        return self.vtep.ctl(*args)

    def configure(self, echo: Callable[[str], None] = lambda _: None) -> None:
        """The operator's vtep-ctl commands, then wait until gwctl realized the binding."""
        for args in operator_commands(self.vlan):
            echo("vtep-ctl " + " ".join(args))
            self.vtep_ctl(*args)
        wait_until(lambda: "unknown-dst" in self.vtep_ctl("list-local-macs", LOGICAL_SWITCH),
                   "gwctl realizing the binding (Mcast_Macs_Local unknown-dst)", timeout=60)

    def ping(self, src: Host, dst: Host, count: int = 3, wait: float = 2.0, size: int = 56) -> tuple[int, str]:
        """(replies, output) of ICMP echo from host `src` to `dst`, sent by src's own kernel."""
        self.lab.check_alive()
        proc = self.ns[src.name].run(
            [sys.executable, "-m", "demo.ping", "-c", str(count), "-W", str(wait), "-s", str(size), dst.ip],
            check=False,
            timeout=count * (wait + 1) + 30, env={**os.environ, "PYTHONPATH": str(REPO)})
        if proc.returncode not in (0, 1):
            raise LabError(f"ping failed to run: {proc.stderr.strip()}")
        replies = sum(" bytes from " in line for line in proc.stdout.splitlines())
        return replies, proc.stdout.rstrip()

    @contextlib.contextmanager
    def capture(self, host: str, bpf: str, iface: str = "eth0") -> Iterator[Path]:
        """tcpdump (frames received) on `host`'s `iface` while the block runs; yields the file its text
        output goes to. Seeing the frames arrive on the far host is the proof of what the gateway did."""
        self._captures += 1
        log = self.workdir / f"tcpdump-{host}-{iface}-{self._captures}.txt"
        proc = self.lab.spawn(f"tcpdump ({host})", self.ns[host],
                              ["tcpdump", "-i", iface, "-n", "-e", "-l", "-Q", "in", bpf], log=log)
        try:
            wait_until(lambda: "listening on" in log.read_text(), f"tcpdump on {host}", timeout=15)
            yield log
            time.sleep(0.3)
        finally:
            self.lab.stop(proc)

    def wait_for_ping(self, src: Host, dst: Host, timeout: float = 60.0) -> None:
        """The first packets wait for ARP (overlay and underlay) and for gwctl's entries; retry until one passes."""
        wait_until(lambda: self.ping(src, dst, count=1, wait=1.0)[0] == 1, f"a reply from {dst.ip}", timeout)

    def local_macs(self) -> str:
        return self.vtep_ctl("list-local-macs", LOGICAL_SWITCH)

    def binding_stats(self) -> dict[str, int]:
        """Logical_Binding_Stats of the access binding, as gwctl writes them from the P4 counters."""
        ref = self.vtep_ctl("get", "Physical_Port", ACCESS_PORT, f"vlan_stats:{self.vlan}")
        return {col: int(self.vtep_ctl("get", "Logical_Binding_Stats", ref, col))
                for col in ("packets_to_local", "bytes_to_local", "packets_from_local", "bytes_from_local")}

    def namespace_names(self) -> list[str]:
        return [ns.name for ns in self.ns.values()]
