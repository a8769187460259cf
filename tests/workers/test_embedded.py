"""Embedded mode: no broker; the beat schedule runs in a thread, mail goes to var/mail."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select, update

from engine.accounts import create_user
from engine.db import make_db_engine, make_session_factory
from engine.deployment import Bundle
from engine.models import Base, HumanTask, Notification, ProcessInstance
from engine.settings import Settings
from engine.workflow_engine import WorkflowEngine
from workers.celery_app import DAILY_TASKS, TICK_TASKS
from workers.clock import FileClock
from workers.context import use_context, worker_context
from workers.embedded import start_embedded_worker

T0 = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)


@pytest.fixture
def embedded(tmp_path, monkeypatch):
    """KEYFLOW_* of an embedded install in tmp_path with a fast tick, and its settings."""
    url = f"sqlite:///{tmp_path / 'keyflow.db'}"
    clock = FileClock(tmp_path / "clock.txt")
    clock.set(T0)
    for name, value in {"DATABASE_URL": url, "VAR_DIR": str(tmp_path / "var"),
                        "CLOCK_FILE": str(clock.path), "DIGEST_AT": "off",
                        "TICK_SECONDS": "0.2"}.items():
        monkeypatch.setenv(f"KEYFLOW_{name}", value)
    for name in ("BROKER_URL", "SMTP_URL", "SECRET_KEY"):
        monkeypatch.delenv(f"KEYFLOW_{name}", raising=False)
    db = make_db_engine(url)
    Base.metadata.create_all(db)
    yield Settings.from_env(), make_session_factory(db), clock, tmp_path / "var" / "mail"
    use_context(None)
    db.dispose()


def test_the_beat_thread_runs_the_worker_tasks(embedded):
    settings, sessions, clock, mail = embedded
    kf = WorkflowEngine(clock=clock)
    with sessions.begin() as s:
        manager = create_user(s, clock, "manager", ["senior_manager"], email="m@example.test",
                              language="en")
        create_user(s, clock, "head", ["dept_head"], email="h@example.test")
        kf.deploy(s, Bundle.from_folder(Path(__file__).parents[1] / "data" / "timer_wait"))
        instance = kf.start_instance(s, "timer_wait", manager).id
    with sessions.begin() as s:
        task = s.scalars(select(HumanTask).where(HumanTask.instance_id == instance)).one()
        kf.complete_task(s, task.id, s.merge(manager), {})
    beat = start_embedded_worker(settings)  # what `keyflow serve` does without a broker
    assert set(beat.schedule) == {*TICK_TASKS, *DAILY_TASKS}
    assert worker_context().settings is settings
    try:
        clock.set(T0 + timedelta(hours=2, minutes=1))  # the timer fires inside the web process
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline and not list(mail.glob("*.eml")):
            time.sleep(0.1)
    finally:
        beat.stop()
        beat.join(timeout=10)
    assert not beat.is_alive()
    with sessions() as s:
        assert set(s.scalars(select(Notification.status))) == {"sent"}
        # One mail: the report task the timer opened for the manager (the plan task his own
        # start gave him mailed nobody).
        [note] = s.scalars(select(Notification)).all()
        report = s.scalars(select(HumanTask.id).where(HumanTask.instance_id == instance,
                                                      HumanTask.bpmn_id == "report")).one()
    texts = [p.read_text() for p in mail.glob("*.eml")]
    assert note.idempotency_key == f"task:{report}:assigned"
    assert len(texts) == 1 and f"X-Keyflow-Key: task:{report}:assigned" in texts[0]


def test_a_damaged_instance_does_not_stop_the_embedded_tick(embedded):
    settings, sessions, clock, _mail = embedded
    kf = WorkflowEngine(clock=clock)
    with sessions.begin() as s:
        manager = create_user(s, clock, "manager", ["senior_manager"])
        kf.deploy(s, Bundle.from_folder(Path(__file__).parents[1] / "data" / "timer_wait"))
        ids = [kf.start_instance(s, "timer_wait", manager).id for _ in range(3)]
    with sessions.begin() as s:
        for task in s.scalars(select(HumanTask)).all():
            kf.complete_task(s, task.id, s.merge(manager), {})
    with sessions.begin() as s:
        s.execute(update(ProcessInstance).where(ProcessInstance.id == ids[1])
                  .values(state="{damaged"))
    beat = start_embedded_worker(settings)
    try:
        clock.set(T0 + timedelta(hours=2, minutes=1))
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline and _statuses(sessions, ids) != [
                "report", "error", "report"]:
            time.sleep(0.1)
    finally:
        beat.stop()
        beat.join(timeout=10)
    assert _statuses(sessions, ids) == ["report", "error", "report"]


def _statuses(sessions, ids):
    """The open task of each instance, or its status when it has none."""
    with sessions() as s:
        found = []
        for instance_id in ids:
            task = s.scalar(select(HumanTask.bpmn_id).where(
                HumanTask.instance_id == instance_id, HumanTask.state.in_(["ready", "claimed"])))
            found.append(task or s.get(ProcessInstance, instance_id).status)
        return found
