"""Reading and writing P4Info files in the three formats p4c's
``--p4runtime-files`` chooses by extension.

Text output carries p4c's two header comment lines so that diff against a
p4c-written file shows only real differences; readers ignore comments anyway.
"""

from __future__ import annotations

from pathlib import Path

from finsy.proto.p4.config.v1 import p4info_pb2
from google.protobuf import json_format, text_format

TEXT_HEADER = "# proto-file: p4/config/v1/p4info.proto\n# proto-message: p4.config.v1.P4Info\n\n"

_TEXT = (".txt", ".txtpb", ".pb.txt")
_BINARY = (".bin", ".pb")
_JSON = (".json",)


class P4InfoFormatError(ValueError):
    """A path whose extension names no P4Info format we write."""


def _format(path: Path) -> str:
    name = path.name.lower()
    for fmt, exts in (("text", _TEXT), ("binary", _BINARY), ("json", _JSON)):
        if any(name.endswith(e) for e in exts):
            return fmt
    raise P4InfoFormatError(
        f"{path}: unknown P4Info format; use one of {', '.join(_TEXT + _BINARY + _JSON)}"
    )


def check_p4info_path(path: str | Path) -> None:
    """Raise P4InfoFormatError unless the extension names a format."""
    _format(Path(path))


def to_text(p4info: p4info_pb2.P4Info) -> str:
    return TEXT_HEADER + text_format.MessageToString(p4info)


def write_p4info(p4info: p4info_pb2.P4Info, path: str | Path) -> None:
    """Write in the format the extension names (.txt/.txtpb text, .bin
    binary, .json JSON)."""
    path = Path(path)
    fmt = _format(path)
    if fmt == "text":
        path.write_text(to_text(p4info))
    elif fmt == "binary":
        path.write_bytes(p4info.SerializeToString())
    else:
        path.write_text(json_format.MessageToJson(p4info, indent=2) + "\n")


def read_p4info(path: str | Path) -> p4info_pb2.P4Info:
    path = Path(path)
    fmt = _format(path)
    msg = p4info_pb2.P4Info()
    if fmt == "text":
        text_format.Parse(path.read_text(), msg)
    elif fmt == "binary":
        msg.ParseFromString(path.read_bytes())
    else:
        json_format.Parse(path.read_text(), msg)
    return msg
