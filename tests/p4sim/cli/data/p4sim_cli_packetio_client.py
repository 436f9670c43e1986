"""Run inside the test's namespace: a P4Runtime client that becomes primary,
sends a PacketOut, and waits for the PacketIn of a frame it injects on h0.
Prints one JSON object with what it observed."""

import json
import queue
import select
import socket
import sys
import time

import grpc
from finsy.proto.p4.v1 import p4runtime_pb2 as p4r
from finsy.proto.p4.v1 import p4runtime_pb2_grpc as p4r_grpc

addr, device_id = sys.argv[1], int(sys.argv[2])
FRAME = bytes.fromhex("020000000002" "020000000001" "88b5") + b"packet-io".ljust(46, b"\0")

socks = {}
for i in (0, 1):
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(3))
    s.bind((f"h{i}", 0))
    s.setblocking(False)
    socks[i] = s

requests: queue.Queue = queue.Queue()
channel = grpc.insecure_channel(addr)
stub = p4r_grpc.P4RuntimeStub(channel)
responses = stub.StreamChannel(iter(requests.get, None))

arb = p4r.StreamMessageRequest()
arb.arbitration.device_id = device_id
arb.arbitration.election_id.low = 1
requests.put(arb)
first = next(responses)
result = {"arbitration_code": first.arbitration.status.code}

out = p4r.StreamMessageRequest()
out.packet.payload = FRAME
out.packet.metadata.add(metadata_id=1, value=b"\x01")  # egress_port = 1
out.packet.metadata.add(metadata_id=2, value=b"\x00")  # pad
requests.put(out)

deadline = time.monotonic() + 5
got = None
while got is None and time.monotonic() < deadline:
    r, _, _ = select.select([socks[1]], [], [], 0.2)
    if r:
        data, a = socks[1].recvfrom(65535)
        if a[2] != socket.PACKET_OUTGOING:
            got = data
result["packet_out_on_h1"] = got.hex() if got else None

socks[0].send(FRAME)
msg = next(responses)
result["packet_in_payload"] = msg.packet.payload.hex()
result["packet_in_metadata"] = {m.metadata_id: m.value.hex() for m in msg.packet.metadata}
requests.put(None)
channel.close()
print(json.dumps(result))
