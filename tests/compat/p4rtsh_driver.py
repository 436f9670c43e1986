"""Runs inside the p4runtime-shell virtual environment (protobuf < 3.21), not
the project's: drives a P4Runtime server with p4runtime_sh.shell as a library
and prints what it saw as JSON, for the test in the project's environment to
check. Arguments: GRPC_ADDR DEVICE_ID P4INFO DEVICE_CONFIG."""

import base64
import json
import sys

import p4runtime_sh.shell as sh


def dump(table):
    """Entries as read by the shell, serialized so that the test can decode
    them with the project's own (current) protobuf stubs."""
    return [base64.b64encode(te.msg().SerializeToString()).decode() for te in sh.TableEntry(table).read()]


def main():
    addr, device_id, p4info, config = sys.argv[1:5]
    sh.setup(device_id=int(device_id), grpc_addr=addr, election_id=(0, 1),
             config=sh.FwdPipeConfig(p4info, config))
    report = {}
    try:
        te = sh.TableEntry("dmac")(action="to_port")
        te.match["hdr.ethernet.dst"] = "02:00:00:00:00:0a"
        te.action["port"] = "3"
        te.insert()
        acl = sh.TableEntry("acl")(action="drop")
        acl.match["hdr.ethernet.src"] = "02:00:00:00:00:00&&&ff:ff:ff:00:00:00"
        acl.match["hdr.ethernet.ether_type"] = "0x0800..0x08ff"
        acl.priority = 10
        acl.insert()
        report["after_insert"] = {"dmac": dump("dmac"), "acl": dump("acl")}
        te.action["port"] = "4"
        te.modify()
        report["after_modify"] = dump("dmac")
        te.delete()
        acl.delete()
        report["after_delete"] = {"dmac": dump("dmac"), "acl": dump("acl")}
    finally:
        sh.teardown()
    print(json.dumps(report))


if __name__ == "__main__":
    main()
