"""Expressions and keysets (select cases, table entries)."""

from __future__ import annotations

from p4sim.errors import P4CompileError

from . import ast as A
from .parse_base import TYPE_KEYWORDS, ParserBase

# Binary operators by precedence level, lowest first (p4c's p4parser.ypp:
# unlike C, & ^ | bind tighter than comparisons).
_LEVELS: list[tuple[str, ...]] = [
    ("||",),
    ("&&",),
    ("==", "!="),
    ("<", ">", "<=", ">="),
    ("|",),
    ("^",),
    ("&",),
    ("<<", ">>"),
    ("++", "+", "-", "|+|", "|-|"),
    ("*", "/", "%"),
]


class ExprParser(ParserBase):
    # ----------------------------------------------------------------- keysets

    def keyset(self) -> A.Expr:
        t = self.peek()
        if self.at("(") and self._paren_has_top_comma():
            self.next()
            elems = [self.simple_keyset()]
            while self.accept(","):
                elems.append(self.simple_keyset())
            self.expect(")")
            return A.TupleKeyset(t.loc, elems)
        return self.simple_keyset()

    def _paren_has_top_comma(self) -> bool:
        """Whether the parenthesis at the cursor opens a tuple keyset."""
        depth = 0
        i = self.pos
        while i < len(self.toks):
            tk = self.toks[i]
            if tk.kind == "punct" and tk.text in ("(", "[", "{"):
                depth += 1
            elif tk.kind == "punct" and tk.text in (")", "]", "}"):
                depth -= 1
                if depth == 0:
                    return False
            elif depth == 1 and (tk.kind == "punct" and tk.text in (",", "&&&", "..")
                                 or self._lone_dontcare(i)):
                return True
            elif tk.kind == "eof":
                return False
            i += 1
        return False

    def _lone_dontcare(self, i: int) -> bool:
        """``(_)`` / ``(default)``: a one-element tuple keyset."""
        tk = self.toks[i]
        return i == self.pos + 1 and tk.text in ("default", "_") and self.toks[i + 1].text == ")"

    def simple_keyset(self) -> A.Expr:
        t = self.peek()
        if self.at("default") or (t.kind == "ident" and t.text == "_" and not self.at(".", 1)):
            self.next()
            return A.DontCareExpr(t.loc)
        e = self.expression()
        if self.at("&&&"):
            self.next()
            m = self.expression()
            return A.MaskExpr(e.loc, e, m)
        if self.at(".."):
            self.next()
            h = self.expression()
            return A.RangeExpr(e.loc, e, h)
        return e


    # -------------------------------------------------------------- expressions

    def expression(self) -> A.Expr:
        cond = self.binary(0)
        if self.at("?"):
            self.next()
            then = self.expression()
            self.expect(":")
            other = self.expression()
            return A.MuxExpr(cond.loc, cond, then, other)
        return cond

    def _binary_op(self, level: int) -> str | None:
        t = self.peek()
        if t.kind != "punct":
            return None
        ops = _LEVELS[level]
        if t.text == ">" and ">>" in ops:
            nxt = self.peek(1)
            if nxt.kind == "punct" and nxt.text == ">" and nxt.glued:
                return ">>"
            return None
        if t.text == ">" and ">" in ops:
            nxt = self.peek(1)
            if nxt.kind == "punct" and nxt.text == ">" and nxt.glued:
                return None  # a shift, handled at its own level
            return ">"
        if t.text in ops:
            return t.text
        return None

    def binary(self, level: int) -> A.Expr:
        if level == len(_LEVELS):
            return self.unary()
        left = self.binary(level + 1)
        while True:
            op = self._binary_op(level)
            if op is None:
                return left
            self.next()
            if op == ">>":
                self.next()
            right = self.binary(level + 1)
            left = A.BinaryExpr(left.loc, op, left, right)

    def unary(self) -> A.Expr:
        t = self.peek()
        if t.kind == "punct" and t.text in ("!", "~", "-", "+"):
            self.next()
            operand = self.unary()
            if t.text == "+":
                return operand
            return A.UnaryExpr(t.loc, t.text, operand)
        if t.kind == "punct" and t.text == "(" and self._at_cast():
            self.next()
            ty = self.type_ref()
            self.expect(")")
            operand = self.unary()
            return A.CastExpr(t.loc, ty, operand)
        return self.postfix(self.primary())

    def _at_cast(self) -> bool:
        if not self.at_type_start(1):
            return False
        save = self.pos
        try:
            self.next()
            self.type_ref()
            return self.at(")")
        except P4CompileError:
            return False
        finally:
            self.pos = save

    def primary(self) -> A.Expr:
        t = self.peek()
        if t.kind == "int":
            self.next()
            return A.IntExpr(t.loc, t.value, t.text)
        if t.kind == "string":
            self.next()
            return A.StringExpr(t.loc, t.value)
        if t.kind == "kw":
            if t.text in ("true", "false"):
                self.next()
                return A.BoolExpr(t.loc, t.text == "true")
            if t.text in TYPE_KEYWORDS:
                ty = self.type_ref()
                return A.TypeNameExpr(t.loc, ty)
        if t.kind == "punct":
            if t.text == "(":
                self.next()
                e = self.expression()
                self.expect(")")
                return e
            if t.text == "{":
                return self.list_expression()
            if t.text == "." and self.peek(1).kind == "ident":
                self.next()
                n = self.next()
                if self.is_type_name(n.text):
                    return A.TypeNameExpr(n.loc, A.NamedTypeRef(n.loc, n.text, [], True))
                return A.NameExpr(n.loc, n.text, True)
        if t.kind == "ident":
            if t.text == "_":
                self.next()
                return A.DontCareExpr(t.loc)
            if self.is_type_name(t.text):
                if self.at("<", 1):
                    save = self.pos
                    try:
                        ty = self.type_ref()
                        return A.TypeNameExpr(t.loc, ty)
                    except P4CompileError:
                        self.pos = save
                self.next()
                return A.TypeNameExpr(t.loc, A.NamedTypeRef(t.loc, t.text, []))
            self.next()
            return A.NameExpr(t.loc, t.text)
        raise self.syntax_error(t, "expected an expression")

    def list_expression(self) -> A.Expr:
        lb = self.expect("{")
        elems: list[A.Expr] = []
        names: list[str] | None = None
        if self.at("#"):
            raise self.syntax_error(self.peek())
        if self.peek().kind == "ident" and self.at("=", 1):
            names = []
        while not self.at("}"):
            if names is not None:
                n = self.name_token()
                self.expect("=")
                names.append(n.text)
            if self.at("..."):
                raise self.syntax_error(self.peek(), "'...' is not supported")
            elems.append(self.expression())
            if not self.accept(","):
                break
        self.expect("}", "'}' or ','")
        return A.ListExpr(lb.loc, elems, names)

    def postfix(self, e: A.Expr) -> A.Expr:
        while True:
            t = self.peek()
            if t.kind != "punct":
                return e
            if t.text == ".":
                self.next()
                n = self.peek()
                if n.kind not in ("ident", "kw"):
                    raise self.syntax_error(n, "expected a member name")
                self.next()
                e = A.MemberExpr(e.loc, e, n.text)
            elif t.text == "[":
                self.next()
                first = self.expression()
                if self.accept(":"):
                    lo = self.expression()
                    self.expect("]")
                    e = A.SliceExpr(e.loc, e, first, lo)
                else:
                    self.expect("]")
                    e = A.IndexExpr(e.loc, e, first)
            elif t.text == "(":
                args = self.arguments()
                e = A.CallExpr(e.loc, e, [], args)
            elif t.text == "<" and isinstance(e, A.NameExpr | A.MemberExpr):
                targs = self.try_type_args_call()
                if targs is None:
                    return e
                args = self.arguments()
                e = A.CallExpr(e.loc, e, targs, args)
            else:
                return e

    def arguments(self) -> list[A.Arg]:
        self.expect("(")
        args: list[A.Arg] = []
        if self.accept(")"):
            return args
        while True:
            t = self.peek()
            name = None
            if t.kind == "ident" and self.at("=", 1) and not self.at("==", 1):
                name = t.text
                self.next()
                self.next()
                t = self.peek()
            if t.kind == "ident" and t.text == "_" and (self.at(",", 1) or self.at(")", 1)):
                self.next()
                args.append(A.Arg(None, name, t.loc))
            else:
                args.append(A.Arg(self.expression(), name, t.loc))
            if self.accept(")"):
                return args
            self.expect(",", "',' or ')'")

