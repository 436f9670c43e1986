"""p4sim's front end: P4_16 source (v1model) to a checked ``ir.Program``.

Pipeline: preprocess (pcpp, ``#line`` markers kept) -> tokenize (locations
in the original files) -> parse (recursive descent with a type-name table)
-> lower (names and types resolved, instances elaborated, constants folded).
Every rejection is a ``P4CompileError`` at the offending construct.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence

from p4sim import ir
from p4sim.errors import P4CompileError

from .lexer import tokenize
from .parser import parse
from .preprocess import preprocess
from .program import ProgramLowerer

__all__ = ["compile_file", "compile_source"]


def compile_source(
    text: str,
    filename: str = "<string>",
    include_dirs: Sequence[str] = (),
    defines: dict[str, str] | None = None,
) -> ir.Program:
    expanded = preprocess(text.removeprefix("\ufeff"), filename, include_dirs, defines)
    tokens = tokenize(expanded, filename, _main_name(filename))
    try:
        ast = parse(tokens)
        return ProgramLowerer(filename).lower(ast)
    except RecursionError:
        raise P4CompileError(None, f"{filename}: program nested too deeply to compile") from None


def compile_file(
    path: str,
    include_dirs: Sequence[str] = (),
    defines: dict[str, str] | None = None,
) -> ir.Program:
    with open(path, encoding="utf-8-sig") as f:
        text = f.read()
    return compile_source(text, str(path), include_dirs, defines)


def _main_name(filename: str) -> Callable[[str], str]:
    """pcpp rewrites file names in its line markers relative to the current
    directory; diagnostics show the main file under the name the caller gave."""
    if filename.startswith("<"):
        return lambda f: f
    want = os.path.abspath(filename)
    cache: dict[str, str] = {}

    def rename(f: str) -> str:
        r = cache.get(f)
        if r is None:
            r = cache[f] = filename if os.path.abspath(f) == want else f
        return r

    return rename
