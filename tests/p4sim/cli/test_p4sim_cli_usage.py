"""Command-line mistakes end with one readable line and status 1, never a
traceback: scripts and people both depend on that."""

from __future__ import annotations

import subprocess
import sys

import pytest


def p4sim(*args: str, cwd=None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "p4sim.cli", *args], capture_output=True, text=True,
                          timeout=60, cwd=cwd)


def assert_one_line_error(proc: subprocess.CompletedProcess, fragment: str) -> None:
    assert proc.returncode == 1, proc.stderr
    assert "Traceback" not in proc.stderr
    assert fragment in proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1, proc.stderr


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        (["compile", "does-not-exist.p4", "--p4info", "x.txtpb"], "does-not-exist.p4: No such file"),
        (["run"], "please give a P4 program"),
        (["run", "--no-p4"], "--no-p4 needs --grpc-server-addr"),
        (["run", "prog.p4", "--no-p4", "--grpc-server-addr", "127.0.0.1:1"], "exclusive"),
        (["run", "prog.p4", "--cpu-port", "511"], "--cpu-port 511 is reserved"),
        (["run", "prog.p4", "--cpu-port", "0"], "--cpu-port 0 is reserved"),
        (["run", "prog.p4", "-i", "sw0"], "not of the form <port-num>@<interface-name>"),
        (["run", "prog.p4", "-i", "0@p4sim-no-such-if"], "interface p4sim-no-such-if does not exist"),
        (["run", "prog.p4", "--pcap", "/nonexistent-dir"], "does not exist"),
        (["run", "prog.p4", "--log-console", "--log-file", "x.log"], "exclusive"),
    ],
)
def test_usage_errors(tmp_path, args, fragment):
    assert_one_line_error(p4sim(*args, cwd=tmp_path), fragment)


def test_unknown_p4info_extension_refused_before_compiling(tmp_path):
    prog = tmp_path / "prog.p4"
    prog.write_text("this is not P4 at all\n")
    proc = p4sim("compile", str(prog), "--p4info", str(tmp_path / "out.yaml"))
    assert_one_line_error(proc, "unknown P4Info format")
    assert not (tmp_path / "out.yaml").exists()


def test_bmv2_separator_is_accepted(tmp_path):
    # simple_switch_grpc scripts pass target options after "--".
    proc = p4sim("run", "--no-p4", "--", "--grpc-server-addr", "127.0.0.1:1", "--cpu-port", "511", cwd=tmp_path)
    assert_one_line_error(proc, "--cpu-port 511 is reserved")
