"""keyflow's script sandbox: every BPMN/DMN expression and script runs through it.

Process diagrams are untrusted uploads, so SpiffWorkflow gets a `SandboxedScriptEngine`
instead of its plain `PythonScriptEngine`. What the sandbox enforces, and where:

Statically (policy.py, before anything runs; `check_source` raises `ScriptRejected`):
  * source is compiled with RestrictedPython's `compile_restricted_exec/eval` through
    `KeyflowPolicy`; code objects are cached per (source, mode);
  * no imports, classes, with-statements, generators, decorators, `*args`, bare `except:`,
    bytes literals, `printed`, `exec`/`eval` calls (`print` writes to the log:
    script_output.py);
  * no name, attribute or keyword starting with "_" (so no dunder escapes), no `.format`;
  * f-string format specs must be constant with widths/precisions of at most 1000, and
    constant %-format strings obey the same bound (non-constant ones are checked at run time).

At run time (guards.py; failures raise `ScriptFailed`):
  * a tick at the top of every loop body, and in every call of a script function or lambda,
    checks a monotonic deadline (no signals, no threads); comprehensions tick per item;
  * calls and generator steps nested at once are capped at 64, so recursion through C
    (`sorted(key=f)`, generator chains) ends as a failure, never as a stack overflow;
  * a budget failure is sticky, so a script that catches it still stops;
  * every binary operator goes through a guard: `+ * ** << %` are checked before computing
    (1,000,000 characters per string, 100,000 bits per int, %-format widths), and what
    displays, comprehensions, item stores and method calls build is charged against a
    64 MB allowance per run;
  * the container limit (containers.py): no list, tuple, dict or set a script builds holds
    more than 5,000 items — comprehensions and `*`/`**` displays are built item by item,
    literals are bounded when compiled, item stores, growing methods, set/dict operators,
    list()/dict()/sorted() and unpacking count first. Hash-colliding keys make one C-level
    insert cost O(n), so this keeps any single C call small, and a script that builds too much
    is stopped by a count, not by how fast the machine is;
  * comparisons, sorting, str() and formatting first measure container operands (aliases
    counted), and tuples stay small and shallow, so no C-level walk can hang or crash;
  * attribute access is an allow-list per type (helpers.py, `guarded_getattr`), with checked
    wrappers for join/replace/ljust/rjust/center/zfill/strftime/sort/index/count/remove.

Names available to scripts (helpers.py): task data variables, `now()`, `today()`,
`datetime`, `date`, `timedelta`, `Decimal`, `parse_date`, `parse_datetime`, `duration`,
`add_days`, `round`, `min`, `max`, `sum`, `len`, `abs`, `int`, `float`, `str`, `bool`, `list`,
`dict`, `sorted`, `any`, `all`, `enumerate`, `zip`, `range` and a few exception classes.
All of them live in the code's `__builtins__`, never among the variables.

Data in, data out (script_engine.py): scripts read and write task data as variables; after a
script, functions are dropped and the remaining variables must be JSON-like data (plus
datetime, date and Decimal) of bounded total size, with no dict over 5,000 keys; that check
walks each distinct container once (aliases are counted in full, not walked again). Every
failure inside `evaluate`/`execute` reaches SpiffWorkflow as a `WorkflowTaskException` whose
`__cause__` (and `.exception`) is the `ScriptFailed` or `ScriptRejected`. (SpiffWorkflow calls
`script_engine.environment.evaluate` directly for a few process-level expressions; those see
the unwrapped exceptions.)

What is bounded only approximately: one C-level operation on values inside the limits still
runs to its end (sorting a long list from the data, dividing 100,000-bit ints, building a set
of 5,000 colliding keys: about 0.3 s), so a run can overshoot its deadline by a fraction of a
second; memory is estimated per operation, not measured, so a
real peak can exceed the 64 MB allowance by a small factor; and the nesting cap is sized for
thread stacks of 512 KB or more (Linux threads get 8 MB by default).
"""

from engine.sandbox.guards import ScriptFailed
from engine.sandbox.policy import ScriptRejected, check_source
from engine.sandbox.script_engine import SandboxedScriptEngine

__all__ = ["SandboxedScriptEngine", "ScriptFailed", "ScriptRejected", "check_source"]
