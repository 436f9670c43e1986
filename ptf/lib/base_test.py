"""Base class for PTF tests that program the switch over P4Runtime.

In the style of the P4 community's suites (fabric-tna's base_test): each test
connects, becomes primary, makes sure the pipeline is loaded, and records
every entity it writes so that ``tearDown`` deletes them in reverse order; a
test that fails half-way leaves nothing behind for the next one.

Test parameters (``ptf --test-params "k=v;..."``): ``grpcaddr``,
``device_id``, ``p4info`` (path), ``device_config`` (path), ``cpu_port``.
"""

from __future__ import annotations

import queue
from collections.abc import Sequence

import grpc
import ptf.testutils as testutils
from finsy.proto.p4.v1 import p4runtime_pb2
from p4info_helper import P4InfoHelper, counter_entry, entity, multicast_group, update
from p4rt_client import P4RuntimeClient, load_p4info
from ptf.base_tests import BaseTest

import ptf

_PIPELINE_COOKIE = 0x7E5A


def param(name: str, default: object = None) -> object:
    value = testutils.test_param_get(name)
    return default if value is None else value


class P4RuntimeTest(BaseTest):
    """Connects to the target and cleans up after itself."""

    def setUp(self) -> None:
        super().setUp()
        self.dataplane = ptf.dataplane_instance
        self.dataplane.flush()
        self.device_id = int(param("device_id", 1))
        self.cpu_port = int(param("cpu_port", 255))
        self.p4info = load_p4info(str(param("p4info")))
        self.helper = P4InfoHelper(self.p4info)
        self.client = P4RuntimeClient(str(param("grpcaddr", "127.0.0.1:9559")), self.device_id, (0, 1))
        self.addCleanup(self.client.close)  # runs even when the rest of setUp fails
        self._written: list[p4runtime_pb2.Entity] = []
        self.client.become_primary()
        self._ensure_pipeline()

    def _ensure_pipeline(self) -> None:
        """Push the pipeline once per target run; later tests find it by cookie."""
        try:
            current = self.client.get_pipeline(p4runtime_pb2.GetForwardingPipelineConfigRequest.COOKIE_ONLY)
        except grpc.RpcError as err:
            if err.code() != grpc.StatusCode.FAILED_PRECONDITION:  # no pipeline yet
                raise
        else:
            if current.cookie.cookie == _PIPELINE_COOKIE:
                return
        with open(str(param("device_config")), "rb") as f:
            device_config = f.read()
        self.client.set_pipeline(self.p4info, device_config, cookie=_PIPELINE_COOKIE)

    def tearDown(self) -> None:
        try:
            for ent in reversed(self._written):
                self.client.write([update("DELETE", ent)])
        finally:
            self._written.clear()
            super().tearDown()

    # ----------------------------------------------------------- writing
    def insert(self, ent: p4runtime_pb2.Entity) -> p4runtime_pb2.Entity:
        self.client.write([update("INSERT", ent)])
        self._written.append(ent)
        return ent

    def insert_table_entry(self, table: str, match: dict, action: str, params: dict | None = None,
                           priority: int = 0) -> p4runtime_pb2.Entity:
        te = self.helper.table_entry(table, match, action, params, priority=priority)
        return self.insert(entity(table_entry=te))

    def set_default_action(self, table: str, action: str, params: dict | None = None) -> None:
        """Default entries are modified, never inserted; teardown resets it."""
        te = self.helper.table_entry(table, None, action, params, default=True)
        self.client.write([update("MODIFY", entity(table_entry=te))])
        self.addCleanup(self._reset_default, table)

    def _reset_default(self, table: str) -> None:
        te = self.helper.table_entry(table, None, None, None, default=True)
        self.client.write([update("MODIFY", entity(table_entry=te))])

    def insert_multicast_group(self, group_id: int, replicas: Sequence[tuple[int, int]]) -> p4runtime_pb2.Entity:
        return self.insert(multicast_group(group_id, list(replicas)))

    # ----------------------------------------------------------- packet I/O
    def packet_in(self, timeout: float = 2.0) -> tuple[dict[str, int], bytes]:
        try:
            msg = self.client.packet_ins.get(timeout=timeout)
        except queue.Empty:
            self.fail(f"no packet-in within {timeout} s")
        return self.helper.decode_packet_metadata("packet_in", msg.metadata), msg.payload

    def packet_out(self, payload: bytes, **metadata: int) -> None:
        self.client.send_packet_out(payload, self.helper.packet_metadata("packet_out", metadata))

    def digest(self, timeout: float = 2.0) -> p4runtime_pb2.DigestList:
        try:
            msg = self.client.digests.get(timeout=timeout)
        except queue.Empty:
            self.fail(f"no digest within {timeout} s")
        self.client.ack_digest(msg)
        return msg

    # ----------------------------------------------------------- reading
    def read_counter(self, counter: str, index: int | None = None) -> dict[int, tuple[int, int]]:
        """Cells of an indexed counter as {index: (packets, bytes)}; all cells when ``index`` is None."""
        out = {}
        for ent in self.client.read([counter_entry(self.helper, counter, index)]):
            c = ent.counter_entry
            out[c.index.index] = (c.data.packet_count, c.data.byte_count)
        return out

    def read_direct_counter(self, table_entry: p4runtime_pb2.Entity) -> tuple[int, int]:
        """(packets, bytes) of the direct counter cell of one table entry."""
        ent = p4runtime_pb2.Entity()
        ent.direct_counter_entry.table_entry.CopyFrom(table_entry.table_entry)
        (reply,) = self.client.read([ent])
        data = reply.direct_counter_entry.data
        return data.packet_count, data.byte_count
