"""Top-level declarations and the v1model program assembled from ``main``."""

from __future__ import annotations

from p4sim import ir
from p4sim.errors import P4CompileError

from . import ast as A
from .arch_rules import check_v1model
from .blocks import BlockLowerer
from .calls import CallLowerer
from .context import Context, Env, anno_string, ir_annotations
from .exprs import ExprLowerer
from .scope import (
    BlockTypeEntity,
    ExternFuncEntity,
    ExternTypeEntity,
    FunctionEntity,
    MatchKindEntity,
    Scope,
    TypeEntity,
)
from .stmts import StmtLowerer

_V1SWITCH_ROLES = ("parser", "verify_checksum", "ingress", "egress", "compute_checksum", "deparser")


class ProgramLowerer:
    def __init__(self, source_file: str):
        self.source_file = source_file
        self.ctx = Context(Scope(None, "global"))
        self.ex = ExprLowerer(self.ctx)
        self.calls = CallLowerer(self.ctx, self.ex)
        self.ex.calls = self.calls  # type: ignore[assignment]
        self.st = StmtLowerer(self.ex)
        self.blocks = BlockLowerer(self.ctx, self.ex, self.st)
        self.calls.lower_function = self.function  # type: ignore[assignment]
        self.env = Env(self.ctx.root, "global")

    def function(self, ent: FunctionEntity, targs: tuple[ir.Type, ...] = ()) -> ir.Function:
        if not ent.decl.type_params:
            if ent.lowered is None:
                ent.lowered = self.blocks.function(ent.decl, self.ctx.root)
            return ent.lowered
        key = tuple(str(t) for t in targs)
        fn = ent.specialized.get(key)
        if fn is None:
            fn = ent.specialized[key] = self.blocks.function(ent.decl, self.ctx.root, targs)
        return fn

    # ------------------------------------------------------------- declarations

    def declare(self, d: A.Decl) -> None:
        root = self.ctx.root
        if isinstance(d, A.ErrorDecl):
            for name, loc in d.members:
                if name in self.ctx.errors:
                    raise P4CompileError(loc, f"error.{name}: duplicate declaration")
                self.ctx.errors.append(name)
        elif isinstance(d, A.MatchKindDecl):
            for name, loc in d.members:
                root.declare(name, MatchKindEntity(name), loc)
                self.ctx.match_kinds.append(name)
        elif isinstance(d, A.StructDecl):
            self.struct(d)
        elif isinstance(d, A.EnumDecl):
            self.enum(d)
        elif isinstance(d, A.TypedefDecl):
            t = self.ex.resolve_type(d.type, root)
            if d.is_newtype:
                t = self.newtype(d, t)
            root.declare(d.name, TypeEntity(t), d.loc)
        elif isinstance(d, A.ConstDecl):
            self.st.const_decl(d, self.env)
        elif isinstance(d, A.ExternDecl):
            prev = root.names.get(d.name)
            if isinstance(prev, ExternTypeEntity) and not prev.decl.methods:
                prev.decl = d  # completes a forward declaration
            else:
                root.declare(d.name, ExternTypeEntity(d), d.loc)
        elif isinstance(d, A.ExternFuncDecl):
            root.declare(d.name, ExternFuncEntity([d]), d.loc)
        elif isinstance(d, A.FunctionDecl):
            root.declare(d.name, FunctionEntity(d), d.loc)
        elif isinstance(d, A.ActionDecl):
            act = self.blocks.action(d, self.env)
            if d.name == "NoAction":
                self.ctx.noaction = act
        elif isinstance(d, A.ParserDecl | A.ControlDecl | A.PackageDecl):
            prev = root.names.get(d.name)
            if isinstance(prev, BlockTypeEntity) and getattr(prev.decl, "is_type_only", False):
                raise P4CompileError(d.loc, f"{d.name}: duplicate declaration")
            root.declare(d.name, BlockTypeEntity(d), d.loc)
        elif isinstance(d, A.InstanceDecl):
            pass  # handled by assemble()
        else:
            raise P4CompileError(d.loc, f"{d.name}: unsupported top-level declaration")

    def newtype(self, d: A.TypedefDecl, underlying: ir.Type) -> ir.Type:
        """``type U T``: as p4c's TypeInference::postorder(Type_Newtype), U must
        be bit<N>, int<N>, bool or another ``type``; values of T carry the
        declaration for P4Info and otherwise behave as U."""
        decl = ir.NewTypeDecl(d.name, underlying, ir_annotations(d.annotations), d.loc)
        try:
            decl.translation()  # p4c's parser checks the annotation's form at the declaration
        except ValueError as e:
            raise P4CompileError(d.loc, str(e)) from None
        if isinstance(underlying, ir.BitsType):
            return ir.NewBitsType(underlying.width, underlying.signed, decl)
        if isinstance(underlying, ir.BoolType):
            return ir.NewBoolType(decl)
        if isinstance(underlying, ir.IntType):
            return underlying
        raise P4CompileError(d.loc, f"{d.name}: `type' can only be applied to base types")

    def struct(self, d: A.StructDecl) -> None:
        if d.type_params:
            raise P4CompileError(d.loc, f"{d.name}: generic structs and headers are not supported")
        cls = {"header": ir.HeaderType, "header_union": ir.HeaderUnionType, "struct": ir.StructType}[d.kind]
        t = cls(d.name, [], ir_annotations(d.annotations), d.loc)
        # declared first so that errors in fields name the right thing; P4
        # has no recursive types, so the empty shell is never used meanwhile
        self.ctx.root.declare(d.name, TypeEntity(t), d.loc)
        names: set[str] = set()
        varbits = 0
        for f in d.fields:
            if f.name in names:
                raise P4CompileError(f.loc, f"{f.name}: duplicate field in {d.name}")
            names.add(f.name)
            ft = self.ex.resolve_type(f.type, self.ctx.root)
            if d.kind == "header":
                ok = isinstance(ft, ir.BitsType | ir.BoolType | ir.VarbitType) or (
                    isinstance(ft, ir.EnumType) and ft.underlying is not None) or isinstance(ft, ir.StructType)
                if not ok:
                    raise P4CompileError(f.loc, f"{f.name}: Field of type {ft} not allowed in header {d.name}")
                if isinstance(ft, ir.VarbitType):
                    varbits += 1
                    if varbits > 1:
                        raise P4CompileError(f.loc, f"{d.name}: headers can have at most one varbit field")
            elif d.kind == "header_union" and not isinstance(ft, ir.HeaderType):
                raise P4CompileError(f.loc, f"{f.name}: header_union fields must be headers, not {ft}")
            elif isinstance(ft, ir.IntType | ir.VoidType | ir.ExternType):
                raise P4CompileError(f.loc, f"{f.name}: Field of type {ft} not allowed in struct {d.name}")
            t.fields.append(ir.StructField(f.name, ft, ir_annotations(f.annotations), f.loc))
        self.ctx.types.append(t)

    def enum(self, d: A.EnumDecl) -> None:
        underlying = None
        if d.underlying is not None:
            u = self.ex.resolve_type(d.underlying, self.ctx.root)
            if not isinstance(u, ir.BitsType):
                raise P4CompileError(d.loc, f"{d.name}: an enum's underlying type must be bit<N> or int<N>")
            underlying = u
        t = ir.EnumType(d.name, [], underlying, {}, d.loc)
        for name, value, loc in d.members:
            if name in t.members:
                raise P4CompileError(loc, f"{name}: duplicate member of enum {d.name}")
            t.members.append(name)
            if underlying is not None:
                if value is None:
                    raise P4CompileError(loc, f"{name}: members of a serializable enum need a value")
                c = self.ex.constant(value, self.env, underlying)
                t.values[name] = int(c.value)  # type: ignore[attr-defined]
            elif value is not None:
                raise P4CompileError(loc, f"{name}: only serializable enums give values to members")
        self.ctx.root.declare(d.name, TypeEntity(t), d.loc)
        self.ctx.types.append(t)

    # ----------------------------------------------------------------- program

    def lower(self, prog: A.ProgramAst) -> ir.Program:
        main: A.InstanceDecl | None = None
        for d in prog.decls:
            self.declare(d)
            if isinstance(d, A.InstanceDecl):
                if d.name == "main":
                    main = d
                elif isinstance(d.type, A.NamedTypeRef) and isinstance(self.ctx.root.lookup(d.type.name),
                                                                       ExternTypeEntity):
                    self.blocks.instance(d, self.env)  # a global extern object, named without a prefix
                else:
                    raise P4CompileError(d.loc, f"{d.name}: only extern objects and the package instance "
                                                f"'main' may be instantiated at the top level")
        for ent in list(self.ctx.root.names.values()):
            if isinstance(ent, FunctionEntity) and not ent.decl.type_params:
                self.function(ent)
        prog = self.assemble(main) if main is not None else None
        if prog is not None:
            check_v1model(prog)
        self.check_unused_blocks(prog)
        if prog is None:
            raise P4CompileError(None, "Could not find declaration for 'main', which must be declared")
        return prog

    def check_unused_blocks(self, prog: ir.Program | None) -> None:
        """p4c type-checks every control and parser, instantiated or not; so do
        we, by elaborating the unused ones into a scratch context."""
        used = set()
        if prog is not None:
            stack: list[object] = [prog.parser, prog.verify_checksum, prog.ingress, prog.egress,
                                   prog.compute_checksum, prog.deparser]
            while stack:
                b = stack.pop()
                used.add(b.type_name)  # type: ignore[attr-defined]
                stack.extend(getattr(b, "subcontrols", []))
                stack.extend(getattr(b, "subparsers", []))
        saved = (len(self.ctx.actions), len(self.ctx.tables), len(self.ctx.externs), len(self.ctx.value_sets),
                 len(self.ctx.digests))
        for ent in list(self.ctx.root.names.values()):
            if not isinstance(ent, BlockTypeEntity) or not isinstance(ent.decl, A.ControlDecl | A.ParserDecl):
                continue
            d = ent.decl
            if d.is_type_only or d.name in used or d.type_params or d.ctor_params:
                continue
            if isinstance(d, A.ControlDecl):
                self.blocks.control(d, d.name, [], self.env)
            else:
                self.blocks.parser(d, d.name, [], self.env)
        del self.ctx.actions[saved[0]:]
        del self.ctx.tables[saved[1]:]
        del self.ctx.externs[saved[2]:]
        del self.ctx.value_sets[saved[3]:]
        del self.ctx.digests[saved[4]:]

    def assemble(self, main: A.InstanceDecl) -> ir.Program:
        ref = main.type
        if not isinstance(ref, A.NamedTypeRef) or ref.name != "V1Switch":
            raise P4CompileError(main.loc, "main: p4sim runs v1model programs: main must be a V1Switch")
        if len(main.args) != 6:
            raise P4CompileError(main.loc, f"main: V1Switch takes 6 arguments, got {len(main.args)}")
        blocks: list[object] = []
        for role, a in zip(_V1SWITCH_ROLES, main.args, strict=True):
            blocks.append(self.top_block(role, a))
        parser, vck, ig, eg, cck, dep = blocks
        assert isinstance(parser, ir.ParserInstance)
        for b, role in zip(blocks[1:], _V1SWITCH_ROLES[1:], strict=True):
            assert isinstance(b, ir.ControlInstance), role
        meta_t = ig.params[1].type if len(ig.params) > 1 else None  # type: ignore[attr-defined]
        version = self.ctx.root.lookup("__v1model_version")
        return ir.Program(
            source_file=self.source_file,
            parser=parser,
            verify_checksum=vck,  # type: ignore[arg-type]
            ingress=ig,  # type: ignore[arg-type]
            egress=eg,  # type: ignore[arg-type]
            compute_checksum=cck,  # type: ignore[arg-type]
            deparser=dep,  # type: ignore[arg-type]
            errors=list(self.ctx.errors),
            types=list(self.ctx.types),
            actions=list(self.ctx.actions),
            tables=list(self.ctx.tables),
            externs=list(self.ctx.externs),
            value_sets=list(self.ctx.value_sets),
            digests=list(self.ctx.digests),
            field_lists=field_lists(meta_t) if isinstance(meta_t, ir.StructType) else {},
            controller_headers=controller_headers(self.ctx.types),
            v1model_version=int(version.value.value) if isinstance(version, ir.Constant) else 20180101,  # type: ignore
            main_annotations=ir_annotations(main.annotations),
        )

    def top_block(self, role: str, a: A.Arg) -> object:
        x = a.value
        if not (isinstance(x, A.CallExpr) and isinstance(x.callee, A.TypeNameExpr)
                and isinstance(x.callee.ref, A.NamedTypeRef)):
            raise P4CompileError(a.loc, f"main: argument for {role} must be a constructor call such as Name()")
        name = x.callee.ref.name
        ent = self.ctx.root.lookup(name)
        if not isinstance(ent, BlockTypeEntity):
            raise P4CompileError(x.loc, f"{name}: declaration not found")
        decl = ent.decl
        want = A.ParserDecl if role == "parser" else A.ControlDecl
        if not isinstance(decl, want) or decl.is_type_only:
            raise P4CompileError(x.loc, f"{name}: the {role} argument of V1Switch must be a "
                                        f"{'parser' if role == 'parser' else 'control'}")
        path = anno_string(decl.annotations, "name") or decl.name
        path = path.lstrip(".")
        if isinstance(decl, A.ControlDecl):
            inst: object = self.blocks.control(decl, path, x.args, self.env)
        else:
            inst = self.blocks.parser(decl, path, x.args, self.env)
        self._check_arch_params(role, decl, inst, x.loc)
        return inst

    def _check_arch_params(self, role: str, decl: A.Decl, inst: object, loc: ir.SourceLoc) -> None:
        expected = {"parser": 4, "verify_checksum": 2, "ingress": 3, "egress": 3, "compute_checksum": 2,
                    "deparser": 2}[role]
        params = inst.params  # type: ignore[attr-defined]
        if len(params) != expected:
            raise P4CompileError(loc, f"{decl.name}: the {role} block of V1Switch takes {expected} parameters, "
                                      f"not {len(params)}")


def field_lists(meta: ir.StructType) -> dict[int, list[tuple[str, ...]]]:
    out: dict[int, list[tuple[str, ...]]] = {}

    def walk(t: ir.StructLikeType, prefix: tuple[str, ...]) -> None:
        for f in t.fields:
            path = prefix + (f.name,)
            a = ir.find_annotation(f.annotations, "field_list")
            if a is not None:
                ids = a.value if isinstance(a.value, tuple) else (a.value,)
                for i in ids:
                    if isinstance(i, int):
                        out.setdefault(i, []).append(path)
            if isinstance(f.type, ir.StructType):
                walk(f.type, path)

    walk(meta, ())
    return out


def controller_headers(types: list[ir.Type]) -> dict[str, ir.HeaderType]:
    out: dict[str, ir.HeaderType] = {}
    for t in types:
        if isinstance(t, ir.HeaderType):
            a = ir.find_annotation(t.annotations, "controller_header")
            if a is not None and isinstance(a.value, str):
                out[a.value] = t
    return out


__all__ = ["ProgramLowerer"]
