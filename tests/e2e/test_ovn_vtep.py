"""End to end: OVN drives the P4 gateway through ovn-controller-vtep (issue #5, point 8).

All real: OVN central (NB and SB ovsdb-servers, ovn-northd), ovn-controller
on an OVS hypervisor with the userspace datapath, ovn-controller-vtep between
the SB and the gateway's hardware_vtep ovsdb-server, p4sim programmed only by
`gwctl run`, kernel IPv4 stacks in the hosts (demo/ovn.py). The operator
writes only `add-ls` and `bind-ls` in the vtep DB; everything else there
comes from ovn-controller-vtep. Built once for the module; the tests run in
file order (vm3's port is added, then deleted) and the last one tears it all
down and checks that nothing is left.
"""

from __future__ import annotations

import os
import shutil
import uuid
from pathlib import Path

import pytest

from bmv2.netns import netns_exists
from demo.lab import alive, wait_until
from demo.ovn import (
    OVN_TOOLS,
    VM3,
    VTEP_LSP,
    OvnTopology,
    as_list,
    vtep_port_commands,
)
from demo.topology import BM1, GW_TUNNEL_IP, HV_TUNNEL_IP, LOGICAL_SWITCH, SWITCH, VM1, VM2

pytestmark = [
    pytest.mark.skipif(os.geteuid() != 0, reason="needs root for network namespaces"),
    pytest.mark.timeout(240),
]


def test_ovn_tools_installed_by_setup():
    """scripts/install-deps.sh installs OVN; its absence is a broken set-up, not a reason to skip."""
    missing = [t for t in OVN_TOOLS if shutil.which(t) is None]
    assert not missing, f"missing {missing}: run scripts/install-deps.sh"


@pytest.fixture(scope="module", params=["vxlan", "geneve,vxlan"])
def topo(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory):
    """The OVN network under a unique name prefix, so it can run next to the demo or another test run.
    hv1 offers VXLAN only, then Geneve and VXLAN (the usual set-up: it must still pick VXLAN for the
    gateway, whose Chassis has only a vxlan Encap)."""
    topology = OvnTopology(Path(tmp_path_factory.mktemp("ovn")), prefix=f"ovn{uuid.uuid4().hex[:5]}-",
                           encap=request.param)
    with topology:
        topology.configure()
        yield topology


def test_ovn_controller_vtep_registers_the_gateway_as_a_chassis(topo: OvnTopology):
    chassis = topo.chassis(SWITCH)
    assert chassis is not None
    assert chassis["other_config"] == {"is-vtep": "true"}
    assert as_list(chassis["vtep_logical_switches"]) == [LOGICAL_SWITCH]
    assert topo.central is not None
    encaps = topo.central.sb_rows("Encap", f"chassis_name={SWITCH}")
    assert [e["_uuid"] for e in encaps] == as_list(chassis["encaps"])
    assert [(e["type"], e["ip"]) for e in encaps] == [("vxlan", GW_TUNNEL_IP)]   # gwctl's tunnel_ips
    # hv1 offers its encaps; towards the gateway its ovn-controller builds a VXLAN port all the same
    hv1 = topo.central.sb_rows("Encap", "chassis_name=hv1")
    assert sorted(e["type"] for e in hv1) == sorted(topo.encap.split(","))
    assert topo.hv is not None
    wait_until(lambda: topo.hv.vsctl("--bare", "--columns=type", "find", "Interface",
                                     f'options:remote_ip="{GW_TUNNEL_IP}"') == "vxlan",
               "ovn-controller's VXLAN port to the gateway on hv1", timeout=30)
    # the NB vtep port is bound to the gateway's chassis, and marked up
    binding = topo.port_binding(VTEP_LSP)
    assert binding["type"] == "vtep"
    assert binding["chassis"] == chassis["_uuid"]
    assert binding["up"] is True


def test_ovn_controller_vtep_fills_the_vtep_database(topo: OvnTopology):
    # Logical_Switch: the OVN datapath's tunnel key (the VNI both ways) and source-node replication
    key = topo.datapath_key()
    assert topo.ls_tunnel_key() == key
    assert topo.vtep_ctl("get", "Logical_Switch", LOGICAL_SWITCH, "replication_mode") == "source_node"
    # the VMs bound on hv1, behind hv1's VXLAN encap IP; BUM to hv1
    assert topo.remote_macs() == {VM1.mac: HV_TUNNEL_IP, VM2.mac: HV_TUNNEL_IP}
    assert topo.mcast_remote_locators() == [HV_TUNNEL_IP]
    # and gwctl realized it: the switch holds the VMs' MACs and nothing the database does not ask for
    wait_until(lambda: {VM1.mac, VM2.mac} <= topo.gateway_dmac_macs(), "gwctl writing the VMs' dmac entries", 30)
    assert topo.gateway is not None
    wait_until(topo.gateway.in_sync, "gwctl diff: in sync", timeout=30)


