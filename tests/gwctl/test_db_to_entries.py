"""From rows written with vtep-ctl to the entries of vtep_gateway.p4, through the real adapter."""

from gwctl.pipelines import vtep_gateway as p4
from gwctl.reconcile import apply, reconcile
from gwctl.translate import translate
from gwctl.validate import validate
from gwctl.vtepdb import VtepDb
from tests.gwctl.test_translate import INV, one, params

HV1 = "198.18.1.1"
MAC1 = "00:00:5e:00:53:01"


def test_vtep_ctl_rows_become_entries_and_changes_become_minimal_updates(vtep_server):
    db = VtepDb(vtep_server.unix_remote, "gw1")
    try:
        db.run_until(lambda: db.synced, 10)
        db.register_switch(INV.tunnel_ips, ports=sorted(INV.access_ports))
        ctl = vtep_server.vtep_ctl
        ctl("add-ls", "ls1")
        ctl("set", "Logical_Switch", "ls1", "tunnel_key=5001")
        ctl("bind-ls", "gw1", "p1", "100", "ls1")
        ctl("add-ucast-remote", "ls1", MAC1, HV1)
        ctl("add-mcast-remote", "ls1", "unknown-dst", HV1)
        db.run_until(lambda: ("ls1", "unknown-dst") in db.desired.mcast_macs_remote, 10)

        checked = validate(db.desired, p4.CAPABILITIES)
        first = translate(checked.state, [], INV)
        ls_id = first.ids.ls["ls1"]
        assert params(one(first.entries, p4.PORT_VLAN_TO_LS, ingress_port=1, vid=100))["ls_id"] == ls_id
        assert params(one(first.entries, p4.DMAC, dst_mac=p4.mac_int(MAC1)))["remote_ip"] == p4.ip_int(HV1)
        db.write_faults(checked.faults + first.faults)

        # the NVC moves the VM to another hypervisor: one dmac entry changes, plus the new tunnel
        ctl("add-ucast-remote", "ls1", MAC1, "198.18.1.2")
        db.run_until(lambda: db.desired.ucast_macs_remote[("ls1", MAC1)].locator.dst_ip == "198.18.1.2", 10)
        second = translate(validate(db.desired, p4.CAPABILITIES).state, [], INV, first.ids)
        batches = reconcile(second.entries, first.entries)
        changed = {(u.op.value, u.entry.table) for b in batches for u in b}
        assert ("MODIFY", p4.DMAC) in changed
        assert ("INSERT", p4.TUNNEL_ENCAP) in changed
        assert all(t != p4.PORT_VLAN_TO_LS for _op, t in changed), "the binding did not change"
        assert apply(first.entries, [u for b in batches for u in b]) == second.entries

        # a binding to a VLAN the pipeline can take but on a port this box does not have: a port fault
        ctl("add-port", "gw1", "p9")
        ctl("bind-ls", "gw1", "p9", "5", "ls1")
        db.run_until(lambda: "p9" in db.desired.ports and db.desired.ports["p9"].vlan_bindings, 10)
        third = translate(validate(db.desired, p4.CAPABILITIES).state, [], INV, second.ids)
        db.write_faults(third.faults)
        assert ctl("get", "Physical_Port", "p9", "port_fault_status") == "[unspecified_fault]"
        ctl("unbind-ls", "gw1", "p9", "5")
        db.run_until(lambda: not db.desired.ports["p9"].vlan_bindings, 10)
        db.write_faults(translate(validate(db.desired, p4.CAPABILITIES).state, [], INV, third.ids).faults)
        assert ctl("get", "Physical_Port", "p9", "port_fault_status") == "[]"
    finally:
        db.close()
