"""The agent end to end: a real ovsdb-server driven by vtep-ctl, a real p4sim running vtep_gateway.p4."""

from __future__ import annotations

import asyncio
import time

from gwctl.agent import Agent, AgentConfig, compute, write_failure_faults
from gwctl.model import FaultTable, LearnedMac
from gwctl.p4rt import P4RuntimeTarget, Pipeline, UpdateFailure
from gwctl.pipelines import vtep_gateway as p4
from gwctl.reconcile import Kind, Op, Update
from gwctl.translate import Ids
from gwctl.vtepdb import VtepDb
from tests.gwctl.test_translate import INV, MAC1, MAC2, TUNNEL_IP, state

HV1 = "198.18.1.1"


def test_compute_reports_local_macs_and_unknown_dst_like_ovs_vtep():
    learned = frozenset({LearnedMac("ls1", MAC2, "p1", 10), LearnedMac("ls9", MAC1, "p1", 99)})
    plan = compute(state(), learned, INV, Ids(), frozenset())
    assert {(m.mac, m.logical_switch, m.locator_ip) for m in plan.ucast_local} == {(MAC2, "ls1", TUNNEL_IP)}
    assert {(m.mac, m.logical_switch) for m in plan.mcast_local} == {("unknown-dst", "ls1"),
                                                                     ("unknown-dst", "ls2")}
    assert plan.batches and compute(state(), learned, INV, plan.ids, plan.entries).batches == []


async def _wait(predicate, what: str, timeout: float = 60.0) -> None:
    """Generous: p4sim compiles the program on pipeline push, and CI machines are shared."""
    deadline = time.monotonic() + timeout
    while not await asyncio.to_thread(predicate):
        if time.monotonic() > deadline:
            raise TimeoutError(f"not met in {timeout}s: {what}")
        await asyncio.sleep(0.1)


def test_agent_realizes_database_and_follows_changes(vtep_server, p4sim, program):
    pipeline = Pipeline(program.p4info, program.device_config)
    cfg = AgentConfig(vtep_server.unix_remote, p4sim.address, INV, pipeline, stats_interval=0.5)
    ctl = vtep_server.vtep_ctl

    async def scenario() -> None:
        agent = Agent(cfg)
        task = asyncio.create_task(agent.run())
        try:
            await _wait(lambda: agent.state.syncs >= 1 or task.done(), "first sync")
            assert not task.done(), task.exception()
            assert ctl("list-ports", "gw1").split() == ["p1", "p2", "p3"]
            # configure like an NVC would
            await asyncio.to_thread(ctl, "add-ls", "ls1")
            await asyncio.to_thread(ctl, "set", "Logical_Switch", "ls1", "tunnel_key=5001")
            await asyncio.to_thread(ctl, "bind-ls", "gw1", "p1", "10", "ls1")
            await asyncio.to_thread(ctl, "add-ucast-remote", "ls1", MAC1, HV1)
            await _wait(lambda: any(e.table == p4.DMAC for e in agent.state.realized), "dmac entry")
            # a second controller (backup) sees the same entries on the switch
            async with P4RuntimeTarget(p4sim.address, pipeline, election_id=5) as observer:
                on_switch = {e for e in await observer.read_entries() if e.kind != Kind.DEFAULT}
            assert on_switch == agent.state.realized - {e for e in agent.state.realized if e.kind == Kind.DEFAULT}
            dmac = [e for e in on_switch if e.table == p4.DMAC]
            assert [dict(e.params)["remote_ip"] for e in dmac] == [p4.ip_int(HV1)]
            # discovered state written back as ovs-vtep does
            await _wait(lambda: "unknown-dst" in ctl("list-local-macs", "ls1"), "Mcast_Macs_Local")
            await _wait(lambda: "10=" in ctl("get", "Physical_Port", "p1", "vlan_stats"), "vlan_stats")
            # deletion in the DB removes the entry from the switch
            await asyncio.to_thread(ctl, "del-ucast-remote", "ls1", MAC1)
            await _wait(lambda: not any(e.table == p4.DMAC for e in agent.state.realized), "dmac deleted")
            # a binding on a port this switch does not have: fault in the DB
            await asyncio.to_thread(ctl, "add-port", "gw1", "p9")
            await asyncio.to_thread(ctl, "bind-ls", "gw1", "p9", "5", "ls1")
            await _wait(lambda: ctl("get", "Physical_Port", "p9", "port_fault_status") == "[unspecified_fault]",
                        "port fault")
        finally:
            agent.stop()
            await asyncio.wait_for(task, 30)

    asyncio.run(scenario())


