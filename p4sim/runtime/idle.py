"""Idle timeout notifications (P4Runtime section 9.1.6, IdleTimeoutNotification).

An entry of a table with ``support_timeout`` and a non-zero
``idle_timeout_ns`` that has not been hit for that long is reported once to
the primary client; it is reported again only after a new hit and a new
expiry (the entry itself stays: removing it is the controller's decision).
Notifications are not acknowledged.

Hit times belong to the engine. This monitor needs
``Switch.idle_entries(table) -> list[tuple[TableEntry, int]]``: the entries
of ``table`` that have an idle timeout, each with the nanoseconds since its
last hit (or since it was written). Until the engine provides it, the monitor
logs that notifications are unavailable and sends nothing."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

from finsy.proto.p4.v1 import p4runtime_pb2 as p4r

from p4sim.runtime import keys
from p4sim.runtime.p4info_index import P4InfoIndex

log = logging.getLogger(__name__)

PERIOD_S = 0.1  # sweep period; BMv2's ageing sweep is coarser (about 1 s)


def supported(sw) -> bool:
    return callable(getattr(sw, "idle_entries", None))


class IdleMonitor:
    def __init__(self, idx: P4InfoIndex, sw, send: Callable[[p4r.StreamMessageResponse], bool]):
        self.idx = idx
        self.sw = sw
        self._send = send
        self._tables = [t for t in idx.tables.values() if t.idle_timeout]
        self._notified: set[tuple] = set()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        if not self._tables:
            return
        if not supported(sw):
            log.warning(
                "tables %s support idle timeout, but this engine reports no hit times: "
                "no IdleTimeoutNotification will be sent",
                ", ".join(t.name for t in self._tables),
            )
            return
        self._thread = threading.Thread(target=self._run, name="p4sim-idle-timeout", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def elapsed_ns(self, table: str) -> dict[tuple, int]:
        """(keys, priority) -> ns since the last hit, for reads asking for
        time_since_last_hit; empty when the engine reports no hit times."""
        if not supported(self.sw):
            return {}
        return {(e.keys, e.priority): elapsed for e, elapsed in self.sw.idle_entries(table)}

    def sweep(self) -> int:
        """One pass over the tables; returns how many entries were reported."""
        msg = p4r.StreamMessageResponse()
        note = msg.idle_timeout_notification
        seen: set[tuple] = set()
        reported: list[tuple] = []
        for t in self._tables:
            for e, elapsed in self.sw.idle_entries(t.name):
                ident = (t.name, e.keys, e.priority)
                if not e.idle_timeout_ns or elapsed < e.idle_timeout_ns:
                    continue
                seen.add(ident)
                if ident in self._notified:
                    continue
                reported.append(ident)
                out = note.table_entry.add(table_id=t.id, priority=e.priority, idle_timeout_ns=e.idle_timeout_ns)
                keys.encode_into(t, e.keys, out.match)
                if e.metadata:
                    out.metadata = e.metadata
        # Entries hit again (or gone) may be reported again after a new expiry.
        self._notified = {i for i in self._notified if i in seen}
        self._notified.update(reported)
        if len(note.table_entry):
            note.timestamp = time.time_ns()
            self._send(msg)
        return len(note.table_entry)

    def _run(self) -> None:
        while not self._stop.wait(PERIOD_S):
            try:
                self.sweep()
            except Exception:
                log.exception("idle timeout sweep failed")
