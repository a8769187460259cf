"""Benchmark: the reference HTTP workload against keyflow's own server, and bare SpiffWorkflow.

Starts a keyflow of its own (bench/server.py: `keyflow serve` on a free port, temporary var
folder and SQLite database, the workload deployed and the `bench` user and token made with
the `keyflow` command), runs ../shared/bench/http_workload.py against it as a subprocess —
first `--warmup` untimed instances, then N timed ones — and samples the server's process
tree CPU with ../shared/bench/cpu_sample.py just before and after the timed run. Bare
SpiffWorkflow runs on the same diagram (bench/bare.py: the shared README's reference) with
no server up, half of `--bare-n` before the server starts and half after it stopped, so a
change of the machine's load during the run shows as a spread of the two halves (printed).
The headline:

    cpu_ratio                  server CPU per instance / bare CPU per instance
    server_cpu_ms_per_instance the server's process tree (department: + its PostgreSQL
                               backends, also printed apart as pg_cpu_ms_per_instance)
    bare_cpu_ms_per_instance   bare SpiffWorkflow, CPU time, same run
    completions_per_s          task completions per second (wall time, client side)
    submit_p95_ms              p95 of the submit call (N × 5 samples)

    .venv/bin/python -m bench.workload [-n 40] [--warmup 2] [--shared DIR] [--workload DIR]
    .venv/bin/python -m bench.workload --department [--clients 4] [--workers 2 --threads 4]
        [--url postgresql+psycopg://postgres@127.0.0.1/keyflow_bench_workload]

Department mode is what keyflow supports today: gunicorn (workers × threads) serving
`webui:create_app()` on PostgreSQL, N client threads sharing one token (http_workload's
`--concurrency`). Its timers and mail would need a Celery worker, which this workload does
not reach (the PT1H reminder never fires), so none is started.
CPU is steadier than wall time on a shared machine; completions/s and p95 are not.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

from bench.bare import run_bare
from bench.common import headline, shared_dir
from bench.server import BenchServer

PROCESS_ID = "keyflow_bench_five_step"
DEPARTMENT_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/keyflow_bench_workload"


def step_data(done: int) -> dict[str, int]:
    """What http_workload.py submits: a valuable volume first, then nothing."""
    return {"volume": 6000} if done == 0 else {}


def drive(shared: Path, server: BenchServer, n: int, clients: int, out: Path) -> dict:
    """Run http_workload.py for `n` instances (no warm-up of its own); its JSON result."""
    subprocess.run([sys.executable, str(shared / "http_workload.py"),
                    "--base-url", server.base_url, "--token", server.token, "-n", str(n),
                    "--warmup", "0", "--concurrency", str(clients), "--json-out", str(out)],
                   check=True, stdout=subprocess.DEVNULL if n < 5 else None)
    return json.loads(out.read_text())


def main() -> None:
    """Run the HTTP workload with CPU sampling, then bare SpiffWorkflow; print the figures."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("-n", type=int, default=40, help="timed instances (5 submits each)")
    ap.add_argument("--warmup", type=int, default=2, help="untimed instances first")
    ap.add_argument("--bare-n", type=int, default=200, help="bare SpiffWorkflow instances")
    ap.add_argument("--shared", help="folder of http_workload.py (default ../shared/bench)")
    ap.add_argument("--workload", help="bundle to deploy (default <shared>/workload)")
    ap.add_argument("--department", action="store_true", help="gunicorn + PostgreSQL")
    ap.add_argument("--url", default=None, help="database (department default: "
                    f"{DEPARTMENT_URL}); embedded: a temporary SQLite file")
    ap.add_argument("--clients", type=int, default=None, help="client threads sharing one "
                    "token (default 1; department 4)")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--threads", type=int, default=4)
    ap.add_argument("--profile", type=Path, default=None, help="embedded only: serve through "
                    "bench/profiled_serve.py and write the timed run's profile here (pstats; "
                    "a summary in <file>.txt); the figures are then inflated by the profiler")
    ap.add_argument("--cpu-by-kind", type=Path, default=None, metavar="FILE",
                    help="embedded only: no profiler, write each call kind's thread CPU to "
                    "FILE.txt (bench/profiled_serve.py --cpu-only)")
    args = ap.parse_args()
    shared = shared_dir(args.shared)
    workload = Path(args.workload) if args.workload else shared / "workload"
    clients = args.clients or (4 if args.department else 1)
    url = args.url or (DEPARTMENT_URL if args.department else None)
    if (args.profile or args.cpu_by_kind) and args.department:
        raise SystemExit("--profile profiles the embedded server only")

    bare_before = run_bare(workload, PROCESS_ID, args.bare_n // 2, step_data)
    with BenchServer([workload], url=url, department=args.department, workers=args.workers,
                     threads=args.threads, profile=args.profile or args.cpu_by_kind,
                     cpu_only=args.cpu_by_kind is not None) as server:
        mode = (f"department: gunicorn {args.workers}x{args.threads}, PostgreSQL"
                if args.department else "embedded: keyflow serve, SQLite")
        print(f"{mode}, {clients} client(s), {server.base_url}", flush=True)
        # Warm every worker's spec cache and connection pool before the timed run.
        warmup = max(args.warmup, 2 * args.workers) if args.department else args.warmup
        if warmup:
            drive(shared, server, warmup, clients, server.tmp / "warmup.json")
        server.restart_profile()
        cpu_before, pg_before = server.cpu_seconds(shared / "cpu_sample.py")
        result = drive(shared, server, args.n, clients, server.tmp / "run.json")
        cpu_after, pg_after = server.cpu_seconds(shared / "cpu_sample.py")

    bare_after = run_bare(workload, PROCESS_ID, args.bare_n - args.bare_n // 2, step_data)
    bare_ms = (bare_before.cpu_s + bare_after.cpu_s) * 1000 / args.bare_n
    app_ms = (cpu_after - cpu_before) * 1000 / args.n
    pg_ms = (pg_after - pg_before) * 1000 / args.n
    server_ms = app_ms + pg_ms
    print(f"server CPU {cpu_after - cpu_before:.2f} s app + {pg_after - pg_before:.2f} s "
          f"PostgreSQL for {args.n} instances")
    print(f"bare SpiffWorkflow: {bare_before.cpu_ms_per_instance:.2f} ms CPU per instance "
          f"before, {bare_after.cpu_ms_per_instance:.2f} after; tasks "
          f"{bare_after.completed_tasks}")
    figures: dict[str, object] = {
        "cpu_ratio": server_ms / bare_ms,
        "server_cpu_ms_per_instance": server_ms,
        "bare_cpu_ms_per_instance": bare_ms,
        "completions_per_s": result["task_completions_per_s"],
        "submit_p95_ms": result["latency_ms"]["submit"]["p95"],
    }
    if args.department:
        figures["pg_cpu_ms_per_instance"] = pg_ms
    headline(**figures, mode="department" if args.department else "embedded", n=args.n,
             clients=clients)


if __name__ == "__main__":
    main()
