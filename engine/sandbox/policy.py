"""Static rules for sandboxed scripts: a RestrictedPython policy plus keyflow's own checks."""

from __future__ import annotations

import ast
import functools
import re
from types import CodeType
from typing import Any, Literal

from RestrictedPython import compile_restricted_eval, compile_restricted_exec
from RestrictedPython.transformer import IOPERATOR_TO_STR as AUG_OPS
from RestrictedPython.transformer import RestrictingNodeTransformer, copy_locations

from engine.i18n import N_

FILENAME = "<script>"  # tracebacks from sandboxed code carry this file name
MAX_SOURCE_LENGTH = 100_000
PRINT_HOOK = "_print_line_"  # what `print` reads as (engine/sandbox/script_output.py)
MAX_FORMAT_WIDTH = 1_000  # widths and precisions in format specs and %-formats
# Items in any list, tuple, dict or set a script builds: inserting n colliding keys into a
# dict or set costs n**2 in C, out of the deadline's reach, so n stays small (containers.py).
MAX_ITEMS = 5_000

_REFUSED: dict[type[ast.AST], str] = {  # message ids: a deploy problem shows them translated
    ast.Import: N_("import statements are not allowed"),
    ast.ImportFrom: N_("import statements are not allowed"),
    # User classes would let dunder methods run inside C code, out of the guards' reach.
    ast.ClassDef: N_("class definitions are not allowed"),
    ast.With: N_("with statements are not allowed"),
    ast.Yield: N_("generators (yield) are not allowed"),
    ast.YieldFrom: N_("generators (yield) are not allowed"),
}
_ERROR_LINE = re.compile(r"^Line (\d+|None): (.*)$", re.DOTALL)
_DIGITS = re.compile(r"\d+")
_PERCENT = re.compile(r"%%|%(?:\([^)]*\))?[-#0 +]*(\*|\d+)?(?:\.(\*|\d*))?")


class ScriptRejected(Exception):
    """Static rejection: the source breaks a sandbox rule (reason, lineno)."""

    def __init__(self, reason: str, lineno: int | None = None, syntax_error: bool = False) -> None:
        super().__init__(f"{reason} (line {lineno})" if lineno else reason)
        self.reason = reason
        self.lineno = lineno
        self.syntax_error = syntax_error  # DMN needs plain SyntaxErrors to decide on '=='


def _too_wide(digits: str) -> bool:
    # Compare the length first: int() of a million digits would itself be refused.
    return len(digits) > 6 or int(digits) > MAX_FORMAT_WIDTH


def format_spec_problem(spec: str) -> str | None:
    """Explain why a format spec is refused, or return None if it is fine."""
    for match in _DIGITS.finditer(spec):
        if _too_wide(match.group()):
            return f"format width or precision above the limit of {MAX_FORMAT_WIDTH}"
    return None


def percent_format_problem(fmt: str) -> str | None:
    """Explain why a %-format string is refused, or return None if it is fine."""
    for match in _PERCENT.finditer(fmt):
        for group in match.groups():
            if group == "*":
                return "'*' widths are not allowed in %-formatting"
            if group and _too_wide(group):
                return f"%-format width or precision above the limit of {MAX_FORMAT_WIDTH}"
    return None


def _call(name: str, *args: ast.expr) -> ast.Call:
    return ast.Call(func=ast.Name(name, ast.Load()), args=list(args), keywords=[])


def _tick(node: ast.AST) -> ast.Expr:
    stmt = ast.Expr(_call("_tick_"))
    copy_locations(stmt, node)  # type: ignore[arg-type]
    return stmt


