"""``p4sim compile``: the files p4c users expect, and p4c-style diagnostics."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
from finsy.proto.p4.config.v1 import p4info_pb2
from google.protobuf import json_format, text_format

from p4sim import device_config

CONFORMANCE = Path("/work/shared/conformance")

GOOD_TAIL = """
control V(inout H hdr, inout M m) { apply { } }
control E(inout H hdr, inout M m, inout standard_metadata_t s) { apply { } }
control C(inout H hdr, inout M m) { apply { } }
control D(packet_out p, in H hdr) { apply { p.emit(hdr.h); } }
V1Switch(P(), V(), I(), E(), C(), D()) main;
"""

HEAD = """#include <core.p4>
#include <v1model.p4>
header h_t { bit<8> a; }
struct H { h_t h; }
struct M {}
parser P(packet_in p, out H hdr, inout M m, inout standard_metadata_t s) {
    state start { p.extract(hdr.h); transition accept; }
}
"""


def p4sim(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "p4sim.cli", *args], capture_output=True, text=True, timeout=120)


def recorded() -> p4info_pb2.P4Info:
    return text_format.Parse((CONFORMANCE / "conf_l2_l3.p4info.txtpb").read_text(), p4info_pb2.P4Info())


@pytest.mark.parametrize("suffix", [".txtpb", ".txt", ".bin", ".json"])
def test_writes_p4info_in_the_format_of_the_extension(tmp_path, suffix):
    out = tmp_path / f"prog.p4info{suffix}"
    proc = p4sim("compile", str(CONFORMANCE / "conf_l2_l3.p4"), "--p4info", str(out))
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr == ""
    msg = p4info_pb2.P4Info()
    if suffix == ".bin":
        msg.ParseFromString(out.read_bytes())
    elif suffix == ".json":
        json_format.Parse(out.read_text(), msg)
    else:
        assert out.read_text().startswith("# proto-file: p4/config/v1/p4info.proto\n")
        text_format.Parse(out.read_text(), msg)
    # p4sim writes p4c's entity order too, so the messages are equal as is.
    assert msg == recorded()


def test_device_config_holds_program_and_includes(tmp_path):
    inc = tmp_path / "inc"
    inc.mkdir()
    (inc / "hdr.p4").write_text("header h_t { bit<8> a; }\n")
    prog = tmp_path / "prog.p4"
    prog.write_text(HEAD.replace("header h_t { bit<8> a; }\n", '#include "hdr.p4"\n')
                    + "control I(inout H hdr, inout M m, inout standard_metadata_t s) { apply { } }\n" + GOOD_TAIL)
    out = tmp_path / "prog.bin"
    proc = p4sim("compile", str(prog), "-I", str(inc), "--device-config", str(out))
    assert proc.returncode == 0, proc.stderr
    config = device_config.parse(out.read_bytes())
    assert config.main == "prog.p4"
    assert any(name.endswith("hdr.p4") for name in config.files)


def test_compile_error_is_file_line_col_and_no_output(tmp_path):
    prog = tmp_path / "bad.p4"
    prog.write_text(HEAD + "control I(inout H hdr, inout M m, inout standard_metadata_t s) {\n"
                    "    apply { hdr.h.a = undefined_thing + 1; }\n}\n" + GOOD_TAIL)
    out = tmp_path / "bad.p4info.txtpb"
    proc = p4sim("compile", str(prog), "--p4info", str(out))
    assert proc.returncode == 1
    assert "Traceback" not in proc.stderr
    line = proc.stderr.strip()
    assert re.fullmatch(rf"{re.escape(str(prog))}:10:\d+: error: .*undefined_thing.*", line), line
    assert not out.exists()


def test_error_in_included_file_names_that_file(tmp_path):
    (tmp_path / "broken.p4").write_text("header h_t { bit<8> a }\n")  # missing ';'
    prog = tmp_path / "prog.p4"
    prog.write_text(HEAD.replace("header h_t { bit<8> a; }\n", '#include "broken.p4"\n')
                    + "control I(inout H hdr, inout M m, inout standard_metadata_t s) { apply { } }\n" + GOOD_TAIL)
    proc = p4sim("compile", str(prog), "--p4info", str(tmp_path / "x.txtpb"))
    assert proc.returncode == 1
    assert re.match(r".*broken\.p4:1:\d+: error: ", proc.stderr), proc.stderr


def test_run_reports_compile_errors_the_same_way(tmp_path):
    prog = tmp_path / "bad.p4"
    prog.write_text(HEAD + "control I(inout H hdr, inout M m, inout standard_metadata_t s) {\n"
                    "    apply { hdr.h.a = undefined_thing + 1; }\n}\n" + GOOD_TAIL)
    proc = p4sim("run", str(prog))
    assert proc.returncode == 1
    assert "Traceback" not in proc.stderr
    assert re.fullmatch(rf"{re.escape(str(prog))}:10:\d+: error: .*", proc.stderr.strip()), proc.stderr


def test_p4runtime_files_list_writes_each_format(tmp_path):
    txt, js = tmp_path / "p.txtpb", tmp_path / "p.json"
    proc = p4sim("compile", str(CONFORMANCE / "conf_l2_l3.p4"), "--p4runtime-files", f"{txt},{js}")
    assert proc.returncode == 0, proc.stderr
    assert text_format.Parse(txt.read_text(), p4info_pb2.P4Info()) == recorded()
    assert json_format.Parse(js.read_text(), p4info_pb2.P4Info()) == recorded()
