"""Benchmark: SQL statements per API call of the reference workload, on SQLite and PostgreSQL.

Runs the calls of ../shared/bench/http_workload.py (its own `run_instance`, so exactly the
same requests: start, inbox, fetch, submit, status) against the Flask app in-process
through its test client, with a SQLAlchemy listener on the app's database engine counting
the statements sent to the database during each call: every cursor execute plus the
connection pool's pre-ping, not BEGIN, COMMIT, ROLLBACK, SAVEPOINT or RELEASE. A warm-up
instance runs first (first connection, spec cache), then N counted ones. On SQLite it also
counts the `BEGIN IMMEDIATE`s (write locks taken) per call.

The headline gives, per kind, the largest count seen, `sqlite/postgresql`:

    .venv/bin/python -m bench.sql_counts [-n 5] [--db sqlite|postgresql|both] [-v]
        [--pg-url postgresql+psycopg://postgres@127.0.0.1/keyflow_bench_sql]

`-v` prints the statements of one call of each kind.
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, event
from sqlalchemy.orm import Session

from bench.common import fresh_database, headline, load_shared, shared_dir
from engine.accounts import create_token, create_user, ensure_roles
from engine.clock import SystemClock
from engine.db import make_db_engine
from engine.deployment import Bundle
from engine.schema import upgrade
from engine.workflow_engine import WorkflowEngine
from webui import create_app

PG_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/keyflow_bench_sql"
NOT_COUNTED = ("BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE")


class StatementLog:
    """Statements sent through one Engine since the last `clear()`."""

    def __init__(self, engine: Engine) -> None:
        self.statements: list[str] = []
        self.write_locks = 0
        event.listen(engine, "before_cursor_execute", self._on_execute)
        ping = engine.dialect.do_ping

        def counted_ping(dbapi_connection: Any) -> bool:
            self.statements.append("-- pool pre-ping (SELECT 1)")
            return bool(ping(dbapi_connection))

        engine.dialect.do_ping = counted_ping  # type: ignore[method-assign]

    def _on_execute(self, _conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        head = statement.lstrip().upper()
        if head.startswith("BEGIN IMMEDIATE"):
            self.write_locks += 1
        if not head.startswith(NOT_COUNTED):
            self.statements.append(statement)

    def clear(self) -> None:
        """Start counting a new call."""
        self.statements, self.write_locks = [], 0


class CountingClient:
    """http_workload's Client interface on the Flask test client; returns statement counts
    where the original returns seconds, so `run_instance` collects counts per kind."""

    def __init__(self, app: Any, token: str, log: StatementLog) -> None:
        self.client = app.test_client()
        self.headers = {"Authorization": f"Bearer {token}", "Accept": "application/json"}
        self.log = log
        self.calls: list[tuple[str, list[str], int]] = []  # (request, statements, write locks)

    def call(self, method: str, path: str, *, json_body: Any = None,
             expect: tuple[int, ...] = (200, 201), **_: Any) -> tuple[int, Any, int]:
        """One request; (status, JSON body, statements sent)."""
        self.log.clear()
        response = self.client.open(path, method=method, json=json_body, headers=self.headers)
        if expect and response.status_code not in expect:
            raise SystemExit(f"{method} {path} -> {response.status_code}: {response.text[:300]}")
        self.calls.append((f"{method} {path}", self.log.statements, self.log.write_locks))
        return response.status_code, response.get_json(), len(self.log.statements)


def prepare(url: str, workload: Path) -> str:
    """A fresh schema with the workload deployed and the bench user; its token."""
    fresh_database(url)
    engine = make_db_engine(url)
    upgrade(engine)
    clock = SystemClock()
    with Session(engine) as session, session.begin():
        ensure_roles(session)
        user = create_user(session, clock, "bench", ["senior_manager"],
                           email="bench@example.com")
        WorkflowEngine(clock=clock).deploy(session, Bundle.from_folder(workload))
        token = create_token(session, clock, user, "bench")
    engine.dispose()
    return token


def count(url: str, shared: Path, n: int, verbose: bool) -> dict[str, list[int]]:
    """Statement counts per call kind over `n` instances (after one warm-up instance)."""
    workload = load_shared("http_workload", shared)
    token = prepare(url, shared / "workload")
    with tempfile.TemporaryDirectory(prefix="keyflow-bench-sql-") as var:
        app = create_app(test_config={"DATABASE_URL": url, "SECRET_KEY": "bench",
                                      "VAR_DIR": var})
        log = StatementLog(app.extensions["keyflow.db_engine"])
        client = CountingClient(app, token, log)
        workload.run_instance(client, {k: [] for k in workload.KINDS})
        client.calls.clear()
        counts: dict[str, list[int]] = {k: [] for k in workload.KINDS}
        locks = {k: 0 for k in workload.KINDS}
        for _ in range(n):
            workload.run_instance(client, counts)
        app.extensions["keyflow.db_engine"].dispose()
    kinds = _kinds_of(client.calls, workload.KINDS)
    for kind, (_, _, write_locks) in zip(kinds, client.calls, strict=True):
        locks[kind] += write_locks
    name = "sqlite" if url.startswith("sqlite") else "postgresql"
    for kind, values in counts.items():
        lock_note = f", BEGIN IMMEDIATE in {locks[kind]} of {len(values)} calls" \
            if name == "sqlite" else ""
        print(f"{name:<10} {kind:<7} statements {min(values)}-{max(values)} over "
              f"{len(values)} calls{lock_note}")
    if verbose:
        shown: set[str] = set()
        for kind, (request, statements, _) in zip(kinds, client.calls, strict=True):
            if kind not in shown:
                shown.add(kind)
                print(f"--- {name} {kind}: {request}")
                for statement in statements:
                    print("   ", " ".join(statement.split())[:160])
    return counts


def _kinds_of(calls: list[tuple[str, list[str], int]], kinds: tuple[str, ...]) -> list[str]:
    """The call kind of each recorded request, in http_workload's terms."""
    out = []
    for request, _, _ in calls:
        method, path = request.split(" ", 1)
        if method == "POST":
            out.append("start" if path.endswith("/instances") else "submit")
        elif path.startswith("/api/instances/"):
            out.append("status")
        else:
            out.append("inbox" if path.startswith("/api/tasks?") else "fetch")
    assert set(out) <= set(kinds)
    return out


def main() -> None:
    """Count on the chosen databases and print the largest count per kind."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("-n", type=int, default=5, help="counted instances per database")
    ap.add_argument("--db", choices=("sqlite", "postgresql", "both"), default="both")
    ap.add_argument("--pg-url", default=PG_URL)
    ap.add_argument("--shared", help="folder of http_workload.py (default ../shared/bench)")
    ap.add_argument("-v", "--verbose", action="store_true", help="print the statements")
    args = ap.parse_args()
    shared = shared_dir(args.shared)
    results = []
    with tempfile.TemporaryDirectory(prefix="keyflow-bench-sql-db-") as tmp:
        if args.db in ("sqlite", "both"):
            results.append(("sqlite", count(f"sqlite:///{tmp}/kf.db", shared, args.n,
                                            args.verbose)))
        if args.db in ("postgresql", "both"):
            results.append(("postgresql", count(args.pg_url, shared, args.n, args.verbose)))
    figures = {kind: "/".join(str(max(counts[kind])) for _, counts in results)
               for kind in results[0][1]}
    headline(**figures, dbs="/".join(name for name, _ in results), n=args.n)


if __name__ == "__main__":
    main()
