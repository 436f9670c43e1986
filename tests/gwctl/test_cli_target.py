"""`gwctl status | entries | diff | shell` and sync progress, against a real p4sim and ovsdb-server.

The agent is the real `gwctl run` in its own process; every command runs as
an operator runs it (`python -m gwctl.cli ...`), so exit status, stdout and
stderr are what a shell sees.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from gwctl import cli, p4rt
from gwctl.ctl_shell import REPO as SHELL_REPO
from gwctl.ctl_shell import election_id_arg, shell_argv
from gwctl.p4rt import P4RuntimeTarget, Pipeline
from gwctl.pipelines import vtep_gateway as p4
from gwctl.reconcile import Kind, Op, Update
from tests.gwctl.p4sim_target import REPO
from tests.gwctl.test_inventory import GOOD

MAC1 = "02:00:00:00:00:aa"
MAC2 = "02:00:00:00:00:bb"
HV1 = "198.18.1.1"
HV2 = "198.18.1.2"


@pytest.fixture
def inventory(tmp_path: Path) -> Path:
    path = tmp_path / "gw.toml"
    path.write_text(GOOD)
    return path


def gwctl(*args: str, stdin: str | None = None, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "gwctl.cli", *args], capture_output=True, text=True,
                          input=stdin, timeout=timeout, cwd=REPO, check=False)


class AgentProcess:
    """`gwctl run` as a process of its own, stopped by its PID with SIGTERM (its clean shutdown)."""

    def __init__(self, log_path: Path, *args: str) -> None:
        self.log_path = log_path
        with log_path.open("w") as log:
            self.proc = subprocess.Popen([sys.executable, "-m", "gwctl.cli", "run", *args], cwd=REPO,
                                         stdin=subprocess.DEVNULL, stdout=log, stderr=log)

    def stop(self) -> None:
        if self.proc.poll() is None:
            os.kill(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                os.kill(self.proc.pid, signal.SIGKILL)
                self.proc.wait(10)


def status(db: list[str], target: list[str]) -> dict:
    proc = gwctl("status", *db, *target, "--format", "json")
    return json.loads(proc.stdout)


def wait_for(predicate, what: str, timeout: float = 60.0) -> None:
    """Generous: p4sim compiles the program on pipeline push, and CI machines are shared."""
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise TimeoutError(f"not met in {timeout}s: {what}")
        time.sleep(0.3)


def test_status_of_an_empty_target_and_an_unreachable_database(tmp_path, p4sim, inventory):
    db = ["--db", f"unix:{tmp_path}/nothing.sock", "--timeout", "0.3", "--inventory", str(inventory)]
    proc = gwctl("status", *db, "--p4rt", p4sim.address, "--format", "json")
    assert proc.returncode == 1, proc.stderr
    doc = json.loads(proc.stdout)
    assert doc["database"]["reachable"] is False and "cannot read vtep database" in doc["database"]["error"]
    assert doc["target"]["reachable"] is True and doc["target"]["pipeline_loaded"] is False
    assert (doc["primary"], doc["in_sync"], doc["desired_entries"], doc["faults"]) == (False, False, None, [])
    text = gwctl("status", *db, "--p4rt", p4sim.address).stdout
    assert "UNREACHABLE" in text and "NO pipeline loaded" in text and "primary   NONE" in text
    proc = gwctl("entries", "--p4rt", p4sim.address)
    assert (proc.returncode, proc.stderr) == (1, f"gwctl: target {p4sim.address}: no pipeline loaded\n")
    proc = gwctl("entries", "--p4rt", "127.0.0.1:1")
    assert proc.returncode == 1 and proc.stderr.count("\n") == 1 and "127.0.0.1:1" in proc.stderr


def test_status_entries_diff_with_and_without_the_agent(tmp_path, vtep_server, p4sim, program, inventory):
    db = ["--db", vtep_server.unix_remote, "--inventory", str(inventory)]
    target = ["--p4rt", p4sim.address]
    agent = AgentProcess(tmp_path / "agent.log", *db, *target, "--p4info", str(program.p4info),
                         "--device-config", str(program.device_config))
    try:
        wait_for(lambda: "gw1" in vtep_server.vtep_ctl("list-ps"), "agent registered gw1")
        edit = ["--db", vtep_server.unix_remote]
        assert gwctl("ls", "add", "ls1", "--tunnel-key", "5001", *edit).returncode == 0
        assert gwctl("bind", "p1", "10", "ls1", "--switch", "gw1", *edit).returncode == 0
        assert gwctl("mac", "add", "ls1", MAC1, HV1, *edit).returncode == 0
        wait_for(lambda: status(db, target)["in_sync"], "agent in sync")
        doc = status(db, target)
        assert doc["primary"] is True and doc["primary_election_id"] == 10, doc
        assert doc["primary_is_gwctl"] is True and doc["agent"] == {"election_id": 10, "p4rt": p4sim.address}
        assert doc["desired_entries"] == doc["realized_entries"] > 0
        assert doc["pending"] == {"insert": 0, "modify": 0, "delete": 0} and doc["faults"] == []
        assert doc["target"]["pipeline_loaded"] and doc["target"]["cookie"].startswith("0x")
        # the switch's entries, read from the target and decoded with P4Info names
        proc = gwctl("entries", *target, "dmac")
        assert proc.returncode == 0, proc.stderr
        assert proc.stdout.splitlines() == [
            f"{p4.DMAC} dst_mac={MAC1} ls_id=1 -> VtepIngress.l2.forward_to_tunnel(remote_ip={HV1}, tunnel_id=1)"]
        entries = json.loads(gwctl("entries", *target, "--format", "json").stdout)
        assert {"kind": "TABLE", "table": p4.VNI_TO_LS, "key": {"vni": 5001},
                "action": "VtepIngress.tunnel.set_ls_from_vni", "params": {"ls_id": 1}} in entries
        proc = gwctl("entries", *target, "VtepIngress.no_such_table")
        assert proc.returncode == 2 and proc.stderr.startswith("gwctl: no table 'VtepIngress.no_such_table'")
        proc = gwctl("diff", *db, *target)
        assert (proc.stdout, proc.returncode) == ("", 0)
        text = gwctl("status", *db, *target).stdout
        assert "primary   gwctl (election id 10)" in text and "sync      in sync" in text
        # another controller taking over (higher election id) is told apart from gwctl
        async def usurp() -> dict:
            async with P4RuntimeTarget(p4sim.address, Pipeline(program.p4info, program.device_config),
                                       election_id=99):
                return await asyncio.to_thread(status, db, target)

        usurped = asyncio.run(usurp())
        assert (usurped["primary_election_id"], usurped["primary_is_gwctl"]) == (99, False), usurped
        # a binding on a port the inventory lacks: found by status, reported by the agent
        vtep_server.vtep_ctl("add-port", "gw1", "p7")
        assert gwctl("bind", "p7", "10", "ls1", "--switch", "gw1", *edit).returncode == 0
        wait_for(lambda: status(db, target)["reported_faults"], "agent reported the fault")
        doc = status(db, target)
        assert [(f["table"], f["row"], f["code"]) for f in doc["faults"]] == [
            ("Physical_Port", "p7", "unspecified_fault")]
        assert doc["reported_faults"] == [{"table": "Physical_Port", "row": "p7", "code": "unspecified_fault"}]
        assert "  reported: Physical_Port p7: unspecified_fault" in gwctl("status", *db, *target).stdout
    finally:
        agent.stop()
    # no agent: the switch keeps its entries; the database moves on; status and diff say so
    assert gwctl("mac", "del", "ls1", MAC1, "--db", vtep_server.unix_remote).returncode == 0
    assert gwctl("mac", "add", "ls1", MAC2, HV1, "--db", vtep_server.unix_remote).returncode == 0
    doc = status(db, target)
    assert doc["primary"] is False and doc["in_sync"] is False
    assert doc["pending"] == {"insert": 1, "modify": 0, "delete": 1}
    assert doc["realized_entries"] == doc["desired_entries"] - 1
    proc = gwctl("diff", *db, *target, "--format", "json")
    diff = json.loads(proc.stdout)
    assert [e["key"]["dst_mac"] for e in diff["desired_not_realized"]] == [p4.mac_int(MAC2)]
    assert [e["key"]["dst_mac"] for e in diff["realized_not_desired"]] == [p4.mac_int(MAC1)]
    assert diff["differing"] == [] and diff["in_sync"] is False
    assert "# 1 desired and not realized, 0 differing, 1 realized and not desired" in proc.stderr
    lines = gwctl("diff", *db, *target).stdout.splitlines()
    assert [line[:2] for line in lines] == ["+ ", "- "] and all(p4.DMAC in line for line in lines)


def test_shell_runs_p4runtime_shell_from_its_venv_on_the_switch(p4sim, program):
    assert shell_argv(Path("/v/bin/python"), "h:1", 3, (1 << 64) + 5, ["-v"]) == [
        "/v/bin/python", "-m", "p4runtime_sh", "--grpc-addr", "h:1", "--device-id", "3",
        "--election-id", "1,5", "-v"]
    assert election_id_arg(10) == "0,10"
    assert (SHELL_REPO / ".venv-p4rtsh/bin/python").exists(), "no .venv-p4rtsh: `make setup` creates it"

    async def program_switch() -> None:
        async with P4RuntimeTarget(p4sim.address, Pipeline(program.p4info, program.device_config)) as t:
            await t.write([(Update(Op.INSERT, p4.vni_to_ls(5001, 7)), Update(Op.INSERT, p4.vni_to_ls(5002, 8)))])

    asyncio.run(program_switch())
    command = f'print("ENTRIES=%d" % len(list(table_entry["{p4.VNI_TO_LS}"].read())))\n'
    proc = gwctl("shell", "--p4rt", p4sim.address, stdin=command)
    assert proc.returncode == 0, proc.stderr
    assert "ENTRIES=2" in proc.stdout
    assert "You are not the primary client" not in proc.stdout, "nobody else is connected: it is primary"


def test_missing_shell_venv_is_one_line(tmp_path, capsys):
    assert cli.main(["shell", "--p4rt", "127.0.0.1:1", "--venv", str(tmp_path / "none")]) == 1
    assert capsys.readouterr().err == (
        f"gwctl: p4runtime-shell venv {tmp_path / 'none'} not found: run `make setup` (scripts/p4rtsh-venv.sh)\n")


def test_large_writes_are_chunked_and_report_progress(p4sim, program, monkeypatch, capsys):
    monkeypatch.setattr(p4rt, "WRITE_CHUNK", 40)
    monkeypatch.setattr(p4rt, "PROGRESS_MIN", 100)
    wanted = [Update(Op.INSERT, p4.vni_to_ls(6000 + i, 1 + i)) for i in range(100)]
    progress = logging.getLogger("gwctl.progress")
    saved = (progress.handlers[:], progress.level, progress.propagate)
    cli._show_progress()   # what `gwctl run` does: progress on stderr

    async def write() -> tuple[int, set]:
        async with P4RuntimeTarget(p4sim.address, Pipeline(program.p4info, program.device_config)) as t:
            applied = await t.write([tuple(wanted[:90]), tuple(wanted[90:])])
            return len(applied), {e for e in await t.read_entries() if e.kind == Kind.TABLE}

    try:
        count, on_switch = asyncio.run(write())
    finally:
        progress.handlers[:], progress.level, progress.propagate = saved
    assert count == 100 and on_switch == {u.entry for u in wanted}
    assert capsys.readouterr().err.splitlines() == [
        "gwctl: synced 40/100 entries", "gwctl: synced 80/100 entries", "gwctl: synced 100/100 entries"]


def _fill_remote_macs(vtep_server, ls: str, count: int, locator_ip: str) -> None:
    """`count` Ucast_Macs_Remote rows in a few transactions (vtep-ctl would take minutes)."""
    ls_uuid = vtep_server.vtep_ctl("get", "Logical_Switch", ls, "_uuid")
    rows = [{"op": "insert", "table": "Ucast_Macs_Remote",
             "row": {"MAC": f"02:01:00:{i >> 16 & 255:02x}:{i >> 8 & 255:02x}:{i & 255:02x}",
                     "logical_switch": ["uuid", ls_uuid], "locator": ["named-uuid", "loc"]}}
            for i in range(count)]
    first = [{"op": "insert", "table": "Physical_Locator", "uuid-name": "loc",
              "row": {"dst_ip": locator_ip, "encapsulation_type": "vxlan_over_ipv4"}}, *rows[:400]]
    locator = None
    for start in range(0, count, 400):   # one argument stays under the kernel's 128 KiB
        ops = first if start == 0 else rows[start:start + 400]
        for op in ops:
            if locator is not None and op["table"] == "Ucast_Macs_Remote":
                op["row"]["locator"] = ["uuid", locator]
        out = subprocess.run(["ovsdb-client", "transact", vtep_server.unix_remote,
                              json.dumps(["hardware_vtep", *ops])], capture_output=True, text=True,
                             timeout=60, check=True).stdout
        assert '"error"' not in out, out[:500]
        if locator is None:
            locator = json.loads(out)[0]["uuid"][1]


def test_run_shows_progress_of_a_large_initial_sync(tmp_path, vtep_server, p4sim, program, inventory):
    vtep_server.bind_one_ls()
    _fill_remote_macs(vtep_server, "ls1", p4rt.PROGRESS_MIN, HV1)
    agent = AgentProcess(tmp_path / "agent.log", "--db", vtep_server.unix_remote, "--inventory", str(inventory),
                         "--p4rt", p4sim.address, "--p4info", str(program.p4info),
                         "--device-config", str(program.device_config))
    try:
        wait_for(lambda: _done(agent.log_path.read_text()), "initial sync", timeout=180)
    finally:
        agent.stop()
    lines = [line for line in agent.log_path.read_text().splitlines() if line.startswith("gwctl: synced")]
    done = [int(line.split()[2].split("/")[0]) for line in lines]
    total = int(lines[-1].split("/")[1].split()[0])
    assert total > p4rt.PROGRESS_MIN and done == sorted(done) and done[-1] == total and len(done) >= 4, lines


def _done(log: str) -> bool:
    """The last progress line says everything went in."""
    lines = [line for line in log.splitlines() if line.startswith("gwctl: synced")]
    if not lines:
        return False
    count, total = lines[-1].split()[2].split("/")
    return count == total


def test_desired_entries_with_a_p4info_print_macs_and_ips(vtep_server, program, inventory, capsys):
    vtep_server.bind_one_ls()
    ctl = vtep_server.vtep_ctl
    ctl("add-ucast-remote", "ls1", MAC1, HV1)
    assert cli.main(["entries", "--desired", "dmac", "--db", vtep_server.unix_remote, "--inventory", str(inventory),
                     "--p4info", str(program.p4info)]) == 0
    assert capsys.readouterr().out.splitlines() == [
        f"{p4.DMAC} dst_mac={MAC1} ls_id=1 -> VtepIngress.l2.forward_to_tunnel(remote_ip={HV1}, tunnel_id=1)"]
