"""The dependency rule of design.md: engine/ knows nothing of HTTP, queues or upper layers."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).parents[1]
ENGINE = ROOT / "engine"
FORBIDDEN = {"flask", "flask_babel", "celery", "webui", "workers", "werkzeug", "kombu"}
# Engine code reads a language through its catalog (engine/i18n), never by its code; the one
# place that maps a stored code to a locale is that package.
LANGUAGE_CODES = {"zh", "en", "zh_CN", "zh-CN", "zh_Hans_CN"}
LOCALE_MAP = ENGINE / "i18n"


def imported_roots(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    roots: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            roots |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            roots.add(node.module.split(".")[0])
    return roots


def test_engine_imports_no_framework_or_upper_layer():
    offenders = {
        str(path.relative_to(ENGINE)): sorted(imported_roots(path) & FORBIDDEN)
        for path in ENGINE.rglob("*.py")
        if imported_roots(path) & FORBIDDEN
    }
    assert offenders == {}


def test_the_check_sees_nested_imports(tmp_path):
    sample = tmp_path / "sample.py"
    sample.write_text("def f():\n    from flask import Flask\n    import celery.app\n")
    assert imported_roots(sample) >= {"flask", "celery"}


def _is_code(node: ast.AST | None) -> bool:
    return isinstance(node, ast.Constant) and node.value in LANGUAGE_CODES


def _holds_code(node: ast.AST) -> bool:
    if isinstance(node, ast.Tuple | ast.List | ast.Set):
        return any(_is_code(e) for e in node.elts)
    return _is_code(node)


def language_branches(path: Path) -> list[int]:
    """Lines that compare with a language code, match one, or key a table by one."""
    lines = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        compares = isinstance(node, ast.Compare) and any(
            _holds_code(n) for n in (node.left, *node.comparators))
        keys = isinstance(node, ast.Dict) and any(_is_code(k) for k in node.keys)
        if compares or keys:
            lines.append(node.lineno)
        elif isinstance(node, ast.MatchValue) and _is_code(node.value):
            lines.append(node.value.lineno)
    return lines


def test_engine_code_does_not_branch_on_a_language():
    offenders = {
        str(path.relative_to(ENGINE)): language_branches(path)
        for path in ENGINE.rglob("*.py")
        if LOCALE_MAP not in path.parents and language_branches(path)
    }
    assert offenders == {}


def test_the_check_sees_language_branches(tmp_path):
    sample = tmp_path / "sample.py"
    sample.write_text(
        'if lang == "en":\n    pass\n'
        'ok = lang in ("zh", "en")\n'
        'words = {"zh": "是", "en": "yes"}\n'
        'match lang:\n    case "zh":\n        pass\n'
        'default = "zh"\n'  # a default is no branch
    )
    assert language_branches(sample) == [1, 3, 4, 6]


def test_the_web_package_and_its_command_line_do_not_import_the_workers():
    """Only `keyflow serve` (embedded), `worker` and `beat` reach workers/, inside the command."""
    check = ("import sys, webui, webui.cli; "
             "print(sorted(m for m in sys.modules if m == 'workers' or m.startswith('workers.')))")
    done = subprocess.run([sys.executable, "-c", check], cwd=ROOT, capture_output=True,
                          text=True, check=True)
    assert done.stdout.strip() == "[]"


# --- webui reaches the engine through its front door ------------------------------------

WEBUI = ROOT / "webui"
SQL_CALLS = {"select", "execute", "scalars", "scalar"}


def front_door_breaches(path: Path) -> list[str]:
    """What in a webui module goes past the engine's front door (WorkflowEngine for
    commands, engine.queries for reads): importing engine.runtime, building or running SQL,
    reading an engine's `.runtime`."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [f"import {a.name}" for a in node.names
                      if a.name == "engine.runtime" or a.name.startswith("engine.runtime.")]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            if node.module == "engine.runtime" or node.module.startswith("engine.runtime."):
                found.append(f"from {node.module} import …")
            elif node.module == "engine" and any(a.name == "runtime" for a in node.names):
                found.append("from engine import runtime")
        elif isinstance(node, ast.Attribute) and node.attr == "runtime":
            found.append(f"line {node.lineno}: .runtime")
        elif isinstance(node, ast.Call):
            func = node.func
            name = func.id if isinstance(func, ast.Name) else (
                func.attr if isinstance(func, ast.Attribute) else None)
            if name in SQL_CALLS:
                found.append(f"line {node.lineno}: {name}(…)")
    return found


def test_webui_goes_through_the_engines_front_door():
    offenders = {str(path.relative_to(WEBUI)): breaches for path in WEBUI.rglob("*.py")
                 if (breaches := front_door_breaches(path))}
    assert offenders == {}


def test_the_front_door_check_sees_each_breach(tmp_path):
    sample = tmp_path / "sample.py"
    sample.write_text(
        "import engine.runtime.access\n"
        "from engine.runtime.incidents import list_incidents\n"
        "from engine import runtime\n"
        "def view(session, kf):\n"
        "    rt = kf.runtime\n"
        "    session.execute(select(1))\n"
        "    return session.scalars(q), db().scalar(q)\n"
    )
    assert len(front_door_breaches(sample)) == 8
