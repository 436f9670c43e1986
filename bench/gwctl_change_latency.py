#!/usr/bin/env python3
"""One Ucast_Macs_Remote change at N MACs: what gwctl's decision costs, what the target costs, end to end.

    python3 bench/gwctl_change_latency.py compute [--macs 100000] [--changes 200] [--profile out.prof]
    python3 bench/gwctl_change_latency.py e2e     [--macs 100000] [--changes 200] [--profile out.prof]

compute: in this process, no I/O. The full reference (validate + translate
+ reconcile of the whole state, what every change cost before the
incremental layer) against `gwctl.incremental` (load once, then one row
added or removed per change, reconciled against the realized entries);
RSS of the process holding the model, the translation and the realized
entries.

e2e: a real ovsdb-server (tests/gwctl/vtep_server.py), p4sim's P4Runtime
server in this process (so realization is seen in the engine without reads),
`gwctl run` as its own process. Initial sync: N rows in one transact until
the dmac table holds them all; then single-row inserts, each timed from its
transact until the dmac entry is in the target; the agent's RSS.

A quick measuring script for issue #5, not a test and not the benchmark
(bench/bench_gwctl.py is).
"""

from __future__ import annotations

import argparse
import cProfile
import json
import math
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

N_LS, N_VTEPS = 4, 8
DMAC = "VtepIngress.l2.dmac"


def mac_str(m: int) -> str:
    return ":".join(f"{b:02x}" for b in m.to_bytes(6, "big"))


def pct(values: list[float], p: float) -> float:
    s = sorted(values)
    return s[max(0, min(len(s) - 1, math.ceil(p / 100 * len(s)) - 1))]


def ms(values: list[float]) -> str:
    return f"median {statistics.median(values) * 1e3:.2f} ms, p99 {pct(values, 99) * 1e3:.2f} ms"


def rss_mb(pid: int | None = None) -> tuple[float, float]:
    """(VmRSS, VmHWM) in MB."""
    out = {}
    for line in Path(f"/proc/{pid or 'self'}/status").read_text().splitlines():
        name, _, value = line.partition(":")
        if name in ("VmRSS", "VmHWM"):
            out[name] = int(value.split()[0]) / 1024
    return out["VmRSS"], out["VmHWM"]


# ------------------------------------------------------------------ compute


