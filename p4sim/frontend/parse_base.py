"""Parser foundations: token access, the type-name table, annotations,
types and parameter lists.

P4's grammar needs to know which identifiers name types (``T(x)`` is a
constructor call when T is a type, ``(T) x`` a cast). p4c's lexer asks the
parser's symbol table; here the parser keeps that table itself (``_types``, a
stack of scopes: top-level type declarations and the type parameters of the
generic declaration being parsed) and consults it where the grammar forks.
"""

from __future__ import annotations

from p4sim.errors import P4CompileError

from . import ast as A
from .lexer import Token

TYPE_KEYWORDS = {"bit", "int", "varbit", "bool", "error", "string", "void", "tuple", "match_kind"}
_DIRECTIONS = {"in", "out", "inout"}


class ParserBase:
    def __init__(self, tokens: list[Token]):
        self.toks = tokens
        self.pos = 0
        self._types: list[set[str]] = [set()]

    # ----------------------------------------------------------- token helpers

    def peek(self, k: int = 0) -> Token:
        i = self.pos + k
        return self.toks[i] if i < len(self.toks) else self.toks[-1]

    def next(self) -> Token:
        t = self.toks[self.pos]
        if t.kind != "eof":
            self.pos += 1
        return t

    def at(self, text: str, k: int = 0) -> bool:
        t = self.peek(k)
        return t.text == text and t.kind != "string"

    def accept(self, text: str) -> Token | None:
        if self.at(text):
            return self.next()
        return None

    def expect(self, text: str, what: str | None = None) -> Token:
        t = self.peek()
        if t.text == text and t.kind != "string":
            return self.next()
        raise self.syntax_error(t, f"expected {what or repr(text)}")

    def syntax_error(self, tok: Token, detail: str = "") -> P4CompileError:
        found = "end of file" if tok.kind == "eof" else f"unexpected token '{tok.text}'"
        msg = f"syntax error, {found}"
        if detail:
            msg += f"; {detail}"
        return P4CompileError(tok.loc, msg)

    def ident(self, what: str = "an identifier") -> Token:
        t = self.peek()
        if t.kind == "ident":
            return self.next()
        raise self.syntax_error(t, f"expected {what}")

    # -------------------------------------------------------------- type names

    def is_type_name(self, name: str) -> bool:
        return any(name in s for s in self._types)

    def declare_type(self, name: str) -> None:
        self._types[-1].add(name)

    def push_type_params(self, names: list[str]) -> None:
        self._types.append(set(names))

    def pop_type_params(self) -> None:
        self._types.pop()

    def at_type_start(self, k: int = 0) -> bool:
        t = self.peek(k)
        if t.kind == "kw" and t.text in TYPE_KEYWORDS:
            return True
        if t.kind == "ident" and self.is_type_name(t.text):
            return True
        return t.text == "." and t.kind == "punct" and self.peek(k + 1).kind == "ident" \
            and self.is_type_name(self.peek(k + 1).text)

    # ------------------------------------------------------------- annotations

    def annotations(self) -> list[A.Anno]:
        out: list[A.Anno] = []
        while self.at("@"):
            at = self.next()
            name_tok = self.next()
            if name_tok.kind not in ("ident", "kw"):
                raise self.syntax_error(name_tok, "expected an annotation name")
            if self.at("(") and self.peek().glued:
                self.next()
                body = self._balanced(")")
                out.append(A.Anno(name_tok.text, body, at.loc))
            elif self.at("["):
                self.next()
                body = self._balanced("]")
                out.append(A.Anno(name_tok.text, body, at.loc, structured=True))
            elif self.at("("):
                self.next()
                body = self._balanced(")")
                out.append(A.Anno(name_tok.text, body, at.loc))
            else:
                out.append(A.Anno(name_tok.text, None, at.loc))
        return out

    def _balanced(self, close: str) -> list[Token]:
        """Tokens up to the matching ``close`` (consumed, not returned)."""
        depth = 0
        body: list[Token] = []
        opens = {"(": ")", "[": "]", "{": "}"}
        while True:
            t = self.next()
            if t.kind == "eof":
                raise self.syntax_error(t, f"expected '{close}'")
            if t.kind == "punct" and t.text in opens:
                depth += 1
            elif t.kind == "punct" and t.text in (")", "]", "}"):
                if depth == 0:
                    if t.text != close:
                        raise self.syntax_error(t, f"expected '{close}'")
                    return body
                depth -= 1
            body.append(t)

    # ------------------------------------------------------------------- types

    def type_ref(self) -> A.TypeRef:
        t = self.peek()
        if t.kind == "kw" and t.text in ("bit", "int", "varbit"):
            self.next()
            if self.at("<"):
                self.next()
                if self.at("("):
                    self.next()
                    width = self.expression()
                    self.expect(")")
                else:
                    width = self.primary()
                self.expect_close_angle()
                base: A.TypeRef = A.BaseTypeRef(t.loc, t.text, width)
            else:
                if t.text == "varbit":
                    raise self.syntax_error(self.peek(), "expected '<' after varbit")
                base = A.BaseTypeRef(t.loc, t.text, None)
        elif t.kind == "kw" and t.text in ("bool", "error", "string", "void", "match_kind"):
            self.next()
            base = A.BaseTypeRef(t.loc, t.text, None)
        elif t.kind == "kw" and t.text == "tuple":
            self.next()
            self.expect("<")
            elems = [self.type_arg()]
            while self.accept(","):
                elems.append(self.type_arg())
            self.expect_close_angle()
            base = A.TupleTypeRef(t.loc, elems)
        elif t.kind == "ident" and t.text == "_":
            self.next()
            return A.DontCareTypeRef(t.loc)
        else:
            dot = False
            if self.at(".") and self.peek(1).kind == "ident":
                self.next()
                dot = True
                t = self.peek()
            if t.kind == "ident" and self.peek(1).kind == "ident" and not self.is_type_name(t.text):
                raise P4CompileError(t.loc, f"{t.text}: declaration not found (a type is expected here)")
            if t.kind != "ident" or not self.is_type_name(t.text):
                raise self.syntax_error(t, "expected a type")
            self.next()
            args: list[A.TypeRef] = []
            if self.at("<"):
                self.next()
                args.append(self.type_arg())
                while self.accept(","):
                    args.append(self.type_arg())
                self.expect_close_angle()
            base = A.NamedTypeRef(t.loc, t.text, args, dot)
        while self.at("["):
            lb = self.next()
            size = self.expression()
            self.expect("]")
            base = A.StackTypeRef(lb.loc, base, size)
        return base

    def type_arg(self) -> A.TypeRef:
        if self.peek().kind == "int":
            # `bit<8>`-like width position reached through a generic: not valid
            raise self.syntax_error(self.peek(), "expected a type")
        return self.type_ref()

    def expect_close_angle(self) -> None:
        self.expect(">", "'>'")

    def try_type_args_call(self) -> list[A.TypeRef] | None:
        """At ``<``: type arguments followed by ``(``, or None (backtracks)."""
        save = self.pos
        try:
            self.next()
            args = [self.type_arg()]
            while self.accept(","):
                args.append(self.type_arg())
            self.expect_close_angle()
            if not self.at("("):
                raise P4CompileError(None, "")
            return args
        except P4CompileError:
            self.pos = save
            return None

    def lookahead_type_params(self) -> list[str]:
        """``T f<T>(...)``: the return type uses a type parameter declared
        after it; collect those names before parsing the return type."""
        k = 0
        while self.peek(k).kind in ("ident", "kw") or self.at(".", k) or self.at("<", k) and k > 1:
            if self.at("<", k) and self.peek(k - 1).kind == "ident" and self.peek(k - 2).kind in ("ident", "kw"):
                names = []
                j = k + 1
                while self.peek(j).kind == "ident":
                    names.append(self.peek(j).text)
                    if self.at(",", j + 1):
                        j += 2
                    else:
                        break
                return names
            if self.at("(", k) or self.at("<", k):
                return []
            k += 1
        return []

    def type_params(self) -> list[str]:
        names: list[str] = []
        if self.accept("<"):
            names.append(self.ident("a type parameter").text)
            while self.accept(","):
                names.append(self.ident("a type parameter").text)
            self.expect_close_angle()
        return names

    # -------------------------------------------------------------- parameters

    def params(self) -> list[A.ParamAst]:
        self.expect("(")
        out: list[A.ParamAst] = []
        if self.accept(")"):
            return out
        while True:
            annos = self.annotations()
            direction = None
            if self.peek().kind == "kw" and self.peek().text in _DIRECTIONS:
                direction = self.next().text
            ty = self.type_ref()
            name = self.name_token()
            default = None
            if self.accept("="):
                default = self.expression()
            out.append(A.ParamAst(name.text, direction, ty, annos, name.loc, default))
            if self.accept(")"):
                return out
            self.expect(",", "',' or ')'")

    def name_token(self) -> Token:
        """A declared name; P4 lets a few keywords-in-context be names."""
        t = self.peek()
        if t.kind == "ident":
            return self.next()
        raise self.syntax_error(t, "expected a name")

