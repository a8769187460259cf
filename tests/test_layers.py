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
