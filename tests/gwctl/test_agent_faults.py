"""The agent end to end with rows that cannot be realized: each sets its schema fault column, the
rest of the database is realized all the same, and fixing the row clears the fault.

Real ovsdb-server driven by vtep-ctl, real p4sim over gRPC; the table-full case runs a copy of
vtep_gateway.p4 whose MAC tables hold 4 entries (size.p4 is where sizes live).
"""

from __future__ import annotations

import asyncio
import shutil
from pathlib import Path

import pytest

from gwctl.agent import RETRY_DELAY, Agent, AgentConfig
from gwctl.p4rt import P4RuntimeTarget, Pipeline
from gwctl.pipelines import vtep_gateway as p4
from tests.gwctl.p4sim_target import REPO, compile_program
from tests.gwctl.test_agent import _wait
from tests.gwctl.test_translate import INV

HV1 = "198.18.1.1"
SMALL_MAC_TABLE = 4


def _macs(n: int) -> list[str]:
    return [f"00:00:5e:00:53:{i:02x}" for i in range(1, n + 1)]


@pytest.fixture(scope="module")
def small_program(tmp_path_factory: pytest.TempPathFactory):
    """vtep_gateway.p4 with MAC_TABLE_SIZE 4: a full dmac table within reach of a test."""
    src = tmp_path_factory.mktemp("p4src")
    shutil.copytree(REPO / "p4src", src, dirs_exist_ok=True)
    size = src / "include" / "size.p4"
    text = size.read_text()
    line = next(ln for ln in text.splitlines() if ln.startswith("#define MAC_TABLE_SIZE"))
    size.write_text(text.replace(line, f"#define MAC_TABLE_SIZE {SMALL_MAC_TABLE}"))
    return compile_program(src / "vtep_gateway.p4", Path(tmp_path_factory.mktemp("p4")))


async def _dmac_macs(address: str, pipeline: Pipeline) -> set[int]:
    async with P4RuntimeTarget(address, pipeline, election_id=5) as observer:   # a backup reads too
        return {dict(e.key)["dst_mac"] for e in await observer.read_entries() if e.table == p4.DMAC}


def test_faults_are_reported_per_row_and_cleared_when_fixed(vtep_server, p4sim, small_program):
    pipeline = Pipeline(small_program.p4info, small_program.device_config)
    cfg = AgentConfig(vtep_server.unix_remote, p4sim.address, INV, pipeline, stats_interval=60)
    ctl = vtep_server.vtep_ctl

    def column(table: str, row: str, name: str) -> str:
        return ctl("get", table, row, name)

    async def scenario() -> None:
        agent = Agent(cfg)
        task = asyncio.create_task(agent.run())
        try:
            await _wait(lambda: agent.state.syncs >= 1 or task.done(), "first sync")
            assert not task.done(), task.exception()
            for args in (("add-ls", "ls1"), ("set", "Logical_Switch", "ls1", "tunnel_key=5001"),
                         ("bind-ls", "gw1", "p1", "10", "ls1")):
                await asyncio.to_thread(ctl, *args)

            # 1. table full: six MACs for a four-entry table; four are forwarded, the switch says why not more
            macs = _macs(6)
            for mac in macs:
                await asyncio.to_thread(ctl, "add-ucast-remote", "ls1", mac, HV1)
            await _wait(lambda: "mac_table_exhaustion" in column("Physical_Switch", "gw1", "switch_fault_status"),
                        "mac_table_exhaustion on the switch")
            held = await _dmac_macs(p4sim.address, pipeline)
            assert len(held) == SMALL_MAC_TABLE and held <= {p4.mac_int(m) for m in macs}
            # the refused entries are retried on their own: the fault stays, the translation is not rebuilt
            engine = agent._engine
            await asyncio.sleep(2.5 * RETRY_DELAY)
            assert agent._engine is engine, "a retry rebuilt the whole translation"
            assert "mac_table_exhaustion" in column("Physical_Switch", "gw1", "switch_fault_status")

            # 2. an unusable VLAN on p2: p2's fault, p1's binding and MACs untouched
            await asyncio.to_thread(ctl, "bind-ls", "gw1", "p2", "4095", "ls1")
            await _wait(lambda: column("Physical_Port", "p2", "port_fault_status") == "[invalid_vlan_map]",
                        "invalid_vlan_map on p2")
            assert column("Physical_Port", "p1", "port_fault_status") == "[]"
            assert len(await _dmac_macs(p4sim.address, pipeline)) == SMALL_MAC_TABLE

            # 3. an ACL entry the pipeline cannot express (IPv6: it matches IPv4 only) bound to p1
            entry = await asyncio.to_thread(ctl, "create", "ACL_entry", "sequence=10", "direction=ingress",
                                            "action=deny", 'source_ip="2001:db8::1"')
            acl = await asyncio.to_thread(ctl, "create", "ACL", "acl_name=a1", f"acl_entries={entry}")
            await asyncio.to_thread(ctl, "set", "Physical_Port", "p1", f"acl_bindings:0={acl}")
            await _wait(lambda: column("ACL_entry", entry, "acle_fault_status") == "[invalid_acl_entry]",
                        "invalid_acl_entry")
            assert column("ACL", acl, "acl_fault_status") == "[invalid_acl]"

            # fixes: each fault goes, and what waited is realized
            for mac in macs[SMALL_MAC_TABLE - 1:]:   # leave 3: room for all of them
                await asyncio.to_thread(ctl, "del-ucast-remote", "ls1", mac)
            await asyncio.to_thread(ctl, "unbind-ls", "gw1", "p2", "4095")
            await asyncio.to_thread(ctl, "set", "ACL_entry", entry, 'source_ip="192.0.2.1"')
            await _wait(lambda: column("Physical_Switch", "gw1", "switch_fault_status") == "[]",
                        "switch fault cleared (after the agent's retry)")
            await _wait(lambda: column("Physical_Port", "p2", "port_fault_status") == "[]", "p2 fault cleared")
            await _wait(lambda: column("ACL_entry", entry, "acle_fault_status") == "[]", "ACL entry fault cleared")
            assert column("ACL", acl, "acl_fault_status") == "[]"
            assert await _dmac_macs(p4sim.address, pipeline) == {p4.mac_int(m) for m in macs[:SMALL_MAC_TABLE - 1]}
        finally:
            agent.stop()
            await asyncio.wait_for(task, 30)

    asyncio.run(scenario())
