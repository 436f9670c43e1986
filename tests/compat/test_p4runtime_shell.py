"""p4sim's P4Runtime server driven by p4runtime-shell, the tool P4 users
already have, from its own virtual environment (it pins protobuf < 3.21).

The shell pushes the pipeline p4sim compiled, inserts, reads back, modifies
and deletes entries: everything a user does first with a new switch."""

import base64
import json
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from finsy.proto.p4.v1 import p4runtime_pb2

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
VENV_PY = REPO / ".venv-p4rtsh" / "bin" / "python"
sys.path.insert(0, str(REPO / "ptf" / "lib"))
from p4info_helper import P4InfoHelper  # noqa: E402
from p4rt_client import load_p4info  # noqa: E402


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_listening(port: int, proc: subprocess.Popen, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert proc.poll() is None, f"p4sim exited early: {proc.stdout.read().decode(errors='replace')}"
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.1)
    raise AssertionError(f"p4sim did not listen on {port} within {timeout} s")


@pytest.fixture
def p4sim_server(tmp_path):
    port = free_port()
    proc = subprocess.Popen([sys.executable, "-m", "p4sim.cli", "run", "--no-p4", "--grpc-server-addr",
                             f"127.0.0.1:{port}", "--device-id", "1", "--cpu-port", "510"],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        wait_listening(port, proc)
        yield f"127.0.0.1:{port}"
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def test_p4runtime_shell_sets_pipeline_and_manages_entries(p4sim_server, tmp_path):
    assert VENV_PY.exists(), "run ./scripts/p4rtsh-venv.sh (make setup does) to create p4runtime-shell's venv"
    p4info, config = tmp_path / "p4info.txtpb", tmp_path / "config.bin"
    program = REPO / "p4src" / "examples" / "l2_table.p4"
    subprocess.run([sys.executable, "-m", "p4sim.cli", "compile", str(program), "--p4info", str(p4info),
                    "--device-config", str(config)], check=True)
    out = subprocess.run([str(VENV_PY), str(HERE / "p4rtsh_driver.py"), p4sim_server, "1", str(p4info), str(config)],
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    report = json.loads(out.stdout.strip().splitlines()[-1])

    p4i = P4InfoHelper(load_p4info(str(p4info)))
    dmac = [decode_entry(e) for e in report["after_insert"]["dmac"]]
    assert len(dmac) == 1
    assert dmac[0].table_id == p4i.id("tables", "dmac")
    assert dmac[0].match[0].exact.value == bytes.fromhex("02000000000a")
    assert dmac[0].action.action.action_id == p4i.id("actions", "to_port")
    assert dmac[0].action.action.params[0].value == b"\x03"
    acl = [decode_entry(e) for e in report["after_insert"]["acl"]]
    assert len(acl) == 1 and acl[0].priority == 10
    by_id = {m.field_id: m for m in acl[0].match}
    assert by_id[1].ternary.value == bytes.fromhex("020000000000")
    assert by_id[1].ternary.mask == bytes.fromhex("ffffff000000")
    assert (by_id[2].range.low, by_id[2].range.high) == (b"\x08\x00", b"\x08\xff")

    modified = decode_entry(report["after_modify"][0])
    assert modified.action.action.params[0].value == b"\x04"
    assert report["after_delete"] == {"dmac": [], "acl": []}


def decode_entry(b64: str) -> p4runtime_pb2.TableEntry:
    return p4runtime_pb2.TableEntry.FromString(base64.b64decode(b64))