def test_bm1_and_the_vms_ping_each_other_over_vxlan(topo: OvnTopology):
    with topo.capture("hv1", "udp port 4789") as wire:
        topo.wait_for_ping(BM1, VM1)
    text = wire.read_text()
    assert any(f"who-has {VM1.ip} tell {BM1.ip}" in line for line in text.splitlines()), text
    assert f"vni {topo.datapath_key()}" in text, text
    for vm in (VM1, VM2):
        topo.wait_for_ping(BM1, vm)
        replies, out = topo.ping(BM1, vm, count=3)
        assert replies == 3, out
        replies, out = topo.ping(vm, BM1, count=3)    # from the hypervisor's side: OVN tunnels to the gateway
        assert replies == 3, out
    # both directions cross the underlay in VXLAN with OVN's key: requests arrive at the gateway's uplink
    # from hv1's tunnel IP (OVN's tunnel), replies at hv1 from the gateway's
    vni = f"vni {topo.datapath_key()}"
    with topo.capture("gw", "udp port 4789", iface="up0") as at_gw, topo.capture("hv1", "udp port 4789") as at_hv:
        replies, out = topo.ping(VM2, BM1, count=2)
    assert replies == 2, out
    requests = [outer for outer, inner in _vxlan(at_gw) if f"{VM2.ip} > {BM1.ip}: ICMP echo request" in inner]
    answers = [outer for outer, inner in _vxlan(at_hv) if f"{BM1.ip} > {VM2.ip}: ICMP echo reply" in inner]
    assert len(requests) == 2, at_gw.read_text()
    assert all(f"{HV_TUNNEL_IP}." in o and f"> {GW_TUNNEL_IP}.4789" in o and vni in o for o in requests), requests
    assert len(answers) == 2, at_hv.read_text()
    assert all(f"{GW_TUNNEL_IP}." in o and f"> {HV_TUNNEL_IP}.4789" in o and vni in o for o in answers), answers


def test_bm1_mac_learned_by_the_gateway_and_reached_by_ovn_as_unknown(topo: OvnTopology):
    topo.wait_for_ping(BM1, VM1)
    wait_until(lambda: BM1.mac in topo.local_macs(), "gwctl reporting bm1's MAC", timeout=30)
    assert f"{BM1.mac} -> vxlan_over_ipv4/{GW_TUNNEL_IP}" in topo.local_macs()
    # ovn-controller-vtep does not read Ucast_Macs_Local (controller-vtep/vtep.c), and OVN does not learn
    # on vtep ports (northd sends their packets past ls_in_put_fdb): no FDB or MAC_Binding row for bm1.
    # OVN reaches bm1 because the vtep port's address is `unknown`: it is the _MC_unknown group.
    assert topo.central is not None
    assert [row for row in topo.central.sb_rows("FDB") if row["mac"] == BM1.mac] == []
    assert [row for row in topo.central.sb_rows("MAC_Binding") if row["mac"] == BM1.mac] == []
    vtep_port = topo.port_binding(VTEP_LSP)
    unknown = topo.central.sb_rows("Multicast_Group", "name=_MC_unknown")
    assert [as_list(group["ports"]) for group in unknown] == [[vtep_port["_uuid"]]]
    assert as_list(vtep_port["mac"]) == ["unknown"]


def test_gwctl_restart_under_ovn_rewrites_nothing(topo: OvnTopology):
    """The agent restarts next to ovn-controller-vtep: same Physical_Switch, so the same SB Chassis and
    binding; the entries are read back from the switch and nothing is written."""
    assert topo.gateway is not None
    gateway = topo.gateway
    chassis = topo.chassis(SWITCH)
    assert chassis is not None
    gateway.stop_agent()
    replies, out = topo.ping(BM1, VM1, count=2, wait=1.0)
    assert replies == 2, out    # the entries live in the switch
    log_size = gateway.agent_log.stat().st_size
    gateway.start_agent()
    wait_until(lambda: "learned MACs known" in gateway.agent_log.read_text()[log_size:], "gwctl reading back", 30)
    wait_until(gateway.in_sync, "gwctl diff: in sync", timeout=30)
    after = gateway.agent_log.read_text()[log_size:]
    assert [line for line in after.splitlines() if "agent: writing" in line] == [], after
    again = topo.chassis(SWITCH)
    assert again is not None and again["_uuid"] == chassis["_uuid"]
    assert topo.port_binding(VTEP_LSP)["chassis"] == chassis["_uuid"]
    replies, out = topo.ping(VM2, BM1, count=2)
    assert replies == 2, out


