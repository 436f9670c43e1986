"""P4Runtime server benchmark: write throughput by batch size, a wildcard
read of 100,000 entries, and memory per 100,000 exact entries.

Runs p4sim's server on 127.0.0.1 (free port) with a small program whose
exact table holds 200,000 entries, and a client on finsy's raw stubs in the
same process. Prints figures; targets (issue #3): >= 20,000 entries/s at
batch 1000, the 100,000-entry read under 10 s. Usage:

    python bench/bench_p4runtime.py [--entries 100000]
"""

from __future__ import annotations

import argparse
import gc
import os
import queue
import sys
import tempfile
import time
from pathlib import Path

import grpc
from finsy.proto.p4.v1 import p4runtime_pb2 as p4r
from finsy.proto.p4.v1 import p4runtime_pb2_grpc as p4r_grpc

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from p4sim import device_config  # noqa: E402
from p4sim.frontend import compile_file  # noqa: E402
from p4sim.p4info import generate  # noqa: E402
from p4sim.runtime.dataplane import Dataplane  # noqa: E402
from p4sim.runtime.server import serve  # noqa: E402

PROGRAM = """
#include <core.p4>
#include <v1model.p4>
header ethernet_t { bit<48> dst; bit<48> src; bit<16> ether_type; }
struct headers_t { ethernet_t ethernet; }
struct meta_t { }
parser P(packet_in pkt, out headers_t hdr, inout meta_t m, inout standard_metadata_t std) {
    state start { pkt.extract(hdr.ethernet); transition accept; }
}
control V(inout headers_t hdr, inout meta_t m) { apply { } }
control I(inout headers_t hdr, inout meta_t m, inout standard_metadata_t std) {
    action forward(bit<9> port) { std.egress_spec = port; }
    action drop() { mark_to_drop(std); }
    table dmac {
        key = { hdr.ethernet.dst: exact; }
        actions = { forward; drop; }
        default_action = drop();
        size = 400000;
    }
    apply { dmac.apply(); }
}
control E(inout headers_t hdr, inout meta_t m, inout standard_metadata_t std) { apply { } }
control C(inout headers_t hdr, inout meta_t m) { apply { } }
control D(packet_out pkt, in headers_t hdr) { apply { pkt.emit(hdr.ethernet); } }
V1Switch(P(), V(), I(), E(), C(), D()) main;
"""


def rss_bytes() -> int:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


class Bench:
    def __init__(self) -> None:
        tmp = tempfile.mkdtemp(prefix="p4sim-bench-")
        path = Path(tmp) / "bench.p4"
        path.write_text(PROGRAM)
        self.p4info = generate(compile_file(str(path)))
        self.devcfg = device_config.pack(device_config.collect(path))
        self.handle = serve(Dataplane(), "127.0.0.1:0", device_id=0, max_workers=8)
        self.channel = grpc.insecure_channel(
            f"127.0.0.1:{self.handle.port}", options=[("grpc.max_receive_message_length", 256 << 20)]
        )
        self.stub = p4r_grpc.P4RuntimeStub(self.channel)
        self._requests: queue.Queue = queue.Queue()
        self.stream = self.stub.StreamChannel(iter(self._requests.get, None))
        upd = p4r.MasterArbitrationUpdate(device_id=0)
        upd.election_id.low = 1
        self._requests.put(p4r.StreamMessageRequest(arbitration=upd))
        reply = next(self.stream)
        assert reply.arbitration.status.code == 0, reply
        t = self.p4info.tables[0]
        self.table_id = t.preamble.id
        self.field_id = t.match_fields[0].id
        self.action_id = next(a.preamble.id for a in self.p4info.actions if a.preamble.name.endswith("forward"))
        self.commit()

    def commit(self) -> None:
        req = p4r.SetForwardingPipelineConfigRequest(
            device_id=0, action=p4r.SetForwardingPipelineConfigRequest.VERIFY_AND_COMMIT
        )
        req.election_id.low = 1
        req.config.p4info.CopyFrom(self.p4info)
        req.config.p4_device_config = self.devcfg
        self.stub.SetForwardingPipelineConfig(req)

    def update(self, i: int) -> p4r.Update:
        u = p4r.Update(type=p4r.Update.INSERT)
        te = u.entity.table_entry
        te.table_id = self.table_id
        te.match.add(field_id=self.field_id).exact.value = (0x020000000000 + i).to_bytes(6, "big")
        a = te.action.action
        a.action_id = self.action_id
        a.params.add(param_id=1, value=(i % 500 + 1).to_bytes(2, "big"))
        return u

    def write(self, start: int, count: int, batch: int) -> float:
        """Inserts ``count`` entries in batches; returns entries/s."""
        reqs = []
        for b in range(start, start + count, batch):
            req = p4r.WriteRequest(device_id=0)
            req.election_id.low = 1
            req.updates.extend(self.update(i) for i in range(b, min(b + batch, start + count)))
            reqs.append(req)
        t0 = time.perf_counter()
        for req in reqs:
            self.stub.Write(req)
        return count / (time.perf_counter() - t0)

    def delete(self, start: int, count: int, batch: int) -> float:
        """Deletes ``count`` entries in batches; returns entries/s."""
        reqs = []
        for b in range(start, start + count, batch):
            req = p4r.WriteRequest(device_id=0)
            req.election_id.low = 1
            for i in range(b, min(b + batch, start + count)):
                u = self.update(i)
                u.type = p4r.Update.DELETE
                u.entity.table_entry.ClearField("action")
                req.updates.append(u)
            reqs.append(req)
        t0 = time.perf_counter()
        for req in reqs:
            self.stub.Write(req)
        return count / (time.perf_counter() - t0)

    def read_all(self) -> tuple[int, float]:
        req = p4r.ReadRequest(device_id=0)
        req.entities.add().table_entry.table_id = 0
        t0 = time.perf_counter()
        n = sum(len(r.entities) for r in self.stub.Read(req))
        return n, time.perf_counter() - t0

    def close(self) -> None:
        self._requests.put(None)
        self.channel.close()
        self.handle.stop(grace=0)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--entries", type=int, default=100_000, help="entries for the read and memory figures")
    args = ap.parse_args()
    b = Bench()
    try:
        next_i = 0
        for batch, count in ((1, 2_000), (100, 20_000), (1000, 50_000)):
            rate = b.write(next_i, count, batch)
            next_i += count
            print(f"write batch {batch:>5}: {rate:>9,.0f} entries/s ({count:,} entries)")
        b.commit()  # fresh switch for the memory figure
        gc.collect()
        before = rss_bytes()
        rate = b.write(0, args.entries, 1000)
        gc.collect()
        grown = rss_bytes() - before
        print(f"fill {args.entries:,} entries at batch 1000: {rate:,.0f} entries/s")
        print(f"memory: +{grown / 2**20:,.1f} MiB RSS for {args.entries:,} exact entries "
              f"({grown / args.entries:,.0f} bytes/entry, server and client in one process)")
        n, secs = b.read_all()
        print(f"wildcard read: {n:,} entries in {secs:.2f} s ({n / secs:,.0f} entries/s)")
        rate = b.delete(0, 1000, 1000)
        print(f"delete 1,000 of {args.entries:,} entries at batch 1000: {rate:,.0f} entries/s")
    finally:
        b.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
