"""The switch inventory file: what gwctl needs to know about the box, checked with clear errors."""

from pathlib import Path

import pytest

from gwctl.inventory import InventoryError, from_dict, load

GOOD = """
[switch]
name = "gw1"
tunnel_ips = ["198.18.0.1"]
router_mac = "02:00:00:00:00:FE"

[[port]]
name = "p1"
number = 1

[[uplink]]
name = "up1"
number = 10
mac = "02:00:00:00:01:0a"
nexthop_mac = "02:00:00:00:02:0a"

[[uplink]]
name = "up2"
number = 11
mac = "02:00:00:00:01:0b"
nexthop_mac = "02:00:00:00:02:0b"

[[route]]
prefix = "198.18.0.0/16"
uplinks = ["up2"]
"""


def test_load_good_file(tmp_path: Path):
    path = tmp_path / "gw.toml"
    path.write_text(GOOD)
    inv = load(path)
    assert inv.switch_name == "gw1" and inv.tunnel_ips == ("198.18.0.1",)
    assert inv.access_ports["p1"].number == 1
    assert inv.uplinks["up2"].nexthop_mac == "02:00:00:00:02:0b"
    assert inv.router_mac == "02:00:00:00:00:fe"
    assert [(r.prefix, r.uplinks) for r in inv.effective_routes()] == [("198.18.0.0/16", ("up2",))]


def test_default_route_over_all_uplinks():
    inv = from_dict({"switch": {"name": "s"}, "uplink": [
        {"name": "b", "number": 2, "mac": "02:00:00:00:00:02", "nexthop_mac": "02:00:00:00:00:12"},
        {"name": "a", "number": 3, "mac": "02:00:00:00:00:03", "nexthop_mac": "02:00:00:00:00:13"}]})
    assert [(r.prefix, r.uplinks) for r in inv.effective_routes()] == [("0.0.0.0/0", ("a", "b"))]
    assert from_dict({"switch": {"name": "s"}}).effective_routes() == ()


@pytest.mark.parametrize("data, message", [
    ({}, "name is required"),
    ({"switch": {"name": "s", "tunnel_ips": ["2001:db8::1"]}}, "not IPv4"),
    ({"switch": {"name": "s"}, "port": [{"name": "p", "number": 511}]}, "0..510"),
    ({"switch": {"name": "s"}, "port": [{"name": "p", "number": 1}, {"name": "q", "number": 1}]},
     "already used"),
    ({"switch": {"name": "s"}, "uplink": [{"name": "u", "number": 5, "mac": "x", "nexthop_mac": "y"}]},
     "not a MAC"),
    ({"switch": {"name": "s"}, "route": [{"prefix": "198.18.0.0/15", "uplinks": ["nope"]}]}, "not configured"),
    ({"switch": {"name": "s"}, "route": [{"prefix": "198.18.0.1/15"}]}, "prefix"),
])
def test_errors_name_the_problem(data, message):
    with pytest.raises(InventoryError, match=message):
        from_dict(data)


def test_bad_toml_names_the_file(tmp_path: Path):
    path = tmp_path / "bad.toml"
    path.write_text("[switch\n")
    with pytest.raises(InventoryError, match="bad.toml"):
        load(path)
