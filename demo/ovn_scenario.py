"""`python3 -m demo --ovn`: the demo's story with OVN, not the operator, writing the vtep database.

Builds `demo.ovn.OvnTopology` and shows what ovn-controller-vtep writes on
each side (SB Chassis and Port_Binding, vtep Logical_Switch key and MACs),
packets both ways over OVN's VXLAN tunnel, what happens to the bare-metal MAC
the gateway learns, and a VM port added and deleted in the NB only.
"""

from __future__ import annotations

from demo.lab import wait_until
from demo.ovn import VM3, VTEP_LSP, OvnTopology, as_list, nb_commands
from demo.scenario import Checks, _indent, _section
from demo.topology import BM1, GW_TUNNEL_IP, HV_TUNNEL_IP, LOGICAL_SWITCH, SWITCH, VM1, VM2


def ovn_scenario(topo: OvnTopology, check: Checks) -> None:
    """Each step prints what it did and what the daemons wrote, and records a check."""
    assert topo.central is not None and topo.gateway is not None
    bm1, hv1 = topo.name(BM1.name), topo.name("hv1")

    _section(f"2. The cloud (NB) and the operator (vtep DB): {bm1} joins OVN switch net0 through {SWITCH}")
    print(f"  NB: {len(nb_commands())} ovn-nbctl commands; vtep DB: 2 vtep-ctl commands")
    topo.configure(echo=lambda cmd: print(f"  $ {cmd}", flush=True))
    wait_until(topo.gateway.in_sync, "gwctl diff: the switch in sync with the database", timeout=60)
    print("  $ ovn-sbctl show      # gw1 registered by ovn-controller-vtep, its vtep port bound there")
    print(_indent(topo.central.sbctl("show")))
    print(f"  $ vtep-ctl list-remote-macs {LOGICAL_SWITCH}      # written by ovn-controller-vtep")
    print(_indent(topo.vtep_ctl("list-remote-macs", LOGICAL_SWITCH)))
    key = topo.datapath_key()
    print(f"  Logical_Switch {LOGICAL_SWITCH}: tunnel_key={topo.ls_tunnel_key()} (SB datapath key {key}),"
          f" replication_mode={topo.vtep_ctl('get', 'Logical_Switch', LOGICAL_SWITCH, 'replication_mode')}")
    check(f"ovn-controller-vtep set {LOGICAL_SWITCH}'s tunnel_key to OVN's datapath key {key}",
          topo.ls_tunnel_key() == key)
    check("ovn-controller-vtep wrote the VMs' Ucast_Macs_Remote behind hv1's tunnel IP",
          topo.remote_macs() == {VM1.mac: HV_TUNNEL_IP, VM2.mac: HV_TUNNEL_IP})
    print(f"  $ gwctl status --p4rt {topo.gateway.p4rt} ...")
    print(_indent(topo.gateway.gwctl("status")))

    _section(f"3. {bm1} and the VMs ping each other over OVN's VXLAN tunnel (VNI {key})")
    with topo.capture("hv1", "udp port 4789") as wire:
        topo.wait_for_ping(BM1, VM1)
    lines = wire.read_text().splitlines()
    print(f"  tcpdump -i eth0 on {hv1} (underlay, first frames from the gateway):")
    print(_indent("\n".join(lines[2:6]) or "-"))
    check(f"bm1's traffic reached {hv1} in VXLAN with VNI {key}", any(f"vni {key}" in line for line in lines))
    for src, dst in ((BM1, VM1), (BM1, VM2), (VM1, BM1), (VM2, BM1)):
        topo.wait_for_ping(src, dst)
        replies, out = topo.ping(src, dst, count=3)
        print(f"  $ ip netns exec {topo.name(src.name)} ping -c 3 {dst.ip}\n{_indent(out)}")
        check(f"{src.name} -> {dst.name} ({dst.ip}): {replies}/3 replies", replies == 3)

    _section("4. bm1's MAC: learned by the gateway, reached by OVN as `unknown`")
    wait_until(lambda: BM1.mac in topo.local_macs(), "gwctl reporting bm1's MAC", timeout=30)
    print(f"  $ vtep-ctl list-local-macs {LOGICAL_SWITCH}      # gwctl, from the data plane's digest")
    print(_indent(topo.local_macs()))
    check(f"{BM1.mac} in Ucast_Macs_Local behind {GW_TUNNEL_IP}",
          f"{BM1.mac} -> vxlan_over_ipv4/{GW_TUNNEL_IP}" in topo.local_macs())
    fdb = [row for row in topo.central.sb_rows("FDB") if row["mac"] == BM1.mac]
    unknown = topo.central.sb_rows("Multicast_Group", "name=_MC_unknown")
    vtep_port = topo.port_binding(VTEP_LSP)
    print("  ovn-controller-vtep does not read Ucast_Macs_Local, and OVN does not learn on vtep ports:"
          f" SB FDB rows for bm1: {len(fdb)}; OVN sends unknown MACs to _MC_unknown = [{VTEP_LSP}]")
    check("OVN reaches bm1 through the vtep port's `unknown` address",
          not fdb and [as_list(g["ports"]) for g in unknown] == [[vtep_port["_uuid"]]])

    _section("5. A VM port added in the NB only: reachable, no vtep-ctl")
    print(f"  $ ovn-nbctl lsp-add net0 {VM3.name} -- lsp-set-addresses {VM3.name} '{VM3.mac} {VM3.ip}'")
    topo.add_vm_port(VM3)
    wait_until(lambda: VM3.mac in topo.remote_macs(), "ovn-controller-vtep adding vm3", timeout=60)
    print(_indent(topo.vtep_ctl("list-remote-macs", LOGICAL_SWITCH)))
    topo.wait_for_ping(BM1, VM3)
    replies, out = topo.ping(BM1, VM3, count=3)
    print(f"  $ ip netns exec {bm1} ping -c 3 {VM3.ip}\n{_indent(out)}")
    check(f"bm1 -> vm3 after its NB port was added: {replies}/3 replies", replies == 3)

    _section("6. The VM port deleted in the NB: its MAC leaves the vtep DB and the switch")
    print(f"  $ ovn-nbctl lsp-del {VM3.name}")
    topo.delete_vm_port(VM3)
    wait_until(lambda: VM3.mac not in topo.remote_macs(), "ovn-controller-vtep deleting vm3", timeout=60)
    wait_until(lambda: VM3.mac not in topo.gateway_dmac_macs(), "gwctl deleting vm3's dmac entry", timeout=30)
    print(f"  $ gwctl entries --p4rt {topo.gateway.p4rt} dmac      # MACs on the switch")
    print(_indent("\n".join(sorted(topo.gateway_dmac_macs()))))
    replies, _ = topo.ping(BM1, VM3, count=2, wait=1.0)
    check(f"vm3's Ucast_Macs_Remote and dmac entry gone, bm1 -> vm3 fails ({replies}/2 replies)", replies == 0)
