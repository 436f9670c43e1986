"""Digest delivery: DigestEntry configuration, DigestList batching, acks.

Behaviour follows PI's DigestMgr (what simple_switch_grpc does): nothing is
sent for a digest until the controller configures it with a DigestEntry;
digests collect into a list sent when it holds ``max_list_size`` entries, or
when the oldest is ``max_timeout_ns`` old (0: at once). While
``ack_timeout_ns`` > 0, data already sent and not yet acknowledged is held
back (a learning switch would otherwise report the same MAC for every
packet); an ack, or the ack timeout expiring, releases it. Lists go to the
primary client only; with no primary they are dropped."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from finsy.proto.p4.v1 import p4runtime_pb2 as p4r

from p4sim.errors import AlreadyExists, InvalidArgument, NotFound
from p4sim.runtime import codec
from p4sim.runtime.p4info_index import DigestInfo, P4InfoIndex

INSERT, MODIFY, DELETE = p4r.Update.INSERT, p4r.Update.MODIFY, p4r.Update.DELETE
Sender = Callable[[p4r.StreamMessageResponse], bool]


@dataclass
class _Digest:
    info: DigestInfo
    config: p4r.DigestEntry.Config
    pending: list[tuple[int, ...]] = field(default_factory=list)
    pending_since: float = 0.0
    cache: set[tuple[int, ...]] = field(default_factory=set)
    outstanding: dict[int, tuple[float, list[tuple[int, ...]]]] = field(default_factory=dict)
    next_list_id: int = 1


class DigestManager:
    def __init__(self, idx: P4InfoIndex, send: Sender, clock: Callable[[], float] = time.monotonic):
        self.idx = idx
        self._send = send
        self._clock = clock
        self._lock = threading.Lock()
        self._wake = threading.Condition(self._lock)
        self._digests: dict[int, _Digest] = {}
        self._stopped = False
        self._thread = threading.Thread(target=self._run, name="p4sim-digests", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        with self._lock:
            self._stopped = True
            self._wake.notify()
        self._thread.join(timeout=5)

    # ------------------------------------------------------------ config

    def write(self, utype: int, msg: p4r.DigestEntry) -> None:
        info = self.idx.digest(msg.digest_id)
        cfg = msg.config
        if cfg.max_timeout_ns < 0 or cfg.max_list_size < 0 or cfg.ack_timeout_ns < 0:
            raise InvalidArgument(f"digest {info.name!r}: config values cannot be negative")
        with self._lock:
            d = self._digests.get(info.id)
            if utype == INSERT:
                if d is not None:
                    raise AlreadyExists(f"digest {info.name!r} is already configured")
                self._digests[info.id] = _Digest(info, _copy(cfg))
            elif utype == MODIFY:
                if d is None:
                    raise NotFound(f"digest {info.name!r} is not configured")
                d.config = _copy(cfg)
            elif utype == DELETE:
                if d is None:
                    raise NotFound(f"digest {info.name!r} is not configured")
                del self._digests[info.id]
            else:
                raise InvalidArgument(f"digest {info.name!r}: update type {utype} is not valid")
            self._wake.notify()

    def read(self, req: p4r.DigestEntry) -> list[p4r.Entity]:
        with self._lock:
            if req.digest_id:
                info = self.idx.digest(req.digest_id)
                d = self._digests.get(info.id)
                if d is None:
                    raise NotFound(f"digest {info.name!r} is not configured")
                chosen = [d]
            else:
                chosen = list(self._digests.values())
            out = []
            for d in chosen:
                e = p4r.Entity()
                e.digest_entry.digest_id = d.info.id
                e.digest_entry.config.CopyFrom(d.config)
                out.append(e)
            return out

    # -------------------------------------------------------------- data

    def learn(self, name: str, values: tuple[int, ...]) -> None:
        """One digest from the data plane (engine digest name, member values)."""
        did = self.idx.digest_ids.get(name)
        if did is None:
            return
        with self._lock:
            d = self._digests.get(did)
            if d is None:
                return
            values = tuple(values)
            if d.config.ack_timeout_ns > 0:
                if values in d.cache:
                    return
                d.cache.add(values)
            if not d.pending:
                d.pending_since = self._clock()
            d.pending.append(values)
            size = d.config.max_list_size
            if d.config.max_timeout_ns == 0 or (size and len(d.pending) >= size):
                self._flush(d)
            self._wake.notify()  # a new deadline: list timeout or ack timeout

    def ack(self, msg: p4r.DigestListAck) -> None:
        """Releases the held-back data of one list. An unknown digest id is
        the client's error; an unknown list id is not (it may have expired)."""
        with self._lock:
            d = self._digests.get(msg.digest_id)
            if d is None:
                info = self.idx.digests.get(msg.digest_id)
                what = f"digest {info.name!r} is not configured" if info else f"unknown digest id {msg.digest_id}"
                raise InvalidArgument(f"DigestListAck: {what}")
            entry = d.outstanding.pop(msg.list_id, None)
            if entry is not None:
                d.cache.difference_update(entry[1])

    # ---------------------------------------------------------- internals

    def _flush(self, d: _Digest) -> None:
        """Sends the pending list. Caller holds the lock; ``send`` only
        queues the message on a stream, so holding it is cheap."""
        data, d.pending = d.pending, []
        list_id = d.next_list_id
        d.next_list_id += 1
        msg = p4r.StreamMessageResponse()
        dl = msg.digest
        dl.digest_id = d.info.id
        dl.list_id = list_id
        dl.timestamp = time.time_ns()
        kind = d.info.kind
        for values in data:
            p = dl.data.add()
            if kind == "bitstring":
                p.bitstring = codec.encode(values[0])
            else:
                members = p.struct.members if kind == "struct" else p.tuple.members
                for v in values:
                    members.add().bitstring = codec.encode(v)
        if d.config.ack_timeout_ns > 0:
            d.outstanding[list_id] = (self._clock(), data)
        self._send(msg)

    def _run(self) -> None:
        with self._lock:
            while not self._stopped:
                now = self._clock()
                deadline = None
                for d in self._digests.values():
                    cfg = d.config
                    if d.pending:
                        due = d.pending_since + cfg.max_timeout_ns / 1e9
                        if due <= now:
                            self._flush(d)
                        else:
                            deadline = due if deadline is None else min(deadline, due)
                    for list_id, (sent, data) in list(d.outstanding.items()):
                        expiry = sent + cfg.ack_timeout_ns / 1e9
                        if expiry <= now:
                            del d.outstanding[list_id]
                            d.cache.difference_update(data)
                        else:
                            deadline = expiry if deadline is None else min(deadline, expiry)
                self._wake.wait(None if deadline is None else max(0.0, deadline - self._clock()))


def _copy(cfg: p4r.DigestEntry.Config) -> p4r.DigestEntry.Config:
    c = p4r.DigestEntry.Config()
    c.CopyFrom(cfg)
    return c
