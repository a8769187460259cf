"""SpiffWorkflow script engine that runs every expression and script inside the sandbox."""

from __future__ import annotations

import builtins
import decimal
import json
import time
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from functools import partial
from types import CodeType
from typing import Any, Protocol

from SpiffWorkflow.bpmn.exceptions import WorkflowTaskException
from SpiffWorkflow.bpmn.script_engine.python_engine import PythonScriptEngine
from SpiffWorkflow.bpmn.script_engine.python_environment import BasePythonScriptEngineEnvironment

from engine.clock import Clock
from engine.sandbox import containers, guards, operators
from engine.sandbox.guards import BUDGET, MAX_ITEMS, Budget, ScriptFailed, measure
from engine.sandbox.helpers import DECIMAL_CONTEXT, HELPERS, guarded_getattr
from engine.sandbox.policy import (
    FILENAME,
    PRINT_HOOK,
    ScriptRejected,
    check_source,
    compile_source,
)
from engine.sandbox.script_output import WHERE, printing_for, script_print

MAX_DATA_WEIGHT = 10_000_000  # total size of task data after a script
# Dicts in task data hold at most MAX_ITEMS keys, like every dict a script builds (whatever
# else reached the data, copying a dict of colliding keys later would cost n**2 in C); lists
# from forms or start data may be longer: they are never hashed.
# What may be stored in task data: JSON plus the types the serializer handles.
DATA_TYPES = (dict, list, tuple, str, int, float, bool, type(None), datetime, date, Decimal)
RESULT_TYPES = (*DATA_TYPES, timedelta)  # timer expressions may evaluate to a timedelta
SAFE_EXCEPTIONS = {
    exc.__name__: exc
    for exc in (ArithmeticError, Exception, IndexError, KeyError, LookupError, TypeError)
    + (ValueError, ZeroDivisionError)
}
# The names RestrictedPython's rewritten code calls; scripts cannot name them ('_' prefix).
HOOKS: dict[str, Any] = {
    "_getattr_": guarded_getattr,
    "_getitem_": guards.guarded_getitem,
    "_getiter_": guards.guarded_iter,
    "_compiter_": partial(guards.guarded_iter, cost=16),
    "_iter_unpack_sequence_": containers.iter_unpack_sequence,
    "_unpack_sequence_": containers.unpack_sequence,
    "_write_": containers.guarded_write,
    "_collect_": containers.collect,
    "_display_": containers.display,
    "_inplacevar_": operators.guarded_inplacevar,
    "_binop_": operators.guarded_binop,
    "_apply_": guards.guarded_apply,
    "_tick_": guards.tick,
    "_fn_": guards.guarded_function,
    "_lit_": guards.literal,
    "_cmp_": guards.compare_operand,
    "_cmp_in_": guards.membership_operand,
    "_fmt_": guards.format_value,
    PRINT_HOOK: script_print,
}
_PYTHON_BUILTINS = frozenset(dir(builtins))
Scope = dict[str, Any]


def internal_import(name: str, *args: Any, **kwargs: Any) -> Any:
    """`__import__` for C code only: datetime's strftime imports `time` through the builtins."""
    # Scripts cannot name `__import__` (no '_' names), and import statements are rejected.
    if name != "time":
        raise ImportError(f"import of {name!r} is not allowed in scripts")
    return time


def make_builtins(clock: Clock) -> dict[str, Any]:
    """Build sandboxed code's `__builtins__`: helpers, a few exceptions and the guard hooks."""
    # Everything lives in __builtins__, never in the globals, so none of it can leak into data.

    def now() -> datetime:
        return clock.now().astimezone(UTC)

    def today() -> date:
        return now().date()

    hooks = {**HOOKS, "__import__": internal_import}
    return {**HELPERS, "now": now, "today": today, **SAFE_EXCEPTIONS, **hooks}


def _plain(arg: object, quoted: bool) -> str | None:
    if isinstance(arg, str):
        return repr(arg[:200]) if quoted else arg[:200]
    if isinstance(arg, bool | float) or (isinstance(arg, int) and arg.bit_length() < 256):
        return str(arg)
    return None


