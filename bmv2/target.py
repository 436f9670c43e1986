"""How to start a P4 target on interfaces: p4sim, or BMv2 when installed.

Both take the same port map (``-i 0@sw0``), gRPC address, device id and CPU
port, so tests and the PTF runner build one ``TargetSpec`` and do not care
which switch answers. BMv2 needs the program compiled by p4c first; p4sim
takes the P4 source itself.
"""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

TARGETS = ("p4sim", "bmv2")


class TargetError(RuntimeError):
    pass


@dataclass
class TargetSpec:
    target: str  # "p4sim" or "bmv2"
    program: Path | None  # None: p4sim waits for the pipeline over P4Runtime (--no-p4)
    include_dirs: Sequence[Path] = ()
    grpc_addr: str | None = None  # e.g. 127.0.0.1:9559; None: no P4Runtime server
    device_id: int = 1
    cpu_port: int | None = None
    log_console: bool = False
    extra_args: list[str] = field(default_factory=list)


def compile_for_bmv2(spec: TargetSpec, workdir: Path) -> tuple[Path, Path]:
    """Run p4c for the BMv2 v1model backend; returns (json, p4info)."""
    if spec.program is None:
        raise TargetError("no program to compile")
    p4c = shutil.which("p4c")
    if p4c is None:
        raise TargetError("TARGET=bmv2 needs p4c on PATH")
    workdir.mkdir(parents=True, exist_ok=True)
    p4info = workdir / (spec.program.stem + ".p4info.txtpb")
    cmd = [p4c, "--target", "bmv2", "--arch", "v1model", "-o", str(workdir), "--p4runtime-files", str(p4info)]
    for d in spec.include_dirs:
        cmd += ["-I", str(d)]
    cmd.append(str(spec.program))
    proc = subprocess.run(cmd, capture_output=True, text=True)
    if proc.returncode != 0:
        raise TargetError(f"p4c failed on {spec.program}:\n{proc.stderr}")
    return workdir / (spec.program.stem + ".json"), p4info


def target_command(spec: TargetSpec, interfaces: Sequence[str], workdir: Path) -> list[str]:
    """The argv that starts ``spec.target`` on ``interfaces`` (``-i`` args)."""
    if spec.target == "p4sim":
        cmd = ["p4sim", "run", *([str(spec.program)] if spec.program else ["--no-p4"]), *interfaces]
        for d in spec.include_dirs:
            cmd += ["-I", str(d)]
        if spec.grpc_addr:
            cmd += ["--grpc-server-addr", spec.grpc_addr, "--device-id", str(spec.device_id)]
        if spec.cpu_port is not None:
            cmd += ["--cpu-port", str(spec.cpu_port)]
        if spec.log_console:
            cmd.append("--log-console")
        return cmd + spec.extra_args
    if spec.target == "bmv2":
        binary = "simple_switch_grpc" if spec.grpc_addr else "simple_switch"
        exe = shutil.which(binary)
        if exe is None:
            raise TargetError(f"TARGET=bmv2 needs {binary} on PATH")
        cmd = [exe, "--device-id", str(spec.device_id), *interfaces]
        cmd += ["--log-console"] if spec.log_console else ["--log-level", "off"]
        cmd += spec.extra_args
        cmd += [str(compile_for_bmv2(spec, workdir)[0])] if spec.program else ["--no-p4"]
        if spec.grpc_addr:
            cmd += ["--", "--grpc-server-addr", spec.grpc_addr]
            if spec.cpu_port is not None:
                cmd += ["--cpu-port", str(spec.cpu_port)]
        return cmd
    raise TargetError(f"unknown target {spec.target!r}; choose one of {', '.join(TARGETS)}")
