"""The P4Info of each conformance program, compiled by p4sim's front end,
is the one p4c wrote for it: same entities, IDs, aliases and fields."""

from __future__ import annotations

import pytest
from p4info_compare import CONFORMANCE, assert_same_p4info, recorded

from p4sim.frontend import compile_file
from p4sim.p4info import generate, to_text

PROGRAMS = sorted(p.name.removesuffix(".p4") for p in CONFORMANCE.glob("*.p4"))


@pytest.mark.parametrize("name", PROGRAMS)
def test_p4info_equals_p4c_output(name):
    assert_same_p4info(generate(compile_file(str(CONFORMANCE / f"{name}.p4"))), recorded(name))


@pytest.mark.parametrize("name", PROGRAMS)
def test_text_output_diffs_clean_against_p4c(name):
    # Same entity order and text layout as p4c, so `diff` shows nothing.
    text = to_text(generate(compile_file(str(CONFORMANCE / f"{name}.p4"))))
    assert text == (CONFORMANCE / f"{name}.p4info.txtpb").read_text()
