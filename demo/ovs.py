"""A private Open vSwitch (ovsdb-server + ovs-vswitchd, userspace datapath) inside a namespace.

The hypervisor of the demo runs the real OVS daemons, but never the system's:
each instance gets its own directory for the database, the unix sockets
(database, unixctl, the bridges' OpenFlow management sockets) and the logs,
and every client command names that socket explicitly. OVS_RUNDIR and friends
point there too, because ovs-vswitchd puts the bridges' `*.mgmt` sockets in
its run directory. The datapath is `netdev` (userspace): no kernel module, and
the tunnel endpoint lives on a netdev bridge (br-phy), as in OVS's
"Userspace tunneling" how-to.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from demo.lab import Lab, LabError, Namespace, run, wait_until

VSWITCH_SCHEMA = Path("/usr/share/openvswitch/vswitch.ovsschema")


class Ovs:
    """One OVS instance running in `ns`, with its files under `directory`."""

    def __init__(self, lab: Lab, ns: Namespace, directory: Path) -> None:
        self.lab, self.ns, self.dir = lab, ns, directory
        self.db_sock = directory / "db.sock"
        self.vswitchd_ctl = directory / "ovs-vswitchd.ctl"
        self.env = {**os.environ, "OVS_RUNDIR": str(directory), "OVS_LOGDIR": str(directory),
                    "OVS_DBDIR": str(directory), "OVS_SYSCONFDIR": str(directory)}

    def start(self) -> Ovs:
        self.dir.mkdir(parents=True, exist_ok=True)
        db = self.dir / "conf.db"
        run(["ovsdb-tool", "create", str(db), str(VSWITCH_SCHEMA)])
        self.lab.spawn(f"ovsdb-server ({self.ns.name})", self.ns, [
            "ovsdb-server", str(db), f"--remote=punix:{self.db_sock}", f"--unixctl={self.dir / 'ovsdb-server.ctl'}",
            f"--pidfile={self.dir / 'ovsdb-server.pid'}", f"--log-file={self.dir / 'ovsdb-server.log'}",
            "-vconsole:off"], log=self.dir / "ovsdb-server.out", env=self.env)
        wait_until(lambda: self.db_sock.exists(), f"ovsdb-server socket {self.db_sock}", timeout=15)
        wait_until(lambda: self.vsctl("--no-wait", "init") is not None, "ovsdb-server answering", timeout=15)
        self.lab.spawn(f"ovs-vswitchd ({self.ns.name})", self.ns, [
            "ovs-vswitchd", f"unix:{self.db_sock}", f"--unixctl={self.vswitchd_ctl}",
            f"--pidfile={self.dir / 'ovs-vswitchd.pid'}", f"--log-file={self.dir / 'ovs-vswitchd.log'}",
            "-vconsole:off"], log=self.dir / "ovs-vswitchd.out", env=self.env)
        wait_until(lambda: self.appctl("version"), "ovs-vswitchd answering", timeout=15)
        return self

    # ------------------------------------------------------------ clients

    def vsctl(self, *args: str) -> str:
        """ovs-vsctl on our database; without --no-wait it also waits for ovs-vswitchd to apply the change."""
        return run(["ovs-vsctl", f"--db=unix:{self.db_sock}", "--timeout=20", *args], env=self.env).stdout.strip()

    def appctl(self, *args: str) -> str:
        return run(["ovs-appctl", "-t", str(self.vswitchd_ctl), "--timeout=20", *args], env=self.env).stdout.strip()

    def ofctl(self, bridge: str, *args: str) -> str:
        """ovs-ofctl through the bridge's management socket in our run directory (not /var/run/openvswitch)."""
        cmd, *rest = args
        return run(["ovs-ofctl", cmd, f"unix:{self.dir / (bridge + '.mgmt')}", *rest], env=self.env).stdout.strip()

    # ------------------------------------------------------------ hypervisor set-up

    def add_netdev_bridge(self, name: str, hwaddr: str | None = None) -> None:
        extra = ["--", "set", "Bridge", name, f"other_config:hwaddr={hwaddr}"] if hwaddr else []
        self.vsctl("add-br", name, "--", "set", "Bridge", name, "datapath_type=netdev", *extra)
        wait_until(lambda: name in self.ns.run(["ip", "-o", "link", "show", name], check=False).stdout,
                   f"{name}'s internal port in {self.ns.name}", timeout=15)

    def add_port(self, bridge: str, port: str, *settings: str) -> None:
        args = ["add-port", bridge, port]
        if settings:
            args += ["--", "set", "Interface", port, *settings]
        self.vsctl(*args)

    def fdb(self, bridge: str) -> list[tuple[str, int, str]]:
        """(port name, VLAN, MAC) learned by the bridge's NORMAL action (`fdb/show` names ports by number)."""
        names = {}
        for line in self.ofctl(bridge, "show").splitlines():
            number, sep, rest = line.strip().partition("(")
            if sep and number.isdigit():
                names[number] = rest.split(")", 1)[0]
        rows = []
        for line in self.appctl("fdb/show", bridge).splitlines()[1:]:
            port, vlan, mac, *_ = line.split()
            rows.append((names.get(port, port), int(vlan), mac))
        return rows

    def port_stats(self, bridge: str, port: str) -> dict[str, int]:
        """rx/tx packets and bytes of one port, read live from the datapath (`ovs-ofctl dump-ports`);
        the database's Interface statistics lag by up to 5 s."""
        text = self.ofctl(bridge, "dump-ports", port)
        stats: dict[str, int] = {}
        for line in text.splitlines():
            words = line.replace(":", "").replace(",", " ").split()
            if "rx" in words or "tx" in words:
                direction = "rx" if "rx" in words else "tx"
                for word in words:
                    key, sep, value = word.partition("=")
                    if sep and value.isdigit():
                        stats[f"{direction}_{key}"] = int(value)
        return stats


def check_tools() -> None:
    """Fail early and clearly when OVS is not installed (scripts/install-deps.sh installs it)."""
    for tool in ("ovsdb-server", "ovsdb-tool", "ovs-vswitchd", "ovs-vsctl", "ovs-appctl", "ovs-ofctl", "vtep-ctl"):
        if shutil.which(tool) is None:
            raise LabError(f"{tool} not found: run scripts/install-deps.sh (openvswitch-switch, openvswitch-vtep)")
    if not VSWITCH_SCHEMA.exists():
        raise LabError(f"{VSWITCH_SCHEMA} missing: install openvswitch-switch")
