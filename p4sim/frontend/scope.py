"""Name scopes and the things names can denote during lowering.

The IR has no strings to look up, so everything a name can mean while the
front end lowers a body lives here: IR declarations (params, variables,
tables, instances), and front-end-only entities for things that are not IR
values (types, extern declarations, control types, overload sets).
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field

from p4sim import ir
from p4sim.errors import P4CompileError

from . import ast as A


@dataclass(eq=False, slots=True)
class TypeEntity:
    type: ir.Type


@dataclass(eq=False, slots=True)
class ExternTypeEntity:
    decl: A.ExternDecl


@dataclass(eq=False, slots=True)
class BlockTypeEntity:
    """A parser, control or package type (declaration or prototype)."""

    decl: A.ParserDecl | A.ControlDecl | A.PackageDecl


@dataclass(eq=False, slots=True)
class ExternFuncEntity:
    overloads: list[A.ExternFuncDecl] = field(default_factory=list)


@dataclass(eq=False, slots=True)
class FunctionEntity:
    decl: A.FunctionDecl
    lowered: ir.Function | None = None
    # generic functions: one specialization per tuple of type arguments
    specialized: dict[tuple[str, ...], ir.Function] = field(default_factory=dict)


@dataclass(eq=False, slots=True)
class MatchKindEntity:
    name: str


@dataclass(eq=False, slots=True)
class ActionEntity:
    action: ir.Action
    decl: A.ActionDecl


class TypeVar(ir.Type):
    """A type parameter being inferred at a generic call (front end only)."""

    __slots__ = ("name",)

    def __init__(self, name: str):
        self.name = name

    def __str__(self) -> str:
        return self.name


class Scope:
    """One level of names; lookups walk to the parent."""

    __slots__ = ("names", "parent", "kind", "locs")

    def __init__(self, parent: Scope | None = None, kind: str = "block"):
        self.names: dict[str, object] = {}
        self.locs: dict[str, ir.SourceLoc] = {}
        self.parent = parent
        self.kind = kind

    def lookup(self, name: str) -> object | None:
        s: Scope | None = self
        while s is not None:
            v = s.names.get(name)
            if v is not None:
                return v
            s = s.parent
        return None

    def visible_names(self) -> set[str]:
        out: set[str] = set()
        s: Scope | None = self
        while s is not None:
            out.update(s.names)
            s = s.parent
        return out

    def root(self) -> Scope:
        s = self
        while s.parent is not None:
            s = s.parent
        return s

    def declare(self, name: str, entity: object, loc: ir.SourceLoc) -> None:
        prev = self.names.get(name)
        if prev is not None:
            if isinstance(prev, ExternFuncEntity) and isinstance(entity, ExternFuncEntity):
                prev.overloads.extend(entity.overloads)
                return
            raise P4CompileError(loc, f"{name}: duplicate declaration (previous declaration at "
                                      f"{self.locs.get(name, ir.NOWHERE)})")
        self.names[name] = entity
        self.locs[name] = loc


def did_you_mean(name: str, candidates: set[str] | list[str]) -> str:
    """A '; did you mean X?' hint for a misspelt name, or ''."""
    close = difflib.get_close_matches(name, [c for c in candidates if not c.startswith("__")], n=1, cutoff=0.75)
    return f"; did you mean '{close[0]}'?" if close else ""
