"""A real p4sim P4Runtime server process for gwctl tests (gwctl itself never imports p4sim)."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


class P4simError(RuntimeError):
    """p4sim failed to compile or to start; the message has its output."""


@dataclass(frozen=True)
class CompiledProgram:
    p4info: Path
    device_config: Path


def compile_program(source: Path, out_dir: Path, include_dirs: tuple[Path, ...] = ()) -> CompiledProgram:
    """`p4sim compile` as a user runs it: P4Info text and the device config container."""
    out_dir.mkdir(parents=True, exist_ok=True)
    p4info = out_dir / f"{source.stem}.p4info.txtpb"
    config = out_dir / f"{source.stem}.p4sim"
    cmd = ["p4sim", "compile", str(source), "--p4info", str(p4info), "--device-config", str(config)]
    for d in include_dirs:
        cmd += ["-I", str(d)]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=120, check=False)
    if proc.returncode != 0:
        raise P4simError(f"{' '.join(cmd)}: {proc.stderr or proc.stdout}")
    return CompiledProgram(p4info, config)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class P4simServer:
    """`p4sim run --no-p4` on 127.0.0.1, waiting for a controller to push a pipeline."""

    def __init__(self, log_path: Path) -> None:
        self.log_path = log_path
        self.port = _free_port()
        self._proc: subprocess.Popen[bytes] | None = None

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.port}"

    def start(self, timeout: float = 20.0) -> P4simServer:
        log = self.log_path.open("ab")
        self._proc = subprocess.Popen(
            ["p4sim", "run", "--no-p4", "--grpc-server-addr", self.address, "-L", "off"],
            stdin=subprocess.DEVNULL, stdout=log, stderr=log)
        log.close()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self._proc.poll() is not None:
                raise P4simError(f"p4sim exited: {self.log_path.read_text()}")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.2):
                    return self
            except OSError:
                time.sleep(0.1)
        self.stop()
        raise P4simError(f"p4sim not listening on {self.address} after {timeout}s")

    def stop(self) -> None:
        proc, self._proc = self._proc, None
        if proc is None or proc.poll() is not None:
            return
        os.kill(proc.pid, signal.SIGTERM)
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            os.kill(proc.pid, signal.SIGKILL)
            proc.wait(10)