class KeyflowPolicy(RestrictingNodeTransformer):
    """RestrictedPython's rules plus: no imports, classes or generators; guarded loops and ops."""

    # -- names ------------------------------------------------------------------------------
    def check_name(
        self, node: ast.AST, name: str | None, allow_magic_methods: bool = False
    ) -> None:
        """Refuse every name starting with '_' (even '_') and the print machinery."""
        if name is not None and name.startswith("_"):
            self.error(node, f'"{name}" is not allowed: names starting with "_" are reserved')
        elif name == "printed":
            self.error(node, "'printed' is not available in scripts")
        elif name == "print":
            self.error(node, "print is a function scripts may call, not a name to define")
        else:
            super().check_name(node, name, allow_magic_methods)  # type: ignore[arg-type]

    def visit_Name(self, node: ast.Name) -> ast.AST:
        """Check names before RestrictedPython rewrites print into its collector; reading
        `print` calls keyflow's own, which writes to the log (script_output.py)."""
        if node.id == "print" and isinstance(node.ctx, ast.Load):
            replacement = ast.Name(PRINT_HOOK, ast.Load())
            copy_locations(replacement, node)
            return replacement
        if node.id in ("print", "printed"):
            self.check_name(node, node.id)
            return node
        return super().visit_Name(node)  # type: ignore[return-value]

    def visit(self, node: ast.AST) -> Any:
        """Apply keyflow's outright bans, then RestrictedPython's rules and rewrites."""
        reason = _REFUSED.get(type(node))
        if reason is not None:
            self.error(node, reason)
            return node
        if isinstance(node, ast.Attribute) and node.attr.startswith("_"):
            self.error(node, f'attribute "{node.attr}" is not allowed: it starts with "_"')
        elif isinstance(node, ast.Attribute) and node.attr in ("format", "format_map"):
            # str.format can reach attributes from inside the format string itself.
            self.error(node, f'"{node.attr}" is not available in scripts; use an f-string')
        elif isinstance(node, ast.keyword):
            self.check_name(node, node.arg)
        elif isinstance(node, ast.ExceptHandler) and node.type is None:
            self.error(node, "a bare 'except:' is not allowed; use 'except Exception:'")
        elif isinstance(node, ast.Constant) and isinstance(node.value, bytes):
            self.error(node, "bytes literals are not supported")
        elif isinstance(node, ast.FunctionDef | ast.Lambda) and node.args.vararg is not None:
            self.error(node, "*args parameters are not allowed")
        elif isinstance(node, ast.FunctionDef) and node.decorator_list:
            self.error(node, "decorators are not allowed")
        return super().visit(node)

    # -- functions and loops tick, so time limits hold without signals or threads -----------
    def visit_FunctionDef(self, node: ast.FunctionDef) -> ast.AST:
        """Allow plain functions, wrapped by `_fn_` (ticks and bounds nesting on every call)."""
        node = super().visit_FunctionDef(node)  # type: ignore[assignment]
        node.decorator_list = [ast.Name("_fn_", ast.Load())]  # user decorators were refused
        ast.fix_missing_locations(node)
        return node

    def visit_Lambda(self, node: ast.Lambda) -> ast.AST:
        """Allow lambdas, wrapped by `_fn_` like functions."""
        new = _call("_fn_", super().visit_Lambda(node))  # type: ignore[arg-type]
        copy_locations(new, node)
        return new

    def visit_While(self, node: ast.While) -> ast.AST:
        """Tick at the start of every iteration."""
        node = super().visit_While(node)  # type: ignore[assignment]
        node.body.insert(0, _tick(node))
        return node

    def visit_For(self, node: ast.For) -> ast.AST:
        """Tick at the start of every iteration."""
        node = super().visit_For(node)  # type: ignore[assignment]
        node.body.insert(0, _tick(node))
        return node

    @staticmethod
    def _collected(node: Any, kind: str) -> ast.AST:
        # Built item by item by `_collect_`, which stops at the container limit; the generator
        # keeps the comprehension's own scope and its per-item `_compiter_` ticks.
        if isinstance(node, ast.DictComp):
            elt: ast.expr = ast.Tuple([node.key, node.value], ast.Load())
        else:
            elt = node.elt
        new = _call("_collect_", ast.Constant(kind), ast.GeneratorExp(elt, node.generators))
        copy_locations(new, node)
        ast.fix_missing_locations(new)
        return new

    def visit_ListComp(self, node: ast.ListComp) -> ast.AST:
        """List comprehensions are built by `_collect_` (container limit)."""
        return self._collected(super().visit_ListComp(node), "list")

    def visit_SetComp(self, node: ast.SetComp) -> ast.AST:
        """Set comprehensions are built by `_collect_` (container limit)."""
        return self._collected(super().visit_SetComp(node), "set")

    def visit_DictComp(self, node: ast.DictComp) -> ast.AST:
        """Dict comprehensions are built by `_collect_` (container limit)."""
        return self._collected(super().visit_DictComp(node), "dict")

    def visit_comprehension(self, node: ast.comprehension) -> ast.AST:
        """Comprehensions iterate through `_compiter_`, which ticks and charges per item."""
        node = super().visit_comprehension(node)  # type: ignore[assignment]
        if isinstance(node.iter, ast.Call):
            for ref in [node.iter.func, *node.iter.args]:
                if isinstance(ref, ast.Name) and ref.id == "_getiter_":
                    ref.id = "_compiter_"
        return node

    # -- operators ---------------------------------------------------------------------------
    def visit_BinOp(self, node: ast.BinOp) -> ast.AST:
        """Route every binary operator through the guard that checks and charges its result."""
        node = super().visit_BinOp(node)  # type: ignore[assignment]
        symbol = AUG_OPS[type(node.op)][:-1]  # "+=" -> "+"
        left = node.left
        if symbol == "%" and isinstance(left, ast.Constant) and isinstance(left.value, str):
            problem = percent_format_problem(left.value)
            if problem:
                self.error(node, problem)
        new = _call("_binop_", ast.Constant(symbol), node.left, node.right)
        copy_locations(new, node)
        return new

    def visit_AugAssign(self, node: ast.AugAssign) -> ast.AST:
        """Also allow `name[key] op= value` for a plain name and a name or constant key."""
        target = node.target
        if not (
            isinstance(target, ast.Subscript)
            and isinstance(target.value, ast.Name)
            and isinstance(target.slice, ast.Name | ast.Constant)
        ):
            return super().visit_AugAssign(node)  # type: ignore[return-value]
        container, key = target.value.id, target.slice
        self.check_name(target, container)
        if isinstance(key, ast.Name):
            self.check_name(key, key.id)

        def key_node() -> ast.expr:
            if isinstance(key, ast.Name):
                return ast.Name(key.id, ast.Load())
            return ast.Constant(key.value)

        value = self.visit(node.value)
        current = _call("_getitem_", ast.Name(container, ast.Load()), key_node())
        update = _call("_inplacevar_", ast.Constant(AUG_OPS[type(node.op)]), current, value)
        writable = _call("_write_", ast.Name(container, ast.Load()))
        store = ast.Subscript(value=writable, slice=key_node(), ctx=ast.Store())
        new = ast.Assign(targets=[store], value=update)
        copy_locations(new, node)
        return new

    def visit_Compare(self, node: ast.Compare) -> ast.AST:
        """Measure container operands first: comparing huge aliased structures runs in C."""
        node = super().visit_Compare(node)  # type: ignore[assignment]
        operands = [node.left, *node.comparators]
        for index, operand in enumerate(operands):
            if isinstance(operand, ast.Constant):
                continue
            sides = []
            if index > 0:
                sides.append(("right", node.ops[index - 1]))
            if index < len(node.ops):
                sides.append(("left", node.ops[index]))
            sides = [(side, op) for side, op in sides if not isinstance(op, ast.Is | ast.IsNot)]
            if not sides:
                continue
            # Membership in a dict or set only hashes the needle, so the haystack needs no walk.
            only_in = all(s == "right" and isinstance(op, ast.In | ast.NotIn) for s, op in sides)
            guarded = _call("_cmp_in_" if only_in else "_cmp_", operand)
            copy_locations(guarded, operand)
            operands[index] = guarded
        node.left, node.comparators = operands[0], operands[1:]
        return node

    # -- literals and f-strings --------------------------------------------------------------
    def visit_FormattedValue(self, node: ast.FormattedValue) -> ast.AST:
        """Allow only constant, bounded format specs; measure every formatted value."""
        spec = node.format_spec
        if spec is not None:
            parts = spec.values if isinstance(spec, ast.JoinedStr) else [spec]
            if not all(isinstance(p, ast.Constant) and isinstance(p.value, str) for p in parts):
                self.error(node, "format specs must be constant")
            else:
                text = "".join(str(p.value) for p in parts if isinstance(p, ast.Constant))
                problem = format_spec_problem(text)
                if problem:
                    self.error(node, problem)
        node.format_spec = None  # checked above; it must stay a plain JoinedStr
        node = super().visit_FormattedValue(node)  # type: ignore[assignment]
        node.value, node.format_spec = _call("_fmt_", node.value), spec
        copy_locations(node.value, node)
        return node

    def visit_JoinedStr(self, node: ast.JoinedStr) -> ast.AST:
        """Charge every f-string result (widths up to the limit add up in a loop)."""
        new = _call("_lit_", self.node_contents_visit(node))
        copy_locations(new, node)
        return new

    def _visit_display(self, node: ast.List | ast.Tuple | ast.Set | ast.Dict) -> ast.AST:
        # Displays are charged (they may be built in a loop); tuples must also stay shallow.
        node = self.node_contents_visit(node)
        size = len(node.keys) if isinstance(node, ast.Dict) else len(node.elts)
        if size == 0 or not isinstance(getattr(node, "ctx", ast.Load()), ast.Load):
            return node
        if size > MAX_ITEMS:
            self.error(node, f"a literal may hold at most {MAX_ITEMS} items")
        unpacked = _unpacked_display(node)
        new = unpacked if unpacked is not None else _call("_lit_", node)
        copy_locations(new, node)
        ast.fix_missing_locations(new)
        return new

    visit_List = visit_Tuple = visit_Set = visit_Dict = _visit_display


