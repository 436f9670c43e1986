"""`type` declarations in P4Info as p4c writes them (control-plane/
typeSpecConverter.cpp, p4RuntimeSerializer.cpp getTypeWidth/getTypeName).

The programs under upstream/ reproduce p4c test programs; the expected values
are p4c's recorded outputs (testdata/p4_16_samples_outputs/*.p4info.txtpb)."""

from __future__ import annotations

from pathlib import Path

import pytest

from p4sim.errors import P4CompileError
from p4sim.frontend import compile_file, compile_source
from p4sim.p4info import generate, to_text

UPSTREAM = Path(__file__).parent / "upstream"


def test_translated_types_byte_for_byte_as_p4c():
    # custom-type-restricted-fields.p4: @p4runtime_translation(uri, 32) on
    # bit<48>/bit<32> types; match field, action parameter and packet_out
    # metadata get bitwidth 32 and a type_name; type_info.new_types holds
    # translated_type {uri, sdn_bitwidth}.
    name = "custom-type-restricted-fields"
    text = to_text(generate(compile_file(str(UPSTREAM / f"{name}.p4"))))
    assert text == (UPSTREAM / f"{name}.p4info.txtpb").read_text()


# p4c's output for v1model-p4runtime-enumint-types1.p4: (field, bitwidth,
# type_name) for the key fields of ingress.custom_table, the parameters of
# ingress.set_headers and the packet_out metadata (those stop before s0).
ENUMINT_FIELDS = [
    ("addr0", 48, None), ("addr1", 48, "Eth1_t"), ("addr2", 49, "Eth2_t"), ("e", 8, None),
    ("e0", 8, None), ("e1", 8, "Custom1_t"), ("e2", 12, "Custom2_t"),
    ("e00", 8, None), ("e01", 8, "Custom01_t"), ("e02", 13, "Custom02_t"),
    ("e10", 8, "Custom1_t"), ("e11", 8, "Custom11_t"), ("e12", 14, "Custom12_t"),
    ("e20", 12, "Custom2_t"), ("e21", 8, "Custom21_t"), ("e22", 15, "Custom22_t"),
    ("e001", 8, "Custom001_t"), ("e002", 16, "Custom002_t"), ("e101", 8, "Custom101_t"),
    ("e102", 17, "Custom102_t"), ("e201", 8, "Custom201_t"), ("e202", 18, "Custom202_t"),
    ("e220", 15, "Custom22_t"), ("e0020010", 8, "Custom002001_t"), ("e0020020", 19, "Custom002002_t"),
    ("s0", 8, None),
]
# type_info.new_types: original_type bit<W> (the end of the chain of `type`s)
# or translated_type (uri, sdn_bitwidth).
ENUMINT_NEW_TYPES = {
    "Custom001_t": 8, "Custom002001_t": 8, "Custom01_t": 8, "Custom101_t": 8, "Custom11_t": 8,
    "Custom1_t": 8, "Custom201_t": 8, "Custom21_t": 8, "Eth1_t": 48,
    "Custom002002_t": ("mycompany.com/My_Byte9", 19), "Custom002_t": ("mycompany.com/My_Byte6", 16),
    "Custom02_t": ("mycompany.com/My_Byte3", 13), "Custom102_t": ("mycompany.com/My_Byte7", 17),
    "Custom12_t": ("mycompany.com/My_Byte4", 14), "Custom202_t": ("mycompany.com/My_Byte8", 18),
    "Custom22_t": ("mycompany.com/My_Byte5", 15), "Custom2_t": ("mycompany.com/My_Byte2", 12),
    "Eth2_t": ("mycompany.com/EthernetAddress", 49),
}


def _described(fields):
    return [(f.name, f.bitwidth, f.type_name.name if f.HasField("type_name") else None) for f in fields]


def test_stacked_types_and_typedefs_as_p4c():
    info = generate(compile_file(str(UPSTREAM / "v1model-p4runtime-enumint-types1.p4")))
    (table,) = info.tables
    assert table.preamble.id == 42499711
    assert _described(table.match_fields) == [("hdr.custom." + n, w, t) for n, w, t in ENUMINT_FIELDS]
    action = next(a for a in info.actions if a.preamble.name == "ingress.set_headers")
    assert action.preamble.id == 21844022
    assert _described(action.params) == ENUMINT_FIELDS
    packet_out = next(c for c in info.controller_packet_metadata if c.preamble.name == "packet_out")
    assert packet_out.preamble.id == 76689799
    assert _described(packet_out.metadata) == ENUMINT_FIELDS[:-1]
    got = {}
    for name, spec in info.type_info.new_types.items():
        if spec.HasField("translated_type"):
            got[name] = (spec.translated_type.uri, spec.translated_type.sdn_bitwidth)
        else:
            got[name] = spec.original_type.bitstring.bit.bitwidth
    assert got == ENUMINT_NEW_TYPES
    assert list(info.type_info.serializable_enums) == ["serenum_t"]
    (vs,) = info.value_sets
    assert [(m.name, m.bitwidth) for m in vs.match] == [("addr0", 48), ("e", 8), ("e0", 8), ("e00", 8)]


