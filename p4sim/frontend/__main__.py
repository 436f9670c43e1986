"""``python -m p4sim.frontend PROGRAM.p4 [-I DIR] [-D NAME[=VALUE]]``: check a
program the way ``p4c`` would, printing ``file:line:col: error: ...`` and
exiting 1 when it is rejected, or a summary of its control-plane objects."""

from __future__ import annotations

import argparse
import os
import sys
import time

from p4sim.errors import P4CompileError

from . import compile_file


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m p4sim.frontend", description=__doc__)
    ap.add_argument("program")
    ap.add_argument("-I", dest="include", action="append", default=[], help="include directory")
    ap.add_argument("-D", dest="define", action="append", default=[], help="NAME[=VALUE] preprocessor define")
    args = ap.parse_args(argv)
    defines = {}
    for d in args.define:
        name, _, value = d.partition("=")
        defines[name] = value or "1"
    start = time.perf_counter()
    try:
        prog = compile_file(args.program, args.include, defines)
    except P4CompileError as exc:
        print(exc, file=sys.stderr)
        return 1
    except OSError as exc:
        print(f"{args.program}: error: {exc.strerror}", file=sys.stderr)
        return 1
    took = time.perf_counter() - start
    print(f"{args.program}: ok in {took * 1000:.0f} ms (v1model {prog.v1model_version})")
    for t in prog.tables:
        keys = ", ".join(f"{k.name}:{k.match_kind}/{k.width}" for k in t.keys)
        print(f"  table {t.cp_name} [{keys}] actions={[r.action.cp_name for r in t.actions]} size={t.size}")
    for e in prog.externs:
        print(f"  extern {e.cp_name}: {e.type}")
    for v in prog.value_sets:
        print(f"  value_set {v.cp_name}: {v.element_type}[{v.size}]")
    for d in prog.digests:
        print(f"  digest {d.type}")
    for name, h in prog.controller_headers.items():
        print(f"  controller_header {name}: {h.name}")
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except BrokenPipeError:  # output piped into head & co.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        sys.exit(0)
