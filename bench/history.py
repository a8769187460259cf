"""Benchmark: does a submit cost more when the instance has a long history? Over HTTP.

Starts its own embedded keyflow (bench/server.py) with bench/data/loop deployed: a loop of
four elements (merge, user task, script, split) whose user task is completed again and
again, so every step adds to the saved state. `--pairs` old instances are first advanced,
untimed, to `--old` minus half a `--window` steps; then as many young instances start. The
timed phase alternates a block of one submit on each young instance with such a block on
the old ones, so the machine's noise falls on both alike: young submits around `--young`
steps, old ones around `--old` (the step of a submit: user tasks completed before it).
Only the submit call (POST /api/tasks/{id}/complete) is timed; the task ids come from one
inbox call before each block. The server's process-tree CPU is sampled
(../shared/bench/cpu_sample.py) around each block, young and old first in turn: its ratio
is steadier than the latencies' on a busy machine. The state's size is read from the
server's SQLite database when the first old instance has exactly `--old` steps behind it.

    step200_over_step10  p50 of old submits / p50 of young submits (the headline ratio)
    cpu_step200_over_step10  server CPU of the old blocks / of the young blocks
    step10_p50_ms … step200_p95_ms, state_kb_at_10, state_kb_at_200

    .venv/bin/python -m bench.history [--pairs 10] [--window 20] [--young 10] [--old 200]
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from sqlalchemy import create_engine, text

from bench.common import ROOT, headline, load_shared, pct, shared_dir
from bench.server import BenchServer

BUNDLE = ROOT / "bench" / "data" / "loop"
KEY = "bench_loop"


class LoopDriver:
    """Start loop instances and complete their open task over one keep-alive connection."""

    def __init__(self, shared: Path, server: BenchServer) -> None:
        workload = load_shared("http_workload", shared)
        self.client = workload.Client(server.base_url, server.token)
        self.db = create_engine(server.url)

    def start(self) -> int:
        """A new instance; its id."""
        _, body, _ = self.client.call("POST", f"/api/processes/{KEY}/instances", json_body={})
        return int(body["id"])

    def open_tasks(self) -> dict[int, int]:
        """The open task of every loop instance: instance id -> task id (one inbox call)."""
        _, inbox, _ = self.client.call("GET", f"/api/tasks?scope=mine&process={KEY}")
        return {t["instance_id"]: t["id"] for t in inbox["tasks"]}

    def submit_all(self, instances: list[int]) -> list[float]:
        """Complete the open task of each instance in turn; seconds each submit took."""
        tasks = self.open_tasks()
        return [float(self.client.call("POST", f"/api/tasks/{tasks[i]}/complete",
                                       json_body={"data": {"note": "bench"}})[2])
                for i in instances]

    def state_kb(self, instance_id: int) -> float:
        """Size of the instance's saved state in KB."""
        with self.db.connect() as conn:
            size = conn.scalar(text("select length(cast(state as blob)) from process_instance "
                                    "where id = :id"), {"id": instance_id})
        return float(size or 0) / 1024

    def close(self) -> None:
        """Close the connection and the database engine."""
        self.client.close()
        self.db.dispose()


def main() -> None:
    """Advance old instances, then alternate young and old submits; print both."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--pairs", type=int, default=10, help="young and old instances each")
    ap.add_argument("--window", type=int, default=20, help="timed submits per instance")
    ap.add_argument("--young", type=int, default=10, help="history of a young submit")
    ap.add_argument("--old", type=int, default=200, help="history of an old submit")
    ap.add_argument("--shared", help="folder of http_workload.py (default ../shared/bench)")
    ap.add_argument("--checkout", type=Path, default=None, help="serve another checkout of "
                    "keyflow (its own .venv, e.g. the code before a change) instead of this one")
    args = ap.parse_args()
    half = args.window // 2
    with BenchServer([BUNDLE], checkout=args.checkout) as server:
        shared = shared_dir(args.shared)
        cpu_sample = shared / "cpu_sample.py"
        driver = LoopDriver(shared, server)
        started = time.perf_counter()
        old = [driver.start() for _ in range(args.pairs)]
        for _ in range(args.old - half):
            driver.submit_all(old)
        young = [driver.start() for _ in range(args.pairs)]
        for _ in range(args.young - half):
            driver.submit_all(young)
        print(f"advanced {args.pairs} instances to {args.old - half} steps in "
              f"{time.perf_counter() - started:.0f} s", flush=True)
        ms: dict[str, list[float]] = {"young": [], "old": []}
        cpu = {"young": 0.0, "old": 0.0}
        state = {}
        for step in range(args.window):
            if step == half:
                state = {"young": driver.state_kb(young[0]), "old": driver.state_kb(old[0])}
            # Blocks in alternating order; the server's CPU is sampled around each block.
            for name in ("young", "old") if step % 2 else ("old", "young"):
                before = server.cpu_seconds(cpu_sample)[0]
                seconds = driver.submit_all(young if name == "young" else old)
                cpu[name] += server.cpu_seconds(cpu_sample)[0] - before
                ms[name] += [x * 1000 for x in seconds]
        driver.close()
    young_ms, old_ms = ms["young"], ms["old"]
    for name, values, center in (("young", young_ms, args.young), ("old", old_ms, args.old)):
        print(f"{name:<5} steps {center - half}..{center + half - 1}: p50 {pct(values, .5):.1f} "
              f"ms, p95 {pct(values, .95):.1f} ms, n={len(values)}, server CPU "
              f"{cpu[name] * 1000 / len(values):.1f} ms per submit (incl. one inbox call per "
              f"{args.pairs}), state at {center}: {state[name]:.1f} KB")
    headline(**{f"step{args.old}_over_step{args.young}": pct(old_ms, .5) / pct(young_ms, .5),
                f"cpu_step{args.old}_over_step{args.young}": cpu["old"] / cpu["young"],
                f"state_kb_at_{args.old}": state["old"],
                f"state_kb_at_{args.young}": state["young"],
                f"step{args.young}_p50_ms": pct(young_ms, .5),
                f"step{args.young}_p95_ms": pct(young_ms, .95),
                f"step{args.old}_p50_ms": pct(old_ms, .5),
                f"step{args.old}_p95_ms": pct(old_ms, .95)})


if __name__ == "__main__":
    main()