def test_agent_reprograms_a_restarted_target(vtep_server, p4sim, program):
    pipeline = Pipeline(program.p4info, program.device_config)
    cfg = AgentConfig(vtep_server.unix_remote, p4sim.address, INV, pipeline, stats_interval=60)
    vtep_server.bind_one_ls()
    ctl = vtep_server.vtep_ctl
    ctl("add-ucast-remote", "ls1", MAC1, HV1)

    async def on_switch() -> set:
        async with P4RuntimeTarget(p4sim.address, pipeline, election_id=5) as observer:
            return {e for e in await observer.read_entries() if e.kind != Kind.DEFAULT}

    async def scenario() -> None:
        agent = Agent(cfg)
        task = asyncio.create_task(agent.run())
        try:
            await _wait(lambda: any(e.table == p4.DMAC for e in agent.state.realized) or task.done(),
                        "programmed")
            before = await on_switch()
            assert before and any(e.table == p4.DMAC for e in before)
            await asyncio.to_thread(p4sim.stop)
            await _wait(lambda: not agent.state.connected, "agent saw the target go")
            await asyncio.to_thread(p4sim.start)
            syncs = agent.state.syncs
            await _wait(lambda: agent.state.connected and agent.state.syncs > syncs, "agent resynced")
            assert await on_switch() == before, "same entries, same ids after the target restart"
            assert not task.done()
        finally:
            agent.stop()
            await asyncio.wait_for(task, 30)

    asyncio.run(scenario())


def test_backup_agent_waits_then_takes_over(vtep_server, p4sim, program):
    pipeline = Pipeline(program.p4info, program.device_config)
    vtep_server.bind_one_ls()
    ctl = vtep_server.vtep_ctl

    async def scenario() -> None:
        primary = Agent(AgentConfig(vtep_server.unix_remote, p4sim.address, INV, pipeline, election_id=20,
                                    stats_interval=60))
        backup = Agent(AgentConfig(vtep_server.unix_remote, p4sim.address, INV, pipeline, election_id=10,
                                   stats_interval=60))
        tasks = [asyncio.create_task(primary.run())]
        await _wait(lambda: primary.state.syncs >= 1, "primary synced")
        tasks.append(asyncio.create_task(backup.run()))
        try:
            await asyncio.sleep(2)
            assert backup.state.connected and backup.state.primary is False
            assert backup.state.syncs == 0, "a backup must not write"
            ctl("add-ucast-remote", "ls1", MAC1, HV1)
            primary.stop()
            await asyncio.wait_for(tasks[0], 30)
            await _wait(lambda: backup.state.syncs >= 1, "backup took over")
            assert backup.state.primary
            await _wait(lambda: any(e.table == p4.DMAC for e in backup.state.realized), "backup follows the DB")
        finally:
            primary.stop()
            backup.stop()
            await asyncio.wait_for(asyncio.gather(*tasks, return_exceptions=True), 30)

    asyncio.run(scenario())


def test_agent_registers_again_after_the_database_is_reset(vtep_server, p4sim, program):
    pipeline = Pipeline(program.p4info, program.device_config)
    # stats every 0.3 s: writes happen while the database is away, and must not kill the agent
    cfg = AgentConfig(vtep_server.unix_remote, p4sim.address, INV, pipeline, stats_interval=0.3)
    ctl = vtep_server.vtep_ctl

    async def scenario() -> None:
        agent = Agent(cfg)
        task = asyncio.create_task(agent.run())
        try:
            await _wait(lambda: agent.state.syncs >= 1, "first sync")
            await asyncio.to_thread(ctl, "add-ls", "ls1")
            await asyncio.to_thread(ctl, "set", "Logical_Switch", "ls1", "tunnel_key=5001")
            await asyncio.to_thread(ctl, "bind-ls", "gw1", "p1", "10", "ls1")
            await _wait(lambda: any(e.table == p4.PORT_VLAN_TO_LS for e in agent.state.realized), "bound")
            # the operator restores an empty database: our switch must come back, the binding must go
            await asyncio.to_thread(vtep_server.stop)
            await asyncio.sleep(1.5)
            assert not task.done()
            vtep_server.db_path.unlink()
            await asyncio.to_thread(vtep_server.start)
            await _wait(lambda: ctl("list-ports", "gw1").split() == ["p1", "p2", "p3"]
                        if "gw1" in ctl("list-ps") else False, "switch registered again")
            await _wait(lambda: not any(e.table == p4.PORT_VLAN_TO_LS for e in agent.state.realized),
                        "binding removed from the switch")
            # and it follows the new database
            await asyncio.to_thread(ctl, "add-ls", "ls2")
            await asyncio.to_thread(ctl, "set", "Logical_Switch", "ls2", "tunnel_key=6001")
            await asyncio.to_thread(ctl, "bind-ls", "gw1", "p2", "0", "ls2")
            await _wait(lambda: "unknown-dst" in ctl("list-local-macs", "ls2"), "Mcast_Macs_Local in the new DB")
            assert not task.done()
        finally:
            agent.stop()
            await asyncio.wait_for(task, 30)

    asyncio.run(scenario())


