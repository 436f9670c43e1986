"""Statements of actions, functions, apply blocks and parser states."""

from __future__ import annotations

from p4sim import ir
from p4sim.errors import P4CompileError

from . import ast as A
from .context import Env
from .exprs import ExprLowerer, is_const, is_lvalue
from .scope import ActionEntity
from .show import show

_CALLS = (ir.ActionCall, ir.ExternFunctionCall, ir.ExternMethodCall, ir.FunctionCall, ir.TableApply,
          ir.ControlApply, ir.ParserApply, ir.BuiltinCall)


class StmtLowerer:
    def __init__(self, ex: ExprLowerer):
        self.ex = ex

    def block(self, b: A.BlockStmt, env: Env) -> ir.Block:
        inner = env.child()
        out: list[ir.Stmt] = []
        for s in b.stmts:
            out.extend(self.stmt(s, inner))
        return ir.Block(b.loc, out)

    def stmts(self, ss: list[A.Stmt], env: Env) -> list[ir.Stmt]:
        out: list[ir.Stmt] = []
        for s in ss:
            out.extend(self.stmt(s, env))
        return out

    def stmt(self, s: A.Stmt, env: Env) -> list[ir.Stmt]:
        if isinstance(s, A.AssignStmt):
            return [self.assign(s, env)]
        if isinstance(s, A.CallStmt):
            call = self.ex.value(s.call, env)
            if isinstance(call, ir.Const) and call.value is True:
                return []  # a static_assert that held
            if not isinstance(call, _CALLS) or (isinstance(call, ir.TableApply) and call.result != ""):
                raise P4CompileError(s.loc, f"{show(s.call)}: is not a statement")
            return [ir.CallStmt(s.loc, call)]
        if isinstance(s, A.VarDeclStmt):
            return [self.var_decl(s, env)]
        if isinstance(s, A.ConstDeclStmt):
            self.const_decl(s, env)
            return []
        if isinstance(s, A.BlockStmt):
            return [self.block(s, env)]
        if isinstance(s, A.IfStmt):
            cond = self.ex.value(s.cond, env)
            if not isinstance(cond.type, ir.BoolType):
                raise P4CompileError(s.cond.loc, f"Condition of IfStatement does not evaluate to a bool but "
                                                 f"{cond.type}")
            then = self._scoped(s.then, env)
            other = self._scoped(s.otherwise, env) if s.otherwise is not None else None
            return [ir.If(s.loc, cond, then, other)]
        if isinstance(s, A.SwitchStmt):
            return [self.switch(s, env)]
        if isinstance(s, A.ExitStmt):
            if env.kind in ("function", "parser", "state"):
                raise P4CompileError(s.loc, f"exit: not allowed in a {env.kind}")
            return [ir.Exit(s.loc)]
        if isinstance(s, A.ReturnStmt):
            return [self.ret(s, env)]
        if isinstance(s, A.EmptyStmt):
            return []
        raise P4CompileError(s.loc, "unsupported statement")

    def _scoped(self, s: A.Stmt, env: Env) -> ir.Stmt:
        lowered = self.stmt(s, env.child())
        if len(lowered) == 1:
            return lowered[0]
        return ir.Block(s.loc, lowered)

    def assign(self, s: A.AssignStmt, env: Env) -> ir.Stmt:
        lhs = self.ex.value(s.lhs, env)
        if not is_lvalue(lhs):
            raise P4CompileError(s.lhs.loc, f"{show(s.lhs)}: Expression cannot be the target of an assignment")
        rhs = self.ex.value(s.rhs, env)
        text = f"{show(s.lhs)} = {show(s.rhs)}"
        rhs = self.ex.coerce(rhs, lhs.type, s.loc, text)
        return ir.Assign(s.loc, lhs, rhs)

    def var_decl(self, s: A.VarDeclStmt, env: Env) -> ir.Stmt:
        t = self.ex.resolve_type(s.type, env.scope)
        if isinstance(t, ir.IntType | ir.ExternType) or t == ir.VoidType():
            raise P4CompileError(s.loc, f"{s.name}: variables cannot have type {t}")
        init = None
        if s.init is not None:
            init = self.ex.coerce(self.ex.value(s.init, env), t, s.init.loc, f"{s.name} = {show(s.init)}")
        var = ir.Variable(s.name, t, s.name_loc)
        env.scope.declare(s.name, var, s.name_loc)
        return ir.VarDecl(s.loc, var, init)

    def const_decl(self, s: A.ConstDeclStmt | A.ConstDecl, env: Env) -> ir.Constant:
        t = self.ex.resolve_type(s.type, env.scope)
        v = self.ex.value(s.value, env)
        v = self.ex.coerce(v, t, s.value.loc, f"{s.name} = {show(s.value)}")
        if not is_const(v):
            raise P4CompileError(s.value.loc, f"{show(s.value)}: Compile-time constant expected")
        c = ir.Constant(s.name, t, v, s.loc)
        lit = s.value
        while isinstance(lit, A.CastExpr):
            lit = lit.operand
        if isinstance(lit, A.IntExpr) and lit.lit.base != 10:
            self.ex.const_base[id(c)] = lit.lit.base
        env.scope.declare(s.name, c, s.loc)
        return c

    def ret(self, s: A.ReturnStmt, env: Env) -> ir.Stmt:
        if env.kind in ("parser", "state"):
            raise P4CompileError(s.loc, "return: not allowed in a parser")
        if env.kind == "function":
            rt = env.return_type
            if s.value is None:
                if rt is not None and not isinstance(rt, ir.VoidType):
                    raise P4CompileError(s.loc, f"return: a value of type {rt} is expected")
                return ir.Return(s.loc, None)
            if rt is None or isinstance(rt, ir.VoidType):
                raise P4CompileError(s.loc, "return: a void function cannot return a value")
            v = self.ex.coerce(self.ex.value(s.value, env), rt, s.value.loc, show(s.value))
            return ir.Return(s.loc, v)
        if s.value is not None:
            raise P4CompileError(s.loc, "return with a value is only allowed in functions")
        return ir.Return(s.loc, None)

    def switch(self, s: A.SwitchStmt, env: Env) -> ir.Stmt:
        subj = self.ex.value(s.subject, env)
        cases: list[ir.SwitchCase] = []
        seen: set[object] = set()
        is_action_run = isinstance(subj, ir.TableApply) and subj.result == "action_run"
        if not is_action_run and not isinstance(subj.type, ir.BitsType | ir.EnumType | ir.ErrorType):
            raise P4CompileError(s.subject.loc, f"{show(s.subject)}: switch expression must be a table's "
                                                f"action_run, bit<N>, int<N>, enum or error, not {subj.type}")
        for i, c in enumerate(s.cases):
            labels: list[object] = []
            for lab in c.labels:
                if isinstance(lab, A.DontCareExpr):
                    if i != len(s.cases) - 1:
                        raise P4CompileError(lab.loc, "default label must be the last switch label")
                    labels.append("default")
                    continue
                if is_action_run:
                    assert isinstance(subj, ir.TableApply)
                    action = self._action_label(lab, subj.table, env)
                    key: object = action
                    labels.append(action)
                else:
                    v = self.ex.value(lab, env)
                    v = self.ex.coerce(v, subj.type, lab.loc, show(lab))
                    if not is_const(v):
                        raise P4CompileError(lab.loc, f"{show(lab)}: Compile-time constant expected as a "
                                                      f"switch label")
                    key = (getattr(v, "value", None), getattr(v, "member", None), getattr(v, "name", None))
                    labels.append(v)
                if key in seen:
                    raise P4CompileError(lab.loc, f"{show(lab)}: duplicate switch label")
                seen.add(key)
            body = self.block(c.body, env) if c.body is not None else None
            if body is None and i == len(s.cases) - 1:
                body = ir.Block(c.loc, [])
            cases.append(ir.SwitchCase(labels, body, c.loc))
        return ir.Switch(s.loc, subj, cases)

    def _action_label(self, lab: A.Expr, table: ir.Table, env: Env) -> ir.Action:
        if not isinstance(lab, A.NameExpr):
            raise P4CompileError(lab.loc, f"{show(lab)}: switch labels on action_run must be action names")
        ent = env.scope.lookup(lab.name)
        target = ent.action if isinstance(ent, ActionEntity) else None
        for ref in table.actions:
            if ref.action is target or (target is None and ref.action.name == lab.name):
                return ref.action
        raise P4CompileError(lab.loc, f"{lab.name}: not an action of table {table.name}")


__all__ = ["StmtLowerer"]
