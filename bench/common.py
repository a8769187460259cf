"""What every benchmark shares: databases, percentiles, the shared reference tools, the headline.

Each benchmark prints its details first and its headline LAST, as `name=value` pairs followed
by the machine's load average and a note of the machine, so runs can be compared by eye or
by a script reading the last line. The reference tools of `../shared/bench/` (next to the
main checkout; a worktree's `../../shared/bench/` is tried as well) are imported, never
copied: set KEYFLOW_BENCH_SHARED or pass `--shared` to point elsewhere.
"""

from __future__ import annotations

import importlib.util
import os
import platform
import socket
from pathlib import Path
from types import ModuleType

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parents[1]
# Only databases with this prefix are ever dropped by a benchmark (never keyflow_test*).
BENCH_DB_PREFIX = "keyflow_bench"
PG_SERVER = "postgresql+psycopg://postgres@127.0.0.1:5432/"


def shared_dir(override: str | None = None) -> Path:
    """The folder holding http_workload.py, cpu_sample.py and workload/."""
    candidates = [override, os.environ.get("KEYFLOW_BENCH_SHARED"),
                  ROOT.parent / "shared" / "bench", ROOT.parents[1] / "shared" / "bench"]
    for candidate in candidates:
        if candidate and (Path(candidate) / "http_workload.py").exists():
            return Path(candidate)
    raise SystemExit("no ../shared/bench with http_workload.py: pass --shared DIR")


def load_shared(name: str, folder: Path) -> ModuleType:
    """Import `<folder>/<name>.py` as a module (the reference tools stay where they are)."""
    spec = importlib.util.spec_from_file_location(f"shared_bench_{name}", folder / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def free_port() -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def is_sqlite(url: str) -> bool:
    """Whether `url` names a SQLite database."""
    return make_url(url).get_backend_name() == "sqlite"


def ensure_database(url: str) -> None:
    """Create the benchmark database if it does not exist (SQLite: its folder)."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        return
    admin = create_engine(parsed.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        if not conn.scalar(text("select 1 from pg_database where datname=:d"),
                           {"d": parsed.database}):
            conn.execute(text(f'create database "{parsed.database}"'))
    admin.dispose()


def fresh_database(url: str) -> None:
    """Start from an empty database: drop and recreate it (SQLite: delete the file)."""
    parsed = make_url(url)
    name = parsed.database or ""
    if parsed.get_backend_name() == "sqlite":
        for suffix in ("", "-wal", "-shm"):
            Path(name + suffix).unlink(missing_ok=True)
        ensure_database(url)
        return
    if not name.startswith(BENCH_DB_PREFIX):
        raise SystemExit(f"refusing to drop {name!r}: benchmark databases start with "
                         f"{BENCH_DB_PREFIX}")
    admin = create_engine(parsed.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'drop database if exists "{name}" with (force)'))
        conn.execute(text(f'create database "{name}"'))
    admin.dispose()


def pct(values: list[float], p: float) -> float:
    """Percentile with linear interpolation between closest ranks (as http_workload.py)."""
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    k = (len(ordered) - 1) * p
    lo = int(k)
    hi = min(lo + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo)


def machine_note() -> str:
    """Load average, cores and CPU model: every figure is read against these."""
    load = ",".join(f"{x:.2f}" for x in os.getloadavg())
    model = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as f:
            model = next(line.split(":", 1)[1].strip() for line in f
                         if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    return f'load_avg={load} cpus={os.cpu_count()} python={platform.python_version()} ' \
           f'machine="{model}"'


def headline(**pairs: object) -> None:
    """Print the benchmark's last line: its figures as name=value, then the machine note."""
    figures = " ".join(f"{name}={_fmt(value)}" for name, value in pairs.items())
    print(f"{figures} {machine_note()}", flush=True)


def _fmt(value: object) -> str:
    if isinstance(value, float):
        return f"{value:.3g}" if abs(value) < 10 else f"{value:.1f}"
    return str(value)
