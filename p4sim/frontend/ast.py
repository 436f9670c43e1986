"""The syntax tree: what the program says, before any name is resolved.

Kept separate from ``p4sim.ir`` because a control type is elaborated once per
instance: the same syntax tree is lowered many times, into distinct IR
objects. Nodes hold names as strings and every node keeps its location.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from p4sim.ir import NOWHERE, SourceLoc

from .lexer import IntLit, Token

# ------------------------------------------------------------------ annotations


@dataclass(slots=True)
class Anno:
    name: str
    tokens: list[Token] | None  # None: written without parentheses
    loc: SourceLoc = NOWHERE
    structured: bool = False  # @name[...]: P4Info puts those in structured_annotations


# ------------------------------------------------------------------------ types


@dataclass(slots=True)
class TypeRef:
    loc: SourceLoc


@dataclass(slots=True)
class BaseTypeRef(TypeRef):
    """bit<N>, int<N>, varbit<N> (``width`` an expression), bool, error,
    string, void, match_kind, or plain ``int``/``bit`` (width None)."""

    name: str
    width: Expr | None = None


@dataclass(slots=True)
class NamedTypeRef(TypeRef):
    name: str
    args: list[TypeRef] = field(default_factory=list)
    dot: bool = False  # `.T`: the top-level T


@dataclass(slots=True)
class StackTypeRef(TypeRef):
    element: TypeRef
    size: Expr


@dataclass(slots=True)
class TupleTypeRef(TypeRef):
    elements: list[TypeRef]


@dataclass(slots=True)
class DontCareTypeRef(TypeRef):
    """``_`` as a type argument."""


# ------------------------------------------------------------------ expressions


@dataclass(slots=True)
class Expr:
    loc: SourceLoc


@dataclass(slots=True)
class IntExpr(Expr):
    lit: IntLit
    text: str


@dataclass(slots=True)
class BoolExpr(Expr):
    value: bool


@dataclass(slots=True)
class StringExpr(Expr):
    value: str


@dataclass(slots=True)
class NameExpr(Expr):
    name: str
    dot: bool = False  # `.x`: the top-level x


@dataclass(slots=True)
class TypeNameExpr(Expr):
    """A type used where an expression is expected: ``E.A``, ``error.X``,
    ``bit<8>.minSizeInBits()``... ``ref`` is the type."""

    ref: TypeRef


@dataclass(slots=True)
class MemberExpr(Expr):
    base: Expr
    name: str


@dataclass(slots=True)
class IndexExpr(Expr):
    base: Expr
    index: Expr


@dataclass(slots=True)
class SliceExpr(Expr):
    base: Expr
    hi: Expr
    lo: Expr


@dataclass(slots=True)
class UnaryExpr(Expr):
    op: str
    operand: Expr


@dataclass(slots=True)
class BinaryExpr(Expr):
    op: str
    left: Expr
    right: Expr


@dataclass(slots=True)
class CastExpr(Expr):
    type: TypeRef
    operand: Expr


@dataclass(slots=True)
class MuxExpr(Expr):
    cond: Expr
    then: Expr
    otherwise: Expr


@dataclass(slots=True)
class Arg:
    value: Expr | None  # None: `_` (don't care)
    name: str | None = None
    loc: SourceLoc = NOWHERE


@dataclass(slots=True)
class CallExpr(Expr):
    callee: Expr
    type_args: list[TypeRef]
    args: list[Arg]


@dataclass(slots=True)
class ListExpr(Expr):
    """``{a, b}``; ``names`` set for ``{f = a, g = b}`` (struct initializer)."""

    elements: list[Expr]
    names: list[str] | None = None


@dataclass(slots=True)
class DontCareExpr(Expr):
    """``_`` or ``default`` in a keyset."""


@dataclass(slots=True)
class MaskExpr(Expr):
    value: Expr
    mask: Expr


@dataclass(slots=True)
class RangeExpr(Expr):
    low: Expr
    high: Expr


@dataclass(slots=True)
class TupleKeyset(Expr):
    """``(a, b)`` in a select case or a table entry."""

    elements: list[Expr]


# ------------------------------------------------------------------- statements


@dataclass(slots=True)
class Stmt:
    loc: SourceLoc


@dataclass(slots=True)
class AssignStmt(Stmt):
    lhs: Expr
    rhs: Expr


@dataclass(slots=True)
class CallStmt(Stmt):
    call: Expr


@dataclass(slots=True)
class VarDeclStmt(Stmt):
    type: TypeRef
    name: str
    init: Expr | None
    annotations: list[Anno] = field(default_factory=list)
    name_loc: SourceLoc = NOWHERE


@dataclass(slots=True)
class ConstDeclStmt(Stmt):
    type: TypeRef
    name: str
    value: Expr
    annotations: list[Anno] = field(default_factory=list)


@dataclass(slots=True)
class BlockStmt(Stmt):
    stmts: list[Stmt]


@dataclass(slots=True)
class IfStmt(Stmt):
    cond: Expr
    then: Stmt
    otherwise: Stmt | None


@dataclass(slots=True)
class SwitchCaseAst:
    labels: list[Expr]  # NameExpr / value expressions / DontCareExpr (default)
    body: BlockStmt | None
    loc: SourceLoc = NOWHERE


@dataclass(slots=True)
class SwitchStmt(Stmt):
    subject: Expr
    cases: list[SwitchCaseAst]


@dataclass(slots=True)
class ExitStmt(Stmt):
    pass


@dataclass(slots=True)
class ReturnStmt(Stmt):
    value: Expr | None


@dataclass(slots=True)
class EmptyStmt(Stmt):
    pass


# ------------------------------------------------------------------ declarations


@dataclass(slots=True)
class Decl:
    name: str
    loc: SourceLoc
    annotations: list[Anno]


@dataclass(slots=True)
class ParamAst:
    name: str
    direction: str | None
    type: TypeRef
    annotations: list[Anno]
    loc: SourceLoc
    default: Expr | None = None


@dataclass(slots=True)
class FieldAst:
    name: str
    type: TypeRef
    annotations: list[Anno]
    loc: SourceLoc


@dataclass(slots=True)
class StructDecl(Decl):
    kind: str  # "header", "header_union", "struct"
    fields: list[FieldAst]
    type_params: list[str] = field(default_factory=list)


@dataclass(slots=True)
class EnumDecl(Decl):
    underlying: TypeRef | None
    members: list[tuple[str, Expr | None, SourceLoc]]


@dataclass(slots=True)
class ErrorDecl(Decl):
    members: list[tuple[str, SourceLoc]]


@dataclass(slots=True)
class MatchKindDecl(Decl):
    members: list[tuple[str, SourceLoc]]


@dataclass(slots=True)
class TypedefDecl(Decl):
    type: TypeRef
    is_newtype: bool = False  # `type T X` rather than `typedef`


@dataclass(slots=True)
class ConstDecl(Decl):
    type: TypeRef
    value: Expr


@dataclass(slots=True)
class MethodAst:
    name: str
    return_type: TypeRef | None  # None: constructor
    type_params: list[str]
    params: list[ParamAst]
    annotations: list[Anno]
    loc: SourceLoc
    is_abstract: bool = False


@dataclass(slots=True)
class ExternDecl(Decl):
    type_params: list[str]
    methods: list[MethodAst]


@dataclass(slots=True)
class ExternFuncDecl(Decl):
    return_type: TypeRef
    type_params: list[str]
    params: list[ParamAst]


@dataclass(slots=True)
class FunctionDecl(Decl):
    return_type: TypeRef
    type_params: list[str]
    params: list[ParamAst]
    body: BlockStmt


@dataclass(slots=True)
class ActionDecl(Decl):
    params: list[ParamAst]
    body: BlockStmt


@dataclass(slots=True)
class InstanceDecl(Decl):
    """``T<args>(ctor args) name;`` (``initializer`` unsupported)."""

    type: TypeRef
    args: list[Arg]


@dataclass(slots=True)
class ValueSetDecl(Decl):
    element_type: TypeRef
    size: Expr


@dataclass(slots=True)
class KeyElementAst:
    expr: Expr
    match_kind: str
    annotations: list[Anno]
    loc: SourceLoc


@dataclass(slots=True)
class ActionRefAst:
    name: str
    args: list[Arg] | None
    annotations: list[Anno]
    loc: SourceLoc
    dot: bool = False


@dataclass(slots=True)
class EntryAst:
    keyset: Expr
    action: ActionRefAst
    priority: Expr | None
    annotations: list[Anno]
    is_const: bool
    loc: SourceLoc


@dataclass(slots=True)
class TablePropAst:
    name: str
    value: object  # list[KeyElementAst] / list[ActionRefAst] / ActionRefAst / list[EntryAst] / Expr
    is_const: bool
    annotations: list[Anno]
    loc: SourceLoc


@dataclass(slots=True)
class TableDecl(Decl):
    properties: list[TablePropAst]


@dataclass(slots=True)
class SelectCaseAst:
    keyset: Expr
    state: str
    loc: SourceLoc


@dataclass(slots=True)
class TransitionAst:
    loc: SourceLoc
    state: str | None = None
    select: list[Expr] | None = None
    cases: list[SelectCaseAst] = field(default_factory=list)


@dataclass(slots=True)
class StateDecl(Decl):
    stmts: list[Stmt]
    transition: TransitionAst | None


@dataclass(slots=True)
class ParserDecl(Decl):
    type_params: list[str]
    params: list[ParamAst]
    ctor_params: list[ParamAst]
    locals: list[object]  # declarations and statements
    states: list[StateDecl]
    is_type_only: bool = False  # `parser P(...);`


@dataclass(slots=True)
class ControlDecl(Decl):
    type_params: list[str]
    params: list[ParamAst]
    ctor_params: list[ParamAst]
    locals: list[object]
    apply: BlockStmt | None
    is_type_only: bool = False


@dataclass(slots=True)
class PackageDecl(Decl):
    type_params: list[str]
    params: list[ParamAst]


@dataclass(slots=True)
class ProgramAst:
    decls: list[Decl]
