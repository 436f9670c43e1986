"""Rejection suite: each bad program must fail with P4CompileError located at
the offending construct (file:line:col in the file the user wrote, through
#include) and a message that says what is wrong."""

from __future__ import annotations

from pathlib import Path

import pytest
from fe_helpers import line_of, program

from p4sim.errors import P4CompileError
from p4sim.frontend import compile_file, compile_source

HERE = Path(__file__).resolve().parent

# (name, program kwargs, text on the offending line, column of the construct or None, message fragment)
CASES: list[tuple[str, dict[str, str], str, int | None, str]] = [
    ("syntax_missing_operand", {"ingress": "        meta.x = ;"}, "meta.x = ;", 18,
     "syntax error, unexpected token ';'"),
    ("syntax_missing_semicolon", {"ingress": "        meta.x = 1\n        meta.y = 2;"}, "meta.y = 2;", 9,
     "unexpected token 'meta'"),
    ("unknown_name", {"ingress": "        meta.x = nowhere;"}, "nowhere", 18, "nowhere: declaration not found"),
    ("unknown_field", {"ingress": "        meta.q = 1;"}, "meta.q", 9, "Field q is not a member of structure meta_t"),
    ("unknown_type", {"ingress": "        foo_t v;"}, "foo_t v;", 9, "foo_t: declaration not found"),
    ("duplicate_local", {"ingress": "        bit<8> a;\n        bit<8> a;"},
     "        bit<8> a;\n        bit<8> a;", None, "a: duplicate declaration"),
    ("duplicate_action", {"ingress_decls": "action a() {}\naction a() {}"}, "action a() {}\naction a() {}", None,
     "a: duplicate declaration"),
    ("width_assignment", {"ingress": "        meta.x = meta.y;"}, "meta.x = meta.y;", 9,
     "Cannot unify type 'bit<16>' with type 'bit<8>'"),
    ("width_binary", {"ingress": "        meta.y = meta.x + meta.y;"}, "meta.x + meta.y", 18,
     "Cannot operate on values with different widths 8 and 16"),
    ("width_compare", {"ingress": "        if (meta.x == meta.y) { }"}, "meta.x == meta.y", 13,
     "Cannot operate on values with different widths 8 and 16"),
    ("sign_mismatch", {"meta": "bit<8> x; int<8> s;", "ingress": "        meta.x = meta.x + meta.s;"},
     "meta.x + meta.s", 18, "different signs"),
    ("constant_to_out", {"ingress": "        random(5, 8w0, 8w9);"}, "random(5", 16,
     "Read-only value used for out/inout parameter 'result'"),
    ("constant_to_inout_action", {"ingress_decls": "action inc(inout bit<8> v) { v = v + 1; }",
                                  "ingress": "        inc(3);"}, "inc(3)", 13,
     "Read-only value used for out/inout parameter 'v'"),
    ("too_many_args", {"ingress_decls": "action a(bit<8> v) { meta.x = v; }", "ingress": "        a(1, 2);"},
     "a(1, 2)", 14, "Too many arguments"),
    ("too_few_args", {"ingress_decls": "action a(bit<8> v, bit<8> w) { meta.x = v; }", "ingress": "        a(1);"},
     "a(1)", 9, "Not enough arguments"),
    ("default_action_not_listed",
     {"ingress_decls": "action a() {} action b() {}\n"
                       "table t { key = { meta.x: exact; } actions = { a; } default_action = b(); }"},
     "default_action = b()", None, "b: default_action action is not present in the actions list of table t"),
    ("const_entry_action_not_listed",
     {"ingress_decls": "action a() {} action b() {}\n"
                       "table t { key = { meta.x: exact; } actions = { a; } const entries = { 1: b(); } }"},
     "1: b()", None, "b: entry action is not present in the actions list of table t"),
    ("nonconstant_slice", {"ingress": "        meta.x = meta.y[meta.x:0];"}, "meta.y[meta.x", 25,
     "Compile-time constant expected"),
    ("nonconstant_entry_key",
     {"ingress_decls": "action a() {}\n"
                       "table t { key = { meta.x: exact; } actions = { a; } const entries = { meta.x: a(); } }"},
     "meta.x: a()", None, "Compile-time constant expected in a table entry"),
    ("nonconstant_switch_label", {"ingress": "        switch (meta.x) { meta.x: { } }"}, "meta.x: {", 27,
     "Compile-time constant expected as a switch label"),
    ("nonconstant_stack_size", {"types": "header t_t { bit<8> v; }\n", "headers": "ethernet_t ethernet; ipv4_t ipv4;",
                                "ingress": "        t_t[meta.x] s;"}, "t_t[meta.x]", 13,
     "Compile-time constant expected"),
    ("extract_non_header", {"parser_body": "state start { pkt.extract(meta); transition accept; }"},
     "pkt.extract(meta)", 27, "extract: argument must be a header, not meta_t"),
    ("unknown_state", {"parser_body": "state start { pkt.extract(hdr.ethernet); transition parse_x; }"},
     "transition parse_x", None, "parse_x: declaration not found"),
    ("no_start_state", {"parser_body": "state first { transition accept; }"}, "parser P", 8,
     "has no start state"),
    ("if_not_bool", {"ingress": "        if (meta.x) { }"}, "if (meta.x)", 13,
     "Condition of IfStatement does not evaluate to a bool but bit<8>"),
    ("assign_to_constant", {"ingress": "        8w5 = meta.x;"}, "8w5 = meta.x;", 9,
     "Expression cannot be the target of an assignment"),
    ("assign_to_in_param", {"ingress_decls": "action a(in bit<8> v) { v = 1; }"}, "v = 1;", None,
     "Expression cannot be the target of an assignment"),
    ("complex_key_without_name",
     {"ingress_decls": "action a() {}\ntable t { key = { meta.x + 1: exact; } actions = { a; } }"},
     "meta.x + 1: exact", None, "Complex key expression requires a @name annotation"),
    ("illegal_cast", {"ingress": "        meta.x = (bit<8>)hdr.ethernet;"}, "(bit<8>)hdr.ethernet", 18,
     "Illegal cast from ethernet_t to bit<8>"),
    ("unknown_match_kind",
     {"ingress_decls": "action a() {}\ntable t { key = { meta.x: fuzzy; } actions = { a; } }"},
     "meta.x: fuzzy", None, "fuzzy: declaration not found"),
    ("lpm_mask_not_prefix",
     {"ingress_decls": "action a() {}\ntable t { key = { meta.z: lpm; } actions = { a; }\n"
                       "const entries = { 1 &&& 0xff00ff00: a(); } }"},
     "1 &&& 0xff00ff00", None, "is not a prefix"),
    ("exit_in_parser", {"parser_body": "state start { exit; }"}, "state start { exit; }", None,
     "exit: not allowed in a state"),
    ("action_args_not_constant",
     {"ingress_decls": "action a(bit<8> v) { meta.x = v; }\n"
                       "table t { key = { meta.x: exact; } actions = { a; } default_action = a(meta.x); }"},
     "default_action = a(meta.x)", None, "Compile-time constant expected"),
    ("emit_non_header", {"deparser": "pkt.emit(hdr.ethernet.dst);"}, "pkt.emit(hdr.ethernet.dst)", None,
     "emit: argument must be a header"),
    ("header_field_type", {"types": "header bad_t { bit<8> a; bit<8>[2] b; }\n"}, "header bad_t", None,
     "header stack elements must be headers or header unions"),
    ("table_without_actions", {"ingress_decls": "table t { key = { meta.x: exact; } }"}, "table t", None,
     "does not have an actions property"),
    ("unknown_table_property",
     {"ingress_decls": "action a() {}\ntable t { key = { meta.x: exact; } actions = { a; } colour = 3; }"},
     "colour = 3", None, "colour: unknown table property"),
    ("directionless_extern_arg_not_constant", {"ingress": "        resubmit_preserving_field_list(meta.x);"},
     "resubmit_preserving_field_list(meta.x)", 40, "must be a compile-time constant"),
    ("table_applied_in_action",
     {"ingress_decls": "table t { key = { meta.x: exact; } actions = { NoAction; } }\n"
                       "action a() { if (t.apply().hit) { meta.x = 1; } }"},
     "action a()", 18, "tables can only be applied from a control's apply block, not from an action"),
    ("stack_next_outside_parser",
     {"types": "header t_t { bit<8> v; }\n", "headers": "ethernet_t ethernet; ipv4_t ipv4; t_t[2] tags;",
      "ingress": "        hdr.tags.next.v = 1;"}, "hdr.tags.next.v", 9, "can only be used in a parser"),
    ("two_lpm_keys",
     {"ingress_decls": "table t { key = { meta.x: lpm; meta.y: lpm; } actions = { NoAction; } }"},
     "table t", 7, "Multiple LPM keys"),
    ("tableonly_as_default",
     {"ingress_decls": "action a() {}\ntable t { key = { meta.x: exact; } actions = { @tableonly a; NoAction; } "
                       "default_action = a(); }"}, "default_action = a()", None,
     "an action annotated @tableonly cannot be the default action"),
    ("defaultonly_in_entry",
     {"ingress_decls": "action a() {}\ntable t { key = { meta.x: exact; } actions = { @defaultonly a; NoAction; } "
                       "const entries = { 1: a(); } }"}, "1: a()", None,
     "action annotated @defaultonly cannot be used in an entry"),
    ("default_label_not_last", {"ingress": "        switch (meta.x) { default: { } 1: { } }"}, "switch (meta.x)", 27,
     "default label must be the last switch label"),
    ("duplicate_switch_label", {"ingress": "        switch (meta.x) { 1: { } 1: { } }"}, "switch (meta.x)", 34,
     "duplicate switch label"),
    ("function_missing_return", {"globals_": "bit<8> f(in bit<8> a) { if (a > 1) { return a; } }"},
     "bit<8> f(", 8, "function does not return a value on all paths"),
    ("keyset_arity",
     {"parser_body": "state start { pkt.extract(hdr.ethernet); transition select(hdr.ethernet.ether_type) { "
                     "(1, 2): accept; } }"}, "(1, 2): accept", None, "2 values for 1 select keys"),
    ("entry_arity",
     {"ingress_decls": "action a() {}\ntable t { key = { meta.x: exact; meta.y: exact; } actions = { a; } "
                       "const entries = { 1: a(); } }"}, "1: a()", None, "1 key values for table t, which has 2 keys"),
    ("bad_character", {"ingress": "        meta.x = 1 $ 2;"}, "1 $ 2", 20, "unexpected character '$'"),
]


