"""The P4 gateway as an operator runs it: a hardware_vtep ovsdb-server, p4sim running
vtep_gateway.p4 with its P4Runtime server, and `gwctl run` between them.

p4sim starts without a program (`--no-p4`), as `simple_switch_grpc` would, and
gwctl pushes the pipeline compiled by `p4sim compile`: the agent is the only
thing that programs the switch. Both run in the gateway's namespace, so
P4Runtime is on that namespace's loopback and the gRPC port cannot clash with
anything else on the machine. The vtep database is a real ovsdb-server with
the vtep schema, in a directory of its own, reached by its unix socket.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from demo.lab import Lab, LabError, Namespace, run, wait_until

REPO = Path(__file__).resolve().parents[1]
PROGRAM = REPO / "p4src" / "vtep_gateway.p4"
VTEP_SCHEMA = Path("/usr/share/openvswitch/vtep.ovsschema")
CPU_PORT = 255  # vtep_gateway.p4's CPU_PORT (docs/pipeline.md, section 2)


def _tool(name: str, module: str) -> list[str]:
    """The console script as an operator types it, or the module when the checkout is not installed."""
    exe = shutil.which(name)
    return [exe] if exe else [sys.executable, "-m", module]


class VtepDatabase:
    """ovsdb-server serving a fresh hardware_vtep database (what ovs-vtep or a ToR vendor ships)."""

    def __init__(self, lab: Lab, ns: Namespace, directory: Path) -> None:
        self.lab, self.ns, self.dir = lab, ns, directory
        self.sock = directory / "db.sock"

    @property
    def remote(self) -> str:
        return f"unix:{self.sock}"

    def start(self) -> VtepDatabase:
        self.dir.mkdir(parents=True, exist_ok=True)
        db = self.dir / "vtep.db"
        run(["ovsdb-tool", "create", str(db), str(VTEP_SCHEMA)])
        self.lab.spawn("ovsdb-server (vtep)", self.ns, [
            "ovsdb-server", str(db), f"--remote=punix:{self.sock}", f"--unixctl={self.dir / 'ovsdb-server.ctl'}",
            f"--log-file={self.dir / 'ovsdb-server.log'}", "-vconsole:off"], log=self.dir / "ovsdb-server.out")
        wait_until(lambda: self.sock.exists() and self.ctl("list-ps") is not None, "vtep ovsdb-server", timeout=15)
        return self

    def ctl(self, *args: str) -> str:
        """The real vtep-ctl against this database."""
        return run(["vtep-ctl", f"--db={self.remote}", "--timeout=20", *args]).stdout.strip()


@dataclass(frozen=True)
class GatewayConfig:
    """The gateway box: its name in the vtep DB, tunnel IP, ports and the underlay next hop."""

    switch: str
    tunnel_ip: str
    access_port: str        # Physical_Port name = interface name in the gateway namespace
    access_number: int
    uplink: str
    uplink_number: int
    uplink_mac: str
    nexthop_mac: str        # the MAC behind the uplink: the hypervisor's br-phy
    grpc_port: int = 9559
    device_id: int = 1

    def inventory(self) -> str:
        """gwctl's inventory (gwctl/inventory.py): the box's local facts the vtep schema does not hold."""
        return (f'[switch]\nname = "{self.switch}"\ntunnel_ips = ["{self.tunnel_ip}"]\n\n'
                f'[[port]]\nname = "{self.access_port}"\nnumber = {self.access_number}\n\n'
                f'[[uplink]]\nname = "{self.uplink}"\nnumber = {self.uplink_number}\n'
                f'mac = "{self.uplink_mac}"\nnexthop_mac = "{self.nexthop_mac}"\n')


class Gateway:
    """p4sim + gwctl in the gateway namespace."""

    def __init__(self, lab: Lab, ns: Namespace, directory: Path, cfg: GatewayConfig, vtep: VtepDatabase,
                 trace: bool = False) -> None:
        self.lab, self.ns, self.dir, self.cfg, self.vtep, self.trace = lab, ns, directory, cfg, vtep, trace
        self.p4info = directory / "vtep_gateway.p4info.txtpb"
        self.device_config = directory / "vtep_gateway.p4sim"
        self.inventory = directory / "gw.toml"
        self.agent_log = directory / "gwctl.log"
        self.p4sim_log = directory / "p4sim.log"
        self.agent: subprocess.Popen[bytes] | None = None

    @property
    def p4rt(self) -> str:
        return f"127.0.0.1:{self.cfg.grpc_port}"

    def compile(self) -> None:
        self.dir.mkdir(parents=True, exist_ok=True)
        run([*_tool("p4sim", "p4sim.cli"), "compile", str(PROGRAM), "--p4info", str(self.p4info),
             "--device-config", str(self.device_config)], timeout=300)

    def start_switch(self) -> None:
        cmd = [*_tool("p4sim", "p4sim.cli"), "run", "--no-p4",
               "-i", f"{self.cfg.uplink_number}@{self.cfg.uplink}",
               "-i", f"{self.cfg.access_number}@{self.cfg.access_port}",
               "--grpc-server-addr", self.p4rt, "--device-id", str(self.cfg.device_id),
               "--cpu-port", str(CPU_PORT)]
        cmd += ["--log-file", str(self.dir / "p4sim.trace")] if self.trace else ["-L", "off"]
        self.lab.spawn("p4sim", self.ns, cmd, log=self.p4sim_log, cwd=REPO)
        wait_until(self._grpc_listening, f"p4sim's P4Runtime server on {self.p4rt}", timeout=60)

    def _grpc_listening(self) -> bool:
        self.lab.check_alive()
        probe = f"echo > /dev/tcp/127.0.0.1/{self.cfg.grpc_port}"
        return self.ns.run(["bash", "-c", probe], check=False).returncode == 0

    def start_agent(self) -> None:
        self.inventory.write_text(self.cfg.inventory())
        self.agent = self.lab.spawn("gwctl", self.ns, [
            *_tool("gwctl", "gwctl.cli"), "-v", "run", "--db", self.vtep.remote, "--inventory", str(self.inventory),
            "--p4rt", self.p4rt, "--p4info", str(self.p4info), "--device-config", str(self.device_config),
            "--device-id", str(self.cfg.device_id)], log=self.agent_log, cwd=REPO)
        wait_until(self._registered, f"gwctl registering {self.cfg.switch} in the vtep database", timeout=60)

    def stop_agent(self) -> None:
        self.lab.stop(self.agent)

    def _registered(self) -> bool:
        self.lab.check_alive()
        return (self.cfg.switch in self.vtep.ctl("list-ps").split()
                and self.cfg.access_port in self.vtep.ctl("list-ports", self.cfg.switch).split())

    def gwctl(self, *args: str) -> str:
        """A read-only gwctl command (status, diff, faults) against the running gateway, as the operator
        runs it next to the agent (a backup P4Runtime client: it never writes)."""
        common = ["--db", self.vtep.remote, "--inventory", str(self.inventory)]
        if args[0] in ("status", "diff"):
            common += ["--p4rt", self.p4rt, "--p4info", str(self.p4info), "--device-id", str(self.cfg.device_id)]
        proc = self.ns.run([*_tool("gwctl", "gwctl.cli"), args[0], *common, *args[1:]], check=False, timeout=60)
        if proc.returncode != 0:
            raise LabError(f"gwctl {args[0]} failed ({proc.returncode}): {(proc.stderr or proc.stdout).strip()}")
        # the command's own output and its "# ..." summary line, not the P4Runtime library's log lines
        notes = [line for line in proc.stderr.splitlines() if line.startswith("#")]
        return "\n".join([*proc.stdout.splitlines(), *notes]).strip()

    def in_sync(self) -> bool:
        """The switch holds exactly what the database asks for (`gwctl diff --format json`)."""
        return bool(json.loads(self.gwctl("diff", "--format", "json").split("\n#", 1)[0])["in_sync"])
