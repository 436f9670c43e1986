"""Compare two P4Info messages the way the conformance README defines
identity: every field equal, repeated top-level entities in any order."""

from __future__ import annotations

from pathlib import Path

from finsy.proto.p4.config.v1 import p4info_pb2
from google.protobuf import text_format

CONFORMANCE = Path("/work/shared/conformance")

_ENTITIES = (
    "tables",
    "actions",
    "action_profiles",
    "counters",
    "direct_counters",
    "meters",
    "direct_meters",
    "controller_packet_metadata",
    "value_sets",
    "registers",
    "digests",
)


def canonical(p4info: p4info_pb2.P4Info) -> p4info_pb2.P4Info:
    out = p4info_pb2.P4Info()
    out.CopyFrom(p4info)
    for name in _ENTITIES:
        items = sorted(getattr(out, name), key=lambda e: e.preamble.id)
        copies = [type(e)() for e in items]
        for c, e in zip(copies, items, strict=True):
            c.CopyFrom(e)
        del getattr(out, name)[:]
        getattr(out, name).extend(copies)
    return out


def assert_same_p4info(actual: p4info_pb2.P4Info, expected: p4info_pb2.P4Info) -> None:
    a = text_format.MessageToString(canonical(actual))
    e = text_format.MessageToString(canonical(expected))
    assert a == e, f"P4Info differs:\n--- expected\n{e}\n--- actual\n{a}"


def recorded(name: str) -> p4info_pb2.P4Info:
    msg = p4info_pb2.P4Info()
    text_format.Parse((CONFORMANCE / f"{name}.p4info.txtpb").read_text(), msg)
    return msg
