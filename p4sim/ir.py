"""The checked, elaborated P4_16 program: the contract between p4sim's parts.

The front end (``p4sim.frontend``) turns source text into a ``Program``; the
engine (``p4sim.engine``) compiles a ``Program`` into closures that process
packets; ``p4sim.p4info`` derives P4Info from it. Nothing downstream of the
front end ever sees source syntax, and nothing here knows about packets.

Three decisions shape this module:

* Everything is resolved. A name is a reference to the declaration object it
  denotes (``VarRef(decl)``), never a string to be looked up again. Typedefs
  are gone; every expression carries its ``type``; integer literals have been
  given the width the context demands (P4's implicit casts of ``int``), so the
  engine never guesses a width.
* Everything is elaborated. A control or parser *type* instantiated twice (two
  ``Accumulate() acc1; Accumulate() acc2;``) yields two ``ControlInstance``
  objects with their own tables, actions, externs and locals, each named with
  its control-plane path (``CIngress.acc1.acc_t``) as p4c names them.
* Values are Python ints. A ``bit<N>`` or ``int<N>`` value is stored as its
  unsigned N-bit pattern in ``[0, 2**N)``; signed operations reinterpret it.
  ``bool`` values are Python bools. Compile-time ``int`` (infinite precision)
  only exists inside the front end's constant folding.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

# --------------------------------------------------------------------- source


@dataclass(frozen=True, slots=True)
class SourceLoc:
    """Where a construct was written, for diagnostics and packet traces."""

    file: str
    line: int
    col: int

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.col}"


NOWHERE = SourceLoc("<builtin>", 0, 0)


@dataclass(frozen=True, slots=True)
class Annotation:
    """``@name(body)``: ``body`` is the text between the parentheses exactly as
    p4c prints it back (``"unused"`` with its quotes for ``@noWarn("unused")``),
    or None for an annotation written without parentheses (``@hidden``)."""

    name: str
    body: str | None = None
    # Structured value where the front end could evaluate one: the string of
    # @name("x") / @controller_header("packet_in"), the int of @id(5).
    value: object = None

    def __str__(self) -> str:
        return f"@{self.name}" if self.body is None else f"@{self.name}({self.body})"


def find_annotation(annotations: tuple[Annotation, ...], name: str) -> Annotation | None:
    for a in annotations:
        if a.name == name:
            return a
    return None


# ---------------------------------------------------------------------- types


class Type:
    """Base of all P4 types. Instances compare by value where that is sound
    (``BitsType(8, False) == BitsType(8, False)``) and by identity for named
    nominal types (headers, structs, enums)."""

    def bit_width(self) -> int:
        raise TypeError(f"type {self} has no fixed bit width")


@dataclass(frozen=True, slots=True)
class BitsType(Type):
    """``bit<N>`` (signed=False) or ``int<N>`` (signed=True)."""

    width: int
    signed: bool = False

    def bit_width(self) -> int:
        return self.width

    def __str__(self) -> str:
        return f"{'int' if self.signed else 'bit'}<{self.width}>"


@dataclass(frozen=True, slots=True)
class VarbitType(Type):
    max_width: int

    def __str__(self) -> str:
        return f"varbit<{self.max_width}>"


@dataclass(frozen=True, slots=True)
class BoolType(Type):
    def bit_width(self) -> int:
        return 1

    def __str__(self) -> str:
        return "bool"


@dataclass(frozen=True, slots=True)
class IntType(Type):
    """Compile-time infinite-precision ``int``; only before width inference."""

    def __str__(self) -> str:
        return "int"


@dataclass(frozen=True, slots=True)
class VoidType(Type):
    def __str__(self) -> str:
        return "void"


@dataclass(frozen=True, slots=True)
class StringType(Type):
    def __str__(self) -> str:
        return "string"


@dataclass(frozen=True, slots=True)
class ErrorType(Type):
    def __str__(self) -> str:
        return "error"


@dataclass(frozen=True, slots=True)
class MatchKindType(Type):
    def __str__(self) -> str:
        return "match_kind"


_TRANSLATION = re.compile(r'^\s*("(?:[^"\\]|\\.)*")\s*,\s*(?:(string)|bit\s*<\s*(\d+)\s*>|(\d+))\s*$')


@dataclass(eq=False, slots=True)
class NewTypeDecl:
    """``type U T``: a new named type. ``underlying`` is U as written (a base
    type, or another new type's NewBitsType/NewBoolType). The engine never
    looks at it: values of T behave as values of U. It is kept for P4Info
    (``type_info.new_types``, ``type_name``, ``@p4runtime_translation``)."""

    name: str
    underlying: Type
    annotations: tuple[Annotation, ...] = ()
    loc: SourceLoc = NOWHERE

    def translation(self) -> tuple[str, int | None] | None:
        """(uri, W) for ``@p4runtime_translation(uri, W)`` or ``(uri, bit<W>)``,
        (uri, None) for ``(uri, string)``, None without the annotation
        (p4c p4parser.ypp, p4rtControllerType). ValueError for other forms."""
        a = find_annotation(self.annotations, "p4runtime_translation")
        if a is None:
            return None
        m = _TRANSLATION.match(a.body or "")
        if m is None:
            raise ValueError(
                f"@p4runtime_translation({a.body}): expected a string URI and `string`, bit<W> or an integer")
        uri = m.group(1)[1:-1].replace('\\"', '"').replace("\\\\", "\\")
        if m.group(2):
            return uri, None
        return uri, int(m.group(3) or m.group(4))

    def base(self) -> Type:
        """U with every new type on the way unwrapped (p4c walks the chain)."""
        t = self.underlying
        while isinstance(t, NewBitsType | NewBoolType):
            t = t.newtype.underlying
        return t


@dataclass(frozen=True, slots=True, eq=False)
class NewBitsType(BitsType):
    """A value of ``type bit<N> T`` (or ``type int<N> T``): a BitsType for
    everything but P4Info, so it compares equal to its base ``bit<N>``."""

    newtype: NewTypeDecl | None = None

    def __eq__(self, other: object) -> bool:
        return isinstance(other, BitsType) and other.width == self.width and other.signed == self.signed

    def __hash__(self) -> int:
        return hash((self.width, self.signed))

    def __str__(self) -> str:
        return self.newtype.name if self.newtype else BitsType.__str__(self)


@dataclass(frozen=True, slots=True, eq=False)
class NewBoolType(BoolType):
    """A value of ``type bool T``; a BoolType for everything but P4Info."""

    newtype: NewTypeDecl | None = None

    def __eq__(self, other: object) -> bool:
        return isinstance(other, BoolType)

    def __hash__(self) -> int:
        return hash(BoolType)

    def __str__(self) -> str:
        return self.newtype.name if self.newtype else "bool"


def newtype_of(t: Type) -> NewTypeDecl | None:
    """The ``type`` declaration a value type comes from, if any."""
    return t.newtype if isinstance(t, NewBitsType | NewBoolType) else None


@dataclass(eq=False, slots=True)
class StructField:
    name: str
    type: Type
    annotations: tuple[Annotation, ...] = ()
    loc: SourceLoc = NOWHERE


@dataclass(eq=False, slots=True)
class StructLikeType(Type):
    """Common shape of header, header_union and struct types (nominal)."""

    name: str
    fields: list[StructField]
    annotations: tuple[Annotation, ...] = ()
    loc: SourceLoc = NOWHERE

    def field(self, name: str) -> StructField:
        for f in self.fields:
            if f.name == name:
                return f
        raise KeyError(name)

    def __str__(self) -> str:
        return self.name

    def __hash__(self) -> int:
        return id(self)


@dataclass(eq=False, slots=True)
class HeaderType(StructLikeType):
    """Fields are BitsType, BoolType, VarbitType (at most one) or a
    serializable EnumType. Bit order: first field is most significant."""

    def bit_width(self) -> int:
        """Fixed width; a varbit field counts as 0 (its minimum)."""
        return sum(0 if isinstance(f.type, VarbitType) else f.type.bit_width() for f in self.fields)

    __hash__ = StructLikeType.__hash__


@dataclass(eq=False, slots=True)
class HeaderUnionType(StructLikeType):
    """Each field's type is a HeaderType; at most one member is valid."""

    __hash__ = StructLikeType.__hash__


@dataclass(eq=False, slots=True)
class StructType(StructLikeType):
    def bit_width(self) -> int:
        return sum(f.type.bit_width() for f in self.fields)

    __hash__ = StructLikeType.__hash__


@dataclass(frozen=True, slots=True)
class StackType(Type):
    """``H[size]`` for a header or header_union type H."""

    element: Type
    size: int

    def __str__(self) -> str:
        return f"{self.element}[{self.size}]"


@dataclass(eq=False, slots=True)
class EnumType(Type):
    """``enum E {A, B}`` (underlying None) or serializable
    ``enum bit<8> E {A = 1}`` (underlying BitsType, values given)."""

    name: str
    members: list[str]
    underlying: BitsType | None = None
    values: dict[str, int] = field(default_factory=dict)
    loc: SourceLoc = NOWHERE

    def bit_width(self) -> int:
        if self.underlying is None:
            raise TypeError(f"enum {self.name} is not serializable")
        return self.underlying.width

    def __str__(self) -> str:
        return self.name

    def __hash__(self) -> int:
        return id(self)


@dataclass(frozen=True, slots=True)
class TupleType(Type):
    """Type of list expressions ``{a, b}`` and ``tuple<...>``."""

    elements: tuple[Type, ...]

    def bit_width(self) -> int:
        return sum(t.bit_width() for t in self.elements)

    def __str__(self) -> str:
        return "tuple<" + ", ".join(map(str, self.elements)) + ">"


@dataclass(eq=False, slots=True)
class ExternType(Type):
    """An extern object type, specialized: ``register<bit<32>>`` is
    ``ExternType("register", (BitsType(32),))``."""

    name: str
    type_args: tuple[Type, ...] = ()

    def __str__(self) -> str:
        if not self.type_args:
            return self.name
        return f"{self.name}<{', '.join(map(str, self.type_args))}>"


# ---------------------------------------------------------------- declarations


@dataclass(eq=False, slots=True)
class Param:
    """A parameter of a parser, control, action, function or extern method.

    ``direction`` is "in", "out", "inout" or None (directionless: for an action,
    a value supplied by the control plane or a table entry)."""

    name: str
    direction: str | None
    type: Type
    annotations: tuple[Annotation, ...] = ()
    loc: SourceLoc = NOWHERE
    default: Expr | None = None


@dataclass(eq=False, slots=True)
class Variable:
    """A local variable (in a control, parser, action, function or block).
    Uninitialized variables of a bits type start at 0 in BMv2; headers start
    invalid."""

    name: str
    type: Type
    loc: SourceLoc = NOWHERE


@dataclass(eq=False, slots=True)
class Constant:
    """A named compile-time constant; uses are folded to ``Const`` by the
    front end, so the engine only meets it in traces."""

    name: str
    type: Type
    value: object
    loc: SourceLoc = NOWHERE


# ---------------------------------------------------------------- expressions


@dataclass(eq=False, slots=True)
class Expr:
    type: Type
    loc: SourceLoc


@dataclass(eq=False, slots=True)
class Const(Expr):
    """A literal value of a BitsType (unsigned pattern), BoolType (bool),
    StringType (str), or IntType (only inside the front end)."""

    value: object


@dataclass(eq=False, slots=True)
class VarRef(Expr):
    """Reads or writes a Param or Variable of the innermost enclosing frame
    (action, function, control or parser instance)."""

    decl: Param | Variable


@dataclass(eq=False, slots=True)
class Member(Expr):
    """``base.name``: a field of a struct, header or union."""

    base: Expr
    name: str


@dataclass(eq=False, slots=True)
class StackIndex(Expr):
    """``stack[index]``; index is a Const or a run-time expression."""

    base: Expr
    index: Expr


@dataclass(eq=False, slots=True)
class StackProp(Expr):
    """``stack.next``, ``stack.last`` (element lvalues/rvalues), ``stack.lastIndex``
    (bit<32>), ``stack.size`` (folded to Const by the front end)."""

    base: Expr
    prop: str


@dataclass(eq=False, slots=True)
class Slice(Expr):
    """``base[hi:lo]`` with constant bounds; type ``bit<hi-lo+1>``."""

    base: Expr
    hi: int
    lo: int


@dataclass(eq=False, slots=True)
class Unary(Expr):
    """op in: "-" (two's complement negate), "~", "!"."""

    op: str
    operand: Expr


@dataclass(eq=False, slots=True)
class Binary(Expr):
    """op in: + - * / % |+| |-| << >> & | ^ ++ == != < <= > >= && ||.

    Operands of arithmetic and bitwise operators already have the same type as
    the result, except ``<<``/``>>`` (right operand any unsigned width) and
    ``++`` (result width is the sum). ``/`` and ``%`` only on compile-time
    positive values in P4_16, kept for BMv2-compatible run-time evaluation."""

    op: str
    left: Expr
    right: Expr


@dataclass(eq=False, slots=True)
class Cast(Expr):
    """``(type) operand`` between bits/int/bool/serializable enum types."""

    operand: Expr


@dataclass(eq=False, slots=True)
class Mux(Expr):
    cond: Expr
    then: Expr
    otherwise: Expr


@dataclass(eq=False, slots=True)
class ListExpr(Expr):
    """``{a, b, c}`` as a tuple, or a struct/header initializer when
    ``type`` is a StructLikeType (``names`` then gives the field per element)."""

    elements: list[Expr]
    names: list[str] | None = None


@dataclass(eq=False, slots=True)
class EnumMember(Expr):
    """``E.A``; for a serializable enum, ``value`` is its integer value."""

    member: str
    value: int | None = None


@dataclass(eq=False, slots=True)
class ErrorMember(Expr):
    """``error.NoError``; ``code`` is the index in Program.errors (BMv2 order)."""

    name: str
    code: int


@dataclass(eq=False, slots=True)
class MatchKindMember(Expr):
    name: str


@dataclass(eq=False, slots=True)
class DontCare(Expr):
    """``_`` / ``default`` in keysets and ``_`` as an out argument."""


@dataclass(eq=False, slots=True)
class Mask(Expr):
    """``value &&& mask`` in a keyset."""

    value: Expr
    mask: Expr


@dataclass(eq=False, slots=True)
class Range(Expr):
    """``low .. high`` in a keyset."""

    low: Expr
    high: Expr


@dataclass(eq=False, slots=True)
class Argument:
    """An argument bound to a parameter; ``value`` is None for an omitted
    optional argument or a ``_`` don't-care out argument."""

    param: Param
    value: Expr | None


@dataclass(eq=False, slots=True)
class BuiltinCall(Expr):
    """Methods every header/union/stack has:
    ``isValid``, ``setValid``, ``setInvalid`` (on a header or union member),
    ``push_front(n)``, ``pop_front(n)`` (on a stack, ``args`` = [Const n]),
    ``minSizeInBits``, ``minSizeInBytes`` (folded by the front end when it can)."""

    method: str
    target: Expr
    args: list[Expr] = field(default_factory=list)


@dataclass(eq=False, slots=True)
class ExternMethodCall(Expr):
    """A method of an extern object: ``instance.method(args)``.

    ``target`` is an ExternRef (an instantiated object such as a register) or
    a VarRef to a ``packet_in``/``packet_out`` parameter. ``type_args`` are the
    method's own type arguments after inference (``extract<ipv4_t>``)."""

    target: Expr
    extern: str
    method: str
    args: list[Argument]
    type_args: tuple[Type, ...] = ()


@dataclass(eq=False, slots=True)
class ExternFunctionCall(Expr):
    """A call to an extern function (``mark_to_drop``, ``hash``, ``digest``,
    ``clone_preserving_field_list``, ``verify_checksum``, ...). ``type_args``
    after inference (``digest<learn_t>`` gives (learn_t,)). For the
    ``*_preserving_field_list`` calls the field list index is a Const arg."""

    name: str
    args: list[Argument]
    type_args: tuple[Type, ...] = ()


@dataclass(eq=False, slots=True)
class ActionCall(Expr):
    """Direct call of an action from an apply block or another action."""

    action: Action
    args: list[Argument]


@dataclass(eq=False, slots=True)
class FunctionCall(Expr):
    function: Function
    args: list[Argument]


@dataclass(eq=False, slots=True)
class TableApply(Expr):
    """``t.apply()`` as a statement, or with ``.hit``/``.miss`` (BoolType) or
    ``.action_run`` (used only by Switch). ``result`` is "", "hit", "miss"
    or "action_run"."""

    table: Table
    result: str = ""


@dataclass(eq=False, slots=True)
class ControlApply(Expr):
    """``sub.apply(args)`` of a control instance declared in a control."""

    instance: ControlInstance
    args: list[Argument]


@dataclass(eq=False, slots=True)
class ParserApply(Expr):
    """``sub.apply(packet, args)`` of a parser instance, inside a parser state."""

    instance: ParserInstance
    args: list[Argument]


@dataclass(eq=False, slots=True)
class ExternRef(Expr):
    """Names an instantiated extern object (as call target or as an argument,
    e.g. a table's ``implementation``)."""

    instance: ExternInstance


# ----------------------------------------------------------------- statements


@dataclass(eq=False, slots=True)
class Stmt:
    loc: SourceLoc


@dataclass(eq=False, slots=True)
class Assign(Stmt):
    """``lhs = rhs``; rhs already has lhs's type. lhs is an lvalue expression:
    VarRef, Member, StackIndex, StackProp(next/last), Slice of those."""

    lhs: Expr
    rhs: Expr


@dataclass(eq=False, slots=True)
class CallStmt(Stmt):
    """An expression evaluated for its effects: any call node above."""

    call: Expr


@dataclass(eq=False, slots=True)
class VarDecl(Stmt):
    """Declares a local; ``init`` None means zero / invalid (BMv2's choice)."""

    var: Variable
    init: Expr | None = None


@dataclass(eq=False, slots=True)
class Block(Stmt):
    stmts: list[Stmt]


@dataclass(eq=False, slots=True)
class If(Stmt):
    cond: Expr
    then: Stmt
    otherwise: Stmt | None = None


@dataclass(eq=False, slots=True)
class SwitchCase:
    """Labels are action objects (for ``action_run`` switches), Exprs (Const
    or EnumMember, for switches on values) or the string "default". A case
    with ``body`` None falls through to the next case's body."""

    labels: list[object]
    body: Block | None
    loc: SourceLoc = NOWHERE


@dataclass(eq=False, slots=True)
class Switch(Stmt):
    """``switch (e)``: e is a TableApply with result "action_run", or a
    bits/enum expression."""

    subject: Expr
    cases: list[SwitchCase]


@dataclass(eq=False, slots=True)
class Exit(Stmt):
    """Ends the current control block of the pipeline (ingress or egress...),
    including every enclosing action and sub-control."""


@dataclass(eq=False, slots=True)
class Return(Stmt):
    value: Expr | None = None


@dataclass(eq=False, slots=True)
class Empty(Stmt):
    pass


# ------------------------------------------------------------ callable units


@dataclass(eq=False, slots=True)
class Action:
    """``name`` is the declared name; ``cp_name`` the fully qualified
    control-plane name used by P4Info (``CIngress.acc1.acc_add``, ``NoAction``).
    Directional params come first, directionless (control-plane) params last."""

    name: str
    cp_name: str
    params: list[Param]
    body: Block
    annotations: tuple[Annotation, ...] = ()
    loc: SourceLoc = NOWHERE

    @property
    def cp_params(self) -> list[Param]:
        """The directionless parameters a table entry supplies."""
        return [p for p in self.params if p.direction is None]


@dataclass(eq=False, slots=True)
class Function:
    name: str
    params: list[Param]
    return_type: Type
    body: Block
    loc: SourceLoc = NOWHERE


@dataclass(eq=False, slots=True)
class ExternInstance:
    """An instantiated extern object: ``register<bit<32>>(16) seen_count;`` or
    ``direct_counter(CounterType.packets) c;`` or an action_selector.

    ``ctor_args`` are folded constants in declaration order of the chosen
    constructor, with their parameter names in ``ctor_params`` (``size``,
    ``type``, ``algorithm``, ``outputWidth``...). Enum arguments are
    EnumMember expressions."""

    name: str
    cp_name: str
    type: ExternType
    ctor_params: list[str]
    ctor_args: list[Expr]
    annotations: tuple[Annotation, ...] = ()
    loc: SourceLoc = NOWHERE

    def arg(self, name: str) -> Expr:
        return self.ctor_args[self.ctor_params.index(name)]


@dataclass(eq=False, slots=True)
class KeyElement:
    """One table key: ``expr: match_kind``. ``name`` is the match field name as
    p4c exports it (``hdr.ethernet.dst[7:0]``, ``hdr.ipv4.$valid$``, or the
    @name value)."""

    expr: Expr
    match_kind: str
    name: str
    annotations: tuple[Annotation, ...] = ()
    loc: SourceLoc = NOWHERE

    @property
    def width(self) -> int:
        return self.expr.type.bit_width()


@dataclass(eq=False, slots=True)
class ActionRef:
    """An entry of a table's ``actions`` list. ``args`` binds the action's
    directional params (rare); ``scope`` is "all", "table_only" or
    "default_only" from @tableonly/@defaultonly."""

    action: Action
    args: list[Argument] = field(default_factory=list)
    annotations: tuple[Annotation, ...] = ()
    scope: str = "all"


@dataclass(eq=False, slots=True)
class BoundAction:
    """An action with values for its control-plane params, in order:
    a default action or a const entry's action. ``args`` are folded Consts."""

    action: Action
    args: list[Const]


@dataclass(frozen=True, slots=True)
class KeyMatch:
    """One element of a const entry's keyset, already folded:
    kind "exact"(value), "ternary"(value, mask), "lpm"(value, prefix_len in
    ``mask``), "range"(value=low, mask=high), "optional"(value), "dontcare"."""

    kind: str
    value: int = 0
    mask: int = 0


@dataclass(eq=False, slots=True)
class ConstEntry:
    keys: list[KeyMatch]
    action: BoundAction
    priority: int | None = None  # explicit `priority = N` or @priority, else None
    annotations: tuple[Annotation, ...] = ()
    loc: SourceLoc = NOWHERE


@dataclass(eq=False, slots=True)
class Table:
    """A table with every property the front end understood.

    ``implementation`` is an action_profile / action_selector ExternInstance;
    ``counters``/``meters`` the direct_counter / direct_meter it owns;
    ``entries`` the ``entries``/``const entries`` list (``entries_const``
    tells which); ``default_action`` is what a miss runs (NoAction if not
    written), ``default_const`` whether the control plane may change it.
    ``support_timeout`` is the ``support_timeout = true`` property."""

    name: str
    cp_name: str
    keys: list[KeyElement]
    actions: list[ActionRef]
    default_action: BoundAction
    default_const: bool = False
    entries: list[ConstEntry] = field(default_factory=list)
    entries_const: bool = False
    size: int = 1024
    size_given: bool = False
    implementation: ExternInstance | None = None
    counters: ExternInstance | None = None
    meters: ExternInstance | None = None
    support_timeout: bool = False
    annotations: tuple[Annotation, ...] = ()
    loc: SourceLoc = NOWHERE


# ------------------------------------------------------------------ parsers


@dataclass(eq=False, slots=True)
class SelectCase:
    """One ``keyset: state`` line; ``keysets`` has one Expr per select key
    (Const, Mask, Range, DontCare, or a ValueSetRef)."""

    keysets: list[Expr]
    next_state: str
    loc: SourceLoc = NOWHERE


@dataclass(eq=False, slots=True)
class Transition:
    """``transition state;`` (``select`` None, ``next_state`` set) or
    ``transition select(keys) {...}`` (no match: reject with
    error.NoMatch). Target names "accept" and "reject" are the final states."""

    next_state: str | None = None
    select: list[Expr] | None = None
    cases: list[SelectCase] = field(default_factory=list)
    loc: SourceLoc = NOWHERE


@dataclass(eq=False, slots=True)
class ParserState:
    name: str
    stmts: list[Stmt]
    transition: Transition
    annotations: tuple[Annotation, ...] = ()
    loc: SourceLoc = NOWHERE


@dataclass(eq=False, slots=True)
class ValueSet:
    """``value_set<T>(size) name;`` used in select keysets."""

    name: str
    cp_name: str
    element_type: Type
    size: int
    annotations: tuple[Annotation, ...] = ()
    loc: SourceLoc = NOWHERE


@dataclass(eq=False, slots=True)
class ValueSetRef(Expr):
    value_set: ValueSet


# ---------------------------------------------------------------- instances


@dataclass(eq=False, slots=True)
class ControlInstance:
    """One instance of a control type. ``type_name`` is the declared control
    name, ``path`` the control-plane prefix of everything inside
    (``CIngress`` for a top-level block, ``CIngress.acc1`` for a nested one).
    ``params`` are the apply parameters; ``ctor_args`` constant constructor
    arguments already substituted into the body (so nothing here refers to
    them). ``locals`` are the local variables (initialized at the start of
    every apply, BMv2-style zero/invalid); ``decls`` everything declared in
    the control body, in order."""

    type_name: str
    path: str
    params: list[Param]
    variables: list[Variable]
    actions: list[Action]
    tables: list[Table]
    externs: list[ExternInstance]
    subcontrols: list[ControlInstance]
    apply: Block
    annotations: tuple[Annotation, ...] = ()
    loc: SourceLoc = NOWHERE


@dataclass(eq=False, slots=True)
class ParserInstance:
    """One instance of a parser type; ``states`` includes only declared states
    (``start`` first); "accept" and "reject" are implicit."""

    type_name: str
    path: str
    params: list[Param]
    variables: list[Variable]
    states: dict[str, ParserState]
    externs: list[ExternInstance]
    value_sets: list[ValueSet]
    subparsers: list[ParserInstance]
    annotations: tuple[Annotation, ...] = ()
    loc: SourceLoc = NOWHERE


# ------------------------------------------------------------------ program


@dataclass(eq=False, slots=True)
class DigestSite:
    """A ``digest<T>(receiver, data)`` call: P4Info has one digest per type."""

    type: Type
    loc: SourceLoc = NOWHERE


@dataclass(eq=False, slots=True)
class Program:
    """A whole v1model program, ready to run.

    ``errors`` lists every error member in declaration order, core.p4's
    seven first (NoError, PacketTooShort, NoMatch, StackOutOfBounds,
    HeaderTooShort, ParserTimeout, ParserInvalidArgument), then v1model's and
    the program's; ``ErrorMember.code`` indexes it.

    ``field_lists`` maps a ``@field_list(N)`` index to the metadata struct
    fields (as member paths from the ``meta`` parameter, e.g. ("tmp", "x"))
    that clone/resubmit/recirculate preserve.

    ``controller_headers`` are header types annotated ``@controller_header``,
    keyed by the annotation string ("packet_in", "packet_out")."""

    source_file: str
    parser: ParserInstance
    verify_checksum: ControlInstance
    ingress: ControlInstance
    egress: ControlInstance
    compute_checksum: ControlInstance
    deparser: ControlInstance
    errors: list[str]
    types: list[Type]
    actions: list[Action]  # every action instance, top-level ones included
    tables: list[Table]  # every table instance in the program
    externs: list[ExternInstance]  # every extern instance in the program
    value_sets: list[ValueSet]
    digests: list[DigestSite]
    field_lists: dict[int, list[tuple[str, ...]]]
    controller_headers: dict[str, HeaderType]
    v1model_version: int = 20180101
    main_annotations: tuple[Annotation, ...] = ()

    def table(self, cp_name: str) -> Table:
        for t in self.tables:
            if t.cp_name == cp_name:
                return t
        raise KeyError(f"no table named {cp_name!r}")

    def action(self, cp_name: str) -> Action:
        for a in self.actions:
            if a.cp_name == cp_name:
                return a
        raise KeyError(f"no action named {cp_name!r}")

    def extern(self, cp_name: str) -> ExternInstance:
        for e in self.externs:
            if e.cp_name == cp_name:
                return e
        raise KeyError(f"no extern instance named {cp_name!r}")
