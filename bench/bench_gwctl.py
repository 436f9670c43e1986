#!/usr/bin/env python3
"""gwctl end to end (issue #5 "Speed"): vtep DB rows -> entries in the target.

    python3 bench/bench_gwctl.py [--macs 100000] [--changes 100] [--profile gwctl.prof] [--py-spy stacks.txt]

What runs, all on 127.0.0.1 / unix sockets in a temporary directory:

- a real ovsdb-server with the hardware_vtep schema (tests/gwctl/vtep_server.py);
- p4sim's P4Runtime server *in this process* (`p4sim.runtime.server.serve`,
  device id 1, CPU port 255), so realization can be observed in the engine
  itself without loading the target with reads: the dmac entry count, and
  for single changes a frame through `Switch.process`;
- the agent as its own process (`python -m gwctl.cli run`), so its resident
  memory is its own (VmRSS / VmHWM from /proc);
- the raw floor: a minimal P4Runtime client (plain protobuf stubs) as its own
  process, writing the same dmac entries in batches of 1,000.

Measured:

1. bulk: one `transact` of N Ucast_Macs_Remote rows (plus their 8
   Physical_Locators), sent as JSON-RPC on the server's unix socket (the method
   ovsdb-client transact uses; an argv cannot carry 100,000 rows), from the
   moment it is sent until the target's dmac table holds all N entries;
2. floor: the same N dmac entries (read from the target after step 1) by the
   raw client into a fresh pipeline, from "go" until the table holds N; ratio;
3. latency: `--changes` single-row inserts, one at a time, each from its
   transact until a frame to that MAC, sent into an access port, leaves as
   one VXLAN frame to the right VTEP (before: unknown unicast, dropped by
   source pruning); then the row's delete, until that frame is dropped
   again; median and p99 of each;
4. gwctl's RSS at N MACs (and its peak).

The shipped vtep_gateway.p4 holds 131,072 MACs (size.p4 MAC_TABLE_SIZE); N
beyond that is refused. Targets (issue #5):
gwctl within 1.5x of the raw floor, p99 under 20 ms, under 300 MB.
Figures only; nothing here gates CI.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import queue
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

DMAC = "VtepIngress.l2.dmac"
TUNNEL_IP = "198.18.0.1"
N_LS = 4
N_VTEPS = 8
UPLINK = 9


# ------------------------------------------------------------------ helpers


def git_state() -> str:
    """The commit measured, and whether p4sim/, gwctl/ or p4src/ had uncommitted edits (others work here too)."""
    def git(*args: str) -> str:
        return subprocess.run(["git", *args], cwd=REPO, capture_output=True, text=True, check=False).stdout.strip()
    dirty = git("status", "--porcelain", "--", "p4sim", "gwctl", "p4src")
    return f"{git('rev-parse', '--short', 'HEAD')}{' + uncommitted edits' if dirty else ''}"


def proc_status(pid: int) -> dict[str, int]:
    """VmRSS / VmHWM (KiB) of a process, from /proc."""
    out = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        name, _, value = line.partition(":")
        if name in ("VmRSS", "VmHWM"):
            out[name] = int(value.split()[0])
    return out


def percentile(values: list[float], p: float) -> float:
    """Nearest-rank percentile: with 100 samples p99 is the second largest, not an interpolation."""
    s = sorted(values)
    k = max(0, min(len(s) - 1, math.ceil(p / 100 * len(s)) - 1))
    return s[k]


def mac_str(m: int) -> str:
    return ":".join(f"{b:02x}" for b in m.to_bytes(6, "big"))


class OvsdbRpc:
    """Just enough OVSDB JSON-RPC (RFC 7047) to send `transact` and `select` on a unix socket.

    Used instead of the Python IDL so that this process does not replicate
    the 100,000 rows it writes (it also hosts the target being measured).
    """

    def __init__(self, path: Path) -> None:
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.connect(str(path))
        self.buf = ""
        self.decoder = json.JSONDecoder()
        self.next_id = 0

    def _send(self, msg: dict) -> None:
        self.sock.sendall(json.dumps(msg, separators=(",", ":")).encode())

    def call(self, method: str, params: list) -> object:
        self.next_id += 1
        my_id = self.next_id
        self._send({"method": method, "params": params, "id": my_id})
        while True:
            msg = self._next_message()
            if msg.get("method") == "echo":
                self._send({"id": msg["id"], "result": msg["params"], "error": None})
            elif msg.get("id") == my_id:
                if msg.get("error"):
                    raise RuntimeError(f"ovsdb {method}: {msg['error']}")
                return msg["result"]

    def _next_message(self) -> dict:
        while True:
            text = self.buf.lstrip()
            if text:
                try:
                    msg, end = self.decoder.raw_decode(text)
                    self.buf = text[end:]
                    return msg
                except json.JSONDecodeError:
                    pass
            chunk = self.sock.recv(1 << 20)
            if not chunk:
                raise RuntimeError("ovsdb-server closed the connection")
            self.buf += chunk.decode()

    def transact(self, *ops: dict) -> list:
        result = self.call("transact", ["hardware_vtep", *ops])
        errors = [r for r in result if isinstance(r, dict) and "error" in r]
        if errors:
            raise RuntimeError(f"transact failed: {errors[:3]}")
        return result

    def uuids(self, table: str, column: str) -> dict[str, str]:
        (res,) = self.transact({"op": "select", "table": table, "where": [], "columns": ["_uuid", column]})
        return {row[column]: row["_uuid"][1] for row in res["rows"]}


def mac_table_size(src: Path) -> int:
    match = re.search(r"#define MAC_TABLE_SIZE\s+(\d+)", (src / "include/size.p4").read_text())
    if match is None:
        raise SystemExit(f"{src}/include/size.p4: MAC_TABLE_SIZE not found; update bench_gwctl.py")
    return int(match.group(1))


def compile_program(out: Path, macs: int) -> tuple[Path, Path, int]:
    """`p4sim compile` of the shipped vtep_gateway.p4; refuses N beyond its MAC table."""
    src = REPO / "p4src"
    size = mac_table_size(src)
    if macs > size:
        raise SystemExit(f"--macs {macs} exceeds vtep_gateway.p4's MAC_TABLE_SIZE {size} (p4src/include/size.p4)")
    p4info, devcfg = out / "vtep.p4info.txtpb", out / "vtep.p4sim"
    subprocess.run(["p4sim", "compile", str(src / "vtep_gateway.p4"), "-I", str(src / "include"),
                    "--p4info", str(p4info), "--device-config", str(devcfg)], check=True, timeout=300)
    return p4info, devcfg, size


INVENTORY = """\
[switch]
name = "gw1"
tunnel_ips = ["198.18.0.1"]
router_mac = "02:00:00:00:00:01"

