"""PacketOut to a port, PacketIn from the pipeline (through the switch
holder, as the port loop feeds it), and StreamErrors for bad packets."""

from __future__ import annotations

from finsy.proto.google.rpc import code_pb2
from finsy.proto.p4.v1 import p4runtime_pb2 as p4r

from .entities import ins

CPU_PORT = 64
MAC = 0x02_00_00_00_00_0A
FRAME = MAC.to_bytes(6, "big") + (0x02_00_00_00_00_01).to_bytes(6, "big") + b"\x88\xb5" + b"payload!" * 8


def _md_ids(rt, header: str) -> dict[str, int]:
    cpm = next(c for c in rt.info.p4info.controller_packet_metadata if c.preamble.name == header)
    return {m.name: m.id for m in cpm.metadata}


def test_packet_out_reaches_the_port_in_its_metadata(rt, transmitted):
    ids = _md_ids(rt, "packet_out")
    out = p4r.PacketOut(payload=FRAME)
    out.metadata.add(metadata_id=ids["egress_port"], value=b"\x00\x02")  # padded is accepted
    rt.stream.send(p4r.StreamMessageRequest(packet=out))
    rt.stream.send(p4r.StreamMessageRequest(packet=p4r.PacketOut(
        payload=FRAME, metadata=[p4r.PacketMetadata(metadata_id=ids["egress_port"], value=b"\x05")])))
    # Both are processed in order; wait for the second through a round trip.
    assert rt.stream.nothing("error")
    assert transmitted == [(2, FRAME), (5, FRAME)]


def test_bad_packet_out_gets_a_stream_error_and_nothing_is_sent(rt, transmitted):
    ids = _md_ids(rt, "packet_out")
    bad = [
        p4r.PacketOut(payload=FRAME, metadata=[p4r.PacketMetadata(metadata_id=77, value=b"\x01")]),
        p4r.PacketOut(payload=FRAME, metadata=[p4r.PacketMetadata(metadata_id=ids["egress_port"],
                                                                  value=b"\x02\x00")]),  # 10 bits
    ]
    for pkt in bad:
        rt.stream.send(p4r.StreamMessageRequest(packet=pkt))
        err = rt.stream.get("error").error
        assert err.canonical_code == code_pb2.INVALID_ARGUMENT
        assert err.packet_out.packet_out == pkt
    assert transmitted == []


def test_packet_out_from_a_backup_is_refused(rt, clients, transmitted):
    s = clients().stream()
    s.arbitrate(None, device_id=1)  # no election id: never primary
    s.get("arbitration")
    s.send(p4r.StreamMessageRequest(packet=p4r.PacketOut(payload=FRAME)))
    assert s.get("error").error.canonical_code == code_pb2.PERMISSION_DENIED
    assert transmitted == []


def test_packet_in_reaches_the_primary_with_metadata(rt, clients):
    rt.client.write(ins(rt.info.entity("dmac", "to_cpu", dst=MAC)))
    backup = clients(election_id=0).stream()
    backup.arbitrate(None, device_id=1)
    backup.get("arbitration")

    res = rt.dataplane.process(3, FRAME)
    assert res.outputs == []
    pin = rt.stream.get("packet").packet
    assert pin.payload == FRAME
    ids = _md_ids(rt, "packet_in")
    md = {m.metadata_id: m.value for m in pin.metadata}
    assert md[ids["ingress_port"]] == b"\x03"  # canonical
    assert backup.nothing("packet")
