"""Arbitration over real StreamChannels (P4Runtime 5.3): who is primary,
who is told, and what non-primary writers get."""

from __future__ import annotations

import queue
import time

import grpc
from finsy.proto.google.rpc import code_pb2
from finsy.proto.p4.v1 import p4runtime_pb2 as p4r

from .p4rt_client import eid


def _status(msg: p4r.StreamMessageResponse) -> int:
    return msg.arbitration.status.code


def _election(msg: p4r.StreamMessageResponse) -> int:
    e = msg.arbitration.election_id
    return (e.high << 64) | e.low


def test_highest_election_id_wins_and_everyone_is_told(clients):
    a = clients(election_id=5).stream()
    a.arbitrate(5, device_id=1)
    assert _status(a.get("arbitration")) == code_pb2.OK

    b = clients(election_id=10).stream()
    b.arbitrate(10, device_id=1)
    mb = b.get("arbitration")
    assert _status(mb) == code_pb2.OK
    ma = a.get("arbitration")
    assert _status(ma) == code_pb2.ALREADY_EXISTS
    assert _election(ma) == 10  # backups learn the primary's election id

    # A backup joining below the primary hears only about itself.
    c = clients(election_id=7).stream()
    c.arbitrate(7, device_id=1)
    assert _status(c.get("arbitration")) == code_pb2.ALREADY_EXISTS
    assert a.nothing("arbitration") and b.nothing("arbitration", wait=0.05)

    # The primary leaves: the next highest (7) is promoted, all are told.
    b.close()
    assert _status(c.get("arbitration")) == code_pb2.OK
    ma = a.get("arbitration")
    assert _status(ma) == code_pb2.ALREADY_EXISTS and _election(ma) == 7


def test_large_election_ids_use_all_128_bits(clients):
    big = (3 << 64) | 1
    a = clients().stream()
    a.arbitrate(1 << 64, device_id=1)
    assert _status(a.get("arbitration")) == code_pb2.OK
    b = clients().stream()
    b.arbitrate(big, device_id=1)
    assert _status(b.get("arbitration")) == code_pb2.OK
    assert _election(a.get("arbitration")) == big


def test_election_id_held_by_another_client_ends_the_stream(clients):
    a = clients().stream()
    a.arbitrate(3, device_id=1)
    assert _status(a.get("arbitration")) == code_pb2.OK
    b = clients().stream()
    b.arbitrate(3, device_id=1)
    err = b.ended()
    assert err is not None and err.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert "election id 3" in err.details()
    assert a.nothing("arbitration")  # the primary is unaffected


def test_unknown_device_ends_the_stream_with_not_found(clients):
    s = clients().stream()
    s.arbitrate(1, device_id=99)
    err = s.ended()
    assert err is not None and err.code() == grpc.StatusCode.NOT_FOUND


def test_unset_election_id_is_never_primary(clients):
    s = clients().stream()
    s.arbitrate(None, device_id=1)
    assert _status(s.get("arbitration")) == code_pb2.NOT_FOUND  # no primary at all
    p = clients().stream()
    p.arbitrate(2, device_id=1)
    assert _status(p.get("arbitration")) == code_pb2.OK
    assert _status(s.get("arbitration")) == code_pb2.ALREADY_EXISTS


def test_writes_need_the_primary(clients):
    primary = clients(election_id=20)
    primary.become_primary()
    backup = clients(election_id=10)
    s = backup.stream()
    s.arbitrate(10, device_id=1)
    s.get("arbitration")

    err = backup.write_error()
    assert err.code() == grpc.StatusCode.PERMISSION_DENIED
    err = primary.write_error(election_id=None)
    assert err.code() == grpc.StatusCode.PERMISSION_DENIED
    err = primary.write_error(device_id=7)
    assert err.code() == grpc.StatusCode.NOT_FOUND
    err = primary.write_error(role="nobody")
    assert err.code() == grpc.StatusCode.NOT_FOUND
    # The primary passes arbitration and meets the missing pipeline.
    err = primary.write_error()
    assert err.code() == grpc.StatusCode.FAILED_PRECONDITION


def test_primary_of_a_named_role(clients):
    c = clients(election_id=4)
    s = c.stream()
    s.arbitrate(4, device_id=1, role="sdn")
    assert _status(s.get("arbitration")) == code_pb2.OK
    assert c.write_error(role="sdn").code() == grpc.StatusCode.FAILED_PRECONDITION
    # The default role has no primary: this client is not it.
    assert c.write_error().code() == grpc.StatusCode.PERMISSION_DENIED


