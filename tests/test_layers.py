"""The dependency rule of design.md: engine/ knows nothing of HTTP, queues or upper layers."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).parents[1]
ENGINE = ROOT / "engine"
FORBIDDEN = {"flask", "celery", "webui", "workers", "werkzeug", "kombu"}


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


def test_the_web_package_and_its_command_line_do_not_import_the_workers():
    """Only `keyflow serve` (embedded), `worker` and `beat` reach workers/, inside the command."""
    check = ("import sys, webui, webui.cli; "
             "print(sorted(m for m in sys.modules if m == 'workers' or m.startswith('workers.')))")
    done = subprocess.run([sys.executable, "-c", check], cwd=ROOT, capture_output=True,
                          text=True, check=True)
    assert done.stdout.strip() == "[]"
