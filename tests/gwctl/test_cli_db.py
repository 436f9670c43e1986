"""`gwctl ls | bind | unbind | mac` against a real ovsdb-server, checked with the real vtep-ctl."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from gwctl.cli import main
from tests.gwctl.test_inventory import GOOD

MAC1 = "02:00:00:00:00:aa"
HV1 = "198.18.1.1"


@pytest.fixture
def db(vtep_server):
    """A database with our switch gw1 and its port p1, as the agent registers them."""
    vtep_server.vtep_ctl("add-ps", "gw1")
    vtep_server.vtep_ctl("add-port", "gw1", "p1")
    return vtep_server


def gw(db, *args: str) -> int:
    return main([*args, "--db", db.unix_remote])


def dump(db) -> str:
    """Everything an edit could touch, to prove a refused one wrote nothing."""
    return "\n".join(db.vtep_ctl("list", table) for table in (
        "Logical_Switch", "Physical_Port", "Ucast_Macs_Remote", "Physical_Locator"))


def test_ls_add_list_del(db, capsys):
    assert gw(db, "ls", "add", "ls1", "--tunnel-key", "5001", "--description", "tenant a") == 0
    assert db.vtep_ctl("list-ls") == "ls1"
    assert db.vtep_ctl("get", "Logical_Switch", "ls1", "tunnel_key") == "5001"
    assert gw(db, "ls", "add", "ls2") == 0
    assert gw(db, "ls", "add", "ls2", "--may-exist", "--tunnel-key", "5002") == 0
    assert db.vtep_ctl("get", "Logical_Switch", "ls2", "tunnel_key") == "5002"
    capsys.readouterr()
    assert gw(db, "ls", "list", "--format", "json") == 0
    assert json.loads(capsys.readouterr().out) == [
        {"name": "ls1", "tunnel_key": 5001, "description": "tenant a", "bindings": []},
        {"name": "ls2", "tunnel_key": 5002, "description": "", "bindings": []}]
    assert gw(db, "ls", "list") == 0
    assert capsys.readouterr().out.splitlines() == ["ls1\ttunnel_key=5001", "ls2\ttunnel_key=5002"]
    assert main(["ls", "list", "--db", db.tcp_remote]) == 0     # TCP as well as the unix socket
    assert capsys.readouterr().out.splitlines() == ["ls1\ttunnel_key=5001", "ls2\ttunnel_key=5002"]
    assert gw(db, "ls", "del", "ls2") == 0
    assert gw(db, "ls", "del", "ls2", "--if-exists") == 0
    assert db.vtep_ctl("list-ls") == "ls1"


def test_bind_unbind(db, tmp_path: Path, capsys):
    gw(db, "ls", "add", "ls1", "--tunnel-key", "5001")
    inventory = tmp_path / "gw.toml"
    inventory.write_text(GOOD)
    assert gw(db, "bind", "p1", "10", "ls1", "--inventory", str(inventory)) == 0   # switch name from it
    assert gw(db, "bind", "p1", "0", "ls1", "--switch", "gw1") == 0
    assert db.vtep_ctl("list-bindings", "gw1", "p1").splitlines() == ["0000 ls1", "0010 ls1"]
    capsys.readouterr()
    gw(db, "ls", "list")
    assert capsys.readouterr().out.strip() == "ls1\ttunnel_key=5001\tbindings=gw1/p1/0,gw1/p1/10"
    assert gw(db, "unbind", "p1", "10", "ls1", "--switch", "gw1") == 0
    assert gw(db, "unbind", "p1", "0", "--switch", "gw1") == 0
    assert db.vtep_ctl("list-bindings", "gw1", "p1") == ""


def test_mac_add_del_list_remote_and_local(db, capsys):
    gw(db, "ls", "add", "ls1", "--tunnel-key", "5001")
    assert gw(db, "mac", "add", "ls1", MAC1.upper(), HV1, "--ipaddr", "192.0.2.10") == 0
    assert db.vtep_ctl("list-remote-macs", "ls1").splitlines()[1].split() == [
        MAC1, "->", f"vxlan_over_ipv4/{HV1}"]
    # moved to another VTEP: replaced, as vtep-ctl add-ucast-remote does
    assert gw(db, "mac", "add", "ls1", MAC1, "198.18.1.2") == 0
    assert db.vtep_ctl("--columns=MAC", "list", "Ucast_Macs_Remote").count("MAC") == 1
    db.vtep_ctl("add-ucast-local", "ls1", "02:00:00:00:00:bb", "198.18.0.1")   # as the agent writes it
    capsys.readouterr()
    assert gw(db, "mac", "list", "ls1") == 0
    assert capsys.readouterr().out.splitlines() == [
        f"remote\tls1\t{MAC1}\tvxlan_over_ipv4/198.18.1.2",
        "local\tls1\t02:00:00:00:00:bb\tvxlan_over_ipv4/198.18.0.1"]
    assert gw(db, "mac", "list", "--format", "json") == 0
    assert json.loads(capsys.readouterr().out)[0] == {
        "type": "remote", "logical_switch": "ls1", "mac": MAC1, "locator": "198.18.1.2",
        "encapsulation": "vxlan_over_ipv4", "ipaddr": ""}
    assert gw(db, "mac", "del", "ls1", MAC1) == 0
    assert "vxlan_over_ipv4" not in db.vtep_ctl("list-remote-macs", "ls1")


def test_ls_del_takes_its_macs_but_not_its_bindings(db, capsys):
    gw(db, "ls", "add", "ls1", "--tunnel-key", "5001")
    gw(db, "bind", "p1", "10", "ls1", "--switch", "gw1")
    gw(db, "mac", "add", "ls1", MAC1, HV1)
    before = dump(db)
    capsys.readouterr()
    assert gw(db, "ls", "del", "ls1") == 2
    assert capsys.readouterr().err == "gwctl: logical switch ls1 is bound at gw1/p1/10: unbind first\n"
    assert dump(db) == before
    gw(db, "unbind", "p1", "10", "--switch", "gw1")
    assert gw(db, "ls", "del", "ls1") == 0
    assert db.vtep_ctl("list-ls") == "" and db.vtep_ctl("list", "Ucast_Macs_Remote") == ""


@pytest.mark.parametrize(("args", "message"), [
    (("bind", "p1", "4096", "ls1", "--switch", "gw1"), "VLAN 4096 out of range 0..4094"),
    (("bind", "p1", "ten", "ls1", "--switch", "gw1"), "VLAN 'ten' is not an integer"),
    (("bind", "p9", "10", "ls1", "--switch", "gw1"), "switch gw1 has no port 'p9' (ports: p1)"),
    (("bind", "p1", "10", "nope", "--switch", "gw1"), "no logical switch 'nope'"),
    (("bind", "p1", "10", "ls1", "--switch", "gw9"), "no physical switch 'gw9' in the database"),
    (("unbind", "p1", "11", "--switch", "gw1"), "port gw1/p1 has no binding for VLAN 11"),
    (("unbind", "p1", "10", "ls2", "--switch", "gw1"), "port gw1/p1 VLAN 10 is bound to ls1, not ls2"),
    (("ls", "add", "ls1"), "logical switch ls1 already exists"),
    (("ls", "add", "ls3", "--tunnel-key", "5001"), "tunnel key 5001 already used by logical switch ls1"),
    (("ls", "add", "ls3", "--tunnel-key", "16777216"), "tunnel key 16777216 out of range 1..16777215"),
    (("ls", "del", "nope"), "no logical switch 'nope'"),
    (("mac", "add", "nope", MAC1, HV1), "no logical switch 'nope'"),
    (("mac", "add", "ls1", "02:00:00:00:00", HV1), "'02:00:00:00:00' is not a MAC address"),
    (("mac", "add", "ls1", "01:00:5e:00:00:01", HV1), "01:00:5e:00:00:01 is a multicast MAC"),
    (("mac", "add", "ls1", MAC1, "2001:db8::1"), "locator 2001:db8::1 is not IPv4"),
    (("mac", "add", "ls1", MAC1, "198.18.1"), "locator '198.18.1' is not an IP address"),
    (("mac", "del", "ls1", "02:00:00:00:00:cc"), "no remote MAC 02:00:00:00:00:cc in logical switch ls1"),
])
def test_refusals_are_one_line_status_2_and_write_nothing(db, capsys, args, message):
    gw(db, "ls", "add", "ls1", "--tunnel-key", "5001")
    gw(db, "ls", "add", "ls2", "--tunnel-key", "5002")
    gw(db, "bind", "p1", "10", "ls1", "--switch", "gw1")
    gw(db, "mac", "add", "ls1", MAC1, HV1)
    before = dump(db)
    capsys.readouterr()
    assert gw(db, *args) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"gwctl: {message}") and err.count("\n") == 1, err
    assert dump(db) == before


def test_database_unreachable_is_one_line_status_2(tmp_path: Path, capsys):
    remote = f"unix:{tmp_path}/nothing.sock"
    for args in (("ls", "add", "ls1"), ("bind", "p1", "10", "ls1", "--switch", "gw1"),
                 ("mac", "add", "ls1", MAC1, HV1), ("mac", "list")):
        assert main([*args, "--db", remote, "--timeout", "0.3"]) == 2
        err = capsys.readouterr().err
        assert err == f"gwctl: vtep database {remote} unreachable (no answer in 0.3s)\n"


def test_bind_needs_a_switch_name(db, capsys):
    with pytest.raises(SystemExit) as info:
        gw(db, "bind", "p1", "10", "ls1")
    assert info.value.code == 2
    assert "give --switch NAME or --inventory FILE" in capsys.readouterr().err
