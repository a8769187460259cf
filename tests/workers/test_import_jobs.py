"""Large customer imports run by the embedded worker (the beat thread of `keyflow serve`), and
the imports tick task on its own: jobs isolated, all rows or none."""

from __future__ import annotations

import threading
import time
from datetime import timedelta
from pathlib import Path

from customer_files import csv_bytes, rows_with_bad
from sqlalchemy import func, select
from test_embedded import T0, embedded  # noqa: F401  (the embedded install fixture)

from engine.accounts import create_user
from engine.customer_import import Upload
from engine.deployment import Bundle
from engine.models import Customer, CustomerImport, HumanTask, ImportStatus, User
from engine.workflow_engine import WorkflowEngine
from workers.context import WorkerContext, use_context
from workers.embedded import start_embedded_worker
from workers.import_tasks import run_imports


def queue(kf, sessions, clock, content: bytes, dry_run: bool = False) -> int:
    with sessions.begin() as s:
        clerk = s.scalars(select(User).where(User.username == "clerk")).first() \
            or create_user(s, clock, "clerk", ["clerk"])
        job = kf.import_customers(s, clerk, Upload("c.csv", content, dry_run=dry_run), "en")
        assert isinstance(job, CustomerImport)
        return job.id


def job_status(sessions, job_id: int) -> str:
    with sessions() as s:
        return s.get_one(CustomerImport, job_id).status


def test_the_embedded_worker_runs_a_large_import(embedded):  # noqa: F811
    settings, sessions, clock, _mail = embedded
    kf = WorkflowEngine(clock=clock)
    with sessions.begin() as s:
        create_user(s, clock, "senior_manager", ["senior_manager"])
    job_id = queue(kf, sessions, clock, csv_bytes(rows_with_bad(2100)))
    beat = start_embedded_worker(settings)
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and job_status(sessions, job_id) != "done":
            time.sleep(0.1)
    finally:
        beat.stop()
        beat.join(timeout=30)
    with sessions() as s:
        job = s.get_one(CustomerImport, job_id)
        assert (job.status, job.imported, job.problems) == (ImportStatus.DONE, 2100, [])
        assert s.scalar(select(func.count()).select_from(Customer)) == 2100


def test_a_failing_job_does_not_stop_the_next_one(embedded):  # noqa: F811
    settings, sessions, clock, _mail = embedded
    kf = WorkflowEngine(clock=clock)
    with sessions.begin() as s:
        create_user(s, clock, "senior_manager", ["senior_manager"])
    broken = queue(kf, sessions, clock, csv_bytes(rows_with_bad(2100)))
    good = queue(kf, sessions, clock, csv_bytes(rows_with_bad(2100)), dry_run=True)
    with sessions.begin() as s:
        s.get_one(CustomerImport, broken).content = b"\xff\xfe\x00"  # damaged on the way
    use_context(WorkerContext.build(settings))
    result = run_imports.apply()
    assert not result.failed() and result.result == 2
    assert (job_status(sessions, broken), job_status(sessions, good)) == ("failed", "done")
    with sessions() as s:
        assert s.get_one(CustomerImport, good).processed == 2100
        assert s.scalar(select(func.count()).select_from(Customer)) == 0


def test_timers_fire_while_a_long_import_runs(embedded, monkeypatch):  # noqa: F811
    """The import runs on the embedded worker's slow lane: a job that takes minutes (here:
    held until released) does not hold back the tick that fires timers."""
    settings, sessions, clock, _mail = embedded
    kf = WorkflowEngine(clock=clock)
    with sessions.begin() as s:
        manager = create_user(s, clock, "senior_manager", ["senior_manager"])
        kf.deploy(s, Bundle.from_folder(Path(__file__).parents[1] / "data" / "timer_wait"))
        instance = kf.start_instance(s, "timer_wait", manager).id
    with sessions.begin() as s:
        task = s.scalars(select(HumanTask).where(HumanTask.instance_id == instance)).one()
        kf.complete_task(s, task.id, s.merge(manager), {})
    job_id = queue(kf, sessions, clock, csv_bytes(rows_with_bad(2100)))  # a job, not inline
    started, release = threading.Event(), threading.Event()
    real_run = WorkflowEngine.run_customer_import

    def held_run(self, transaction, job):
        started.set()
        assert release.wait(timeout=120)
        return real_run(self, transaction, job)

    monkeypatch.setattr(WorkflowEngine, "run_customer_import", held_run)
    beat = start_embedded_worker(settings)
    try:
        assert started.wait(timeout=60)
        clock.set(T0 + timedelta(hours=2, minutes=1))  # the instance's timer is due
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and open_step(sessions, instance) != "report":
            time.sleep(0.1)
        assert open_step(sessions, instance) == "report"
        assert job_status(sessions, job_id) == "checking"  # still held: it ran beside it
    finally:
        release.set()
        beat.stop()
        beat.join(timeout=30)
    assert not beat.is_alive()
    assert job_status(sessions, job_id) == "done"


def open_step(sessions, instance_id: int) -> str | None:
    with sessions() as s:
        return s.scalar(select(HumanTask.bpmn_id).where(
            HumanTask.instance_id == instance_id, HumanTask.state.in_(["ready", "claimed"])))
