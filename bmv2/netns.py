"""Network namespaces and veth pairs for running a P4 target on real interfaces.

Tests, the PTF runner and the demo all need the same thing BMv2 users build
by hand: a namespace holding the switch's side of N veth pairs, with the
other ends available to send and capture frames. This module builds that and
tears it down again, tracking exactly what it created (namespace names,
process IDs) so that cleanup never touches anything else on the machine.
"""

from __future__ import annotations

import os
import signal
import subprocess
import time
from collections.abc import Sequence
from dataclasses import dataclass, field


class NetnsError(RuntimeError):
    """An `ip` command failed; the message carries the command and stderr."""


def run_ip(args: Sequence[str], *, check: bool = True) -> subprocess.CompletedProcess[str]:
    proc = subprocess.run(["ip", *args], capture_output=True, text=True)
    if check and proc.returncode != 0:
        raise NetnsError(f"ip {' '.join(args)}: {proc.stderr.strip()}")
    return proc


def netns_exists(name: str) -> bool:
    return os.path.exists(f"/run/netns/{name}")


@dataclass
class VethPair:
    """One link: ``switch_if`` is given to the target as port ``port``;
    ``host_if`` is where tests inject and capture (in ``host_ns``, or the
    switch namespace when ``host_ns`` is None)."""

    port: int
    switch_if: str
    host_if: str
    host_ns: str | None = None


@dataclass
class SwitchNamespace:
    """A namespace ``name`` holding the switch side of ``ports`` veth pairs
    named ``{prefix}sw{i}`` / ``{prefix}h{i}``. Both ends stay in the same
    namespace by default, as BMv2's PTF setups do (veth0/veth1 ...), which keeps
    the root namespace untouched. IPv6 is disabled on the links so the kernel
    does not emit router solicitations that tests would see as stray frames."""

    name: str
    ports: int
    prefix: str = ""
    mtu: int = 9500
    links: list[VethPair] = field(default_factory=list)
    _procs: list[subprocess.Popen[bytes]] = field(default_factory=list)

    def __enter__(self) -> SwitchNamespace:
        self.up()
        return self

    def __exit__(self, *exc: object) -> None:
        self.down()

    def up(self) -> None:
        if netns_exists(self.name):
            raise NetnsError(f"namespace {self.name} already exists; refusing to reuse it")
        run_ip(["netns", "add", self.name])
        try:
            self.exec(["sysctl", "-qw", "net.ipv6.conf.all.disable_ipv6=1"])
            self.exec(["sysctl", "-qw", "net.ipv6.conf.default.disable_ipv6=1"])
            run_ip(["-n", self.name, "link", "set", "lo", "up"])
            for i in range(self.ports):
                sw, host = f"{self.prefix}sw{i}", f"{self.prefix}h{i}"
                run_ip(["-n", self.name, "link", "add", sw, "type", "veth", "peer", "name", host])
                for dev in (sw, host):
                    run_ip(["-n", self.name, "link", "set", dev, "mtu", str(self.mtu), "up"])
                self.links.append(VethPair(i, sw, host, self.name))
        except Exception:
            self.down()
            raise

    def exec(self, argv: Sequence[str], **kwargs: object) -> subprocess.CompletedProcess[str]:
        """Run a command to completion inside the namespace."""
        return subprocess.run(
            ["ip", "netns", "exec", self.name, *argv], capture_output=True, text=True, check=True, **kwargs
        )

    def spawn(self, argv: Sequence[str], *, log_path: str | None = None, env: dict[str, str] | None = None
              ) -> subprocess.Popen[bytes]:
        """Start a long-running process inside the namespace; it is stopped by
        ``down()`` (its own process group, SIGTERM then SIGKILL)."""
        out = open(log_path, "wb") if log_path else subprocess.DEVNULL  # noqa: SIM115 - owned by the child
        proc = subprocess.Popen(
            ["ip", "netns", "exec", self.name, *argv],
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            env=env,
        )
        self._procs.append(proc)
        return proc

    def interface_args(self) -> list[str]:
        """``-i 0@sw0 -i 1@sw1 ...`` as simple_switch and p4sim take them."""
        args: list[str] = []
        for link in self.links:
            args += ["-i", f"{link.port}@{link.switch_if}"]
        return args

    def stop_processes(self) -> None:
        for proc in self._procs:
            stop_process_group(proc)
        self._procs.clear()

    def down(self) -> None:
        self.stop_processes()
        if netns_exists(self.name):
            run_ip(["netns", "del", self.name], check=False)
        self.links.clear()


def stop_process_group(proc: subprocess.Popen[bytes], timeout: float = 5.0) -> None:
    """SIGTERM the process group we started, SIGKILL it if it lingers."""
    if proc.poll() is not None:
        return
    try:
        os.killpg(proc.pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            return
        time.sleep(0.05)
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except ProcessLookupError:
        return
    proc.wait(timeout)