def describe_error(exc: BaseException) -> str:
    """Say in one line what went wrong in a script, without rendering arbitrary script data."""
    if isinstance(exc, RecursionError):
        return "recursion too deep"
    if isinstance(exc, MemoryError):
        return "script ran out of memory"
    name = getattr(exc, "name", None)
    if isinstance(exc, NameError) and isinstance(name, str):
        if name in _PYTHON_BUILTINS:
            return f"name '{name}' is not available in scripts"
        return f"name '{name}' is not defined"
    parts = [_plain(arg, isinstance(exc, KeyError)) for arg in exc.args]
    detail = ", ".join(part for part in parts if part is not None)
    if None in parts or not detail:
        return type(exc).__name__
    return f"{type(exc).__name__}: {detail}"


def _script_line(exc: BaseException) -> int | None:
    line, frame = None, exc.__traceback__
    while frame is not None:
        if frame.tb_frame.f_code.co_filename == FILENAME:
            line = frame.tb_lineno
        frame = frame.tb_next
    return line


def _visible(name: object) -> bool:
    # Scripts cannot name '_' keys anyway; leaving them out also keeps data from shadowing hooks.
    return isinstance(name, str) and not name.startswith("_")


class SandboxedEnvironment(BasePythonScriptEngineEnvironment):
    """Runs policy-checked code against task data, with a fresh budget for every run."""

    def __init__(self, clock: Clock, time_limit: float) -> None:
        super().__init__({})
        self.time_limit = time_limit
        self.builtins = make_builtins(clock)

    def _scope(self, context: Scope, external: Scope) -> Scope:
        scope = {k: v for k, v in external.items() if _visible(k)}
        scope.update((k, v) for k, v in context.items() if _visible(k))
        scope["__builtins__"] = self.builtins
        return scope

    def _run(self, code: CodeType, scope: Scope) -> Any:
        budget = Budget(self.time_limit)
        token = BUDGET.set(budget)  # a context variable: threads evaluate concurrently
        try:
            with decimal.localcontext(DECIMAL_CONTEXT):
                result = eval(code, scope)  # exec-mode code objects run (and return None) too
        except Exception as exc:
            # A script may have caught the budget's own failure first; report that root cause.
            reason = budget.failure or (
                exc.reason if isinstance(exc, ScriptFailed) else describe_error(exc)
            )
            raise ScriptFailed(reason, _script_line(exc)) from exc
        finally:
            BUDGET.reset(token)
        if budget.failure is not None:
            raise ScriptFailed(budget.failure)
        return result

    def evaluate(
        self, expression: str, context: Scope, external_context: Scope | None = None
    ) -> Any:
        """Evaluate an expression against task data; the result must be data (or a timedelta)."""
        code = compile_source(expression, "eval")
        result = self._run(code, self._scope(context, external_context or {}))
        what = "the expression's result"
        measure(result, MAX_DATA_WEIGHT, what, RESULT_TYPES, max_keys=MAX_ITEMS)
        return result

    def execute(self, script: str, context: Scope, external_context: Scope | None = None) -> bool:
        """Run a script; its variables become task data, its functions are dropped."""
        code = compile_source(script, "exec")
        external = external_context or {}
        scope = self._scope(context, external)
        self._run(code, scope)
        del scope["__builtins__"]
        visible = {name for name in context if _visible(name)}
        # Mirrors TaskDataEnvironment: functions and external names never become task data (nor
        # anything the interpreter itself may add to the globals, like __warningregistry__).
        updates = {
            name: value
            for name, value in scope.items()
            if _visible(name) and not callable(value) and (name in visible or name not in external)
        }
        remaining = MAX_DATA_WEIGHT
        for name, value in updates.items():
            what = f"task data variable '{name}'"
            remaining -= measure(value, remaining, what, DATA_TYPES, max_keys=MAX_ITEMS)
        for name in visible - updates.keys():
            del context[name]
        context.update(updates)
        return True


