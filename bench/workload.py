"""Benchmark: the reference HTTP workload against keyflow's own server, and bare SpiffWorkflow.

Starts a keyflow of its own (bench/server.py: `keyflow serve` on a free port, temporary var
folder and SQLite database, the workload deployed and the `bench` user and token made with
the `keyflow` command), runs ../shared/bench/http_workload.py against it as a subprocess —
first `--warmup` untimed instances, then N timed ones — and samples the server's process
tree CPU with ../shared/bench/cpu_sample.py just before and after each timed part. Bare
SpiffWorkflow runs on the same diagram (bench/bare.py: the shared README's reference) in
this process while the server waits. The timed instances and `--bare-n` bare ones run in
`--rounds` alternating parts (bare, then HTTP, each round): a shared machine's speed
drifts by a third within minutes, and alternating makes both sides of the ratio see the
same drift (each round's figures are printed; the spread of the rounds' ratios shows what
is left of the noise). The headline:

    cpu_ratio                  server CPU per instance / bare CPU per instance
    server_cpu_ms_per_instance the server's process tree (department: + its PostgreSQL
                               backends, also printed apart as pg_cpu_ms_per_instance)
    bare_cpu_ms_per_instance   bare SpiffWorkflow, CPU time, same run
    completions_per_s          task completions per second (wall time of the HTTP parts,
                               client side)
    submit_p95_ms              p95 of the submit call: the largest of the rounds' p95s
                               (each over N / rounds × 5 samples)

    .venv/bin/python -m bench.workload [-n 40] [--warmup 2] [--rounds 4] [--shared DIR]
        [--workload DIR]
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

from bench.bare import BareReference, BareRun
from bench.common import headline, shared_dir
from bench.server import BenchServer

PROCESS_ID = "keyflow_bench_five_step"
DEPARTMENT_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/keyflow_bench_workload"


def step_data(done: int) -> dict[str, int]:
    """What http_workload.py submits: a valuable volume first, then nothing."""
    return {"volume": 6000} if done == 0 else {}


def drive(shared: Path, server: BenchServer, n: int, clients: int, out: Path, *,
          quiet: bool = False) -> dict:
    """Run http_workload.py for `n` instances (no warm-up of its own); its JSON result
    (its report printed unless `quiet` or a warm-up's few instances)."""
    subprocess.run([sys.executable, str(shared / "http_workload.py"),
                    "--base-url", server.base_url, "--token", server.token, "-n", str(n),
                    "--warmup", "0", "--concurrency", str(clients), "--json-out", str(out)],
                   check=True, stdout=subprocess.DEVNULL if quiet or n < 5 else None)
    return json.loads(out.read_text())


def main() -> None:
    """Run the HTTP workload with CPU sampling, then bare SpiffWorkflow; print the figures."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("-n", type=int, default=40, help="timed instances (5 submits each)")
    ap.add_argument("--warmup", type=int, default=2, help="untimed instances first")
    ap.add_argument("--bare-n", type=int, default=200, help="bare SpiffWorkflow instances")
    ap.add_argument("--rounds", type=int, default=4, help="alternate bare and HTTP parts this "
                    "many times (the machine's drift then weighs on both sides alike)")
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
    ap.add_argument("--checkout", type=Path, default=None, help="serve another checkout of "
                    "keyflow (its own .venv, e.g. the code before a change) instead of this one")
    args = ap.parse_args()
    shared = shared_dir(args.shared)
    workload = Path(args.workload) if args.workload else shared / "workload"
    clients = args.clients or (4 if args.department else 1)
    url = args.url or (DEPARTMENT_URL if args.department else None)
    if (args.profile or args.cpu_by_kind) and args.department:
        raise SystemExit("--profile profiles the embedded server only")
    if (args.profile or args.cpu_by_kind) and args.checkout:
        raise SystemExit("--profile serves this checkout only")

    rounds = max(1, min(args.rounds, args.n, args.bare_n))
    reference = BareReference(workload, PROCESS_ID, step_data)
    with BenchServer([workload], url=url, department=args.department, workers=args.workers,
                     threads=args.threads, profile=args.profile or args.cpu_by_kind,
                     cpu_only=args.cpu_by_kind is not None, checkout=args.checkout) as server:
        mode = (f"department: gunicorn {args.workers}x{args.threads}, PostgreSQL"
                if args.department else "embedded: keyflow serve, SQLite")
        print(f"{mode}, {clients} client(s), {server.base_url}", flush=True)
        # Warm every worker's spec cache and connection pool before the timed run.
        warmup = max(args.warmup, 2 * args.workers) if args.department else args.warmup
        if warmup:
            drive(shared, server, warmup, clients, server.tmp / "warmup.json")
        server.restart_profile()
        bare: list[BareRun] = []
        parts: list[tuple[int, float, float, dict]] = []  # (instances, app s, pg s, result)
        for r in range(rounds):
            bare.append(reference.run(_share(args.bare_n, rounds, r)))
            n = _share(args.n, rounds, r)
            cpu_before, pg_before = server.cpu_seconds(shared / "cpu_sample.py")
            result = drive(shared, server, n, clients, server.tmp / f"run{r}.json")
            cpu_after, pg_after = server.cpu_seconds(shared / "cpu_sample.py")
            parts.append((n, cpu_after - cpu_before, pg_after - pg_before, result))
            spent_ms = (cpu_after - cpu_before + pg_after - pg_before) * 1000 / n
            print(f"round {r + 1}: server {spent_ms:.2f} ms, bare "
                  f"{bare[-1].cpu_ms_per_instance:.2f} ms CPU per instance, ratio "
                  f"{spent_ms / bare[-1].cpu_ms_per_instance:.2f}", flush=True)

    bare_ms = sum(run.cpu_s for run in bare) * 1000 / sum(run.instances for run in bare)
    app_s, pg_s = sum(part[1] for part in parts), sum(part[2] for part in parts)
    app_ms, pg_ms = app_s * 1000 / args.n, pg_s * 1000 / args.n
    server_ms = app_ms + pg_ms
    wall = sum(part[3]["wall_s"] for part in parts)
    completions = sum(part[3]["task_completions"] for part in parts)
    print(f"server CPU {app_s:.2f} s app + {pg_s:.2f} s PostgreSQL for {args.n} instances")
    print(f"bare SpiffWorkflow: {bare_ms:.2f} ms CPU per instance (rounds "
          f"{', '.join(f'{run.cpu_ms_per_instance:.2f}' for run in bare)}); tasks "
          f"{bare[-1].completed_tasks}")
    figures: dict[str, object] = {
        "cpu_ratio": server_ms / bare_ms,
        "server_cpu_ms_per_instance": server_ms,
        "bare_cpu_ms_per_instance": bare_ms,
        "completions_per_s": completions / wall,
        "submit_p95_ms": max(part[3]["latency_ms"]["submit"]["p95"] for part in parts),
    }
    if args.department:
        figures["pg_cpu_ms_per_instance"] = pg_ms
    headline(**figures, mode="department" if args.department else "embedded", n=args.n,
             clients=clients)


def _share(total: int, rounds: int, r: int) -> int:
    """Round `r`'s part of `total` (the parts add up to it)."""
    return total * (r + 1) // rounds - total * r // rounds


if __name__ == "__main__":
    main()