def test_vm_port_added_later_in_nb_becomes_reachable(topo: OvnTopology):
    # vm3 is plugged into br-int with its iface-id from the start, but not yet a port of the OVN switch
    assert VM3.mac not in topo.remote_macs()
    replies, out = topo.ping(BM1, VM3, count=1, wait=1.0)
    assert replies == 0, out
    vtep_before = _operator_rows(topo)
    topo.add_vm_port(VM3)   # NB only: nothing is written to the vtep DB by hand
    wait_until(lambda: topo.remote_macs().get(VM3.mac) == HV_TUNNEL_IP,
               "ovn-controller-vtep adding vm3's Ucast_Macs_Remote", timeout=60)
    wait_until(lambda: VM3.mac in topo.gateway_dmac_macs(), "gwctl writing vm3's dmac entry", timeout=30)
    topo.wait_for_ping(BM1, VM3)
    replies, out = topo.ping(BM1, VM3, count=3)
    assert replies == 3, out
    replies, out = topo.ping(VM3, BM1, count=3)
    assert replies == 3, out
    assert _operator_rows(topo) == vtep_before


def test_deleting_the_vm_port_withdraws_its_mac(topo: OvnTopology):
    assert VM3.mac in topo.remote_macs()
    topo.delete_vm_port(VM3)
    wait_until(lambda: VM3.mac not in topo.remote_macs(),
               "ovn-controller-vtep deleting vm3's Ucast_Macs_Remote", timeout=60)
    wait_until(lambda: VM3.mac not in topo.gateway_dmac_macs(), "gwctl deleting vm3's dmac entry", timeout=30)
    assert topo.gateway is not None
    wait_until(topo.gateway.in_sync, "gwctl diff: in sync", timeout=30)
    assert {VM1.mac, VM2.mac} <= topo.gateway_dmac_macs()
    replies, out = topo.ping(BM1, VM3, count=2, wait=1.0)
    assert replies == 0, out
    replies, out = topo.ping(BM1, VM1, count=2)
    assert replies == 2, out


def test_deleting_the_vtep_port_detaches_the_gateway_and_adding_it_back_restores_it(topo: OvnTopology):
    assert topo.central is not None and topo.gateway is not None
    topo.central.nbctl("lsp-del", VTEP_LSP)
    # ovn-controller-vtep resets an unused logical switch's key to 0 (not to empty) and withdraws the MACs
    wait_until(lambda: topo.ls_tunnel_key() == 0, "ovn-controller-vtep resetting ls0's tunnel_key", timeout=60)
    wait_until(lambda: not topo.remote_macs() and not topo.mcast_remote_locators(),
               "ovn-controller-vtep deleting the remote MACs", timeout=60)
    wait_until(lambda: not {VM1.mac, VM2.mac} & topo.gateway_dmac_macs(), "gwctl deleting the VMs' entries", 30)
    wait_until(topo.gateway.in_sync, "gwctl diff: in sync", timeout=30)
    replies, out = topo.ping(BM1, VM1, count=2, wait=1.0)
    assert replies == 0, out
    # the same NB commands bring it back, possibly under another key
    for args in vtep_port_commands():
        topo.central.nbctl(*args)
    wait_until(lambda: topo.ls_tunnel_key() == topo.datapath_key(), "ls0 keyed again", timeout=60)
    wait_until(lambda: {VM1.mac, VM2.mac} <= topo.gateway_dmac_macs(), "gwctl writing the VMs' entries", 30)
    topo.wait_for_ping(BM1, VM1)
    replies, out = topo.ping(BM1, VM2, count=3)
    assert replies == 3, out


def test_teardown_leaves_no_namespace_or_process(topo: OvnTopology):
    names, pids = topo.namespace_names(), topo.lab.pids()
    # central: 2 ovsdb-servers, ovn-northd; hv1: ovsdb-server, ovs-vswitchd, ovn-controller;
    # gw: vtep ovsdb-server, p4sim, gwctl, ovn-controller-vtep
    assert len(pids) == 10, pids
    topo.close()
    assert [n for n in names if netns_exists(n)] == []
    assert [p for p in pids if alive(p)] == []


def _vxlan(capture: Path) -> list[tuple[str, str]]:
    """(outer, inner) line pairs of tcpdump's text for VXLAN: it prints the tenant frame on the next line."""
    lines = capture.read_text().splitlines()
    return [(outer, inner) for outer, inner in zip(lines, lines[1:], strict=False) if "VXLAN" in outer]


def _operator_rows(topo: OvnTopology) -> tuple[str, str]:
    """What the operator owns in the vtep DB: the logical switches and the port's bindings."""
    return (topo.vtep_ctl("list-ls"), topo.vtep_ctl("list-bindings", SWITCH, "p1"))



