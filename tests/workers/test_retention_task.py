"""The daily retention task (`workers.tasks.retention`, run by beat and the embedded beat) on a
database that commits: one transaction per instance, a poisoned one recorded (issue 15)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select, update

from engine.accounts import create_user
from engine.attachments import AttachmentStore, Upload
from engine.deployment import Bundle
from engine.models import HumanTask, Notification, ProcessInstance, User
from engine.settings import Settings
from engine.workflow_engine import WorkflowEngine
from workers.celery_app import DAY, beat_schedule
from workers.clock import FileClock
from workers.context import WorkerContext, use_context
from workers.tasks import retention

T0 = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)
TIMER_WAIT = Path(__file__).parents[1] / "data" / "timer_wait"


@pytest.fixture
def ended(database, tmp_path):
    """Four timer_wait instances run to their end at T0 + 2 h; a worker context whose
    retention keeps 30 days; (session factory, clock, instance ids, settings for a context)."""
    url, sessions = database
    clock = FileClock(tmp_path / "clock.txt")
    clock.set(T0)
    kf = WorkflowEngine(clock=clock)
    with sessions.begin() as s:
        manager = create_user(s, clock, "manager", ["senior_manager"])
        kf.deploy(s, Bundle.from_folder(TIMER_WAIT))
        ids = [kf.start_instance(s, "timer_wait", manager).id for _ in range(4)]
    for step in range(2):
        if step:
            clock.set(T0 + timedelta(hours=2, seconds=1))
            with sessions.begin() as s:
                kf.fire_due_timers(s)
        with sessions.begin() as s:
            open_tasks = select(HumanTask).where(HumanTask.state.in_(("ready", "claimed")))
            for task in s.scalars(open_tasks).all():
                kf.complete_task(s, task.id, s.merge(manager), {})

    def context(**settings):
        use_context(WorkerContext.build(Settings(
            database_url=url, clock_file=str(clock.path), var_dir=str(tmp_path / "var"),
            secret_key="retention-test", digest_at="off", **settings)))

    yield sessions, clock, ids, context
    use_context(None)


def archived(sessions, ids):
    with sessions() as s:
        return [s.get(ProcessInstance, i).archived_at is not None for i in ids]


def test_the_daily_task_archives_old_instances_and_records_a_poisoned_one(ended):
    sessions, clock, ids, context = ended
    with sessions.begin() as s:
        assert {s.get(ProcessInstance, i).status for i in ids} == {"completed"}
        s.execute(update(ProcessInstance).where(ProcessInstance.id == ids[1])
                  .values(state="{not a state"))
    context(retention_days=30)
    clock.set(T0 + timedelta(days=29))
    assert retention() == 0
    clock.set(T0 + timedelta(days=31))
    assert retention() == 3
    assert archived(sessions, ids) == [True, False, True, True]
    with sessions() as s:
        failure = s.scalars(select(Notification).where(
            Notification.kind == "retention_failed")).one()
        assert (failure.instance_id, failure.status) == (ids[1], "failed")
        assert s.get(ProcessInstance, ids[1]).state == "{not a state"
    assert retention() == 0  # nothing left; the poisoned one is tried again, recorded once


def test_retention_off_archives_nothing(ended):
    sessions, clock, ids, context = ended
    context()
    clock.set(T0 + timedelta(days=3650))
    assert retention() == 0
    assert archived(sessions, ids) == [False] * 4


def test_the_daily_task_removes_attachment_files_no_row_names(ended, tmp_path):
    """Even with retention off: a file whose upload never committed is removed once it is
    older than the grace period; files of attachments stay."""
    sessions, clock, ids, context = ended
    store = AttachmentStore(tmp_path / "var" / "attachments")
    kf = WorkflowEngine(clock=clock)
    with sessions.begin() as s:
        manager = s.scalars(select(User).where(User.username == "manager")).one()
        kept = kf.add_attachment(s, store, manager, ids[0], Upload("报价.txt", "报价".encode()),
                                 max_bytes=1024).stored_name
    orphan = store.save(b"written, then the process died before its commit")
    context()
    clock.set(datetime.now(UTC))  # file ages are wall-clock: the worker's now is too
    retention()
    assert store.path(orphan).exists()  # it may be an upload still in flight
    clock.set(datetime.now(UTC) + timedelta(hours=2))
    retention()
    assert not store.path(orphan).exists() and store.path(kept).read_bytes() == "报价".encode()


def test_beat_sends_retention_once_a_day():
    entry = beat_schedule(30.0)["keyflow.retention"]
    assert (entry["task"], entry["schedule"]) == ("keyflow.retention", DAY)
