"""Benchmark: does a submit cost more when the instance has a long history? Over HTTP.

Starts its own embedded keyflow (bench/server.py) with bench/data/loop deployed: a loop of
four elements (merge, user task, script, split) whose user task is completed again and
again, so every step adds to the saved state. `--pairs` old instances are first advanced,
untimed, to `--old` minus half a `--window` steps; then as many young instances start, and
the timed phase alternates one submit on a young instance with one on an old one, so the
machine's noise falls on both alike: young submits at steps 0..window-1 (about `--young`),
old ones around `--old`. The step of a submit is the number of user tasks completed before
it. Only the submit call (POST /api/tasks/{id}/complete) is timed; the task id comes from
the inbox call before it. The state's size is read from the server's SQLite database when
the first old instance has exactly `--old` steps behind it.

    step200_over_step10  p50 of old submits / p50 of young submits (the headline ratio)
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

    def submit(self, instance_id: int) -> float:
        """Complete the instance's open task; seconds the submit call took."""
        _, inbox, _ = self.client.call("GET", f"/api/tasks?scope=mine&process={KEY}")
        task = next(t["id"] for t in inbox["tasks"] if t["instance_id"] == instance_id)
        _, _, seconds = self.client.call("POST", f"/api/tasks/{task}/complete",
                                         json_body={"data": {"note": "bench"}})
        return float(seconds)

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
    args = ap.parse_args()
    half = args.window // 2
    with BenchServer([BUNDLE]) as server:
        driver = LoopDriver(shared_dir(args.shared), server)
        started = time.perf_counter()
        old = [driver.start() for _ in range(args.pairs)]
        for _ in range(args.old - half):
            for instance in old:
                driver.submit(instance)
        young = [driver.start() for _ in range(args.pairs)]
        for _ in range(args.young - half):
            for instance in young:
                driver.submit(instance)
        print(f"advanced {args.pairs} instances to {args.old - half} steps in "
              f"{time.perf_counter() - started:.0f} s", flush=True)
        young_ms: list[float] = []
        old_ms: list[float] = []
        state = {}
        for step in range(args.window):
            if step == half:
                state = {"young": driver.state_kb(young[0]), "old": driver.state_kb(old[0])}
            for young_id, old_id in zip(young, old, strict=True):
                young_ms.append(driver.submit(young_id) * 1000)
                old_ms.append(driver.submit(old_id) * 1000)
        driver.close()
    for name, values, center in (("young", young_ms, args.young), ("old", old_ms, args.old)):
        print(f"{name:<5} steps {center - half}..{center + half - 1}: p50 {pct(values, .5):.1f} "
              f"ms, p95 {pct(values, .95):.1f} ms, n={len(values)}, state at {center}: "
              f"{state[name]:.1f} KB")
    headline(**{f"step{args.old}_over_step{args.young}": pct(old_ms, .5) / pct(young_ms, .5),
                f"state_kb_at_{args.old}": state["old"],
                f"state_kb_at_{args.young}": state["young"],
                f"step{args.young}_p50_ms": pct(young_ms, .5),
                f"step{args.young}_p95_ms": pct(young_ms, .95),
                f"step{args.old}_p50_ms": pct(old_ms, .5),
                f"step{args.old}_p95_ms": pct(old_ms, .95)})


if __name__ == "__main__":
    main()
