"""Programs arrive over P4Runtime (SetForwardingPipelineConfig), so any
text, however broken, must end in P4CompileError: never another exception
that would take the server's request handler down."""

from __future__ import annotations

import random
import re
from pathlib import Path

import pytest

from p4sim.errors import P4CompileError
from p4sim.frontend import compile_source

HERE = Path(__file__).resolve().parent
CONF = HERE.parents[2].parent / "shared" / "conformance"
SEEDS = [HERE / "programs" / "kitchen_sink.p4"] + sorted(CONF.glob("*.p4"))
NOISE = ["8w1", "_", "{", "}", "(", ")", ";", "hdr", "meta", "1", "true", "<", ">", ",", "apply", "default",
         "bit<4>", "error", "NoAction", "&&&", "..", "@name", '"', "/*", "0x", "1s1", "\\", "#", "int"]


def mutate(src: str, rng: random.Random) -> str:
    lines = src.split("\n")
    code = [i for i, line in enumerate(lines) if line.strip() and not line.lstrip().startswith("#")]
    idents = re.findall(r"[A-Za-z_]\w*", src)
    for _ in range(rng.randint(1, 3)):
        i = rng.choice(code)
        words = lines[i].split(" ")
        j = rng.randrange(len(words))
        op = rng.random()
        if op < 0.25:
            del words[j]
        elif op < 0.45:
            words.insert(j, rng.choice(words))
        elif op < 0.65:
            words[j] = rng.choice(NOISE)
        elif op < 0.85:
            words[j] = re.sub(r"[A-Za-z_]\w*", lambda _m: rng.choice(idents), words[j])
        else:
            k = rng.choice(code)
            lines[k], lines[i] = lines[i], lines[k]
        lines[i] = " ".join(words)
    text = "\n".join(lines)
    if rng.random() < 0.1:
        text = text[: rng.randrange(len(text))]
    return text


@pytest.mark.parametrize("seed", range(3))
def test_mutated_programs_fail_only_with_compile_errors(seed: int) -> None:
    rng = random.Random(seed)
    sources = [p.read_text() for p in SEEDS if p.exists()]
    compiled = rejected = 0
    for _ in range(50):
        text = mutate(rng.choice(sources), rng)
        try:
            compile_source(text, "mutant.p4")
            compiled += 1
        except P4CompileError as exc:
            rejected += 1
            assert exc.loc is None or exc.loc.line >= 0
    assert rejected > 0  # the mutations really do break programs


ABSURD = ["header h { bit<99999999999999999999> a; }", "const bit<8> X = 99999999999999999999w1;",
          "header h { bit<8> a; } struct s { h[1000000] st; }"]


@pytest.mark.parametrize("text", ABSURD)
def test_absurd_sizes_are_rejected(text: str) -> None:
    with pytest.raises(P4CompileError, match="too large"):
        compile_source("#include <core.p4>\n" + text, "big.p4")
