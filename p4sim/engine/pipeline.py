"""The v1model packet path: parser -> verify -> ingress -> PRE -> egress ->
compute -> deparser, with BMv2 simple_switch's rules at each boundary.

Follows ``targets/simple_switch/simple_switch.cpp``: end of ingress does
I2E clone, then digest, then resubmit (which ends processing), else
multicast (the original is discarded), else drop on egress_spec 511, else
unicast with instance_type NORMAL. Egress starts with egress_spec set to
drop_port + 1 (512, i.e. 0 in bit<9>) and egress_port set, then ends with
E2E clone, drop on 511, deparse, recirculate, else transmit.

Work is a FIFO of jobs so that every copy a packet causes is processed
before ``process`` returns, in a deterministic order.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from p4sim import ir
from p4sim.engine.entries import PacketResult
from p4sim.engine.pre import Pre
from p4sim.engine.support import P4Exit, PacketIn, ParserError

__all__ = ["Pipeline", "Ctx", "DROP_PORT"]

DROP_PORT = 511
NORMAL, I2E, E2E, COALESCED, RECIRC, REPLICATION, RESUBMIT = range(7)
MAX_JOBS = 1000  # per injected packet; bounds endless recirculation


class Ctx:
    """Per-pass packet context the generated code reads and writes."""

    __slots__ = (
        "trace", "ilen", "dm_color", "cksum_err", "payload", "clone", "resubmit", "recirc",
        "digest", "truncate", "std", "log_msg",
    )

    def __init__(self, trace: Callable[[str], None] | None, ilen: int, log_msg: Callable[[str], None]):
        self.trace = trace
        self.ilen = ilen
        self.dm_color: int | None = None
        self.cksum_err = 0
        self.payload = b""
        self.clone: tuple[int, int | None] | None = None
        self.resubmit: int | None = None
        self.recirc: int | None = None
        self.digest: tuple[str, tuple[int, ...]] | None = None
        self.truncate: int | None = None
        self.std: Any = None
        self.log_msg = log_msg


@dataclass
class _Ingress:
    data: bytes
    port: int
    instance_type: int
    preserved: list[tuple[tuple[str, ...], Any]] = field(default_factory=list)


@dataclass
class _Egress:
    hdr: Any
    meta: Any
    std: Any
    payload: bytes
    port: int
    plen: int  # BMv2's PACKET_LENGTH register: standard_metadata.packet_length in egress
    ilen: int  # length as received, for counters and meters
    truncate: int | None = None
    clone_len: int = 0


class Pipeline:
    """Runs generated blocks for one program; owned by a Switch (which holds
    the lock)."""

    def __init__(
        self,
        program: ir.Program,
        blocks: dict[str, Callable[..., Any]],
        classes: tuple[Callable[[], Any], Callable[[], Any], Callable[[], Any]],
        pre: Pre,
        field_lists: dict[int, list[tuple[str, ...]]],
        clock_us: Callable[[], int],
        emit_frame: Callable[[int, bytes, PacketResult], None],
        log: Callable[[str], None] | None,
    ):
        self.program = program
        self.b = blocks
        self.new_hdr, self.new_meta, self.new_std = classes
        self.pre = pre
        self.field_lists = field_lists
        self.clock_us = clock_us
        self.emit_frame = emit_frame
        self.log = log
        std_fields = {f.name for f in program.parser.params[3].type.fields}  # type: ignore[attr-defined]
        self.has = std_fields.__contains__
        self.packet_id = 0
        self.errors = 0
        self.error_log: Callable[[str], None] = log or (lambda s: None)

    # ------------------------------------------------------------ helpers
    def _tracer(self, pid: int) -> Callable[[str], None] | None:
        log = self.log
        if log is None:
            return None
        return lambda msg: log(f"[{pid}] {msg}")

    def _log_msg(self, pid: int) -> Callable[[str], None]:
        log = self.log
        if log is None:
            return lambda msg: None
        return lambda msg: log(f"[{pid}] log_msg: {msg}")

    def _preserve(self, meta: Any, index: int | None, std: Any = None) -> list[tuple[tuple[str, ...], Any]]:
        """The values of a field list's fields now: BMv2 copies them when it
        carries out the clone/resubmit/recirculate at the end of the block,
        not at the call. Paths starting with STD_ROOT name standard metadata
        fields (field lists made from deprecated clone3/resubmit/recirculate
        data); the others name user metadata fields."""
        if index is None or index < 0:
            return []
        paths = self.field_lists.get(index)
        if paths is None:
            return []
        out = []
        for path in paths:
            obj = _walk(meta, std, path)
            if obj is None:
                continue
            v = getattr(obj, "f_" + path[-1])
            out.append((path, v.copy() if hasattr(v, "copy") else v))
        return out

    def _restore(self, meta: Any, preserved: list[tuple[tuple[str, ...], Any]], std: Any = None) -> None:
        for path, v in preserved:
            obj = _walk(meta, std, path)
            if obj is not None:
                setattr(obj, "f_" + path[-1], v)

    # ------------------------------------------------------------ entry
    def run(self, port: int, data: bytes, result: PacketResult) -> None:
        jobs: deque[_Ingress | _Egress] = deque([_Ingress(data, port, NORMAL)])
        self.packet_id += 1
        pid = self.packet_id
        trace = self._tracer(pid)
        if trace:
            trace(f"Processing packet received on port {port}, {len(data)} bytes")
        done = 0
        while jobs:
            done += 1
            if done > MAX_JOBS:
                self.error_log(f"[{pid}] more than {MAX_JOBS} passes (recirculation loop?): stopping")
                self.errors += 1
                return
            job = jobs.popleft()
            try:
                if isinstance(job, _Ingress):
                    self._ingress(job, jobs, result, pid, trace)
                else:
                    self._egress(job, jobs, result, pid, trace)
            except Exception as exc:  # one bad pass must not stop the switch
                self.errors += 1
                which = "ingress" if isinstance(job, _Ingress) else "egress"
                raw = job.data if isinstance(job, _Ingress) else job.payload
                self.error_log(
                    f"[{pid}] error in {which} on port {job.port}: {type(exc).__name__}: {exc}; "
                    f"packet dropped; bytes {raw.hex()}"
                )

    # ------------------------------------------------------------ ingress
    def _parse(self, ctx: Ctx, data: bytes, hdr: Any, meta: Any, std: Any) -> tuple[int, bytes]:
        pkt = PacketIn(data)
        err = 0
        try:
            self.b["parser"](ctx, pkt, hdr, meta, std)
        except ParserError as pe:
            if pe.code is not None:
                err = pe.code
            if ctx.trace:
                ctx.trace(f"Parser error {self.program.errors[err] if err < len(self.program.errors) else err}")
        payload = data[pkt.pos:]
        ctx.payload = payload
        _until_exit(self.b["verify"], ctx, hdr, meta)
        return err, payload

    def _ingress(self, job: _Ingress, jobs: deque, result: PacketResult, pid: int, trace: Any) -> None:
        data = job.data
        hdr, meta, std = self.new_hdr(), self.new_meta(), self.new_std()
        std.f_ingress_port = job.port
        std.f_packet_length = len(data)
        std.f_instance_type = job.instance_type
        if job.instance_type == NORMAL and self.has("ingress_global_timestamp"):
            std.f_ingress_global_timestamp = self.clock_us() & 0xFFFFFFFFFFFF
        if job.preserved:
            self._restore(meta, job.preserved, std)
            std.f_instance_type = job.instance_type
            std.f_packet_length = len(data)
        ctx = Ctx(trace, len(data), self._log_msg(pid))
        ctx.std = std
        err, payload = self._parse(ctx, data, hdr, meta, std)
        if self.has("parser_error"):
            std.f_parser_error = err
        if self.has("checksum_error"):
            std.f_checksum_error = ctx.cksum_err
        _until_exit(self.b["ingress"], ctx, hdr, meta, std)
        # ---- end of ingress, in BMv2's order
        if ctx.clone is not None:
            self._clone_i2e(ctx, job, meta, std, jobs, trace)
        if ctx.digest is not None:
            result.digests.append(ctx.digest)
        if ctx.resubmit is not None:
            if trace:
                trace("Resubmitting packet")
            # BMv2 resets all metadata, ingress_port included (behavioral-model issue 795)
            jobs.append(_Ingress(data, 0, RESUBMIT, self._preserve(meta, ctx.resubmit, std)))
            return
        mgid = std.f_mcast_grp if self.has("mcast_grp") else 0
        if mgid:
            if trace:
                trace(f"Multicast to group {mgid}")
            std.f_instance_type = REPLICATION
            self._multicast(mgid, hdr, meta, std, payload, len(data), len(data), jobs, trace)
            return
        port = std.f_egress_spec
        if port == DROP_PORT:
            if trace:
                trace("Dropping packet at the end of ingress")
            return
        if trace:
            trace(f"Egress port is {port}")
        std.f_instance_type = NORMAL
        jobs.append(_Egress(hdr, meta, std, payload, port, len(data), len(data), ctx.truncate))

    def _multicast(
        self, mgid: int, hdr: Any, meta: Any, std: Any, payload: bytes, plen: int, ilen: int,
        jobs: deque, trace: Any, clone_len: int = 0, copies: tuple[tuple[int, int], ...] | None = None,
    ) -> None:
        order = self.pre.replicate(mgid) if copies is None else copies
        if not order and trace:
            trace(f"Multicast group {mgid} has no replicas")
        for port, rid in order:
            s = std.copy()
            if self.has("egress_rid"):
                s.f_egress_rid = rid
            jobs.append(_Egress(hdr.copy(), meta.copy(), s, payload, port, plen, ilen, None, clone_len))

    def _clone_i2e(self, ctx: Ctx, job: _Ingress, meta: Any, std: Any, jobs: deque, trace: Any) -> None:
        assert ctx.clone is not None
        session_id, fl = ctx.clone
        session = self.pre.session(session_id)
        if session is None:
            if trace:
                trace(f"Clone session {session_id} not configured: no clone")
            return
        if trace:
            trace(f"Cloning packet at ingress to session {session_id}")
        hdr2, meta2, std2 = self.new_hdr(), self.new_meta(), self.new_std()
        std2.f_ingress_port = job.port
        c2 = Ctx(None, len(job.data), ctx.log_msg)
        c2.std = std2
        _, payload = self._parse(c2, job.data, hdr2, meta2, std2)
        meta2 = self.new_meta()  # metadata reset after the re-parse, then the field list
        std2 = self.new_std()
        self._restore(meta2, self._preserve(meta, fl, std), std2)
        std2.f_instance_type = I2E
        std2.f_packet_length = len(job.data)
        self._multicast(0, hdr2, meta2, std2, payload, len(job.data), len(job.data), jobs, trace,
                        session.packet_length, session.order)

    # ------------------------------------------------------------ egress
    def _egress(self, job: _Egress, jobs: deque, result: PacketResult, pid: int, trace: Any) -> None:
        hdr, meta, std = job.hdr, job.meta, job.std
        std.f_egress_port = job.port
        std.f_egress_spec = (DROP_PORT + 1) & 0x1FF  # 512 in a bit<9> field
        std.f_packet_length = job.plen
        if self.has("egress_global_timestamp"):
            now = self.clock_us()
            std.f_egress_global_timestamp = now & 0xFFFFFFFFFFFF
            if self.has("enq_timestamp"):
                # no queueing here: enqueued and dequeued at once, queues empty
                std.f_enq_timestamp = now & 0xFFFFFFFF
                std.f_deq_timedelta = 0
        ctx = Ctx(trace, job.ilen, self._log_msg(pid))
        ctx.std = std
        ctx.payload = job.payload
        ctx.truncate = job.truncate
        _until_exit(self.b["egress"], ctx, hdr, meta, std)
        if ctx.clone is not None:
            session_id, fl = ctx.clone
            session = self.pre.session(session_id)
            if session is not None:
                if trace:
                    trace(f"Cloning packet at egress to session {session_id}")
                meta2 = self.new_meta()
                std2 = self.new_std()
                self._restore(meta2, self._preserve(meta, fl, std), std2)
                std2.f_instance_type = E2E
                self._multicast(0, hdr.copy(), meta2, std2, job.payload, job.plen, job.ilen, jobs, trace,
                                session.packet_length, session.order)
            elif trace:
                trace(f"Clone session {session_id} not configured: no clone")
        if std.f_egress_spec == DROP_PORT:
            if trace:
                trace("Dropping packet at the end of egress")
            return
        _until_exit(self.b["compute"], ctx, hdr, meta)
        out: list[bytes] = []
        self.b["deparser"](ctx, out, hdr)
        out.append(job.payload)
        frame = b"".join(out)
        if ctx.recirc is not None:
            if trace:
                trace("Recirculating packet")
            jobs.append(_Ingress(frame, 0, RECIRC, self._preserve(meta, ctx.recirc, std)))
            return
        if ctx.truncate is not None and ctx.truncate < len(frame):
            frame = frame[: ctx.truncate]
        if job.clone_len and job.clone_len < len(frame):
            frame = frame[: job.clone_len]
        if trace:
            trace(f"Transmitting packet of size {len(frame)} out of port {job.port}")
        self.emit_frame(job.port, frame, result)


STD_ROOT = "$std"


def _walk(meta: Any, std: Any, path: tuple[str, ...]) -> Any:
    """The object holding the last field of ``path``."""
    if path[0] == STD_ROOT:
        if std is None:
            return None
        obj, path = std, path[1:]
    else:
        obj = meta
    for part in path[:-1]:
        obj = getattr(obj, "f_" + part)
    return obj


def _until_exit(block: Callable[..., Any], *args: Any) -> None:
    """Run a pipeline block; ``exit`` ends just that block."""
    try:
        block(*args)
    except P4Exit:
        return


def monotonic_us_clock() -> Callable[[], int]:
    """Microseconds since creation, like BMv2's get_ts()."""
    t0 = time.monotonic()
    return lambda: int((time.monotonic() - t0) * 1_000_000)