@pytest.mark.parametrize(("name", "kw", "needle", "col", "fragment"), CASES, ids=[c[0] for c in CASES])
def test_rejected_at_the_offending_construct(name: str, kw: dict[str, str], needle: str, col: int | None,
                                             fragment: str) -> None:
    src = program(**kw)
    with pytest.raises(P4CompileError) as info:
        compile_source(src, f"{name}.p4")
    err = info.value
    assert fragment in err.message, str(err)
    assert err.loc is not None and err.loc.file == f"{name}.p4", str(err)
    # multi-line needles name the last line (the re-declaration)
    expected_line = line_of(src, needle.splitlines()[-1].strip()) if "\n" not in needle else \
        line_of(src, needle.splitlines()[0].strip()) + 1
    assert err.loc.line == expected_line, str(err)
    if col is not None:
        assert err.loc.col == col, str(err)
    assert str(err).startswith(f"{name}.p4:{err.loc.line}:{err.loc.col}: error: ")


def test_error_inside_an_included_file_is_located_there() -> None:
    with pytest.raises(P4CompileError) as info:
        compile_file(str(HERE / "bad" / "include_error.p4"))
    err = info.value
    assert err.loc is not None and err.loc.file.endswith("bad/include/headers.p4")
    assert (err.loc.line, err.loc.col) == (4, 5)
    assert "mac_addr_t" in err.message