def run_compute(macs: int, changes: int, profile: Path | None) -> None:
    from gwctl.agent import compute, tune_gc
    from gwctl.incremental import Incremental, ModelChange
    from gwctl.inventory import from_dict
    from gwctl.model import (
        DesiredState,
        FrozenMap,
        LogicalSwitch,
        PhysicalLocator,
        PhysicalPort,
        PhysicalSwitch,
        UcastMacRemote,
    )
    from gwctl.reconcile import apply_to, reconcile_changes
    from gwctl.translate import Ids

    tune_gc()
    inv = from_dict({"switch": {"name": "gw1", "tunnel_ips": ["198.18.0.1"]},
                     "port": [{"name": f"p{i}", "number": i} for i in range(1, N_LS + 1)],
                     "uplink": [{"name": "up1", "number": 9, "mac": "02:00:00:00:00:09",
                                 "nexthop_mac": "02:00:00:00:ff:01"}]})
    locs = [PhysicalLocator(f"198.18.1.{t}") for t in range(1, N_VTEPS + 1)]
    ucast = {}
    for i in range(macs):
        mac, ls = mac_str(0x0A0000000000 + i), f"ls{1 + i % N_LS}"
        ucast[(ls, mac)] = UcastMacRemote(mac, ls, locs[i % N_VTEPS])
    state = DesiredState(
        PhysicalSwitch("gw1", frozenset({"198.18.0.1"})),
        FrozenMap({f"p{i}": PhysicalPort(f"p{i}", FrozenMap({100 + i: f"ls{i}"})) for i in range(1, N_LS + 1)}),
        FrozenMap({f"ls{i}": LogicalSwitch(f"ls{i}", 5000 + i) for i in range(1, N_LS + 1)}),
        FrozenMap(ucast))
    base_rss = rss_mb()[0]
    print(f"{macs} MACs; model built, RSS {base_rss:.0f} MB")

    t0 = time.perf_counter()
    full = compute(state, frozenset(), inv, Ids(), frozenset())
    t_full = time.perf_counter() - t0
    print(f"reference compute (validate + translate + reconcile), whole state: {t_full:.2f} s, "
          f"{len(full.entries)} entries")
    extra = mac_str(0x0C0000000000)
    changed = DesiredState(state.switch, state.ports, state.logical_switches,
                           state.ucast_macs_remote.set(("ls1", extra), UcastMacRemote(extra, "ls1", locs[0])))
    t0 = time.perf_counter()
    one = compute(changed, frozenset(), inv, full.ids, full.entries)
    print(f"reference compute, one row added: {time.perf_counter() - t0:.2f} s ({sum(map(len, one.batches))} update)")
    del one, changed

    t0 = time.perf_counter()
    inc = Incremental(inv)
    inc.load(state)
    realized = {}
    for batch in reconcile_changes(inc.index(), realized):
        apply_to(realized, batch)
    inc.take_changes()
    print(f"incremental load + reconcile (initial sync decision): {time.perf_counter() - t0:.2f} s")
    del full
    samples = []
    prof = cProfile.Profile() if profile else None
    for c in range(changes):
        mac = mac_str(0x0C0000000000 + c // 2)
        key = ("ls1", mac)
        new = UcastMacRemote(mac, "ls1", locs[c % N_VTEPS]) if c % 2 == 0 else None
        t0 = time.perf_counter()
        if prof:
            prof.enable()
        inc.update([ModelChange(("ucast", key), new)])
        batches = reconcile_changes(inc.take_changes(), realized)
        for batch in batches:
            apply_to(realized, batch)
        if prof:
            prof.disable()
        samples.append(time.perf_counter() - t0)
        assert sum(map(len, batches)) == 1, batches
    print(f"incremental, one row added or removed, decision incl. reconcile: {ms(samples)} ({changes} changes)")
    rss, hwm = rss_mb()
    print(f"RSS holding state + incremental translation + realized entries: {rss:.0f} MB (peak {hwm:.0f} MB)")
    if prof and profile:
        prof.dump_stats(profile)


# ------------------------------------------------------------------ e2e


class Rpc:
    """Minimal OVSDB JSON-RPC client (transact) on a unix socket."""

    def __init__(self, path: Path) -> None:
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.connect(str(path))
        self.buf = ""
        self.dec = json.JSONDecoder()
        self.n = 0

    def transact(self, *ops: dict) -> list:
        self.n += 1
        self.sock.sendall(json.dumps({"method": "transact", "params": ["hardware_vtep", *ops], "id": self.n}).encode())
        while True:
            text = self.buf.lstrip()
            try:
                msg, end = self.dec.raw_decode(text)
                self.buf = text[end:]
            except json.JSONDecodeError:
                chunk = self.sock.recv(1 << 20)
                if not chunk:
                    raise RuntimeError("ovsdb-server closed the connection") from None
                self.buf += chunk.decode()
                continue
            if msg.get("method") == "echo":
                self.sock.sendall(json.dumps({"id": msg["id"], "result": msg["params"], "error": None}).encode())
            elif msg.get("id") == self.n:
                errors = [r for r in msg["result"] if isinstance(r, dict) and "error" in r]
                if errors:
                    raise RuntimeError(f"transact: {errors[:2]}")
                return msg["result"]

    def uuids(self, table: str, column: str) -> dict[str, str]:
        (res,) = self.transact({"op": "select", "table": table, "where": [], "columns": ["_uuid", column]})
        return {row[column]: row["_uuid"][1] for row in res["rows"]}


def compile_big(out: Path) -> tuple[Path, Path]:
    copy = out / "p4src"
    shutil.copytree(REPO / "p4src", copy, ignore=shutil.ignore_patterns("examples", "tools"))
    size = copy / "include/size.p4"
    size.write_text(size.read_text().replace("#define MAC_TABLE_SIZE             65536",
                                             "#define MAC_TABLE_SIZE             131072"))
    p4info, cfg = out / "vtep.p4info.txtpb", out / "vtep.p4sim"
    subprocess.run(["p4sim", "compile", str(copy / "vtep_gateway.p4"), "-I", str(copy / "include"),
                    "--p4info", str(p4info), "--device-config", str(cfg)], check=True, timeout=300)
    return p4info, cfg


def run_e2e(macs: int, changes: int, profile: Path | None) -> None:
    from p4sim.runtime.dataplane import Dataplane
    from p4sim.runtime.server import serve
    from tests.gwctl.vtep_server import VtepServer

    work = Path(tempfile.mkdtemp(prefix="gwctl-latency-"))
    p4info, devcfg = compile_big(work)
    db = VtepServer(work / "ovsdb").start()
    dataplane = Dataplane()
    handle = serve(dataplane, "127.0.0.1:0", device_id=1, cpu_port=255, max_workers=8)
    agent = None

    def count() -> int:
        sw = dataplane.switch
        t = sw.rt.tables.get(DMAC) if sw is not None else None
        return -1 if t is None else len(t.entries)

    try:
        ctl = db.vtep_ctl
        ctl("add-ps", "gw1")
        for i in range(1, N_LS + 1):
            ctl("add-port", "gw1", f"p{i}")
            ctl("add-ls", f"ls{i}")
            ctl("set", "Logical_Switch", f"ls{i}", f"tunnel_key={5000 + i}")
            ctl("bind-ls", "gw1", f"p{i}", str(100 + i), f"ls{i}")
        ports = "".join(f'[[port]]\nname = "p{i}"\nnumber = {i}\n\n' for i in range(1, N_LS + 1))
        (work / "inv.toml").write_text(
            '[switch]\nname = "gw1"\ntunnel_ips = ["198.18.0.1"]\n\n' + ports
            + '[[uplink]]\nname = "up1"\nnumber = 9\nmac = "02:00:00:00:00:09"\nnexthop_mac = "02:00:00:00:ff:01"\n')
        cmd = [sys.executable] + (["-m", "cProfile", "-o", str(profile)] if profile else []) + [
            __file__, "agent", db.unix_remote, str(work / "inv.toml"), f"127.0.0.1:{handle.port}", str(p4info),
            str(devcfg)]
        log = (work / "gwctl.log").open("wb")
        agent = subprocess.Popen(cmd, cwd=REPO, stdin=subprocess.DEVNULL, stdout=log, stderr=log)
        deadline = time.monotonic() + 120
        while count() < 0:
            if agent.poll() is not None or time.monotonic() > deadline:
                raise SystemExit((work / "gwctl.log").read_text()[-3000:])
            time.sleep(0.1)
        time.sleep(1.0)
        rpc = Rpc(db.sock_path)
        ls_uuid = rpc.uuids("Logical_Switch", "name")
        ops: list[dict] = [{"op": "insert", "table": "Physical_Locator", "uuid-name": f"loc{t}",
                            "row": {"encapsulation_type": "vxlan_over_ipv4", "dst_ip": f"198.18.1.{t}"}}
                           for t in range(1, N_VTEPS + 1)]
        for i in range(macs):
            ops.append({"op": "insert", "table": "Ucast_Macs_Remote",
                        "row": {"MAC": mac_str(0x0A0000000000 + i),
                                "logical_switch": ["uuid", ls_uuid[f"ls{1 + i % N_LS}"]],
                                "locator": ["named-uuid", f"loc{1 + i % N_VTEPS}"]}})
        t0 = time.perf_counter()
        rpc.transact(*ops)
        t_ack = time.perf_counter() - t0
        deadline = time.monotonic() + 900
        while count() < macs:
            if agent.poll() is not None or time.monotonic() > deadline:
                raise SystemExit(f"dmac holds {count()}:\n" + (work / "gwctl.log").read_text()[-3000:])
            time.sleep(0.01)
        t_sync = time.perf_counter() - t0
        rss, hwm = rss_mb(agent.pid)
        print(f"initial sync of {macs} rows: {t_sync:.2f} s from transact to all dmac entries in the target "
              f"(transact acked after {t_ack:.2f} s); agent RSS {rss:.0f} MB, peak {hwm:.0f} MB")
        loc = rpc.uuids("Physical_Locator", "dst_ip")["198.18.1.1"]
        samples = []
        for c in range(changes):
            before = count()
            row = {"MAC": mac_str(0x0C0000000000 + c), "logical_switch": ["uuid", ls_uuid["ls1"]],
                   "locator": ["uuid", loc]}
            t0 = time.perf_counter()
            rpc.transact({"op": "insert", "table": "Ucast_Macs_Remote", "row": row})
            while count() <= before:
                if time.perf_counter() - t0 > 30:
                    raise SystemExit("change not realized in 30 s")
                time.sleep(0.0002)
            samples.append(time.perf_counter() - t0)
        rss, hwm = rss_mb(agent.pid)
        print(f"one Ucast_Macs_Remote insert at {macs} MACs, transact -> entry in the target: {ms(samples)} "
              f"({changes} changes); agent RSS {rss:.0f} MB, peak {hwm:.0f} MB")
    finally:
        if agent is not None and agent.poll() is None:
            os.kill(agent.pid, signal.SIGINT)
            try:
                agent.wait(60)
            except subprocess.TimeoutExpired:
                os.kill(agent.pid, signal.SIGKILL)
        handle.stop(grace=0)
        db.stop()
        shutil.rmtree(work, ignore_errors=True)


def run_agent(db: str, inventory: str, p4rt: str, p4info: str, devcfg: str) -> None:
    """The agent as `gwctl run` starts it (device id 1), without the CLI module around it."""
    import asyncio
    import logging
    import signal as sig

    from gwctl.agent import Agent, AgentConfig, load_pipeline
    from gwctl.inventory import load

    logging.basicConfig(level=logging.WARNING)
    agent = Agent(AgentConfig(db, p4rt, load(Path(inventory)), load_pipeline(Path(p4info), Path(devcfg)),
                              device_id=1))

    async def go() -> None:
        loop = asyncio.get_running_loop()
        for s in (sig.SIGINT, sig.SIGTERM):
            loop.add_signal_handler(s, agent.stop)
        await agent.run()

    asyncio.run(go())


def main() -> int:
    if len(sys.argv) > 1 and sys.argv[1] == "agent":
        run_agent(*sys.argv[2:7])
        return 0
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("what", choices=["compute", "e2e"])
    ap.add_argument("--macs", type=int, default=100_000)
    ap.add_argument("--changes", type=int, default=200)
    ap.add_argument("--profile", type=Path)
    args = ap.parse_args()
    (run_compute if args.what == "compute" else run_e2e)(args.macs, args.changes, args.profile)
    return 0


if __name__ == "__main__":
    sys.exit(main())