PROGRAM = """
#include <core.p4>
#include <v1model.p4>
header h_t { bit<8> a; bit<16> b; }
%s
struct d_t { F_t f; bit<8> g; }
struct headers_t { h_t h; }
struct meta_t { F_t f; }
parser P(packet_in p, out headers_t h, inout meta_t m, inout standard_metadata_t s) {
    state start { p.extract(h.h); transition accept; }
}
control VC(inout headers_t h, inout meta_t m) { apply { } }
control I(inout headers_t h, inout meta_t m, inout standard_metadata_t s) {
    register<F_t>(4) r;
    action a(F_t x, B_t y) { m.f = x; }
    table t { key = { m.f: exact; } actions = { a; NoAction; } }
    apply {
        t.apply();
        digest<d_t>(1, { m.f, h.h.a });
    }
}
control E(inout headers_t h, inout meta_t m, inout standard_metadata_t s) { apply { } }
control CC(inout headers_t h, inout meta_t m) { apply { } }
control D(packet_out p, in headers_t h) { apply { p.emit(h.h); } }
V1Switch(P(), VC(), I(), E(), CC(), D()) main;
"""


def test_type_in_structs_registers_and_bool_types():
    info = generate(compile_source(PROGRAM % "@my_anno type bit<8> F_t;\ntype bool B_t;"))
    (action,) = [a for a in info.actions if a.preamble.name == "I.a"]
    assert _described(action.params) == [("x", 8, "F_t"), ("y", 1, "B_t")]
    assert _described(info.tables[0].match_fields) == [("m.f", 8, "F_t")]
    # a struct member, a register's element: P4DataTypeSpec new_type {name}
    assert info.digests[0].type_spec.struct.name == "d_t"
    member = info.type_info.structs["d_t"].members[0]
    assert member.type_spec.new_type.name == "F_t"
    assert info.registers[0].type_spec.new_type.name == "F_t"
    f = info.type_info.new_types["F_t"]
    assert f.original_type.bitstring.bit.bitwidth == 8
    assert list(f.annotations) == ["@my_anno"]
    assert info.type_info.new_types["B_t"].original_type.HasField("bool")


def test_string_translation_gives_bitwidth_0_and_sdn_string():
    src = PROGRAM % '@p4runtime_translation("x.org/F", string) type bit<8> F_t;\ntype bool B_t;'
    info = generate(compile_source(src))
    assert _described(info.tables[0].match_fields) == [("m.f", 0, "F_t")]
    tt = info.type_info.new_types["F_t"].translated_type
    assert tt.uri == "x.org/F" and tt.HasField("sdn_string")


def test_bit_w_translation_syntax():
    src = PROGRAM % '@p4runtime_translation("x.org/F", bit<32>) type bit<8> F_t;\ntype bool B_t;'
    info = generate(compile_source(src))
    assert _described(info.tables[0].match_fields) == [("m.f", 32, "F_t")]


@pytest.mark.parametrize("decl, message", [
    ('type bit<8> F_t;\n@p4runtime_translation("x", 32) type bool B_t;',
     "P4Runtime requires the underlying type for a user-defined type with the @p4runtime_translation "
     "annotation to be bit<W>; it cannot be 'bool'"),
    ('@p4runtime_translation("x", bool) type bit<8> F_t;\ntype bool B_t;', "@p4runtime_translation"),
])
def test_bad_translations_are_errors(decl, message):
    with pytest.raises(P4CompileError, match="B_t|p4runtime") as exc:
        generate(compile_source(PROGRAM % decl))
    assert message in str(exc.value)


def test_type_of_a_non_base_type_is_rejected():
    with pytest.raises(P4CompileError, match="`type' can only be applied to base types"):
        compile_source(PROGRAM % "type h_t F_t;\ntype bool B_t;")