{ports}
[[uplink]]
name = "up1"
number = 9
mac = "02:00:00:00:00:09"
nexthop_mac = "02:00:00:00:ff:01"
"""


class Target:
    """p4sim's P4Runtime server in this process, and a look at its engine."""

    def __init__(self) -> None:
        from p4sim.runtime.dataplane import Dataplane
        from p4sim.runtime.server import serve

        self.dataplane = Dataplane()
        self.handle = serve(self.dataplane, "127.0.0.1:0", device_id=1, cpu_port=255, max_workers=16)
        self.address = f"127.0.0.1:{self.handle.port}"

    def count(self, table: str = DMAC) -> int:
        sw = self.dataplane.switch
        if sw is None:
            return -1
        t = sw.rt.tables.get(table)
        return -1 if t is None else len(t.entries)

    def stop(self) -> None:
        self.handle.stop(grace=0)


# ------------------------------------------------------------------ the raw client (subprocess)


def raw_client(address: str, p4info_path: Path, devcfg_path: Path, entries_path: Path) -> int:
    """Push the pipeline, wait for GO on stdin, write the entries in batches of 1,000, print seconds.

    The floor: protobuf messages built as they are sent, one WriteRequest per
    1,000 updates, nothing else (no read-back, no diff).
    """
    import grpc
    from finsy.proto.p4.config.v1 import p4info_pb2
    from finsy.proto.p4.v1 import p4runtime_pb2 as p4r
    from finsy.proto.p4.v1 import p4runtime_pb2_grpc as p4r_grpc
    from google.protobuf import text_format

    info = text_format.Parse(p4info_path.read_text(), p4info_pb2.P4Info())
    table = next(t for t in info.tables if t.preamble.name == DMAC)
    fields = {f.name: (f.id, (f.bitwidth + 7) // 8) for f in table.match_fields}
    action = next(a for a in info.actions if a.preamble.name == "VtepIngress.l2.forward_to_tunnel")
    params = {p.name: (p.id, (p.bitwidth + 7) // 8) for p in action.params}
    channel = grpc.insecure_channel(address, options=[("grpc.max_send_message_length", 256 << 20)])
    stub = p4r_grpc.P4RuntimeStub(channel)
    requests: queue.Queue = queue.Queue()
    stream = stub.StreamChannel(iter(requests.get, None))
    arb = p4r.MasterArbitrationUpdate(device_id=1)
    arb.election_id.low = 1
    requests.put(p4r.StreamMessageRequest(arbitration=arb))
    next(stream)
    cfg = p4r.SetForwardingPipelineConfigRequest(device_id=1,
                                                 action=p4r.SetForwardingPipelineConfigRequest.VERIFY_AND_COMMIT)
    cfg.election_id.low = 1
    cfg.config.p4info.CopyFrom(info)
    cfg.config.p4_device_config = devcfg_path.read_bytes()
    stub.SetForwardingPipelineConfig(cfg)
    rows = json.loads(entries_path.read_text())
    print("READY", flush=True)
    sys.stdin.readline()
    t0 = time.perf_counter()
    for start in range(0, len(rows), 1000):
        req = p4r.WriteRequest(device_id=1)
        req.election_id.low = 1
        for ls_id, mac, tunnel_id, remote_ip in rows[start:start + 1000]:
            te = req.updates.add(type=p4r.Update.INSERT).entity.table_entry
            te.table_id = table.preamble.id
            for name, value in (("ls_id", ls_id), ("dst_mac", mac)):
                fid, nbytes = fields[name]
                te.match.add(field_id=fid).exact.value = value.to_bytes(nbytes, "big")
            te.action.action.action_id = action.preamble.id
            for name, value in (("tunnel_id", tunnel_id), ("remote_ip", remote_ip)):
                pid, nbytes = params[name]
                te.action.action.params.add(param_id=pid, value=value.to_bytes(nbytes, "big"))
        stub.Write(req)
    print(f"DONE {time.perf_counter() - t0:.3f}", flush=True)
    sys.stdin.readline()
    requests.put(None)
    channel.close()
    return 0


# ------------------------------------------------------------------ the benchmark


class Bench:
    def __init__(self, work: Path, macs: int, profile: Path | None, spy: Path | None = None) -> None:
        from tests.gwctl.vtep_server import VtepServer

        self.work = work
        self.macs = macs
        t0 = time.perf_counter()
        self.p4info, self.devcfg, self.table_size = compile_program(work, macs)
        print(f"compiled vtep_gateway.p4 (MAC_TABLE_SIZE {self.table_size}) in {time.perf_counter() - t0:.1f} s")
        self.db = VtepServer(work / "ovsdb").start()
        self.target = Target()
        self.profile = profile
        self.spy = spy
        self.agent: subprocess.Popen | None = None
        self._stopped = False

    # -------------------------------------------------------------- setup
    def configure(self) -> None:
        """The NVC's part before the MACs: switch, ports, logical switches with VNIs, one binding each."""
        ctl = self.db.vtep_ctl
        ctl("add-ps", "gw1")
        for i in range(1, N_LS + 1):
            ctl("add-port", "gw1", f"p{i}")
            ctl("add-ls", f"ls{i}")
            ctl("set", "Logical_Switch", f"ls{i}", f"tunnel_key={5000 + i}")
            ctl("bind-ls", "gw1", f"p{i}", str(100 + i), f"ls{i}")
        ports = "".join(f'[[port]]\nname = "p{i}"\nnumber = {i}\n\n' for i in range(1, N_LS + 1))
        (self.work / "inv.toml").write_text(INVENTORY.format(ports=ports))

    def start_agent(self) -> None:
        cmd = [sys.executable]
        if self.profile:
            cmd += ["-m", "cProfile", "-o", str(self.profile)]
        cmd += ["-m", "gwctl.cli", "run", "--db", self.db.unix_remote, "--inventory", str(self.work / "inv.toml"),
                "--p4rt", self.target.address, "--p4info", str(self.p4info), "--device-config", str(self.devcfg),
                "--device-id", "1"]
        log = (self.work / "gwctl.log").open("wb")
        self.agent = subprocess.Popen(cmd, cwd=REPO, stdin=subprocess.DEVNULL, stdout=log, stderr=log)
        log.close()
        deadline = time.monotonic() + 120
        while self.target.count("VtepIngress.ls.logical_switch") < N_LS:
            if self.agent.poll() is not None or time.monotonic() > deadline:
                raise SystemExit(f"gwctl did not program the switch:\n{self.log_tail()}")
            time.sleep(0.1)

    def agent_rss(self) -> dict[str, int]:
        assert self.agent is not None
        return proc_status(self.agent.pid)

    def log_tail(self, n: int = 15) -> str:
        return "\n".join((self.work / "gwctl.log").read_text(errors="replace").splitlines()[-n:])

    def stop(self) -> None:
        """Agent (by its PID), target, ovsdb-server; safe to call twice."""
        if self._stopped:
            return
        self._stopped = True
        if self.agent and self.agent.poll() is None:
            os.kill(self.agent.pid, signal.SIGTERM)
            try:
                self.agent.wait(60)
            except subprocess.TimeoutExpired:
                os.kill(self.agent.pid, signal.SIGKILL)
                self.agent.wait(10)
        self.target.stop()
        self.db.stop()

    # -------------------------------------------------------------- measurements
    def bulk(self, rpc: OvsdbRpc, timeout: float) -> dict[str, float]:
        """One transact of `macs` Ucast_Macs_Remote rows; seconds until the dmac table holds them all."""
        ls_uuid = rpc.uuids("Logical_Switch", "name")
        ops: list[dict] = [{"op": "insert", "table": "Physical_Locator", "uuid-name": f"loc{t}",
                            "row": {"encapsulation_type": "vxlan_over_ipv4", "dst_ip": f"198.18.1.{t}"}}
                           for t in range(1, N_VTEPS + 1)]
        for i in range(self.macs):
            ops.append({"op": "insert", "table": "Ucast_Macs_Remote",
                        "row": {"MAC": mac_str(0x020B00000000 + i),
                                "logical_switch": ["uuid", ls_uuid[f"ls{1 + i % N_LS}"]],
                                "locator": ["named-uuid", f"loc{1 + i % N_VTEPS}"]}})
        before = self.target.count()
        acked: dict[str, float] = {}

        def send() -> None:
            rpc.transact(*ops)
            acked["t"] = time.perf_counter()

        t0 = time.perf_counter()
        sender = threading.Thread(target=send)
        spy = None
        if self.spy:
            # every thread of the agent (cProfile sees only the main one; the vtep DB has its own)
            spy = subprocess.Popen(["py-spy", "record", "--threads", "--format", "raw", "-r", "100",
                                    "-o", str(self.spy), "--pid", str(self.agent.pid)],
                                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        sender.start()
        deadline = time.monotonic() + timeout
        while self.target.count() < before + self.macs:
            if self.agent.poll() is not None:
                raise SystemExit(f"gwctl exited during the bulk load:\n{self.log_tail()}")
            if time.monotonic() > deadline:
                sender.join()
                return {"timeout": timeout, "count": self.target.count() - before, "ack": acked["t"] - t0}
            time.sleep(0.01)
        done = time.perf_counter()
        sender.join()
        if spy is not None:
            os.kill(spy.pid, signal.SIGINT)
            spy.wait(60)
        return {"seconds": done - t0, "ack": acked["t"] - t0, "count": self.target.count() - before}

    def dmac_rows(self) -> list[tuple[int, int, int, int]]:
        """The dmac entries gwctl wrote, as (ls_id, mac, tunnel_id, remote_ip), for the floor."""
        sw = self.target.dataplane.switch
        out = []
        for e in sw.table_entries(DMAC):
            if not e.is_const and e.action.action.endswith("forward_to_tunnel"):
                out.append((e.keys[0].value, e.keys[1].value, *e.action.args))
        return out

    def latency(self, rpc: OvsdbRpc, changes: int, timeout: float) -> tuple[list[float], list[float]]:
        """One Ucast_Macs_Remote row inserted, then deleted, `changes` times; seconds until the switch obeys.

        Insert: until a frame to the MAC leaves tunnelled to its VTEP. Delete:
        until that frame is dropped again (unknown unicast from the only
        binding of ls1: its flood group holds just the source, which is pruned).
        """
        from scapy.all import IP, UDP, Dot1Q, Ether, Raw

        ls_uuid = rpc.uuids("Logical_Switch", "name")["ls1"]
        loc_uuid = rpc.uuids("Physical_Locator", "dst_ip")["198.18.1.1"]
        inserts: list[float] = []
        deletes: list[float] = []

        def wait(c: int, what: str, t0: float, done) -> float:
            sw = self.target.dataplane.switch
            while True:
                res = sw.process(1, frame)
                if done(res):
                    return time.perf_counter() - t0
                if time.perf_counter() > t0 + timeout:
                    raise SystemExit(f"change {c} ({what}): not realized in {timeout}s:\n{self.log_tail()}")
                time.sleep(0.0005)

        def tunnelled(res) -> bool:
            if not res.outputs:
                return False
            port, data = res.outputs[0]
            # outer IPv4 destination: bytes 30..34 of the VXLAN frame
            if len(res.outputs) != 1 or port != UPLINK or data[30:34] != bytes([198, 18, 1, 1]):
                raise SystemExit(f"wrong forwarding {res.outputs}")
            return True

        for c in range(changes):
            mac = mac_str(0x020C00000000 + c)
            frame = bytes(Ether(src="0a:00:00:00:00:01", dst=mac) / Dot1Q(vlan=101)
                          / IP(src="192.0.2.1", dst="192.0.2.2") / UDP(sport=1000, dport=80) / Raw(b"\x00" * 18))
            assert not self.target.dataplane.switch.process(1, frame).outputs, "unknown unicast must not leave"
            row = {"MAC": mac, "logical_switch": ["uuid", ls_uuid], "locator": ["uuid", loc_uuid]}
            t0 = time.perf_counter()
            (result,) = rpc.transact({"op": "insert", "table": "Ucast_Macs_Remote", "row": row})
            inserts.append(wait(c, "insert", t0, tunnelled))
            # by _uuid, as an IDL deletes a row: a `where` on MAC would make ovsdb-server scan
            # every row (MAC is not indexed), ~20 ms at 100,000 rows that are not gwctl's
            t0 = time.perf_counter()
            rpc.transact({"op": "delete", "table": "Ucast_Macs_Remote", "where": [["_uuid", "==", result["uuid"]]]})
            deletes.append(wait(c, "delete", t0, lambda res: not res.outputs))
        return inserts, deletes


def floor(work: Path, p4info: Path, devcfg: Path, rows: list, timeout: float) -> dict[str, float]:
    """The raw client against a fresh target: seconds from GO until the dmac table holds every row."""
    (work / "floor.json").write_text(json.dumps(rows))
    target = Target()
    try:
        proc = subprocess.Popen([sys.executable, __file__, "--raw-client", target.address, str(p4info), str(devcfg),
                                 str(work / "floor.json")], cwd=REPO, stdin=subprocess.PIPE,
                                stdout=subprocess.PIPE, text=True)
        assert proc.stdin and proc.stdout
        line = proc.stdout.readline()
        if not line.startswith("READY"):
            raise SystemExit(f"raw client failed: {line}")
        before = target.count()
        t0 = time.perf_counter()
        proc.stdin.write("GO\n")
        proc.stdin.flush()
        deadline = time.monotonic() + timeout
        while target.count() < before + len(rows):
            if time.monotonic() > deadline:
                raise SystemExit("raw client: entries not all in the target")
            time.sleep(0.01)
        seconds = time.perf_counter() - t0
        client = float(proc.stdout.readline().split()[1])
        proc.stdin.write("END\n")
        proc.stdin.flush()
        proc.wait(30)
        return {"seconds": seconds, "client": client}
    finally:
        target.stop()


def main() -> int:
    if len(sys.argv) > 1 and sys.argv[1] == "--raw-client":
        return raw_client(sys.argv[2], Path(sys.argv[3]), Path(sys.argv[4]), Path(sys.argv[5]))
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--macs", type=int, default=100_000, help="Ucast_Macs_Remote rows in the bulk transaction")
    ap.add_argument("--changes", type=int, default=100, help="single-row changes timed one by one")
    ap.add_argument("--timeout", type=float, default=1800.0, help="seconds allowed for the bulk load")
    ap.add_argument("--profile", type=Path, help="run the agent under cProfile (main thread only), stats here")
    ap.add_argument("--py-spy", type=Path, dest="spy",
                    help="sample every agent thread with py-spy during the bulk load (raw folded stacks here)")
    ap.add_argument("--keep", action="store_true", help="keep the work directory (logs, program)")
    a = ap.parse_args()
    work = Path(tempfile.mkdtemp(prefix="bench-gwctl-"))
    print(f"python {sys.version.split()[0]}; commit {git_state()}; {os.cpu_count()} CPUs; "
          f"load {os.getloadavg()[0]:.2f}; work dir {work}")
    bench = Bench(work, a.macs, a.profile.resolve() if a.profile else None,
                  a.spy.resolve() if a.spy else None)
    try:
        bench.configure()
        bench.start_agent()
        rss0 = bench.agent_rss()["VmRSS"]
        print(f"gwctl up, switch programmed; gwctl RSS {rss0 / 1024:.0f} MiB")
        rpc = OvsdbRpc(bench.db.sock_path)
        r = bench.bulk(rpc, a.timeout)
        if "timeout" in r:
            print(f"bulk: NOT DONE after {r['timeout']:.0f} s: {r['count']:,} of {a.macs:,} dmac entries "
                  f"(transact acked after {r['ack']:.2f} s)\n{bench.log_tail()}")
            return 1
        gw_secs = r["seconds"]
        print(f"bulk: {a.macs:,} Ucast_Macs_Remote rows in one transact -> {r['count']:,} dmac entries in "
              f"{gw_secs:.2f} s = {a.macs / gw_secs:,.0f} entries/s (transact acked by ovsdb-server after "
              f"{r['ack']:.2f} s)")
        time.sleep(1.0)
        rss = bench.agent_rss()
        print(f"gwctl RSS at {a.macs:,} MACs: {rss['VmRSS'] / 1024:.0f} MiB (peak {rss['VmHWM'] / 1024:.0f} MiB)")
        rows = bench.dmac_rows()
        if a.changes:
            inserts, deletes = bench.latency(rpc, a.changes, 60.0)
            for what, samples in (("insert, transact -> frame tunnelled", inserts),
                                  ("delete, transact -> frame dropped", deletes)):
                ms = [s * 1000 for s in samples]
                print(f"latency, {len(ms)} single-row changes at {a.macs:,} MACs, {what}: "
                      f"median {statistics.median(ms):.1f} ms, p99 {percentile(ms, 99):.1f} ms, "
                      f"min {min(ms):.1f} ms, max {max(ms):.1f} ms")
            rss = bench.agent_rss()
            print(f"gwctl RSS after the changes: {rss['VmRSS'] / 1024:.0f} MiB "
                  f"(peak {rss['VmHWM'] / 1024:.0f} MiB)")
        bench.stop()
        if a.profile:
            print(f"gwctl profile written to {a.profile} (python -m pstats {a.profile})")
        f = floor(work, bench.p4info, bench.devcfg, rows, a.timeout)
        print(f"floor: raw P4Runtime client, {len(rows):,} dmac entries in batches of 1,000: {f['seconds']:.2f} s "
              f"= {len(rows) / f['seconds']:,.0f} entries/s (client's own clock {f['client']:.2f} s)")
        print(f"ratio gwctl / floor: {gw_secs / f['seconds']:.2f}x from the transact sent, "
              f"{(gw_secs - r['ack']) / f['seconds']:.2f}x from its commit acknowledged (target <= 1.5x)")
    finally:
        bench.stop()
        if a.keep:
            print(f"kept {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
