"""Tunnel rows: the pure plan, and the adapter writing them to a real ovsdb-server read back with vtep-ctl."""

from __future__ import annotations

import pytest

from gwctl import tunnels
from gwctl.model import FrozenMap
from gwctl.tunnels import BFD_CONFIG_LOCAL, TunnelRow
from gwctl.vtepdb import VtepDb
from tests.gwctl.vtep_server import VtepServer

OURS, HV1, HV2, HV3 = "198.18.0.1", "198.18.0.11", "198.18.0.12", "198.18.0.13"
TIMEOUT = 10.0


def row(uuid: str, remote: str, local: str = OURS, **bfd: str) -> TunnelRow:
    return TunnelRow(uuid, local, remote, FrozenMap(bfd), bfd_config_local=BFD_CONFIG_LOCAL)


# ---------------------------------------------------------------- plan (pure)


def test_plan_creates_missing_and_deletes_unused_rows():
    change = tunnels.plan([HV1, HV2], OURS, [row("a", HV2), row("b", HV3)])
    assert change.create == (HV1,) and change.delete == ("b",) and not change.set_config_local


def test_plan_of_a_correct_database_is_empty():
    assert not tunnels.plan([HV1], OURS, [row("a", HV1, enable="true")])


def test_plan_drops_rows_of_an_old_tunnel_ip_and_duplicates_keeping_the_configured_one():
    rows = [row("a", HV1), row("b", HV1, enable="true"), row("c", HV2, local="198.18.0.99")]
    change = tunnels.plan([HV1, HV2], OURS, rows)
    assert change.delete == ("a", "c") and change.create == (HV2,)


def test_plan_without_a_tunnel_ip_keeps_nothing_and_never_tunnels_to_ourselves():
    assert tunnels.plan([HV1], None, [row("a", HV1)]).delete == ("a",)
    assert tunnels.plan([HV1, OURS], OURS, []).create == (HV1,)


def test_bfd_settings_report_invalid_rows_instead_of_failing():
    found = tunnels.bfd_settings([row("a", HV1, enable="true", min_rx="0"), row("b", HV2, enable="true")], OURS)
    assert "min_rx=0" in found[HV1].problem and not found[HV1].config.enable
    assert found[HV2].config.enable and found[HV2].problem == ""


def test_down_locators_are_enabled_sessions_not_up():
    statuses = {HV1: {"enabled": "true", "state": "down"}, HV2: {"enabled": "true", "state": "up"}, HV3: {}}
    assert tunnels.down_locators(statuses) == {HV1}


# ---------------------------------------------------------------- against ovsdb-server


@pytest.fixture
def db(vtep_server: VtepServer):
    adapter = VtepDb(vtep_server.unix_remote, "gw1")
    adapter.run_until(lambda: adapter.synced, TIMEOUT)
    adapter.register_switch([OURS], ports=["p1"])
    yield adapter
    adapter.close()


def tunnel_pairs(server: VtepServer) -> set[tuple[str, str]]:
    """(local IP, remote IP) of every Tunnel row listed in gw1's tunnels, read with vtep-ctl."""
    uuids = server.vtep_ctl("get", "Physical_Switch", "gw1", "tunnels").strip("[]").replace(",", " ").split()
    out = set()
    for u in uuids:
        local = server.vtep_ctl("get", "Tunnel", u, "local")
        remote = server.vtep_ctl("get", "Tunnel", u, "remote")
        out.add((server.vtep_ctl("get", "Physical_Locator", local, "dst_ip").strip('"'),
                 server.vtep_ctl("get", "Physical_Locator", remote, "dst_ip").strip('"')))
    return out


def test_rows_are_written_kept_and_removed(vtep_server: VtepServer, db: VtepDb):
    db.write_tunnels([HV1, HV2])
    assert tunnel_pairs(vtep_server) == {(OURS, HV1), (OURS, HV2)}
    expected_local = '{bfd_dst_ip="169.254.1.0", bfd_dst_mac="00:23:20:00:00:01"}'
    assert vtep_server.vtep_ctl("list", "Tunnel").count(expected_local) == 2
    # the NVC enables BFD on one; rewriting (as after an agent restart) keeps that row and its settings
    first = {r.remote_ip: r for r in db.tunnels()}[HV1].uuid
    vtep_server.vtep_ctl("set", "Tunnel", first, "bfd_params:enable=true")
    db.run_until(lambda: any(r.bfd_params for r in db.tunnels()), TIMEOUT)
    db.write_tunnels([HV1, HV2])
    again = VtepDb(vtep_server.unix_remote, "gw1")   # a restarted agent
    try:
        again.run_until(lambda: again.synced, TIMEOUT)
        again.write_tunnels([HV2, HV1])
        rows = {r.remote_ip: r for r in again.tunnels()}
        assert rows[HV1].uuid == first and rows[HV1].bfd_params == {"enable": "true"}
    finally:
        again.close()
    # the last use of HV2 goes: its row goes, and nothing is left behind
    db.run_until(lambda: True, 0.5)
    db.write_tunnels([HV1])
    assert tunnel_pairs(vtep_server) == {(OURS, HV1)}
    assert vtep_server.vtep_ctl("--columns=_uuid", "list", "Tunnel").count("_uuid") == 1


def test_bfd_status_is_written_per_remote_and_cleared(vtep_server: VtepServer, db: VtepDb):
    db.write_tunnels([HV1, HV2])
    db.write_bfd_status({HV1: {"enabled": "true", "state": "up"}})
    uid = {r.remote_ip: r for r in db.tunnels()}[HV1].uuid
    assert vtep_server.vtep_ctl("get", "Tunnel", uid, "bfd_status:state") == "up"
    db.write_bfd_status({})
    assert vtep_server.vtep_ctl("get", "Tunnel", uid, "bfd_status") == "{}"


def test_desired_state_carries_the_down_locators_of_bfd_status(vtep_server: VtepServer, db: VtepDb):
    """`gwctl diff` and `status` compute from the database: they must see the service node the agent picked."""
    db.write_tunnels([HV1, HV2])
    db.write_bfd_status({HV1: {"enabled": "true", "state": "down"}, HV2: {"enabled": "true", "state": "up"}})
    assert db.desired.switch is not None and db.desired.switch.down_locators == {HV1}
    db.write_bfd_status({HV1: {"enabled": "true", "state": "up"}})
    assert db.desired.switch.down_locators == frozenset()