def test_lines_after_an_include_keep_their_own_numbers() -> None:
    with pytest.raises(P4CompileError) as info:
        compile_file(str(HERE / "bad" / "after_include.p4"))
    err = info.value
    assert err.loc is not None and err.loc.file.endswith("bad/after_include.p4")
    assert (err.loc.line, err.loc.col) == (10, 18)
    assert "undefined_thing: declaration not found" in err.message


def test_missing_include_file() -> None:
    with pytest.raises(P4CompileError) as info:
        compile_source('#include "no_such_file.p4"\n', "inc.p4")
    assert info.value.loc is not None and info.value.loc.line == 1
    assert "no_such_file.p4" in info.value.message


def test_hash_error_directive() -> None:
    with pytest.raises(P4CompileError) as info:
        compile_source("#include <core.p4>\n#error this target is not supported\n", "err.p4")
    assert info.value.loc is not None and (info.value.loc.file, info.value.loc.line) == ("err.p4", 2)
    assert "this target is not supported" in info.value.message


def test_main_is_required() -> None:
    with pytest.raises(P4CompileError, match="main"):
        compile_source("#include <core.p4>\n#include <v1model.p4>\n", "nomain.p4")


def test_command_line_check(capsys: pytest.CaptureFixture[str]) -> None:
    from p4sim.frontend.__main__ import main

    assert main([str(HERE / "bad" / "after_include.p4")]) == 1
    err = capsys.readouterr().err
    assert "after_include.p4:10:18: error: undefined_thing: declaration not found" in err
    ok = HERE / "programs" / "kitchen_sink.p4"
    assert main([str(ok), "-D", "UNUSED=1"]) == 0
    out = capsys.readouterr().out
    assert "table global_acl" in out and "digest learn_t" in out


