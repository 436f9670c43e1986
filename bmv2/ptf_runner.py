"""Run a PTF suite against p4sim or BMv2, as ``make ptf`` does.

Builds a private namespace with veth pairs, compiles the program for the
target (p4sim: P4Info + device-config container; BMv2: p4c's JSON + P4Info),
starts the target with a P4Runtime server on the namespace's loopback, runs
``ptf`` on the host ends of the veths, and tears everything down.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bmv2.netns import SwitchNamespace
from bmv2.target import TargetSpec, compile_for_bmv2, target_command

REPO = Path(__file__).resolve().parents[1]
GRPC_ADDR = "127.0.0.1:9559"  # inside the private namespace, so no clash with anything else


def compile_for_p4sim(spec: TargetSpec, workdir: Path) -> tuple[Path, Path]:
    """Returns (device_config, p4info) written by ``p4sim compile``."""
    workdir.mkdir(parents=True, exist_ok=True)
    p4info = workdir / (spec.program.stem + ".p4info.txtpb")
    config = workdir / (spec.program.stem + ".p4sim.bin")
    cmd = ["p4sim", "compile", str(spec.program), "--p4info", str(p4info), "--device-config", str(config)]
    for d in spec.include_dirs:
        cmd += ["-I", str(d)]
    proc = subprocess.run(cmd, capture_output=True, text=True)
    if proc.returncode != 0:
        raise SystemExit(f"p4sim compile failed:\n{proc.stderr}")
    return config, p4info


def wait_for_grpc(ns: SwitchNamespace, proc: subprocess.Popen[bytes], timeout: float = 20.0) -> None:
    """The target's server is up when its port accepts connections (probed
    from inside the namespace)."""
    host, port = GRPC_ADDR.rsplit(":", 1)
    probe = (
        "import socket,sys\n"
        f"s=socket.socket(); s.settimeout(0.5)\n"
        f"sys.exit(s.connect_ex(({host!r}, {port})))\n"
    )
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"target exited with status {proc.returncode} before its gRPC server came up")
        r = subprocess.run(["ip", "netns", "exec", ns.name, sys.executable, "-c", probe])
        if r.returncode == 0:
            return
        time.sleep(0.3)
    raise SystemExit(f"no gRPC server on {GRPC_ADDR} after {timeout} s")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--target", default=os.environ.get("TARGET", "p4sim"), choices=["p4sim", "bmv2"])
    ap.add_argument("--program", type=Path, default=REPO / "p4src" / "vtep_gateway.p4")
    ap.add_argument("-I", dest="include_dirs", action="append", type=Path, default=None)
    ap.add_argument("--test-dir", type=Path, default=REPO / "ptf" / "tests" / "vtep_gateway")
    ap.add_argument("--ports", type=int, default=8)
    ap.add_argument("--cpu-port", type=int, default=255, help="must equal the program's CPU port (vtep_gateway: 255)")
    ap.add_argument("--namespace", default=f"p4ptf{os.getpid()}")
    ap.add_argument("--log-console", action="store_true", help="target's packet trace into the log")
    ap.add_argument("tests", nargs="*", help="PTF test or group names (default: all)")
    args = ap.parse_args(argv)
    include_dirs = args.include_dirs if args.include_dirs is not None else [REPO / "p4src" / "include"]

    spec = TargetSpec(args.target, args.program.resolve(), include_dirs, GRPC_ADDR, 1, args.cpu_port,
                      log_console=args.log_console)
    with tempfile.TemporaryDirectory(prefix="p4ptf-") as tmp, SwitchNamespace(args.namespace, args.ports) as ns:
        work = Path(tmp)
        if args.target == "bmv2":
            device_config, p4info = compile_for_bmv2(spec, work / "out")
        else:
            device_config, p4info = compile_for_p4sim(spec, work / "out")
        # The target starts empty (--no-p4); the first test pushes the pipeline as a controller would.
        spec.program = None
        log_path = work / "target.log"
        cmd = target_command(spec, ns.interface_args(), work / "out")
        proc = ns.spawn(cmd, log_path=str(log_path))
        wait_for_grpc(ns, proc)
        ptf_cmd = ["ptf", "--test-dir", str(args.test_dir), "--pypath", str(REPO / "ptf" / "lib"),
                   "--log-file", str(work / "ptf.log"), "--socket-recv-size", "16384",
                   "--test-params", f"grpcaddr='{GRPC_ADDR}';device_id=1;p4info='{p4info}';"
                   f"device_config='{device_config}';cpu_port={args.cpu_port}"]
        for link in ns.links:
            ptf_cmd += ["-i", f"{link.port}@{link.host_if}"]
        ptf_cmd += args.tests
        result = subprocess.run(["ip", "netns", "exec", ns.name, *ptf_cmd], cwd=REPO)
        if result.returncode != 0:
            sys.stderr.write(f"--- target log ({log_path}) ---\n")
            sys.stderr.write(log_path.read_text(errors="replace")[-20000:])
        return result.returncode


if __name__ == "__main__":
    sys.exit(main())
