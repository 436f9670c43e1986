"""p4sim's front end: P4_16 source (v1model) to a checked ``ir.Program``.

Pipeline: preprocess (pcpp, ``#line`` markers kept) -> tokenize (locations
in the original files) -> parse (recursive descent with a type-name table)
-> lower (names and types resolved, instances elaborated, constants folded).
Every rejection is a ``P4CompileError`` at the offending construct.
"""

from __future__ import annotations

import os
from collections.abc import Sequence

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
    expanded = preprocess(text, filename, include_dirs, defines)
    tokens = tokenize(expanded, filename)
    _restore_main_name(tokens, filename)
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
    with open(path, encoding="utf-8") as f:
        text = f.read()
    return compile_source(text, str(path), include_dirs, defines)


def _restore_main_name(tokens: list, filename: str) -> None:
    """pcpp rewrites file names in its line markers relative to the current
    directory; report the main file under the name the caller gave."""
    if filename.startswith("<"):
        return
    want = os.path.abspath(filename)
    cache: dict[str, bool] = {}
    for t in tokens:
        f = t.loc.file
        same = cache.get(f)
        if same is None:
            same = cache[f] = f != filename and os.path.abspath(f) == want
        if same:
            t.loc = ir.SourceLoc(filename, t.loc.line, t.loc.col)
