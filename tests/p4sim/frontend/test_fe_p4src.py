"""The project's own P4 programs (p4src/) compile: p4sim is what runs them,
so a program the front end rejects cannot be deployed."""

from __future__ import annotations

from pathlib import Path

import pytest

from p4sim.frontend import compile_file

P4SRC = Path(__file__).resolve().parents[3] / "p4src"
PROGRAMS = sorted(P4SRC.glob("*.p4")) + sorted(P4SRC.glob("examples/*.p4"))


@pytest.mark.parametrize("path", PROGRAMS, ids=[str(p.relative_to(P4SRC)) for p in PROGRAMS])
def test_p4src_program_compiles(path: Path) -> None:
    prog = compile_file(str(path), include_dirs=[str(P4SRC / "include")])
    assert prog.ingress.type_name and prog.parser.states["start"]
    names = [t.cp_name for t in prog.tables]
    assert len(names) == len(set(names)), "two tables share a control-plane name"