def test_misspellings_get_a_suggestion() -> None:
    with pytest.raises(P4CompileError, match=r"Field ether_tpye is not a member of header ethernet_t; "
                                             r"did you mean 'ether_type'\?"):
        compile_source(program(ingress="        hdr.ethernet.ether_tpye = 1;"), "typo.p4")
    with pytest.raises(P4CompileError, match=r"stdd: declaration not found; did you mean 'std'\?"):
        compile_source(program(ingress="        stdd.egress_spec = 1;"), "typo.p4")


def test_bom_crlf_and_lexer_errors_keep_the_callers_file_name(tmp_path: Path) -> None:
    src = program(ingress="        meta.y = 1;\n        meta.x = 1 $ 2;")
    path = tmp_path / "crlf.p4"
    path.write_bytes(("\ufeff" + src).replace("\n", "\r\n").encode("utf-8"))
    with pytest.raises(P4CompileError) as info:
        compile_file(str(path))
    err = info.value
    assert err.loc is not None and err.loc.file == str(path)
    assert (err.loc.line, err.loc.col) == (line_of(src, "1 $ 2"), 20)
    assert "unexpected character '$'" in err.message


@pytest.mark.parametrize(("src", "fragment"), [
    ("#include <core.p4>\n#if 1\nconst bit<8> X = 1;\n", "Unterminated #if 1"),
    ("#include <core.p4>\n#endif\n", "Misplaced #endif"),
    ("#include <core.p4>\n#define F(a,b) a+b\nconst bit<8> X = F(1);\n", "Macro F requires 2 arguments"),
])
def test_preprocessor_errors(src: str, fragment: str) -> None:
    with pytest.raises(P4CompileError) as info:
        compile_source(src, "pp.p4")
    assert info.value.loc is not None and info.value.loc.file == "pp.p4"
    assert info.value.message.startswith(fragment) and "\n" not in info.value.message


def test_user_externs_are_not_runnable_on_v1model() -> None:
    with pytest.raises(P4CompileError, match="extern my_box is not implemented by the v1model target"):
        compile_source(program(globals_="extern my_box { my_box(); void poke(); }",
                               ingress_decls="my_box() b;", ingress="b.poke();"), "ext.p4")
    with pytest.raises(P4CompileError, match="extern function frob is not implemented"):
        compile_source(program(globals_="extern void frob(in bit<8> x);", ingress="frob(meta.x);"), "ext.p4")


