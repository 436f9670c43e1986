"""The demo network driven by OVN: ovn-controller-vtep, not an operator, fills the vtep database.

```
  central: ovsdb-server (OVN_Northbound)  ovsdb-server (OVN_Southbound)  ovn-northd
                 ^ ovn-nbctl                 ^            ^
                 |                 unix sockets (the management network)
        +--------+------------------+         |
  gw:   ovn-controller-vtep  <-> vtep DB <-> gwctl <-> p4sim        hv1: ovn-controller <-> ovs-vswitchd
```

Same hosts, addresses and gateway as `demo.topology` (bare-metal bm1 behind
the P4 gateway, VMs on the OVS hypervisor hv1), with three differences:

- OVN central (NB and SB ovsdb-servers, ovn-northd) runs in a namespace of its
  own, `central`, as it runs on a host of its own in a real deployment. It has
  no interface besides loopback: the daemons reach its databases through unix
  sockets in the work directory, which stand in for the management network
  and keep OVSDB off the underlay (and off any TCP port).
- hv1's br-int is OVN's integration bridge: `ovn-controller` programs it and
  builds the VXLAN tunnel to the gateway's Chassis itself; the VM ports carry
  `external_ids:iface-id` = their logical port.
- The gateway also runs `ovn-controller-vtep`. The operator's whole vtep DB
  part is `add-ls` and `bind-ls`; the NB holds a `vtep` logical port naming
  the physical and logical switch. ovn-controller-vtep then registers the
  Physical_Switch as an SB Chassis, binds the vtep port to it, and writes the
  Logical_Switch tunnel_key (the SB datapath's key), replication_mode, the
  VMs' Ucast_Macs_Remote and the unknown-dst Mcast_Macs_Remote, which gwctl
  realizes as for any other writer (docs/ovn.md).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

from demo.gateway import _tool
from demo.lab import Lab, LabError, Namespace, run, wait_until
from demo.ovs import Ovs, check_tools
from demo.topology import (
    ACCESS_PORT,
    BM1,
    HV_TUNNEL_IP,
    LOGICAL_SWITCH,
    OVERLAY_PREFIX,
    SWITCH,
    VM1,
    VM2,
    Host,
    Topology,
)

NB_SCHEMA = Path("/usr/share/ovn/ovn-nb.ovsschema")
SB_SCHEMA = Path("/usr/share/ovn/ovn-sb.ovsschema")
OVN_SWITCH = "net0"                 # the OVN logical switch (NB) the vtep logical switch ls0 joins
VTEP_LSP = f"{SWITCH}-{LOGICAL_SWITCH}"   # NB port of type vtep standing for (gw1, ls0)
VM3 = Host("vm3", "192.0.2.23", "02:00:00:00:00:23")   # plugged in at start, in NB only when the test adds it
OVN_TOOLS = ("ovn-northd", "ovn-controller", "ovn-controller-vtep", "ovn-nbctl", "ovn-sbctl")


def check_ovn_tools() -> None:
    """Fail early when OVN is missing (scripts/install-deps.sh: ovn-central, ovn-host, ovn-controller-vtep)."""
    check_tools()
    missing = [tool for tool in OVN_TOOLS if shutil.which(tool) is None]
    if missing:
        raise LabError(f"{', '.join(missing)} not found: run scripts/install-deps.sh"
                       " (ovn-central, ovn-host, ovn-controller-vtep)")
    for schema in (NB_SCHEMA, SB_SCHEMA):
        if not schema.exists():
            raise LabError(f"{schema} missing: install ovn-central")


def ovn_env(directory: Path) -> dict[str, str]:
    """OVN daemons and clients look for pidfiles, control sockets and databases under OVN_RUNDIR and
    friends (default /var/run/ovn): pointing them at our directory keeps the system's OVN untouched."""
    return {**os.environ, "OVN_RUNDIR": str(directory), "OVN_LOGDIR": str(directory),
            "OVN_DBDIR": str(directory), "OVN_SYSCONFDIR": str(directory)}


def _daemon_flags(directory: Path, name: str, unixctl: bool = True) -> list[str]:
    """A log file of our own (no pidfile, no detaching: the Lab holds the PID) and a control socket where
    the daemon takes --unixctl; ovn-controller and ovn-controller-vtep do not, and put theirs in OVN_RUNDIR."""
    ctl = [f"--unixctl={directory / (name + '.ctl')}"] if unixctl else []
    return [*ctl, f"--log-file={directory / (name + '.log')}", "-vconsole:off"]


