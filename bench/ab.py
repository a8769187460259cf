"""Benchmark: two checkouts' server CPU on the reference workload, under the same drift.

The shared machine's speed swings by a third and more within minutes, and an HTTP run
suffers from it more than bare SpiffWorkflow does: two `bench.workload` runs of the same
code gave cpu_ratio 2.8 and 4.0 ten minutes apart. To tell whether a change helps, this
starts both servers at once (embedded `keyflow serve`, each checkout from its own
virtualenv: run `make setup` in the other checkout first), then drives rounds of the
reference workload at one and then the other, the order swapped every round, and samples
each server's CPU around its own rounds. Both see the same minutes, so their ratio keeps
what the machine's speed does not. A round's ratio still varies by ±20% and a run's total by
±5% (the same code against itself: 0.975 over 8 rounds; with an environment variable that
changed nothing, 0.949 and 1.001 over 30): judge by several runs of 30–40 rounds.

    .venv/bin/python -m bench.ab ../other-checkout [-n 20] [--rounds 40]

Headline: `b_over_a=… a_cpu_ms_per_instance=… b_cpu_ms_per_instance=… median_round=…`,
where A is the other checkout and B this one.
"""

from __future__ import annotations

import argparse
import statistics
from pathlib import Path

from bench.common import ROOT, headline, shared_dir
from bench.server import BenchServer
from bench.workload import drive


def main() -> None:
    """Start both servers, alternate the rounds, print each round and the totals."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("other", type=Path, help="the checkout to compare with (A)")
    ap.add_argument("-n", type=int, default=20, help="instances per round and server")
    ap.add_argument("--rounds", type=int, default=40)
    ap.add_argument("--warmup", type=int, default=10, help="untimed instances per server")
    ap.add_argument("--shared", help="folder of http_workload.py (default ../shared/bench)")
    args = ap.parse_args()
    shared = shared_dir(args.shared)
    bundles = [shared / "workload"]
    sample = shared / "cpu_sample.py"
    with BenchServer(bundles, checkout=args.other) as a, BenchServer(bundles, checkout=ROOT) as b:
        servers = {"A": a, "B": b}
        for server in servers.values():
            drive(shared, server, args.warmup, 1, server.tmp / "warmup.json", quiet=True)
        spent = {"A": 0.0, "B": 0.0}
        ratios = []
        for r in range(args.rounds):
            per: dict[str, float] = {}
            for name in ("A", "B") if r % 2 == 0 else ("B", "A"):
                server = servers[name]
                before, _ = server.cpu_seconds(sample)
                drive(shared, server, args.n, 1, server.tmp / "round.json", quiet=True)
                after, _ = server.cpu_seconds(sample)
                spent[name] += after - before
                per[name] = (after - before) * 1000 / args.n
            ratios.append(per["B"] / per["A"])
            print(f"round {r + 1}: A {per['A']:.1f} ms, B {per['B']:.1f} ms CPU per instance, "
                  f"B/A {ratios[-1]:.3f}", flush=True)
    instances = args.n * args.rounds
    headline(b_over_a=spent["B"] / spent["A"], a_cpu_ms_per_instance=spent["A"] * 1000 / instances,
             b_cpu_ms_per_instance=spent["B"] * 1000 / instances,
             median_round=statistics.median(ratios), a=str(args.other.resolve()), n=args.n,
             rounds=args.rounds)


if __name__ == "__main__":
    main()
