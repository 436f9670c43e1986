"""End to end: the P4 gateway joins a bare-metal host and an OVS hypervisor's VMs in one overlay.

The topology of `make demo` (demo/topology.py), all real: p4sim running
vtep_gateway.p4 and programmed only by `gwctl run`, a hardware_vtep
ovsdb-server configured with vtep-ctl, ovs-vswitchd with the userspace
datapath and VXLAN on the hypervisor, kernel IPv4 stacks in the hosts. Built
once for the module (it takes seconds); the tests run in file order, the
unbind test changes the configuration and the last one tears it all down and
checks that nothing is left.
"""

from __future__ import annotations

import os
import shutil
import uuid
from pathlib import Path

import pytest

from bmv2.netns import netns_exists
from demo.lab import alive, wait_until
from demo.topology import ACCESS_PORT, BM1, GW_TUNNEL_IP, SWITCH, VM1, VM2, Topology

pytestmark = [
    pytest.mark.skipif(os.geteuid() != 0, reason="needs root for network namespaces"),
    pytest.mark.timeout(240),
]


def test_tools_installed_by_setup():
    """make setup installs these; their absence is a broken set-up, not a reason to skip the e2e tests."""
    missing = [t for t in ("ovs-vswitchd", "ovsdb-server", "vtep-ctl", "tcpdump") if shutil.which(t) is None]
    assert not missing, f"missing {missing}: run scripts/install-deps.sh"
    assert os.path.exists("/dev/net/tun"), "OVS's userspace datapath needs /dev/net/tun"


@pytest.fixture(scope="module")
def topo(tmp_path_factory: pytest.TempPathFactory):
    """The demo network under a unique name prefix, so it can run next to `make demo` or another test run."""
    topology = Topology(Path(tmp_path_factory.mktemp("e2e")), prefix=f"e2e{uuid.uuid4().hex[:5]}-")
    with topology:
        topology.configure()
        yield topology


def test_bm1_and_the_vms_ping_each_other_through_the_gateway(topo: Topology):
    # the first ping's ARP broadcast is flooded by the gateway to the hypervisor, in VXLAN with VNI 5000
    with topo.capture("hv1", "udp port 4789") as wire:
        topo.wait_for_ping(BM1, VM1)
    assert any(f"who-has {VM1.ip} tell {BM1.ip}" in line for line in wire.read_text().splitlines()), \
        wire.read_text()
    assert "vni 5000" in wire.read_text()
    for vm in (VM1, VM2):
        topo.wait_for_ping(BM1, vm)
        replies, out = topo.ping(BM1, vm, count=3)
        assert replies == 3, out
    replies, out = topo.ping(VM1, BM1, count=3)   # and from the hypervisor's side
    assert replies == 3, out
    replies, out = topo.ping(BM1, VM2, count=2, size=1472)   # full 1500-byte packets fit the 1600 underlay
    assert replies == 2, out
    # it went through the tunnel: the hypervisor learned bm1 behind its VXLAN port
    assert topo.hv is not None
    assert ("vxlan0", 0, BM1.mac) in topo.hv.fdb("br-int")


def test_bare_metal_mac_is_reported_as_ucast_macs_local(topo: Topology):
    topo.wait_for_ping(BM1, VM1)   # bm1 has sent something, so the data plane has seen its MAC
    wait_until(lambda: BM1.mac in topo.local_macs(), "gwctl reporting bm1's MAC", timeout=30)
    assert f"{BM1.mac} -> vxlan_over_ipv4/{GW_TUNNEL_IP}" in topo.local_macs()
    assert topo.vtep_ctl("--bare", "--columns=MAC", "find", "Ucast_Macs_Local", f'MAC="{BM1.mac}"') == BM1.mac


def test_unbinding_the_port_cuts_bm1_off(topo: Topology):
    topo.wait_for_ping(BM1, VM1)
    topo.vtep_ctl("unbind-ls", SWITCH, ACCESS_PORT, str(topo.vlan))
    wait_until(lambda: "unknown-dst" not in topo.local_macs(), "gwctl removing the binding", timeout=30)
    replies, out = topo.ping(BM1, VM1, count=3, wait=1.0)
    assert replies == 0, out
    assert BM1.mac not in topo.local_macs()


def test_teardown_leaves_no_namespace_or_process(topo: Topology):
    names, pids = topo.namespace_names(), topo.lab.pids()
    assert len(pids) == 5, pids   # 2 ovsdb-servers, ovs-vswitchd, p4sim, gwctl
    topo.close()
    assert [n for n in names if netns_exists(n)] == []
    assert [p for p in pids if alive(p)] == []


