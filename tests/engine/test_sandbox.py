"""Tests for the script sandbox: legit scripts work, hostile ones are refused or stopped."""

from __future__ import annotations

import threading
import tracemalloc
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from SpiffWorkflow.bpmn.exceptions import WorkflowTaskException
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.spiff.parser.process import SpiffBpmnParser

from engine.clock import MovableClock
from engine.sandbox import SandboxedScriptEngine, ScriptFailed, ScriptRejected, check_source
from engine.sandbox.policy import _compile
from engine.sandbox.script_engine import SandboxedEnvironment

NOW = datetime(2024, 5, 6, 7, 8, 9, tzinfo=UTC)
FAST = 0.5  # time limit for scripts that only time can stop, so the suite stays quick
# Every other script runs with a limit it never reaches: what stops it is a count (size, items,
# memory, nesting), so which limit it hits does not depend on the machine's speed or load.
ROOMY = 60.0

ENV = SandboxedEnvironment(MovableClock(NOW), time_limit=ROOMY)  # stateless between runs
TIMED = SandboxedEnvironment(MovableClock(NOW), time_limit=FAST)

def run(script: str, **data: Any) -> dict[str, Any]:
    ENV.execute(script, data)
    return data

def fails(source: str, mode: str = "exec", env: SandboxedEnvironment = ENV,
          **data: Any) -> ScriptFailed:
    with pytest.raises(ScriptFailed) as caught:
        env.execute(source, data) if mode == "exec" else env.evaluate(source, data)
    return caught.value

REJECTED = [
    ("import os", "import"), ("from os import path", "import"), ("__import__('os')", "_"),
    ("().__class__.__base__.__subclasses__()", "_"), ("for _ in x:\n    pass", "_"),
    ("f(_secret=1)", "_"), ("class A:\n    pass", "class"), ("with x as y:\n    pass", "with"),
    ("def gen():\n    yield 1", "yield"), ("g = lambda *a: a", "*args"), ("x = printed", "printed"),
    ("print = len", "print"), ("def print(x):\n    return x", "print"),
    ("@decorate\ndef f():\n    pass", "decorator"), ("try:\n    x = 1\nexcept:\n    x = 2", "bare"),
    ("x = b'raw'", "bytes"), ("exec('x = 1')", "Exec"), ("x = '{0.__class__}'.format(1)", "format"),
    ("x = f'{1:>10000000000}'", "width"), ("x = f'{1:.5000f}'", "width"),
    ("x = f'{value:{width}}'", "constant"), ("x = '%10000000000s' % 'x'", "width"),
    ("x = '%*d' % (5, 1)", "'*'"), ("match x:\n    case 1:\n        pass", "Match"),
]

@pytest.mark.parametrize(("source", "fragment"), REJECTED)
def test_hostile_source_is_rejected_statically(source: str, fragment: str) -> None:
    with pytest.raises(ScriptRejected) as caught:
        check_source(source, "exec")
    assert fragment in caught.value.reason and caught.value.lineno is not None

