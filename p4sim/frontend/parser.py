"""Recursive-descent parser for P4_16: tokens to ``ast.ProgramAst``.

P4's grammar needs to know which identifiers name types (``T(x)`` is a
constructor call when T is a type, ``(T) x`` a cast). p4c's lexer asks the
parser's symbol table; here the parser keeps that table itself (``_types``, a
stack of scopes: top-level type declarations and the type parameters of the
generic declaration being parsed) and consults it where the grammar forks.
Hand-written rather than generated so that those forks are explicit, errors
name the offending token, and parsing stays linear (a few ms per 1000 lines).
"""

from __future__ import annotations

from p4sim.errors import P4CompileError

from . import ast as A
from .lexer import Token

_TYPE_KEYWORDS = {"bit", "int", "varbit", "bool", "error", "string", "void", "tuple", "match_kind"}
_DIRECTIONS = {"in", "out", "inout"}

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


class Parser:
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
        if t.kind == "kw" and t.text in _TYPE_KEYWORDS:
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
                self._balanced("]")
                out.append(A.Anno(name_tok.text, [], at.loc))
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
        while self.at("[") and not self._at_annotation_bracket():
            lb = self.next()
            size = self.expression()
            self.expect("]")
            base = A.StackTypeRef(lb.loc, base, size)
        return base

    def _at_annotation_bracket(self) -> bool:
        return False

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

    # ---------------------------------------------------------------- program

    def program(self) -> A.ProgramAst:
        decls: list[A.Decl] = []
        while self.peek().kind != "eof":
            if self.accept(";"):
                continue
            decls.append(self.declaration())
        return A.ProgramAst(decls)

    def declaration(self) -> A.Decl:
        annos = self.annotations()
        t = self.peek()
        text = t.text if t.kind in ("kw", "ident") else None
        if text == "const":
            return self.const_decl(annos)
        if text in ("header", "struct", "header_union"):
            return self.struct_decl(annos)
        if text == "enum":
            return self.enum_decl(annos)
        if text == "error" and self.at("{", 1):
            self.next()
            members = self.name_list()
            return A.ErrorDecl("error", t.loc, annos, members)
        if text == "match_kind" and self.at("{", 1):
            self.next()
            members = self.name_list()
            return A.MatchKindDecl("match_kind", t.loc, annos, members)
        if text == "typedef" or (text == "type" and t.kind == "ident" and self.at_type_start(1)):
            return self.typedef_decl(annos)
        if text == "extern":
            return self.extern_decl(annos)
        if text == "action":
            return self.action_decl(annos)
        if text == "parser":
            return self.parser_decl(annos)
        if text == "control":
            return self.control_decl(annos)
        if text == "package":
            return self.package_decl(annos)
        pre = self.lookahead_type_params()
        if pre:
            self.push_type_params(pre)
            ty = self.type_ref()
            name = self.name_token()
            self.pop_type_params()
            return self.function_rest(ty, name, annos)
        if self.at_type_start():
            ty = self.type_ref()
            if self.at("("):
                return self.instance_rest(ty, annos)
            name = self.name_token()
            if self.at("(") or self.at("<"):
                return self.function_rest(ty, name, annos)
            raise self.syntax_error(self.peek(), "expected '(' after a function name")
        raise self.syntax_error(t, "expected a declaration")

    def name_list(self) -> list[tuple[str, object]]:
        self.expect("{")
        members = []
        if not self.at("}"):
            while True:
                self.annotations()
                n = self.name_token()
                members.append((n.text, n.loc))
                if not self.accept(","):
                    break
        self.expect("}", "'}' or ','")
        return members

    def const_decl(self, annos: list[A.Anno]) -> A.ConstDecl:
        self.expect("const")
        ty = self.type_ref()
        name = self.name_token()
        self.expect("=")
        value = self.expression()
        self.expect(";")
        return A.ConstDecl(name.text, name.loc, annos, ty, value)

    def struct_decl(self, annos: list[A.Anno]) -> A.StructDecl:
        kw = self.next()
        name = self.name_token()
        self.declare_type(name.text)
        tparams = self.type_params()
        self.push_type_params(tparams)
        self.expect("{")
        fields: list[A.FieldAst] = []
        while not self.accept("}"):
            fannos = self.annotations()
            fty = self.type_ref()
            fname = self.name_token()
            self.expect(";")
            fields.append(A.FieldAst(fname.text, fty, fannos, fname.loc))
        self.pop_type_params()
        return A.StructDecl(name.text, name.loc, annos, kw.text, fields, tparams)

    def enum_decl(self, annos: list[A.Anno]) -> A.EnumDecl:
        self.expect("enum")
        underlying = None
        if self.peek().kind == "kw" and self.peek().text in ("bit", "int") or (
            self.peek().kind == "ident" and self.is_type_name(self.peek().text)
        ):
            underlying = self.type_ref()
        name = self.name_token()
        self.declare_type(name.text)
        self.expect("{")
        members: list[tuple[str, A.Expr | None, object]] = []
        if not self.at("}"):
            while True:
                self.annotations()
                m = self.name_token()
                value = None
                if self.accept("="):
                    value = self.expression()
                members.append((m.text, value, m.loc))
                if not self.accept(","):
                    break
                if self.at("}"):
                    break
        self.expect("}", "'}' or ','")
        return A.EnumDecl(name.text, name.loc, annos, underlying, members)

    def typedef_decl(self, annos: list[A.Anno]) -> A.TypedefDecl:
        kw = self.next()
        ty = self.type_ref()
        name = self.name_token()
        self.expect(";")
        self.declare_type(name.text)
        return A.TypedefDecl(name.text, name.loc, annos, ty, kw.text == "type")

    def extern_decl(self, annos: list[A.Anno]) -> A.Decl:
        self.expect("extern")
        # extern object: `extern Name<T> { ... }` (or a forward `extern Name;`)
        t = self.peek()
        if t.kind == "ident" and not self.is_type_name(t.text) and (self.at("{", 1) or self.at("<", 1)
                                                                     and not self.at("(", 1)):
            # Could still be `extern T f<X>(...)` with T an unknown type: an
            # extern object has `{` after its (optional) type parameters.
            save = self.pos
            self.next()
            self.declare_type(t.text)
            tparams = self.type_params()
            if self.at("{"):
                return self.extern_body(t, tparams, annos)
            self.pos = save
        if t.kind == "ident" and self.is_type_name(t.text) and self.at("{", 1):
            # re-declaration of a forward-declared extern
            self.next()
            return self.extern_body(t, [], annos)
        if t.kind == "ident" and self.at(";", 1):
            self.next()
            self.next()
            self.declare_type(t.text)
            return A.ExternDecl(t.text, t.loc, annos, [], [])
        # extern function
        self.push_type_params(self.lookahead_type_params())
        ret = self.type_ref()
        name = self.name_token()
        tparams = self.type_params()
        self.push_type_params(tparams)
        params = self.params()
        self.pop_type_params()
        self.pop_type_params()
        self.expect(";")
        return A.ExternFuncDecl(name.text, name.loc, annos, ret, tparams, params)

    def extern_body(self, name: Token, tparams: list[str], annos: list[A.Anno]) -> A.ExternDecl:
        self.push_type_params(tparams)
        self.expect("{")
        methods: list[A.MethodAst] = []
        while not self.accept("}"):
            mannos = self.annotations()
            is_abstract = bool(self.accept("abstract"))
            if self.peek().text == name.text and self.at("(", 1):
                n = self.next()
                params = self.params()
                self.expect(";")
                methods.append(A.MethodAst(n.text, None, [], params, mannos, n.loc))
                continue
            self.push_type_params(self.lookahead_type_params())
            ret = self.type_ref()
            n = self.name_token()
            mtparams = self.type_params()
            self.push_type_params(mtparams)
            params = self.params()
            self.pop_type_params()
            self.pop_type_params()
            self.expect(";")
            methods.append(A.MethodAst(n.text, ret, mtparams, params, mannos, n.loc, is_abstract))
        self.pop_type_params()
        return A.ExternDecl(name.text, name.loc, annos, tparams, methods)

    def action_decl(self, annos: list[A.Anno]) -> A.ActionDecl:
        self.expect("action")
        name = self.name_token()
        params = self.params()
        body = self.block()
        return A.ActionDecl(name.text, name.loc, annos, params, body)

    def function_rest(self, ret: A.TypeRef, name: Token, annos: list[A.Anno]) -> A.FunctionDecl:
        tparams = self.type_params()
        self.push_type_params(tparams)
        params = self.params()
        body = self.block()
        self.pop_type_params()
        return A.FunctionDecl(name.text, name.loc, annos, ret, tparams, params, body)

    def instance_rest(self, ty: A.TypeRef, annos: list[A.Anno]) -> A.InstanceDecl:
        args = self.arguments()
        name = self.name_token()
        if self.at("="):
            raise self.syntax_error(self.peek(), "instance initializers are not supported")
        self.expect(";")
        return A.InstanceDecl(name.text, name.loc, annos, ty, args)

    def package_decl(self, annos: list[A.Anno]) -> A.PackageDecl:
        self.expect("package")
        name = self.name_token()
        self.declare_type(name.text)
        tparams = self.type_params()
        self.push_type_params(tparams)
        params = self.params()
        self.pop_type_params()
        self.expect(";")
        return A.PackageDecl(name.text, name.loc, annos, tparams, params)

    def parser_decl(self, annos: list[A.Anno]) -> A.ParserDecl:
        self.expect("parser")
        name = self.name_token()
        self.declare_type(name.text)
        tparams = self.type_params()
        self.push_type_params(tparams)
        params = self.params()
        if self.accept(";"):
            self.pop_type_params()
            return A.ParserDecl(name.text, name.loc, annos, tparams, params, [], [], [], True)
        ctor = self.params() if self.at("(") else []
        self.expect("{")
        local: list[object] = []
        states: list[A.StateDecl] = []
        while not self.accept("}"):
            lannos = self.annotations()
            if self.peek().kind == "ident" and self.peek().text == "state" and self.peek(1).kind == "ident":
                states.append(self.state_decl(lannos))
            else:
                local.append(self.local_decl(lannos, in_control=False))
        self.pop_type_params()
        return A.ParserDecl(name.text, name.loc, annos, tparams, params, ctor, local, states)

    def state_decl(self, annos: list[A.Anno]) -> A.StateDecl:
        self.next()  # 'state'
        name = self.name_token()
        self.expect("{")
        stmts: list[A.Stmt] = []
        transition = None
        while not self.accept("}"):
            if self.at("transition"):
                transition = self.transition()
                self.expect("}", "'}' after the transition statement")
                break
            stmts.append(self.statement())
        return A.StateDecl(name.text, name.loc, annos, stmts, transition)

    def transition(self) -> A.TransitionAst:
        kw = self.expect("transition")
        if self.at("select"):
            self.next()
            self.expect("(")
            keys = [self.expression()]
            while self.accept(","):
                keys.append(self.expression())
            self.expect(")")
            self.expect("{")
            cases: list[A.SelectCaseAst] = []
            while not self.accept("}"):
                start = self.peek()
                ks = self.keyset()
                self.expect(":")
                st = self.name_token()
                self.expect(";")
                cases.append(A.SelectCaseAst(ks, st.text, start.loc))
            return A.TransitionAst(kw.loc, None, keys, cases)
        st = self.name_token()
        self.expect(";")
        return A.TransitionAst(kw.loc, st.text)

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

    def control_decl(self, annos: list[A.Anno]) -> A.ControlDecl:
        self.expect("control")
        name = self.name_token()
        self.declare_type(name.text)
        tparams = self.type_params()
        self.push_type_params(tparams)
        params = self.params()
        if self.accept(";"):
            self.pop_type_params()
            return A.ControlDecl(name.text, name.loc, annos, tparams, params, [], [], None, True)
        ctor = self.params() if self.at("(") else []
        self.expect("{")
        local: list[object] = []
        apply_block = None
        while not self.accept("}"):
            lannos = self.annotations()
            if self.peek().kind == "ident" and self.peek().text == "apply" and self.at("{", 1):
                self.next()
                apply_block = self.block()
                continue
            local.append(self.local_decl(lannos, in_control=True))
        self.pop_type_params()
        if apply_block is None:
            raise P4CompileError(name.loc, f"control {name.text} has no apply block")
        return A.ControlDecl(name.text, name.loc, annos, tparams, params, ctor, local, apply_block)

    def local_decl(self, annos: list[A.Anno], in_control: bool) -> object:
        t = self.peek()
        if t.text == "const" and t.kind == "kw":
            return self.const_decl(annos)
        if in_control and t.text == "action" and t.kind == "kw":
            return self.action_decl(annos)
        if in_control and t.text == "table" and t.kind == "kw":
            return self.table_decl(annos)
        if t.text == "value_set" and t.kind == "kw":
            return self.value_set_decl(annos)
        if self.at_type_start():
            ty = self.type_ref()
            if self.at("("):
                return self.instance_rest(ty, annos)
            name = self.name_token()
            init = None
            if self.accept("="):
                init = self.expression()
            self.expect(";")
            return A.VarDeclStmt(name.loc, ty, name.text, init, annos, name.loc)
        raise self.syntax_error(t, "expected a declaration")

    def value_set_decl(self, annos: list[A.Anno]) -> A.ValueSetDecl:
        self.expect("value_set")
        self.expect("<")
        ty = self.type_ref()
        self.expect_close_angle()
        self.expect("(")
        size = self.expression()
        self.expect(")")
        name = self.name_token()
        self.expect(";")
        return A.ValueSetDecl(name.text, name.loc, annos, ty, size)

    # ------------------------------------------------------------------ tables

    def table_decl(self, annos: list[A.Anno]) -> A.TableDecl:
        self.expect("table")
        name = self.name_token()
        self.expect("{")
        props: list[A.TablePropAst] = []
        while not self.accept("}"):
            pannos = self.annotations()
            is_const = bool(self.accept("const"))
            pname = self.peek()
            if pname.kind not in ("ident", "kw"):
                raise self.syntax_error(pname, "expected a table property")
            self.next()
            self.expect("=")
            if pname.text == "key":
                value: object = self.key_list()
            elif pname.text == "actions":
                value = self.action_list()
            elif pname.text == "entries":
                value = self.entries_list(is_const)
            elif pname.text == "default_action":
                value = self.action_ref([])
                self.expect(";")
            else:
                value = self.expression()
                self.expect(";")
            props.append(A.TablePropAst(pname.text, value, is_const, pannos, pname.loc))
        return A.TableDecl(name.text, name.loc, annos, props)

    def key_list(self) -> list[A.KeyElementAst]:
        self.expect("{")
        keys: list[A.KeyElementAst] = []
        while not self.accept("}"):
            start = self.peek()
            e = self.expression()
            self.expect(":")
            mk = self.name_token()
            kannos = self.annotations()
            self.expect(";")
            keys.append(A.KeyElementAst(e, mk.text, kannos, start.loc))
        return keys

    def action_list(self) -> list[A.ActionRefAst]:
        self.expect("{")
        refs: list[A.ActionRefAst] = []
        while not self.accept("}"):
            aannos = self.annotations()
            refs.append(self.action_ref(aannos))
            if not self.accept(";") and not self.accept(",") and not self.at("}"):
                raise self.syntax_error(self.peek(), "expected ';'")
        return refs

    def action_ref(self, annos: list[A.Anno]) -> A.ActionRefAst:
        dot = bool(self.accept("."))
        name = self.name_token()
        args = self.arguments() if self.at("(") else None
        return A.ActionRefAst(name.text, args, annos, name.loc, dot)

    def entries_list(self, is_const: bool) -> list[A.EntryAst]:
        self.expect("{")
        entries: list[A.EntryAst] = []
        while not self.accept("}"):
            eannos = self.annotations()
            econst = bool(self.accept("const")) or is_const
            start = self.peek()
            prio = None
            if start.kind == "ident" and start.text == "priority" and self.at("=", 1):
                self.next()
                self.next()
                prio = self.expression() if not self.at("(") else self.primary()
                self.expect(":")
                start = self.peek()
            ks = self.keyset()
            self.expect(":")
            ref = self.action_ref([])
            eannos += self.annotations()
            self.expect(";")
            entries.append(A.EntryAst(ks, ref, prio, eannos, econst, start.loc))
        return entries

    # -------------------------------------------------------------- statements

    def block(self) -> A.BlockStmt:
        lb = self.expect("{")
        stmts: list[A.Stmt] = []
        while not self.accept("}"):
            if self.peek().kind == "eof":
                raise self.syntax_error(self.peek(), "expected '}'")
            stmts.append(self.statement())
        return A.BlockStmt(lb.loc, stmts)

    def statement(self) -> A.Stmt:
        annos = self.annotations()
        t = self.peek()
        if t.kind == "punct":
            if t.text == "{":
                return self.block()
            if t.text == ";":
                self.next()
                return A.EmptyStmt(t.loc)
        if t.kind == "kw":
            if t.text == "if":
                self.next()
                self.expect("(")
                cond = self.expression()
                self.expect(")")
                then = self.statement()
                other = None
                if self.accept("else"):
                    other = self.statement()
                return A.IfStmt(t.loc, cond, then, other)
            if t.text == "switch":
                return self.switch_stmt()
            if t.text == "return":
                self.next()
                value = None if self.at(";") else self.expression()
                self.expect(";")
                return A.ReturnStmt(t.loc, value)
            if t.text == "exit":
                self.next()
                self.expect(";")
                return A.ExitStmt(t.loc)
            if t.text == "const":
                self.next()
                ty = self.type_ref()
                name = self.name_token()
                self.expect("=")
                value = self.expression()
                self.expect(";")
                return A.ConstDeclStmt(name.loc, ty, name.text, value, annos)
        if t.kind == "ident" and self.peek(1).kind == "ident" and not self.is_type_name(t.text):
            raise P4CompileError(t.loc, f"{t.text}: declaration not found (a type is expected here)")
        if self.at_type_start() and self._looks_like_declaration():
            ty = self.type_ref()
            name = self.name_token()
            init = None
            if self.accept("="):
                init = self.expression()
            self.expect(";")
            return A.VarDeclStmt(name.loc, ty, name.text, init, annos, name.loc)
        e = self.expression()
        if self.at("="):
            self.next()
            rhs = self.expression()
            self.expect(";")
            return A.AssignStmt(t.loc, e, rhs)
        self.expect(";")
        if not isinstance(e, A.CallExpr):
            raise P4CompileError(t.loc, "syntax error, expected an assignment or a method call")
        return A.CallStmt(t.loc, e)

    def _looks_like_declaration(self) -> bool:
        save = self.pos
        try:
            self.type_ref()
            return self.peek().kind == "ident"
        except P4CompileError:
            return False
        finally:
            self.pos = save

    def switch_stmt(self) -> A.SwitchStmt:
        kw = self.expect("switch")
        self.expect("(")
        subject = self.expression()
        self.expect(")")
        self.expect("{")
        cases: list[A.SwitchCaseAst] = []
        while not self.accept("}"):
            start = self.peek()
            if self.at("default"):
                self.next()
                label: A.Expr = A.DontCareExpr(start.loc)
            else:
                label = self.expression()
            self.expect(":")
            body = self.block() if self.at("{") else None
            cases.append(A.SwitchCaseAst([label], body, start.loc))
        return A.SwitchStmt(kw.loc, subject, cases)

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
            if t.text in _TYPE_KEYWORDS:
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


def parse(tokens: list[Token]) -> A.ProgramAst:
    return Parser(tokens).program()
