"""A private network namespace with veth pairs for port tests.

Each pair is ``sw<i>`` (the switch side) and ``h<i>`` (the host side). Code
that must open sockets inside the namespace runs through ``NetNs.call``, which
enters the namespace in a short-lived thread (setns affects one thread only);
sockets created there stay in the namespace whichever thread uses them later.
IPv6 is disabled so the kernel sends no stray frames on the veths.
"""

from __future__ import annotations

import ctypes
import os
import subprocess
import threading
import uuid
from collections.abc import Callable
from typing import TypeVar

CLONE_NEWNET = 0x40000000
T = TypeVar("T")


def _sh(*args: str) -> None:
    proc = subprocess.run(args, capture_output=True, text=True)
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(args)} failed: {proc.stderr.strip()}")


class NetNs:
    def __init__(self, pairs: int):
        self.name = f"p4simt-{uuid.uuid4().hex[:8]}"
        self.pairs = pairs
        _sh("ip", "netns", "add", self.name)
        try:
            for key in ("all", "default"):
                _sh("ip", "netns", "exec", self.name, "sysctl", "-qw", f"net.ipv6.conf.{key}.disable_ipv6=1")
            for i in range(pairs):
                _sh("ip", "-n", self.name, "link", "add", f"sw{i}", "type", "veth", "peer", "name", f"h{i}")
                for dev in (f"sw{i}", f"h{i}"):
                    _sh("ip", "-n", self.name, "link", "set", dev, "mtu", "9500", "up")
            _sh("ip", "-n", self.name, "link", "set", "lo", "up")
        except BaseException:
            self.delete()
            raise

    def delete(self) -> None:
        subprocess.run(["ip", "netns", "del", self.name], capture_output=True)

    def exec_prefix(self) -> list[str]:
        return ["ip", "netns", "exec", self.name]

    def call(self, fn: Callable[[], T]) -> T:
        result: list[T] = []
        error: list[BaseException] = []

        def run() -> None:
            try:
                libc = ctypes.CDLL(None, use_errno=True)
                fd = os.open(f"/run/netns/{self.name}", os.O_RDONLY)
                try:
                    if libc.setns(fd, CLONE_NEWNET) != 0:
                        raise OSError(ctypes.get_errno(), "setns failed")
                finally:
                    os.close(fd)
                result.append(fn())
            except BaseException as e:  # re-raised in the caller's thread
                error.append(e)

        t = threading.Thread(target=run)
        t.start()
        t.join()
        if error:
            raise error[0]
        return result[0]
