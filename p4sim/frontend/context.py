"""State shared while one program is lowered, and the per-body environment.

``Context`` accumulates what ``ir.Program`` lists globally (every action,
table, extern instance, digest type...). ``Env`` is where a body is being
lowered: its scope, what kind of body it is (so ``exit`` or ``return`` can
be checked) and the control-plane path of the enclosing instance.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field, replace

from p4sim import ir

from . import ast as A
from .scope import Scope


@dataclass(eq=False)
class Context:
    root: Scope
    errors: list[str] = field(default_factory=list)
    match_kinds: list[str] = field(default_factory=list)
    types: list[ir.Type] = field(default_factory=list)
    actions: list[ir.Action] = field(default_factory=list)
    tables: list[ir.Table] = field(default_factory=list)
    externs: list[ir.ExternInstance] = field(default_factory=list)
    value_sets: list[ir.ValueSet] = field(default_factory=list)
    digests: list[ir.DigestSite] = field(default_factory=list)
    noaction: ir.Action | None = None

    def error_code(self, name: str) -> int | None:
        try:
            return self.errors.index(name)
        except ValueError:
            return None

    def note_digest(self, t: ir.Type, loc: ir.SourceLoc) -> None:
        for d in self.digests:
            if d.type is t or (not isinstance(t, ir.StructLikeType) and d.type == t):
                return
        self.digests.append(ir.DigestSite(t, loc))


@dataclass(eq=False)
class Env:
    """``kind``: "global", "control", "apply", "action", "function",
    "parser", "state". ``path`` is the control-plane prefix (``CIngress``)."""

    scope: Scope
    kind: str
    path: str = ""
    return_type: ir.Type | None = None

    def child(self, kind: str | None = None, **kw: object) -> Env:
        return replace(self, scope=Scope(self.scope), kind=kind or self.kind, **kw)


def from_target_library(loc: ir.SourceLoc) -> bool:
    """Whether a declaration comes from our core.p4 / v1model.p4, i.e. is
    something BMv2 simple_switch implements."""
    from .preprocess import P4INCLUDE

    return os.path.abspath(loc.file).startswith(P4INCLUDE + os.sep)


def anno(annos: list[A.Anno], name: str) -> A.Anno | None:
    for a in annos:
        if a.name == name:
            return a
    return None


def anno_string(annos: list[A.Anno], name: str) -> str | None:
    a = anno(annos, name)
    if a is None or not a.tokens:
        return None
    t = a.tokens[0]
    return t.value if t.kind == "string" else t.text  # type: ignore[return-value]


def cp_name(path: str, local: str, annos: list[A.Anno]) -> str:
    """p4c's control-plane name: ``@name("x")`` replaces the local name,
    ``@name(".x")`` makes it global."""
    given = anno_string(annos, "name")
    if given is not None:
        if given.startswith("."):
            return given[1:]
        local = given
    return f"{path}.{local}" if path else local


# Annotations p4c parses into an expression list (frontends/p4/parseAnnotations
# and the BMv2 back end's additions); ToP4 prints those as "e1, e2". Any other
# annotation body stays a token list, which ToP4 prints space-separated.
_PARSED_ANNOTATIONS = frozenset(
    {"name", "deprecated", "noWarn", "length", "field_list", "alias", "priority", "id", "controller_header",
     "synchronous", "p4runtime_translation", "pkginfo"}
)


def anno_body_text(name: str, tokens: list) -> str:
    """The body as p4c's ToP4 prints it back into P4Info."""
    if name not in _PARSED_ANNOTATIONS:
        return " ".join(t.text for t in tokens)
    groups: list[str] = []
    cur = ""
    depth = 0
    for t in tokens:
        if t.kind == "punct" and t.text in ("(", "[", "{"):
            depth += 1
        elif t.kind == "punct" and t.text in (")", "]", "}"):
            depth -= 1
        if depth == 0 and t.kind == "punct" and t.text == ",":
            groups.append(cur)
            cur = ""
            continue
        if cur and not t.glued:
            cur += " "
        cur += t.text
    groups.append(cur)
    return ", ".join(groups)


def ir_annotations(annos: list[A.Anno]) -> tuple[ir.Annotation, ...]:
    out = []
    for a in annos:
        if a.structured:
            continue  # not representable in ir.Annotation; P4Info keeps them apart (see README)
        if a.tokens is None:
            out.append(ir.Annotation(a.name, None, None))
            continue
        body = anno_body_text(a.name, a.tokens)
        value: object = None
        if len(a.tokens) == 1:
            t = a.tokens[0]
            if t.kind == "string":
                value = t.value
            elif t.kind == "int":
                value = t.value.value  # type: ignore[union-attr]
        elif a.tokens and all(t.kind in ("int", "punct") for t in a.tokens):
            ints = [t.value.value for t in a.tokens if t.kind == "int"]  # type: ignore[union-attr]
            value = tuple(ints)
        out.append(ir.Annotation(a.name, body, value))
    return tuple(out)