class OvnCentral:
    """NB and SB ovsdb-servers and ovn-northd, in their own namespace and directory."""

    def __init__(self, lab: Lab, ns: Namespace, directory: Path) -> None:
        self.lab, self.ns, self.dir = lab, ns, directory
        self.env = ovn_env(directory)
        self.nb_sock, self.sb_sock = directory / "ovnnb_db.sock", directory / "ovnsb_db.sock"

    @property
    def nb_remote(self) -> str:
        return f"unix:{self.nb_sock}"

    @property
    def sb_remote(self) -> str:
        return f"unix:{self.sb_sock}"

    def start(self) -> OvnCentral:
        self.dir.mkdir(parents=True, exist_ok=True)
        for name, schema, sock in (("ovnnb_db", NB_SCHEMA, self.nb_sock), ("ovnsb_db", SB_SCHEMA, self.sb_sock)):
            db = self.dir / f"{name}.db"
            run(["ovsdb-tool", "create", str(db), str(schema)])
            self.lab.spawn(f"ovsdb-server ({name})", self.ns, [
                "ovsdb-server", str(db), f"--remote=punix:{sock}", *_daemon_flags(self.dir, name)],
                log=self.dir / f"{name}.out", env=self.env)
        wait_until(lambda: self.nb_sock.exists() and self.sb_sock.exists(), "OVN NB and SB sockets", timeout=15)
        self.lab.spawn("ovn-northd", self.ns, [
            "ovn-northd", f"--ovnnb-db={self.nb_remote}", f"--ovnsb-db={self.sb_remote}",
            *_daemon_flags(self.dir, "ovn-northd")], log=self.dir / "ovn-northd.out", env=self.env)
        wait_until(lambda: self.sbctl("get", "SB_Global", ".", "nb_cfg") is not None, "OVN SB answering", 15)
        # northd has connected once it has copied NB_Global into SB_Global (ovn-nbctl --wait=sb needs it)
        wait_until(lambda: self.nbctl("--wait=sb", "sync") is not None, "ovn-northd syncing NB to SB", 30)
        return self

    def nbctl(self, *args: str) -> str:
        return run(["ovn-nbctl", f"--db={self.nb_remote}", "--timeout=20", *args], env=self.env).stdout.strip()

    def sbctl(self, *args: str) -> str:
        return run(["ovn-sbctl", f"--db={self.sb_remote}", "--timeout=20", *args], env=self.env).stdout.strip()

    def sb_rows(self, table: str, *conditions: str) -> list[dict[str, object]]:
        """Rows of an SB table as {column: value} (sets and maps unwrapped), for assertions on what
        ovn-controller-vtep and ovn-controller wrote."""
        out = self.sbctl("--format=json", "--data=json", "find", table, *conditions)
        doc = json.loads(out)
        return [dict(zip(doc["headings"], (_ovsdb_value(v) for v in row), strict=True)) for row in doc["data"]]


def as_list(value: object) -> list[object]:
    """An OVSDB set column as a list: a one-element set comes back from JSON as the bare atom."""
    return value if isinstance(value, list) else [value]


def _ovsdb_value(value: object) -> object:
    """OVSDB JSON ("set", [...]) / ("map", [...]) / ("uuid", u) -> Python list / dict / str."""
    if isinstance(value, list) and len(value) == 2 and isinstance(value[0], str):
        kind, body = value
        if kind == "set":
            return [_ovsdb_value(v) for v in body]
        if kind == "map":
            return {_ovsdb_value(k): _ovsdb_value(v) for k, v in body}
        if kind in ("uuid", "named-uuid"):
            return body
    return value


def start_ovn_controller(lab: Lab, hv: Ovs, central: OvnCentral, system_id: str, encap_ip: str,
                         encap_type: str = "vxlan") -> None:
    """ovn-controller on a hypervisor: chassis `system_id`, tunnel endpoint `encap_ip`, userspace datapath.
    `encap_type` must include vxlan, the only encapsulation ovn-controller-vtep gives a hardware VTEP.

    ovn-controller reaches br-int's OpenFlow socket in OVS_RUNDIR, so it gets the OVS instance's
    environment (demo/ovs.py) plus an OVN run directory of its own."""
    hv.vsctl("set", "Open_vSwitch", ".", f"external_ids:system-id={system_id}",
             f"external_ids:ovn-remote={central.sb_remote}", f"external_ids:ovn-encap-type={encap_type}",
             f"external_ids:ovn-encap-ip={encap_ip}", "external_ids:ovn-bridge-datapath-type=netdev")
    directory = hv.dir / "ovn"
    directory.mkdir(parents=True, exist_ok=True)
    env = {**hv.env, **{k: v for k, v in ovn_env(directory).items() if k.startswith("OVN_")}}
    lab.spawn(f"ovn-controller ({hv.ns.name})", hv.ns, [
        "ovn-controller", f"unix:{hv.db_sock}", *_daemon_flags(directory, "ovn-controller", unixctl=False)],
        log=directory / "ovn-controller.out", env=env)

    def registered() -> bool:
        lab.check_alive()
        return bool(central.sb_rows("Chassis", f"name={system_id}"))

    wait_until(registered, f"ovn-controller registering chassis {system_id} in the SB", 30)


