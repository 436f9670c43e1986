"""gwctl's command line against a real database (and p4sim for diff)."""

from pathlib import Path

import pytest

from gwctl.cli import main
from tests.gwctl.test_inventory import GOOD


@pytest.fixture
def inventory(tmp_path: Path) -> Path:
    path = tmp_path / "gw.toml"
    path.write_text(GOOD)
    return path


def test_entries_and_faults(vtep_server, inventory, capsys):
    ctl = vtep_server.vtep_ctl
    ctl("add-ps", "gw1")
    ctl("set", "Physical_Switch", "gw1", "tunnel_ips=198.18.0.1")
    ctl("add-port", "gw1", "p1")
    ctl("add-port", "gw1", "p7")
    ctl("add-ls", "ls1")
    ctl("set", "Logical_Switch", "ls1", "tunnel_key=5001")
    ctl("bind-ls", "gw1", "p1", "10", "ls1")
    ctl("bind-ls", "gw1", "p7", "10", "ls1")
    assert main(["entries", "--desired", "--db", vtep_server.unix_remote, "--inventory", str(inventory)]) == 0
    out = capsys.readouterr().out
    assert "VtepIngress.access.port_vlan_to_ls (('ingress_port', 1), ('vid', 10))" in out
    assert "VtepIngress.tunnel.vni_to_ls (('vni', 5001),)" in out
    assert main(["faults", "--db", vtep_server.unix_remote, "--inventory", str(inventory)]) == 0
    assert capsys.readouterr().out.strip() == (
        "Physical_Port p7: unspecified_fault (port has bindings but is not an access port of this switch)")


def test_errors_are_one_line_with_status_1(tmp_path, inventory, capsys):
    assert main(["entries", "--desired", "--db", f"unix:{tmp_path}/nothing.sock", "--inventory", str(inventory),
                 "--timeout", "0.5"]) == 1
    assert "cannot read vtep database" in capsys.readouterr().err
    bad = tmp_path / "bad.toml"
    bad.write_text("[switch]\n")
    assert main(["entries", "--desired", "--db", "unix:/x", "--inventory", str(bad)]) == 1
    assert "name is required" in capsys.readouterr().err
    with pytest.raises(SystemExit) as exit_info:
        main(["entries"])
    assert exit_info.value.code == 2