def test_print_writes_one_bounded_line_to_the_log(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level("INFO", logger="keyflow.scripts")
    data = run("total = 2\nprint('total is', total, sep=': ')\nprint('x' * 10000)")
    assert data == {"total": 2}  # print leaves nothing in the task data
    lines = [r.getMessage() for r in caplog.records if r.name == "keyflow.scripts"]
    assert lines[0] == "script output: total is: 2"
    assert len(lines[1]) == len("script output: ") + 2000


def test_rejections_report_lines_syntax_and_pathological_sources() -> None:
    with pytest.raises(ScriptRejected, match="line 3") as caught:
        check_source("x = 1\ny = 2\nimport os\n", "exec")
    assert caught.value.lineno == 3
    with pytest.raises(ScriptRejected) as syntax:
        check_source("x = (", "exec")
    assert syntax.value.syntax_error and syntax.value.reason.startswith("syntax error")
    for source in ["x = 1", "-" * 100_000 + "1", "(" * 500 + ")" * 500, "x" * 200_000]:
        pytest.raises(ScriptRejected, check_source, source, "eval")
    hits = _compile.cache_info().hits
    for _ in range(3):  # XML text often carries spaces around an expression
        check_source("  amount > 1000 and region == 'north'\n", "eval")
    assert _compile.cache_info().hits >= hits + 2  # compiled once, then cached

DATA = {"x": 5, "name": "bob", "order": {"lines": [{}, {"qty": 4}]}, "d": {"a": 1, "b": 0},
        "rows": [{"n": 1}, {"n": 2}], "names": ["a", "ccc", "bb"], "s": "abcd", "n": 42,
        "a": 1234.5, "t": "x", "values": [0, 3], "p": Decimal("1.333"), "q": 3}
EXPRESSIONS: list[tuple[str, Any]] = [
    ("1 + 2 * 3 - 4 / 2, 7 // 2, -7 >> 1, 6 & 3 | 8", (5.0, 3, -4, 10)),
    ("1 < x <= 5 and name == 'bob' and x in [4, 5] and 'b' not in 'ac'", True),
    ("order['lines'][1]['qty'] ** 2 % 7, sum(r['n'] for r in rows) + len(rows)", (2, 5)),
    ("[i * i for i in range(5) if i % 2], {k: v for k, v in d.items() if v}", ([1, 9], {"a": 1})),
    ("' Hello '.strip().lower().replace('l', 'L').split('L')", ["he", "", "o"]),
    ("'/'.join(sorted(names, key=lambda n: -len(n))) + '7'.zfill(3) + s[1:3]", "ccc/bb/a007bc"),
    ("f'{n:>5}|{a:,.2f}|{t!r}|' + '%05d-%s' % (n, t)", "   42|1,234.50|'x'|00042-x"),
    ("max(3, 9) - min([4, 5]) + abs(-1), round(2.675, 2), int('12') + int(3.9)", (6, 2.67, 15)),
    ("str([1, 'a']) + str(bool(0)) + str(float('0.5'))", "[1, 'a']False0.5"),
    ("list(zip([1, 2], 'ab')) + list(enumerate('x', 1))", [(1, "a"), (2, "b"), (1, "x")]),
    ("any(v > 2 for v in values) and not all(values), dict(a=1) | dict([('b', 2)])",
     (True, {"a": 1, "b": 2})),
    ("Decimal('1.10') + Decimal('2.205') * 2, (p * q).quantize(Decimal('0.01'))",
     (Decimal("5.510"), Decimal("4.00"))),
    ("now(), today(), add_days(parse_date('2024-02-28'), 2), add_days(now(), -1).day",
     (NOW, NOW.date(), date(2024, 3, 1), 5)),
    ("now() - duration('P1DT2H') > parse_datetime('2024-05-05T05:00'), duration('P2W').days",
     (True, 14)),
    ("duration('PT4H30M').total_seconds(), duration('PT4H'), 'PT1H'",
     (16200.0, timedelta(hours=4), "PT1H")),
    ("f'{now():%Y-%m-%d}' + now().strftime(' %H:%M') + now().isoformat()[10:]",
     "2024-05-06 07:08T07:08:09+00:00"),
    ("datetime(2024, 1, 2).weekday() + date.fromisoformat('2024-01-31').isocalendar().week", 6),
    ("(timedelta(days=1) * 3).days + 1", 4),
    ("dmninputexpr > 5", True),  # external context, as DMN's '?' entries pass it
]

@pytest.mark.parametrize(("expression", "expected"), EXPRESSIONS)
def test_expressions_give_correct_values(expression: str, expected: Any) -> None:
    assert ENV.evaluate(expression, dict(DATA), {"dmninputexpr": 7}) == expected

def test_scripts_read_and_write_task_data() -> None:
    script = (
        "total = 0\nfor line in order['lines']:\n    total += line['price'] * line['qty']\n"
        "order['lines'].append({'price': 1})\ncounts['seen'] += 1\na, (b, c) = 1, (2, 3)\n"
        "def discount(value):\n    return value * 0.9 if value > 100 else value\n"
        "final = discount(total)\nlabels = [f'{k}={v}' for k, v in sorted(counts.items())]\n"
        "del obsolete\ntry:\n    bad = int('x')\nexcept ValueError:\n    bad = None\n"
    )
    data = run(script, order={"lines": [{"price": 100, "qty": 2}]}, counts={"seen": 1}, obsolete=1)
    assert data == {"order": {"lines": [{"price": 100, "qty": 2}, {"price": 1}]}, "total": 200,
                    "counts": {"seen": 2}, "line": {"price": 100, "qty": 2}, "a": 1, "b": 2,
                    "c": 3, "final": 180.0, "labels": ["seen=2"], "bad": None}
    data = run("def f():\n    return 1\ng = lambda: 2\nclock = now\nx = f() + g()\nt = now()")
    assert data == {"x": 3, "t": NOW}  # functions and helpers never leak into task data
    assert run("date = date + 1", date=1) == {"date": 2}  # data may shadow a helper name
    data = {"_private": object(), "x": 1}
    ENV.execute("y = x + extra\nextra = 0", data, {"extra": 10})
    assert data["y"] == 11 and "extra" not in data and "_private" in data
    assert "function" in fails("x = [lambda: 1]").reason
    assert "set" in fails("x = {1, 2}").reason and "function" in fails("[len]", "eval").reason
    assert run("try:\n    x = 10 ** 10 ** 10\nexcept Exception:\n    x = 'no'") == {"x": "no"}
    spin = "try:\n    while True:\n        pass\nexcept Exception:\n    pass"
    assert "time limit" in fails(spin, env=TIMED).reason  # budget failures are sticky
    assert fails("x = 1\ny = 2\nz = x / 0\n").lineno == 3

# Only time can stop these: they allocate nothing and never nest deeper.
SPINNERS = ["while True:\n    pass",
            "def f():\n    try:\n        f()\n    except Exception:\n        f()\nf()"]

@pytest.mark.parametrize("script", SPINNERS)
def test_time_limit_stops_scripts_that_only_time_can_stop(script: str) -> None:
    assert fails(script, env=TIMED).reason == "script exceeded its time limit of 0.5 s"

DAG_FAIL, BIG = "too large (more than 2000000 items and characters)", "result too large"
ITEMS = "container limit: a list would hold more than 5000 items"
DAG = "a = [0]\nfor i in range(40):\n    a = [a, a]\n"  # 2**40 elements through aliasing
HOSTILE: list[tuple[str, str]] = [  # each stopped by a count, however fast the machine is
    ("def f():\n    return f()\nf()", "deep"),
    ("x = [a for a in range(10**6) for b in range(10**6)]", ITEMS),
    ("x = 'x' * 10**10", "result too large: 10000000000 characters"),
    ("x = [0] * 10**10", ITEMS),
    ("x = 10 ** 10 ** 10", "result too large: about 33219280949 bits"),
    ("x = 2 << 10**9", "result too large: about 1000000002 bits"), ("x = 'ab'\nx *= 10**9", BIG),
    ("s = 'ab'\nwhile True:\n    s = s + s", BIG), ("x = '1'.zfill(10**10)", BIG),
    ("fmt = '%' + '1000000' + 's'\nx = fmt % 'a'", "%-format width"),
    ("x = 'x'.ljust(10**10)", "result too large: 10000000000 characters"),
    ("x = list(range(10**12))", "range too large: 1000000000000 items"),
    ("x = 'a'.join(['x' * 1000] * 2000)", "result too large: 2001999 characters"),
    ("x = ('x' * 1000).replace('x', 'y' * 10000)", BIG), ("x = round(5, -10**9)", "digits"),
    ("x = int(big)", "decimal exponent"), ("x = f'{big:f}'", "decimal exponent"),
    ("x = open('/etc/passwd')", "name 'open' is not available in scripts"),
    ("x = getattr(1, 'real')", "name 'getattr' is not available"), ("x = no + 1", "'no' is not"),
    ("x = datetime.now()", "attribute 'now' of class datetime is not available"),
    ("x = 'abc'.encode()", "attribute 'encode' of str"), ("x = 'x'.join.func", "of partial"),
    ("t = ()\nfor i in range(10**5):\n    t = (t,)\nd = {t: 1}", "nested too deeply"),
    ("p = (1,)\nfor i in range(10**5):\n    p = list(zip([p]))[0]", "nested too deeply"),
    (DAG + "b = [0]\nfor i in range(40):\n    b = [b, b]\nx = a == b", DAG_FAIL),
    (DAG + "x = str(a)", DAG_FAIL), (DAG + "x = sorted([a, a])", DAG_FAIL),
    (DAG + "x = (a, a).count([a, a])", DAG_FAIL), (DAG + "x = [a] in {1: a}.values()", DAG_FAIL),
    ("x = []\nwhile True:\n    x.append('y' * 1000)", ITEMS),
    ("x = [1]\nwhile True:\n    x.extend(x)", ITEMS),
    ("x = ['y' * 10**5]\nwhile True:\n    x.append(x[-1] + 'y')", "allocated too much memory"),
    ("x = sum([[1]] * 1000, [])", "sum() adds numbers only"),
    ("raise ValueError('bad input')", "ValueError: bad input"), ("x = {}['k']", "KeyError: 'k'"),
]

@pytest.mark.parametrize(("script", "fragment"), HOSTILE)
def test_hostile_scripts_are_stopped_by_their_limit(script: str, fragment: str) -> None:
    failure = fails(script, big=Decimal("1e999999999"))
    assert fragment in failure.reason, failure.reason

MEMORY_HOGS = [("x = [f'{i:>1000}' for i in x]", ITEMS),
               ("y = {}\nwhile 1:\n y[len(y)] = [1, 2]", ITEMS.replace("list", "dict")),
               ("x = ['z' * 10**5]\nwhile 1:\n x.append(x[-1] + 'z')", "allocated too much")]

@pytest.mark.parametrize(("script", "fragment"), MEMORY_HOGS)
def test_hostile_scripts_stay_in_bounded_memory(script: str, fragment: str) -> None:
    tracemalloc.start()
    try:
        failure = fails(script, x=list(range(10**6)))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert fragment in failure.reason and peak < 200 * 1024 * 1024

C_LOOPS = [  # recursion that re-enters C on every level must not overflow a small stack
    "def f(x):\n    return sorted([1, 2], key=f)\nf(0)", "f = lambda x: max([1], key=f)\nf(0)",
    "def f(x):\n    return any(f(y) for y in [1])\nf(0)",
    "g = (x for x in [1])\nfor i in range(5000):\n    g = (x for x in g)\nx = list(g)",
    "g = zip([1])\nfor i in range(5000):\n    g = zip(g)\nx = list(g)",
]

def test_threads_small_stacks_and_separate_budgets() -> None:
    reasons: list[str] = []
    def work() -> None:  # the nesting cap stops these (ENV's time limit is never reached) ...
        reasons.extend(pytest.raises(ScriptFailed, run, code).value.reason for code in C_LOOPS)
        # ... and a spin is stopped by its own budget's deadline, in this thread
        reasons.append(fails("while True:\n    pass", env=TIMED).reason)
    previous = threading.stack_size(512 * 1024)
    try:
        (worker := threading.Thread(target=work)).start()
    finally:
        threading.stack_size(previous)
    for value in range(200):  # meanwhile, ordinary evaluations run normally: budgets are per run
        assert TIMED.evaluate("x * 2", {"x": value}) == value * 2
    worker.join(timeout=600)
    deep = "recursion too deep (more than 64 nested calls)"
    assert reasons == [deep] * 5 + ["script exceeded its time limit of 0.5 s"]
    assert run("t = 0\nfor i in range(100000):\n    t += i * 2")["t"] == 9999900000
    assert run("def f(n):\n    return 1 if n < 2 else n * f(n - 1)\nx = f(40)")["x"] > 10**47

HEAD = ('<bpmn:definitions id="d" targetNamespace="t" xmlns:bpmn="http://www.omg.org/spec/BPMN/'
        '20100524/MODEL" xmlns:spiffworkflow="http://spiffworkflow.org/bpmn/schema/1.0/core">'
        '<bpmn:process id="proc"><bpmn:startEvent id="s"/><bpmn:endEvent id="e"/>')
TASK = '<bpmn:scriptTask id="{}"><bpmn:script>{}</bpmn:script></bpmn:scriptTask>'
IF_BIG = "total &gt; 1000 and customer['tier'] == 'gold'"

def bpmn(body: str, flows: str) -> bytes:  # flows such as "s>a a>e": start s, end e
    pairs = (flow.split(">") for flow in flows.split())
    links = "".join(f'<bpmn:sequenceFlow id="{a}{b}" sourceRef="{a}" targetRef="{b}"/>'
                    for a, b in pairs)
    return (HEAD + body + links + "</bpmn:process></bpmn:definitions>").encode()

ORDER = bpmn(
    TASK.format("c", "total = sum(x['price'] * x['qty'] for x in lines)\n"
                     "due = add_days(today(), 14).isoformat()")
    + '<bpmn:exclusiveGateway id="g" default="gl"/><bpmn:sequenceFlow id="gb" sourceRef="g" '
    f'targetRef="b"><bpmn:conditionExpression>{IF_BIG}</bpmn:conditionExpression></bpmn:sequenceFlow>'
    + TASK.format("b", "route = 'key account'") + TASK.format("l", "route = 'standard'"),
    "s>c c>g g>l b>e l>e",
)
SPIN = bpmn(TASK.format("x", "n = 0\nwhile True:\n    n += 1"), "s>x x>e")
RULE = bpmn('<bpmn:businessRuleTask id="r"><bpmn:extensionElements><spiffworkflow:calledDecisionId>'
            "discount</spiffworkflow:calledDecisionId></bpmn:extensionElements>"
            "</bpmn:businessRuleTask>", "s>r r>e")
# '-' and an empty entry mean "any"; '?' stands for the input, as in SpiffWorkflow's DMN engine.
RULES = [("&gt; 5000", '"good"', "-", '"gold"'),
         ("1000 &lt; ? &lt;= 5000", '"good"', "", '"silver"'),
         ("-", '? in ["bad", "poor"]', "True", '"review"'), ("-", "", "-", '"none"')]
DISCOUNTS = (
    '<definitions id="dd" name="dd" namespace="t" xmlns="https://www.omg.org/spec/DMN/20191111/'
    'MODEL/"><decision id="discount" name="D"><decisionTable id="table">' + "".join(
        f'<input id="i{n}"><inputExpression id="e{n}"><text>{n}</text></inputExpression></input>'
        for n in ("volume", "quality", "urgent")) + '<output id="o" name="discount"/>' + "".join(
        f'<rule id="r{i}">' + "".join(f'<inputEntry id="r{i}{j}"><text>{t}</text></inputEntry>'
                                      for j, t in enumerate(row[:3]))
        + f'<outputEntry id="r{i}o"><text>{row[3]}</text></outputEntry></rule>'
        for i, row in enumerate(RULES)) + "</decisionTable></decision></definitions>"
).encode()

def start(document: bytes, data: dict[str, Any], rules: bytes | None = None,
          time_limit: float = ROOMY) -> BpmnWorkflow:
    parser = SpiffBpmnParser()
    parser.add_bpmn_str(document)
    if rules is not None:
        parser.add_dmn_str(rules)
    engine = SandboxedScriptEngine(clock=MovableClock(NOW), time_limit=time_limit)
    workflow = BpmnWorkflow(parser.get_spec("proc"), parser.get_subprocess_specs("proc"),
                            script_engine=engine)
    workflow.get_tasks()[0].data.update(data)
    return workflow

@pytest.mark.parametrize(("qty", "tier", "route"), [
    (30, "gold", "key account"), (30, "silver", "standard"), (3, "gold", "standard"),
])
def test_bpmn_script_task_and_gateway_condition(qty: int, tier: str, route: str) -> None:
    workflow = start(ORDER, {"lines": [{"price": 50, "qty": qty}], "customer": {"tier": tier}})
    workflow.do_engine_steps()
    assert workflow.is_completed()
    assert (workflow.data["total"], workflow.data["route"]) == (50 * qty, route)
    assert workflow.data["due"] == "2024-05-20" and "add_days" not in workflow.data

def test_hostile_script_task_and_engine_errors() -> None:
    workflow = start(SPIN, {}, time_limit=FAST)
    with pytest.raises(WorkflowTaskException, match="time limit of 0.5 s") as caught:
        workflow.do_engine_steps()
    assert not workflow.is_completed()
    assert isinstance(caught.value.__cause__, ScriptFailed) and caught.value.line_number == 2
    assert caught.value.exception is caught.value.__cause__  # and this process keeps running
    task, engine = workflow.get_tasks()[0], workflow.script_engine
    task.data["x"] = 2
    assert engine.evaluate(task, "x * 21") == 42 and engine.clock.now() == NOW
    with pytest.raises(WorkflowTaskException, match="result too large") as failed:
        engine.evaluate(task, "10 ** 10 ** 10")
    assert isinstance(failed.value.__cause__, ScriptFailed)
    with pytest.raises(WorkflowTaskException, match="import statements") as rejected:
        engine.execute(task, "import os")  # a diagram that slipped past deploy-time checks
    assert isinstance(rejected.value.__cause__, ScriptRejected)
    with pytest.raises(WorkflowTaskException, match="not storable"):
        engine.execute(task, "handler = [now]")
    assert engine.execute(task, "y = x + 1") and task.data["y"] == 3
    engine.validate("volume > 5000")
    with pytest.raises(SyntaxError):
        engine.validate("> 5000")  # DMN relies on this to decide whether to add '=='
    with pytest.raises(ScriptRejected):
        engine.validate("x.__class__")

@pytest.mark.parametrize(("volume", "quality", "urgent", "discount"), [
    (6000, "good", False, "gold"), (5000, "good", True, "silver"), (1000, "good", False, "none"),
    (10, "poor", True, "review"), (10, "bad", False, "none"), (6000, "bad", True, "review"),
])
def test_dmn_table(volume: int, quality: str, urgent: bool, discount: str) -> None:
    data = {"volume": volume, "quality": quality, "urgent": urgent}
    workflow = start(RULE, data, DISCOUNTS)
    workflow.do_engine_steps()
    assert workflow.is_completed() and workflow.data["discount"] == discount
    hostile = start(RULE, data, DISCOUNTS.replace(b"&gt; 5000", b"&gt; 10 ** 10 ** 10"))
    with pytest.raises(WorkflowTaskException, match="result too large"):
        hostile.do_engine_steps()
