"""Indented Python source accumulation for the code generator."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

__all__ = ["Emitter"]


class Emitter:
    def __init__(self) -> None:
        self.lines: list[str] = []
        self.depth = 0

    def line(self, text: str) -> None:
        self.lines.append("    " * self.depth + text)

    def extend(self, lines: list[str]) -> None:
        pad = "    " * self.depth
        self.lines.extend(pad + ln for ln in lines)

    @contextmanager
    def indent(self) -> Iterator[None]:
        self.depth += 1
        start = len(self.lines)
        try:
            yield
        finally:
            if len(self.lines) == start:
                self.lines.append("    " * self.depth + "pass")
            self.depth -= 1

    def text(self) -> str:
        return "\n".join(self.lines) + "\n"
