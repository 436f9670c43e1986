"""`gwctl run` as the issue writes it: --vtep-db, --switch, --tunnel-ip and
--program vtep_gateway (gwctl builds the P4 artefacts itself), against a real
ovsdb-server and p4sim."""

from __future__ import annotations

import json

import pytest

from gwctl import program
from gwctl.inventory import InventoryError, from_dict, with_switch
from tests.gwctl.test_cli_target import AgentProcess, gwctl, inventory, wait_for  # noqa: F401 (fixtures)
from tests.gwctl.test_inventory import GOOD


def test_program_artefacts_are_built_once_per_source_version(tmp_path):
    p4info, config = program.build("vtep_gateway", cache=tmp_path)
    assert "VtepIngress.l2.dmac" in p4info.read_text()
    assert config.stat().st_size > 0
    stamp = (p4info.stat().st_mtime_ns, config.stat().st_mtime_ns)
    assert program.build("vtep_gateway", cache=tmp_path) == (p4info, config)
    assert (p4info.stat().st_mtime_ns, config.stat().st_mtime_ns) == stamp, "cached, not rebuilt"


def test_unknown_program_is_refused_by_name(tmp_path):
    with pytest.raises(program.ProgramError, match="unknown program 'smartnic2'"):
        program.build("smartnic2", cache=tmp_path)


def test_command_line_switch_and_tunnel_ips_override_the_inventory():
    import tomllib

    inv = from_dict(tomllib.loads(GOOD))
    changed = with_switch(inv, "gw9", ["198.18.0.9", "198.18.0.10"])
    assert (changed.switch_name, changed.tunnel_ips) == ("gw9", ("198.18.0.9", "198.18.0.10"))
    assert with_switch(inv) == inv
    with pytest.raises(InventoryError, match="--tunnel-ip: '198.18.0.300' is not an IP address"):
        with_switch(inv, tunnel_ips=["198.18.0.300"])


def test_run_with_issue_flags_registers_the_switch_and_pushes_the_pipeline(
        tmp_path, vtep_server, p4sim, inventory):  # noqa: F811 (fixtures)
    db = ["--vtep-db", vtep_server.unix_remote]
    agent = AgentProcess(tmp_path / "agent.log", *db, "--inventory", str(inventory), "--switch", "gw9",
                         "--tunnel-ip", "198.18.0.9", "--p4rt", p4sim.address,
                         "--program", "vtep_gateway")
    try:
        def registered() -> bool:
            out = vtep_server.vtep_ctl("--format=json", "--columns=name,tunnel_ips", "list", "Physical_Switch")
            return "gw9" in out and "198.18.0.9" in out

        wait_for(registered, "Physical_Switch gw9 with tunnel IP 198.18.0.9")
        wait_for(lambda: json.loads(gwctl("status", *db, "--inventory", str(inventory), "--p4rt", p4sim.address,
                                          "--format", "json").stdout or "{}").get("primary"),
                 "the agent primary on the switch with its pipeline")
    finally:
        agent.stop()
    assert agent.proc.returncode == 0, (tmp_path / "agent.log").read_text()
