"""A real ovsdb-server with the hardware_vtep schema, for tests.

Reusable outside tests/gwctl (end-to-end tests): `VtepServer(tmp_dir)`,
`start()`, `vtep_ctl(...)`, `stop()`; or the `vtep_server` pytest fixture in
tests/gwctl/conftest.py. The database file survives `stop()` so `restart()`
behaves like an ovsdb-server restart in production. Only a unix socket in the
test's directory and, on request, a TCP listener on 127.0.0.1.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import time
from pathlib import Path

VTEP_SCHEMA = Path("/usr/share/openvswitch/vtep.ovsschema")


class VtepServerError(RuntimeError):
    """ovsdb-server or vtep-ctl failed; the message carries the command and its output."""


class VtepServer:
    """One ovsdb-server process serving a fresh hardware_vtep database in `directory`."""

    def __init__(self, directory: Path, tcp: bool = False, schema: Path = VTEP_SCHEMA) -> None:
        self.directory = Path(directory)
        self.db_path = self.directory / "vtep.db"
        self.sock_path = self.directory / "db.sock"
        self.ctl_path = self.directory / "ovsdb-server.ctl"
        self.log_path = self.directory / "ovsdb-server.log"
        self.schema = schema
        self.tcp = tcp
        self.tcp_port: int | None = None
        self._proc: subprocess.Popen[bytes] | None = None

    # ------------------------------------------------------------ lifecycle

    @property
    def unix_remote(self) -> str:
        return f"unix:{self.sock_path}"

    @property
    def tcp_remote(self) -> str:
        if self.tcp_port is None:
            raise VtepServerError("server was not started with tcp=True")
        return f"tcp:127.0.0.1:{self.tcp_port}"

    @property
    def pid(self) -> int | None:
        return self._proc.pid if self._proc else None

    def start(self, timeout: float = 10.0) -> VtepServer:
        """Create the database on first start, then run ovsdb-server until its socket accepts."""
        if self._proc is not None:
            raise VtepServerError(f"ovsdb-server already running (pid {self._proc.pid})")
        self.directory.mkdir(parents=True, exist_ok=True)
        if not self.db_path.exists():
            _run(["ovsdb-tool", "create", str(self.db_path), str(self.schema)])
        cmd = [
            "ovsdb-server", str(self.db_path),
            f"--remote=punix:{self.sock_path}",
            f"--unixctl={self.ctl_path}",
            f"--log-file={self.log_path}",
            "-vconsole:off",
        ]
        if self.tcp:
            cmd.append(f"--remote=ptcp:{self.tcp_port or 0}:127.0.0.1")
        log_offset = self.log_path.stat().st_size if self.log_path.exists() else 0
        self._proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                      stderr=subprocess.PIPE)
        deadline = time.monotonic() + timeout
        while True:
            if self._proc.poll() is not None:
                err = self._proc.stderr.read().decode() if self._proc.stderr else ""
                self._proc = None
                raise VtepServerError(f"ovsdb-server exited at start: {err or self._log_tail()}")
            if self.sock_path.exists() and (not self.tcp or self._find_tcp_port(log_offset)):
                try:
                    self.vtep_ctl("list-ps")
                    return self
                except VtepServerError:
                    pass
            if time.monotonic() > deadline:
                self.stop()
                raise VtepServerError(f"ovsdb-server not ready after {timeout}s: {self._log_tail()}")
            time.sleep(0.05)

    def _find_tcp_port(self, offset: int) -> bool:
        if self.tcp_port is not None:
            return True
        if not self.log_path.exists():
            return False
        text = self.log_path.read_text()[offset:]
        match = re.search(r"listening on port (\d+)", text)
        if match:
            self.tcp_port = int(match.group(1))
        return self.tcp_port is not None

    def stop(self, timeout: float = 10.0) -> None:
        """Terminate our ovsdb-server by its PID and wait for it; the database file stays."""
        proc, self._proc = self._proc, None
        if proc is None:
            return
        if proc.poll() is None:
            os.kill(proc.pid, signal.SIGTERM)
            try:
                proc.wait(timeout)
            except subprocess.TimeoutExpired:
                os.kill(proc.pid, signal.SIGKILL)
                proc.wait(timeout)
        if proc.stderr:
            proc.stderr.close()
        self.sock_path.unlink(missing_ok=True)

    def restart(self) -> None:
        self.stop()
        self.start()

    def __enter__(self) -> VtepServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def _log_tail(self) -> str:
        if not self.log_path.exists():
            return "(no log)"
        return "\n".join(self.log_path.read_text().splitlines()[-10:])

    # ------------------------------------------------------------ clients

    def vtep_ctl(self, *args: str) -> str:
        """Run the real vtep-ctl against this server; returns stdout, raises with stderr on failure."""
        return _run(["vtep-ctl", f"--db={self.unix_remote}", "--timeout=10", *args]).strip()

    def bind_one_ls(self) -> None:
        """The smallest realizable configuration, as an operator types it: switch gw1 with port p1, logical
        switch ls1 (VNI 5001), p1 VLAN 10 bound to it."""
        for args in (("add-ps", "gw1"), ("add-port", "gw1", "p1"), ("add-ls", "ls1"),
                     ("set", "Logical_Switch", "ls1", "tunnel_key=5001"), ("bind-ls", "gw1", "p1", "10", "ls1")):
            self.vtep_ctl(*args)

    def offline_transact(self, *operations: dict) -> str:
        """Change the database file while the server is down (what another writer did meanwhile)."""
        if self._proc is not None:
            raise VtepServerError("offline_transact needs the server stopped")
        txn = json.dumps(["hardware_vtep", *operations])
        return _run(["ovsdb-tool", "transact", str(self.db_path), txn])


def _run(cmd: list[str]) -> str:
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=30, check=False)
    if proc.returncode != 0:
        raise VtepServerError(f"{' '.join(cmd)} failed ({proc.returncode}): {proc.stderr.strip()}")
    return proc.stdout
