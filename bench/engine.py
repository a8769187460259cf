"""Benchmark: keyflow's engine on SQLite or PostgreSQL against bare SpiffWorkflow in memory.

Drives N instances of the 5-user-task process tests/data/five_steps through
WorkflowEngine (start, then complete every task as a user of its role, one transaction
per command) and, in the same run, bare SpiffWorkflow doing the same work with a JSON
serialize/deserialize round trip (SpiffWorkflow's own serializer, spec included) per step.
Prints instances/s and completions/s of both and their ratio (keyflow / bare), wall time;
the headline adds cpu_ratio, this process's CPU time (on PostgreSQL without the server's).

    .venv/bin/python -m bench.engine [-n 200] [--url postgresql+psycopg://postgres@127.0.0.1/keyflow_bench]
    .venv/bin/python -m bench.engine --url sqlite:////tmp/keyflow_bench_engine.db

The database named in --url is created if missing and its tables are recreated.
(Run it as a module: as a script its own name would shadow the `engine` package.)
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.engine import make_url

from bench.common import ensure_database, headline
from engine.accounts import create_user, get_user
from engine.clock import SystemClock
from engine.db import make_db_engine, make_session_factory
from engine.deployment import Bundle
from engine.models import Base, HumanTask, ProcessDefinition
from engine.roles import LANE_ROLES
from engine.workflow_engine import WorkflowEngine

BUNDLE = Path(__file__).parents[1] / "tests" / "data" / "five_steps"


def sample_data(schema: dict[str, object] | None) -> dict[str, object]:
    """Valid data for a form: each property gets its first enum value or a value of its type."""
    values = {"number": 1, "integer": 1, "string": "bench", "boolean": True}
    props = (schema or {}).get("properties", {})
    assert isinstance(props, dict)
    return {name: prop.get("enum", [values[prop.get("type", "string")]])[0]
            for name, prop in props.items()}


def run_keyflow(url: str, n: int) -> tuple[float, int, float]:
    """Drive n instances through WorkflowEngine; (seconds, completions, CPU seconds of this
    process: all of keyflow's work on SQLite, without the server's part on PostgreSQL)."""
    ensure_database(url)
    db = make_db_engine(url)
    Base.metadata.drop_all(db)
    Base.metadata.create_all(db)
    sessions = make_session_factory(db)
    clock = SystemClock()
    kf = WorkflowEngine(clock=clock)
    with sessions() as s, s.begin():
        for role in LANE_ROLES:
            create_user(s, clock, role, [role])
        deployed = kf.deploy(s, Bundle.from_folder(BUNDLE))
    with sessions() as s:
        users = {role: get_user(s, role) for role in LANE_ROLES}
        definition = s.get(ProcessDefinition, deployed[0].definition_id)
        forms = kf.runtime.specs.get(definition).forms
    data = {key: sample_data(schema) for key, schema in forms.items()}
    completions = 0
    started, cpu = time.perf_counter(), time.process_time()
    for _ in range(n):
        with sessions() as s, s.begin():
            instance_id = kf.start_instance(s, "five_steps", users["senior_manager"]).id
        while True:
            with sessions() as s:
                task = s.scalars(select(HumanTask).where(
                    HumanTask.instance_id == instance_id,
                    HumanTask.state.in_(["ready", "claimed"]))).first()
            if task is None:
                break
            with sessions() as s, s.begin():
                kf.complete_task(s, task.id, users[task.role], data.get(task.form_key or "", {}))
            completions += 1
    elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
    db.dispose()
    return elapsed, completions, cpu


def run_bare_engine(n: int) -> tuple[float, int, float]:
    """Drive n instances with bare SpiffWorkflow and a JSON round trip per step, in a process
    of its own: this one imported keyflow's engine, whose engine.bpmn changes SpiffWorkflow's
    tree walks (depth limits, task_walks) — the reference must be SpiffWorkflow as shipped."""
    done = subprocess.run([sys.executable, "-c", _BARE_CHILD, str(BUNDLE), str(n)],
                          cwd=Path(__file__).parents[1], check=True, capture_output=True,
                          text=True)
    wall_s, completions, cpu_s = json.loads(done.stdout.strip().splitlines()[-1])
    return float(wall_s), int(completions), float(cpu_s)


_BARE_CHILD = """
import json, sys
from pathlib import Path
from bench.bare import run_bare
bare = run_bare(Path(sys.argv[1]), "five_steps", int(sys.argv[2]),
                lambda _: {"amount": 12, "note": "bench"})
assert not any(name == "engine" or name.startswith("engine.") for name in sys.modules)
print(json.dumps([bare.wall_s, bare.completions, bare.cpu_s]))
"""


def main() -> None:
    """Run both and print the figures."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("-n", type=int, default=200, help="instances per side")
    ap.add_argument("--url", default="postgresql+psycopg://postgres@127.0.0.1:5432/keyflow_bench")
    args = ap.parse_args()
    kf_s, kf_c, kf_cpu = run_keyflow(args.url, args.n)
    bare_s, bare_c, bare_cpu = run_bare_engine(args.n)
    print(f"instances: {args.n}, user tasks per instance: 5")
    database = make_url(args.url).get_backend_name()
    print(f"keyflow ({database:<10}): {args.n / kf_s:8.1f} instances/s  {kf_c / kf_s:8.1f} "
          f"completions/s  ({kf_s:.2f} s, {kf_c} completions)")
    print(f"bare SpiffWorkflow   : {args.n / bare_s:8.1f} instances/s  {bare_c / bare_s:8.1f} "
          f"completions/s  ({bare_s:.2f} s, {bare_c} completions)")
    print(f"ratio keyflow/bare   : {bare_s / kf_s:.2f}")
    headline(time_ratio=kf_s / bare_s, cpu_ratio=kf_cpu / bare_cpu,
             keyflow_completions_per_s=kf_c / kf_s, bare_completions_per_s=bare_c / bare_s,
             db=database, n=args.n)


if __name__ == "__main__":
    main()
