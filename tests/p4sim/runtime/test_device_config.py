"""The p4sim device config container: self-contained, versioned, refusing
what it is not."""

from __future__ import annotations

import json

import pytest

from p4sim import device_config
from p4sim.errors import InvalidArgument


def _tree(tmp_path):
    (tmp_path / "src" / "include").mkdir(parents=True)
    (tmp_path / "lib").mkdir()
    (tmp_path / "src" / "main.p4").write_text(
        '#include <core.p4>\n#include <v1model.p4>\n#include "include/headers.p4"\n#include <common.p4>\n'
    )
    (tmp_path / "src" / "include" / "headers.p4").write_text('#include "types.p4"\nheader h_t { bit<8> f; }\n')
    (tmp_path / "src" / "include" / "types.p4").write_text("typedef bit<8> b8;\n")
    (tmp_path / "lib" / "common.p4").write_text("const bit<8> C = 1;\n")
    return tmp_path / "src" / "main.p4", [tmp_path / "lib"]


def test_write_packs_every_included_file_and_round_trips(tmp_path):
    main, incs = _tree(tmp_path)
    data = device_config.write(tmp_path / "cfg.bin", main, incs)
    assert (tmp_path / "cfg.bin").read_bytes() == data
    assert data.startswith(b"P4SIM-DEVICE-CONFIG 1\n")
    name, files = device_config.read(data)
    assert name == "src/main.p4"
    assert set(files) == {"src/main.p4", "src/include/headers.p4", "src/include/types.p4", "lib/common.p4"}
    assert files["lib/common.p4"] == "const bit<8> C = 1;\n"

    # Materialized elsewhere, the tree resolves the same includes.
    cfg = device_config.parse(data)
    out = tmp_path / "out"
    m, dirs = device_config.materialize(cfg, out)
    assert m.read_text() == main.read_text()
    assert (dirs[0] / "common.p4").is_file()
    assert (m.parent / "include" / "types.p4").is_file()


def test_missing_include_is_reported_with_its_place(tmp_path):
    (tmp_path / "p.p4").write_text('// x\n#include "nothere.p4"\n')
    with pytest.raises(FileNotFoundError, match=r"p\.p4:2: cannot find #include file 'nothere.p4'"):
        device_config.collect(tmp_path / "p.p4")


@pytest.mark.parametrize(
    "data, message",
    [
        (b"", "empty"),
        (b'{"header_types": [], "actions": []}', "BMv2 JSON"),
        (b"\x00garbage", "not a p4sim device config"),
        (b"P4SIM-DEVICE-CONFIG 9\n{}", "version 9"),
        (b"P4SIM-DEVICE-CONFIG 1\nnot json", "not UTF-8 JSON"),
        (b'P4SIM-DEVICE-CONFIG 1\n{"format": "p4sim-device-config", "main": "a.p4", "files": {}}', "not among"),
        (
            b'P4SIM-DEVICE-CONFIG 1\n{"format": "p4sim-device-config", "main": "../a.p4", '
            b'"files": {"../a.p4": ""}}',
            "relative path",
        ),
    ],
)
def test_malformed_configs_are_invalid_argument(data, message):
    with pytest.raises(InvalidArgument, match=message):
        device_config.parse(data)


def test_pack_is_deterministic():
    cfg = device_config.DeviceConfig(main="a.p4", files={"b.p4": "b", "a.p4": "a"})
    one, two = device_config.pack(cfg), device_config.pack(cfg)
    assert one == two
    body = json.loads(one.split(b"\n", 1)[1])
    assert list(body["files"]) == ["a.p4", "b.p4"]