def test_capabilities_and_no_pipeline_yet(clients):
    c = clients()
    caps = c.stub.Capabilities(p4r.CapabilitiesRequest(device_id=1))
    assert caps.p4runtime_api_version == "1.3.0"
    try:
        c.stub.GetForwardingPipelineConfig(p4r.GetForwardingPipelineConfigRequest(device_id=1))
    except grpc.RpcError as exc:
        assert exc.code() == grpc.StatusCode.FAILED_PRECONDITION
    else:
        raise AssertionError("GetForwardingPipelineConfig without a pipeline succeeded")
    assert c.read_error(p4r.Entity(table_entry=p4r.TableEntry())).code() == grpc.StatusCode.FAILED_PRECONDITION
    assert c.read_error(device_id=5).code() == grpc.StatusCode.NOT_FOUND


def test_packet_out_before_arbitration_is_a_stream_error(clients):
    s = clients().stream()
    s.send(p4r.StreamMessageRequest(packet=p4r.PacketOut(payload=b"x")))
    err = s.get("error").error
    assert err.canonical_code == code_pb2.FAILED_PRECONDITION
    assert err.packet_out.packet_out.payload == b"x"
    # The stream survives a bad message.
    s.arbitrate(1, device_id=1)
    assert _status(s.get("arbitration")) == code_pb2.OK


def test_bmv2_json_device_config_is_refused(clients):
    c = clients()
    c.become_primary()
    req = p4r.SetForwardingPipelineConfigRequest(
        device_id=1, action=p4r.SetForwardingPipelineConfigRequest.VERIFY_AND_COMMIT
    )
    req.election_id.CopyFrom(eid(1))
    req.config.p4info.pkg_info.arch = "v1model"
    req.config.p4_device_config = b'{"header_types": [], "pipelines": []}'
    try:
        c.stub.SetForwardingPipelineConfig(req)
    except grpc.RpcError as exc:
        assert exc.code() == grpc.StatusCode.INVALID_ARGUMENT
        assert "BMv2 JSON" in exc.details()
    else:
        raise AssertionError("a BMv2 JSON was accepted")


def test_role_change_on_a_stream_ends_it(clients):
    s = clients().stream()
    s.arbitrate(2, device_id=1, role="a")
    assert _status(s.get("arbitration")) == code_pb2.OK
    s.arbitrate(2, device_id=1, role="b")
    err = s.ended()
    assert err is not None and err.code() == grpc.StatusCode.FAILED_PRECONDITION


def test_garbage_on_the_stream_is_a_stream_error(server, clients):
    c = clients()
    call = c.channel.stream_stream(
        "/p4.v1.P4Runtime/StreamChannel",
        request_serializer=lambda b: b,
        response_deserializer=p4r.StreamMessageResponse.FromString,
    )
    upd = p4r.MasterArbitrationUpdate(device_id=1)
    upd.election_id.low = 1
    good = p4r.StreamMessageRequest(arbitration=upd).SerializeToString()
    requests = queue.Queue()
    requests.put(b"\xff\xff\xff")
    responses = call(iter(requests.get, None))
    first = next(responses)
    assert first.error.canonical_code == code_pb2.INVALID_ARGUMENT
    assert "cannot parse" in first.error.message
    requests.put(good)  # the stream is still usable
    assert next(responses).arbitration.status.code == code_pb2.OK
    requests.put(None)
    responses.cancel()


def test_deprecated_numeric_role_id_of_1_3_clients(clients):
    c = clients(election_id=6)
    s = c.stream()
    upd = p4r.MasterArbitrationUpdate(device_id=1, election_id=eid(6))
    upd.role.id = 5
    s.send(p4r.StreamMessageRequest(arbitration=upd))
    reply = s.get("arbitration").arbitration
    assert reply.status.code == code_pb2.OK and reply.role.id == 5
    assert c.write_error(role_id=5).code() == grpc.StatusCode.FAILED_PRECONDITION  # past arbitration
    assert c.write_error(role_id=4).code() == grpc.StatusCode.NOT_FOUND


def test_streams_beyond_the_worker_budget_are_refused_and_writes_still_work(server, clients):
    # The fixture's server has 16 workers: 12 streams, 4 workers kept for unary calls.
    c = clients()
    streams = [c.stream() for _ in range(12)]
    for i, s in enumerate(streams):
        s.arbitrate(100 + i, device_id=1)
        s.get("arbitration")
    extra = c.stream()
    err = extra.ended()
    assert err is not None and err.code() == grpc.StatusCode.RESOURCE_EXHAUSTED
    c.election_id = 111
    assert c.write_error().code() == grpc.StatusCode.FAILED_PRECONDITION  # served, as primary
    streams[0].close()
    deadline = time.monotonic() + 5
    while server.state.streams >= 12 and time.monotonic() < deadline:  # the close reaches the server
        time.sleep(0.01)
    again = c.stream()
    again.arbitrate(1, device_id=1)
    assert again.get("arbitration").arbitration.status.code == code_pb2.ALREADY_EXISTS
