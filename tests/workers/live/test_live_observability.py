"""A web request's id reaches the line a real Celery worker writes when it sends the request's
mail; `keyflow worker` and `keyflow beat` in department mode write JSON lines."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from sqlalchemy import select

from engine.accounts import create_token
from engine.models import HumanTask
from engine.settings import Settings
from webui import create_app

KEYFLOW = str(Path(sys.executable).parent / "keyflow")


def json_lines(path: Path) -> list[dict]:
    """Every line of a process's output, each of which must be one JSON object — but for the
    notices Celery's signal handlers write straight to standard output (`worker: Warm
    shutdown (MainProcess)`), which are no log records."""
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()
            if line.strip() and not line.startswith("worker: ")]


def test_the_request_id_travels_on_the_outbox_row_into_the_workers_log(
        world, processes, smtp, wait_for, live_env, tmp_path):
    world.setup(["approval"])
    with world.sessions.begin() as session:
        token = create_token(session, world.clock, world.user(session, "head"), "test")
    settings = Settings(database_url=live_env["KEYFLOW_DATABASE_URL"], var_dir=str(tmp_path),
                        secret_key=live_env["KEYFLOW_SECRET_KEY"])
    app = create_app(test_config={"TESTING": True, "CLOCK": world.clock}, settings=settings)
    started = app.test_client().post(
        "/api/processes/approval/instances", json={"data": {}, "owner": "manager"},
        headers={"Authorization": f"Bearer {token}", "X-Request-ID": "req-live-00000001"})
    app.extensions["keyflow.db_engine"].dispose()
    assert started.status_code == 201
    with world.sessions() as session:
        submit = session.scalars(select(HumanTask.id).where(
            HumanTask.instance_id == started.get_json()["id"])).one()

    worker = processes._start("worker", [KEYFLOW, "worker", "--pool", "solo",
                                         "--concurrency", "1"])
    beat = processes._start("beat", [KEYFLOW, "beat", "--schedule-file",
                                     str(tmp_path / "beat.schedule")])
    key = f"task:{submit}:assigned"
    wait_for(lambda: key in set(smtp.keys()), 60, "the assigned mail")
    worker_log = processes.logs / f"worker-{processes.running.index(worker)}.log"
    wait_for(lambda: "req-live-00000001" in worker_log.read_text(errors="replace"), 30,
             "the worker's line about the mail")
    processes.stop_all()

    lines = json_lines(worker_log)
    [mail] = [line for line in lines if line.get("key") == key]
    assert (mail["request_id"], mail["status"], mail["logger"]) == (
        "req-live-00000001", "sent", "workers.tasks")
    runs = [line for line in lines if line.get("task") == "keyflow.relay"]
    assert mail["run_id"] in {run["run_id"] for run in runs}
    assert all(run["status"] == "ok" and run["request_id"] == run["run_id"] for run in runs)
    beat_lines = json_lines(processes.logs / f"beat-{processes.running.index(beat)}.log")
    assert beat_lines and all(line["level"] for line in beat_lines)
    everything = "".join(p.read_text(encoding="utf-8") for p in processes.logs.glob("*.log"))
    assert token not in everything and token[3:20] not in everything
    assert live_env["KEYFLOW_SECRET_KEY"] not in everything
