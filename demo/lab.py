"""Namespaces, veths and daemons of one demo run, and their removal.

Every host of the demo (gateway, bare-metal server, hypervisor, VMs) is a
network namespace, and every daemon (ovsdb-server, ovs-vswitchd, p4sim,
gwctl) a process we start inside one. The `Lab` records each thing it
creates, by name and PID, so that teardown removes exactly those, in reverse
order, also after a failure or Ctrl-C, and never touches the namespaces,
OVS instances or processes of anyone else on the machine.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from bmv2.netns import NetnsError, netns_exists, stop_process_group
from bmv2.netns import run_ip as _run_ip


def alive(pid: int) -> bool:
    """Whether process `pid` still exists (what a test checks after the lab is torn down)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True

class LabError(RuntimeError):
    """A step of the set-up failed; the message says which and carries the tool's output."""


class DaemonExited(RuntimeError):
    """A daemon we started is gone. Not a LabError, so that `wait_until` stops
    at once instead of polling a dead agent until its timeout."""


def run(argv: Sequence[str], *, check: bool = True, timeout: float = 30.0,
        env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """Run a command to completion; on failure raise with its stderr, since that is what explains it."""
    proc = subprocess.run(list(argv), capture_output=True, text=True, timeout=timeout, env=env)
    if check and proc.returncode != 0:
        raise LabError(f"{' '.join(argv)} failed ({proc.returncode}): {(proc.stderr or proc.stdout).strip()}")
    return proc


def run_ip(args: Sequence[str], *, check: bool = True) -> subprocess.CompletedProcess[str]:
    """`ip ...`, failing as a LabError like every other step."""
    try:
        return _run_ip(args, check=check)
    except NetnsError as exc:
        raise LabError(str(exc)) from exc


def wait_until(predicate: Callable[[], object], what: str, timeout: float = 30.0, interval: float = 0.2) -> None:
    """Poll `predicate` until true: daemons come up and agents converge asynchronously."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            if predicate():
                return
        except (LabError, subprocess.SubprocessError, OSError):
            pass
        if time.monotonic() > deadline:
            raise LabError(f"timed out after {timeout:.0f}s waiting for {what}")
        time.sleep(interval)


@dataclass
class Namespace:
    """One host: a network namespace with loopback up and IPv6 off (no router
    solicitations or MLD reports to muddy the traces)."""

    name: str

    def run(self, argv: Sequence[str], *, check: bool = True, timeout: float = 30.0,
            env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
        return run(["ip", "netns", "exec", self.name, *argv], check=check, timeout=timeout, env=env)

    def ip(self, *args: str) -> None:
        run_ip(["-n", self.name, *args])

    def pids(self) -> list[int]:
        """Every process living in this namespace (`ip netns pids`), ours or started by ours."""
        proc = run_ip(["netns", "pids", self.name], check=False)
        return [int(p) for p in proc.stdout.split()] if proc.returncode == 0 else []


@dataclass
class Lab:
    """What one run created: namespaces, processes, and the directory holding
    their databases, sockets and logs."""

    workdir: Path
    namespaces: list[Namespace] = field(default_factory=list)
    processes: list[tuple[str, subprocess.Popen[bytes]]] = field(default_factory=list)

    def __enter__(self) -> Lab:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ------------------------------------------------------------ creation

    def namespace(self, name: str) -> Namespace:
        if netns_exists(name):
            raise LabError(f"namespace {name} already exists (a previous run still going, or left over?): "
                           f"refusing to reuse it; remove it with `ip netns del {name}` if it is stale")
        ns = Namespace(name)
        self.namespaces.append(ns)  # recorded first: an interrupt during `ip netns add` must not leak it
        try:
            run_ip(["netns", "add", name])
        except LabError:
            self.namespaces.remove(ns)  # not ours after all: never delete it
            raise
        ns.run(["sysctl", "-qw", "net.ipv6.conf.all.disable_ipv6=1", "net.ipv6.conf.default.disable_ipv6=1"])
        ns.ip("link", "set", "lo", "up")
        return ns

    def veth(self, a: Namespace, a_if: str, b: Namespace, b_if: str, *, a_mac: str | None = None,
             b_mac: str | None = None, mtu: int | None = None) -> None:
        """A cable between two hosts. Both ends are created directly in their
        namespaces, so the root namespace never holds (or sends on) either."""
        run_ip(["link", "add", a_if, "netns", a.name, "type", "veth", "peer", "name", b_if, "netns", b.name])
        for ns, ifname, mac in ((a, a_if, a_mac), (b, b_if, b_mac)):
            if mac:
                ns.ip("link", "set", ifname, "address", mac)
            if mtu:
                ns.ip("link", "set", ifname, "mtu", str(mtu))
            ns.ip("link", "set", ifname, "up")

    def spawn(self, label: str, ns: Namespace, argv: Sequence[str], *, log: Path,
              env: dict[str, str] | None = None, cwd: Path | None = None) -> subprocess.Popen[bytes]:
        """Start a daemon in the foreground inside `ns`, in its own session so
        that a terminal's Ctrl-C reaches us and we stop it in order."""
        with log.open("ab") as out:
            proc = subprocess.Popen(["ip", "netns", "exec", ns.name, *argv], stdin=subprocess.DEVNULL,
                                    stdout=out, stderr=subprocess.STDOUT, start_new_session=True,
                                    env=env, cwd=cwd)
        self.processes.append((label, proc))
        return proc

    def stop(self, proc: subprocess.Popen[bytes]) -> None:
        """Stop one process we started, before the end of the run."""
        stop_process_group(proc)
        self.processes = [(label, p) for label, p in self.processes if p is not proc]

    def check_alive(self) -> None:
        """Raise if a daemon died: a dead agent explains a failed ping better than the ping does."""
        for label, proc in self.processes:
            if proc.poll() is not None:
                raise DaemonExited(f"{label} exited with status {proc.returncode} (logs in {self.workdir})")

    def pids(self) -> list[int]:
        return [proc.pid for _, proc in self.processes]

    # ------------------------------------------------------------ removal

    def close(self) -> None:
        """Stop our daemons newest first, then whatever still lives in our
        namespaces (only ours, found by namespace name), then the namespaces.
        Safe to call twice and after a partial set-up."""
        in_main = threading.current_thread() is threading.main_thread()
        # a second Ctrl-C must not cut the cleanup short
        previous = signal.signal(signal.SIGINT, signal.SIG_IGN) if in_main else None
        try:
            while self.processes:
                _, proc = self.processes.pop()
                stop_process_group(proc)
            for ns in reversed(self.namespaces):
                for pid in ns.pids():
                    with contextlib.suppress(ProcessLookupError):
                        os.kill(pid, signal.SIGKILL)
            for ns in reversed(self.namespaces):
                if netns_exists(ns.name):
                    run_ip(["netns", "del", ns.name], check=False)
            self.namespaces.clear()
        finally:
            if in_main:
                signal.signal(signal.SIGINT, previous)