def _unpacked_display(node: ast.List | ast.Tuple | ast.Set | ast.Dict) -> ast.expr | None:
    """`[a, *b]`, `{*b}`, `{**m, k: v}` as a `_display_` call, or None without unpacking."""
    # C would unpack `*b` in one step (n**2 for colliding keys); `_display_` adds item by item.
    if isinstance(node, ast.Dict):
        if all(key is not None for key in node.keys):
            return None
        parts: list[ast.expr] = [
            value if key is None else ast.Dict([key], [value])
            for key, value in zip(node.keys, node.values, strict=True)
        ]
        return _call("_display_", ast.Constant("dict"), *parts)
    if not any(isinstance(elt, ast.Starred) for elt in node.elts):
        return None
    kind = type(node).__name__.lower()  # list, tuple or set
    parts = [
        elt.value if isinstance(elt, ast.Starred) else ast.Tuple([elt], ast.Load())
        for elt in node.elts
    ]
    return _call("_display_", ast.Constant(kind), *parts)


@functools.lru_cache(maxsize=1024)
def _compile(source: str, mode: str) -> tuple[CodeType | None, str, int | None, bool]:
    """Compile under the policy once per (source, mode); conditions run thousands of times."""
    if len(source) > MAX_SOURCE_LENGTH:
        return None, f"script is too long (more than {MAX_SOURCE_LENGTH} characters)", None, False
    try:
        tree: Any = ast.parse(source, filename=FILENAME, mode=mode)
    except SyntaxError as exc:
        return None, f"syntax error: {exc.msg}", exc.lineno, True
    except (ValueError, MemoryError, RecursionError) as exc:
        return None, f"cannot parse script: {exc}", None, False
    compiler = compile_restricted_exec if mode == "exec" else compile_restricted_eval
    try:
        result = compiler(tree, filename=FILENAME, policy=KeyflowPolicy)
    except RecursionError:
        return None, "script is nested too deeply", None, False
    except (SyntaxError, ValueError, TypeError) as exc:
        return None, f"cannot compile script: {exc}", None, False
    if result.errors:  # RestrictedPython formats them as "Line N: reason"
        match = _ERROR_LINE.match(result.errors[0])
        line, reason = match.groups() if match else ("None", result.errors[0])
        return None, reason, int(line) if line.isdigit() else None, False
    return result.code, "", None, False


def compile_source(source: str, mode: Literal["exec", "eval"]) -> CodeType:
    """Return the policy-checked code object for `source`, raising ScriptRejected."""
    if not isinstance(source, str):
        raise ScriptRejected("script source must be text")
    # eval() tolerates surrounding whitespace (conditions in XML often carry some); so do we.
    code, reason, lineno, syntax = _compile(source.strip() if mode == "eval" else source, mode)
    if code is None:
        raise ScriptRejected(reason, lineno, syntax)
    return code


def check_source(source: str, mode: Literal["exec", "eval"]) -> None:
    """Compile under the policy (no execution); raise ScriptRejected with a readable reason."""
    compile_source(source, mode)
