"""Which P4 annotations reach P4Info, and in what form.

p4c exports every annotation as written except those P4Info represents
elsewhere: ``@name`` (the name), ``@id`` (the ID), ``@brief`` and
``@description`` (the ``doc`` message). Callers add their own exclusions
(``@match`` on value-set fields, ``@pkginfo`` on the package, the selector
sizing annotations on action profiles).
"""

from __future__ import annotations

import ast

from finsy.proto.p4.config.v1 import p4info_pb2

from p4sim.errors import P4CompileError
from p4sim.ir import Annotation, SourceLoc, find_annotation

_NEVER_EXPORTED = frozenset({"name", "id", "brief", "description"})


def exported(annotations: tuple[Annotation, ...], exclude: frozenset[str] = frozenset()) -> list[str]:
    return [str(a) for a in annotations if a.name not in _NEVER_EXPORTED and a.name not in exclude]


def string_value(a: Annotation, loc: SourceLoc | None) -> str:
    """The string argument of ``@brief("...")``-style annotations."""
    if isinstance(a.value, str):
        return a.value
    body = (a.body or "").strip()
    try:
        value = ast.literal_eval(body)
    except (ValueError, SyntaxError):
        value = None
    if not isinstance(value, str):
        raise P4CompileError(loc, f"@{a.name} expects one string argument, got ({a.body})")
    return value


def int_value(a: Annotation, loc: SourceLoc | None) -> int:
    """The integer argument of ``@id(5)``-style annotations (any P4 literal
    base the front end left unevaluated: 0x.., 0b.., 0o.., decimal)."""
    if isinstance(a.value, int) and not isinstance(a.value, bool):
        return a.value
    body = (a.body or "").strip().replace("_", "")
    if "w" in body:  # width-prefixed literal such as 32w5
        body = body.split("w", 1)[1]
    try:
        return int(body, 0)
    except ValueError:
        raise P4CompileError(loc, f"@{a.name} expects an integer argument, got ({a.body})") from None


def explicit_id(annotations: tuple[Annotation, ...], loc: SourceLoc | None) -> int | None:
    a = find_annotation(annotations, "id")
    return None if a is None else int_value(a, loc)


def is_hidden(annotations: tuple[Annotation, ...]) -> bool:
    return find_annotation(annotations, "hidden") is not None


def documentation(annotations: tuple[Annotation, ...], loc: SourceLoc | None) -> p4info_pb2.Documentation | None:
    """``doc`` is only set when ``@brief`` or ``@description`` is present."""
    doc = p4info_pb2.Documentation()
    found = False
    for a in annotations:
        if a.name == "brief":
            doc.brief = string_value(a, loc)
            found = True
        elif a.name == "description":
            doc.description = string_value(a, loc)
            found = True
    return doc if found else None


def fill_preamble(
    preamble: p4info_pb2.Preamble,
    pid: int,
    name: str,
    alias: str,
    annotations: tuple[Annotation, ...],
    loc: SourceLoc | None,
    exclude: frozenset[str] = frozenset(),
) -> None:
    preamble.id = pid
    preamble.name = name
    preamble.alias = alias
    preamble.annotations.extend(exported(annotations, exclude))
    doc = documentation(annotations, loc)
    if doc is not None:
        preamble.doc.CopyFrom(doc)
