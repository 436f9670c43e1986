#!/usr/bin/env python3
"""gwctl's own CPU per stage of a bulk load, without ovsdb-server or a target.

    python3 bench/bench_gwctl_stages.py [--macs 100000] [--repeat 3]

bench_gwctl.py measures the whole path (real ovsdb-server, p4sim over gRPC);
its figure mixes gwctl's work with the server's. This one replays what
gwctl does with the 100,000-row monitor update, stage by stage, in one
process, so each stage's cost can be seen and changed on its own:

1. frame: the update as ovsdb-server sends it (JSON text, read in the chunk
   size of `ovs.stream`), through gwctl's framing parser and `json.loads`;
2. apply: the rows into the `VtepIndex` (what `_LeanMonitor` does);
3. flush: the index derives model changes;
4. incremental: `Incremental.update` validates and translates them;
5. reconcile: `reconcile_changes` against an empty target;
6. encode: every update to a P4Runtime `Update` (`WriteEncoder`), as the
   agent sends them.

Best of `--repeat` runs per stage, in seconds and microseconds per row.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
import uuid
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from gwctl.incremental import Incremental  # noqa: E402
from gwctl.inventory import from_dict  # noqa: E402
from gwctl.ovs_json import FastParser  # noqa: E402
from gwctl.p4rt import WriteEncoder, load_schema  # noqa: E402
from gwctl.reconcile import reconcile_changes  # noqa: E402
from gwctl.vtep_index import VtepIndex  # noqa: E402
from gwctl.vtepdb import _lean_value, lean_row_type  # noqa: E402

SWITCHES = 4
VTEPS = 8
CHUNK = 4096
"""ovs.stream reads at most this many bytes per recv."""

INVENTORY = from_dict({
    "switch": {"name": "gw1", "tunnel_ips": ["198.18.0.1"]},
    "port": [{"name": f"p{i}", "number": i} for i in range(1, SWITCHES + 1)],
    "uplink": [{"name": "up0", "number": 0, "mac": "02:00:00:00:01:00", "nexthop_mac": "02:00:00:00:02:00"}],
})


def base_rows(index: VtepIndex) -> tuple[list[str], list[str]]:
    """Our switch, its ports bound to SWITCHES logical switches, VTEPS locators: what the MAC rows refer to."""
    ls = [str(uuid.uuid4()) for _ in range(SWITCHES)]
    locs = [str(uuid.uuid4()) for _ in range(VTEPS)]
    ports = [str(uuid.uuid4()) for _ in range(SWITCHES)]
    for i, u in enumerate(ls):
        index.upsert("Logical_Switch", u, {"name": f"ls{i}", "description": "", "tunnel_key": [5000 + i],
                                           "replication_mode": []})
    for i, u in enumerate(locs):
        index.upsert("Physical_Locator", u, {"encapsulation_type": "vxlan_over_ipv4",
                                             "dst_ip": f"198.18.1.{i + 1}", "tunnel_key": []})
    for i, u in enumerate(ports):
        index.upsert("Physical_Port", u, {"name": f"p{i + 1}", "description": "", "vlan_bindings": {0: ls[i]},
                                          "acl_bindings": {}, "vlan_stats": {}, "port_fault_status": []})
    index.upsert("Physical_Switch", str(uuid.uuid4()), {
        "name": "gw1", "description": "", "ports": ports, "tunnel_ips": ["198.18.0.1"], "management_ips": [],
        "switch_fault_status": []})
    return ls, locs


def update_text(macs: int, ls: list[str], locs: list[str]) -> str:
    """The monitor update ovsdb-server sends for one transaction inserting `macs` Ucast_Macs_Remote rows."""
    rows = {}
    for i in range(macs):
        mac = f"02:{(i >> 24) & 0xff:02x}:{(i >> 16) & 0xff:02x}:{(i >> 8) & 0xff:02x}:{i & 0xff:02x}:01"
        rows[str(uuid.uuid4())] = {"new": {"MAC": mac, "logical_switch": ["uuid", ls[i % SWITCHES]],
                                           "locator": ["uuid", locs[i % VTEPS]], "ipaddr": ""}}
    return json.dumps({"id": None, "method": "update",
                       "params": ["gwctl-Ucast_Macs_Remote", {"Ucast_Macs_Remote": rows}]}, separators=(",", ":"))


def run_once(macs: int, schema) -> dict[str, float]:
    times: dict[str, float] = {}
    index = VtepIndex("gw1")
    ls, locs = base_rows(index)
    engine = Incremental(INVENTORY)
    engine.update(index.flush())
    engine.take_changes()
    text = update_text(macs, ls, locs)

    t = time.perf_counter()
    parser = FastParser()
    for start in range(0, len(text), CHUNK):
        parser.feed(text[start:start + CHUNK])
    msg = parser.finish()
    times["frame"] = time.perf_counter() - t
    assert isinstance(msg, dict), msg

    t = time.perf_counter()
    refs: dict[str, str] = {}
    columns = ("MAC", "logical_switch", "locator", "ipaddr")
    row_type = lean_row_type("Ucast_Macs_Remote", columns)
    for u, update in msg["params"][1]["Ucast_Macs_Remote"].items():
        new = update["new"]
        index.upsert("Ucast_Macs_Remote", u, row_type(_lean_value(new.get(c), refs) for c in columns))
    times["apply"] = time.perf_counter() - t

    t = time.perf_counter()
    changes = index.flush()
    times["flush"] = time.perf_counter() - t
    assert len(changes) == macs, len(changes)

    t = time.perf_counter()
    engine.update(changes)
    wanted = engine.take_changes()
    times["incremental"] = time.perf_counter() - t

    t = time.perf_counter()
    batches = reconcile_changes(wanted, {})
    times["reconcile"] = time.perf_counter() - t
    assert sum(map(len, batches)) >= macs, [len(b) for b in batches]   # + the new VTEPs' tunnel entries

    encoder = WriteEncoder(schema)
    t = time.perf_counter()
    for batch in batches:
        for update in batch:
            encoder.update(update)
    times["encode"] = time.perf_counter() - t
    return times


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--macs", type=int, default=100_000)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--p4info", type=Path, help="vtep_gateway P4Info (default: compiled from p4src/ by p4sim)")
    a = ap.parse_args()
    p4info = a.p4info
    if p4info is None:
        import subprocess
        import tempfile
        p4info = Path(tempfile.mkdtemp()) / "vtep.p4info.txtpb"
        subprocess.run([sys.executable, "-m", "p4sim.cli", "compile", str(REPO / "p4src/vtep_gateway.p4"),
                        "-I", str(REPO / "p4src/include"), "--p4info", str(p4info)], check=True)
    schema = load_schema(p4info)
    import gc
    best: dict[str, float] = {}
    for _ in range(a.repeat):
        gc.collect()
        for stage, secs in run_once(a.macs, schema).items():
            best[stage] = min(best.get(stage, secs), secs)
    total = sum(best.values())
    print(f"gwctl bulk path, {a.macs:,} Ucast_Macs_Remote rows, best of {a.repeat}:")
    for stage, secs in best.items():
        print(f"  {stage:12s} {secs:6.3f} s  {secs / a.macs * 1e6:6.2f} us/row")
    print(f"  {'total':12s} {total:6.3f} s  {total / a.macs * 1e6:6.2f} us/row")
    return 0


if __name__ == "__main__":
    sys.exit(main())
