"""Recursive-descent parser for P4_16: tokens to ``ast.ProgramAst``.

The grammar is split by job over a chain of mixins: ``parse_base`` (tokens,
type names, types), ``parse_exprs``, ``parse_stmts``, and here the
declarations. Hand-written rather than generated so that the places where
the grammar needs the type-name table are explicit, errors name the
offending token, and parsing stays linear (a few ms per 1000 lines).
"""

from __future__ import annotations

from p4sim.errors import P4CompileError

from . import ast as A
from .lexer import Token
from .parse_stmts import StmtParser


class Parser(StmtParser):
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
                kw = self.next()
                if apply_block is not None:
                    raise P4CompileError(kw.loc, f"control {name.text} has more than one apply block")
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



def parse(tokens: list[Token]) -> A.ProgramAst:
    return Parser(tokens).program()
