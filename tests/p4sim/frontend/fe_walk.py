"""Generic walk over an ir.Program, for checks that must hold everywhere."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator

from p4sim import ir


def walk(root: object) -> Iterator[object]:
    """Every IR node reachable from ``root`` (each once), types excluded."""
    seen: set[int] = set()
    stack = [root]
    while stack:
        x = stack.pop()
        if isinstance(x, list | tuple):
            stack.extend(x)
            continue
        if isinstance(x, dict):
            stack.extend(x.values())
            continue
        if not dataclasses.is_dataclass(x) or isinstance(x, ir.Type) or id(x) in seen:
            continue
        seen.add(id(x))
        yield x
        for f in dataclasses.fields(x):
            stack.append(getattr(x, f.name))
