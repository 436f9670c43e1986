"""Entries printed for operators: names and widths from vtep_gateway.p4's real P4Info (compiled by p4sim)."""

from __future__ import annotations

from pathlib import Path

import finsy
import pytest

from gwctl.ctl_render import render, value_text, widths_of
from gwctl.pipelines import vtep_gateway as p4
from gwctl.reconcile import Entry, Kind
from tests.gwctl.p4sim_target import REPO, compile_program


@pytest.fixture(scope="module")
def widths(tmp_path_factory: pytest.TempPathFactory):
    program = compile_program(REPO / "p4src/vtep_gateway.p4", Path(tmp_path_factory.mktemp("p4")))
    return widths_of(finsy.P4Schema(program.p4info))


def test_values_print_as_what_they_are():
    assert value_text("dst_mac", p4.mac_int("02:00:00:00:00:aa"), 48) == "02:00:00:00:00:aa"
    assert value_text("remote_ip", p4.ip_int("198.18.1.1"), 32) == "198.18.1.1"
    assert value_text("vni", 5001, 24) == "5001"
    assert value_text("vni", 5001, None) == "5001"
    assert value_text("x", (10, 8), 32, "lpm") == "10/8"
    assert value_text("l4_dport", (80, 90), 16, "range") == "80..90"


def test_every_kind_renders_with_p4info_names(widths):
    assert render(p4.dmac_to_tunnel(1, "02:00:00:00:00:aa", 3, "198.18.1.1"), widths) == (
        "VtepIngress.l2.dmac dst_mac=02:00:00:00:00:aa ls_id=1 -> "
        "VtepIngress.l2.forward_to_tunnel(remote_ip=198.18.1.1, tunnel_id=3)")
    assert render(p4.underlay_route("198.18.0.0/15", 1), widths) == (
        "VtepIngress.underlay.underlay_nexthop remote_ip=198.18.0.0/15 -> group 1")
    assert render(p4.underlay_route("0.0.0.0/0", 1), widths) == (
        "VtepIngress.underlay.underlay_nexthop (empty key) -> group 1")
    acl = p4.acl_entry("ingress", 2, 10, False, p4.AclMatch(
        src_mac="02:00:00:00:00:01", ipv4_dst=("192.0.2.0", "255.255.255.0"), l4_dport=(80, 90)))
    text = render(acl, widths)
    assert text.startswith("VtepIngress.acl.acl_ingress acl_id=2 ipv4_dst=192.0.2.0&&&255.255.255.0 "
                           "l4_dport=80..90 src_mac=02:00:00:00:00:01&&&ff:ff:ff:ff:ff:ff priority=999990 -> ")
    assert render(p4.flood_group(5, [(1, 1), (10, 0x8001)]), widths) == (
        "multicast group 5 -> port/instance 1/1 10/32769")
    assert render(p4.ecmp_member(1, 10, "02:00:00:00:01:0a", "02:00:00:00:02:0a"), widths) == (
        "VtepIngress.underlay.underlay_ecmp_selector member 1 -> VtepIngress.underlay.set_underlay_nexthop("
        "dst_mac=02:00:00:00:02:0a, port=10, src_mac=02:00:00:00:01:0a)")
    assert render(p4.ecmp_group(1, [1, 2]), widths) == (
        "VtepIngress.underlay.underlay_ecmp_selector group 1 -> members 1(weight 1) 2(weight 1)")
    default = Entry(Kind.DEFAULT, p4.DMAC, (), 0, "VtepIngress.l2.flood", ())
    assert render(default, widths) == "VtepIngress.l2.dmac default -> VtepIngress.l2.flood()"
    clone = Entry(Kind.CLONE_SESSION, "", (7,), params=(("class_of_service", 0), ("packet_length_bytes", 0),
                                                         ("replicas", ((255, 0),))))
    assert render(clone, widths) == (
        "clone session 7 -> port/instance 255/0 class_of_service=0 packet_length_bytes=0")
