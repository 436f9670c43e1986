"""Statements and blocks."""

from __future__ import annotations

from p4sim.errors import P4CompileError

from . import ast as A
from .parse_exprs import ExprParser


class StmtParser(ExprParser):
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