def test_incremental_changes_leave_the_target_equal_to_the_full_translation(vtep_server, p4sim, program):
    """Row by row through the agent's incremental path; the switch ends as translate of the final DB says."""
    pipeline = Pipeline(program.p4info, program.device_config)
    cfg = AgentConfig(vtep_server.unix_remote, p4sim.address, INV, pipeline, stats_interval=60)
    ctl = vtep_server.vtep_ctl
    ctl("add-ps", "gw1")
    for port in ("p1", "p2"):
        ctl("add-port", "gw1", port)
    ctl("add-ls", "ls1")
    ctl("set", "Logical_Switch", "ls1", "tunnel_key=5001")
    ctl("bind-ls", "gw1", "p1", "10", "ls1")
    macs = [f"00:00:5e:00:53:{i:02x}" for i in range(1, 9)]

    async def scenario() -> None:
        agent = Agent(cfg)
        task = asyncio.create_task(agent.run())
        try:
            await _wait(lambda: agent.state.syncs >= 1 or task.done(), "first sync")
            for i, mac in enumerate(macs):
                await asyncio.to_thread(ctl, "add-ucast-remote", "ls1", mac, f"198.18.1.{1 + i % 3}")
            await asyncio.to_thread(ctl, "del-ucast-remote", "ls1", macs[0])
            await asyncio.to_thread(ctl, "add-ucast-remote", "ls1", macs[1], "198.18.1.9")  # moved VTEP
            await asyncio.to_thread(ctl, "add-mcast-remote", "ls1", "unknown-dst", "198.18.1.2")
            await asyncio.to_thread(ctl, "add-ls", "ls2")
            await asyncio.to_thread(ctl, "set", "Logical_Switch", "ls2", "tunnel_key=5002")
            await asyncio.to_thread(ctl, "add-ucast-remote", "ls2", macs[2], "198.18.1.1")
            await asyncio.to_thread(ctl, "bind-ls", "gw1", "p2", "0", "ls2")   # ls2's MAC becomes realized
            await asyncio.to_thread(ctl, "unbind-ls", "gw1", "p1", "10")       # ls1's MACs go
            await asyncio.to_thread(ctl, "bind-ls", "gw1", "p1", "20", "ls1")  # and come back
            db = VtepDb(vtep_server.unix_remote, "gw1")
            try:
                await asyncio.to_thread(db.run_until, lambda: db.synced, 10)
                want = compute(db.desired, frozenset(), INV, agent.state.ids, frozenset()).entries
            finally:
                db.close()
            await _wait(lambda: agent.state.realized == want, "realized as translated")
            async with P4RuntimeTarget(p4sim.address, pipeline, election_id=5) as observer:
                on_switch = {e for e in await observer.read_entries() if e.kind != Kind.DEFAULT}
            assert on_switch == want
            assert len([e for e in want if e.table == p4.DMAC]) == 8
        finally:
            agent.stop()
            await asyncio.wait_for(task, 30)

    asyncio.run(scenario())


def test_refused_updates_become_the_schema_exhaustion_faults():
    full_mac = UpdateFailure(Update(Op.INSERT, p4.dmac_to_tunnel(1, MAC1, 1, HV1)), "RESOURCE_EXHAUSTED", "full")
    full_tunnel = UpdateFailure(Update(Op.INSERT, p4.tunnel_encap(1, TUNNEL_IP, HV1)), "RESOURCE_EXHAUSTED", "")
    other = UpdateFailure(Update(Op.INSERT, p4.vni_to_ls(1, 1)), "INVALID_ARGUMENT", "bad")
    faults = write_failure_faults("gw1", [full_mac, full_tunnel, other])
    assert [(f.table, f.row, f.code) for f in faults] == [
        (FaultTable.PHYSICAL_SWITCH, "gw1", "mac_table_exhaustion"),
        (FaultTable.PHYSICAL_SWITCH, "gw1", "tunnel_exhaustion"),
        (FaultTable.PHYSICAL_SWITCH, "gw1", "unspecified_fault"),
    ]


def test_local_rows_name_the_tunnel_source_the_encapsulation_uses():
    """With several tunnel IPs, Mcast_Macs_Local and the encapsulation agree on the numerically lowest
    (198.18.0.9, not 198.18.0.10, which sorts first as text)."""
    import dataclasses

    inv = dataclasses.replace(INV, tunnel_ips=("198.18.0.10", "198.18.0.9"))
    plan = compute(state(), frozenset(), inv, Ids(), frozenset())
    assert {m.locator_ips for m in plan.mcast_local} == {frozenset({"198.18.0.9"})}
    encap_src = {dict(e.params)["src_ip"] for e in plan.entries if e.table == p4.TUNNEL_ENCAP}
    assert encap_src == {p4.ip_int("198.18.0.9")}
