"""Benchmark: the reference workload through the Flask app in process, no HTTP server.

The calls of ../shared/bench/http_workload.py (its own `run_instance`: start, inbox, fetch,
submit, status) go straight into `webui.create_app()`'s WSGI callable on a fresh SQLite
database (set up as bench.sql_counts sets it up), and each call's thread CPU is added up
per kind. Without waitress and the client beside it in the process, this is the app's own
cost; with `--freeze` the process first sets its start-up objects aside as a server does
(webui.cli.settle_garbage_collector).

On a busy or drifting machine CPU times are noisy; instruction counts are not. Run it under
callgrind at two sizes, for each of two versions of the code (same folder: the path shifts
the constant part), with the collector off once the app is ready (`--no-gc`: a change
moves the moments collections run, and what one traverses depends on what is alive then),
e.g.

    PYTHONHASHSEED=0 valgrind --tool=callgrind --callgrind-out-file=/tmp/cg.%p \\
        .venv/bin/python -m bench.in_process -n 25 --warm 5 --freeze --no-gc 2>&1 | grep Collected

(about 100 s at -n 25). A version's cost per instance is the difference of its totals at
-n 50 and -n 25, divided by 25: a total alone also holds start-up and shut-down, which a
change of imports moves by tens of millions. Headline: `app_cpu_ms_per_instance=…
<kind>_ms=…` (thread CPU means).

    .venv/bin/python -m bench.in_process [-n 200] [--warm 20] [--freeze] [--no-gc]
"""

from __future__ import annotations

import argparse
import gc
import json
import tempfile
import time
from collections.abc import Callable, Iterable
from typing import Any

from werkzeug.test import EnvironBuilder

from bench.common import headline, load_shared, shared_dir
from bench.sql_counts import prepare
from webui import create_app
from webui.cli import settle_garbage_collector

WsgiApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


def kind_of(method: str, path: str) -> str:
    """The call kind of a request, in http_workload's terms."""
    if method == "POST":
        return "start" if path.endswith("/instances") else "submit"
    if path.startswith("/api/instances/"):
        return "status"
    return "inbox" if path.startswith("/api/tasks?") else "fetch"


class InProcessClient:
    """http_workload's Client interface on the WSGI callable; each call's thread CPU is
    added to its kind."""

    def __init__(self, app: WsgiApp, token: str) -> None:
        self.app = app
        self.headers = {"Authorization": f"Bearer {token}", "Accept": "application/json"}
        self.cpu: dict[str, list[float]] = {}

    def call(self, method: str, path: str, *, json_body: Any = None,
             expect: tuple[int, ...] = (200, 201), **_: Any) -> tuple[int, Any, float]:
        """One request; (status, JSON body, thread CPU seconds)."""
        environ = EnvironBuilder(path=path, method=method, json=json_body,
                                 headers=self.headers).get_environ()
        status: list[int] = []

        def start_response(line: str, _headers: Any, _exc_info: Any = None) -> None:
            status.append(int(line.split()[0]))

        started = time.thread_time()
        body = b"".join(self.app(environ, start_response))
        spent = time.thread_time() - started
        self.cpu.setdefault(kind_of(method, path), []).append(spent)
        if expect and status[0] not in expect:
            raise SystemExit(f"{method} {path} -> {status[0]}: {body[:300]!r}")
        return status[0], json.loads(body) if body else None, spent


def main() -> None:
    """Run the warm-up and timed instances; print thread CPU per kind and per instance."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("-n", type=int, default=200, help="timed instances")
    ap.add_argument("--warm", type=int, default=20, help="untimed instances first")
    ap.add_argument("--freeze", action="store_true",
                    help="settle the garbage collector as a server does, once ready")
    ap.add_argument("--no-gc", action="store_true",
                    help="turn the garbage collector off once ready (code cost alone)")
    ap.add_argument("--shared", help="folder of http_workload.py (default ../shared/bench)")
    args = ap.parse_args()
    shared = shared_dir(args.shared)
    workload = load_shared("http_workload", shared)
    with tempfile.TemporaryDirectory(prefix="keyflow-bench-inproc-") as tmp:
        url = f"sqlite:///{tmp}/kf.db"
        token = prepare(url, shared / "workload")
        # The token cache's entry lasts 5 s: a served workload misses it once per ~1,000
        # requests, but a run under callgrind is ~50x slower, and misses as often as the
        # machine is slow would make its counts depend on the clock. An hour: none.
        app = create_app(test_config={"DATABASE_URL": url, "SECRET_KEY": "bench",
                                      "VAR_DIR": tmp, "TOKEN_CACHE_SECONDS": 3600.0})
        if args.freeze:
            settle_garbage_collector()
        if args.no_gc:
            gc.disable()
        client = InProcessClient(app, token)
        latencies: dict[str, list[float]] = {kind: [] for kind in workload.KINDS}
        for _ in range(args.warm):
            workload.run_instance(client, latencies)
        client.cpu.clear()
        for _ in range(args.n):
            workload.run_instance(client, latencies)
        app.extensions["keyflow.db_engine"].dispose()
    means = {f"{kind}_ms": 1000 * sum(spent) / len(spent)
             for kind, spent in sorted(client.cpu.items())}
    total = sum(sum(spent) for spent in client.cpu.values())
    headline(app_cpu_ms_per_instance=1000 * total / args.n, **means, n=args.n,
             freeze=args.freeze, gc=not args.no_gc)


if __name__ == "__main__":
    main()