def test_int_arithmetic_without_a_width_is_rejected() -> None:
    src = program(ingress="        meta.x = (bit<8>)((meta.y == 1 ? 1 : 2) + (meta.y == 2 ? 3 : 4));")
    with pytest.raises(P4CompileError) as info:
        compile_source(src, "w.p4")
    assert info.value.message == ("((meta.y == 1) ? 1 : 2) + ((meta.y == 2) ? 3 : 4): could not infer a width: "
                                  "cast an operand to bit<N> or int<N>")


@pytest.mark.parametrize(("expr", "message"), [("8w7 / 0", "Division by zero"), ("8w7 % 0", "Modulo by zero"),
                                               ("-7 / 2", "Division is not defined for negative numbers")])
def test_constant_division_errors(expr: str, message: str) -> None:
    with pytest.raises(P4CompileError, match=message):
        compile_source(program(ingress=f"        meta.x = {expr};"), "div.p4")


def test_runtime_division_of_unsigned_values_is_allowed() -> None:
    from fe_helpers import compile_snippet, stmts

    (s,) = stmts(compile_snippet(ingress="meta.x = meta.x / 8w3 + meta.x % 8w3;"))
    assert s.rhs.left.op == "/" and s.rhs.right.op == "%"


def test_two_apply_blocks() -> None:
    src = program(ingress_decls="apply { }")
    with pytest.raises(P4CompileError, match="control I has more than one apply block"):
        compile_source(src, "two.p4")


CSUM = ("update_checksum(hdr.ipv4.isValid(), { hdr.ipv4.src_addr, hdr.ipv4.dst_addr }, hdr.ipv4.hdr_checksum, "
        "HashAlgorithm.csum16);")


def test_checksum_calls_only_in_checksum_controls() -> None:
    src = program(ingress="        " + CSUM)
    with pytest.raises(P4CompileError) as info:
        compile_source(src, "csum.p4")
    assert "update_checksum: can only be called from the ComputeChecksum control" in info.value.message
    assert info.value.loc is not None and info.value.loc.line == line_of(src, "update_checksum(")


def test_checksum_controls_hold_only_checksum_calls() -> None:
    src = program().replace("control C(inout headers_t hdr, inout meta_t meta) { apply { } }",
                            "control C(inout headers_t hdr, inout meta_t meta) { apply { " + CSUM
                            + " hdr.ipv4.ttl = 1; } }")
    with pytest.raises(P4CompileError, match="only update_checksum and update_checksum_with_payload calls are "
                                             "allowed in the ComputeChecksum control"):
        compile_source(src, "csum.p4")


def test_registers_hold_bit_values_only() -> None:
    src = program(types="struct pair_t { bit<8> a; bit<8> b; }\n", ingress_decls="register<pair_t>(4) r;")
    with pytest.raises(P4CompileError, match="register<pair_t>: BMv2 registers hold only bit<W> or int<W> values"):
        compile_source(src, "reg.p4")


def test_unsized_literal_in_a_generic_list_is_rejected() -> None:
    src = program(ingress="        hash(meta.y, HashAlgorithm.crc16, 16w0, { hdr.ipv4.src_addr, 5 }, 32w1024);")
    with pytest.raises(P4CompileError) as info:
        compile_source(src, "hash.p4")
    assert info.value.message.startswith("5: could not infer a width for this integer")
    assert info.value.loc is not None and info.value.loc.col == src.splitlines()[
        line_of(src, "hash(") - 1].index("5 }") + 1


def test_shift_of_an_unsized_conditional_is_rejected() -> None:
    with pytest.raises(P4CompileError, match="could not infer a width: cast the left operand"):
        compile_source(program(ingress="        meta.x = (bit<8>)((meta.x == 1 ? 1 : 2) << 3);"), "shl.p4")
