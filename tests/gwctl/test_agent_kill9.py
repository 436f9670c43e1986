"""gwctl killed with SIGKILL and restarted converges without touching what
is still right: traffic on correct entries never stops, and the restarted
agent writes exactly the difference the database made while it was down."""

from __future__ import annotations

import asyncio
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

from gwctl.p4rt import P4RuntimeError, P4RuntimeTarget, Pipeline
from gwctl.pipelines import vtep_gateway as p4
from gwctl.program import build
from tests.gwctl.p4sim_target import REPO
from tests.gwctl.test_inventory import GOOD

HV1 = "198.18.1.1"
MACS = ["02:00:00:00:10:01", "02:00:00:00:10:02", "02:00:00:00:10:03"]
WRITING = re.compile(r"agent: writing \{(.*)\}")


def start_agent(log: Path, db: str, inventory: Path, p4rt: str) -> subprocess.Popen:
    with log.open("a") as out:
        return subprocess.Popen([sys.executable, "-m", "gwctl.cli", "-v", "run", "--vtep-db", db, "--inventory",
                                 str(inventory), "--p4rt", p4rt, "--program", "vtep_gateway"],
                                cwd=REPO, stdin=subprocess.DEVNULL, stdout=out, stderr=out)


def entries_on(address: str) -> set:
    async def read() -> set:
        p4info, config = build("vtep_gateway")
        async with P4RuntimeTarget(address, Pipeline(p4info, config), election_id=5) as observer:
            return await observer.read_entries()
    return asyncio.run(read())


def entries_if_ready(address: str) -> set | None:
    """None while the agent has not pushed the pipeline yet."""
    try:
        return entries_on(address)
    except P4RuntimeError as exc:
        if "FAILED_PRECONDITION" in str(exc):
            return None
        raise


def dmac_macs(entries: set) -> set[str]:
    """Destination MACs of the dmac entries, as vtep-ctl writes them."""
    out = set()
    for e in entries:
        if e.table == p4.DMAC:
            value = dict(e.key)["dst_mac"]
            out.add(":".join(f"{value:012x}"[i:i + 2] for i in range(0, 12, 2)))
    return out


def wait_for(predicate, what: str, timeout: float = 90.0):
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise TimeoutError(f"not met in {timeout}s: {what}")
        time.sleep(0.3)


def writes_in(log_text: str) -> dict[str, int]:
    """Sum of the per-operation counts of every 'agent: writing {...}' line."""
    totals: dict[str, int] = {}
    for line in WRITING.findall(log_text):
        for op, count in re.findall(r"Op\.(\w+): '\w+'>: (\d+)", line):
            totals[op] = totals.get(op, 0) + int(count)
    return totals


def test_sigkilled_agent_restarts_and_writes_only_the_difference(tmp_path, vtep_server, p4sim):
    inventory = tmp_path / "gw.toml"
    inventory.write_text(GOOD)
    vtep_server.bind_one_ls()
    ctl = vtep_server.vtep_ctl
    for mac in MACS[:2]:
        ctl("add-ucast-remote", "ls1", mac, HV1)

    first = start_agent(tmp_path / "agent1.log", vtep_server.unix_remote, inventory, p4sim.address)
    try:
        before = wait_for(lambda: (e := entries_if_ready(p4sim.address)) and dmac_macs(e) == set(MACS[:2]) and e,
                          "both remote MACs on the switch")
        # Settled: a second read finds nothing new being written.
        time.sleep(2)
        before = entries_on(p4sim.address)
    finally:
        os.kill(first.pid, signal.SIGKILL)
        first.wait(10)

    ctl("del-ucast-remote", "ls1", MACS[1])
    ctl("add-ucast-remote", "ls1", MACS[2], HV1)

    log2 = tmp_path / "agent2.log"
    second = start_agent(log2, vtep_server.unix_remote, inventory, p4sim.address)
    try:
        def converged():
            e = entries_on(p4sim.address)
            return e if dmac_macs(e) == {MACS[0], MACS[2]} else None

        after = wait_for(converged, "the database's changes realized by the restarted agent")
        time.sleep(2)
        assert entries_on(p4sim.address) == after, "settled"
    finally:
        second.send_signal(signal.SIGTERM)
        second.wait(30)

    removed, added = before - after, after - before
    assert removed and added
    writes = writes_in(log2.read_text())
    assert writes.get("DELETE", 0) <= len(removed), writes
    assert writes.get("INSERT", 0) <= len(added), writes
    assert 0 < sum(writes.values()) <= len(removed) + len(added), (writes, removed, added)
    assert before & after, "entries still right were kept"