def start_controller_vtep(lab: Lab, ns: Namespace, directory: Path, vtep_remote: str,
                          central: OvnCentral) -> subprocess.Popen[bytes]:
    """ovn-controller-vtep between the gateway's vtep DB and the SB, in the gateway's namespace."""
    directory.mkdir(parents=True, exist_ok=True)
    return lab.spawn("ovn-controller-vtep", ns, [
        "ovn-controller-vtep", f"--vtep-db={vtep_remote}", f"--ovnsb-db={central.sb_remote}",
        *_daemon_flags(directory, "ovn-controller-vtep", unixctl=False)],
        log=directory / "ovn-controller-vtep.out", env=ovn_env(directory))


def vm_port_commands(vm: Host) -> list[list[str]]:
    """ovn-nbctl arguments for one VM's logical port (MAC and IP, so OVN knows where it lives)."""
    return [["lsp-add", OVN_SWITCH, vm.name], ["lsp-set-addresses", vm.name, f"{vm.mac} {vm.ip}"]]


def nb_commands() -> list[list[str]]:
    """The cloud's side: a logical switch with the VMs and the gateway's (gw1, ls0) as a vtep port.
    Its addresses are `unknown`: bare-metal MACs are not in the NB, so OVN sends what it cannot place to it."""
    commands = [["ls-add", OVN_SWITCH]]
    for vm in (VM1, VM2):
        commands += vm_port_commands(vm)
    return commands + vtep_port_commands()


def vtep_port_commands() -> list[list[str]]:
    """The NB port standing for (gw1, ls0): type vtep, named by physical and vtep logical switch."""
    return [["lsp-add", OVN_SWITCH, VTEP_LSP], ["lsp-set-type", VTEP_LSP, "vtep"],
            ["lsp-set-options", VTEP_LSP, f"vtep-physical-switch={SWITCH}", f"vtep-logical-switch={LOGICAL_SWITCH}"],
            ["lsp-set-addresses", VTEP_LSP, "unknown"]]


def vtep_commands(vlan: int) -> list[list[str]]:
    """The operator's part in the vtep DB: only the logical switch and the binding (no key, no MACs)."""
    return [["add-ls", LOGICAL_SWITCH], ["bind-ls", SWITCH, ACCESS_PORT, str(vlan), LOGICAL_SWITCH]]


