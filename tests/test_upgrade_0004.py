"""Upgrading a keyflow with running instances from migration 0004 (main before 0005) to head.

tests/data/upgrade_0004/rows.json holds a database as the 0004 code wrote it (made by its
make_rows.py running that code): users, two deployed bundles, instances waiting at a task, on
a timer and completed. It is loaded into a schema built by Alembic at 0004, upgraded to head,
and every instance then runs on through today's engine to its end.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner
from postgres_databases import fresh_postgres
from sqlalchemy import DateTime, Engine, MetaData, select, text

from engine.backup.schema_state import head_revision
from engine.clock import MovableClock
from engine.db import make_db_engine, make_session_factory
from engine.models import HumanTask, ProcessInstance, User
from engine.queries.instances import element_states, instance_data
from engine.schema import upgrade
from engine.settings import use_settings
from engine.workflow_engine import WorkflowEngine
from webui.cli import main

ROWS = json.loads((Path(__file__).parent / "data" / "upgrade_0004" / "rows.json")
                  .read_text(encoding="utf-8"))
T0 = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)


def load_0004(engine: Engine) -> None:
    """The 0004 schema (Alembic) with the rows the 0004 code wrote."""
    upgrade(engine, "0004")
    metadata = MetaData()
    metadata.reflect(engine)
    with engine.begin() as conn:
        for table in metadata.sorted_tables:
            if table.name == "alembic_version" or not ROWS[table.name]:
                continue
            times = {c.name for c in table.columns if isinstance(c.type, DateTime)}
            conn.execute(table.insert(), [
                {k: datetime.fromisoformat(v) if k in times and v else v for k, v in row.items()}
                for row in ROWS[table.name]])
            if engine.dialect.name == "postgresql" and "id" in table.columns:
                conn.execute(text(f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), "
                                  f"(SELECT max(id) FROM {table.name}))"))


def by_key(session, business_key):
    return session.scalars(select(ProcessInstance).where(
        ProcessInstance.business_key == business_key)).one()


def open_tasks(session, instance):
    return session.scalars(select(HumanTask).where(
        HumanTask.instance_id == instance.id,
        HumanTask.state.in_(("ready", "claimed"))).order_by(HumanTask.id)).all()


def run_to_the_end(engine: Engine) -> None:
    """Every instance of the 0004 database continues through today's engine to its end."""
    clock = MovableClock(T0 + timedelta(minutes=5))
    kf = WorkflowEngine(clock=clock)
    with make_session_factory(engine)() as s:
        people = {u.username: u for u in s.scalars(select(User))}
        manager, head, director = people["manager"], people["head"], people["director"]
        # 0005 made the starting senior manager the owner of what they started.
        assert {i.owner_id for i in s.scalars(select(ProcessInstance))} == {manager.id}
        done = by_key(s, "done")
        assert done.status == "completed" and "approved_end" in element_states(
            kf, done).completed
        assert instance_data(kf, by_key(s, "at_review"))["net_value"] == 60
        at_review, at_submit, timer = (by_key(s, k) for k in ("at_review", "at_submit",
                                                                  "timer"))
        assert [t.bpmn_id for t in open_tasks(s, at_review)] == ["review"]
        assert [t.bpmn_id for t in open_tasks(s, timer)] == []
        # The old instances' timers fire: the review escalates, the waiting one goes on.
        clock.set(T0 + timedelta(days=3, minutes=1))
        assert kf.fire_due_timers(s) == 2
        s.commit()
        assert [t.bpmn_id for t in open_tasks(s, at_review)] == ["review", "escalated_review"]
        escalated = open_tasks(s, at_review)[1]
        kf.claim_task(s, escalated.id, director)
        kf.complete_task(s, escalated.id, director, {"note": "seen"})
        kf.complete_task(s, open_tasks(s, at_review)[0].id, head, {"decision": "approve"})
        kf.complete_task(s, open_tasks(s, timer)[0].id, manager, {"outcome": "done"})
        kf.complete_task(s, open_tasks(s, at_submit)[0].id, manager,
                         {"title": "新板房", "amount": 80, "costs": 10})
        review = open_tasks(s, at_submit)[0]
        kf.claim_task(s, review.id, head)
        kf.complete_task(s, review.id, head, {"decision": "reject"})
        s.commit()
        statuses = {i.business_key: i.status for i in s.scalars(select(ProcessInstance))}
        assert statuses == dict.fromkeys(("at_review", "at_submit", "timer", "done"),
                                         "completed")
        assert "rejected_end" in element_states(kf, by_key(s, "at_submit")).completed


def test_running_instances_go_on_after_upgrading_from_0004_on_sqlite(tmp_path):
    engine = make_db_engine(f"sqlite:///{tmp_path / 'keyflow.db'}")
    load_0004(engine)
    upgrade(engine)
    run_to_the_end(engine)
    engine.dispose()


@pytest.mark.postgres
def test_running_instances_go_on_after_upgrading_from_0004_on_postgres(pg_engine):
    with fresh_postgres(pg_engine, "upgrade_0004") as engine:
        load_0004(engine)
        upgrade(engine)
        run_to_the_end(engine)


@pytest.fixture
def _forget_the_commands_settings():
    yield
    use_settings(None)


def test_a_0004_backup_is_restored_upgraded_and_its_instances_go_on(
        tmp_path, monkeypatch, _forget_the_commands_settings):
    old = tmp_path / "old"
    engine = make_db_engine(f"sqlite:///{old / 'keyflow.db'}")
    load_0004(engine)
    engine.dispose()
    runner = CliRunner()

    def keyflow(where, *args):
        monkeypatch.setenv("KEYFLOW_DATABASE_URL", f"sqlite:///{where / 'keyflow.db'}")
        monkeypatch.setenv("KEYFLOW_VAR_DIR", str(where))
        result = runner.invoke(main, list(args), catch_exceptions=False)
        assert result.exit_code == 0, result.output
        return result.output

    assert "schema 0004" in keyflow(old, "backup", str(tmp_path / "0004.kfbackup"))
    new = tmp_path / "new"
    out = keyflow(new, "restore", str(tmp_path / "0004.kfbackup"))
    assert "schema 0004" in out and f"schema now at {head_revision()}" in out
    engine = make_db_engine(f"sqlite:///{new / 'keyflow.db'}")
    run_to_the_end(engine)
    engine.dispose()
