"""`keyflow retention [--dry-run] [--days N]` on a SQLite file that really commits."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from click.testing import CliRunner
from sqlalchemy import select, update
from webui_env import DATA

from engine.accounts import create_user
from engine.clock import MovableClock
from engine.db import make_db_engine, make_session_factory
from engine.deployment import Bundle
from engine.models import HumanTask, Notification, ProcessInstance
from engine.schema import upgrade
from engine.settings import use_settings
from engine.workflow_engine import WorkflowEngine
from webui.cli import main

LONG_AGO = datetime(2020, 1, 6, 1, 0, tzinfo=UTC)  # years before any real "now"


@pytest.fixture(autouse=True)
def _forget_the_commands_settings():
    yield
    use_settings(None)


@pytest.fixture
def ended(tmp_path, monkeypatch):
    """Four approval instances started long ago: three cancelled then (the second with a
    damaged state), the last still running; (session factory, ids)."""
    url = f"sqlite:///{tmp_path / 'keyflow.db'}"
    monkeypatch.setenv("KEYFLOW_DATABASE_URL", url)
    monkeypatch.setenv("KEYFLOW_VAR_DIR", str(tmp_path / "var"))
    db = make_db_engine(url)
    upgrade(db)
    clock = MovableClock(LONG_AGO)
    kf = WorkflowEngine(clock=clock)
    sessions = make_session_factory(db)
    with sessions() as s:
        manager = create_user(s, clock, "manager", ["senior_manager"])
        kf.deploy(s, Bundle.from_folder(DATA / "approval"))
        ids = [kf.start_instance(s, "approval", manager).id for _ in range(4)]
        for instance_id in ids[:3]:
            kf.cancel_instance(s, instance_id, manager, "not needed")
        s.execute(update(ProcessInstance).where(ProcessInstance.id == ids[1])
                  .values(state="{not a state"))
        s.commit()
        assert s.scalars(select(HumanTask)).first() is not None
    yield sessions, ids
    db.dispose()


def keyflow(*args: str, code: int = 0) -> str:
    result = CliRunner().invoke(main, list(args), catch_exceptions=False)
    assert result.exit_code == code, result.output
    return result.output


def archived(sessions, ids):
    with sessions() as s:
        return [s.get(ProcessInstance, i).archived_at is not None for i in ids]


def test_off_unless_configured_or_asked(ended):
    assert "retention is off" in keyflow("retention", code=1)


def test_dry_run_then_real_run_with_a_poisoned_instance(ended, monkeypatch):
    sessions, ids = ended
    monkeypatch.setenv("KEYFLOW_RETENTION_DAYS", "365")
    out = keyflow("retention", "--dry-run", code=1)
    assert "would archive 2 instance(s)" in out and f"instance {ids[1]} not archived" in out
    assert archived(sessions, ids) == [False] * 4
    with sessions() as s:
        assert s.scalars(select(Notification).where(
            Notification.kind == "retention_failed")).first() is None  # a dry run records nothing
    out = keyflow("retention", code=1)
    assert "archived 2 instance(s)" in out
    assert archived(sessions, ids) == [True, False, True, False]
    with sessions() as s:
        assert s.scalars(select(Notification.instance_id).where(
            Notification.kind == "retention_failed")).all() == [ids[1]]


def test_days_on_the_command_line(ended, monkeypatch):
    sessions, ids = ended
    with sessions() as s:
        s.execute(update(ProcessInstance).where(ProcessInstance.id == ids[1])
                  .values(status="running"))
        s.commit()
    assert "archived 2 instance(s)" in keyflow("retention", "--days", "30")
    assert archived(sessions, ids) == [True, False, True, False]
    assert "archived 0 instance(s)" in keyflow("retention", "--days", "30")
