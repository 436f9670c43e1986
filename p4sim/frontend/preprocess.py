"""The C preprocessor step, done by pcpp.

P4 programs rely on ``#include``, ``#define`` and ``#if`` exactly as p4c runs
them through cpp. The output keeps ``#line`` markers so that the lexer can
report every location in the file and line the user wrote, through includes.
"""

from __future__ import annotations

import io
import os
from collections.abc import Sequence
from pathlib import Path

from pcpp import Preprocessor

from p4sim.errors import P4CompileError
from p4sim.ir import SourceLoc

P4INCLUDE = str(Path(__file__).resolve().parent.parent / "p4include")


class _Preprocessor(Preprocessor):
    """pcpp reports problems by printing them; we turn the first one into a
    P4CompileError so that a broken #include or #error stops compilation."""

    def __init__(self) -> None:
        super().__init__()
        self.errors: list[P4CompileError] = []

    def on_error(self, file: str, line: int, msg: str) -> None:
        self.errors.append(P4CompileError(SourceLoc(file or "<unknown>", line or 0, 1), " ".join(msg.split())))

    def _where(self) -> SourceLoc | None:
        d = self.lastdirective
        if d is None:
            return None
        return SourceLoc(d.source or "<unknown>", d.lineno, 1)

    def on_include_not_found(self, is_malformed, is_system_include, curdir, includepath):  # noqa: ANN001
        what = "malformed #include" if is_malformed else "cannot find #include file"
        raise P4CompileError(self._where(), f"{what} {includepath}")

    def on_directive_unknown(self, directive, toks, ifpassthru, precedingtoks):  # noqa: ANN001
        if directive.value == "error":
            text = "".join(t.value for t in toks).strip()
            raise P4CompileError(SourceLoc(directive.source or "<unknown>", directive.lineno, 1),
                                 f"#error {text}")
        if directive.value == "warning":
            return True
        return None

    def on_comment(self, tok) -> bool:  # noqa: ANN001
        # Drop comments: the lexer would skip them anyway, and keeping them
        # only slows the output down.
        return False


def preprocess(
    text: str,
    filename: str,
    include_dirs: Sequence[str] = (),
    defines: dict[str, str] | None = None,
) -> str:
    """Run cpp semantics over ``text``; returns the expanded text with
    ``#line N "file"`` markers."""
    pp = _Preprocessor()
    pp.line_directive = "#line"
    pp.compress = 0
    base = os.path.dirname(os.path.abspath(filename)) if not filename.startswith("<") else os.getcwd()
    pp.add_path(base)
    for d in include_dirs:
        pp.add_path(str(d))
    pp.add_path(P4INCLUDE)
    for name, value in (defines or {}).items():
        pp.define(f"{name} {value}")
    pp.parse(text, filename)
    out = io.StringIO()
    pp.write(out)
    if pp.errors:
        raise pp.errors[0]
    return out.getvalue()