def _task_error(task: Any, prefix: str, exc: Exception, source: str) -> WorkflowTaskException:
    cause: ScriptFailed | ScriptRejected = ScriptFailed(describe_error(exc))
    if isinstance(exc, ScriptFailed | ScriptRejected):
        cause = exc
    lines = source.splitlines() if isinstance(source, str) else []
    line = cause.lineno if cause.lineno and cause.lineno <= len(lines) else None
    error = WorkflowTaskException(
        prefix + cause.reason,
        task=task,
        exception=cause,
        line_number=line,
        error_line=lines[line - 1] if line else "",
    )
    error.exception = cause  # SpiffWorkflow only keeps the class name; keep the object too
    return error


class ServiceFailed(Exception):
    """A service task's handler refused its data; the instance goes to error with the reason."""


class ServiceCaller(Protocol):
    """What service tasks call (engine.services.BoundServices): one command's services."""

    def call(self, name: str, params: dict[str, Any], data: Any, *,
             element_id: str | None = None, task_id: str | None = None) -> Any:
        """Run service `name` and return its JSON-like result."""


class SandboxedScriptEngine(PythonScriptEngine):
    """PythonScriptEngine whose expressions and scripts all run inside the keyflow sandbox."""

    def __init__(self, clock: Clock, time_limit: float = 2.0,
                 services: ServiceCaller | None = None) -> None:
        if time_limit <= 0:
            raise ValueError("time_limit must be positive")
        super().__init__(environment=SandboxedEnvironment(clock, time_limit))
        self.clock = clock
        self.time_limit = time_limit
        self.services = services  # bound per command by engine.runtime.state

    def _instance_id(self) -> Any:
        """The id of the instance this command runs, when its services know it."""
        ctx = getattr(self.services, "ctx", None)
        return getattr(getattr(ctx, "instance", None), "id", None)

    def validate(self, expression: str) -> None:
        """Check an expression without running it; syntax errors stay SyntaxError (DMN needs it)."""
        try:
            check_source(expression, "eval")
        except ScriptRejected as exc:
            if exc.syntax_error:
                raise SyntaxError(exc.reason) from exc
            raise

    def evaluate(self, task: Any, expression: str, external_context: Scope | None = None) -> Any:
        """Evaluate an expression for a task; any failure becomes a WorkflowTaskException."""
        try:
            return self.environment.evaluate(expression, task.data, external_context)
        except Exception as exc:
            shown = str(expression)[:200]
            error = _task_error(task, f"Error evaluating expression '{shown}': ", exc, expression)
            raise error from error.exception

    def execute(self, task: Any, script: str, external_context: Scope | None = None) -> bool:
        """Run a script for a task; any failure becomes a WorkflowTaskException."""
        try:
            with printing_for(instance_id=self._instance_id(),
                              element_id=getattr(task.task_spec, "bpmn_id", None),
                              silent=(WHERE.get() or {}).get("silent")):
                return bool(self.environment.execute(script, task.data, external_context or {}))
        except Exception as exc:
            error = _task_error(task, "", exc, script)
            raise error from error.exception

    def call_service(self, task: Any, operation_name: str = "",
                     operation_params: dict[str, Any] | None = None, **_: Any) -> str:
        """Run a service task's operation through the bound services; return its result as JSON.

        SpiffWorkflow's own call_service names an undefined variable when it fails, and would
        run the operation in the script environment; keyflow's services are Python handlers
        that write through the command's session. Only `ServiceFailed` (a handler refusing its
        data) becomes the instance's error; anything else (a lost database race) propagates,
        so the command fails as a whole and its caller rolls back.
        """
        params = {name: param.get("value") for name, param in (operation_params or {}).items()}
        try:
            if self.services is None:
                raise ServiceFailed("no services are available to this script engine")
            result = self.services.call(operation_name, params, task.data,
                                        element_id=getattr(task.task_spec, "bpmn_id", None),
                                        task_id=str(task.id))
            try:
                # SpiffWorkflow json.loads() the answer into the task's result variable.
                return json.dumps(result, allow_nan=False)
            except (TypeError, ValueError) as exc:
                raise ServiceFailed(f"its result is not JSON data ({exc})") from exc
        except ServiceFailed as exc:
            error = WorkflowTaskException(f"service {operation_name!r} failed: {exc}",
                                          task=task, exception=exc)
            error.exception = exc  # SpiffWorkflow keeps only the class name; keep the object
            raise error from exc