class OvnTopology(Topology):
    """demo.topology's network with OVN in charge: central, ovn-controller on hv1, ovn-controller-vtep on gw."""

    HOSTS = ("central", "gw", BM1.name, "hv1", VM1.name, VM2.name, VM3.name)

    def __init__(self, workdir: Path, prefix: str = "", vlan: int = 0, trace: bool = False,
                 say: Callable[[str], None] = lambda _: None, encap: str = "geneve,vxlan") -> None:
        super().__init__(workdir, prefix=prefix, vlan=vlan, trace=trace, say=say)
        self.central: OvnCentral | None = None
        self.encap = encap   # hv1's ovn-encap-type: Geneve between hypervisors, VXLAN towards the gateway

    def build(self) -> None:
        check_ovn_tools()
        self.workdir.mkdir(parents=True, exist_ok=True)
        for host in self.HOSTS:
            self.ns[host] = self.lab.namespace(self.name(host))
        self.say("namespaces: " + ", ".join(ns.name for ns in self.ns.values()))
        self.central = OvnCentral(self.lab, self.ns["central"], self.workdir / "central").start()
        self.say(f"{self.name('central')}: OVN NB + SB ovsdb-servers, ovn-northd (unix sockets in"
                 f" {self.central.dir})")
        self._hosts()
        self._hypervisor()
        self._gateway()
        assert self.vtep is not None
        start_controller_vtep(self.lab, self.ns["gw"], self.workdir / "gw" / "ovn", self.vtep.remote, self.central)
        wait_until(lambda: self.chassis(SWITCH), f"ovn-controller-vtep registering {SWITCH} as an SB Chassis", 30)
        self.say(f"{self.name('gw')}: ovn-controller-vtep between the vtep DB and the SB")

    def _hypervisor(self) -> None:
        """br-phy and the underlay as in demo.topology; br-int belongs to ovn-controller."""
        hv1 = self.ns["hv1"]
        assert self.central is not None
        hv = self._hypervisor_underlay()
        hv.add_netdev_bridge("br-int")
        hv.vsctl("set", "Bridge", "br-int", "fail_mode=secure", "other_config:disable-in-band=true")
        start_ovn_controller(self.lab, hv, self.central, "hv1", HV_TUNNEL_IP, self.encap)
        for vm in (VM1, VM2, VM3):
            self.lab.veth(hv1, vm.name, self.ns[vm.name], "eth0", b_mac=vm.mac)
            self.ns[vm.name].ip("addr", "add", f"{vm.ip}/{OVERLAY_PREFIX}", "dev", "eth0")
            hv.add_port("br-int", vm.name, f"external_ids:iface-id={vm.name}")
        self.say(f"{hv1.name}: ovs-vswitchd (netdev) br-phy {HV_TUNNEL_IP}, ovn-controller (chassis hv1,"
                 f" encap {self.encap} {HV_TUNNEL_IP}), br-int: vm1, vm2, vm3 (iface-id = logical port)")

    # ------------------------------------------------------------ operate

    def configure(self, echo: Callable[[str], None] = lambda _: None) -> None:
        """NB first (the cloud), then the operator's two vtep-ctl commands; wait until ovn-controller-vtep
        wrote the VMs' MACs and gwctl realized the binding."""
        assert self.central is not None
        for args in nb_commands():
            echo("ovn-nbctl " + " ".join(args))
            self.central.nbctl(*args)
        for args in vtep_commands(self.vlan):
            echo("vtep-ctl " + " ".join(args))
            self.vtep_ctl(*args)
        wait_until(lambda: {VM1.mac, VM2.mac} <= self.remote_macs().keys(),
                   "ovn-controller-vtep writing the VMs' Ucast_Macs_Remote", timeout=60)
        wait_until(lambda: "unknown-dst" in self.local_macs(),
                   "gwctl realizing the binding (Mcast_Macs_Local unknown-dst)", timeout=60)

    def add_vm_port(self, vm: Host) -> None:
        assert self.central is not None
        for args in vm_port_commands(vm):
            self.central.nbctl(*args)

    def delete_vm_port(self, vm: Host) -> None:
        assert self.central is not None
        self.central.nbctl("lsp-del", vm.name)

    def remote_macs(self) -> dict[str, str]:
        """Ucast_Macs_Remote of ls0 as {MAC: locator IP} (`vtep-ctl list-remote-macs`)."""
        macs = {}
        for line in self.vtep_ctl("list-remote-macs", LOGICAL_SWITCH).splitlines():
            mac, arrow, locator = line.strip().partition(" -> ")
            if arrow and not mac.startswith("unknown-dst"):
                macs[mac] = locator.rsplit("/", 1)[-1]
        return macs

    def mcast_remote_locators(self) -> list[str]:
        """Locator IPs of ls0's unknown-dst Mcast_Macs_Remote."""
        out = self.vtep_ctl("list-remote-macs", LOGICAL_SWITCH)
        return sorted(line.rsplit("/", 1)[-1] for line in out.splitlines() if line.strip().startswith("unknown-dst"))

    def chassis(self, name: str) -> dict[str, object] | None:
        assert self.central is not None
        rows = self.central.sb_rows("Chassis", f"name={name}")
        return rows[0] if rows else None

    def datapath_key(self) -> int:
        """The SB tunnel key of the OVN logical switch: the VNI on the wire both ways."""
        assert self.central is not None
        rows = self.central.sb_rows("Datapath_Binding", f"external_ids:name={OVN_SWITCH}")
        if len(rows) != 1:
            raise LabError(f"expected one SB Datapath_Binding for {OVN_SWITCH}, found {len(rows)}")
        return int(rows[0]["tunnel_key"])

    def port_binding(self, logical_port: str) -> dict[str, object]:
        assert self.central is not None
        rows = self.central.sb_rows("Port_Binding", f"logical_port={logical_port}")
        if len(rows) != 1:
            raise LabError(f"expected one SB Port_Binding for {logical_port}, found {len(rows)}")
        return rows[0]

    def ls_tunnel_key(self) -> int | None:
        value = self.vtep_ctl("get", "Logical_Switch", LOGICAL_SWITCH, "tunnel_key")
        return int(value.strip("[]")) if value.strip("[]") else None

    def gateway_dmac_macs(self) -> set[str]:
        """Destination MACs of the dmac entries p4sim holds now (`gwctl entries dmac`, read from the switch)."""
        assert self.gateway is not None
        g = self.gateway
        proc = self.ns["gw"].run([*_tool("gwctl", "gwctl.cli"), "entries", "--p4rt", g.p4rt, "--p4info", str(g.p4info),
                                  "--device-id", str(g.cfg.device_id), "dmac"], check=False, timeout=60)
        if proc.returncode != 0:
            raise LabError(f"gwctl entries failed ({proc.returncode}): {proc.stderr.strip()}")
        return set(re.findall(r"dst_mac=([0-9a-f:]{17})", proc.stdout))
